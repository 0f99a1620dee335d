"""The gateway's routes against fakes: sign-in, roles and tenancy."""

from __future__ import annotations

import re

import pytest

from services.gateway.tests.conftest import PASSWORD, SignIn
from services.gateway.tests.fakes import FakeServices, FakeUsers, identity

NOT_SIGNED_IN = {"detail": "Sign in first: no valid session.", "code": "not_signed_in"}
CANNOT_ENROLL = {"detail": "Your role can review transactions but cannot enroll members.", "code": "role_cannot_enroll"}


async def test_without_a_session_every_route_answers_401(sign_in: SignIn, fake: FakeServices):
    anonymous = await sign_in(None)
    for method, path in [("GET", "/groups"), ("GET", "/uploads/U1"), ("DELETE", "/applications/U1-0004")]:
        answer = await anonymous.request(method, f"/api/v1{path}")
        assert (answer.status_code, answer.json()) == (401, NOT_SIGNED_IN)
    anonymous.cookies.set("session", "forged")
    assert (await anonymous.get("/api/v1/session")).status_code == 401
    assert fake.requests == []


async def test_sign_in_sets_an_httponly_cookie_and_sign_out_ends_the_session(sign_in: SignIn, users: FakeUsers):
    http = await sign_in(None)
    wrong = await http.post("/api/v1/session", json={"username": "broker1", "password": "wrong"})
    assert wrong.status_code == 401 and wrong.json()["code"] == "wrong_credentials" and "session" not in wrong.cookies
    answer = await http.post("/api/v1/session", json={"username": "broker1", "password": PASSWORD})
    assert answer.status_code == 200 and answer.json()["user_id"] == "broker1"
    http.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie and "secure" not in cookie
    assert (await http.get("/api/v1/session")).json()["role"] == "broker"

    assert (await http.delete("/api/v1/session")).status_code == 204
    assert users.sessions == {}
    assert (await http.get("/api/v1/session")).status_code == 401


async def test_the_cookie_is_secure_when_the_settings_say_so(gateway, sign_in: SignIn):
    gateway.state.deps.settings = gateway.state.deps.settings.model_copy(update={"cookie_secure": True})
    answer = await (await sign_in(None)).post("/api/v1/session", json={"username": "admin2", "password": PASSWORD})
    assert "secure" in answer.headers["set-cookie"].lower().split("; ")


async def test_the_page_its_files_and_health_need_no_session(sign_in: SignIn):
    anonymous = await sign_in(None)
    page = await anonymous.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    (script,) = re.findall(r'src="(/assets/[^"]+\.js)"', page.text)  # the built page's one script
    answer = await anonymous.get(script)
    assert answer.status_code == 200 and "/api/v1" in answer.text
    docs = await anonymous.get("/docs")  # the API's documentation, from local assets
    assert docs.status_code == 200 and "/swagger/swagger-ui-bundle.js" in docs.text and "cdn" not in docs.text.lower()
    for asset in ("/swagger/swagger-ui-bundle.js", "/swagger/swagger-ui.css", "/docs-init.js"):
        assert (await anonymous.get(asset)).status_code == 200, asset
    assert (await anonymous.get("/healthz")).json() == {"status": "ok"}


async def test_a_broker_sees_only_own_groups(sign_in: SignIn, fake: FakeServices):
    broker1, admin2 = await sign_in("broker1"), await sign_in("admin2")
    assert [g["group_id"] for g in (await broker1.get("/api/v1/groups")).json()] == ["G1"]
    assert fake.requests[-1].url.params["broker_id"] == "broker1"
    assert [g["group_id"] for g in (await admin2.get("/api/v1/groups")).json()] == ["G2"]
    assert fake.requests[-1].url.params["group_id"] == "G2"
    reviewer = await sign_in("reviewer1")
    assert len((await reviewer.get("/api/v1/groups")).json()) == 2


@pytest.mark.parametrize(
    ("path", "others", "unknown", "wording"),
    [
        ("/groups/{}", "G2", "G7", "Group {} not found."),
        ("/groups/{}/transactions", "G2", "G7", "Group {} not found."),
        ("/uploads/{}", "U2", "U7", "Upload {} not found."),
        ("/uploads/{}/applications", "U2", "U7", "Upload {} not found."),
        ("/applications/{}", "U2-0004", "U7-0004", "Application {} not found."),
        ("/applications/{}/arbitration-agreement", "U2-0004", "U7-0004", "Application {} not found."),
    ],
)
async def test_another_tenants_record_answers_404_like_an_unknown_one(sign_in: SignIn, path, others, unknown, wording):
    broker1 = await sign_in("broker1")
    bodies = []
    for record in (others, unknown):
        answer = await broker1.get(f"/api/v1{path.format(record)}")
        assert answer.status_code == 404
        bodies.append(answer.json())
    assert bodies[0]["detail"] == wording.format(others)
    assert bodies[1] == {"detail": wording.format(unknown), "code": bodies[0]["code"]}


async def test_an_upload_the_dashboard_has_not_projected_is_checked_on_the_upload_service(sign_in, fake):
    fake.add_upload("U3", "G1", projected=False)
    assert (await (await sign_in("broker2")).get("/api/v1/uploads/U3")).status_code == 404
    assert (await (await sign_in("broker1")).get("/api/v1/uploads/U3")).status_code == 200


async def test_the_tenancy_of_an_application_never_reads_the_application(sign_in: SignIn, fake: FakeServices):
    broker2 = await sign_in("broker2")
    for method in ("GET", "PUT", "DELETE"):
        answer = await broker2.request(method, "/api/v1/applications/U1-0004", json={"cells": {}})
        assert answer.status_code == 404
    assert fake.sent("applications") == []

    broker1 = await sign_in("broker1")
    assert (await broker1.put("/api/v1/applications/U1-0004", json={"cells": {"zip": "94612"}})).status_code == 200
    assert [r.method for r in fake.sent("applications")] == ["PUT"]
    viewed = await broker1.get("/api/v1/applications/U1-0004")
    assert viewed.json()["cells"]["first_name"] == "Ann"
    unknown = await broker1.get("/api/v1/applications/U1-0099")
    assert unknown.status_code == 404 and unknown.json()["detail"] == "not found"  # the service's own answer


ENROLLING = [
    ("GET", "/groups/G1/mass-enrollment/template?region=CA"),
    ("POST", "/groups/G1/mass-enrollment/uploads"),
    ("POST", "/uploads/U1/submit-ready"),
    ("POST", "/uploads/U1/delete-errors"),
    ("PUT", "/applications/U1-0004"),
    ("POST", "/applications/U1-0004/save"),
    ("POST", "/applications/U1-0004/submit"),
    ("DELETE", "/applications/U1-0004"),
    ("POST", "/applications/U1-0004/arbitration-agreement"),
    # the Error tab as a workbook holds the members' full SSNs, to fix them: for enrollers
    ("GET", "/uploads/U1/error-report"),
]
READING = ["/groups/G1", "/groups/G1/mass-enrollment/saved", "/uploads/U1"]


async def test_a_reviewer_reads_but_cannot_enroll(sign_in: SignIn, fake: FakeServices):
    reviewer = await sign_in("reviewer1")
    for method, path in ENROLLING:
        answer = await reviewer.request(method, f"/api/v1{path}")
        assert (answer.status_code, answer.json()) == (403, CANNOT_ENROLL), path
    assert not [r for r in fake.requests if r.method != "GET" or "templates" in r.url.path]
    for path in [*READING, "/applications/U1-0004", "/applications/U1-0004/arbitration-agreement"]:
        assert (await reviewer.get(f"/api/v1{path}")).status_code == 200, path


async def test_an_application_is_read_with_the_callers_identity_so_the_service_can_mask_it(
    sign_in: SignIn, fake: FakeServices
):
    reviewer = await sign_in("reviewer1")
    assert (await reviewer.get("/api/v1/applications/U1-0004")).status_code == 200
    (read,) = [r for r in fake.requests if r.url.path == "/applications/U1-0004"]
    assert identity(read) == ("reviewer1", "kp_reviewer")


async def test_the_audit_trail_is_for_kp_reviewers(sign_in: SignIn, fake: FakeServices, audit):
    for user in ("broker1", "admin2"):
        client = await sign_in(user)
        for path in ("/api/v1/audit", "/api/v1/audit/sign-ins"):
            answer = await client.get(path)
            assert (answer.status_code, answer.json()["code"]) == (403, "reviewers_only"), (user, path)
    assert not [r for r in fake.requests if r.url.path == "/audit"]
    reviewer = await sign_in("reviewer1")
    assert (await reviewer.get("/api/v1/audit", params={"group_id": "G1"})).status_code == 200
    (asked,) = [r for r in fake.requests if r.url.path == "/audit"]
    assert asked.url.params["group_id"] == "G1" and identity(asked) == ("reviewer1", "kp_reviewer")
    trail = (await reviewer.get("/api/v1/audit/sign-ins")).json()
    assert trail["total"] == len(audit.entries) == 3
    assert {e["user_name"] for e in trail["items"]} == {"broker1", "admin2", "reviewer1"}
    assert "password" not in str(trail)


async def test_the_forms_columns_follow_the_region(sign_in: SignIn):
    broker = await sign_in("broker1")
    ca = (await broker.get("/api/v1/mass-enrollment/columns", params={"region": "ca"})).json()
    tx = (await broker.get("/api/v1/mass-enrollment/columns", params={"region": "TX"})).json()
    assert ca[0]["key"] == "subgroup_id" and {"ssn", "date_of_birth", "first_name"} <= {c["key"] for c in tx}
    ssn = next(c for c in tx if c["key"] == "ssn")
    assert ssn == ssn | {"header": "SSN", "required": "all", "max_length": 11}
    assert len(ca) == len(tx) + 1  # California's template adds the arbitration column
    assert (await broker.get("/api/v1/mass-enrollment/columns", params={"region": "C1"})).status_code == 422
    anonymous = await sign_in(None)
    assert (await anonymous.get("/api/v1/mass-enrollment/columns", params={"region": "CA"})).status_code == 401
