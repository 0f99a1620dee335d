"""The portal's Manage Members and My uploads lists, and the UploadProgressed
notifications, on FastStream's in-memory broker and the in-memory read models."""

from datetime import UTC, datetime, timedelta

import pytest
from faststream import Context
from faststream.kafka import TestKafkaBroker

from services.applications.domain import recorded_event
from services.dashboard import subscribers, use_cases
from services.dashboard.settings import DashboardSettings
from services.dashboard.tests.fakes import InMemoryReadModels
from services.dashboard.use_cases import Deps
from shared.contracts.applications import ApplicationDeleted, ArbitrationAgreementAttached
from shared.contracts.reference import MemberEnrolled
from shared.contracts.uploads import UploadProgressed
from shared.errors import BadInput
from tests.messages import BROKER, accepted, classified, group_registered, lifecycle, recorded
from tests.support import service_broker

ACCEPTED = "enrollment.upload-accepted.v1"
RECORDED = "enrollment.application-recorded.v1"
LIFECYCLE = "enrollment.application-lifecycle.v1"
PROGRESSED = "enrollment.upload-progressed.v1"


@pytest.fixture
async def dashboard():
    """The dashboard on the in-memory broker, and what it publishes as UploadProgressed: (key, event)."""
    deps = Deps(models=InMemoryReadModels())
    broker = service_broker(DashboardSettings(app_env="test"), deps, subscribers)
    published: list[tuple[bytes, UploadProgressed]] = []

    @broker.subscriber(PROGRESSED)
    async def keep(event: UploadProgressed, message=Context("message")) -> None:
        published.append((message.raw_message.key, event))

    async with TestKafkaBroker(broker) as br:
        yield br, deps, published


def progress_of(event: UploadProgressed) -> tuple:
    fields = ("upload_id", "total_rows", "classified", "ready", "error", "rejected", "complete")
    return tuple(getattr(event, f) for f in fields)


async def test_each_batch_announces_one_progress_per_upload_with_the_stored_counts(dashboard):
    br, _, published = dashboard
    # Rows before their upload's event: no total yet, nothing to announce.
    await br.publish_batch(recorded(4), topic=RECORDED)
    assert published == []

    await br.publish_batch(accepted(3), accepted(2, upload_id="u2"), topic=ACCEPTED)
    assert sorted(progress_of(e) for _, e in published) == [
        ("u1", 3, 1, 1, 0, 0, False),
        ("u2", 2, 0, 0, 0, 0, False),
    ]

    # One batch, five verdicts on two uploads: one notification each, coalesced.
    published.clear()
    u2_rows = [recorded_event(classified(n, status, upload_id="u2")) for n, status in ((4, "ready"), (5, "error"))]
    await br.publish_batch(recorded(5, "error"), recorded(6, "rejected"), *u2_rows, recorded(4), topic=RECORDED)
    assert sorted(progress_of(e) for _, e in published) == [
        ("u1", 3, 3, 1, 1, 1, True),
        ("u2", 2, 2, 1, 1, 0, True),
    ]
    assert {key for key, _ in published} == {b"230001"}  # keyed by group
    assert all(e.group_id == "230001" and e.correlation_id == "c1" for _, e in published)
    first_ids = sorted(e.event_id for _, e in published)

    # The same batch again: the same state, announced with the same ids.
    published.clear()
    await br.publish_batch(recorded(5, "error"), recorded(6, "rejected"), *u2_rows, recorded(4), topic=RECORDED)
    assert sorted(e.event_id for _, e in published) == first_ids

    # A lifecycle batch: the deleted rejection leaves the counts, still classified and complete.
    published.clear()
    attached = ArbitrationAgreementAttached(
        event_id="u1-0004:agreement:1",
        correlation_id="c1",
        application_id="u1-0004",
        upload_id="u1",
        group_id="230001",
        row_number=4,
        file_name="signed.pdf",
        size=2048,
        actor=BROKER,
    )
    await br.publish_batch(lifecycle(ApplicationDeleted, 6, 2), attached, topic=LIFECYCLE)
    assert [progress_of(e) for _, e in published] == [("u1", 3, 3, 1, 1, 0, True)]
    assert published[0][1].event_id not in first_ids

    # An attachment changes no status: nothing to announce.
    published.clear()
    await br.publish_batch(attached, topic=LIFECYCLE)
    assert published == []


async def test_a_notification_carries_counts_and_nothing_personal(dashboard):
    br, _, published = dashboard
    await br.publish(accepted(1), ACCEPTED)
    await br.publish_batch(recorded(4), topic=RECORDED)
    fields = set(published[-1][1].model_dump())
    assert fields - {"event_id", "type", "schema_version", "occurred_at", "correlation_id"} == {
        "upload_id",
        "group_id",
        "total_rows",
        "classified",
        "ready",
        "error",
        "rejected",
        "complete",
    }
    assert "6789" not in published[-1][1].model_dump_json()  # not even the last four


def enrolled(member_id: str, first: str, last: str, last4: str, group_id: str = "230001", **more) -> MemberEnrolled:
    return MemberEnrolled(
        event_id=f"m:{member_id}",
        correlation_id="seed",
        member_id=member_id,
        group_id=group_id,
        subgroup_id=more.pop("subgroup_id", "0001"),
        first_name=first,
        last_name=last,
        ssn_hash="h" * 64,
        ssn_last4=last4,
        **more,
    )


MEMBERS = [
    enrolled("M1", "Maria", "Garcia", "1001"),
    enrolled("M2", "aiko", "tanaka", "1002"),
    enrolled("M3", "Luis", "Garcia", "1003", relationship="Spouse"),
    enrolled("M4", "Grace", "de la Cruz", "1004", subgroup_id="0002"),
    enrolled("M5", "Omar", "Chen", "1005"),
    enrolled("M6", "Zoe", "Abbott", "9999", group_id="230002"),  # another group
]


async def members_of(deps: Deps, q: str | None = None, page: int = 1, page_size: int = 25) -> dict:
    return await use_cases.members(deps, "230001", q, page, page_size)


def names(answer: dict) -> list[str]:
    return [f"{m['last_name']}, {m['first_name']}" for m in answer["items"]]


async def test_manage_members_lists_a_groups_members_by_last_then_first_name_a_page_at_a_time(dashboard):
    br, deps, _ = dashboard
    await br.publish(group_registered(subgroups=("0001", "0002")), "reference.group-registered.v1")
    await br.publish_batch(*MEMBERS, topic="reference.member-enrolled.v1")

    everyone = await members_of(deps)
    assert names(everyone) == ["Chen, Omar", "de la Cruz, Grace", "Garcia, Luis", "Garcia, Maria", "tanaka, aiko"]
    assert everyone["total"] == 5
    grace = everyone["items"][1]
    assert grace == {
        "member_id": "M4",
        "first_name": "Grace",
        "last_name": "de la Cruz",
        "relationship": "Subscriber",
        "subgroup_id": "0002",
        "subgroup_name": "Subgroup 0002",
        "ssn_last4": "1004",
    }
    assert everyone["items"][2]["relationship"] == "Spouse"

    second = await members_of(deps, page=2, page_size=2)
    assert (names(second), second["total"], second["page"], second["page_size"]) == (
        ["Garcia, Luis", "Garcia, Maria"],
        5,
        2,
        2,
    )
    assert (await members_of(deps, page=4, page_size=2))["items"] == []
    assert (await use_cases.members(deps, "239999", None, 1, 25))["total"] == 0


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("garcia", ["Garcia, Luis", "Garcia, Maria"]),
        ("  GAR ", ["Garcia, Luis", "Garcia, Maria"]),
        ("maria garcia", ["Garcia, Maria"]),
        ("Garcia Maria", ["Garcia, Maria"]),
        ("de la", ["de la Cruz, Grace"]),
        ("TANAKA", ["tanaka, aiko"]),
        ("1003", ["Garcia, Luis"]),
        ("9999", []),  # another group's member
        ("nobody", []),
        ("gar\x00cia", ["Garcia, Luis", "Garcia, Maria"]),  # two words, each in the name
        ("lu\x00", ["Garcia, Luis"]),
        ("", ["Chen, Omar", "de la Cruz, Grace", "Garcia, Luis", "Garcia, Maria", "tanaka, aiko"]),
    ],
)
async def test_manage_members_finds_members_by_name_or_last_four(dashboard, q, found):
    br, deps, _ = dashboard
    await br.publish_batch(*MEMBERS, topic="reference.member-enrolled.v1")
    answer = await members_of(deps, q)
    assert (names(answer), answer["total"]) == (found, len(found))


@pytest.mark.parametrize("q", ["123-45-1003", "123451003", "100", "Maria 1003"])
async def test_a_search_with_other_digits_than_a_last_four_is_refused_without_echoing_them(dashboard, q):
    _, deps, _ = dashboard
    with pytest.raises(BadInput) as refused:
        await members_of(deps, q)
    assert refused.value.code == "bad_member_search" and "last four digits" in refused.value.detail
    assert q not in refused.value.detail


async def test_my_uploads_lists_a_groups_uploads_newest_first_with_their_counts(dashboard):
    br, deps, _ = dashboard
    start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    uploads = [
        accepted(3, upload_id=f"u{n}").model_copy(update={"occurred_at": start + timedelta(hours=n)}) for n in (1, 3, 2)
    ]
    other = accepted(1, upload_id="x1").model_copy(update={"group_id": "230002"})
    await br.publish_batch(*uploads, other, topic=ACCEPTED)
    await br.publish_batch(recorded(4), recorded(5, "error"), recorded(6, "rejected"), topic=RECORDED)
    # Counts of an upload whose own event has not come yet: not listed until it does.
    await br.publish_batch(recorded_event(classified(4, upload_id="u9")), topic=RECORDED)

    listed = await use_cases.group_uploads(deps, "230001", 1, 25)
    assert [u["upload_id"] for u in listed["items"]] == ["u3", "u2", "u1"] and listed["total"] == 3
    newest, _, oldest = listed["items"]
    assert (newest["uploaded_at"], newest["uploaded_by"], newest["file_name"]) == (
        start + timedelta(hours=3),
        "broker1",
        "m.xlsx",
    )
    assert (newest["status"], newest["classified"], newest["complete"]) == ("processing", 0, False)
    assert (oldest["total_rows"], oldest["ready"], oldest["error"], oldest["rejected"]) == (3, 1, 1, 1)
    assert (oldest["status"], oldest["complete"]) == ("complete", True)

    page2 = await use_cases.group_uploads(deps, "230001", 2, 2)
    assert [u["upload_id"] for u in page2["items"]] == ["u1"] and page2["total"] == 3
    assert [u["upload_id"] for u in (await use_cases.group_uploads(deps, "230002", 1, 25))["items"]] == ["x1"]


async def test_a_notification_that_cannot_go_out_never_holds_up_the_read_models(dashboard):
    br, deps, published = dashboard

    class Broken:
        async def send(self, messages) -> None:
            raise ConnectionError("the notification topic is away")

    deps.outlet = Broken()
    await br.publish_batch(accepted(3), topic=ACCEPTED)
    await br.publish_batch(recorded(4), recorded(5, "error"), topic=RECORDED)
    progress = await use_cases.upload_progress(deps, "u1")
    assert (progress["ready"], progress["error"], progress["total_rows"]) == (1, 1, 3) and published == []
