"""PATCH /api/v1/groups/{id}: a guard and a forward to the groups service.
Another tenant's group answers 404 before the service is asked; a KP
reviewer 403; the caller's signed identity goes with the change."""

from __future__ import annotations

import json

from services.gateway.tests.conftest import SignIn
from services.gateway.tests.fakes import FakeServices, identity

CHANGE = {"phone": "(415) 555-0199", "contacts": [{"name": "Ana Ruiz", "role": "Billing", "phone": "5105550123"}]}


async def test_the_groups_broker_and_administrator_change_it_through_the_groups_service(
    sign_in: SignIn, fake: FakeServices
):
    for user_id, group_id in (("broker1", "G1"), ("admin2", "G2")):
        answer = await (await sign_in(user_id)).patch(f"/api/v1/groups/{group_id}", json=CHANGE)
        assert answer.status_code == 200, answer.text
        assert answer.json()["phone"] == "(415) 555-0199" and answer.json()["version"] == 2
        request = fake.sent("groups")[-1]
        assert (request.method, request.url.path) == ("PATCH", f"/groups/{group_id}")
        assert json.loads(request.content) == CHANGE  # passed on as it is: the groups service decides
        assert identity(request) == (user_id, "broker" if user_id == "broker1" else "group_admin")


async def test_another_tenants_group_answers_404_and_a_reviewer_403_before_the_service_is_asked(
    sign_in: SignIn, fake: FakeServices
):
    broker1, admin2, reviewer = await sign_in("broker1"), await sign_in("admin2"), await sign_in("reviewer1")
    for client, group_id in ((broker1, "G2"), (admin2, "G1"), (broker1, "G7")):
        answer = await client.patch(f"/api/v1/groups/{group_id}", json=CHANGE)
        assert (answer.status_code, answer.json()["code"]) == (404, "group_not_found")
    answer = await reviewer.patch("/api/v1/groups/G1", json=CHANGE)
    assert (answer.status_code, answer.json()["code"]) == (403, "role_cannot_update_group")
    assert fake.sent("groups") == []


async def test_the_services_refusal_is_passed_on(sign_in: SignIn, fake: FakeServices):
    refusal = {"detail": "These fields cannot be changed here: region.", "code": "field_not_updatable"}
    fake.canned["groups"] = (422, refusal | {"fields": ["region"]})
    answer = await (await sign_in("broker1")).patch("/api/v1/groups/G1", json={"region": "HI"})
    assert answer.status_code == 422 and answer.json()["code"] == "field_not_updatable"
    assert answer.json()["fields"] == ["region"]
