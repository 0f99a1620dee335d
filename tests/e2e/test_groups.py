"""The groups service as the system of record, through the gateway on the
real servers: the demo groups come to it from the seeder and reach the
dashboard with their whole record; a broker updates a group's phone and
contact and the group page shows it (by event); fields a group may not
change are refused by name; another broker's group answers 404, a KP
reviewer 403; the update is in the audit trail."""

from datetime import date

import pytest

from deploy.local.demo import demo_book
from tests.support import eventually

pytestmark = pytest.mark.e2e


def broker1_group() -> str:
    """A group of broker1's that no other test changes (not the administrators' 230001 or 230002)."""
    groups, _ = demo_book(date.today(), "k")
    return [g.group_id for g in groups if g.broker_id == "broker1" and g.group_id not in ("230001", "230002")][-1]


async def test_a_broker_updates_a_groups_phone_and_contact_and_the_group_page_shows_it(sign_in):
    broker = await sign_in("broker1")
    group_id = broker1_group()

    async def registered():
        group = (await broker.get(f"/api/v1/groups/{group_id}")).json()
        return group if group.get("phone") and group.get("contacts") else None

    group = await eventually(registered, timeout=60)
    assert group["current_plans"] and group["physical_address"]["state"] and group["size"] > 0
    assert group["broker_id"] == "broker1" and group["renewal_date"] and "enrolled_count" in group

    contact = {"name": "Ana Ruiz", "role": "Primary contact", "phone": "510.555.0123", "email": "ana@example.com"}
    answer = await broker.patch(f"/api/v1/groups/{group_id}", json={"phone": "415-555-0199", "contacts": [contact]})
    assert answer.status_code == 200, answer.text
    stored = answer.json()
    assert stored["phone"] == "(415) 555-0199" and stored["contacts"][0]["phone"] == "(510) 555-0123"
    assert stored["version"] >= 2

    async def shown():
        group = (await broker.get(f"/api/v1/groups/{group_id}")).json()
        return group if group["phone"] == "(415) 555-0199" else None

    group = await eventually(shown, timeout=60)
    assert group["contacts"] == [{**contact, "phone": "(510) 555-0123"}]
    assert group["name"] and group["region"]  # the rest of the record as it was

    reviewer = await sign_in("reviewer1")

    async def audited():
        trail = (await reviewer.get("/api/v1/audit", params={"group_id": group_id})).json()["items"]
        return [e for e in trail if e["action"] == "updated group information"]

    (line,) = await eventually(audited, timeout=30)
    assert line["actor_id"] == "broker1" and line["detail"] == "contacts, phone"


async def test_fields_a_group_may_not_change_are_refused_by_name(sign_in):
    broker = await sign_in("broker1")
    group_id = broker1_group()
    answer = await broker.patch(f"/api/v1/groups/{group_id}", json={"region": "HI", "broker_id": "broker1"})
    assert answer.status_code == 422 and answer.json()["code"] == "field_not_updatable", answer.text
    assert answer.json()["fields"] == ["region", "broker_id"]
    assert "Region and broker of record are changed by your KP representative" in answer.json()["detail"]
    invalid = await broker.patch(f"/api/v1/groups/{group_id}", json={"email": "office@", "phone": "555"})
    assert invalid.status_code == 422 and invalid.json()["code"] == "invalid_group_information"
    assert "email:" in invalid.json()["detail"] and "phone:" in invalid.json()["detail"]


async def test_another_brokers_group_answers_404_and_a_reviewer_403(sign_in):
    group_id = broker1_group()
    other, reviewer = await sign_in("broker2"), await sign_in("reviewer1")
    refused = await other.patch(f"/api/v1/groups/{group_id}", json={"phone": "4155550111"})
    assert (refused.status_code, refused.json()["code"]) == (404, "group_not_found")
    refused = await reviewer.patch(f"/api/v1/groups/{group_id}", json={"phone": "4155550111"})
    assert (refused.status_code, refused.json()["code"]) == (403, "role_cannot_update_group")
    assert (await reviewer.get(f"/api/v1/groups/{group_id}")).json()["phone"] != "(415) 555-0111"
