"""The gateway's routes against fakes: what reaches the services, and what comes back."""

from __future__ import annotations

import json

import pytest

from services.gateway.forward import service_path
from services.gateway.tests.conftest import SignIn
from services.gateway.tests.fakes import XLSX, FakeServices, identity, segments


async def test_commands_carry_the_callers_identity_and_every_call_the_correlation_id(sign_in: SignIn, fake):
    broker1 = await sign_in("broker1")
    answer = await broker1.post("/api/v1/applications/U1-0004/submit", headers={"X-Correlation-Id": "corr-42"})
    assert answer.status_code == 200 and answer.json() == {"done": "POST applications/U1-0004/submit"}
    (command,) = fake.sent("applications")
    assert identity(command) == ("broker1", "broker")  # signed: a service checks it
    assert {r.headers["x-correlation-id"] for r in fake.requests[-3:]} == {"corr-42"}
    assert identity(fake.sent("dashboard")[-1]) == ("gateway", "service")  # the gateway's own reads


async def test_an_upload_is_forwarded_with_its_group_and_form(sign_in: SignIn, fake: FakeServices):
    admin2 = await sign_in("admin2")
    answer = await admin2.post(
        "/api/v1/groups/G2/mass-enrollment/uploads",
        data={"region": "CA", "group_name": "Two"},
        files={"file": ("m.xlsx", b"workbook bytes", XLSX)},
    )
    assert (answer.status_code, answer.json()) == (202, {"upload_id": "U9", "total_rows": 1})
    (sent,) = fake.sent("upload")
    body = sent.content
    assert identity(sent) == ("admin2", "group_admin") and b"workbook bytes" in body and b'filename="m.xlsx"' in body
    for name, value in (("group_id", b"G2"), ("region", b"CA"), ("group_name", b"Two")):
        assert f'name="{name}"'.encode() + b"\r\n\r\n" + value in body
    missing = await admin2.post("/api/v1/groups/G2/mass-enrollment/uploads", files={"file": ("m.xlsx", b"x")})
    assert missing.status_code == 422 and "region" in missing.json()["detail"] and len(fake.sent("upload")) == 1


async def test_a_services_refusal_passes_through_with_its_status_and_body(sign_in: SignIn, fake: FakeServices):
    refusal = {"detail": "Application U1-0004 was rejected: it cannot be edited.", "code": "not_editable"}
    fake.canned["applications"] = (409, refusal)
    answer = await (await sign_in("broker1")).put("/api/v1/applications/U1-0004", json={"cells": {}})
    assert (answer.status_code, answer.json()) == (409, refusal)


@pytest.mark.parametrize(
    ("canned", "status", "body"),
    [
        ((500, {"detail": "boom"}), 502, {"code": "service_failed", "detail": "The applications service failed; "}),
        ((404, "<html>no</html>"), 502, {"code": "service_failed", "detail": "The applications service failed; "}),
        (None, 503, {"code": "service_unavailable", "detail": "The applications service is not answering; "}),
        # its database away: the service answers 503, and so does the gateway (retry later), not 502
        (
            (503, {"detail": "x", "code": "database_unavailable"}),
            503,
            {"code": "service_unavailable", "detail": "The "},
        ),
    ],
)
async def test_a_failed_or_unreachable_service_is_named(sign_in: SignIn, fake: FakeServices, canned, status, body):
    if canned is None:
        fake.down.add("applications")
    else:
        fake.canned["applications"] = canned
    answer = await (await sign_in("broker1")).post("/api/v1/uploads/U1/submit-ready")
    assert answer.status_code == status and set(answer.json()) == {"detail", "code"}
    assert answer.json()["code"] == body["code"] and answer.json()["detail"].startswith(body["detail"])


async def test_an_unreachable_dashboard_answers_503_naming_it(sign_in: SignIn, fake: FakeServices):
    broker1 = await sign_in("broker1")
    fake.down.add("dashboard")
    for path in ("/groups", "/groups/G1", "/uploads/U1", "/applications/U1-0004"):
        answer = await broker1.get(f"/api/v1{path}")
        assert answer.status_code == 503 and "dashboard service" in answer.json()["detail"], path
        assert answer.headers["retry-after"] == "5", path


@pytest.mark.parametrize(
    "path",
    [
        "/applications/%3Fx=1",
        "/applications/%00",
        "/applications/U1-0004%0D%0AX: y",
        "/uploads/U1%3Fstatus=ready",
        "/uploads/%00/applications",
        "/uploads/U1%0D%0A/error-report",
        "/groups/%2E%2E/transactions",
        "/groups/G1%3F/mass-enrollment/saved",
    ],
)
async def test_malformed_ids_answer_400_and_reach_no_service(sign_in: SignIn, fake: FakeServices, path):
    answer = await (await sign_in("reviewer1")).get(f"/api/v1{path}")
    assert (answer.status_code, answer.json()["code"]) == (400, "malformed_id")
    assert fake.requests == []


@pytest.mark.parametrize("segment", ["U1?status=ready", "\x00", "U1\r\nX: y", "..", "a/b", "%2F"])
def test_any_id_that_reaches_a_service_stays_one_path_segment(segment):
    path = service_path("uploads", segment, "applications")
    assert path.count("/") == 3 and "?" not in path and "\r" not in path and "/../" not in path


async def test_upload_progress_falls_back_to_the_upload_services_record(sign_in: SignIn, fake: FakeServices):
    fake.add_upload("U3", "G1", projected=False)
    fake.progress["U3"] = {"upload_id": "U3", "group_id": None, "total_rows": None, "ready": 2, "classified": 2}
    answer = await (await sign_in("broker1")).get("/api/v1/uploads/U3")
    assert answer.json() == {
        "upload_id": "U3",
        "group_id": "G1",
        "file_name": "m.xlsx",
        "status": "processing",
        "total_rows": 3,
        "classified": 2,
        "ready": 2,
        "error": 0,
        "rejected": 0,
        "complete": False,
        "replaces_upload_id": None,
        "replaces_applications": 0,
        "replaced_applications": 0,
    }


async def test_a_fixed_error_report_says_what_it_replaces_before_the_dashboard_has_it(sign_in, fake):
    fake.add_upload("U4", "G1", projected=False)
    fake.uploads["U4"] |= {"replaces_upload_id": "U1", "replaces_applications": 2}
    answer = (await (await sign_in("broker1")).get("/api/v1/uploads/U4")).json()
    assert (answer["replaces_upload_id"], answer["replaces_applications"], answer["replaced_applications"]) == (
        "U1",
        2,
        0,
    )


async def test_the_error_report_is_made_of_the_error_applications(sign_in: SignIn, fake: FakeServices):
    answer = await (await sign_in("broker1")).get("/api/v1/uploads/U1/error-report")
    assert answer.status_code == 200 and answer.content == b"PK\x03\x04 file"
    assert answer.headers["content-type"] == XLSX
    assert answer.headers["content-disposition"] == 'attachment; filename="errors-U1.xlsx"'
    (read,) = fake.sent("applications")
    assert (segments(read), read.url.params["status"]) == (["uploads", "U1", "applications"], "error")
    posted = fake.sent("upload")[-1]
    assert (posted.method, segments(posted)) == ("POST", ["uploads", "U1", "error-report"])
    assert json.loads(posted.content) == {"applications": [fake.applications["U1-0005"]]}


async def test_files_pass_through_with_their_type(sign_in: SignIn, fake: FakeServices):
    broker1 = await sign_in("broker1")
    template = await broker1.get("/api/v1/groups/G1/mass-enrollment/template", params={"region": "CA"})
    assert (
        template.headers["content-type"] == XLSX
        and "mass-enrollment-G1.xlsx" in template.headers["content-disposition"]
    )
    assert fake.sent("upload")[-1].url.params["region"] == "CA"
    agreement = await broker1.get("/api/v1/applications/U1-0004/arbitration-agreement")
    assert agreement.headers["content-type"] == "application/pdf" and agreement.content == b"PK\x03\x04 file"


async def test_an_upload_the_upload_service_gave_up_on_shows_failed(sign_in: SignIn, fake: FakeServices):
    fake.add_upload("U4", "G1", projected=False)
    fake.uploads["U4"]["status"] = "failed"
    answer = await (await sign_in("broker1")).get("/api/v1/uploads/U4")
    assert answer.json()["status"] == "failed" and answer.json()["complete"] is False


async def test_an_upload_given_up_after_its_upload_event_went_out_shows_failed(sign_in: SignIn, fake: FakeServices):
    fake.add_upload("U5", "G1")  # the dashboard has the upload event, and no row
    fake.progress["U5"] |= {"ready": 0, "complete": False}
    fake.uploads["U5"]["status"] = "failed"
    answer = await (await sign_in("broker1")).get("/api/v1/uploads/U5")
    assert answer.json()["status"] == "failed"


async def test_an_error_report_the_applications_service_refuses_is_that_refusal_not_an_empty_workbook(
    sign_in: SignIn, fake: FakeServices
):
    fake.canned["applications"] = (404, {"detail": "Upload U1 has no applications.", "code": "not_found"})
    answer = await (await sign_in("broker1")).get("/api/v1/uploads/U1/error-report")
    assert (answer.status_code, answer.json()["code"]) == (404, "not_found")
    assert not [r for r in fake.sent("upload") if r.method == "POST"]  # no workbook made
