"""The dashboard's subscribers and queries on FastStream's in-memory broker
and the in-memory read models."""

from datetime import UTC, datetime

import pytest
from faststream.kafka import TestKafkaBroker

from services.dashboard import subscribers, use_cases
from services.dashboard.settings import DashboardSettings
from services.dashboard.tests.fakes import InMemoryReadModels
from services.dashboard.use_cases import Deps
from shared.contracts.applications import (
    ApplicationDeleted,
    ApplicationEdited,
    ApplicationSavedForLater,
    ApplicationSubmitted,
)
from shared.errors import NotFound
from tests.messages import MEMBER, accepted, group_registered, lifecycle, member_enrolled, recorded
from tests.support import service_broker

RECORDED = "enrollment.application-recorded.v1"
LIFECYCLE = "enrollment.application-lifecycle.v1"


@pytest.fixture
async def dashboard():
    deps = Deps(models=InMemoryReadModels())
    async with TestKafkaBroker(service_broker(DashboardSettings(app_env="test"), deps, subscribers)) as br:
        yield br, deps


async def test_the_book_of_business_counts_enrolled_members(dashboard):
    br, deps = dashboard
    await br.publish_batch(
        group_registered(), group_registered("230002", broker_id="broker2"), topic="reference.group-registered.v1"
    )
    await br.publish_batch(
        member_enrolled("223456789", "k", "M1"),
        member_enrolled("223456780", "k", "M2"),
        topic="reference.member-enrolled.v1",
    )
    (mine,) = await use_cases.groups(deps, "broker1", None)
    assert (mine["group_id"], mine["enrolled_count"]) == ("230001", 2)
    assert [g["group_id"] for g in await use_cases.groups(deps, None, ["230002"])] == ["230002"]
    with pytest.raises(NotFound):
        await use_cases.group(deps, "239999")


async def test_an_upload_completes_once_every_row_is_recorded_and_redelivery_does_not_double_count(dashboard):
    br, deps = dashboard
    await br.publish_batch(recorded(4), recorded(5, "error"), topic=RECORDED)
    assert (await use_cases.upload_progress(deps, "u1"))["complete"] is False  # the total is not known yet
    await br.publish(accepted(3), "enrollment.upload-accepted.v1")
    await br.publish_batch(recorded(4), recorded(6, "rejected"), topic=RECORDED)
    progress = await use_cases.upload_progress(deps, "u1")
    assert (progress["complete"], progress["ready"], progress["error"], progress["rejected"]) == (True, 1, 1, 1)
    tab = await use_cases.upload_tab(deps, "u1", "ready", 1, 25)
    assert [r["application_id"] for r in tab["items"]] == ["u1-0004"] and tab["total"] == 1


async def test_lifecycle_events_move_rows_between_lists_and_an_older_one_never_wins(dashboard):
    br, deps = dashboard
    await br.publish_batch(recorded(4), recorded(5, "error"), recorded(6), topic=RECORDED)
    until = datetime(2026, 12, 23, tzinfo=UTC)
    await br.publish_batch(
        lifecycle(ApplicationSavedForLater, 5, 2, expires_at=until),
        lifecycle(ApplicationSubmitted, 4, 2, confirmation_id="ME-ABCD-EF12", member=MEMBER),
        lifecycle(ApplicationDeleted, 6, 2),
        topic=LIFECYCLE,
    )
    counts = await use_cases.upload_progress(deps, "u1")
    assert (counts["ready"], counts["saved"], counts["submitted"], counts["deleted"]) == (0, 1, 1, 1)
    saved = await use_cases.saved(deps, "230001", 1, 25)
    assert [a["application_id"] for a in saved["items"]] == ["u1-0005"] and saved["items"][0]["expires_at"] == until
    history = await use_cases.transactions(deps, "230001", 1, 25)
    assert [(t["transaction_id"], t["status"]) for t in history["items"]] == [("ME-ABCD-EF12", "Pending KP Review")]

    # The saved one is edited (revision 3): it leaves the saved list; a late
    # copy of the save (revision 2) does not bring it back.
    await br.publish_batch(lifecycle(ApplicationEdited, 5, 3, member=MEMBER), topic=LIFECYCLE)
    await br.publish_batch(lifecycle(ApplicationSavedForLater, 5, 2, expires_at=until), topic=LIFECYCLE)
    assert (await use_cases.application(deps, "u1-0005"))["status"] == "validating"
    assert (await use_cases.saved(deps, "230001", 1, 25))["total"] == 0
    # The verdict on the edit (same revision, a later step) wins whichever comes first.
    await br.publish_batch(recorded(5, "ready", revision=3), topic=RECORDED)
    assert (await use_cases.application(deps, "u1-0005"))["status"] == "ready"
    # A submitted application enters the history once, however often it is delivered.
    await br.publish_batch(
        lifecycle(ApplicationSubmitted, 4, 2, confirmation_id="ME-ABCD-EF12", member=MEMBER), topic=LIFECYCLE
    )
    assert (await use_cases.transactions(deps, "230001", 1, 25))["total"] == 1


async def test_the_audit_trail_says_who_did_what_and_when_once_per_event(dashboard):
    from shared.contracts.applications import ArbitrationAgreementAttached

    br, deps = dashboard
    await br.publish(accepted(3), "enrollment.upload-accepted.v1")
    await br.publish_batch(recorded(4), topic=RECORDED)
    attached = ArbitrationAgreementAttached(
        event_id="u1-0004:agreement:1",
        correlation_id="c1",
        application_id="u1-0004",
        upload_id="u1",
        group_id="230001",
        row_number=4,
        file_name="signed.pdf",
        size=2048,
        actor=accepted(3).actor,
    )
    submitted = lifecycle(ApplicationSubmitted, 4, 2, confirmation_id="ME-ABCD-EF12", member=MEMBER)
    for _ in range(2):  # delivered twice: one line each
        await br.publish_batch(attached, submitted, topic=LIFECYCLE)
    trail = await use_cases.audit(deps, "230001", 1, 25)
    assert trail["total"] == 3
    lines = {(t["action"], t["actor_id"], t.get("detail")) for t in trail["items"]}
    assert lines == {
        ("uploaded", "broker1", "m.xlsx, 3 row(s)"),
        ("attached an arbitration agreement to", "broker1", "signed.pdf, 2,048 bytes"),
        ("submitted", "broker1", "confirmation ME-ABCD-EF12"),
    }
    assert (await use_cases.application(deps, "u1-0004"))["status"] == "submitted"  # the attachment moved nothing
    assert (await use_cases.audit(deps, "239999", 1, 25))["total"] == 0
