"""Reading an uploaded workbook into rows: pure, no I/O beyond the bytes given."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from defusedxml import DefusedXmlException
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from shared.contracts.columns import (
    APPLICATION_ID_HEADER,
    FIRST_DATA_ROW,
    HEADER_ROW,
    KNOWN_TEMPLATE_VERSIONS,
    MEMBERS_SHEET,
    SOURCE_UPLOAD_LABEL,
    STAMP_LABELS,
    STAMP_ROW,
    TEMPLATE_VERSION,
    column_keys,
    columns_for,
    header_of,
)
from shared.errors import BadInput, Conflict, Invalid, TooLarge

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
# The Enroll a Member form makes an upload of one member row, numbered 1 (its
# application is ``<upload id>-0001`` and validation's messages say "Row 1").
FORM_FILE_NAME = "Enroll a Member form"
FORM_SOURCE = "form"
FORM_ROW = 1


@dataclass(frozen=True)
class ParsedRow:
    row_number: int
    cells: dict[str, str | None]
    # A row of an error report uploaded again: the application id it carries
    # (as the file has it; ``check_replacements`` decides whether it may stand).
    replaces: str | None = None


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
    # An error report: the upload it was made from, as its stamp names it.
    source_upload_id: str | None = None


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
        columns, id_index = _check_header(rows, stamp["region"], report=bool(stamp.get("source_upload_id")))
        parsed = _data_rows(rows, columns, max_members, formulas, id_index)
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
    return ParsedSheet(
        stamp["group_id"],
        stamp["group_name"],
        stamp["region"],
        stamp["version"],
        parsed,
        notices,
        stamp.get("source_upload_id") or None,
    )


NOT_A_TEMPLATE = "Download the Mass Enrollment template for your group and enter the members in it."


def _read_stamp(rows) -> dict[str, str]:
    """The stamp's values by key; ``source_upload_id`` too when the file is an error report."""
    found: dict[str, str] = {}
    for row_number, values in enumerate(rows, start=1):
        if row_number == STAMP_ROW:
            labels = {label.casefold(): key for key, label in STAMP_LABELS.items()}
            labels[SOURCE_UPLOAD_LABEL.casefold()] = "source_upload_id"
            for i in range(0, len(values) - 1, 2):
                key = labels.get(str(values[i] or "").strip().casefold())
                if key:
                    found[key] = cell_text(values[i + 1]) or ""
            break
    if not set(STAMP_LABELS) <= set(found):
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


def _check_header(rows, region: str, report: bool) -> tuple[dict[int, str], int | None]:
    """The template's columns by index, and where an error report (``report``)
    keeps its application ids (None when the file has no such column)."""
    expected = columns_for(region)
    for row_number, values in enumerate(rows, start=STAMP_ROW + 1):
        if row_number == HEADER_ROW:
            headers = [cell_text(v) or "" for v in values]
            while headers and not headers[-1]:
                headers.pop()
            id_index = None
            if report and len(headers) == len(expected) + 1 and headers[-1] == APPLICATION_ID_HEADER:
                id_index = len(expected)
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
            return {index: column.key for index, column in enumerate(expected)}, id_index
    raise Invalid("header_missing", f"Row {HEADER_ROW} should hold the template's header. " + NOT_A_TEMPLATE)


def _defused(exc: BaseException) -> bool:
    """Whether defusedxml refused the XML (openpyxl wraps the refusal in its own error)."""
    while exc is not None:
        if isinstance(exc, DefusedXmlException):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _data_rows(
    rows, columns: dict[int, str], max_members: int, formulas: dict[tuple[int, int], str], id_index: int | None
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
            replaces = cell_text(values[id_index]) if id_index is not None and id_index < len(values) else None
            parsed.append(ParsedRow(row_number, cells, replaces))
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
    return checked_text(text, where, "Correct the cell and upload again.")


def checked_text(text: str | None, where: str, fix: str) -> str | None:
    """A cell's text, refused when it is longer than any column takes (a file's cells and the form's alike)."""
    if text is not None and len(text) > MAX_CELL_CHARS:
        raise Invalid(
            "cell_too_long",
            f"{where} holds {len(text):,} characters; no column takes more than {MAX_CELL_CHARS}. {fix}",
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


# An upload id as this service makes them (``new_id``), and an application id (upload id and row).
UPLOAD_ID = re.compile(r"[A-Za-z0-9]{1,64}")
APPLICATION_ID = re.compile(r"[A-Za-z0-9]{1,64}-[0-9]{4}")


def names_an_upload(source_upload_id: str | None) -> bool:
    """Whether an error report's stamp holds something that can be an upload id (worth looking up)."""
    return source_upload_id is not None and UPLOAD_ID.fullmatch(source_upload_id) is not None


def check_replacements(sheet: ParsedSheet, source: dict[str, Any] | None, group_id: str) -> None:
    """A fixed error report names, in its stamp, the upload it was made from
    and, on each row, the error application that row replaces. The upload must
    be one of this group's (``source``: its record, None when there is none)
    and each application one that an error report of it was made of; else the
    file is refused, naming the row and column. Another group's upload is
    refused as one that does not exist."""
    if sheet.source_upload_id is None:
        return
    if source is None or source.get("group_id") != group_id:
        raise Invalid(
            "unknown_source_upload",
            f"The stamp's '{SOURCE_UPLOAD_LABEL}' (row {STAMP_ROW}) does not name an upload of group {group_id}, "
            "so this is not an error report of one of its uploads. Download the error report again from the "
            "upload's Error tab, or copy the members into a fresh template and upload that.",
        )
    reported = set(source.get("reported_applications", ()))
    id_column = get_column_letter(len(columns_for(sheet.region)) + 1)
    first_row_of: dict[str, int] = {}
    for row in sheet.rows:
        if row.replaces is None:
            continue
        where = f"Row {row.row_number}, column {id_column} ('{APPLICATION_ID_HEADER}')"
        if row.replaces not in reported or not APPLICATION_ID.fullmatch(row.replaces):
            raise Invalid(
                "unknown_application",
                f"{where} does not name an error application of upload {source['_id']}. Do not change that "
                "column: download the error report again, or copy the member into a fresh template to upload "
                "them as new.",
            )
        if row.replaces in first_row_of:
            raise Invalid(
                "application_twice",
                f"{where} names the same application as row {first_row_of[row.replaces]}: each row of an error "
                "report replaces its own application. Download the error report again.",
            )
        first_row_of[row.replaces] = row.row_number


def check_group_region(group_id: str, group_region: str, region: str) -> None:
    """The region the user chose must be the group's."""
    if region.strip().casefold() != group_region.casefold():
        raise Invalid(
            "wrong_region", f"Group {group_id} is in region {group_region}, not {region}. Choose {group_region}."
        )


def file_digest(data: bytes) -> str:
    """The SHA-256 of a file's bytes: the same file uploaded again is known by it."""
    return hashlib.sha256(data).hexdigest()


def duplicate_file(earlier: dict[str, Any]) -> Conflict:
    """The refusal of a file the group has uploaded already, pointing at the upload that holds it."""
    upload_id = earlier["_id"]
    when = earlier["received_at"].astimezone(UTC)
    return Conflict(
        "duplicate_file",
        f"This file was already uploaded on {when:%Y-%m-%d at %H:%M} UTC as upload {upload_id}. Open that upload "
        "to continue, or change the file and upload it again.",
        {"upload_id": upload_id, "link": f"/api/v1/uploads/{upload_id}"},
    )


def form_row(cells: Mapping[str, str | None], region: str) -> ParsedRow:
    """The Enroll a Member form as the one row of an upload: every cell of the
    region's template (blank when not given), each checked as a file's cell
    is; validation then applies the same rules to it as to a file's row."""
    keys = column_keys(region)
    unknown = sorted(set(cells) - set(keys))
    if unknown:
        shown = ", ".join(name[:40] for name in unknown[:10]) + (" …" if len(unknown) > 10 else "")
        raise BadInput(
            "unknown_cells",
            f"Unknown cell(s): {shown}. Known cells: see the template's columns; for region {region} they are "
            f"{', '.join(keys)}. Name only those.",
        )
    fix = "Correct it and send the form again."
    row = {key: checked_text(cell_text(cells.get(key)), f"The form's {header_of(key)}", fix) for key in keys}
    if all(value is None for value in row.values()):
        raise Invalid("no_members", "The form is empty. Enter the member's details and send it again.")
    return ParsedRow(FORM_ROW, row)


def form_file(row: ParsedRow) -> bytes:
    """What is stored of a form (encrypted, as a file is): its cells."""
    return json.dumps(row.cells).encode()


def read_form_file(data: bytes) -> list[ParsedRow]:
    """The row of a stored form, for publishing it again."""
    return [ParsedRow(FORM_ROW, json.loads(data))]
