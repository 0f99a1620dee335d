"""The applications service's outbox on the real servers: a change written
just before the process died is announced after the restart, once."""

import asyncio

import pytest

from services.applications.app import create_app
from services.applications.settings import ApplicationsSettings
from tests.integration.conftest import as_user, db_name, publish, running
from tests.messages import classified
from tests.support import eventually, read_topic, topic_size

pytestmark = pytest.mark.integration


class DiesWhilePublishing:
    """An outlet that never finishes: the process is killed in the middle of publishing."""

    def __init__(self) -> None:
        self.reached = asyncio.Event()

    async def send_entries(self, entries):
        self.reached.set()
        await asyncio.Event().wait()


async def test_an_event_written_before_a_crash_is_published_after_the_restart_once(common, prefix, topics, infra):
    settings = ApplicationsSettings(**common, database=db_name(prefix, "applications"), outbox_relay_seconds=0.2)
    app = create_app(settings)
    async with running(app) as http:
        await publish(infra, topics.application_classified, classified(2, "error"))
        await eventually(lambda: app.state.deps.store.get("u1-0002"))
        dying = app.state.deps.outlet = DiesWhilePublishing()
        request = asyncio.create_task(http.post("/applications/u1-0002/save", headers=as_user("admin1", "group_admin")))
        await asyncio.wait_for(dying.reached.wait(), 10)
        # The write is durable, its event is in the outbox, nothing is published: now the process dies.
        assert (await app.state.deps.store.get("u1-0002"))["status"] == "saved"
        request.cancel()
    assert await topic_size(infra.kafka_bootstrap, topics.application_lifecycle) == 0

    restarted = create_app(settings)
    async with running(restarted):
        await eventually(lambda: _outbox_empty(restarted), timeout=30)
        out = await read_topic(infra.kafka_bootstrap, topics.application_lifecycle, expect=1)
        assert await topic_size(infra.kafka_bootstrap, topics.application_lifecycle) == 1
    ((_, event),) = out
    assert (event["type"], event["event_id"], event["status"]) == ("ApplicationSavedForLater", "u1-0002:2", "saved")


async def _outbox_empty(app) -> bool:
    return await app.state.deps.store.outbox("u1") == []
