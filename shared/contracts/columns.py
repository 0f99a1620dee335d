"""The columns of the "Enrollment Data" sheet: the contract between the
template users fill in, the upload parser and the validation rules."""

from __future__ import annotations

from dataclasses import dataclass

MEMBERS_SHEET = "Enrollment Data"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("subgroup_id", "Subgroup ID", required=True),
    Column("relationship", "Relationship"),
    Column("first_name", "First Name", required=True),
    Column("middle_initial", "Middle Initial"),
    Column("last_name", "Last Name", required=True),
    Column("ssn", "SSN", required=True),
    Column("date_of_birth", "Date of Birth", required=True),
    Column("gender", "Gender"),
    Column("email", "Email"),
    Column("phone", "Phone"),
    Column("address_line1", "Address Line 1"),
    Column("city", "City"),
    Column("state", "State"),
    Column("zip", "ZIP Code"),
    Column("hire_date", "Hire Date"),
    Column("effective_date", "Coverage Effective Date"),
)

BY_KEY = {c.key: c for c in COLUMNS}
BY_HEADER = {c.header.casefold(): c for c in COLUMNS}


def header_of(key: str) -> str:
    return BY_KEY[key].header
