"""The columns of the "Enrollment Data" sheet: the contract between the
template users fill in, the upload parser and the validation rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

MEMBERS_SHEET = "Enrollment Data"
INSTRUCTIONS_SHEET = "Instructions"
TEMPLATE_VERSION = "ME-2026.1"
KNOWN_TEMPLATE_VERSIONS = (TEMPLATE_VERSION,)
MAX_MEMBERS_PER_FILE = 250

# Layout of the members sheet: a title, the stamp, the header, then members.
STAMP_ROW = 2
HEADER_ROW = 3
FIRST_DATA_ROW = 4
STAMP_LABELS = {"group_id": "Group ID", "group_name": "Group Name", "region": "Region", "version": "Template Version"}
# An error report (the Error tab as a workbook) is the template plus, in its
# stamp, the upload it was made from, and after the template's columns a
# hidden, locked column naming each row's application: uploaded again once
# fixed, each row replaces the error application it came from.
SOURCE_UPLOAD_LABEL = "Error Report of Upload"
APPLICATION_ID_HEADER = "Application ID (do not change)"

# Regions whose members may sign a Member Arbitration Agreement.
ARBITRATION_REGIONS = ("CA", "HI")

RELATIONSHIPS = ("Subscriber", "Spouse", "Domestic Partner", "Child")
PARTNER_RELATIONSHIPS = ("Spouse", "Domestic Partner")
GENDERS = ("F", "M", "X")
YES_NO = ("Y", "N")
US_STATES = (
    "AK AL AR AZ CA CO CT DC DE FL GA HI IA ID IL IN KS KY LA MA MD ME MI MN MO MS MT NC ND NE NH NJ NM NV NY OH "
    "OK OR PA RI SC SD TN TX UT VA VT WA WI WV WY"
).split()

Kind = Literal["text", "date", "code"]


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: Kind = "text"
    # "all": every row; "subscriber": subscriber rows; "dependent": dependent rows; "": optional
    required: Literal["all", "subscriber", "dependent", ""] = ""
    codes: tuple[str, ...] = ()
    rule: str = ""
    width: int = 16
    regions: tuple[str, ...] = ()  # empty: every region
    max_length: int = 100  # characters; the template's own limit, checked again by validation

    def applies_to(self, region: str) -> bool:
        return not self.regions or region in self.regions


COLUMNS: tuple[Column, ...] = (
    Column("subgroup_id", "Subgroup ID", "code", "all", rule="Pick one of the group's subgroups from the list."),
    Column(
        "relationship",
        "Relationship",
        "code",
        "all",
        RELATIONSHIPS,
        "Subscriber for the employee; Spouse, Domestic Partner or Child for a family member.",
        18,
    ),
    Column(
        "subscriber_ssn",
        "Subscriber SSN",
        required="dependent",
        rule="Family members only: the SSN of their subscriber, who must be a row in this file.",
        width=15,
        max_length=11,
    ),
    Column("first_name", "First Name", required="all", rule="As on the member's ID.", width=16),
    Column("middle_initial", "Middle Initial", rule="One letter, optional.", width=8, max_length=2),
    Column("last_name", "Last Name", required="all", rule="As on the member's ID.", width=18),
    Column("ssn", "SSN", required="all", rule="Nine digits, like 123-45-6789.", width=14, max_length=11),
    Column("date_of_birth", "Date of Birth", "date", "all", rule="MM/DD/YYYY, not in the future.", width=13),
    Column("gender", "Gender", "code", "all", GENDERS, "F, M or X.", 8),
    Column(
        "disabled",
        "Disabled",
        "code",
        "",
        YES_NO,
        "Y for a child aged 26 or over who is disabled; otherwise N or blank.",
        9,
    ),
    Column("email", "Email", rule="Optional, like name@example.com.", width=24),
    Column("phone", "Phone", rule="Optional, ten digits, like 510-555-0123.", width=14, max_length=20),
    Column(
        "address_line1", "Address Line 1", required="subscriber", rule="Subscribers: home street address.", width=24
    ),
    Column("city", "City", required="subscriber", rule="Subscribers: home city.", width=16),
    Column("state", "State", "code", "subscriber", tuple(US_STATES), "Subscribers: two-letter state code.", 7),
    Column(
        "zip",
        "ZIP Code",
        required="subscriber",
        rule="Subscribers: 5 digits or ZIP+4 (12345-6789).",
        width=11,
        max_length=10,
    ),
    Column("hire_date", "Hire Date", "date", "subscriber", rule="Subscribers: MM/DD/YYYY.", width=12),
    Column(
        "effective_date",
        "Coverage Effective Date",
        "date",
        "all",
        rule="The first of a month, on or after the hire date, within the enrollment window.",
        width=14,
    ),
    Column(
        "arbitration_signed",
        "Arbitration Agreement Signed",
        "code",
        "",
        YES_NO,
        "Y if the member signed a Member Arbitration Agreement (upload it after this file).",
        14,
        ARBITRATION_REGIONS,
    ),
)

# Members' personal data: kept only encrypted (shared.crypto), shown in full only to enrollers.
SENSITIVE_COLUMNS = frozenset({"ssn", "subscriber_ssn", "date_of_birth"})

BY_KEY = {c.key: c for c in COLUMNS}
BY_HEADER = {c.header.casefold(): c for c in COLUMNS}


def header_of(key: str) -> str:
    return BY_KEY[key].header


def columns_for(region: str) -> list[Column]:
    """The template's columns, in order, for a region."""
    return [c for c in COLUMNS if c.applies_to(region)]


def column_keys(region: str) -> list[str]:
    """The cell names of a member row for a region, in the template's order
    (every parsed row, and so every application, holds exactly these)."""
    return [c.key for c in columns_for(region)]
