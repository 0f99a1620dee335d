import json
from datetime import timedelta

import pytest
from faststream.kafka import TestKafkaBroker

from services.applications import handlers
from services.applications.adapters import InMemoryApplicationStore
from services.applications.app import build_broker
from services.applications.domain import ActionRefused, confirmation_id, recorded_event
from services.applications.handlers import Deps
from services.applications.settings import ApplicationsSettings
from shared.contracts.applications import (
    ApplicationRecorded,
    LifecycleEvent,
    ValidateApplication,
)
from shared.contracts.envelope import Actor, utcnow
from tests.messages import classified
from tests.support import member

ACTOR = Actor(user_id="broker1", role="broker")
CLASSIFIED = "enrollment.application-classified.v1"


@pytest.fixture
async def service():
    """The service's broker in memory, with what it published collected by topic."""
    store = InMemoryApplicationStore()
    deps = Deps(store=store)
    broker = build_broker(ApplicationsSettings(app_env="test", save_for_later_seconds=3600), deps)
    published: dict[str, list] = {"recorded": [], "lifecycle": [], "validate": []}

    @broker.subscriber("enrollment.application-recorded.v1")
    async def recorded(msg: ApplicationRecorded):
        published["recorded"].append(msg)

    @broker.subscriber("enrollment.application-lifecycle.v1")
    async def lifecycle(msg: LifecycleEvent):
        published["lifecycle"].append(msg)

    @broker.subscriber("enrollment.validate-application.v1")
    async def validate(msg: ValidateApplication):
        published["validate"].append(msg)

    async with TestKafkaBroker(broker) as br:
        yield br, deps, store, published


def test_recorded_event_masks_ssn_and_leaves_out_date_of_birth():
    text = recorded_event(classified()).model_dump_json()
    assert "123-45-6789" not in text and "123456789" not in text and "1988-06-15" not in text
    assert json.loads(text)["member"]["ssn_last4"] == "6789"


def test_confirmation_ids_are_readable_stable_and_distinct():
    ids = {confirmation_id(f"u1-{n:04d}") for n in range(4, 254)}
    assert len(ids) == 250
    assert confirmation_id("u1-0004") == confirmation_id("u1-0004")
    assert all(len(i) == 12 and i.startswith("ME-") and not set(i) & set("ILOU") for i in ids)


async def test_the_same_row_delivered_twice_is_one_application_and_old_revisions_never_win(service):
    br, _, store, published = service
    await br.publish(classified(), CLASSIFIED)
    await br.publish(classified(), CLASSIFIED)
    await br.publish(classified(revision=2, status="error"), CLASSIFIED)
    await br.publish(classified(revision=1), CLASSIFIED)
    assert list(store.apps) == ["u1-0004"]
    assert store.apps["u1-0004"]["revision"] == 2 and store.apps["u1-0004"]["status"] == "error"
    assert {e.event_id for e in published["recorded"]} == {"u1-0004:recorded:1", "u1-0004:recorded:2"}


async def test_submit_ready_gives_each_a_confirmation_id_and_leaves_errors(service):
    br, deps, store, published = service
    for n, status in [(4, "ready"), (5, "error"), (6, "ready")]:
        await br.publish(classified(n, status=status), CLASSIFIED)
    submitted = await handlers.submit_ready(deps, "u1", ACTOR)
    assert [a["_id"] for a in submitted] == ["u1-0004", "u1-0006"]
    assert store.apps["u1-0005"]["status"] == "error"
    events = published["lifecycle"]
    assert [(e.type, e.confirmation_id) for e in events] == [
        ("ApplicationSubmitted", confirmation_id("u1-0004")),
        ("ApplicationSubmitted", confirmation_id("u1-0006")),
    ]
    assert "123-45-6789" not in events[0].model_dump_json()
    assert await handlers.submit_ready(deps, "u1", ACTOR) == []  # nothing ready is left
    with pytest.raises(ActionRefused) as refused:
        await handlers.submit(deps, "u1-0005", ACTOR)
    assert refused.value.status_code == 409 and "fix its errors" in refused.value.message


async def test_edit_sends_the_file_for_validation_and_the_answer_moves_it(service):
    br, deps, store, published = service
    await br.publish(classified(4), CLASSIFIED)
    await br.publish(classified(5, status="error"), CLASSIFIED)
    edited = await handlers.edit(deps, "u1-0005", {**member(5), "zip": "94612"}, ACTOR)
    assert edited["status"] == "validating" and edited["revision"] == 2
    (command,) = published["validate"]
    assert command.revision == 2 and [r.application_id for r in command.file_rows] == ["u1-0004"]
    assert published["lifecycle"][-1].type == "ApplicationEdited"
    await br.publish(classified(5, revision=2, status="ready"), CLASSIFIED)
    assert store.apps["u1-0005"]["status"] == "ready"


async def test_save_for_later_expires_after_its_time_and_says_so(service):
    br, deps, store, published = service
    await br.publish(classified(4, status="error"), CLASSIFIED)
    saved = await handlers.save_for_later(deps, "u1-0004", ACTOR)
    assert saved["status"] == "saved"
    assert timedelta(minutes=59) < saved["expires_at"] - utcnow() <= timedelta(hours=1)
    assert await handlers.expire_due(deps) == 0
    assert await handlers.expire_due(deps, now=utcnow() + timedelta(hours=1, seconds=1)) == 1
    assert store.apps["u1-0004"]["status"] == "expired"
    assert [e.type for e in published["lifecycle"]] == ["ApplicationSavedForLater", "ApplicationExpired"]
    assert published["lifecycle"][-1].actor is None


async def test_actions_allowed_by_status(service):
    br, deps, _, _ = service
    await br.publish(classified(4, status="rejected"), CLASSIFIED)
    for action in (handlers.save_for_later, handlers.submit):
        with pytest.raises(ActionRefused):
            await action(deps, "u1-0004", ACTOR)
    with pytest.raises(ActionRefused):
        await handlers.edit(deps, "u1-0004", member(4), ACTOR)
    deleted = await handlers.delete(deps, "u1-0004", ACTOR)
    assert deleted["status"] == "deleted"
    with pytest.raises(ActionRefused) as refused:
        await handlers.delete(deps, "u1-0004", ACTOR)
    assert refused.value.status_code == 409
    with pytest.raises(ActionRefused) as missing:
        await handlers.delete(deps, "nope", ACTOR)
    assert missing.value.status_code == 404


async def test_delete_all_error_applications(service):
    br, deps, store, _ = service
    for n, status in [(4, "ready"), (5, "error"), (6, "error")]:
        await br.publish(classified(n, status=status), CLASSIFIED)
    assert await handlers.delete_errors(deps, "u1", ACTOR) == 2
    assert [a["status"] for a in store.apps.values()] == ["ready", "deleted", "deleted"]


def test_arbitration_agreements_are_pdfs_of_california_and_hawaii_groups_only():
    from services.applications.domain import check_agreement

    pdf = b"%PDF-1.7\n" + b"0" * 100
    ca = {"_id": "u1-0004", "region": "CA", "status": "ready"}
    check_agreement(ca, pdf, 1000)
    check_agreement({**ca, "region": "HI", "status": "submitted"}, pdf, 1000)
    for app, data, limit, code in [
        ({**ca, "region": "CO"}, pdf, 1000, 403),
        (ca, b"GIF89a...", 1000, 415),
        (ca, pdf, 50, 413),
        (ca, b"", 1000, 400),
        ({**ca, "status": "deleted"}, pdf, 1000, 409),
    ]:
        with pytest.raises(ActionRefused) as refused:
            check_agreement(app, data, limit)
        assert refused.value.status_code == code
