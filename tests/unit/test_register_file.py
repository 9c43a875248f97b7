"""Reading a register extract: every bad row reported by line, nothing accepted half-way."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from identity.register import RegisterError, read_register
from tests.support.nrn import make_number

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "register-sample.csv"
ON = datetime.date(2019, 5, 20)
HEADER = "register_number,birth_date,municipality,district,name,street,postal_code,city"
GOOD = f"{make_number(1985, 7, 14, 123)},1985-07-14,34022,Centrum,An,Street 1,8500,Kortrijk"


def test_the_sample_file_is_valid() -> None:
    register = read_register(SAMPLE.read_bytes(), ON)
    assert len(register.rows) == 12
    assert {r.number.kind for r in register.rows} == {"national", "bis"}
    assert sum(r.excluded for r in register.rows) == 1


def test_one_bad_row_of_each_kind_all_reported() -> None:
    n = make_number
    rows = [
        HEADER,
        GOOD,  # line 2: fine
        "85071412331,1985-07-14,34022,Centrum,B,S 1,8500,Kortrijk",  # 3 checksum
        "8507141233,1985-07-14,34022,Centrum,C,S 1,8500,Kortrijk",  # 4 length
        f"{n(1990, 3, 2, 46)},1990-03-03,34022,Centrum,D,S 1,8500,Kortrijk",  # 5 date mismatch
        f"{n(1990, 3, 2, 48)},02/13/1990,34022,Centrum,E,S 1,8500,Kortrijk",  # 6 not a date
        f"{n(1990, 3, 2, 50)},1990-03-02,99999,Centrum,F,S 1,8500,Kortrijk",  # 7 municipality
        f"{n(1990, 3, 2, 52)},1990-03-02,34022,,G,S 1,8500,Kortrijk",  # 8 empty district
        f"{n(1990, 3, 2, 54)},1990-03-02,34022,Centrum,,S 1,8500,Kortrijk",  # 9 no name
        f"{n(1990, 3, 2, 56)},1990-03-02,34022,Centrum,H,S 1,85000,Kortrijk",  # 10 postal code
        GOOD.replace("An,", "Twin,"),  # 11 duplicate of line 2
        f"{n(1990, 3, 2, 58)},1990-03-02,34022,Centrum,I,S 1,8500",  # 12 missing a field
    ]
    with pytest.raises(RegisterError) as caught:
        read_register("\n".join(rows).encode(), ON)
    problems = caught.value.problems
    expected = {
        3: "check digits",
        4: "11 digits",
        5: "does not agree",
        6: "not a date",
        7: "'99999' is not a Belgian NIS code",
        8: "district is empty",
        9: "name is empty",
        10: "postal code",
        11: "the same register number as line 2",
        12: "7 fields, the header has 8",
    }
    for line, reason in expected.items():
        assert any(p.startswith(f"line {line}: ") and reason in p for p in problems), (
            line,
            problems,
        )
    assert not any(p.startswith("line 2:") for p in problems)
    report = "\n".join(problems)
    for personal in ("85071412330", "85071412331", "8507141233", "Twin"):
        assert personal not in report  # no register number or name is echoed


def test_a_file_without_its_header_echoes_no_personal_data() -> None:
    row = GOOD.replace("An,Street 1", "Xanthippe Ooms,Zwaluwstraat 7")
    with pytest.raises(RegisterError) as caught:
        read_register(f"{row}\n{row}".encode(), ON)
    report = "\n".join(caught.value.problems).lower()
    assert "is the header row missing" in report
    for personal in ("85071412330", "1985-07-14", "xanthippe", "zwaluwstraat", "kortrijk"):
        assert personal not in report


def test_misaligned_columns_echo_no_personal_data() -> None:
    header = HEADER.replace(
        "register_number,birth_date,municipality", "municipality,birth_date,register_number"
    )
    with pytest.raises(RegisterError) as caught:
        read_register(f"{header}\n{GOOD}".encode(), ON)
    assert "85071412330" not in "\n".join(caught.value.problems)


@pytest.mark.parametrize("date", ["2090-01-01", "1/2/3", "2019-W21-1", "20190520", "1889-12-31"])
def test_implausible_or_odd_birth_dates(date: str) -> None:
    from tests.support.nrn import make_number as mk

    row = f"{mk(1990, 0, 0, 5)},{date},34022,Centrum,An,Street 1,8500,Kortrijk"  # year 1990 only
    with pytest.raises(RegisterError, match="birth date"):
        read_register(f"{HEADER}\n{row}".encode(), ON)


def test_municipality_codes_are_checked_on_the_day() -> None:
    # Galmaarden (23023) merged into Pajottegem (23106) on 1 January 2025.
    row = f"{make_number(1985, 7, 14, 123)},1985-07-14,{{}},X,A,S 1,1570,Galmaarden"
    read_register(f"{HEADER}\n{row.format('23023')}".encode(), datetime.date(2019, 5, 20))
    with pytest.raises(RegisterError, match="'23023' is not a Belgian NIS code in force"):
        read_register(f"{HEADER}\n{row.format('23023')}".encode(), datetime.date(2025, 6, 1))
    read_register(f"{HEADER}\n{row.format('23106')}".encode(), datetime.date(2025, 6, 1))


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        (HEADER.replace(",district", ""), "missing column district"),
        (HEADER + ",nickname", r"column 9 \(is the header row missing or misspelt\?\) has an"),
        (HEADER + ",city", "column city appears twice"),
    ],
)
def test_header_problems(header: str, problem: str) -> None:
    with pytest.raises(RegisterError, match=problem):
        read_register(f"{header}\n{GOOD}".encode(), ON)


def test_semicolons_bom_and_belgian_dates() -> None:
    text = "\ufeff" + HEADER.replace(",", ";") + "\n"
    text += f"{make_number(1985, 7, 14, 123)};14/07/1985;34022;Centrum;An;Street 1;8500;Kortrijk\n"
    register = read_register(text.encode(), ON)
    assert register.rows[0].birth_date == datetime.date(1985, 7, 14)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "empty"),
        (HEADER.encode(), "no residents"),
        (b"\xff\xfe", "not UTF-8"),
        (f"{HEADER},excluded\n{GOOD},maybe".encode(), "excluded must be"),
        (f"{HEADER},language\n{GOOD},de".encode(), "language must be"),
    ],
)
def test_unusable_files(data: bytes, problem: str) -> None:
    with pytest.raises(RegisterError, match=problem):
        read_register(data, ON)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("district", "Cent\x00rum"),  # NUL
        ("name", "An\tPeeters"),  # tab
        ("street", '"Straat\n1"'),  # a line break inside a quoted field
        ("city", "Kortrijk\x7f"),  # DEL
        ("name", "An \u202ePeeters"),  # a right-to-left override: the letter would lie
        ("street", "Straat\u200b1"),  # zero-width space
        ("postal_code", "85\u000000"),
    ],
)
def test_control_and_invisible_characters_are_refused_by_line(column: str, value: str) -> None:
    fields = dict(zip(HEADER.split(","), GOOD.split(","), strict=True))
    fields[column] = value
    text = f"{HEADER}\n{GOOD.replace('An,', 'Bo,').replace('123', '125')}\n" + ",".join(
        fields.values()
    )
    with pytest.raises(RegisterError) as caught:
        read_register(text.encode(), ON)
    found = [p for p in caught.value.found if p.kind == "control_character"]
    assert [(p.line, p.facts["column"]) for p in found] == [(3, column)]
    assert f"line 3: {column} holds a control or invisible character" in caught.value.problems
    assert value.strip('"') not in str(caught.value)  # the value is not echoed


def test_a_file_of_bad_rows_reports_the_first_hundred_problems_and_counts_the_rest() -> None:
    rows = [HEADER] + [f"{make_number(1985, 7, 14, i)},1985-07-14,99999,Centrum,An,S 1,85,Kortrijk"
                       for i in range(1, 400)]  # fmt: skip
    with pytest.raises(RegisterError) as caught:
        read_register("\n".join(rows).encode(), ON)
    error = caught.value
    assert len(error.found) == 100
    assert error.total == 399 * 2  # municipality and postal code: every row counted
    assert error.more == error.total - 100
    assert error.problems[-1] == f"and {error.more} more problems ({error.total} in all)"
    assert len(str(error)) < 100 * 120
    assert error.found[0].line == 2


def test_every_problem_has_a_kind_and_its_facts_for_other_languages() -> None:
    rows = [
        HEADER,
        GOOD,
        "8507141233,1985-07-14,34022,Centrum,C,S 1,8500,Kortrijk",  # 3: 10 digits
        f"{make_number(1990, 3, 2, 50)},1990-03-02,99999,Centrum,F,S 1,8500,Kortrijk",  # 4
        GOOD.replace("An,", "Twin,"),  # 5: line 2's number again
    ]
    with pytest.raises(RegisterError) as caught:
        read_register("\n".join(rows).encode(), ON)
    found = {(p.line, p.kind): dict(p.facts) for p in caught.value.found}
    assert found == {
        (3, "number_length"): {"digits": 10},
        (4, "municipality"): {"code": "99999", "day": "2019-05-20"},
        (5, "duplicate_number"): {"earlier": 2},
    }
