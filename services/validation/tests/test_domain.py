from datetime import date

import pytest

from services.validation.domain import GroupRef, classify, ssn_problem
from shared.pii import ssn_hash
from tests.support import member

TODAY = date(2026, 11, 23)
GROUP = GroupRef("230001", "CA", True, frozenset({"0001", "0002"}))


def hash_ssn(digits: str) -> str:
    return ssn_hash(digits, "k")


def verdict(cells, group=GROUP, enrolled=frozenset()):
    return classify(7, cells, group, set(enrolled), TODAY, hash_ssn)


def codes(v):
    return {i.code for i in v.issues}


def test_complete_valid_row_is_ready_with_ssn_hash():
    v = verdict(member(1, ssn="123-45-6789"))
    assert v.status == "ready" and v.issues == []
    assert v.ssn_hash == hash_ssn("123456789")


@pytest.mark.parametrize(
    "key,header",
    [
        ("first_name", "First Name"),
        ("last_name", "Last Name"),
        ("ssn", "SSN"),
        ("date_of_birth", "Date of Birth"),
        ("subgroup_id", "Subgroup ID"),
    ],
)
def test_missing_required_value_is_an_error_naming_row_and_column(key, header):
    v = verdict(member(1, **{key: None}))
    assert v.status == "error"
    (issue,) = [i for i in v.issues if i.code == "required"]
    assert issue.row == 7 and issue.column == header
    assert issue.message.startswith(f"Row 7, column {header}:")


@pytest.mark.parametrize("ssn", ["12345678", "1234567890", "12a-45-6789", "123 45 6789"])
def test_ssn_not_nine_digits_is_an_error(ssn):
    v = verdict(member(1, ssn=ssn))
    assert v.status == "error" and codes(v) == {"ssn_format"}
    assert ssn not in v.issues[0].message  # the message never repeats the SSN


@pytest.mark.parametrize(
    "ssn", ["000-12-3456", "666-12-3456", "900-12-3456", "999-12-3456", "123-00-4567", "123-45-0000"]
)
def test_never_issued_ssn_is_an_error(ssn):
    assert codes(verdict(member(1, ssn=ssn))) == {"ssn_invalid"}


def test_ssn_area_boundaries():
    assert ssn_problem("899123456") is None
    assert ssn_problem("001123456") is None
    assert ssn_problem("665123456") is None and ssn_problem("667123456") is None


@pytest.mark.parametrize(
    "dob,code",
    [
        ("2026-11-24", "dob_future"),
        ("1900-01-01", "dob_implausible"),
        ("31/12/1990", "date_format"),
        ("yesterday", "date_format"),
    ],
)
def test_bad_date_of_birth_is_an_error(dob, code):
    assert codes(verdict(member(1, date_of_birth=dob))) == {code}


def test_date_of_birth_today_and_us_format_are_accepted():
    assert verdict(member(1, date_of_birth="2026-11-23")).status == "ready"
    assert verdict(member(1, date_of_birth="06/15/1988")).status == "ready"


def test_subgroup_not_of_the_group_is_rejected():
    v = verdict(member(1, subgroup_id="0009"))
    assert v.status == "rejected" and codes(v) == {"subgroup_invalid"}
    assert "0009" in v.issues[0].message and "230001" in v.issues[0].message


def test_member_already_enrolled_is_rejected():
    v = verdict(member(1, ssn="123-45-6789"), enrolled={hash_ssn("123456789")})
    assert v.status == "rejected" and codes(v) == {"already_enrolled"}


def test_unknown_group_or_group_that_cannot_enroll_is_rejected():
    assert verdict(member(1), group=None).status == "rejected"
    closed = GroupRef("230001", "CA", False, frozenset({"0001"}))
    assert codes(verdict(member(1), group=closed)) == {"group_cannot_enroll"}


def test_rejection_outranks_errors():
    v = verdict(member(1, subgroup_id="0009", first_name=None))
    assert v.status == "rejected" and codes(v) == {"subgroup_invalid", "required"}
