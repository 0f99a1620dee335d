"""The groups service's store and the dashboard's group details on the real
MongoDB-protocol server: changes from two writers at once are both kept
(version-checked rewrites), each with its own version and event."""

import asyncio
from datetime import UTC, datetime

import pytest

from services.dashboard.adapters import MongoReadModels
from services.groups.adapters import MongoGroupStore
from shared.contracts.envelope import Actor
from shared.errors import NotFound
from shared.mongo import make_client
from tests.messages import register_group

pytestmark = pytest.mark.integration
BROKER = Actor(user_id="broker1", role="broker")
ADMIN = Actor(user_id="admin1", role="group_admin")


@pytest.fixture
async def db(infra, prefix):
    client = make_client(infra.mongodb_uri)
    name = f"{prefix}groups".replace(".", "_")
    yield client[name]
    await client.drop_database(name)
    await client.close()


async def test_two_updates_at_once_are_both_kept_each_with_its_version_and_event(db):
    store = await MongoGroupStore.open(db)
    await store.change("230001", lambda g: g.register(register_group()))
    await store.clear_outbox("230001", {"230001:registered:1"})
    await asyncio.gather(
        store.change("230001", lambda g: g.update({"phone": "(415) 555-0199"}, BROKER, "tab-1")),
        store.change("230001", lambda g: g.update({"email": "team@example.com"}, ADMIN, "tab-2")),
    )
    record = await store.get("230001")
    assert record["version"] == 3 and record["phone"] == "(415) 555-0199" and record["email"] == "team@example.com"
    outbox = await store.outbox("230001")
    assert sorted(e["event_id"] for e in outbox) == ["230001:information:2", "230001:information:3"]
    assert sorted(tuple(e["message"]["changed"]) for e in outbox) == [("email",), ("phone",)]
    assert await store.outboxes_waiting(datetime.now(UTC)) == ["230001"]
    await store.clear_outbox("230001", {e["event_id"] for e in outbox})
    assert await store.outbox("230001") == []


async def test_a_refused_change_writes_nothing(db):
    store = await MongoGroupStore.open(db)
    with pytest.raises(NotFound):
        await store.change("239999", lambda g: g.update({"phone": "(415) 555-0199"}, BROKER, "c"))
    assert await store.get("239999") is None


async def test_the_dashboards_details_merge_two_writers_newer_wins(db):
    models = await MongoReadModels.open(db)
    await asyncio.gather(
        models.merge_group_details([("230001", 1, {"phone": "old", "email": "a@example.com", "size": 5})]),
        models.merge_group_details([("230001", 2, {"phone": "new"})]),
    )
    doc = await models.group_details("230001")
    assert (doc["phone"], doc["email"], doc["size"], doc["record_version"]) == ("new", "a@example.com", 5, 2)
