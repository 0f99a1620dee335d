"""Validation, applications and dashboard, each on the real servers, fed by
real messages on their topics."""

import pytest

from services.applications.app import create_app as applications_app
from services.applications.settings import ApplicationsSettings
from services.dashboard.app import create_app as dashboard_app
from services.dashboard.settings import DashboardSettings
from services.validation.app import create_app as validation_app
from services.validation.settings import ValidationSettings
from shared.contracts.envelope import Actor
from shared.kafka import ensure_topics
from shared.mongo import make_client
from tests.integration.conftest import as_user, db_name, publish, running
from tests.messages import accepted, classified, group_registered, member_enrolled, recorded, row_parsed
from tests.support import eventually, member, read_topic

pytestmark = pytest.mark.integration
ACTOR = Actor(user_id="broker1", role="broker")


async def test_validation_classifies_rows_with_its_reference_projection(common, prefix, topics, infra):
    settings = ValidationSettings(**common, database=db_name(prefix, "validation"))
    key = settings.pii_hash_key.get_secret_value()
    enrolled = member_enrolled("223456789", key)
    await publish(infra, topics.group_registered, group_registered())
    await publish(infra, topics.member_enrolled, enrolled)
    async with running(validation_app(settings)) as http:
        await eventually(lambda: _health_groups(http))
        # the member projection is written in the same start-up; wait for it too
        await _wait_members(settings)
        await publish(
            infra,
            topics.member_row_parsed,
            row_parsed(2, member(1), 4),
            row_parsed(3, member(2, last_name=None), 4),
            row_parsed(4, member(3, subgroup_id="0042"), 4),
            row_parsed(5, member(4, ssn="223-45-6789"), 4),
        )
        out = await read_topic(infra.kafka_bootstrap, topics.application_classified, expect=4)
    verdicts = {v["row_number"]: (v["status"], [i["code"] for i in v["issues"]]) for _, v in out}
    assert verdicts == {
        2: ("ready", []),
        3: ("error", ["required"]),
        4: ("rejected", ["subgroup_invalid"]),
        5: ("rejected", ["already_enrolled"]),
    }
    assert {k for k, _ in out} == {b"230001"}


async def _health_groups(http):
    return (await http.get("/healthz")).json()["groups"] >= 1


async def _wait_members(settings):
    client = make_client(settings.mongodb_uri)
    try:
        await eventually(lambda: client[settings.database].enrolled_members.count_documents({}))
    finally:
        await client.close()


async def test_applications_stores_each_row_once_and_publishes_masked_events(common, prefix, topics, infra):
    settings = ApplicationsSettings(**common, database=db_name(prefix, "applications"))
    async with running(applications_app(settings)) as http:
        # row 2 delivered twice, row 3 once
        await publish(infra, topics.application_classified, classified(2), classified(2), classified(3, "error"))
        out = await read_topic(infra.kafka_bootstrap, topics.application_recorded, expect=3)
        stored = [
            *(await http.get("/uploads/u1/applications", params={"status": "ready"})).json(),
            *(await http.get("/uploads/u1/applications", params={"status": "error"})).json(),
        ]
        assert [(a["application_id"], a["status"], a["revision"]) for a in stored] == [
            ("u1-0002", "ready", 1),
            ("u1-0003", "error", 1),
        ]
    assert {v["application_id"] for _, v in out} == {"u1-0002", "u1-0003"}
    for _, v in out:
        assert v["member"]["ssn_last4"] == "6789" and "123-45-6789" not in str(v) and "date_of_birth" not in str(v)


async def test_dashboard_projects_upload_progress_without_double_counting(common, prefix, topics, infra):
    settings = DashboardSettings(**common, database=db_name(prefix, "dashboard"))
    async with running(dashboard_app(settings)) as http:
        await publish(infra, topics.group_registered, group_registered())
        await publish(infra, topics.application_recorded, recorded(2, "ready"), recorded(3, "error"))
        await eventually(lambda: _progress(http, lambda p: p["classified"] == 2))
        assert (await http.get("/uploads/u1")).json()["complete"] is False  # total not known yet

        await publish(infra, topics.upload_accepted, accepted(total_rows=3))
        # redelivery of row 2 and the last row
        await publish(infra, topics.application_recorded, recorded(2, "ready"), recorded(4, "rejected"))
        progress = await eventually(lambda: _progress(http, lambda p: p["complete"]))
        assert progress | {} == {
            "upload_id": "u1",
            "group_id": "230001",
            "file_name": "m.xlsx",
            "status": "complete",
            "total_rows": 3,
            "classified": 3,
            "ready": 1,
            "error": 1,
            "rejected": 1,
            **{s: 0 for s in ("validating", "saved", "submitted", "deleted", "expired")},
            "complete": True,
            "replaces_upload_id": None,  # not a fixed error report
            "replaces_applications": 0,
            "replaced_applications": 0,
        }
        # Another topic, another consumer: the group arrives in its own time.
        groups = await eventually(lambda: _groups(http, "broker1"))
        assert [g["group_id"] for g in groups] == ["230001"]
        assert (await http.get("/groups", params={"broker_id": "broker2"})).json() == []


async def _groups(http, broker_id):
    return (await http.get("/groups", params={"broker_id": broker_id})).json() or None


async def _progress(http, predicate):
    answer = await http.get("/uploads/u1")
    return answer.json() if answer.status_code == 200 and predicate(answer.json()) else None


class FailsOnce:
    """Wraps a store: the first write fails, as a database outage would."""

    def __init__(self, store) -> None:
        self.store = store
        self.calls = 0

    async def change(self, upload_id, decide, fields):
        self.calls += 1
        if self.calls == 1:
            raise ConnectionError("database unavailable")
        return await self.store.change(upload_id, decide, fields)

    def __getattr__(self, name):
        return getattr(self.store, name)


async def test_a_failed_write_is_redelivered_because_its_offset_was_not_committed(common, prefix, topics, infra):
    settings = ApplicationsSettings(**common, database=db_name(prefix, "applications"))
    app = applications_app(settings)
    async with running(app):
        flaky = FailsOnce(app.state.deps.store)
        app.state.deps.store = flaky
        await publish(infra, topics.application_classified, classified(2))
        out = await read_topic(infra.kafka_bootstrap, topics.application_recorded, expect=1)
        assert [v["application_id"] for _, v in out] == ["u1-0002"]
        assert flaky.calls == 2  # failed, sought back, delivered again
        assert (await flaky.store.get("u1-0002"))["status"] == "ready"


async def test_a_saved_application_expires_and_the_expiry_is_published(common, prefix, topics, infra):
    settings = ApplicationsSettings(
        **common, database=db_name(prefix, "applications"), save_for_later_seconds=1, expiry_sweep_seconds=0.2
    )
    app = applications_app(settings)
    async with running(app) as http:
        await publish(infra, topics.application_classified, classified(2, "error"))
        await eventually(lambda: app.state.deps.store.get("u1-0002"))
        saved = await http.post("/applications/u1-0002/save", headers=as_user("broker1", "broker"))
        assert saved.status_code == 200 and saved.json()["status"] == "saved"
        out = await read_topic(infra.kafka_bootstrap, topics.application_lifecycle, expect=2, timeout=15)
        assert [v["type"] for _, v in out] == ["ApplicationSavedForLater", "ApplicationExpired"]
        assert out[1][1]["actor"] is None
        assert (await http.get("/applications/u1-0002")).json()["status"] == "expired"
        refused = await http.post("/applications/u1-0002/submit", headers=as_user("broker1", "broker"))
        assert refused.status_code == 409 and "ready" in refused.json()["detail"]


class FailsFor:
    """Wraps a store: writes that include one application always fail, as a bug would."""

    def __init__(self, store, poison: str) -> None:
        self.store = store
        self.poison = poison

    async def change(self, upload_id, decide, fields):
        def buggy(aggregate):
            result = decide(aggregate)
            if self.poison in aggregate.rows:
                raise ValueError("a bug")
            return result

        return await self.store.change(upload_id, buggy, fields)

    def __getattr__(self, name):
        return getattr(self.store, name)


async def test_a_batch_that_keeps_failing_moves_to_the_dead_letter_topic_and_the_partition_goes_on(
    common, prefix, topics, infra
):
    settings = ApplicationsSettings(
        **common,
        database=db_name(prefix, "applications"),
        kafka_retry_backoff_seconds=0.05,
        kafka_dead_letter_after=3,
    )
    await ensure_topics(infra.kafka_bootstrap, [topics.application_classified + ".dead-letter"])
    app = applications_app(settings)
    async with running(app):
        app.state.deps.store = FailsFor(app.state.deps.store, "u1-0009")
        await publish(infra, topics.application_classified, classified(9))
        ((key, dead),) = await read_topic(infra.kafka_bootstrap, topics.application_classified + ".dead-letter", 1)
        assert dead["application_id"] == "u1-0009" and key == b"230001"
        await publish(infra, topics.application_classified, classified(2))
        out = await read_topic(infra.kafka_bootstrap, topics.application_recorded, expect=1)
        assert [v["application_id"] for _, v in out] == ["u1-0002"]
