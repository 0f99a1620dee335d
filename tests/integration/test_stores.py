"""The stores that keep one document per upload, and validation's member
claims, on the real MongoDB-protocol server."""

import asyncio
from datetime import timedelta

import pytest

from services.applications.adapters import MongoApplicationStore
from services.dashboard import use_cases
from services.dashboard.adapters import MongoReadModels
from services.dashboard.tests.fakes import SentMessages
from services.dashboard.use_cases import Deps
from services.upload.adapters import MongoUploadStore
from services.validation.adapters import MongoReferenceStore
from shared.contracts.applications import application_id
from shared.contracts.envelope import Actor, utcnow
from shared.errors import Conflict
from shared.mongo import make_client
from tests.messages import classified, recorded, submitted

pytestmark = pytest.mark.integration
ACTOR = Actor(user_id="broker1", role="broker")


@pytest.fixture
async def db(infra, prefix):
    client = make_client(infra.mongodb_uri)
    name = f"{prefix}stores".replace(".", "_")
    yield client[name]
    await client.drop_database(name)
    await client.close()


async def test_claims_are_found_by_member_and_released_by_application(db):
    store = await MongoReferenceStore.open(db)
    a1, a2 = application_id("up1", 4), application_id("up1", 5)
    b1, b2 = application_id("up2", 4), application_id("up2", 5)
    await store.claim("230001", {"h1": a1, "h2": a2})  # a file's first claims: one field
    await store.claim("230001", {"h1": b1, "h3": b2})  # a later file: h1 stays with a1
    assert await store.pending_claims("230001", {"h1", "h2", "h3", "h4"}) == {"h1": a1, "h2": a2, "h3": b2}
    assert await store.pending_claims("230002", {"h1"}) == {}  # claims are per group

    # An edited application that still holds its member keeps the claim...
    await store.release_claims({a1}, keep="h1")
    assert await store.pending_claims("230001", {"h1"}) == {"h1": a1}
    # ...one edited to another member gives up the old one and claims the new
    # one (an application holds one member), noted beside the file's others.
    await store.release_claims({a2}, keep="h5")
    await store.claim("230001", {"h5": a2}, replace=True)
    assert await store.pending_claims("230001", {"h1", "h2", "h5"}) == {"h1": a1, "h5": a2}
    # Once the first holder lets go, the other open application holds the member.
    await store.release_claims({a1})
    assert await store.pending_claims("230001", {"h1"}) == {"h1": b1}
    await store.release_claims({a2, b1, b2})
    assert await store.pending_claims("230001", {"h1", "h2", "h3", "h5"}) == {}


async def test_a_file_classified_again_does_not_undo_an_edit(db):
    store = await MongoReferenceStore.open(db)
    a1, b1 = application_id("up1", 4), application_id("up2", 4)
    await store.claim("230001", {"h1": a1})  # the file
    await store.release_claims({a1}, keep="h9")  # the row edited to another member...
    await store.claim("230001", {"h9": a1}, replace=True)  # ...who is claimed
    await store.claim("230001", {"h1": a1})  # the file's batch redelivered
    assert await store.pending_claims("230001", {"h1", "h9"}) == {"h9": a1}
    # An edit that keeps its member keeps its place: a later claim of the same
    # member by another file does not overtake it.
    await store.claim("230001", {"h9": b1})
    await store.release_claims({a1}, keep="h9")
    await store.claim("230001", {"h9": a1}, replace=True)
    assert await store.pending_claims("230001", {"h9"}) == {"h9": a1}


async def test_applications_of_an_upload_move_together_and_never_backwards(db):
    store = await MongoApplicationStore.open(db)
    fields = {"group_id": "230001", "region": "CA"}

    async def record(*verdicts):
        await store.change("u1", lambda agg: agg.record(list(verdicts)), lambda: fields)

    first = [classified(4), classified(5), classified(6, "error")]
    await record(*first)
    await record(first[0], first[2])  # a redelivery changes nothing
    assert (await db.upload_applications.find_one({"_id": "u1"}))["version"] == 1
    assert [a["row_number"] for a in (await store.upload("u1")).with_status("ready")] == [4, 5]

    # Two writers at once (Submit Ready in one tab, a delete in another): each
    # application moves once, and neither write is lost.
    submitted, deleted = await asyncio.gather(
        store.change("u1", lambda agg: agg.submit_ready(ACTOR, utcnow()), dict),
        store.change("u1", lambda agg: agg.delete("u1-0005", ACTOR), dict),
        return_exceptions=True,
    )
    statuses = {a: r["status"] for a, r in (await store.upload("u1")).rows.items()}
    assert statuses["u1-0004"] == "submitted" and statuses["u1-0005"] in ("submitted", "deleted")
    if statuses["u1-0005"] == "deleted":
        assert [a["_id"] for a in submitted] == ["u1-0004"] and deleted["status"] == "deleted"
    else:
        assert isinstance(deleted, Conflict)  # the delete came second and found it submitted
    # Every change left its event in the outbox, in the order of the writes.
    outbox = await store.outbox("u1")
    assert sorted(e["event_id"] for e in outbox) == ["u1-0004:2", "u1-0005:2"]

    # An older revision arriving late does not undo a newer one.
    await record(classified(4, "error"))
    assert (await store.get("u1-0004"))["status"] == "submitted"


async def test_the_relay_finds_waiting_outboxes_by_age_and_clearing_one_forgets_it(db):
    store = await MongoApplicationStore.open(db)
    for upload in ("u1", "u2"):
        await store.change(upload, lambda agg, u=upload: agg.record([classified(4, upload_id=u)]), dict)
    assert await store.outboxes_waiting(utcnow()) == []  # verdicts are published by the subscriber itself
    before = utcnow()
    await store.change("u2", lambda agg: agg.delete("u2-0004", ACTOR), dict)
    assert await store.outboxes_waiting(before - timedelta(seconds=1)) == []  # too young for the relay
    assert await store.outboxes_waiting(utcnow()) == ["u2"]
    await store.clear_outbox("u2", {"u2-0004:2"})
    assert await store.outboxes_waiting(utcnow()) == [] and await store.outbox("u2") == []


async def test_saved_applications_come_due_and_a_replaced_note_survives(db):
    store = await MongoApplicationStore.open(db)
    past = utcnow() - timedelta(seconds=1)
    await store.note_expiry("u1-0004", past)
    await store.note_expiry("u1-0005", utcnow() + timedelta(days=1))
    due = await store.due_for_expiry(utcnow())
    assert [a for a, _ in due] == ["u1-0004"]
    await store.note_expiry("u1-0004", utcnow() + timedelta(days=30))  # saved again meanwhile
    await store.forget_expiry(due)
    assert await db.saved_expiries.count_documents({}) == 2


async def test_upload_counts_from_older_rows_never_replace_newer_ones(db):
    models = await MongoReadModels.open(db)
    deps = Deps(models=models, outlet=SentMessages())
    await use_cases.project_recorded(deps, [recorded(4)])
    await use_cases.project_lifecycle(deps, [submitted(4)])
    newer = await models.upload("u1")
    assert (newer["ready"], newer["submitted"], newer["rows_version"]) == (0, 1, 2)
    # A handler that read version 1 of the rows and writes its counts last
    # (the recorded and lifecycle handlers run side by side) changes nothing.
    await models.set_counts("u1", "230001", {"ready": 1, "submitted": 0}, version=1)
    assert (await models.upload("u1"))["submitted"] == 1
    # Saved-for-later and the transaction history follow the rows.
    assert [t["_id"] for t in (await models.transactions_page("230001", 1, 25))[0]] == ["ME-TEST-0004"]


async def test_the_upload_relay_finds_uploads_stored_but_not_published(db):
    store = await MongoUploadStore.open(db)
    received = utcnow() - timedelta(minutes=5)
    for upload_id in ("up1", "up2"):
        await store.save(upload_id, "m.xlsx", b"PK..", {"group_id": "230001", "received_at": received})
    await store.mark_published("up1")
    assert await store.outboxes_waiting(utcnow()) == ["up2"]
    assert await store.outboxes_waiting(received - timedelta(seconds=1)) == []  # too young for the relay
    assert await store.read_file("up2") == b"PK.."


async def test_an_uploads_error_reports_are_noted_on_its_record_each_application_once(db):
    store = await MongoUploadStore.open(db)
    await store.save("up1", "m.xlsx", b"PK..", {"group_id": "230001", "received_at": utcnow()})
    await store.note_reported("up1", ["up1-0005", "up1-0004"])
    await store.note_reported("up1", ["up1-0004", "up1-0009"])  # a second report, after edits
    assert sorted((await store.get("up1"))["reported_applications"]) == ["up1-0004", "up1-0005", "up1-0009"]


async def test_the_same_file_of_a_group_is_stored_once_even_when_sent_twice_at_once(db):
    store = await MongoUploadStore.open(db)
    received = utcnow()

    def record(group_id: str = "230001", **more) -> dict:
        return {"group_id": group_id, "received_at": received, "sha256": "d1", **more}

    # Two at once: the unique index lets one in; the other keeps nothing (not its file either).
    saved = await asyncio.gather(
        store.save("up1", "m.xlsx", b"PK1", record()), store.save("up2", "m.xlsx", b"PK2", record())
    )
    winner = "up1" if saved[0] is None else "up2"
    loser = "up2" if winner == "up1" else "up1"
    assert [s["_id"] for s in saved if s is not None] == [winner]
    assert await store.get(loser) is None and await db["upload_files.files"].count_documents({"_id": loser}) == 0
    # Another group, and uploads holding no digest (forms, older uploads), are not in the index.
    assert await store.save("up3", "m.xlsx", b"PK3", record("230002")) is None
    for upload_id in ("up4", "up5"):
        assert await store.save(upload_id, "form", b"{}", {"group_id": "230001", "received_at": received}) is None
    # Withdrawn (forgotten) or failed: the same file is taken again.
    await store.forget_file(winner)
    assert await store.save("up6", "m.xlsx", b"PK6", record()) is None
    await store.mark_failed("up6", "KafkaTimeoutError")
    assert await store.save("up7", "m.xlsx", b"PK7", record()) is None
    assert (await store.holding("230001", "d1"))["_id"] == "up7"


async def test_a_withdrawn_upload_stays_withdrawn_for_the_verdicts_that_come_after(db):
    store = await MongoApplicationStore.open(db)
    withdrawn = await store.change("u1", lambda agg: agg.withdraw(ACTOR), dict)
    assert withdrawn == (0, 0)
    await store.change("u1", lambda agg: agg.record([classified(4), classified(5, "error")]), dict)
    upload = await store.upload("u1")
    assert upload.withdrawn_by == ACTOR.model_dump(mode="json")
    assert {a: r["status"] for a, r in upload.rows.items()} == {"u1-0004": "deleted", "u1-0005": "deleted"}
    assert [e["event_id"] for e in await store.outbox("u1")] == ["u1-0004:2", "u1-0005:2"]
