"""The walking skeleton through the gateway's HTTP API, every service running
as its own process on the real servers."""

import io
import json

import httpx
import pytest
from openpyxl import load_workbook

from shared.mongo import make_client
from tests.e2e.conftest import filled_template
from tests.support import eventually, member, workbook

pytestmark = pytest.mark.e2e


async def status_when_complete(client: httpx.AsyncClient, upload_id: str) -> dict:
    async def complete():
        answer = await client.get(f"/api/v1/uploads/{upload_id}")
        assert answer.status_code == 200, answer.text
        return answer.json() if answer.json()["complete"] else None

    return await eventually(complete, timeout=30)


async def first_group(client: httpx.AsyncClient, region: str | None = None) -> dict:
    groups = (await client.get("/api/v1/groups")).json()
    return next(g for g in groups if region is None or g["region"] == region)


async def test_an_upload_reaches_complete_with_the_right_counts(sign_in, ready_stack, infra):
    broker = await sign_in("broker1")
    group = await first_group(broker)
    subgroup = group["subgroups"][0]["subgroup_id"]  # members of this test: 101-110
    rows = [member(n, subgroup_id=subgroup) for n in range(101, 108)]  # 7 ready
    rows += [
        member(108, subgroup_id=subgroup, ssn="12-345"),
        member(109, subgroup_id=subgroup, first_name=None),
    ]  # 2 errors
    rows += [member(110, subgroup_id="9999")]  # 1 rejected
    answer = await broker.post(
        f"/api/v1/groups/{group['group_id']}/mass-enrollment/uploads",
        data={"region": group["region"], "group_name": group["name"]},
        files={
            "file": (
                "members.xlsx",
                await filled_template(broker, group, rows),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        },
    )
    assert answer.status_code == 202, answer.text
    upload_id = answer.json()["upload_id"]

    status = await status_when_complete(broker, upload_id)
    assert status | {} == status | {
        "status": "complete",
        "total_rows": 10,
        "classified": 10,
        "ready": 7,
        "error": 2,
        "rejected": 1,
        "complete": True,
    }

    # Personal data stays out of the logs and of the dashboard's read models.
    ssns = [r["ssn"] for r in rows if r.get("ssn") and len(r["ssn"]) == 11]
    logs = "".join(p.read_text(errors="replace") for p in ready_stack.log_dir.glob("*.log"))
    assert not [s for s in ssns if s in logs or s.replace("-", "") in logs]
    # The upload's correlation id (answered to the caller) leads to its lines in
    # every service it went through, each a JSON object naming its service.
    correlation = answer.headers["x-correlation-id"]
    lines = [json.loads(line) for line in logs.splitlines() if correlation in line]
    assert {"upload", "validation", "dashboard"} <= {line["service"] for line in lines}
    assert all(correlation in line["correlation_id"] for line in lines)  # a batch may hold several uploads
    client = make_client(infra.mongodb_uri)
    try:
        dashboard = client["dashboard"]
        stored = await dashboard.upload_applications.find_one({"_id": upload_id})
        assert len(stored["rows"]) == 10
        text = str(stored)
        assert not [s for s in ssns if s in text or s.replace("-", "") in text]
        assert "1988-06-15" not in text
    finally:
        await client.close()


async def test_groups_are_scoped_to_the_caller(sign_in):
    broker1, broker2, admin1, reviewer = [await sign_in(u) for u in ("broker1", "broker2", "admin1", "reviewer1")]
    groups1 = (await broker1.get("/api/v1/groups")).json()
    groups2 = (await broker2.get("/api/v1/groups")).json()
    assert groups1 and groups2
    assert not {g["group_id"] for g in groups1} & {g["group_id"] for g in groups2}
    assert {g["region"] for g in groups1 + groups2} >= {"CA", "HI"}
    assert all({"group_id", "name", "region"} <= set(g) for g in groups1)
    assert [g["group_id"] for g in (await admin1.get("/api/v1/groups")).json()] == ["230001"]
    assert len((await reviewer.get("/api/v1/groups")).json()) == len(groups1) + len(groups2)


async def test_another_tenants_group_and_upload_answer_404(sign_in):
    broker1, broker2, admin2 = await sign_in("broker1"), await sign_in("broker2"), await sign_in("admin2")
    group = await first_group(broker1)
    form = {"region": group["region"], "group_name": group["name"]}
    url = f"/api/v1/groups/{group['group_id']}/mass-enrollment/uploads"
    template = await filled_template(broker1, group, [member(201)])
    assert (await broker2.get(f"/api/v1/groups/{group['group_id']}")).status_code == 404
    assert (await broker2.post(url, data=form, files={"file": ("m.xlsx", template)})).status_code == 404
    assert (await admin2.post(url, data=form, files={"file": ("m.xlsx", template)})).status_code == 404

    mine = await broker1.post(url, data=form, files={"file": ("m.xlsx", template)})
    upload_id = mine.json()["upload_id"]
    assert (await broker2.get(f"/api/v1/uploads/{upload_id}")).status_code == 404
    assert (await broker1.get(f"/api/v1/uploads/{upload_id}")).status_code == 200
    assert (await broker1.get("/api/v1/uploads/no-such-upload")).status_code == 404


async def test_reviewer_cannot_upload(sign_in):
    reviewer = await sign_in("reviewer1")
    group = await first_group(reviewer)
    answer = await reviewer.post(
        f"/api/v1/groups/{group['group_id']}/mass-enrollment/uploads",
        data={"region": group["region"]},
        files={"file": ("m.xlsx", workbook([member(1)]))},
    )
    assert answer.status_code == 403


async def test_bad_file_through_the_gateway_names_the_problem(sign_in):
    admin = await sign_in("admin1")
    group = await first_group(admin)
    answer = await admin.post(
        f"/api/v1/groups/{group['group_id']}/mass-enrollment/uploads",
        data={"region": group["region"]},
        files={"file": ("members.pdf", b"%PDF-1.7 not a workbook")},
    )
    assert answer.status_code == 415
    assert "xlsx" in answer.json()["detail"]


async def test_sign_in_session_cookie_and_sign_out(ready_stack):
    async with httpx.AsyncClient(base_url=ready_stack.gateway_url) as http:
        assert (await http.get("/api/v1/groups")).status_code == 401
        wrong = await http.post("/api/v1/session", json={"username": "broker1", "password": "nope"})
        assert wrong.status_code == 401 and "session" not in wrong.cookies
        assert (await http.post("/api/v1/session", json={"username": "ghost", "password": "x"})).status_code == 401

        answer = await http.post("/api/v1/session", json={"username": "broker1", "password": "demo-password"})
        assert answer.status_code == 200 and answer.json()["role"] == "broker"
        http.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
        cookie = answer.headers["set-cookie"]
        assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
        assert (await http.get("/api/v1/groups")).status_code == 200

        token = http.cookies["session"]
        assert (await http.delete("/api/v1/session")).status_code == 204
        assert (await http.get("/api/v1/groups")).status_code == 401
    # the old cookie no longer signs anyone in: the session ended on the server
    async with httpx.AsyncClient(base_url=ready_stack.gateway_url, cookies={"session": token}) as replay:
        assert (await replay.get("/api/v1/groups")).status_code == 401


async def test_passwords_and_session_tokens_are_stored_only_as_hashes(ready_stack, infra):
    async with httpx.AsyncClient(base_url=ready_stack.gateway_url) as http:
        await http.post("/api/v1/session", json={"username": "admin1", "password": "demo-password"})
        token = http.cookies["session"]
    client = make_client(infra.mongodb_uri)
    try:
        db = client["gateway"]
        user = await db.users.find_one({"_id": "admin1"})
        assert user["password_hash"].startswith("$argon2") and "demo-password" not in str(user)
        assert await db.sessions.count_documents({"_id": token}) == 0
        assert await db.sessions.count_documents({"user_id": "admin1"}) >= 1
    finally:
        await client.close()


async def test_every_service_answers_health(ready_stack):
    async with httpx.AsyncClient() as http:
        for service in ready_stack.ports:
            answer = await http.get(f"{ready_stack.url(service)}/healthz")
            assert answer.status_code == 200 and answer.json()["status"] == "ok"


async def test_the_internal_services_answer_no_one_the_gateway_did_not_sign(ready_stack):
    claimed = {"X-Actor-Id": "broker1", "X-Actor-Role": "broker"}  # a caller's own word for who it is
    async with httpx.AsyncClient() as http:
        for service, path in (
            ("dashboard", "/groups"),
            ("applications", "/applications/u1-0004"),
            ("upload", "/uploads/u1"),
            ("upload", "/templates/230001?region=CA"),
        ):
            answer = await http.get(f"{ready_stack.url(service)}{path}", headers=claimed)
            assert answer.status_code == 401 and answer.json()["code"] == "no_identity", (service, path)


async def test_template_download_is_the_groups_own_and_checked_on_upload(sign_in):
    broker1, broker2, reviewer = await sign_in("broker1"), await sign_in("broker2"), await sign_in("reviewer1")
    groups = (await broker1.get("/api/v1/groups")).json()
    group, other = groups[0], groups[1]
    url = f"/api/v1/groups/{group['group_id']}/mass-enrollment/template"
    answer = await broker1.get(url, params={"region": group["region"]})
    assert answer.status_code == 200
    assert "spreadsheetml" in answer.headers["content-type"]
    assert f"mass-enrollment-{group['group_id']}.xlsx" in answer.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(answer.content))["Enrollment Data"]
    assert (sheet["B2"].value, sheet["D2"].value, sheet["F2"].value) == (
        group["group_id"],
        group["name"],
        group["region"],
    )

    assert (await broker2.get(url, params={"region": group["region"]})).status_code == 404
    assert (await reviewer.get(url, params={"region": group["region"]})).status_code == 403
    wrong_region = await broker1.get(url, params={"region": "ZZ"})
    assert wrong_region.status_code == 422 and group["region"] in wrong_region.json()["detail"]

    # this group's template uploaded for another group is refused, naming both
    answer = await broker1.post(
        f"/api/v1/groups/{other['group_id']}/mass-enrollment/uploads",
        data={"region": other["region"]},
        files={"file": ("m.xlsx", await filled_template(broker1, group, [member(1)]))},
    )
    assert answer.status_code == 422
    assert group["group_id"] in answer.json()["detail"] and other["group_id"] in answer.json()["detail"]


async def test_the_same_file_uploaded_twice_rejects_the_second_copy(sign_in):
    admin = await sign_in("admin1")
    (group,) = (await admin.get("/api/v1/groups")).json()
    content = await filled_template(admin, group, [member(n) for n in range(401, 404)])
    url = f"/api/v1/groups/{group['group_id']}/mass-enrollment/uploads"
    answer = await admin.post(url, data={"region": group["region"]}, files={"file": ("m.xlsx", content)})
    assert answer.status_code == 202, answer.text
    first = await status_when_complete(admin, answer.json()["upload_id"])
    assert (first["ready"], first["rejected"]) == (3, 0)
    # The same bytes: the file itself is refused, naming the upload that has it.
    again = await admin.post(url, data={"region": group["region"]}, files={"file": ("m.xlsx", content)})
    assert (again.status_code, again.json()["upload_id"]) == (409, first["upload_id"])
    # The same members in another file: each row is rejected as already pending.
    changed = await filled_template(admin, group, [member(n, email=f"m{n}@example.com") for n in range(401, 404)])
    answer = await admin.post(url, data={"region": group["region"]}, files={"file": ("m.xlsx", changed)})
    assert answer.status_code == 202, answer.text
    second = await status_when_complete(admin, answer.json()["upload_id"])
    assert (second["ready"], second["rejected"]) == (0, 3)
