import io
import zipfile

import pytest
from openpyxl import Workbook

from services.upload.domain import UploadRefused, cell_text, check_size, parse_workbook
from tests.support import member, workbook


def refused(data: bytes, max_members: int = 250) -> UploadRefused:
    with pytest.raises(UploadRefused) as caught:
        parse_workbook(data, max_members)
    return caught.value


def test_rows_come_back_keyed_by_column_with_sheet_row_numbers():
    rows = parse_workbook(workbook([member(1), member(2, first_name="Zoë")]), 250)
    assert [r.row_number for r in rows] == [2, 3]
    assert rows[1].cells["first_name"] == "Zoë"
    assert rows[0].cells["subgroup_id"] == "0001"  # text keeps its leading zeros
    assert rows[0].cells["email"] is None


def test_blank_rows_between_members_are_skipped_and_numbers_stay_true():
    data = workbook([member(1), {}, member(3)])
    assert [r.row_number for r in parse_workbook(data, 250)] == [2, 4]


def test_cell_text_normalises_excel_values():
    from datetime import date, datetime

    assert cell_text(datetime(1990, 4, 1, 0, 0)) == "1990-04-01"
    assert cell_text(date(1990, 4, 1)) == "1990-04-01"
    assert cell_text(94110.0) == "94110"
    assert cell_text("  Ana ") == "Ana"
    assert cell_text("   ") is None


def test_not_an_xlsx_is_refused_with_415():
    problem = refused(b"name,ssn\nAna,123456789\n")
    assert problem.status_code == 415 and ".xlsx" in problem.message


def test_a_zip_that_is_not_a_workbook_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("hello.txt", "hi")
    assert refused(out.getvalue()).code == "not_xlsx"


def test_workbook_without_members_sheet_names_the_sheets_found():
    problem = refused(workbook([member(1)], sheet="Sheet1"))
    assert problem.code == "members_sheet_missing"
    assert "'Enrollment Data'" in problem.message and "'Sheet1'" in problem.message


def test_empty_members_sheet_is_refused():
    assert refused(workbook([])).code == "no_members"


def test_sheet_without_header_row_is_refused():
    wb = Workbook()
    wb.active.title = "Enrollment Data"
    wb.active.append(["Ana", "Lee"])
    out = io.BytesIO()
    wb.save(out)
    assert refused(out.getvalue()).code == "header_missing"


def test_missing_required_column_is_named():
    problem = refused(workbook([member(1)], headers=["Subgroup ID", "First Name", "Last Name", "Date of Birth"]))
    assert problem.code == "columns_missing" and "SSN" in problem.message


def test_member_limit_boundary():
    assert len(parse_workbook(workbook([member(n) for n in range(250)]), 250)) == 250
    problem = refused(workbook([member(n) for n in range(251)]), 250)
    assert problem.code == "too_many_members" and "251" in problem.message and "Split" in problem.message


def test_size_limit_and_empty_file():
    check_size(100, 100)
    with pytest.raises(UploadRefused) as caught:
        check_size(101, 100)
    assert caught.value.status_code == 413
    with pytest.raises(UploadRefused) as caught:
        check_size(0, 100)
    assert caught.value.code == "empty_file"
