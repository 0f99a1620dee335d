"""The group page's details: a group's registration and its own changes,
merged newer-version-wins whatever order the two topics deliver them in,
answered with the group; and the change's line in the audit trail."""

import pytest
from faststream.kafka import TestKafkaBroker

from services.dashboard import group_page, subscribers, use_cases
from services.dashboard.settings import DashboardSettings
from services.dashboard.tests.fakes import InMemoryReadModels
from services.dashboard.use_cases import Deps
from shared.contracts.reference import Contact, GroupRegistered
from tests.messages import group_information_updated, register_group
from tests.support import service_broker

REGISTERED = "reference.group-registered.v1"
UPDATED = "reference.group-information-updated.v1"


def registered(version: int = 1, **facts) -> GroupRegistered:
    command = register_group(**facts)
    fields = command.model_dump(exclude={"event_id", "type", "occurred_at"})
    return GroupRegistered(**fields, version=version, event_id=f"230001:registered:{version}")


@pytest.fixture
async def dashboard():
    deps = Deps(models=InMemoryReadModels())
    async with TestKafkaBroker(service_broker(DashboardSettings(app_env="test"), deps, subscribers)) as br:
        yield br, deps


async def test_the_group_answers_its_addresses_contacts_plans_and_size(dashboard):
    br, deps = dashboard
    await br.publish_batch(registered(), topic=REGISTERED)
    group = await use_cases.group(deps, "230001")
    assert group["name"] == "Golden Gate Bakery" and group["broker_id"] == "broker1"
    assert group["physical_address"]["line1"] == "1200 Market St" and group["mailing_address"]["zip"] == "94103"
    assert group["contacts"] == [
        {"name": "Maria Lopez", "role": "Primary contact", "phone": "(415) 555-0134", "email": "maria@example.com"}
    ]
    assert group["phone"] == "(415) 555-0100" and group["email"] == "office@example.com" and group["size"] == 18
    assert group["current_plans"][0]["name"] == "KP CA Silver 70 HMO" and group["record_version"] == 1
    assert group["renewal_date"] == "2027-03-01" and "enrolled_count" in group


async def test_an_update_is_applied_and_audited_and_an_older_registration_does_not_undo_it(dashboard):
    br, deps = dashboard
    new_contact = Contact(name="Ana Ruiz", role="Billing", email="ana@example.com")
    update = group_information_updated(version=2, phone="(415) 555-0199", contacts=[new_contact])
    await br.publish_batch(update, topic=UPDATED)  # before the registration: the topics are not ordered together
    await br.publish_batch(registered(version=1), topic=REGISTERED)
    await br.publish_batch(update, topic=UPDATED)  # a redelivery
    group = await use_cases.group(deps, "230001")
    assert group["phone"] == "(415) 555-0199" and group["contacts"][0]["name"] == "Ana Ruiz"
    assert group["email"] == "office@example.com" and group["record_version"] == 2
    audit = await use_cases.audit(deps, "230001", 1, 25)
    assert audit["total"] == 1
    (line,) = audit["items"]
    assert line["action"] == "updated group information" and line["actor_id"] == "broker1"
    assert line["detail"] == "phone, contacts" and "555-0199" not in str(line)
    # The record registered again at a newer version (the insurer changed its size) keeps the group's phone.
    await br.publish_batch(registered(version=3, size=25, phone="(415) 555-0199"), topic=REGISTERED)
    group = await use_cases.group(deps, "230001")
    assert group["size"] == 25 and group["phone"] == "(415) 555-0199" and group["record_version"] == 3


def test_the_merge_takes_a_field_only_from_a_version_not_older_than_its_own():
    doc = group_page.merged(None, 2, {"phone": "B"})
    assert group_page.merged(doc, 1, {"phone": "A", "email": "e"}) == {
        "phone": "B",
        "email": "e",
        "versions": {"phone": 2, "email": 1},
        "record_version": 2,
    }
    assert group_page.merged(doc, 2, {"phone": "B"}) is None  # the same change again: nothing to write
