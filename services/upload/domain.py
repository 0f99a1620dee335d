"""Reading an uploaded workbook into rows: pure, no I/O beyond the bytes given."""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime

from defusedxml import DefusedXmlException
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
    header_of,
)
from shared.errors import BadInput, Invalid, TooLarge

from .package import Package, column_letters, damaged, inspect_package, unsafe_xml

# The template's member rows end at row 253: data below this row is refused,
# and reading stops at the second bound whatever the rows hold (empty rows
# cost time too).
LAST_READ_ROW = 2_000
LAST_SCANNED_ROW = 20_000
# No column takes more (the template allows 100 characters; validation says
# so per column); anything longer is refused before it reaches a message.
MAX_CELL_CHARS = 1_000
# What a part whose packed data is corrupt raises while it is unpacked.
DAMAGED = (EOFError, zlib.error)


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
    notices: list[str] = field(default_factory=list)


def parse_workbook(data: bytes, max_members: int) -> ParsedSheet:
    """The stamp and member rows of the members sheet, or a refusal naming the problem.

    The package is checked first (``package.inspect_package``: size, macros,
    encryption); the sheet is then streamed and reading stops at the first
    limit crossed: the first member row over ``max_members``, a row far below
    the template's, a cell longer than any column takes."""
    package = inspect_package(data, MEMBERS_SHEET)
    try:
        formulas = _formula_cells(data) if package.has_formulas else {}
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError, SyntaxError, *DAMAGED) as exc:
        raise unsafe_xml() if _defused(exc) else damaged() from exc
    try:
        if MEMBERS_SHEET not in workbook.sheetnames:
            found = ", ".join(f"'{n}'" for n in workbook.sheetnames) or "none"
            raise Invalid(
                "members_sheet_missing",
                f"The workbook has no sheet named '{MEMBERS_SHEET}' (sheets found: {found}). "
                "Download the template and enter members on its Enrollment Data tab.",
            )
        sheet = workbook[MEMBERS_SHEET]
        # The sheet's declared size may be wrong (not every tool writes it):
        # read what is there, within our own bounds, not what it declares.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True)
        stamp = _read_stamp(rows)
        columns = _check_header(rows, stamp["region"])
        parsed = _data_rows(rows, columns, max_members, formulas)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, SyntaxError, *DAMAGED) as exc:
        raise unsafe_xml() if _defused(exc) else damaged() from exc
    finally:
        workbook.close()
    if not parsed:
        raise Invalid(
            "no_members",
            f"The '{MEMBERS_SHEET}' sheet has no member rows. Enter at least one member from row {FIRST_DATA_ROW} on.",
        )
    notices = _notices(package, parsed, len(columns))
    return ParsedSheet(stamp["group_id"], stamp["group_name"], stamp["region"], stamp["version"], parsed, notices)


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


def _defused(exc: BaseException) -> bool:
    """Whether defusedxml refused the XML (openpyxl wraps the refusal in its own error)."""
    while exc is not None:
        if isinstance(exc, DefusedXmlException):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _data_rows(
    rows, columns: dict[int, str], max_members: int, formulas: dict[tuple[int, int], str]
) -> list[ParsedRow]:
    parsed: list[ParsedRow] = []
    for row_number, values in enumerate(rows, start=HEADER_ROW + 1):
        if row_number > LAST_SCANNED_ROW:
            raise Invalid(
                "sheet_too_long",
                f"The sheet goes on past row {LAST_SCANNED_ROW:,} (empty or formatted rows far below the "
                "members). Copy the members into a fresh template and upload that.",
            )
        cells = {key: _cell(values, i, row_number, key, formulas) for i, key in columns.items()}
        if any(v is not None for v in cells.values()):
            if row_number > LAST_READ_ROW:
                raise Invalid(
                    "rows_below_template",
                    f"Row {row_number:,} holds data, far below the template's {max_members} member rows. "
                    "Move the members up or delete what is below them, and upload again.",
                )
            parsed.append(ParsedRow(row_number, cells))
            if len(parsed) > max_members:
                raise Invalid(
                    "too_many_members",
                    f"The file has more than {max_members} member rows (row {row_number} is the "
                    f"{max_members + 1}st); at most {max_members} are allowed per file. "
                    f"Split it into files of {max_members} or fewer and upload each.",
                )
    return parsed


def _cell(values: tuple, index: int, row_number: int, key: str, formulas: dict[tuple[int, int], str]) -> str | None:
    text = cell_text(values[index]) if index < len(values) else None
    where = f"Row {row_number}, column {header_of(key)}"
    if text is None and (row_number, index) in formulas:
        raise Invalid(
            "formula_without_value",
            f"{where} holds a formula with no saved value, so the value it shows cannot be read. Type the value "
            "itself, or open the file in Excel, save it and upload it again.",
        )
    if text is not None and len(text) > MAX_CELL_CHARS:
        raise Invalid(
            "cell_too_long",
            f"{where} holds {len(text):,} characters; no column takes more than {MAX_CELL_CHARS}. "
            "Correct the cell and upload again.",
        )
    return text


def _formula_cells(data: bytes) -> dict[tuple[int, int], str]:
    """(row, column index) of the members sheet's cells that hold formulas: read
    only when the sheet has any (a template has none), to tell a formula
    without a saved value from an empty cell."""
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        if MEMBERS_SHEET not in workbook.sheetnames:
            return {}
        found = {}
        sheet = workbook[MEMBERS_SHEET]
        sheet.reset_dimensions()
        rows = sheet.iter_rows(min_row=FIRST_DATA_ROW, max_row=LAST_READ_ROW, values_only=True)
        for row_number, values in enumerate(rows, start=FIRST_DATA_ROW):
            for index, value in enumerate(values):
                if isinstance(value, str) and value.startswith("="):
                    found[(row_number, index)] = value
        return found
    finally:
        workbook.close()


def _notices(package: Package, rows: list[ParsedRow], width: int) -> list[str]:
    """What the user should know about the file although it was taken."""
    notices = []
    hidden = sorted({r.row_number for r in rows} & set(package.hidden_rows))
    if hidden:
        shown = ", ".join(str(n) for n in hidden[:10]) + (" …" if len(hidden) > 10 else "")
        notices.append(
            f"{len(hidden)} member row(s) are hidden in the sheet (rows {shown}); they were read like the others. "
            "Check them, or delete them and upload again."
        )
    columns = tuple(c for c in package.hidden_columns if c <= width)
    if columns:
        notices.append(f"Column(s) {column_letters(columns)} are hidden in the sheet; they were read like the others.")
    return notices


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
