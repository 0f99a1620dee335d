"""A corpus of hostile and odd files, made by code (nothing binary is kept in
the repository): what an upload may receive from the internet, each with
what the upload service must answer."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from openpyxl import load_workbook

from shared.contracts.columns import MEMBERS_SHEET
from tests.support import member, plain_workbook, template, workbook

SHEET = "xl/worksheets/sheet1.xml"
LAUGHS = (
    b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'.encode() for n in range(1, 10)
    )
    + b"]>"
)
XXE = b'<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


@dataclass(frozen=True)
class Hostile:
    name: str
    make: Callable[[], bytes]
    code: str | None  # the refusal's code; None: taken (then ``notice`` names what the user is told)
    notice: str = ""


def rezip(data: bytes, replace: dict[str, bytes] | None = None, drop: tuple[str, ...] = ()) -> bytes:
    """The package with some parts replaced, added or dropped."""
    replace = replace or {}
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            if name not in drop and name not in replace:
                target.writestr(name, source.read(name))
        for name, content in replace.items():
            target.writestr(name, content)
    return out.getvalue()


def part(data: bytes, name: str) -> bytes:
    return zipfile.ZipFile(io.BytesIO(data)).read(name)


def with_doctype(name: str, doctype: bytes, use: bytes) -> Callable[[], bytes]:
    """The template with a DTD put into one part (and an entity used in its first element)."""

    def make() -> bytes:
        data = workbook([member(1)])
        xml = part(data, name)
        head, mark, rest = xml.partition(b"?>")
        if not mark:  # no XML declaration
            head, rest = b"", xml
        body = rest.lstrip()
        end = body.index(b">") + 1
        return rezip(data, {name: head + mark + doctype + body[:end] + use + body[end:]})

    return make


def edited(change: Callable) -> Callable[[], bytes]:
    """The template with one member, changed through openpyxl before saving."""

    def make() -> bytes:
        wb = load_workbook(io.BytesIO(workbook([member(1), member(2), member(3)])))
        change(wb[MEMBERS_SHEET])
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()

    return make


def inflating(size: int, parts: int = 1, name: str = SHEET) -> Callable[[], bytes]:
    """Parts that unpack to ``size`` bytes each from almost nothing (a decompression bomb)."""

    def make() -> bytes:
        data = workbook([member(1)])
        filler = b"<row/>" * (size // 6)
        return rezip(data, {name if n == 0 else f"xl/media/pad{n}.xml": filler for n in range(parts)})

    return make


def many_parts() -> bytes:
    return rezip(workbook([member(1)]), {f"xl/media/p{n}.xml": b"<x/>" for n in range(400)})


def ole(with_encrypted_package: bool) -> Callable[[], bytes]:
    def make() -> bytes:
        body = "EncryptedPackage".encode("utf-16-le") if with_encrypted_package else b"Workbook"
        return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512 + body + b"\0" * 512

    return make


def encrypted_flag() -> bytes:
    """A zip whose parts say they are encrypted (the flag in the central directory)."""
    data = bytearray(workbook([member(1)]))
    at = data.find(b"PK\x01\x02")
    while at != -1:
        data[at + 8] |= 0x1  # general purpose flag, bit 0: encrypted
        at = data.find(b"PK\x01\x02", at + 4)
    return bytes(data)


def macros() -> bytes:
    data = workbook([member(1)])
    types = part(data, "[Content_Types].xml").replace(
        b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml"
    )
    return rezip(data, {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"\0" * 64, "[Content_Types].xml": types})


def macro_content_type_only() -> bytes:
    data = workbook([member(1)])
    types = part(data, "[Content_Types].xml").replace(
        b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml"
    )
    return rezip(data, {"[Content_Types].xml": types})


def formula_with_saved_value() -> bytes:
    data = edited(lambda ws: ws.cell(4, 4, '=B2&"x"'))()
    xml = part(data, SHEET).replace(b'<c r="D4" s="5"><f>', b'<c r="D4" s="5" t="str"><f>')
    return rezip(data, {SHEET: xml.replace(b"</f><v />", b"</f><v>Saved</v>", 1)})


def rows_far_below() -> bytes:
    """A row far below the template, beyond the size the sheet declares (``<dimension>``)."""
    data = workbook([member(1)])
    xml = part(data, SHEET)
    far = b'<row r="3000"><c r="A3000" t="inlineStr"><is><t>x</t></is></c></row>'
    return rezip(data, {SHEET: xml.replace(b"</sheetData>", far + b"</sheetData>")})


def member_beyond_declared_size() -> bytes:
    """Row 300 holds a member, but the sheet declares it ends at row 253: not to be dropped."""
    data = workbook([member(1)])
    xml = part(data, SHEET)
    cells = b"".join(
        b'<c r="%s300" t="inlineStr"><is><t>%s</t></is></c>' % (column.encode(), value.encode())
        for column, value in (("D", "Far"), ("F", "Below"))
    )
    return rezip(data, {SHEET: xml.replace(b"</sheetData>", b'<row r="300">' + cells + b"</row></sheetData>")})


def empty_rows(count: int) -> Callable[[], bytes]:
    def make() -> bytes:
        data = workbook([member(1)])
        xml = part(data, SHEET)
        rows = b"".join(b'<row r="%d"/>' % n for n in range(300, 300 + count))
        return rezip(data, {SHEET: xml.replace(b"</sheetData>", rows + b"</sheetData>")})

    return make


def docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def hidden_column(ws) -> None:
    ws.column_dimensions["E"].hidden = True


def hidden_rows(ws) -> None:
    ws.row_dimensions[5].hidden = True


def changed_header(ws) -> None:
    ws.cell(3, 7, "Social")


def no_stamp(ws) -> None:
    for column in range(1, 9):
        ws.cell(2, column).value = None


def old_version(ws) -> None:
    ws.cell(2, 8, "ME-2019.4")


def long_cell(length: int) -> Callable:
    def change(ws) -> None:
        ws.cell(5, 4, "A" * length)

    return change


def formula_without_value(ws) -> None:
    ws.cell(4, 4, '=B2&"x"')


def corrupt_packing(name: str) -> Callable[[], bytes]:
    """A part whose compressed bytes were damaged (its size and name intact)."""

    def make() -> bytes:
        data = bytearray(workbook([member(1)]))
        info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(name)
        start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
        for at in range(start + 2, start + 10):
            data[at] ^= 0xFF
        return bytes(data)

    return make


def hidden_column_spans() -> bytes:
    """Thousands of hidden column spans to the last column: nothing to cost."""
    data = workbook([member(1)])
    xml = part(data, SHEET)
    cols = b"<cols>" + b'<col min="1" max="16384" hidden="1" width="9"/>' * 3000 + b"</cols>"
    return rezip(data, {SHEET: xml.replace(b"<sheetData>", cols + b"<sheetData>", 1)})


def half(data: bytes) -> bytes:
    return data[: len(data) // 2]


CORPUS: tuple[Hostile, ...] = (
    Hostile("csv text", lambda: b"first,last\nAna,Lee\n", "not_xlsx"),
    Hostile("pdf", lambda: b"%PDF-1.7\n" + b"0" * 200, "not_xlsx"),
    Hostile("png", lambda: b"\x89PNG\r\n\x1a\n" + b"\0" * 200, "not_xlsx"),
    Hostile("html", lambda: b"<html><script>alert(1)</script></html>", "not_xlsx"),
    Hostile("zip header then garbage", lambda: b"PK\x03\x04" + b"\x07" * 500, "not_xlsx"),
    Hostile("truncated workbook", lambda: half(workbook([member(1)])), "not_xlsx"),
    Hostile("word document renamed", docx, "not_xlsx"),
    Hostile("workbook without its workbook part", lambda: rezip(template(), drop=("xl/workbook.xml",)), "not_xlsx"),
    Hostile("old .xls", ole(False), "old_excel_format"),
    Hostile("password-protected workbook", ole(True), "password_protected"),
    Hostile("parts flagged as encrypted", encrypted_flag, "password_protected"),
    Hostile("macros (.xlsm)", macros, "macros"),
    Hostile("macro-enabled content type", macro_content_type_only, "macros"),
    Hostile("decompression bomb in the sheet", inflating(60 * 1024 * 1024), "inflates_too_much"),
    Hostile("bomb spread over parts", inflating(6 * 1024 * 1024, parts=5), "inflates_too_much"),
    Hostile(
        "one part packed far too tightly", inflating(3 * 1024 * 1024, name="xl/media/blob.xml"), "inflates_too_much"
    ),
    Hostile("hundreds of parts", many_parts, "too_many_parts"),
    Hostile("billion laughs in the workbook", with_doctype("xl/workbook.xml", LAUGHS, b""), "unsafe_xml"),
    Hostile("billion laughs in the sheet", with_doctype(SHEET, LAUGHS, b""), "unsafe_xml"),
    Hostile("external entity in the sheet", with_doctype(SHEET, XXE, b""), "unsafe_xml"),
    Hostile("external entity in the styles", with_doctype("xl/styles.xml", XXE, b""), "unsafe_xml"),
    Hostile("no members sheet", lambda: plain_workbook([member(1)], sheet="Members"), "members_sheet_missing"),
    Hostile("not a template", lambda: plain_workbook([member(1)]), "not_a_template"),
    Hostile("template stamp removed", edited(no_stamp), "not_a_template"),
    Hostile("old template version", edited(old_version), "unknown_template_version"),
    Hostile("header changed", edited(changed_header), "header_changed"),
    Hostile("no member rows", lambda: workbook([]), "no_members"),
    Hostile("251 members", lambda: workbook([member(n) for n in range(251)]), "too_many_members"),
    Hostile("content far below the template", rows_far_below, "rows_below_template"),
    Hostile("100,000 empty rows", empty_rows(100_000), "sheet_too_long"),
    Hostile("a row beyond the declared size of the sheet", member_beyond_declared_size, None),
    Hostile("a 2,000-character name", edited(long_cell(2_000)), "cell_too_long"),
    Hostile("a 2,000,000-character name", edited(long_cell(2_000_000)), "cell_too_long"),
    Hostile("a formula without a saved value", edited(formula_without_value), "formula_without_value"),
    Hostile("a formula with its saved value", formula_with_saved_value, None),
    Hostile("hidden member rows", edited(hidden_rows), None, "hidden in the sheet (rows 5)"),
    Hostile("a hidden column", edited(hidden_column), None, "Column(s) E are hidden"),
    Hostile("thousands of hidden column spans", hidden_column_spans, None, "Column(s) A, B, C"),
    Hostile("damaged packing of the content types", corrupt_packing("[Content_Types].xml"), "not_xlsx"),
    Hostile("damaged packing of the styles", corrupt_packing("xl/styles.xml"), "not_xlsx"),
    Hostile("a 101-character name", edited(long_cell(101)), None),
)
