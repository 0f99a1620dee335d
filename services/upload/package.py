"""An uploaded .xlsx before openpyxl reads it: a zip of XML parts from the
internet, hostile until checked. Pure: only the bytes given.

Every limit is checked on what the zip declares before anything is
unpacked; Python's zipfile never unpacks a part beyond its declared size, so
a decompression bomb is refused in milliseconds instead of being parsed.
XML is parsed by defusedxml (openpyxl uses it too once it is installed): no
entity declarations, no external references.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from posixpath import dirname, join, normpath

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from openpyxl.utils import get_column_letter

from shared.errors import Invalid, TooLarge, Unsupported

XLSX_MAGIC = b"PK\x03\x04"
# Office's older binary format, which is also what an encrypted (password-protected) .xlsx is.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")

# A filled template is about 15 parts and 300 KB unpacked (its members sheet
# about 250 KB): these bounds leave room for Excel's own additions and stop
# anything built to unpack to much more.
MAX_PARTS = 300
MAX_PART_BYTES = 8 * 1024 * 1024
MAX_TOTAL_BYTES = 24 * 1024 * 1024
MAX_RATIO = 150  # unpacked / packed, for parts over 1 MB

MACRO_CONTENT = b"macroEnabled"
NS = {
    "main": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
}
ROW_TAG = re.compile(rb"<(?:\w+:)?row\b[^>]*>")
COL_TAG = re.compile(rb"<(?:\w+:)?col\b[^>]*>")
HIDDEN = re.compile(rb"""\bhidden=["'](?:1|true)["']""")
ROW_NUMBER = re.compile(rb"""\br=["'](\d+)["']""")
COL_SPAN = re.compile(rb"""\bmin=["'](\d+)["'][^>]*\bmax=["'](\d+)["']|\bmax=["'](\d+)["'][^>]*\bmin=["'](\d+)["']""")
TEMPLATE_WIDTH = 64  # more columns than any template has
FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")

RESAVE = "Open it in Excel, save it as an Excel Workbook (.xlsx) and upload it again."


@dataclass(frozen=True)
class Package:
    """What the package says about the members sheet before it is read."""

    has_formulas: bool
    hidden_rows: tuple[int, ...]
    hidden_columns: tuple[int, ...]


def inspect_package(data: bytes, sheet_name: str) -> Package:
    """Refuse what is not a plain .xlsx within bounds; report the members sheet's formulas and hidden rows."""
    if data.startswith(OLE_MAGIC):
        if ENCRYPTED_PACKAGE in data:
            raise Unsupported(
                "password_protected",
                "The workbook is protected with a password, so it cannot be read. Remove the password in Excel "
                "(File, Info, Protect Workbook, Encrypt with Password: clear it), save and upload it again.",
            )
        raise Unsupported("old_excel_format", f"The file is an older Excel workbook (.xls). {RESAVE}")
    if not data.startswith(XLSX_MAGIC):
        raise Unsupported(
            "not_xlsx",
            "The file is not an Excel workbook (.xlsx). Save it as .xlsx from the template and upload it again.",
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, zlib.error) as exc:
        raise damaged() from exc
    _check_bounds(parts)
    names = {p.filename for p in parts}
    try:
        content_types = archive.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
        if "xl/vbaProject.bin" in names or MACRO_CONTENT in content_types:
            raise Unsupported(
                "macros",
                "The workbook contains macros (.xlsm). This site takes workbooks without macros: save it as an "
                "Excel Workbook (.xlsx) and upload it again.",
            )
        path = _sheet_path(archive, names, sheet_name)
        sheet = archive.read(path) if path else b""
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, RuntimeError, EOFError, zlib.error) as exc:  # a bad part
        raise damaged() from exc
    return Package(FORMULA.search(sheet) is not None, *_hidden(sheet))


def damaged() -> Unsupported:
    return Unsupported(
        "not_xlsx", f"The file could not be read as an Excel workbook (.xlsx); it may be damaged. {RESAVE}"
    )


def unsafe_xml() -> Unsupported:
    return Unsupported(
        "unsafe_xml",
        "The workbook holds XML this site does not read (entity declarations or references to other files), "
        f"which Excel does not write. {RESAVE}",
    )


def _check_bounds(parts: list[zipfile.ZipInfo]) -> None:
    if len(parts) > MAX_PARTS:
        raise Invalid("too_many_parts", f"The file holds {len(parts)} parts; a workbook holds far fewer. {RESAVE}")
    if any(p.flag_bits & 0x1 for p in parts):
        raise Unsupported(
            "password_protected", "The workbook is encrypted. Remove its password, save and upload again."
        )
    total = 0
    for part in parts:
        total += part.file_size
        inflated = part.file_size > 1024 * 1024 and part.file_size > MAX_RATIO * max(part.compress_size, 1)
        if part.file_size > MAX_PART_BYTES or total > MAX_TOTAL_BYTES or inflated:
            raise TooLarge(
                "inflates_too_much",
                f"The file unpacks to far more than a workbook of {250} members does "
                f"({part.filename}: {part.file_size / 1_048_576:.0f} MB). Copy the members into a fresh template "
                "and upload that.",
            )


def _sheet_path(archive: zipfile.ZipFile, names: set[str], sheet_name: str) -> str | None:
    """Where the sheet of that name is kept, from the workbook and its relationships."""
    if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
        return None
    try:
        workbook = fromstring(archive.read("xl/workbook.xml"))
        rels = fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except DefusedXmlException as exc:
        raise unsafe_xml() from exc
    except SyntaxError as exc:  # ElementTree's ParseError
        raise damaged() from exc
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iterfind("rel:Relationship", NS)}
    for sheet in workbook.iterfind("main:sheets/main:sheet", NS):
        if sheet.get("name") == sheet_name:
            target = targets.get(sheet.get(f"{{{NS['r']}}}id"), "")
            path = target.lstrip("/") if target.startswith("/") else normpath(join(dirname("xl/workbook.xml"), target))
            return path if path in names else None
    return None


def _hidden(sheet: bytes) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Row numbers and column numbers the sheet hides."""
    rows = tuple(
        int(m.group(1))
        for tag in ROW_TAG.finditer(sheet)
        if HIDDEN.search(tag.group()) and (m := ROW_NUMBER.search(tag.group()))
    )
    columns: set[int] = set()
    for tag in COL_TAG.finditer(sheet):
        if HIDDEN.search(tag.group()) and (span := COL_SPAN.search(tag.group())):
            low, high = (span.group(1), span.group(2)) if span.group(1) else (span.group(4), span.group(3))
            # Only the template's columns matter: a span to column 16384, repeated, must cost nothing.
            columns.update(range(int(low), min(int(high), TEMPLATE_WIDTH) + 1))
    return rows, tuple(sorted(columns))


def column_letters(columns: tuple[int, ...]) -> str:
    return ", ".join(get_column_letter(c) for c in columns)
