"""Reading an uploaded workbook into rows: pure, no I/O beyond the bytes given."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from shared.contracts.columns import BY_HEADER, COLUMNS, MEMBERS_SHEET

XLSX_MAGIC = b"PK\x03\x04"
HEADER_SEARCH_ROWS = 10


class UploadRefused(Exception):
    """The file cannot be taken; ``message`` says why and what to do."""

    def __init__(self, status_code: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message


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
        raise UploadRefused(400, "empty_file", "The file is empty. Choose the completed enrollment spreadsheet.")
    if size > limit:
        raise UploadRefused(
            413,
            "file_too_large",
            f"The file is larger than the {limit / 1_048_576:.1f} MB limit. "
            "Remove unused sheets or split the members over several files.",
        )


def parse_workbook(data: bytes, max_members: int) -> list[ParsedRow]:
    """Rows of the members sheet, or UploadRefused naming the problem."""
    if not data.startswith(XLSX_MAGIC):
        raise UploadRefused(
            415,
            "not_xlsx",
            "The file is not an Excel workbook (.xlsx). Save it as .xlsx from the template and upload it again.",
        )
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as exc:
        raise UploadRefused(
            415,
            "not_xlsx",
            "The file could not be read as an Excel workbook (.xlsx); it may be damaged. "
            "Save it again from Excel as .xlsx and upload it again.",
        ) from exc
    try:
        if MEMBERS_SHEET not in workbook.sheetnames:
            found = ", ".join(f"'{n}'" for n in workbook.sheetnames) or "none"
            raise UploadRefused(
                422,
                "members_sheet_missing",
                f"The workbook has no sheet named '{MEMBERS_SHEET}' (sheets found: {found}). "
                "Download the template and enter members on its Enrollment Data tab.",
            )
        rows = workbook[MEMBERS_SHEET].iter_rows(values_only=True)
        columns, header_row = _find_header(rows)
        parsed = _data_rows(rows, columns, header_row)
    finally:
        workbook.close()
    if not parsed:
        raise UploadRefused(
            422,
            "no_members",
            f"The '{MEMBERS_SHEET}' sheet has no member rows. Enter at least one member below the header row.",
        )
    if len(parsed) > max_members:
        raise UploadRefused(
            422,
            "too_many_members",
            f"The file has {len(parsed)} member rows; at most {max_members} are allowed per file. "
            f"Split it into files of {max_members} or fewer and upload each.",
        )
    return parsed


def _find_header(rows) -> tuple[dict[int, str], int]:
    for row_number, values in enumerate(rows, start=1):
        columns = {
            index: BY_HEADER[str(v).strip().casefold()].key
            for index, v in enumerate(values)
            if v is not None and str(v).strip().casefold() in BY_HEADER
        }
        if "first_name" in columns.values():
            missing = [c.header for c in COLUMNS if c.required and c.key not in columns.values()]
            if missing:
                raise UploadRefused(
                    422,
                    "columns_missing",
                    f"Row {row_number} of '{MEMBERS_SHEET}' lacks the column(s) {', '.join(missing)}. "
                    "Use the template without changing its header row.",
                )
            return columns, row_number
        if row_number >= HEADER_SEARCH_ROWS:
            break
    raise UploadRefused(
        422,
        "header_missing",
        f"No header row with 'First Name' was found in the first {HEADER_SEARCH_ROWS} rows of '{MEMBERS_SHEET}'. "
        "Use the template without changing its header row.",
    )


def _data_rows(rows, columns: dict[int, str], header_row: int) -> list[ParsedRow]:
    parsed: list[ParsedRow] = []
    for row_number, values in enumerate(rows, start=header_row + 1):
        cells = {key: cell_text(values[i]) if i < len(values) else None for i, key in columns.items()}
        if any(v is not None for v in cells.values()):
            parsed.append(ParsedRow(row_number, cells))
    return parsed
