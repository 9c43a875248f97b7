"""Who may vote, and their unlinkable voting credentials.

`nrn` parses register numbers; `register` reads and imports the voter register;
`eligibility` decides who may vote; `pollcards` makes the codes and letters;
`providers` authenticates residents (`login`); `credentials` is RSA blind
signatures (RFC 9474) and the credential itself; `issuance` issues one credential
per voter and records paper votes. docs/threat-model.md says what the blind
credentials protect against.
"""
