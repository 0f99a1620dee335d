"""Reading an uploaded workbook into rows: pure, no I/O beyond the bytes given."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from shared.contracts.columns import (
    FIRST_DATA_ROW,
    HEADER_ROW,
    KNOWN_TEMPLATE_VERSIONS,
    MEMBERS_SHEET,
    STAMP_LABELS,
    STAMP_ROW,
    TEMPLATE_VERSION,
    columns_for,
)
from shared.errors import BadInput, Invalid, TooLarge, Unsupported

XLSX_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class ParsedRow:
    row_number: int
    cells: dict[str, str | None]


def cell_text(value: object) -> str | None:
    """A cell as text: dates as ISO dates, whole numbers without '.0'."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def check_size(size: int, limit: int) -> None:
    if size == 0:
        raise BadInput("empty_file", "The file is empty. Choose the completed enrollment spreadsheet.")
    if size > limit:
        raise TooLarge(
            "file_too_large",
            f"The file is larger than the {limit / 1_048_576:.1f} MB limit. "
            "Remove unused sheets or split the members over several files.",
        )


@dataclass(frozen=True)
class ParsedSheet:
    """What an uploaded template holds: its stamp and its member rows."""

    group_id: str
    group_name: str
    region: str
    version: str
    rows: list[ParsedRow]


def parse_workbook(data: bytes, max_members: int) -> ParsedSheet:
    """The stamp and member rows of the members sheet, or a refusal naming the problem."""
    if not data.startswith(XLSX_MAGIC):
        raise Unsupported(
            "not_xlsx",
            "The file is not an Excel workbook (.xlsx). Save it as .xlsx from the template and upload it again.",
        )
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as exc:
        raise Unsupported(
            "not_xlsx",
            "The file could not be read as an Excel workbook (.xlsx); it may be damaged. "
            "Save it again from Excel as .xlsx and upload it again.",
        ) from exc
    try:
        if MEMBERS_SHEET not in workbook.sheetnames:
            found = ", ".join(f"'{n}'" for n in workbook.sheetnames) or "none"
            raise Invalid(
                "members_sheet_missing",
                f"The workbook has no sheet named '{MEMBERS_SHEET}' (sheets found: {found}). "
                "Download the template and enter members on its Enrollment Data tab.",
            )
        rows = workbook[MEMBERS_SHEET].iter_rows(values_only=True)
        stamp = _read_stamp(rows)
        columns = _check_header(rows, stamp["region"])
        parsed = _data_rows(rows, columns)
    finally:
        workbook.close()
    if not parsed:
        raise Invalid(
            "no_members",
            f"The '{MEMBERS_SHEET}' sheet has no member rows. Enter at least one member from row {FIRST_DATA_ROW} on.",
        )
    if len(parsed) > max_members:
        raise Invalid(
            "too_many_members",
            f"The file has {len(parsed)} member rows; at most {max_members} are allowed per file. "
            f"Split it into files of {max_members} or fewer and upload each.",
        )
    return ParsedSheet(stamp["group_id"], stamp["group_name"], stamp["region"], stamp["version"], parsed)


NOT_A_TEMPLATE = "Download the Mass Enrollment template for your group and enter the members in it."


def _read_stamp(rows) -> dict[str, str]:
    found: dict[str, str] = {}
    for row_number, values in enumerate(rows, start=1):
        if row_number == STAMP_ROW:
            labels = {label.casefold(): key for key, label in STAMP_LABELS.items()}
            for i in range(0, len(values) - 1, 2):
                key = labels.get(str(values[i] or "").strip().casefold())
                if key:
                    found[key] = cell_text(values[i + 1]) or ""
            break
    if set(found) != set(STAMP_LABELS):
        raise Invalid(
            "not_a_template",
            f"The '{MEMBERS_SHEET}' sheet has no template stamp in row {STAMP_ROW}. " + NOT_A_TEMPLATE,
        )
    if found["version"] not in KNOWN_TEMPLATE_VERSIONS:
        raise Invalid(
            "unknown_template_version",
            f"Template version '{found['version']}' is not one this site accepts (current: {TEMPLATE_VERSION}). "
            "Download a new template and copy the members into it.",
        )
    return found


def _check_header(rows, region: str) -> dict[int, str]:
    expected = columns_for(region)
    for row_number, values in enumerate(rows, start=STAMP_ROW + 1):
        if row_number == HEADER_ROW:
            headers = [cell_text(v) or "" for v in values]
            while headers and not headers[-1]:
                headers.pop()
            for index, column in enumerate(expected):
                got = headers[index] if index < len(headers) else ""
                if got.casefold() != column.header.casefold():
                    raise Invalid(
                        "header_changed",
                        f"The header row was changed: column {get_column_letter(index + 1)} should be "
                        f"'{column.header}' but is '{got}'. Download a fresh template and copy the members into it.",
                    )
            if len(headers) > len(expected):
                raise Invalid(
                    "header_changed",
                    f"The header row was changed: column {get_column_letter(len(expected) + 1)} "
                    f"('{headers[len(expected)]}') is not part of the template. Remove it and upload again.",
                )
            return {index: column.key for index, column in enumerate(expected)}
    raise Invalid("header_missing", f"Row {HEADER_ROW} should hold the template's header. " + NOT_A_TEMPLATE)


def _data_rows(rows, columns: dict[int, str]) -> list[ParsedRow]:
    parsed: list[ParsedRow] = []
    for row_number, values in enumerate(rows, start=HEADER_ROW + 1):
        cells = {key: cell_text(values[i]) if i < len(values) else None for i, key in columns.items()}
        if any(v is not None for v in cells.values()):
            parsed.append(ParsedRow(row_number, cells))
    return parsed


def check_stamp(sheet: ParsedSheet, group_id: str, region: str, group_name: str) -> None:
    """The file must be the template of the group and region the user chose."""
    if sheet.group_id != group_id:
        raise Invalid(
            "wrong_group",
            f"This file is the template of group {sheet.group_id}, not of group {group_id}. "
            f"Upload it for group {sheet.group_id}, or download the template of group {group_id}.",
        )
    if sheet.region.casefold() != region.strip().casefold():
        raise Invalid(
            "wrong_region",
            f"This file is a template for region {sheet.region}, but region {region} was entered. "
            "Enter the group's region, or download the template for it.",
        )
    if group_name.strip() and group_name.strip().casefold() != sheet.group_name.casefold():
        raise Invalid(
            "wrong_group_name",
            f"The group name entered ('{group_name.strip()}') is not the template's ('{sheet.group_name}'). "
            "Enter the group name as the template shows it.",
        )
