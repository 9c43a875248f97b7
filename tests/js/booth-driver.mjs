// Drives the booth's protocol module for tests/web/test_booth_js.py, one JSON
// line at a time on stdin/stdout, as the browser would talk to the server:
//
//   in:  {"params": <booth parameters>, "selections": {label: [...]},
//         "answers": {question id: answer}}   (a project question's answer, as
//                                              ballots/encoding.py takes it)
//   out: {"blinded": b64}
//   in:  {"blind_signature": b64}
//   out: {"credential": …, "ballot": …, "tracking_code": hex, "short": …, "spoiled": …,
//         "selections": {label: [...]}, "encrypt_ms": n}
//
// The selections of a project question come from its answer (projectSelections);
// the others are given as they are.

import { webcrypto } from "node:crypto";
import { createInterface } from "node:readline";

import * as p from "../../web/static/booth/protocol.js";

globalThis.crypto ??= webcrypto; // Node 18 has no global Web Crypto

const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const read = async () => JSON.parse((await lines.next()).value);
const write = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);

const { params, selections: given = {}, answers = {} } = await read();
const rsaKey = await p.importCredentialKey(p.b64decode(params.credential_key));
const request = await p.startCredential(rsaKey, p.b64decode(params.fingerprint));
write({ blinded: p.b64encode(request.blinded) });
const { blind_signature: blindSignature } = await read();
const credential = await p.finishCredential(rsaKey, request, p.b64decode(blindSignature));
const started = performance.now();
const selections = { ...given };
for (const spec of params.contests) {
  if (p.PROJECT_TYPES.includes(spec.type) && Object.hasOwn(answers, spec.question)) {
    selections[spec.label] = p.projectSelections(spec, answers[spec.question]);
  }
}
const made = p.encryptBallot(params, credential, selections);
const encryptMs = performance.now() - started;
write({
  credential,
  ballot: made.ballot,
  canonical: new TextDecoder().decode(made.canonical),
  tracking_code: made.trackingCode,
  short: p.trackingCodeShort(made.trackingCode),
  spoiled: p.spoil(made.ballot, made.secrets),
  selections,
  encrypt_ms: encryptMs,
});
