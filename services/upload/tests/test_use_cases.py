from datetime import timedelta
from functools import partial

import pytest
from faststream.kafka import TestKafkaBroker

from services.upload import subscribers, use_cases
from services.upload.settings import UploadSettings
from services.upload.tests.fakes import InMemoryGroupStore, InMemoryUploadStore
from services.upload.use_cases import Deps, UploadRequest
from shared.contracts.envelope import Actor, utcnow
from shared.contracts.uploads import MemberRowParsed, UploadAccepted
from shared.errors import Invalid, NotFound
from shared.outbox import Relay
from tests.messages import group_registered
from tests.support import collect, member, plain_workbook, service_broker, workbook

REQUEST = UploadRequest(
    "230001", "CA", "Golden Gate Bakery", "members.xlsx", Actor(user_id="broker1", role="broker"), "c1"
)


@pytest.fixture
async def service():
    """The service's subscribers on an in-memory broker, and what it published."""
    deps = Deps(store=InMemoryUploadStore(), groups=InMemoryGroupStore(), max_bytes=10_000_000)
    deps.relay = Relay(deps.store, partial(use_cases.publish_stored, deps))
    broker = service_broker(UploadSettings(app_env="test"), deps, subscribers)
    published = collect(
        broker,
        rows=("enrollment.member-row-parsed.v1", MemberRowParsed),
        uploads=("enrollment.upload-accepted.v1", UploadAccepted),
    )
    async with TestKafkaBroker(broker) as br:
        yield br, deps, published


async def test_accepted_upload_is_stored_then_published_row_by_row(service):
    _, deps, published = service
    accepted, notices = await use_cases.accept_upload(deps, REQUEST, workbook([member(1), member(2)]))
    assert accepted.total_rows == 2 and notices == []
    assert [u.upload_id for u in published["uploads"]] == [accepted.upload_id]
    rows = published["rows"]
    assert [(r.row_number, r.cells["first_name"]) for r in rows] == [(4, "First1"), (5, "First2")]
    assert {r.event_id for r in rows} == {f"{accepted.upload_id}:row:4", f"{accepted.upload_id}:row:5"}
    assert all(r.correlation_id == "c1" and r.actor.user_id == "broker1" for r in rows)
    assert deps.store.records[accepted.upload_id]["published"] is True
    # The file is kept encrypted, and the rows carry the SSN and date of birth encrypted.
    stored = deps.store.files[accepted.upload_id]
    assert not stored.startswith(b"PK") and deps.cipher.decrypt_file(accepted.upload_id, stored).startswith(b"PK")
    assert rows[0].cells["ssn"].startswith("enc:") and rows[0].cells["date_of_birth"].startswith("enc:")
    assert deps.cipher.open(rows[0].cells)["ssn"] == member(1)["ssn"]


async def test_refused_file_leaves_nothing_stored_or_published(service):
    _, deps, published = service
    with pytest.raises(Invalid):
        await use_cases.accept_upload(deps, REQUEST, plain_workbook([member(1)], sheet="Sheet1"))
    assert deps.store.records == {} and deps.store.files == {} and published == {"rows": [], "uploads": []}


async def test_an_upload_left_unpublished_is_published_again_from_the_stored_file(service):
    _, deps, published = service
    record = {
        "group_id": "230001",
        "region": "CA",
        "group_name": "G",
        "file_name": "f.xlsx",
        "total_rows": 1,
        "actor": {"user_id": "broker1", "role": "broker"},
        "correlation_id": "c9",
    }
    received = utcnow() - timedelta(hours=1)
    data = deps.cipher.encrypt_file("u1", workbook([member(1)]))
    await deps.store.save("u1", "f.xlsx", data, {**record, "received_at": received})
    assert await deps.relay.round() == 1
    assert await deps.relay.round() == 0
    assert [m.event_id for m in published["rows"]] == ["u1:row:4"]
    assert published["rows"][0].correlation_id == "c9"


async def test_templates_come_from_the_groups_projection(service):
    br, deps, _ = service
    with pytest.raises(NotFound):
        await use_cases.template(deps, "230077", "HI")
    await br.publish_batch(group_registered("230077", "Kona Florist", "HI"), topic="reference.group-registered.v1")
    assert (await use_cases.template(deps, "230077", " hi ")).startswith(b"PK")
    with pytest.raises(Invalid) as wrong:
        await use_cases.template(deps, "230077", "CA")
    assert "Choose HI" in wrong.value.detail


class Down:
    """An outlet whose broker does not answer."""

    async def send(self, messages):
        raise ConnectionError("broker down")


async def test_an_upload_stored_while_kafka_is_away_is_accepted_and_the_relay_publishes_it(service):
    _, deps, published = service
    working, deps.outlet = deps.outlet, Down()
    accepted, _ = await use_cases.accept_upload(deps, REQUEST, workbook([member(1)]))
    assert deps.store.records[accepted.upload_id]["published"] is False and published["rows"] == []
    deps.outlet = working
    deps.store.records[accepted.upload_id]["received_at"] -= timedelta(minutes=5)  # old enough for the relay
    assert await deps.relay.round() == 1
    assert [m.event_id for m in published["rows"]] == [f"{accepted.upload_id}:row:4"]
    assert deps.store.records[accepted.upload_id]["published"] is True


async def test_an_upload_that_cannot_be_published_ends_failed_instead_of_processing_for_ever(service):
    _, deps, published = service
    deps.outlet, deps.publish_attempts = Down(), 3
    accepted, _ = await use_cases.accept_upload(deps, REQUEST, workbook([member(1)]))
    deps.store.records[accepted.upload_id]["received_at"] -= timedelta(minutes=5)
    for _ in range(5):
        await deps.relay.round()
    record = deps.store.records[accepted.upload_id]
    assert record["failed"] is True and record["publish_attempts"] == 3  # given up, and not retried after
    assert await deps.store.outboxes_waiting(utcnow()) == []
