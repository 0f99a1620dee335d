"""A fixed error report uploaded again, as the dashboard shows it: the new
upload says which upload's error applications it replaces and how many it
replaced; the replaced ones leave the old upload's Error tab."""

import pytest
from faststream.kafka import TestKafkaBroker

from services.dashboard import subscribers, use_cases
from services.dashboard.settings import DashboardSettings
from services.dashboard.tests.fakes import InMemoryReadModels
from services.dashboard.use_cases import Deps
from shared.contracts.applications import REPLACED, ApplicationDeleted
from tests.messages import accepted, recorded
from tests.support import service_broker

RECORDED = "enrollment.application-recorded.v1"
LIFECYCLE = "enrollment.application-lifecycle.v1"


@pytest.fixture
async def dashboard():
    deps = Deps(models=InMemoryReadModels())
    async with TestKafkaBroker(service_broker(DashboardSettings(app_env="test"), deps, subscribers)) as br:
        yield br, deps


def replacing(n: int, status: str = "ready"):
    """The applications service's announcement of row ``n`` of upload "new", which replaced old's row ``n``."""
    event = recorded(n, status)
    return event.model_copy(
        update={
            "event_id": f"new-{n:04d}:recorded:1",
            "application_id": f"new-{n:04d}",
            "upload_id": "new",
            "replaced_application_id": f"old-{n:04d}",
        }
    )


def deleted_as_replaced(n: int) -> ApplicationDeleted:
    return ApplicationDeleted(
        event_id=f"old-{n:04d}:2",
        correlation_id="c1",
        application_id=f"old-{n:04d}",
        upload_id="old",
        group_id="230001",
        row_number=n,
        revision=2,
        actor=None,
        reason=REPLACED,
        replaced_by_application_id=f"new-{n:04d}",
    )


async def test_a_fixed_report_says_what_it_replaces_and_the_replaced_leave_the_old_error_tab(dashboard):
    br, deps = dashboard
    old = accepted(2).model_copy(update={"upload_id": "old", "event_id": "old:accepted"})
    await br.publish(old, "enrollment.upload-accepted.v1")
    errors = [
        recorded(n, "error").model_copy(update={"application_id": f"old-{n:04d}", "upload_id": "old"}) for n in (4, 5)
    ]
    await br.publish_batch(*errors, topic=RECORDED)
    assert (await use_cases.upload_tab(deps, "old", "error", 1, 25))["total"] == 2

    new = accepted(2).model_copy(
        update={"upload_id": "new", "event_id": "new:accepted", "replaces_upload_id": "old", "replaces_applications": 2}
    )
    await br.publish(new, "enrollment.upload-accepted.v1")
    progress = await use_cases.upload_progress(deps, "new")
    assert (progress["replaces_upload_id"], progress["replaces_applications"], progress["replaced_applications"]) == (
        "old",
        2,
        0,
    )
    await br.publish_batch(deleted_as_replaced(4), deleted_as_replaced(5), topic=LIFECYCLE)
    await br.publish_batch(replacing(4), replacing(5), replacing(4), topic=RECORDED)  # one delivered twice
    progress = await use_cases.upload_progress(deps, "new")
    assert (progress["complete"], progress["ready"], progress["replaced_applications"]) == (True, 2, 2)
    assert (await use_cases.upload_tab(deps, "old", "error", 1, 25))["total"] == 0
    old_progress = await use_cases.upload_progress(deps, "old")
    assert (old_progress["error"], old_progress["deleted"], old_progress["replaces_upload_id"]) == (0, 2, None)
    trail = (await use_cases.audit(deps, "230001", 1, 25))["items"]
    assert {e["detail"] for e in trail if e["event"] == "ApplicationDeleted"} == {
        f"{REPLACED} (application new-0004)",
        f"{REPLACED} (application new-0005)",
    }
    assert any("replacing error applications of upload old" in e["detail"] for e in trail if e["upload_id"] == "new")
