"""The Error tab's spreadsheet round trip on the real servers: upload a file
with ready and error rows, download the error report through the gateway,
fix its error cells as a spreadsheet program would, upload it again: the
fixed rows are Ready (not Rejected as already pending: the error
applications they replace held their members) and the first upload's Error
tab is empty. A report whose hidden application id or stamped source upload
was tampered with is refused."""

import io

import httpx
import pytest
from openpyxl import load_workbook

from shared.contracts.columns import (
    APPLICATION_ID_HEADER,
    FIRST_DATA_ROW,
    HEADER_ROW,
    MEMBERS_SHEET,
    SOURCE_UPLOAD_LABEL,
    STAMP_ROW,
)
from tests.e2e.conftest import filled_template
from tests.support import eventually, member

pytestmark = pytest.mark.e2e
# Members of this test: 1650-1659 (one member may hold only one open application).
READY = member(1650)
ERRORS = [member(1651, zip="12"), member(1652, gender="Z")]


async def status_of(client: httpx.AsyncClient, upload_id: str) -> dict:
    answer = await client.get(f"/api/v1/uploads/{upload_id}")
    assert answer.status_code == 200, answer.text
    return answer.json()


async def upload(client: httpx.AsyncClient, group: dict, content: bytes, name: str) -> httpx.Response:
    return await client.post(
        f"/api/v1/groups/{group['group_id']}/mass-enrollment/uploads",
        data={"region": group["region"]},
        files={"file": (name, content)},
    )


async def complete(client: httpx.AsyncClient, upload_id: str) -> dict:
    async def done():
        status = await status_of(client, upload_id)
        return status if status["complete"] else None

    return await eventually(done, timeout=60)


def edited(report: bytes, edit) -> bytes:
    wb = load_workbook(io.BytesIO(report))
    edit(wb[MEMBERS_SHEET])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def column_of(ws, header: str) -> int:
    return [c.value for c in ws[HEADER_ROW]].index(header) + 1


def fix_errors(ws) -> None:
    """What the user does in the spreadsheet: correct the highlighted cells."""
    for row in range(FIRST_DATA_ROW, FIRST_DATA_ROW + len(ERRORS)):
        zip_cell, gender_cell = ws.cell(row, column_of(ws, "ZIP Code")), ws.cell(row, column_of(ws, "Gender"))
        if zip_cell.value == "12":
            zip_cell.value = "94612"
        if gender_cell.value == "Z":
            gender_cell.value = "M"


async def test_a_fixed_error_report_replaces_the_error_applications_it_came_from(sign_in):
    admin = await sign_in("admin1")
    (group,) = (await admin.get("/api/v1/groups")).json()
    first = await upload(admin, group, await filled_template(admin, group, [READY, *ERRORS]), "members.xlsx")
    assert first.status_code == 202, first.text
    source = first.json()["upload_id"]
    status = await complete(admin, source)
    assert (status["ready"], status["error"], status["rejected"]) == (1, 2, 0)

    report = await admin.get(f"/api/v1/uploads/{source}/error-report")
    assert report.status_code == 200, report.text
    ws = load_workbook(io.BytesIO(report.content))[MEMBERS_SHEET]
    ids = [ws.cell(r, column_of(ws, APPLICATION_ID_HEADER)).value for r in (FIRST_DATA_ROW, FIRST_DATA_ROW + 1)]
    assert all(i.startswith(f"{source}-") for i in ids)

    # a report whose hidden id names an application that is not one of its error applications: refused
    ready_app = (await admin.get(f"/api/v1/uploads/{source}/applications", params={"status": "ready"})).json()
    ready_id = ready_app["items"][0]["application_id"]

    def tamper(sheet):
        fix_errors(sheet)
        sheet.cell(FIRST_DATA_ROW + 1, column_of(sheet, APPLICATION_ID_HEADER), ready_id)

    refused = await upload(admin, group, edited(report.content, tamper), "tampered.xlsx")
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "unknown_application"
    assert f"Row {FIRST_DATA_ROW + 1}, column " in refused.json()["detail"]

    # a stamp naming another group's upload: refused as one that does not exist
    admin2 = await sign_in("admin2")
    (other_group,) = (await admin2.get("/api/v1/groups")).json()
    others = await upload(admin2, other_group, await filled_template(admin2, other_group, [member(1655)]), "o.xlsx")
    assert others.status_code == 202, others.text

    def tamper_source(sheet):
        fix_errors(sheet)
        stamp = [c.value for c in sheet[STAMP_ROW]]
        sheet.cell(STAMP_ROW, stamp.index(SOURCE_UPLOAD_LABEL) + 2, others.json()["upload_id"])

    refused = await upload(admin, group, edited(report.content, tamper_source), "tampered.xlsx")
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "unknown_source_upload"
    assert others.json()["upload_id"] not in refused.json()["detail"]

    # fixed and uploaded again: the rows replace the error applications they came from
    again = await upload(admin, group, edited(report.content, fix_errors), "fixed.xlsx")
    assert again.status_code == 202, again.text
    fixed_id = again.json()["upload_id"]
    announced = await status_of(admin, fixed_id)
    assert (announced["replaces_upload_id"], announced["replaces_applications"]) == (source, 2)
    status = await complete(admin, fixed_id)
    assert (status["ready"], status["error"], status["rejected"]) == (2, 0, 0)

    async def replaced():
        status = await status_of(admin, fixed_id)
        return status if status["replaced_applications"] == 2 else None

    await eventually(replaced)

    async def error_tab_empty():
        tab = await admin.get(f"/api/v1/uploads/{source}/applications", params={"status": "error"})
        old = await status_of(admin, source)
        return (tab.json()["total"], old["error"], old["deleted"], old["ready"]) == (0, 0, 2, 1)

    await eventually(error_tab_empty)
    # the replaced applications are deleted in the system of record too
    for app_id in ids:
        assert (await admin.get(f"/api/v1/applications/{app_id}")).json()["status"] == "deleted"
