"""What the officials' pages say when something is refused: in Dutch and French, in the
official's words, never the English of a domain error, a CLI flag or a server path;
and no upload, however odd, is a 500."""

from __future__ import annotations

import io
import re
from pathlib import Path

import nacl.signing
import pytest
from flask import Flask
from flask.testing import FlaskClient

from evoting.crypto.keyfile import write_key_file
from tests.integration.conftest import EXAMPLES, Setup
from tests.web.test_officials import PASSWORD, log_in, token

ELECTION = "/officials/e/kortrijk-2019"
LEAKS = ("--early", "--replace", "/tmp", "Traceback", "wrong passphrase", "evote ", "pass ",
         "2019-05-27T", "election '", "ElectionError")  # fmt: skip


@pytest.fixture
def official(client: FlaskClient, setup: Setup) -> FlaskClient:
    """Olaf, an official, logged in; the page's language is chosen per request."""
    from evoting.accounts import add_official
    from tests.integration.conftest import NOW

    with setup.factory() as session, session.begin():
        add_official(session, "olaf", PASSWORD, "official", NOW)
        add_official(session, "ada", PASSWORD, "admin", NOW)
    log_in(client, "olaf")
    return client


def refusals(page: str) -> list[str]:
    """The page's error messages (flashed or inline), as text."""
    found = re.findall(r'<(?:p|div) class="error"[^>]*>(.*?)</(?:p|div)>', page, re.DOTALL)
    return [re.sub(r"<[^>]+>", "", f).strip() for f in found]


def clean(text: str) -> str:
    for leak in LEAKS:
        assert leak not in text, (leak, text)
    return text


def post_then_read(client: FlaskClient, path: str, data: dict[str, object], language: str,
                   back: str = ELECTION) -> list[str]:  # fmt: skip
    """Post a form, then read the page it leads back to, in ``language``."""
    answer = client.post(path, data={"csrf_token": token(client, back), **data},
                         headers={"Accept-Language": language})  # fmt: skip
    assert answer.status_code in (200, 302, 400), answer.status_code
    page = answer.get_data(as_text=True) if answer.status_code != 302 else client.get(
        f"{back}?lang={language}").get_data(as_text=True)  # fmt: skip
    return [clean(r) for r in refusals(page)]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("nl", "De stemming loopt tot 27/05/2019 20:00. Wie nu sluit, ontneemt inwoners hun stem"),
        ("fr", "Le scrutin est ouvert jusqu’au 27/05/2019 20:00. Le clôturer maintenant"),
        ("en", "The vote runs until 27/05/2019 20:00. Closing it now would cut residents off"),
    ],
)
def test_closing_early_is_refused_in_words_with_a_belgian_date_and_time(
    official: FlaskClient, language: str, expected: str
) -> None:
    # 27 May 2019 at 20:00 in Brussels is 18:00 UTC: the page shows Belgian time
    said = post_then_read(official, f"{ELECTION}/close", {}, language)
    assert len(said) == 1
    assert said[0].startswith(expected), said


def _close_early(client: FlaskClient) -> None:
    client.post(f"{ELECTION}/close", data={"csrf_token": token(client, ELECTION), "early": "1"})
    assert 'data-state="closed"' in client.get(ELECTION).get_data(as_text=True)


@pytest.fixture
def closed(official: FlaskClient) -> FlaskClient:
    """The vote closed early, no ballot cast: the tally form is shown."""
    _close_early(official)
    return official


@pytest.fixture
def authority_key(tmp_path: Path) -> bytes:
    path = tmp_path / "authority.key"
    key = nacl.signing.SigningKey.generate()
    write_key_file(path, "authority", bytes(key), "authority passphrase", "interactive")
    return path.read_bytes()


def _tally(client: FlaskClient, language: str, *, key: bytes | None, passphrase: str = "x" * 12,
           partials: list[bytes] = ()) -> list[str]:  # type: ignore[assignment]  # fmt: skip
    """The tally form, signing here with the authority's key file (the demo's way)."""
    files: dict[str, object] = {"passphrase": passphrase, "signing": "here"}
    if key is not None:
        files["authority_key"] = (io.BytesIO(key), "authority.key")
    if partials:
        files["partials"] = [(io.BytesIO(p), f"p{i}.json") for i, p in enumerate(partials)]
    return post_then_read(client, f"{ELECTION}/tally", files, language)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("nl", "De telling werd geweigerd: Het sleutelbestand van de overheid of de wachtzin "
               "ervan klopt niet."),
        ("fr", "Le dépouillement a été refusé : Le fichier de clé de l’autorité ou sa phrase "
               "secrète n’est pas correct."),
    ],
)  # fmt: skip
def test_a_wrong_passphrase_is_said_without_the_servers_path(
    closed: FlaskClient, authority_key: bytes, language: str, expected: str
) -> None:
    said = _tally(closed, language, key=authority_key, passphrase="not the passphrase")
    assert said == [expected]
    assert 'data-state="closed"' in closed.get(ELECTION).get_data(as_text=True)


@pytest.mark.parametrize(
    ("upload", "expected"),
    [
        ({"key": None}, "Het sleutelbestand van de overheid ontbreekt."),
        ({"key": b"\xff\xfe\x00garbage"}, "Dit is niet het sleutelbestand van de overheid"),
        ({"key": b"[" * 100_000}, "Dit is niet het sleutelbestand van de overheid"),
        ({"partials": [b""]}, "Bestand 1 van 1 met een gedeeltelijke ontsleuteling is leeg"),
        ({"partials": [b"{}", b"\xff\xfe"]}, "Bestand 2 van 2 met een gedeeltelijke"),
        ({"partials": [b"[" * 100_000]}, "Bestand 1 van 1 met een gedeeltelijke ontsleuteling"),
        ({"partials": [b'{"body": NaN}']}, "Bestand 1 van 1 met een gedeeltelijke ontsleuteling"),
    ],
)
def test_odd_tally_uploads_are_refused_in_words_and_never_a_500(
    closed: FlaskClient, authority_key: bytes, upload: dict[str, object], expected: str
) -> None:
    arguments: dict[str, object] = {"key": authority_key, **upload}
    said = _tally(closed, "nl", **arguments)  # type: ignore[arg-type]
    assert len(said) == 1
    assert said[0].startswith("De telling werd geweigerd: ")
    assert expected in said[0]


def test_states_roles_and_the_audit_log_speak_the_officials_language(
    official: FlaskClient,
) -> None:
    dashboard = official.get("/officials/?lang=fr").get_data(as_text=True)
    assert re.search(r'data-state="open">ouverte<', dashboard)
    assert "(agent)" in dashboard  # the role beside the name
    page = official.get(f"{ELECTION}?lang=nl").get_data(as_text=True)
    assert re.search(r'id="state" data-state="open">open<', page)
    log = page[page.index('id="log"') :]
    assert '<span title="election-created">Verkiezing aangemaakt</span>' in log
    assert '<small class="code" data-action>election-created</small>' in log  # for auditors
    assert re.search(r"<time datetime=\"2019-04-21T10:00:00Z\">21/04/2019 12:00:00</time>", log)
    _close_early(official)
    page = official.get(f"{ELECTION}?lang=fr").get_data(as_text=True)
    assert re.search(r'id="state" data-state="closed">clôturée<', page)
    assert "Scrutin clôturé" in page
    assert "Bulletins additionnés : demande de dépouillement prête pour les détenteurs" in page


def test_an_unknown_audit_action_is_shown_as_it_is(official: FlaskClient, setup: Setup) -> None:
    from audit.store import record
    from tests.integration.conftest import NOW

    with setup.factory() as session, session.begin():
        record(session, "kortrijk-2019", "moon-landed", {}, setup.keys, NOW)
    page = official.get(f"{ELECTION}?lang=nl").get_data(as_text=True)
    assert '<span title="moon-landed">moon-landed</span>' in page


DRAFT = "/officials/e/other"


def _create(client: FlaskClient, data: bytes, name: str, language: str = "nl") -> tuple[int, str]:
    answer = client.post("/officials/elections", data={
        "csrf_token": token(client, "/officials/"), "manifest": (io.BytesIO(data), name)},
        headers={"Accept-Language": language})  # fmt: skip
    with answer:
        return answer.status_code, answer.get_data(as_text=True)


OTHER = (EXAMPLES / "kortrijk-2019.yaml").read_text().replace("id: kortrijk-2019", "id: other")


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (b"", "m.yaml", "Het manifestbestand is leeg."),
        (b"  \n# only a comment\n", "m.yaml", "Het manifestbestand is leeg."),
        (b"\xff\xfeid: x", "m.yaml", "Het manifest is geen UTF-8-tekst"),
        (b"- id\n- title\n", "m.yaml", "Een manifest is een verzameling velden"),
        (b"just a sentence\n", "m.yaml", "Een manifest is een verzameling velden"),
        (b"[1, 2]", "m.json", "Een manifest is een verzameling velden"),
        (b"42", "m.json", "Een manifest is een verzameling velden"),
        (b"[" * 100_000, "m.yaml", "Een manifest is een verzameling velden"),
        (b"a: " + b"[" * 100_000, "m.yaml", "Het manifest werd geweigerd"),
        (b"a:\n" + b"".join(b" " * i + b"- \n" for i in range(1, 400)), "m.yaml",
         "Het manifest werd geweigerd"),
        (b"{" + b'"a": {' * 50_000, "m.json", "Het manifest werd geweigerd"),
        (b"id: [unclosed\n", "m.yaml", "Het manifest werd geweigerd"),
        (b"a: &x [1, 2]\nb: *x\n", "m.yaml", "Het manifest werd geweigerd"),
        (b"id: x\x00y\n", "m.yaml", "Het manifest werd geweigerd"),
        (OTHER.replace("title:", "titel:").encode(), "m.yaml", "Het manifest werd geweigerd"),
    ],
)  # fmt: skip
def test_no_manifest_upload_is_a_500_and_each_refusal_is_in_words(
    official: FlaskClient, data: bytes, name: str, expected: str
) -> None:
    status, page = _create(official, data, name)
    assert status == 400
    said = [clean(r) for r in refusals(page)]
    assert said, page
    assert said[0].startswith(expected), said
    assert "Something went wrong" not in page


def test_the_manifest_checkers_findings_are_shown_marked_as_english(official: FlaskClient) -> None:
    status, page = _create(official, OTHER.replace("title:", "titel:").encode(), "m.yaml")
    assert status == 400
    assert "Wat de manifestcontrole vond (in het Engels, met het pad van elk veld)" in page
    found = re.search(r'<ul lang="en" id="manifest-problems">(.*?)</ul>', page, re.DOTALL)
    assert found is not None
    assert "titel" in found.group(1)


def test_a_manifest_that_exists_already_is_refused_in_words(official: FlaskClient) -> None:
    assert _create(official, OTHER.encode(), "other.yaml")[0] == 302
    status, page = _create(official, OTHER.encode(), "other.yaml", "fr")
    assert status == 400
    assert refusals(page) == ["Une élection avec l’identifiant other, ou avec exactement ce "
                              "manifeste, existe déjà."]  # fmt: skip


def _draft(client: FlaskClient) -> None:
    assert _create(client, OTHER.encode(), "other.yaml")[0] == 302


def _register(client: FlaskClient, data: bytes, what: str = "register",
              replace: bool = False) -> tuple[int, str]:  # fmt: skip
    fields: dict[str, object] = {"csrf_token": token(client, DRAFT),
                                 "register": (io.BytesIO(data), "r.csv")}  # fmt: skip
    if replace:
        fields["replace"] = "1"
    answer = client.post(f"{DRAFT}/{what}", data=fields, headers={"Accept-Language": "nl"})
    answer.request.environ["wsgi.input"].close()  # the test client spools a large body to a file
    page = answer.get_data(as_text=True) if answer.status_code == 400 else client.get(
        f"{DRAFT}?lang=nl").get_data(as_text=True)  # fmt: skip
    return answer.status_code, page


HEADER = "register_number,birth_date,municipality,district,name,street,postal_code,city"


def test_a_huge_register_of_bad_rows_makes_a_small_page(official: FlaskClient) -> None:
    _draft(official)
    row = "85071412331,1985-07-14,99999,Centrum,An Peeters,Straat 1,85000,Kortrijk\n"
    data = (HEADER + "\n" + row * (7_600_000 // len(row))).encode()  # 7.6 MB, every row bad
    status, page = _register(official, data)
    assert status == 400
    assert len(page) < 100_000  # it was 143 MB
    total = (len(data.splitlines()) - 1) * 3  # check digits, municipality, postal code
    assert f"{total} probleem/problemen; er werd niets geïmporteerd:" in page
    assert page.count("<li>Regel ") == 100
    assert f"en nog {total - 100} problemen" in page


def test_a_nul_byte_in_a_register_field_is_refused_by_line(official: FlaskClient) -> None:
    _draft(official)
    lines = (EXAMPLES / "register-sample.csv").read_text().splitlines()
    lines[3] = lines[3].replace("Marke", "Mar\x00ke", 1)
    assert "\x00" in lines[3]
    status, page = _register(official, ("\n".join(lines) + "\n").encode())
    assert status == 400
    assert "Regel 4: district bevat een stuurteken of een onzichtbaar teken" in page
    assert "\x00" not in page


def test_poll_cards_refusals_name_no_flag(official: FlaskClient) -> None:
    _draft(official)
    sample = (EXAMPLES / "register-sample.csv").read_bytes()
    assert _register(official, sample)[0] == 302
    assert _register(official, sample, "poll-cards")[0] == 302
    _, page = _register(official, sample, "poll-cards")
    said = [clean(r) for r in refusals(page)]
    assert said == ["De brieven werden al aangemaakt. Wie ze opnieuw aanmaakt, maakt de al "
                    "gedrukte brieven onbruikbaar: vink „Al gedrukte codes vervangen” aan als u "
                    "dat wilt."]  # fmt: skip
    other = sample.decode().replace("Centrum", "Elders", 1).encode()
    _, page = _register(official, other, "poll-cards", replace=True)
    assert [clean(r) for r in refusals(page)] == [
        "De brieven werden niet aangemaakt: het bestand moet precies het geïmporteerde uittreksel "
        "uit het register zijn, ongewijzigd, en de stemming mag nog niet open zijn."]  # fmt: skip


def test_opening_without_the_election_key_is_refused_in_words(official: FlaskClient) -> None:
    _draft(official)
    said = post_then_read(official, f"{DRAFT}/open", {}, "nl", back=DRAFT)
    assert said == ["De verkiezing heeft nog geen sleutel: de sleutelceremonie van de "
                    "sleutelhouders is nog niet afgerond."]  # fmt: skip


def test_the_register_of_an_open_vote_is_frozen_in_words(official: FlaskClient) -> None:
    sample = (EXAMPLES / "register-sample.csv").read_bytes()
    answer = official.post(
        f"{ELECTION}/register",
        data={"csrf_token": token(official, ELECTION), "register": (io.BytesIO(sample), "r.csv")},
        headers={"Accept-Language": "fr"},
    )  # the message is worded when the action is refused
    assert answer.status_code == 302
    page = official.get(f"{ELECTION}?lang=fr").get_data(as_text=True)
    assert refusals(page) == ["Le registre ne peut plus changer : l’élection est ouverte."]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"username": "nina", "password": "short", "role": "official"},
         "Een wachtwoord telt minstens 12 tekens."),
        ({"username": "Nina Peeters", "password": PASSWORD, "role": "official"},
         "Een gebruikersnaam telt 2 tot 64 tekens"),
        ({"username": "olaf", "password": PASSWORD, "role": "official"},
         "Er bestaat al een account met deze gebruikersnaam."),
        ({"username": "nina", "password": PASSWORD, "role": "king"},
         "Kies een van de aangeboden rollen."),
        ({"action": "disable", "username": "nobody"}, "Deze account bestaat niet."),
        ({"action": "disable", "username": "ada"}, "U kunt uw eigen account niet uitschakelen."),
    ],
)  # fmt: skip
def test_account_refusals_are_in_words(
    client: FlaskClient, official: FlaskClient, fields: dict[str, str], expected: str
) -> None:
    log_in(client, "ada")
    said = post_then_read(client, "/officials/accounts", {"action": "add", **fields}, "nl",
                          back="/officials/accounts")  # fmt: skip
    assert len(said) == 1
    assert said[0].startswith(expected)


def test_the_same_refusals_in_every_language_are_complete_sentences(app: Flask) -> None:
    """Each wording of a typed error exists in Dutch and French (test_i18n checks the
    catalogue; this checks the wording is reached for every error type)."""
    from evoting import elections
    from web import errors

    with app.test_request_context("/?lang=nl"):
        said = [
            errors.message(elections.WrongState("x", "open", "published", ("tallied",))),
            errors.message(elections.WrongState("x", "draft", "closed", ("open",))),
            errors.message(elections.KeyFixed("x", "open")),
            errors.message(elections.NoSuchElection("x")),
            errors.message(elections.ManifestAltered("x")),
            errors.message(elections.MissingKey("x", "board")),
        ]
    assert said == [
        "Alleen getelde resultaten kunnen worden gepubliceerd: deze verkiezing is open.",
        "Alleen een open stemming kan worden gesloten: deze is in voorbereiding.",
        "De verkiezingssleutel kan niet meer veranderen: de verkiezing is open.",
        "Deze verkiezing bestaat niet.",
        "Het opgeslagen manifest van deze verkiezing komt niet meer overeen met zijn "
        "vingerafdruk. Stop en verwittig het technische team.",
        "Een van de eigen sleutels van de verkiezing ontbreekt. Stop en verwittig het "
        "technische team.",
    ]
