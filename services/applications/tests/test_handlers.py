import json

from faststream.kafka import TestKafkaBroker

from services.applications.adapters import InMemoryApplicationStore
from services.applications.app import build_broker
from services.applications.domain import recorded_event
from services.applications.handlers import Deps
from services.applications.settings import ApplicationsSettings
from shared.contracts.applications import ApplicationClassified, ApplicationRecorded
from shared.contracts.envelope import Actor
from tests.support import member


def classified(revision: int = 1, status: str = "ready") -> ApplicationClassified:
    return ApplicationClassified(
        event_id=f"u1:row:2:classified:{revision}",
        correlation_id="c1",
        application_id="u1-0002",
        upload_id="u1",
        group_id="230001",
        row_number=2,
        status=status,
        issues=[],
        cells=member(1, ssn="123-45-6789", date_of_birth="1988-06-15"),
        ssn_hash="h",
        revision=revision,
        actor=Actor(user_id="broker1", role="broker"),
    )


def test_recorded_event_masks_ssn_and_leaves_out_date_of_birth():
    text = recorded_event(classified()).model_dump_json()
    assert "123-45-6789" not in text and "123456789" not in text and "1988-06-15" not in text
    assert json.loads(text)["member"]["ssn_last4"] == "6789"


async def test_the_same_row_delivered_twice_is_one_application_and_old_revisions_never_win():
    store = InMemoryApplicationStore()
    broker = build_broker(ApplicationsSettings(app_env="test"), Deps(store=store))
    recorded: list[ApplicationRecorded] = []

    @broker.subscriber("enrollment.application-recorded.v1")
    async def collect(msg: ApplicationRecorded):
        recorded.append(msg)

    async with TestKafkaBroker(broker) as br:
        await br.publish(classified(), "enrollment.application-classified.v1")
        await br.publish(classified(), "enrollment.application-classified.v1")
        await br.publish(classified(revision=2, status="error"), "enrollment.application-classified.v1")
        await br.publish(classified(revision=1), "enrollment.application-classified.v1")

    assert list(store.apps) == ["u1-0002"]
    assert store.apps["u1-0002"]["revision"] == 2 and store.apps["u1-0002"]["status"] == "error"
    assert {e.event_id for e in recorded} == {"u1-0002:recorded:1", "u1-0002:recorded:2"}
