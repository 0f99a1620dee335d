"""Validation rules: pure functions from a row and reference data to a verdict.

error    = fixable by the user (the application can be edited)
rejected = cannot be accepted as it is (reason viewable)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from shared.contracts.applications import ApplicationStatus, Issue
from shared.contracts.columns import header_of
from shared.pii import ssn_digits

MAX_AGE_YEARS = 120
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m-%d-%Y")


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


def parse_date(text: str) -> date | None:
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def ssn_problem(digits: str) -> str | None:
    """Why nine digits cannot be an SSN the SSA issues, or None."""
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    if area == "000" or area == "666" or area >= "900":
        return f"area number {area} is never issued"
    if group == "00":
        return "group number 00 is never issued"
    if serial == "0000":
        return "serial number 0000 is never issued"
    return None


class _Collector:
    def __init__(self, row: int) -> None:
        self.row = row
        self.issues: list[Issue] = []

    def error(self, key: str, code: str, what_to_do: str) -> None:
        self._add(key, code, what_to_do, "error")

    def reject(self, key: str, code: str, reason: str) -> None:
        self._add(key, code, reason, "rejected")

    def _add(self, key: str, code: str, text: str, severity) -> None:
        column = header_of(key)
        self.issues.append(
            Issue(
                row=self.row,
                column=column,
                code=code,
                message=f"Row {self.row}, column {column}: {text}",
                severity=severity,
            )
        )


REQUIRED = ("subgroup_id", "first_name", "last_name", "ssn", "date_of_birth")


def classify(
    row: int,
    cells: dict[str, str | None],
    group: GroupRef | None,
    enrolled_ssn_hashes: set[str],
    today: date,
    hash_ssn: Callable[[str], str],
) -> Verdict:
    found = _Collector(row)
    for key in REQUIRED:
        if not cells.get(key):
            found.error(key, "required", f"enter the member's {header_of(key)}; it is required.")

    ssn_hash = None
    if ssn_text := cells.get("ssn"):
        digits = ssn_digits(ssn_text)
        if digits is None:
            found.error("ssn", "ssn_format", "enter nine digits, like 123-45-6789.")
        elif problem := ssn_problem(digits):
            found.error("ssn", "ssn_invalid", f"this is not a valid SSN ({problem}); check the member's card.")
        else:
            ssn_hash = hash_ssn(digits)

    if dob_text := cells.get("date_of_birth"):
        dob = parse_date(dob_text)
        if dob is None:
            found.error("date_of_birth", "date_format", "enter a date as MM/DD/YYYY.")
        elif dob > today:
            found.error("date_of_birth", "dob_future", "the date of birth is in the future; correct it.")
        elif today.year - dob.year > MAX_AGE_YEARS:
            found.error(
                "date_of_birth", "dob_implausible", f"the member would be over {MAX_AGE_YEARS}; correct the year."
            )

    if group is None or not group.can_enroll:
        found.reject(
            "subgroup_id",
            "group_cannot_enroll",
            "this group cannot enroll members now; contact your KP representative.",
        )
    else:
        subgroup = cells.get("subgroup_id")
        if subgroup and subgroup not in group.subgroup_ids:
            found.reject(
                "subgroup_id", "subgroup_invalid", f"subgroup {subgroup} is not a subgroup of group {group.group_id}."
            )
        if ssn_hash and ssn_hash in enrolled_ssn_hashes:
            found.reject("ssn", "already_enrolled", "this member is already enrolled in the group.")

    return Verdict(status=_status(found.issues), issues=found.issues, ssn_hash=ssn_hash)


def _status(issues: list[Issue]) -> ApplicationStatus:
    if any(i.severity == "rejected" for i in issues):
        return "rejected"
    if issues:
        return "error"
    return "ready"
