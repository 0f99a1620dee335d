"""The whole Mass Enrollment story through the gateway's API: download the
template, fill 250 rows with a known mix, upload, fix an error, save one,
clear the errors, read a rejection, submit the rest, and find them in the
transaction history with their confirmation IDs."""

import io
import re

import httpx
import pytest
from openpyxl import load_workbook

from tests.e2e.conftest import filled_template
from tests.support import eventually, member

pytestmark = pytest.mark.e2e
# Members of this test: 1000-1249 (other tests use other numbers: one member
# may hold only one open application).
READY = [member(n) for n in range(1000, 1240)]  # 240 ready
ERRORS = [
    member(1240, zip="9461"),
    member(1241, zip="ABCDE"),
    member(1242, first_name=None),
    member(1243, first_name=None),
    member(1244, effective_date="2031-01-15"),
    member(1245, gender="Q"),
]
REJECTED = [
    member(1246, subgroup_id="0099"),
    member(1247, subgroup_id="0098"),
    member(1248, ssn=READY[0]["ssn"]),  # the same person as the first row
    member(1249, ssn=READY[1]["ssn"]),
]


async def counts(client: httpx.AsyncClient, upload_id: str) -> dict:
    return (await client.get(f"/api/v1/uploads/{upload_id}")).json()


async def tab(client: httpx.AsyncClient, upload_id: str, status: str, page_size: int = 25, page: int = 1) -> dict:
    answer = await client.get(
        f"/api/v1/uploads/{upload_id}/applications", params={"status": status, "page": page, "page_size": page_size}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_mass_enrollment_from_template_to_transaction_history(sign_in):
    admin = await sign_in("admin1")
    (group,) = (await admin.get("/api/v1/groups")).json()
    rows = READY + ERRORS + REJECTED
    assert len(rows) == 250
    content = await filled_template(admin, group, rows)
    answer = await admin.post(
        f"/api/v1/groups/{group['group_id']}/mass-enrollment/uploads",
        data={"region": group["region"], "group_name": group["name"]},
        files={"file": ("members.xlsx", content)},
    )
    assert answer.status_code == 202, answer.text
    upload_id = answer.json()["upload_id"]

    async def complete():
        status = await counts(admin, upload_id)
        return status if status["complete"] else None

    status = await eventually(complete, timeout=60)
    assert (status["total_rows"], status["ready"], status["error"], status["rejected"]) == (250, 240, 6, 4)

    # The tabs list the same numbers, a page at a time, in sheet order.
    ready_tab = await tab(admin, upload_id, "ready", page_size=100, page=3)
    assert ready_tab["total"] == 240 and len(ready_tab["items"]) == 40
    assert ready_tab["items"][0]["row_number"] == 4 + 200
    errors = (await tab(admin, upload_id, "error"))["items"]
    assert len(errors) == 6 and all(e["issues"] for e in errors)
    assert {i["column"] for e in errors for i in e["issues"]} == {
        "ZIP Code",
        "First Name",
        "Coverage Effective Date",
        "Gender",
    }

    # Rejected: the reason is viewable.
    rejected = (await tab(admin, upload_id, "rejected"))["items"]
    assert len(rejected) == 4
    view = (await admin.get(f"/api/v1/applications/{rejected[0]['application_id']}")).json()
    assert view["status"] == "rejected" and view["issues"][0]["severity"] == "rejected"
    assert "Subgroup ID" in view["issues"][0]["message"]
    assert (await admin.put(f"/api/v1/applications/{view['application_id']}", json={"cells": {}})).status_code == 409

    # Fix an error: the edited application is validated again and moves to Ready.
    bad_zip = next(e for e in errors if e["issues"][0]["column"] == "ZIP Code")
    fixed = (await admin.get(f"/api/v1/applications/{bad_zip['application_id']}")).json()
    fixed["cells"]["zip"] = "94612"
    answer = await admin.put(f"/api/v1/applications/{bad_zip['application_id']}", json={"cells": fixed["cells"]})
    assert answer.status_code == 202, answer.text

    async def revalidated():
        found = (await admin.get(f"/api/v1/applications/{bad_zip['application_id']}")).json()
        return found if found["status"] not in ("validating", "error") else None

    assert (await revalidated_within(revalidated))["status"] == "ready"
    await eventually(lambda: counts_are(admin, upload_id, ready=241, error=5))

    # Save one for later: it leaves the Error tab for the saved list, 30 days.
    saving = errors[-1]["application_id"]
    saved = await admin.post(f"/api/v1/applications/{saving}/save")
    assert saved.status_code == 200 and saved.json()["status"] == "saved"
    saved_list = await eventually(lambda: saved_applications(admin, group["group_id"], saving))
    assert saved_list["expires_at"]
    await eventually(lambda: counts_are(admin, upload_id, error=4, saved=1))

    # Delete All Error Applications.
    deleted = await admin.post(f"/api/v1/uploads/{upload_id}/delete-errors")
    assert deleted.json() == {"deleted": 4}
    await eventually(lambda: counts_are(admin, upload_id, error=0, deleted=4))

    # Submit Ready Applications: how many, and a unique confirmation ID each.
    submitted = (await admin.post(f"/api/v1/uploads/{upload_id}/submit-ready")).json()
    assert submitted["submitted"] == 241
    ids = [a["confirmation_id"] for a in submitted["applications"]]
    assert len(set(ids)) == 241 and all(re.fullmatch(r"ME-[0-9A-Z]{4}-[0-9A-Z]{4}", i) for i in ids)
    final = await eventually(lambda: counts_are(admin, upload_id, ready=0, submitted=241))
    assert final["rejected"] == 4 and final["saved"] == 1 and final["deleted"] == 4
    assert sum(final[s] for s in ("ready", "error", "rejected", "saved", "submitted", "deleted")) == 250

    # Every submitted application is in the group's history, Pending KP Review.
    async def history():
        page = (await admin.get(f"/api/v1/groups/{group['group_id']}/transactions", params={"page_size": 250})).json()
        mine = [t for t in page["items"] if t["upload_id"] == upload_id]
        return mine if len(mine) == 241 else None

    transactions = await eventually(history)
    assert {t["transaction_id"] for t in transactions} == set(ids)
    assert {t["status"] for t in transactions} == {"Pending KP Review"}
    assert all("ssn" not in t or t["ssn"] is None for t in transactions)

    # A KP reviewer reads who did what: the upload and every action on its applications, by admin1.
    reviewer = await sign_in("reviewer1")

    async def trail():
        params = {"group_id": group["group_id"], "page_size": 250}
        page = (await reviewer.get("/api/v1/audit", params=params)).json()
        mine = [e for e in page["items"] if e["upload_id"] == upload_id]
        return mine if len(mine) >= 1 + 1 + 1 + 4 + 241 else None

    entries = await eventually(trail)
    actions = {(e["action"], e["actor_id"]) for e in entries}
    assert actions == {
        ("uploaded", "admin1"),
        ("edited", "admin1"),
        ("saved for later", "admin1"),
        ("deleted", "admin1"),
        ("submitted", "admin1"),
    }
    assert not [r for r in READY if r["ssn"] in str(entries)]
    assert (await admin.get("/api/v1/audit")).status_code == 403


async def revalidated_within(check):
    return await eventually(check, timeout=30)


async def counts_are(client: httpx.AsyncClient, upload_id: str, **expected) -> dict | None:
    status = await counts(client, upload_id)
    return status if all(status[k] == v for k, v in expected.items()) else None


async def saved_applications(client: httpx.AsyncClient, group_id: str, application_id: str) -> dict | None:
    page = (await client.get(f"/api/v1/groups/{group_id}/mass-enrollment/saved")).json()
    return next((a for a in page["items"] if a["application_id"] == application_id), None)


async def test_actions_on_another_tenants_application_answer_404(sign_in):
    admin1, admin2 = await sign_in("admin1"), await sign_in("admin2")
    (group,) = (await admin1.get("/api/v1/groups")).json()
    content = await filled_template(admin1, group, [member(1300)])
    answer = await admin1.post(
        f"/api/v1/groups/{group['group_id']}/mass-enrollment/uploads",
        data={"region": group["region"]},
        files={"file": ("m.xlsx", content)},
    )
    upload_id = answer.json()["upload_id"]
    (item,) = (await eventually(lambda: non_empty_tab(admin1, upload_id)))["items"]
    app_id = item["application_id"]
    assert (await admin2.get(f"/api/v1/applications/{app_id}")).status_code == 404
    assert (await admin2.post(f"/api/v1/applications/{app_id}/submit")).status_code == 404
    assert (await admin2.delete(f"/api/v1/applications/{app_id}")).status_code == 404
    assert (await admin2.post(f"/api/v1/uploads/{upload_id}/submit-ready")).status_code == 404
    assert (await admin2.get(f"/api/v1/uploads/{upload_id}/applications")).status_code == 404
    reviewer = await sign_in("reviewer1")
    assert (await reviewer.post(f"/api/v1/applications/{app_id}/submit")).status_code == 403
    assert (await admin1.get(f"/api/v1/applications/{app_id}")).json()["status"] == "ready"


async def non_empty_tab(client, upload_id):
    page = await tab(client, upload_id, "ready")
    return page if page["items"] else None


async def upload_and_wait(client, group, rows) -> str:
    content = await filled_template(client, group, rows)
    answer = await client.post(
        f"/api/v1/groups/{group['group_id']}/mass-enrollment/uploads",
        data={"region": group["region"]},
        files={"file": ("m.xlsx", content)},
    )
    assert answer.status_code == 202, answer.text
    upload_id = answer.json()["upload_id"]

    async def complete():
        return (await counts(client, upload_id))["complete"]

    await eventually(complete)
    return upload_id


async def test_error_report_is_a_template_to_fix_and_upload_again(sign_in):
    admin = await sign_in("admin1")
    (group,) = (await admin.get("/api/v1/groups")).json()
    upload_id = await upload_and_wait(admin, group, [member(1400), member(1401, zip="12"), member(1402, gender="Z")])
    answer = await admin.get(f"/api/v1/uploads/{upload_id}/error-report")
    assert answer.status_code == 200 and "spreadsheetml" in answer.headers["content-type"]
    ws = load_workbook(io.BytesIO(answer.content))["Enrollment Data"]
    headers = [c.value for c in ws[3]]
    zip_cell = ws.cell(4, headers.index("ZIP Code") + 1)
    gender_cell = ws.cell(5, headers.index("Gender") + 1)
    assert zip_cell.value == "12" and "ZIP+4" in zip_cell.comment.text
    assert gender_cell.value == "Z" and "F, M, X" in gender_cell.comment.text

    # Fixed in "Excel", uploaded again: the errors are gone. (Here the error
    # applications are deleted first: the report's rows then replace nothing;
    # test_error_report_round_trip uploads it without deleting them.)
    assert (await admin.post(f"/api/v1/uploads/{upload_id}/delete-errors")).json() == {"deleted": 2}
    # Deletion releases the members asynchronously (validation hears of it by
    # event); wait until the read models show it, as a user's screen would.
    await eventually(lambda: counts_are(admin, upload_id, error=0, deleted=2))
    wb = load_workbook(io.BytesIO(answer.content))
    wb["Enrollment Data"].cell(4, headers.index("ZIP Code") + 1, "94612")
    wb["Enrollment Data"].cell(5, headers.index("Gender") + 1, "M")
    fixed = io.BytesIO()
    wb.save(fixed)
    again = await admin.post(
        f"/api/v1/groups/{group['group_id']}/mass-enrollment/uploads",
        data={"region": group["region"]},
        files={"file": ("fixed.xlsx", fixed.getvalue())},
    )
    assert again.status_code == 202, again.text

    async def ready():
        status = await counts(admin, again.json()["upload_id"])
        return status if status["complete"] else None

    status = await eventually(ready)
    assert (status["ready"], status["error"], status["rejected"]) == (2, 0, 0)


async def test_arbitration_agreements_for_california_and_hawaii_only(sign_in):
    admin1, admin2 = await sign_in("admin1"), await sign_in("admin2")
    (ca_group,) = (await admin1.get("/api/v1/groups")).json()
    (co_group,) = (await admin2.get("/api/v1/groups")).json()
    assert (ca_group["region"], co_group["region"]) == ("CA", "CO")
    ca_app = (await tab(admin1, await upload_and_wait(admin1, ca_group, [member(1500)]), "ready"))["items"][0]
    co_app = (await tab(admin2, await upload_and_wait(admin2, co_group, [member(1501)]), "ready"))["items"][0]
    pdf = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

    url = f"/api/v1/applications/{ca_app['application_id']}/arbitration-agreement"
    attached = await admin1.post(url, files={"file": ("agreement.pdf", pdf, "application/pdf")})
    assert attached.status_code == 201 and attached.json()["size"] == len(pdf)
    assert (await admin1.get(url)).content == pdf
    view = (await admin1.get(f"/api/v1/applications/{ca_app['application_id']}")).json()
    assert view["arbitration_agreement"]["file_name"] == "agreement.pdf"
    not_pdf = await admin1.post(url, files={"file": ("agreement.pdf", b"\x89PNG....", "application/pdf")})
    assert not_pdf.status_code == 415 and "PDF" in not_pdf.json()["detail"]

    co_url = f"/api/v1/applications/{co_app['application_id']}/arbitration-agreement"
    refused = await admin2.post(co_url, files={"file": ("agreement.pdf", pdf, "application/pdf")})
    assert refused.status_code == 403 and "California and Hawaii" in refused.json()["detail"]
    assert (await admin2.post(url, files={"file": ("a.pdf", pdf, "application/pdf")})).status_code == 404
