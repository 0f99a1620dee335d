"""The stores that keep one document per upload, and validation's member
claims, on the real MongoDB-protocol server."""

import asyncio
from datetime import timedelta

import pytest

from services.applications.adapters import MongoApplicationStore
from services.dashboard.adapters import ReadModels
from services.validation.adapters import MongoReferenceStore
from shared.contracts.applications import application_id
from shared.contracts.envelope import utcnow
from shared.mongo import make_client

pytestmark = pytest.mark.integration


@pytest.fixture
async def db(infra, prefix):
    client = make_client(infra.mongodb_uri)
    name = f"{prefix}stores".replace(".", "_")
    yield client[name]
    await client.drop_database(name)
    await client.close()


async def test_claims_are_found_by_member_and_released_by_application(db):
    store = MongoReferenceStore(db)
    await store.create_indexes()
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
    store = MongoReferenceStore(db)
    await store.create_indexes()
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
    store = MongoApplicationStore(db)
    await store.create_indexes()

    def app(row: int, status: str, revision: int = 1) -> tuple[str, dict]:
        fields = {"upload_id": "up1", "group_id": "230001", "region": "CA", "row_number": row}
        return application_id("up1", row), {**fields, "status": status, "revision": revision, "cells": {}}

    await store.upsert_many([app(4, "ready"), app(5, "ready"), app(6, "error")])
    await store.upsert_many([app(4, "ready"), app(6, "error")])  # a redelivery changes nothing
    ready = await store.of_upload("up1", ("ready",))
    assert [a["row_number"] for a in ready] == [4, 5]

    # Two writers at once (Submit Ready in one tab, a delete in another): each
    # application moves once, and neither write is lost.
    submitted, deleted = await asyncio.gather(
        store.transition_many(ready, "submitted", lambda a: {"confirmation_id": f"C-{a['row_number']}"}),
        store.transition(ready[1], "deleted"),
    )
    moved = {a["_id"]: a["status"] for a in submitted} | ({deleted["_id"]: "deleted"} if deleted else {})
    assert len(moved) == 2
    assert {(await store.get(i))["status"] for i in moved} == set(moved.values())

    # An older revision arriving late does not undo a newer one.
    await store.upsert_many([app(4, "error", revision=1)])
    assert (await store.get(application_id("up1", 4)))["status"] in {"submitted", "deleted"}

    # Saved applications come due for expiry; ones that moved on are not.
    error = await store.get(application_id("up1", 6))
    past = utcnow() - timedelta(seconds=1)
    saved = await store.transition(error, "saved", {"expires_at": past})
    assert [a["_id"] for a in await store.due_for_expiry(utcnow())] == [saved["_id"]]
    await store.transition(saved, "deleted")
    assert await store.due_for_expiry(utcnow()) == []


async def test_upload_counts_from_older_rows_never_replace_newer_ones(db):
    models = ReadModels(db)
    await models.create_indexes()
    row = {"upload_id": "up1", "group_id": "230001", "row_number": 4, "issues": [], "member": {}}
    await models.merge_upload_applications([("up1-0004", {**row, "status": "ready", "revision": 1})], False)
    await models.merge_upload_applications([("up1-0004", {**row, "status": "submitted", "revision": 2})], True)
    newer = await models.get_upload("up1")
    assert (newer["ready"], newer["submitted"]) == (0, 1)
    # A handler that read version 1 of the rows and writes its counts last
    # (the recorded and lifecycle handlers run side by side) changes nothing.
    await models._store_counts("up1", "230001", {"up1-0004": {"status": "ready"}}, version=1)
    assert (await models.get_upload("up1"))["submitted"] == 1
