import asyncio
from datetime import timedelta
from functools import partial

import pytest
from faststream.kafka import TestKafkaBroker

from services.upload import subscribers, use_cases
from services.upload.settings import UploadSettings
from services.upload.tests.fakes import InMemoryGroupStore, InMemoryUploadStore
from services.upload.use_cases import Deps, UploadRequest
from shared.contracts.columns import column_keys
from shared.contracts.envelope import Actor, utcnow
from shared.contracts.uploads import MemberRowParsed, UploadAccepted
from shared.errors import BadInput, Conflict, Invalid, NotFound
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


async def test_the_same_file_again_for_the_group_is_refused_naming_the_upload_that_has_it(service):
    _, deps, published = service
    data = workbook([member(1), member(2)])
    first, _ = await use_cases.accept_upload(deps, REQUEST, data)
    with pytest.raises(Conflict) as refused:
        await use_cases.accept_upload(deps, REQUEST, data)
    assert refused.value.code == "duplicate_file"
    assert refused.value.extra == {"upload_id": first.upload_id, "link": f"/api/v1/uploads/{first.upload_id}"}
    received = deps.store.records[first.upload_id]["received_at"]
    assert refused.value.detail == (
        f"This file was already uploaded on {received:%Y-%m-%d at %H:%M} UTC as upload {first.upload_id}. "
        "Open that upload to continue, or change the file and upload it again."
    )
    # Nothing stored, nothing published for the second one.
    assert list(deps.store.records) == [first.upload_id] and list(deps.store.files) == [first.upload_id]
    assert [u.upload_id for u in published["uploads"]] == [first.upload_id] and len(published["rows"]) == 2
    # Another file (one cell changed) is a new upload.
    assert (await use_cases.accept_upload(deps, REQUEST, workbook([member(1), member(3)])))[0].upload_id


async def test_the_same_file_sent_twice_at_once_makes_one_upload_and_one_refusal(service):
    _, deps, published = service
    data = workbook([member(1)])
    looked, holding = asyncio.Barrier(2), deps.store.holding

    async def both_look_before_either_stores(*args):
        found = await holding(*args)
        await looked.wait()
        return found

    deps.store.holding = both_look_before_either_stores  # so the store's uniqueness decides, not the first look
    answers = await asyncio.gather(
        *(use_cases.accept_upload(deps, REQUEST, data) for _ in range(2)), return_exceptions=True
    )
    (accepted,) = [a[0] for a in answers if not isinstance(a, Exception)]
    (refused,) = [a for a in answers if isinstance(a, Exception)]
    assert isinstance(refused, Conflict) and refused.extra["upload_id"] == accepted.upload_id
    assert list(deps.store.records) == [accepted.upload_id] and len(published["uploads"]) == 1


async def test_a_file_whose_upload_was_withdrawn_or_failed_may_be_uploaded_again(service):
    _, deps, _ = service
    data = workbook([member(1)])
    first, _ = await use_cases.accept_upload(deps, REQUEST, data)
    await use_cases.forget_file(deps, first.upload_id)  # withdrawn
    second, _ = await use_cases.accept_upload(deps, REQUEST, data)
    await deps.store.mark_failed(second.upload_id, "KafkaTimeoutError")
    third, _ = await use_cases.accept_upload(deps, REQUEST, data)
    assert len({first.upload_id, second.upload_id, third.upload_id}) == 3
    with pytest.raises(Conflict):
        await use_cases.accept_upload(deps, REQUEST, data)
    with pytest.raises(NotFound):
        await use_cases.forget_file(deps, "nope")


FORM = UploadRequest("230001", "ca", "", "Enroll a Member form", Actor(user_id="admin1", role="group_admin"), "c2")


async def test_a_member_entered_in_the_form_is_published_as_a_files_row_would_be(service):
    br, deps, published = service
    await br.publish_batch(
        group_registered("230001", "Golden Gate Bakery", "CA"), topic="reference.group-registered.v1"
    )
    cells = {**member(7), "first_name": "  Ada  ", "email": ""}
    upload_id, application_id = await use_cases.enroll_member(deps, FORM, cells)
    assert application_id == f"{upload_id}-0001"
    (accepted,) = published["uploads"]
    assert (accepted.upload_id, accepted.file_name, accepted.total_rows) == (upload_id, "Enroll a Member form", 1)
    assert (accepted.region, accepted.group_name, accepted.actor.user_id) == ("CA", "Golden Gate Bakery", "admin1")
    (row,) = published["rows"]
    assert (row.event_id, row.row_number, row.total_rows, row.correlation_id) == (f"{upload_id}:row:1", 1, 1, "c2")
    # Every column of the region's template, cleaned as a file's cells are, the SSN and date of birth encrypted.
    assert list(row.cells) == column_keys("CA")
    assert row.cells["ssn"].startswith("enc:") and row.cells["date_of_birth"].startswith("enc:")
    opened = deps.cipher.open(row.cells)
    assert (opened["ssn"], opened["first_name"], opened["email"], opened["arbitration_signed"]) == (
        member(7)["ssn"],
        "Ada",
        None,
        None,
    )
    # Stored encrypted like a file; the relay publishes a form left unpublished from what was stored.
    assert member(7)["ssn"].encode() not in deps.store.files[upload_id]
    deps.store.records[upload_id] |= {"published": False, "received_at": utcnow() - timedelta(hours=1)}
    assert await deps.relay.round() == 1
    assert [r.event_id for r in published["rows"]] == [f"{upload_id}:row:1"] * 2
    assert deps.cipher.open(published["rows"][1].cells) == opened


@pytest.mark.parametrize(
    ("region", "cells", "kind", "code", "says"),
    [
        ("CA", {**member(7), "shoe_size": "9"}, BadInput, "unknown_cells", "shoe_size. Known cells"),
        ("CA", {"first_name": " ", "ssn": None}, Invalid, "no_members", "The form is empty"),
        ("CA", {**member(7), "city": "x" * 1001}, Invalid, "cell_too_long", "The form's City holds 1,001"),
        ("HI", member(7), Invalid, "wrong_region", "Choose CA"),
    ],
)
async def test_a_form_the_template_would_not_take_is_refused_and_nothing_stored(
    service, region, cells, kind, code, says
):
    br, deps, published = service
    await br.publish_batch(
        group_registered("230001", "Golden Gate Bakery", "CA"), topic="reference.group-registered.v1"
    )
    request = UploadRequest("230001", region, "", "Enroll a Member form", FORM.actor, "c3")
    with pytest.raises(kind) as refused:
        await use_cases.enroll_member(deps, request, cells)
    assert refused.value.code == code and says in refused.value.detail
    assert deps.store.records == {} and published == {"rows": [], "uploads": []}


async def test_outside_california_and_hawaii_the_form_has_no_arbitration_cell(service):
    br, deps, _ = service
    await br.publish_batch(group_registered("230002", "Rocky Gym", "CO"), topic="reference.group-registered.v1")
    request = UploadRequest("230002", "CO", "", "Enroll a Member form", FORM.actor, "c4")
    with pytest.raises(BadInput) as refused:
        await use_cases.enroll_member(deps, request, {**member(7), "arbitration_signed": "Y"})
    assert "arbitration_signed" in refused.value.detail and "region CO" in refused.value.detail
    upload_id, _ = await use_cases.enroll_member(deps, request, member(7))
    assert "arbitration_signed" not in deps.store.records[upload_id] and upload_id in deps.store.files
