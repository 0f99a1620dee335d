"""The gateway's routes for withdrawing an upload, enrolling one member in a
form, and refusing a file uploaded twice: guards and forwards, against fakes."""

from __future__ import annotations

import json

from services.gateway.tests.conftest import SignIn
from services.gateway.tests.fakes import FakeServices, identity, segments


async def test_withdrawing_an_upload_asks_the_applications_service_then_the_upload_service(
    sign_in: SignIn, fake: FakeServices
):
    broker1 = await sign_in("broker1")
    answer = await broker1.post("/api/v1/uploads/U1/withdraw")
    assert answer.status_code == 200 and answer.json() == {"done": "POST uploads/U1/withdraw"}
    (withdraw,) = fake.sent("applications")
    assert (withdraw.method, segments(withdraw), identity(withdraw)) == (
        "POST",
        ["uploads", "U1", "withdraw"],
        ("broker1", "broker"),
    )
    forget = fake.sent("upload")[-1]  # after the applications service answered
    assert (forget.method, segments(forget), identity(forget)) == (
        "DELETE",
        ["uploads", "U1", "fingerprint"],
        ("broker1", "broker"),
    )
    assert fake.requests.index(forget) > fake.requests.index(withdraw)


async def test_a_refused_withdrawal_is_passed_on_and_the_file_is_not_forgotten(sign_in: SignIn, fake: FakeServices):
    fake.canned["applications"] = (409, {"detail": "Not now.", "code": "conflict"})
    answer = await (await sign_in("broker1")).post("/api/v1/uploads/U1/withdraw")
    assert (answer.status_code, answer.json()["code"]) == (409, "conflict")
    assert [r for r in fake.sent("upload") if r.method == "DELETE"] == []


async def test_only_an_enroller_of_the_uploads_group_may_withdraw_it(sign_in: SignIn, fake: FakeServices):
    assert (await (await sign_in("broker1")).post("/api/v1/uploads/U2/withdraw")).status_code == 404
    assert (await (await sign_in("reviewer1")).post("/api/v1/uploads/U1/withdraw")).status_code == 403
    assert fake.sent("applications") == [] and [r for r in fake.sent("upload") if r.method != "GET"] == []


FORM = {"region": "CA", "cells": {"first_name": "Ada", "ssn": "123-45-6789", "email": None}}


async def test_enroll_a_member_forwards_the_form_to_the_upload_service_for_the_callers_group(
    sign_in: SignIn, fake: FakeServices
):
    fake.canned["upload"] = (202, {"upload_id": "U9", "application_id": "U9-0001"})
    answer = await (await sign_in("broker1")).post("/api/v1/groups/G1/members", json=FORM)
    assert (answer.status_code, answer.json()) == (202, {"upload_id": "U9", "application_id": "U9-0001"})
    (sent,) = fake.sent("upload")
    assert (sent.method, segments(sent), identity(sent)) == ("POST", ["uploads", "form"], ("broker1", "broker"))
    assert json.loads(sent.content) == {"group_id": "G1", **FORM}


async def test_enroll_a_member_is_for_enrollers_of_the_group_and_a_well_formed_form(
    sign_in: SignIn, fake: FakeServices
):
    assert (await (await sign_in("broker1")).post("/api/v1/groups/G2/members", json=FORM)).status_code == 404
    assert (await (await sign_in("reviewer1")).post("/api/v1/groups/G1/members", json=FORM)).status_code == 403
    malformed = await (await sign_in("admin2")).post("/api/v1/groups/G2/members", json={"cells": {"ssn": 123}})
    assert malformed.status_code == 422
    assert fake.sent("upload") == []


async def test_a_duplicate_file_refusal_reaches_the_caller_with_the_earlier_upload(sign_in: SignIn, fake: FakeServices):
    refusal = {
        "upload_id": "U1",
        "link": "/api/v1/uploads/U1",
        "detail": "This file was already uploaded on 2026-05-14 at 10:32 UTC as upload U1. Open that upload to "
        "continue, or change the file and upload it again.",
        "code": "duplicate_file",
    }
    fake.canned["upload"] = (409, refusal)
    answer = await (await sign_in("broker1")).post(
        "/api/v1/groups/G1/mass-enrollment/uploads", data={"region": "CA"}, files={"file": ("m.xlsx", b"PK..")}
    )
    assert (answer.status_code, answer.json()) == (409, refusal)
