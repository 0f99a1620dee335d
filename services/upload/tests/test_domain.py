import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from services.upload.domain import cell_text, check_size, check_stamp, parse_workbook
from shared.contracts.columns import FIRST_DATA_ROW, MEMBERS_SHEET, TEMPLATE_VERSION
from shared.errors import DomainError, TooLarge, Unsupported
from tests.support import member, plain_workbook, template, workbook


def refused(data: bytes, max_members: int = 250) -> DomainError:
    with pytest.raises(DomainError) as caught:
        parse_workbook(data, max_members)
    return caught.value


def test_rows_come_back_keyed_by_column_with_sheet_row_numbers_and_the_stamp():
    sheet = parse_workbook(workbook([member(1), member(2, first_name="Zoë")]), 250)
    assert (sheet.group_id, sheet.region, sheet.group_name, sheet.version) == (
        "230001",
        "CA",
        "Golden Gate Bakery",
        TEMPLATE_VERSION,
    )
    assert [r.row_number for r in sheet.rows] == [FIRST_DATA_ROW, FIRST_DATA_ROW + 1]
    assert sheet.rows[1].cells["first_name"] == "Zoë"
    assert sheet.rows[0].cells["subgroup_id"] == "0001"  # text keeps its leading zeros
    assert sheet.rows[0].cells["email"] is None


def test_blank_rows_between_members_are_skipped_and_numbers_stay_true():
    sheet = parse_workbook(workbook([member(1), {}, member(3)]), 250)
    assert [r.row_number for r in sheet.rows] == [FIRST_DATA_ROW, FIRST_DATA_ROW + 2]


def test_cell_text_normalises_excel_values():
    from datetime import date, datetime

    assert cell_text(datetime(1990, 4, 1, 0, 0)) == "1990-04-01"
    assert cell_text(date(1990, 4, 1)) == "1990-04-01"
    assert cell_text(94110.0) == "94110"
    assert cell_text("  Ana ") == "Ana"
    assert cell_text("   ") is None


def test_not_an_xlsx_is_refused_with_415():
    problem = refused(b"name,ssn\nAna,123456789\n")
    assert isinstance(problem, Unsupported) and ".xlsx" in problem.detail


def test_a_zip_that_is_not_a_workbook_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("hello.txt", "hi")
    assert refused(out.getvalue()).code == "not_xlsx"


def test_workbook_without_members_sheet_names_the_sheets_found():
    problem = refused(plain_workbook([member(1)], sheet="Sheet1"))
    assert problem.code == "members_sheet_missing"
    assert "'Enrollment Data'" in problem.detail and "'Sheet1'" in problem.detail


def test_empty_template_is_refused():
    assert refused(template()).code == "no_members"


def test_a_sheet_that_is_not_the_template_is_refused():
    assert refused(plain_workbook([member(1)])).code == "not_a_template"


def edited(data: bytes, cell: str, value) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    wb[MEMBERS_SHEET][cell] = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_unknown_template_version_is_refused():
    problem = refused(edited(workbook([member(1)]), "H2", "ME-2019.4"))
    assert problem.code == "unknown_template_version" and "ME-2019.4" in problem.detail


def test_changed_header_is_refused_naming_the_column():
    problem = refused(edited(workbook([member(1)]), "G3", "Social"))
    assert problem.code == "header_changed" and "column G should be 'SSN'" in problem.detail


def test_member_limit_boundary():
    assert len(parse_workbook(workbook([member(n) for n in range(250)]), 250).rows) == 250
    problem = refused(workbook([member(n) for n in range(251)]), 250)
    assert problem.code == "too_many_members" and "251" in problem.detail and "Split" in problem.detail


def test_stamp_must_match_the_chosen_group_region_and_name():
    sheet = parse_workbook(workbook([member(1)]), 250)
    check_stamp(sheet, "230001", "ca", " golden gate bakery ")
    check_stamp(sheet, "230001", "CA", "")
    for args, code in [
        (("230009", "CA", ""), "wrong_group"),
        (("230001", "HI", ""), "wrong_region"),
        (("230001", "CA", "Other Co"), "wrong_group_name"),
    ]:
        with pytest.raises(DomainError) as caught:
            check_stamp(sheet, *args)
        assert caught.value.code == code


def test_size_limit_and_empty_file():
    check_size(100, 100)
    with pytest.raises(DomainError) as caught:
        check_size(101, 100)
    assert isinstance(caught.value, TooLarge)
    with pytest.raises(DomainError) as caught:
        check_size(0, 100)
    assert caught.value.code == "empty_file"


def test_plain_workbook_helper_is_not_a_template():
    wb = Workbook()
    assert wb.active.title != MEMBERS_SHEET
