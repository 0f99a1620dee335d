"""The groups service's use cases and subscriber on FastStream's in-memory
broker and the in-memory store: registrations kept and announced, a group's
own change checked, stored and announced through the outbox."""

from functools import partial

import pytest
from faststream.kafka import TestKafkaBroker

from services.groups import subscribers, use_cases
from services.groups.settings import GroupsSettings
from services.groups.tests.fakes import InMemoryGroupStore
from services.groups.use_cases import Deps
from shared.contracts.envelope import Actor
from shared.contracts.reference import GroupInformationUpdated, GroupRegistered
from shared.errors import Invalid, NotFound, NotPermitted
from shared.outbox import Relay
from tests.messages import register_group
from tests.support import collect, service_broker

BROKER = Actor(user_id="broker1", role="broker")
REGISTER = "reference.register-group.v1"


@pytest.fixture
async def service():
    store = InMemoryGroupStore()
    deps = Deps(store=store)
    deps.relay = Relay(store, partial(use_cases.publish_outbox, deps))
    broker = service_broker(GroupsSettings(app_env="test"), deps, subscribers)
    published = collect(
        broker,
        registered=("reference.group-registered.v1", GroupRegistered),
        updated=("reference.group-information-updated.v1", GroupInformationUpdated),
    )
    async with TestKafkaBroker(broker) as br:
        yield br, deps, store, published


async def test_a_registration_is_kept_and_announced_once_per_version(service):
    br, deps, store, published = service
    await br.publish_batch(register_group("230001"), register_group("230002", broker_id="broker2"), topic=REGISTER)
    await br.publish_batch(register_group("230001"), topic=REGISTER)  # the feed again: the same facts
    assert {e.event_id for e in published["registered"]} == {"230001:registered:1", "230002:registered:1"}
    event = published["registered"][0]
    assert event.version == 1 and event.contacts[0].name == "Maria Lopez" and event.size == 18
    assert (await use_cases.view(deps, "230002"))["broker_id"] == "broker2"
    assert all(doc["outbox"] == [] for doc in store.groups.values())  # published, then cleared


async def test_an_update_is_stored_and_announced_with_the_changed_fields_and_the_actor(service):
    br, deps, store, published = service
    await br.publish_batch(register_group("230001"), topic=REGISTER)
    contacts = [{"name": "Ana Ruiz", "role": "Primary contact", "phone": "510-555-0123"}]
    record = await use_cases.update(deps, "230001", {"phone": "4155550199", "contacts": contacts}, BROKER, "corr-1")
    assert record["version"] == 2 and record["phone"] == "(415) 555-0199"
    assert (await use_cases.view(deps, "230001"))["contacts"][0]["phone"] == "(510) 555-0123"
    (event,) = published["updated"]
    assert event.changed == ["contacts", "phone"] and event.version == 2 and event.actor == BROKER
    assert event.correlation_id == "corr-1" and event.email is None and event.mailing_address is None
    assert store.groups["230001"]["outbox"] == []


async def test_refused_updates_store_and_announce_nothing(service):
    br, deps, store, published = service
    await br.publish_batch(register_group("230001"), topic=REGISTER)
    with pytest.raises(Invalid, match="Region and broker of record are changed by your KP representative"):
        await use_cases.update(deps, "230001", {"region": "HI"}, BROKER, "c")
    with pytest.raises(NotPermitted):
        await use_cases.update(deps, "230001", {"phone": "4155550199"}, Actor(user_id="r", role="kp_reviewer"), "c")
    with pytest.raises(NotFound):
        await use_cases.update(deps, "230001", {"phone": "4155550199"}, Actor(user_id="broker2", role="broker"), "c")
    with pytest.raises(NotFound):
        await use_cases.update(deps, "999999", {"phone": "4155550199"}, BROKER, "c")
    assert published["updated"] == [] and (await use_cases.view(deps, "230001"))["version"] == 1


async def test_an_event_kafka_did_not_take_waits_in_the_outbox_for_the_relay(service):
    br, deps, store, published = service
    await br.publish_batch(register_group("230001"), topic=REGISTER)
    outlet = deps.outlet

    class Away:
        async def send_entries(self, entries):
            raise ConnectionError("kafka away")

    deps.outlet = Away()
    await use_cases.update(deps, "230001", {"email": "team@example.com"}, BROKER, "c")
    assert [e["event_id"] for e in store.groups["230001"]["outbox"]] == ["230001:information:2"]
    deps.outlet = outlet
    assert await deps.relay.round() == 1
    assert [e.event_id for e in published["updated"]] == ["230001:information:2"]
