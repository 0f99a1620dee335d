from datetime import timedelta

import pytest
from faststream.kafka import TestKafkaBroker

from services.upload.adapters import InMemoryUploadStore
from services.upload.app import Deps, build_broker
from services.upload.domain import UploadRefused
from services.upload.handlers import UploadRequest, accept_upload, republish_unfinished
from services.upload.settings import UploadSettings
from shared.contracts.envelope import Actor
from shared.contracts.uploads import MemberRowParsed, UploadAccepted
from tests.support import member, plain_workbook, workbook

REQUEST = UploadRequest(
    "230001", "CA", "Golden Gate Bakery", "members.xlsx", Actor(user_id="broker1", role="broker"), "c1"
)


@pytest.fixture
def settings():
    return UploadSettings(app_env="test")


async def test_accepted_upload_is_stored_then_published_row_by_row(settings):
    broker, publishers = build_broker(settings, Deps())
    seen_rows: list[MemberRowParsed] = []
    seen_uploads: list[UploadAccepted] = []

    @broker.subscriber("enrollment.member-row-parsed.v1")
    async def rows(msg: MemberRowParsed):
        seen_rows.append(msg)

    @broker.subscriber("enrollment.upload-accepted.v1")
    async def uploads(msg: UploadAccepted):
        seen_uploads.append(msg)

    store = InMemoryUploadStore()
    async with TestKafkaBroker(broker):
        accepted = await accept_upload(REQUEST, workbook([member(1), member(2)]), store, publishers, 10_000_000, 250)

    assert accepted.total_rows == 2
    assert [u.upload_id for u in seen_uploads] == [accepted.upload_id]
    assert [(r.row_number, r.cells["first_name"]) for r in seen_rows] == [(4, "First1"), (5, "First2")]
    assert {r.event_id for r in seen_rows} == {f"{accepted.upload_id}:row:4", f"{accepted.upload_id}:row:5"}
    assert all(r.correlation_id == "c1" and r.actor.user_id == "broker1" for r in seen_rows)
    assert store.records[accepted.upload_id]["published"] is True
    assert store.files[accepted.upload_id].startswith(b"PK")


async def test_refused_file_leaves_nothing_stored_or_published(settings):
    broker, publishers = build_broker(settings, Deps())
    published = []

    @broker.subscriber("enrollment.member-row-parsed.v1")
    async def rows(msg: MemberRowParsed):
        published.append(msg)

    store = InMemoryUploadStore()
    async with TestKafkaBroker(broker):
        with pytest.raises(UploadRefused):
            await accept_upload(
                REQUEST, plain_workbook([member(1)], sheet="Sheet1"), store, publishers, 10_000_000, 250
            )
    assert store.records == {} and store.files == {} and published == []


async def test_unfinished_upload_is_published_again_from_the_stored_file(settings):
    broker, publishers = build_broker(settings, Deps())
    published: list[MemberRowParsed] = []

    @broker.subscriber("enrollment.member-row-parsed.v1")
    async def rows(msg: MemberRowParsed):
        published.append(msg)

    store = InMemoryUploadStore()
    record = {
        "group_id": "230001",
        "region": "CA",
        "group_name": "G",
        "file_name": "f.xlsx",
        "total_rows": 1,
        "actor": {"user_id": "broker1", "role": "broker"},
        "correlation_id": "c9",
    }
    from shared.contracts.envelope import utcnow

    await store.save("u1", "f.xlsx", workbook([member(1)]), {**record, "received_at": utcnow() - timedelta(hours=1)})
    async with TestKafkaBroker(broker):
        assert await republish_unfinished(store, publishers, 250, timedelta(minutes=1)) == 1
        assert await republish_unfinished(store, publishers, 250, timedelta(minutes=1)) == 0
    assert [m.event_id for m in published] == ["u1:row:4"]
