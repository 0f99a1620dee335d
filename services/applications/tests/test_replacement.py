"""A fixed error report uploaded again: each row's first verdict replaces the
error application the row names (deleted, with its reason), once, whatever
is delivered twice; a named application that moved on meanwhile is left
alone and the row is validated again as any row."""

from datetime import timedelta
from functools import partial

import pytest
from faststream.kafka import TestKafkaBroker

from services.applications import subscribers, use_cases
from services.applications.domain import UploadApplications
from services.applications.settings import ApplicationsSettings
from services.applications.tests.fakes import InMemoryApplicationStore
from services.applications.use_cases import Deps
from shared.contracts.applications import (
    REPLACED,
    ApplicationClassified,
    ApplicationDeleted,
    ApplicationRecorded,
    LifecycleEvent,
    ValidateApplication,
)
from shared.contracts.envelope import Actor
from shared.outbox import Relay
from tests.messages import classified
from tests.support import collect, service_broker

ACTOR = Actor(user_id="admin1", role="group_admin")
CLASSIFIED = "enrollment.application-classified.v1"


def fixed_row(n: int, replaces: str, status: str = "ready", **update) -> ApplicationClassified:
    """Validation's first verdict on row ``n`` of upload "new", a fixed error report naming ``replaces``."""
    verdict = classified(n, status=status, upload_id="new")
    return verdict.model_copy(update={"replaces_application_id": replaces, **update})


def old_upload(*verdicts: tuple[int, str]) -> UploadApplications:
    aggregate = UploadApplications("old", {})
    aggregate.record([classified(n, status=s, upload_id="old") for n, s in verdicts])
    return aggregate


# --- the aggregate ----------------------------------------------------------------


def test_a_named_error_application_is_deleted_with_its_reason_once():
    old = old_upload((4, "error"), (5, "ready"))
    assert old.replace([fixed_row(4, "old-0004")]) == {"new-0004": "replaced"}
    row = old.rows["old-0004"]
    assert (row["status"], row["revision"], row["replaced_by"]) == ("deleted", 2, "new-0004")
    (event,) = old.events
    assert isinstance(event, ApplicationDeleted) and event.event_id == "old-0004:2"
    assert (event.reason, event.replaced_by_application_id, event.actor) == (
        REPLACED,
        "new-0004",
        fixed_row(4, "x").actor,
    )
    # delivered again: recognised, nothing more happens
    again = UploadApplications("old", dict(old.rows))
    assert again.replace([fixed_row(4, "old-0004")]) == {"new-0004": "replaced"} and again.events == []


@pytest.mark.parametrize(
    ("old_status", "verdict", "outcome"),
    [
        ("ready", {}, "again"),  # fixed in the portal meanwhile: it holds the member
        ("saved", {}, "again"),
        ("ready", {"status": "rejected"}, "stands"),  # rejected anyway: validating again changes nothing
        ("ready", {"ssn_hash": None}, "stands"),  # no SSN to be held against it
        ("deleted", {}, "stands"),  # deleted by the user: it holds no one
        ("error", {"ssn_hash": "another member"}, "stands"),  # another member's row: the application stays
    ],
)
def test_a_named_application_that_is_not_in_error_or_is_another_members_is_left_alone(old_status, verdict, outcome):
    old = UploadApplications("old", {})
    old.record([classified(4, status="error", upload_id="old")])
    old.rows["old-0004"] = {**old.rows["old-0004"], "status": old_status}
    before = dict(old.rows)
    assert old.replace([fixed_row(4, "old-0004", **verdict)]) == {"new-0004": outcome}
    assert old.rows == before and old.events == []


def test_an_application_another_row_replaced_may_hold_the_member_so_the_second_row_is_validated_again():
    old = old_upload((4, "error"))
    old.replace([fixed_row(4, "old-0004")])
    second = fixed_row(4, "old-0004").model_copy(update={"application_id": "newer-0004", "upload_id": "newer"})
    assert old.replace([second]) == {"newer-0004": "again"}


def test_another_groups_application_is_never_replaced():
    old = old_upload((4, "error"))
    assert old.replace([fixed_row(4, "old-0004", group_id="230999")]) == {"new-0004": "stands"}
    assert old.rows["old-0004"]["status"] == "error"


def test_the_row_that_replaced_one_says_so_when_recorded_and_when_recorded_again():
    new = UploadApplications("new", {})
    (event,) = new.record([fixed_row(4, "old-0004")], {"new-0004": "replaced"})
    assert event.replaced_application_id == "old-0004" and new.rows["new-0004"]["status"] == "ready"
    (again,) = new.record([fixed_row(4, "old-0004")])  # a redelivery: the decision kept with the row
    assert (again.event_id, again.replaced_application_id) == (event.event_id, "old-0004")


def test_a_row_whose_named_application_moved_on_is_validated_again_and_only_its_second_verdict_announced():
    new = UploadApplications("new", {})
    announced = new.record([fixed_row(4, "old-0004"), classified(5, upload_id="new")], {"new-0004": "again"})
    assert [e.application_id for e in announced] == ["new-0005"]
    row = new.rows["new-0004"]
    assert (row["status"], row["revision"], row["replacement"]) == ("validating", 2, "again")
    (command,) = new.events
    assert isinstance(command, ValidateApplication) and command.event_id == "new-0004:validate:2"
    assert command.revision == 2 and command.cells == fixed_row(4, "old-0004").cells
    assert new.record([fixed_row(4, "old-0004")]) == [] and len(new.events) == 1  # redelivered: no second command
    (second,) = new.record([classified(4, status="rejected", revision=2, upload_id="new")])
    assert second.status == "rejected" and second.replaced_application_id is None
    assert new.rows["new-0004"]["status"] == "rejected"


# --- the service --------------------------------------------------------------------


@pytest.fixture
async def service():
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


async def test_recording_a_fixed_row_deletes_the_error_application_it_replaces_once(service):
    br, _, store, published = service
    await br.publish_batch(
        classified(4, "error", upload_id="old"), classified(5, "error", upload_id="old"), topic=CLASSIFIED
    )
    rows = (fixed_row(4, "old-0004"), fixed_row(5, "old-0005", status="error"))
    await br.publish_batch(*rows, topic=CLASSIFIED)
    assert {a: r["status"] for a, r in store.apps.items() if a.startswith("old")} == {
        "old-0004": "deleted",
        "old-0005": "deleted",
    }
    assert [(e.type, e.application_id, e.reason) for e in published["lifecycle"]] == [
        ("ApplicationDeleted", "old-0004", REPLACED),
        ("ApplicationDeleted", "old-0005", REPLACED),
    ]
    assert store.uploads["old"]["outbox"] == []  # published at once
    new = [e for e in published["recorded"] if e.upload_id == "new"]
    assert [(e.application_id, e.status, e.replaced_application_id) for e in new] == [
        ("new-0004", "ready", "old-0004"),
        ("new-0005", "error", "old-0005"),
    ]
    # the same verdicts delivered again: nothing deleted twice, the same announcements
    await br.publish_batch(*rows, topic=CLASSIFIED)
    assert len(published["lifecycle"]) == 2
    assert {e.event_id for e in published["recorded"] if e.upload_id == "new"} == {e.event_id for e in new}


async def test_a_crash_between_the_replacement_and_the_record_is_made_good_by_the_redelivery(service):
    br, deps, store, published = service
    await br.publish_batch(classified(4, "error", upload_id="old"), topic=CLASSIFIED)
    await use_cases._replace(deps, "new", [fixed_row(4, "old-0004")])  # the first write, then the process stopped
    assert store.apps["old-0004"]["status"] == "deleted" and "new" not in store.uploads
    await br.publish_batch(fixed_row(4, "old-0004"), topic=CLASSIFIED)
    assert store.apps["new-0004"]["replacement"] == "replaced"
    assert [e.replaced_application_id for e in published["recorded"] if e.upload_id == "new"] == ["old-0004"]
    assert len(published["lifecycle"]) == 1


async def test_a_named_application_fixed_meanwhile_stays_and_the_row_is_validated_again(service):
    br, deps, store, published = service
    await br.publish_batch(classified(4, "error", upload_id="old"), topic=CLASSIFIED)
    await use_cases.save_for_later(deps, "old-0004", ACTOR)  # the user acted on it in the portal meanwhile
    await br.publish_batch(fixed_row(4, "old-0004"), classified(5, upload_id="new"), topic=CLASSIFIED)
    assert store.apps["old-0004"]["status"] == "saved"
    assert store.apps["new-0004"]["status"] == "validating"
    (command,) = published["validate"]
    assert (command.application_id, command.revision) == ("new-0004", 2)
    assert [r.application_id for r in command.file_rows] == ["new-0005"]
    assert [e.application_id for e in published["recorded"] if e.upload_id == "new"] == ["new-0005"]
    # validation's answer, as any row's: announced
    await br.publish_batch(classified(4, "rejected", revision=2, upload_id="new"), topic=CLASSIFIED)
    assert store.apps["new-0004"]["status"] == "rejected"
    assert published["recorded"][-1].application_id == "new-0004"
    # the first verdict delivered again changes nothing and sends nothing again
    await br.publish_batch(fixed_row(4, "old-0004"), topic=CLASSIFIED)
    assert len(published["validate"]) == 1 and store.apps["old-0004"]["status"] == "saved"
