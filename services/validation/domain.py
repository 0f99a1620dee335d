"""Validation rules: pure functions from rows and reference data to verdicts.

error    = fixable by the user (the application can be edited and resubmitted)
rejected = cannot be accepted as it is (the reason is shown)

Every message names the row and the column, and says what to do. No message
repeats an SSN or a date of birth.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from stdnum.us import ssn as us_ssn

from shared.contracts.applications import ApplicationStatus, Issue
from shared.contracts.columns import COLUMNS, PARTNER_RELATIONSHIPS, header_of
from shared.pii import redact, ssn_digits

MAX_AGE_YEARS = 120
CHILD_AGE_LIMIT = 26
# Coverage may start on the first of a month from about two months back to three months ahead.
WINDOW_PAST_DAYS = 60
WINDOW_FUTURE_MONTHS = 3
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m-%d-%Y")
ZIP = re.compile(r"\d{5}(-\d{4})?")
# Free text that a spreadsheet would take for a formula if it started so (a
# phone too, but it may start with +; codes, dates and SSNs have rules of their own).
FREE_TEXT = ("first_name", "middle_initial", "last_name", "address_line1", "city", "email")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NEW_MEMBERS_ONLY = (
    "mass enrollment only enrolls new members; to change coverage, update demographics or terminate, "
    "use Manage Members."
)


@dataclass(frozen=True)
class GroupRef:
    """What validation knows of a group, from reference events."""

    group_id: str
    region: str
    can_enroll: bool
    subgroup_ids: frozenset[str]


@dataclass(frozen=True)
class Verdict:
    status: ApplicationStatus
    issues: list[Issue] = field(default_factory=list)
    ssn_hash: str | None = None


@dataclass(frozen=True)
class RowIn:
    row_number: int
    application_id: str
    cells: dict[str, str | None]
    # A row of a fixed error report: the error application it replaces, whose
    # claim on the member does not count against this row.
    replaces: str | None = None


@dataclass(frozen=True)
class Context:
    """Reference data a file is checked against."""

    group: GroupRef | None
    region: str
    enrolled: frozenset[str]  # SSN hashes of the group's enrolled members
    pending: dict[str, str]  # SSN hash -> application id of an open application
    today: date
    hash_ssn: Callable[[str], str]


def parse_date(text: str | None) -> date | None:
    if not text:
        return None
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def ssn_problem(digits: str) -> str | None:
    """Why nine digits cannot be an SSN the SSA issued, or None: areas 000, 666
    and 900-999, group 00 and serial 0000 are never issued, and some numbers
    were retired from use (python-stdnum keeps the list)."""
    if us_ssn.is_valid(digits):
        return None
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    if area in ("000", "666") or area >= "900":
        return f"area number {area} is never issued"
    if group == "00":
        return "group number 00 is never issued"
    if serial == "0000":
        return "serial number 0000 is never issued"
    return "the SSA retired this number from use"


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def enrollment_window(today: date) -> tuple[date, date]:
    earliest = (today - timedelta(days=WINDOW_PAST_DAYS)).replace(day=1)
    latest = add_months(today.replace(day=1), WINDOW_FUTURE_MONTHS)
    return earliest, latest


class Findings:
    """The issues of one row."""

    def __init__(self, row: int) -> None:
        self.row = row
        self.issues: list[Issue] = []

    def error(self, key: str, code: str, what_to_do: str) -> None:
        self._add(key, code, what_to_do, "error")

    def reject(self, key: str, code: str, reason: str) -> None:
        self._add(key, code, reason, "rejected")

    def _add(self, key: str, code: str, text: str, severity) -> None:
        column = header_of(key)
        message = f"Row {self.row}, column {column}: {text}"
        self.issues.append(Issue(row=self.row, column=column, code=code, message=message, severity=severity))

    def verdict(self, ssn_hash: str | None) -> Verdict:
        if any(i.severity == "rejected" for i in self.issues):
            status: ApplicationStatus = "rejected"
        elif self.issues:
            status = "error"
        else:
            status = "ready"
        return Verdict(status=status, issues=self.issues, ssn_hash=ssn_hash)


# --- rules of one row --------------------------------------------------------


def _quoted(value: str) -> str:
    """A value echoed in a message (messages reach read models and reviewers):
    only a short one that cannot be part of an SSN or a date, else "This value"."""
    return f"'{value}'" if len(value) <= 6 and redact(value) == value else "This value"


def check_row(cells: dict[str, str | None], found: Findings, ctx: Context) -> str | None:
    """Rules that need only the row itself; returns the SSN's keyed hash when it is well formed."""
    relationship = cells.get("relationship")
    is_subscriber = relationship == "Subscriber"
    for column in COLUMNS:
        if not column.applies_to(ctx.region) or cells.get(column.key):
            continue
        needed = column.required == "all" or (
            relationship and column.required == ("subscriber" if is_subscriber else "dependent")
        )
        if needed:
            who = {"all": "every member", "subscriber": "a subscriber", "dependent": "a family member"}[column.required]
            found.error(column.key, "required", f"{column.header} is required for {who}; enter it.")

    for column in COLUMNS:
        value = cells.get(column.key)
        if not value or not column.applies_to(ctx.region):
            continue
        if len(value) > column.max_length:
            found.error(
                column.key, "too_long", f"{len(value)} characters; at most {column.max_length} fit. Shorten it."
            )
        elif (column.key in FREE_TEXT and value.startswith(FORMULA_STARTS)) or (
            column.key == "phone" and value.startswith(FORMULA_STARTS) and not value.startswith("+")
        ):
            found.error(
                column.key,
                "formula_like",
                "cannot start with =, +, -, @ or a tab (spreadsheets take that for a formula); remove that character.",
            )
        elif column.kind == "code" and column.codes and value not in column.codes:
            choices = ", ".join(column.codes) if len(column.codes) <= 8 else "the list in the template"
            found.error(column.key, "code", f"{_quoted(value)} is not allowed; choose one of {choices}.")

    ssn_hash = _check_ssn(cells.get("ssn"), "ssn", found, ctx)
    if cells.get("subscriber_ssn") and not is_subscriber:
        _check_ssn(cells.get("subscriber_ssn"), "subscriber_ssn", found, ctx)

    born = _check_birth(cells.get("date_of_birth"), found, ctx.today)
    hired = _check_date(cells.get("hire_date"), "hire_date", found)
    effective = _check_effective(cells.get("effective_date"), hired, found, ctx.today)
    if relationship == "Child" and born and cells.get("disabled") != "Y":
        on = effective or ctx.today
        if age_on(born, on) >= CHILD_AGE_LIMIT:
            found.error(
                "date_of_birth",
                "child_over_age",
                f"a child must be under {CHILD_AGE_LIMIT} on the coverage date unless disabled; "
                "check the date of birth, or enter Y under Disabled if the child is disabled.",
            )

    _check_contact(cells, found)
    return ssn_hash


def _check_ssn(text: str | None, key: str, found: Findings, ctx: Context) -> str | None:
    if not text:
        return None
    digits = ssn_digits(text)
    if digits is None:
        found.error(key, "ssn_format", "enter nine digits, like 123-45-6789.")
    elif problem := ssn_problem(digits):
        found.error(key, "ssn_invalid", f"this is not a valid SSN ({problem}); check the member's card.")
    else:
        return ctx.hash_ssn(digits)
    return None


def _check_date(text: str | None, key: str, found: Findings) -> date | None:
    if not text:
        return None
    day = parse_date(text)
    if day is None:
        found.error(key, "date_format", "enter a date as MM/DD/YYYY.")
    return day


def _check_birth(text: str | None, found: Findings, today: date) -> date | None:
    born = _check_date(text, "date_of_birth", found)
    if born is None:
        return None
    if born > today:
        found.error("date_of_birth", "dob_future", "the date of birth is in the future; correct it.")
        return None
    if age_on(born, today) > MAX_AGE_YEARS:
        found.error("date_of_birth", "dob_implausible", f"the member would be over {MAX_AGE_YEARS}; correct the year.")
        return None
    return born


def _check_effective(text: str | None, hired: date | None, found: Findings, today: date) -> date | None:
    day = _check_date(text, "effective_date", found)
    if day is None:
        return None
    earliest, latest = enrollment_window(today)
    if day.day != 1:
        found.error("effective_date", "effective_not_first", "coverage starts on the first of a month; enter the 1st.")
    elif not earliest <= day <= latest:
        found.error(
            "effective_date",
            "effective_outside_window",
            f"coverage can start from {earliest:%m/%d/%Y} to {latest:%m/%d/%Y}; enter a date in that range.",
        )
    if hired and day < hired:
        found.error(
            "effective_date",
            "effective_before_hire",
            "coverage cannot start before the hire date; correct either date.",
        )
    return day


def _check_contact(cells: dict[str, str | None], found: Findings) -> None:
    if (zip_code := cells.get("zip")) and not ZIP.fullmatch(zip_code):
        found.error("zip", "zip_format", "enter 5 digits or ZIP+4, like 94612 or 94612-1234.")
    if (email := cells.get("email")) and not _email_ok(email):
        found.error("email", "email_format", "enter an address like name@example.com, or leave it blank.")
    if (phone := cells.get("phone")) and not _phone_ok(phone):
        found.error("phone", "phone_format", "enter ten digits, like 510-555-0123, or leave it blank.")
    if (initial := cells.get("middle_initial")) and not re.fullmatch(r"[A-Za-z]\.?", initial):
        found.error("middle_initial", "middle_initial_format", "enter one letter, or leave it blank.")


def _email_ok(email: str) -> bool:
    """An address as mail systems take it (email-validator's rules; no DNS lookup)."""
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def _phone_ok(phone: str) -> bool:
    """A real North American number (phonenumbers' numbering plan), written any usual way."""
    try:
        number = phonenumbers.parse(phone, "US")
    except phonenumbers.NumberParseException:
        return False
    return number.country_code == 1 and phonenumbers.is_valid_number(number)


def check_group(cells: dict[str, str | None], found: Findings, ctx: Context) -> None:
    if ctx.group is None or not ctx.group.can_enroll:
        found.reject(
            "subgroup_id",
            "group_cannot_enroll",
            "this group cannot enroll members now; contact your KP representative.",
        )
        return
    subgroup = cells.get("subgroup_id")
    if subgroup and subgroup not in ctx.group.subgroup_ids:
        found.reject(
            "subgroup_id",
            "subgroup_invalid",
            f"{_quoted(subgroup)} is not a subgroup of group {ctx.group.group_id}; "
            "choose one from the template's list.",
        )


# --- rules across the file ---------------------------------------------------


def classify_file(rows: list[RowIn], ctx: Context) -> dict[int, Verdict]:
    """Every row of one uploaded file, with the rules that look across rows:
    the same person twice, families (subscriber present, one spouse or
    partner), members already enrolled or already pending elsewhere."""
    findings = {r.row_number: Findings(r.row_number) for r in rows}
    hashes: dict[int, str | None] = {}
    for row in rows:
        found = findings[row.row_number]
        hashes[row.row_number] = check_row(row.cells, found, ctx)
        check_group(row.cells, found, ctx)

    first_row_of: dict[str, int] = {}
    for row in rows:
        ssn_hash = hashes[row.row_number]
        if ssn_hash is None:
            continue
        found = findings[row.row_number]
        if ssn_hash in first_row_of:
            found.reject(
                "ssn",
                "duplicate_in_file",
                f"the same person is already on row {first_row_of[ssn_hash]}; enter each person once.",
            )
            continue
        first_row_of[ssn_hash] = row.row_number
        if ssn_hash in ctx.enrolled:
            found.reject("ssn", "already_enrolled", "this member is already enrolled in the group; " + NEW_MEMBERS_ONLY)
        elif ctx.pending.get(ssn_hash, row.application_id) not in (row.application_id, row.replaces):
            found.reject(
                "ssn",
                "already_pending",
                "this member already has an application in progress; finish or delete that one first.",
            )

    _check_families(rows, findings, ctx)
    return {n: f.verdict(hashes[n]) for n, f in findings.items()}


def _check_families(rows: list[RowIn], findings: dict[int, Findings], ctx: Context) -> None:
    subscribers = {
        ctx.hash_ssn(d)
        for r in rows
        if r.cells.get("relationship") == "Subscriber" and (d := ssn_digits(r.cells.get("ssn")))
    }
    partners_of: dict[str, list[int]] = {}
    for row in rows:
        relationship = row.cells.get("relationship")
        if relationship in (None, "Subscriber"):
            continue
        digits = ssn_digits(row.cells.get("subscriber_ssn"))
        if digits is None:
            continue  # missing or malformed: reported by check_row
        subscriber = ctx.hash_ssn(digits)
        found = findings[row.row_number]
        if subscriber in ctx.enrolled:
            found.reject(
                "subscriber_ssn",
                "dependent_of_enrolled_member",
                "this family member's subscriber is already enrolled; adding family members to an enrolled "
                "member is not possible here — " + NEW_MEMBERS_ONLY,
            )
        elif subscriber not in subscribers:
            found.error(
                "subscriber_ssn",
                "subscriber_missing",
                "no subscriber row in this file has this SSN; add the subscriber's row or correct the SSN.",
            )
        if relationship in PARTNER_RELATIONSHIPS:
            partners_of.setdefault(subscriber, []).append(row.row_number)
    for rows_of_partners in partners_of.values():
        for later in rows_of_partners[1:]:
            findings[later].error(
                "relationship",
                "second_partner",
                f"row {rows_of_partners[0]} already has this subscriber's spouse or domestic partner; "
                "a family can have only one.",
            )


def classify(row: RowIn, ctx: Context) -> Verdict:
    """One row on its own (no other rows of its file)."""
    return classify_file([row], ctx)[row.row_number]
