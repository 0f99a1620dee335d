"""The applications service's use cases and subscribers on FastStream's
in-memory broker and the in-memory store."""

from datetime import timedelta
from functools import partial

import pytest
from faststream.kafka import TestKafkaBroker

from services.applications import subscribers, use_cases
from services.applications.settings import ApplicationsSettings
from services.applications.tests.fakes import InMemoryApplicationStore
from services.applications.use_cases import Deps
from shared.contracts.applications import ApplicationRecorded, LifecycleEvent, ValidateApplication
from shared.contracts.envelope import Actor, utcnow
from shared.errors import Conflict, NotFound
from shared.outbox import Relay
from tests.messages import classified
from tests.support import collect, member, service_broker

ACTOR = Actor(user_id="broker1", role="broker")
CLASSIFIED = "enrollment.application-classified.v1"


@pytest.fixture
async def service():
    """The service's subscribers on an in-memory broker, and what it published, by topic."""
    store = InMemoryApplicationStore()
    deps = Deps(store=store, save_for=timedelta(hours=1))
    deps.relay = Relay(store, partial(use_cases.publish_outbox, deps))
    broker = service_broker(ApplicationsSettings(app_env="test"), deps, subscribers)
    published = collect(
        broker,
        recorded=("enrollment.application-recorded.v1", ApplicationRecorded),
        lifecycle=("enrollment.application-lifecycle.v1", LifecycleEvent),
        validate=("enrollment.validate-application.v1", ValidateApplication),
    )
    async with TestKafkaBroker(broker) as br:
        yield br, deps, store, published


async def test_verdicts_are_stored_once_and_announced_masked(service):
    br, _, store, published = service
    await br.publish_batch(classified(4), classified(4), classified(5, status="error"), topic=CLASSIFIED)
    assert {a: r["status"] for a, r in store.apps.items()} == {"u1-0004": "ready", "u1-0005": "error"}
    assert {e.event_id for e in published["recorded"]} == {"u1-0004:recorded:1", "u1-0005:recorded:1"}
    assert all("123-45-6789" not in e.model_dump_json() for e in published["recorded"])


async def test_an_edit_goes_to_validation_through_the_outbox_and_the_verdict_moves_it(service):
    br, deps, store, published = service
    await br.publish_batch(classified(4), classified(5, status="error"), topic=CLASSIFIED)
    edited = await use_cases.edit(deps, "u1-0005", {**member(5), "zip": "94612"}, ACTOR)
    assert edited["status"] == "validating"
    (command,) = published["validate"]
    assert command.revision == 2 and [r.application_id for r in command.file_rows] == ["u1-0004"]
    assert [e.type for e in published["lifecycle"]] == ["ApplicationEdited"]
    assert store.uploads["u1"]["outbox"] == []  # published, then cleared
    await br.publish_batch(classified(5, revision=2, status="ready"), topic=CLASSIFIED)
    assert store.apps["u1-0005"]["status"] == "ready"


class Down:
    """An outlet whose broker does not answer."""

    async def send_entries(self, entries):
        raise ConnectionError("broker down")


async def test_a_change_whose_events_could_not_be_published_keeps_them_and_the_relay_sends_them_once(service):
    br, deps, store, published = service
    await br.publish_batch(classified(4), topic=CLASSIFIED)
    working, deps.outlet = deps.outlet, Down()
    saved = await use_cases.save_for_later(deps, "u1-0004", ACTOR)
    assert saved["status"] == "saved"  # the change is durable...
    assert [e["event_id"] for e in store.uploads["u1"]["outbox"]] == ["u1-0004:2"]  # ...its event waits
    assert published["lifecycle"] == []
    deps.outlet = working
    assert await deps.relay.round() == 1
    assert await deps.relay.round() == 0
    assert [(e.type, e.event_id) for e in published["lifecycle"]] == [("ApplicationSavedForLater", "u1-0004:2")]


async def test_submit_ready_and_single_submit(service):
    br, deps, store, published = service
    await br.publish_batch(classified(4), classified(5, status="error"), classified(6), topic=CLASSIFIED)
    submitted = await use_cases.submit_ready(deps, "u1", ACTOR)
    assert [a["_id"] for a in submitted] == ["u1-0004", "u1-0006"]
    assert [e.type for e in published["lifecycle"]] == ["ApplicationSubmitted"] * 2
    with pytest.raises(Conflict) as refused:
        await use_cases.submit(deps, "u1-0005", ACTOR)
    assert "fix its errors" in refused.value.detail
    for missing in ("u1-0099", "nope", "../x-0004"):
        with pytest.raises(NotFound):
            await use_cases.delete(deps, missing, ACTOR)


async def test_a_saved_application_expires_after_its_time_and_says_so(service):
    br, deps, store, published = service
    await br.publish_batch(classified(4, status="error"), topic=CLASSIFIED)
    saved = await use_cases.save_for_later(deps, "u1-0004", ACTOR)
    assert timedelta(minutes=59) < saved["expires_at"] - utcnow() <= timedelta(hours=1)
    assert await use_cases.expire_due(deps) == 0
    assert await use_cases.expire_due(deps, now=utcnow() + timedelta(hours=1, seconds=1)) == 1
    assert store.apps["u1-0004"]["status"] == "expired" and store.expiries == {}
    assert [e.type for e in published["lifecycle"]] == ["ApplicationSavedForLater", "ApplicationExpired"]


async def test_a_refused_save_leaves_the_saved_applications_date_alone(service):
    br, deps, store, _ = service
    await br.publish_batch(classified(4, status="error"), topic=CLASSIFIED)
    saved = await use_cases.save_for_later(deps, "u1-0004", ACTOR)
    with pytest.raises(Conflict):
        await use_cases.save_for_later(deps, "u1-0004", ACTOR, now=utcnow() + timedelta(days=10))
    assert store.expiries == {"u1-0004": saved["expires_at"]}
    assert await use_cases.expire_due(deps, now=saved["expires_at"]) == 1


async def test_the_sweep_keeps_an_application_saved_again_due_at_its_own_date(service):
    br, deps, store, published = service
    await br.publish_batch(classified(4, status="error"), topic=CLASSIFIED)
    saved = await use_cases.save_for_later(deps, "u1-0004", ACTOR)
    # A note that lost a race with the save it was for: due earlier than the
    # date the application holds.
    await store.note_expiry("u1-0004", saved["expires_at"] - timedelta(minutes=30))
    assert await use_cases.expire_due(deps, now=saved["expires_at"] - timedelta(minutes=1)) == 0
    assert store.expiries == {"u1-0004": saved["expires_at"]}  # noted anew, not forgotten
    assert await use_cases.expire_due(deps, now=saved["expires_at"]) == 1
    assert published["lifecycle"][-1].type == "ApplicationExpired"


async def test_an_edit_of_one_cell_keeps_the_others_and_validation_gets_them_all(service):
    br, deps, store, published = service
    await br.publish_batch(classified(4), classified(5, status="error"), topic=CLASSIFIED)
    before = deps.cipher.open(store.apps["u1-0005"]["cells"])
    await use_cases.edit(deps, "u1-0005", {"zip": "94612"}, ACTOR)
    kept = {**before, "zip": "94612"}
    assert deps.cipher.open(store.apps["u1-0005"]["cells"]) == kept
    (command,) = published["validate"]
    assert deps.cipher.open(command.cells) == kept


async def test_withdrawing_an_upload_deletes_its_open_applications_in_one_write(service):
    br, deps, store, published = service
    await br.publish_batch(classified(4), classified(5, status="error"), classified(6), topic=CLASSIFIED)
    await use_cases.submit(deps, "u1-0004", ACTOR)
    assert await use_cases.withdraw(deps, "u1", ACTOR) == (2, 1)
    assert [(e.type, e.application_id) for e in published["lifecycle"]] == [
        ("ApplicationSubmitted", "u1-0004"),
        ("ApplicationDeleted", "u1-0005"),
        ("ApplicationDeleted", "u1-0006"),
    ]
    assert store.uploads["u1"]["outbox"] == []  # published, then cleared
    assert await use_cases.withdraw(deps, "u1", ACTOR) == (0, 1)


async def test_rows_classified_after_their_upload_was_withdrawn_are_deleted_as_they_arrive(service):
    br, deps, store, published = service
    assert await use_cases.withdraw(deps, "u1", ACTOR) == (0, 0)  # nothing classified yet
    await br.publish_batch(classified(4), classified(5, status="error"), topic=CLASSIFIED)
    assert {a: r["status"] for a, r in store.apps.items()} == {"u1-0004": "deleted", "u1-0005": "deleted"}
    # Recorded, then deleted at once (not at the relay's next round), so validation releases the members.
    assert [e.event_id for e in published["recorded"]] == ["u1-0004:recorded:1", "u1-0005:recorded:1"]
    assert [(e.type, e.event_id, e.actor) for e in published["lifecycle"]] == [
        ("ApplicationDeleted", "u1-0004:2", ACTOR),
        ("ApplicationDeleted", "u1-0005:2", ACTOR),
    ]
    assert store.uploads["u1"]["outbox"] == []
    await br.publish_batch(classified(4), topic=CLASSIFIED)  # delivered again: deleted already
    assert len(published["lifecycle"]) == 2 and store.apps["u1-0004"]["revision"] == 2
