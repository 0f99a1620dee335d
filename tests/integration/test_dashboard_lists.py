"""The dashboard's Manage Members and My uploads queries, and its progress
notifications, on the real MongoDB-protocol server."""

from datetime import UTC, datetime, timedelta

import pytest

from services.dashboard import use_cases
from services.dashboard.adapters import MongoReadModels
from services.dashboard.tests.fakes import SentMessages
from services.dashboard.use_cases import Deps
from shared.contracts.reference import MemberEnrolled
from shared.mongo import make_client
from tests.messages import accepted, group_registered, recorded

pytestmark = pytest.mark.integration


@pytest.fixture
async def deps(infra, prefix):
    client = make_client(infra.mongodb_uri)
    name = f"{prefix}dashboard_lists".replace(".", "_")
    yield Deps(models=await MongoReadModels.open(client[name]), outlet=SentMessages())
    await client.drop_database(name)
    await client.close()


def enrolled(n: int, first: str, last: str, group_id: str = "230001") -> MemberEnrolled:
    return MemberEnrolled(
        event_id=f"m:{n}",
        correlation_id="seed",
        member_id=f"M{n:04d}",
        group_id=group_id,
        subgroup_id="0001",
        first_name=first,
        last_name=last,
        ssn_hash="h" * 64,
        ssn_last4=f"{n:04d}",
    )


async def test_members_are_read_by_group_in_name_order_and_found_by_name_or_last_four(deps):
    await use_cases.project_groups(deps, [group_registered()])
    firsts = ["Maria", "James", "aiko", "Luis", "Grace", "Omar", "Priya"]
    lasts = ["Garcia", "smith", "Tanaka", "Nguyen", "de la Cruz"]
    members = [enrolled(n, firsts[n % 7], lasts[n % 5]) for n in range(1, 61)]
    await use_cases.project_members(deps, [*members, enrolled(9001, "Other", "Group", group_id="230002")])

    everyone = await use_cases.members(deps, "230001", None, 1, 250)
    keys = [(m["last_name"].casefold(), m["first_name"].casefold(), m["member_id"]) for m in everyone["items"]]
    assert everyone["total"] == 60 and keys == sorted(keys) and len(keys) == 60
    page = await use_cases.members(deps, "230001", None, 3, 25)
    assert page["items"] == everyone["items"][50:] and page["total"] == 60

    found = await use_cases.members(deps, "230001", "  DE LA  luis ", 1, 25)
    expected = {f"M{n:04d}" for n in range(1, 61) if n % 5 == 4 and n % 7 == 3}
    assert {m["member_id"] for m in found["items"]} == expected and found["total"] == len(expected)
    assert [m["member_id"] for m in (await use_cases.members(deps, "230001", "0042", 1, 25))["items"]] == ["M0042"]
    assert (await use_cases.members(deps, "230001", "9001", 1, 25))["total"] == 0  # another group's
    assert (await use_cases.members(deps, "230001", "gar.ia", 1, 25))["total"] == 0  # text, not a pattern
    assert "sort_key" not in everyone["items"][0] and "search_name" not in everyone["items"][0]


async def test_uploads_are_listed_newest_first_and_each_batch_announces_its_uploads(deps):
    start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    await use_cases.project_uploads(
        deps,
        [
            accepted(3, upload_id=f"u{n}").model_copy(update={"occurred_at": start + timedelta(minutes=n)})
            for n in (1, 3, 2)
        ],
    )
    await use_cases.project_recorded(deps, [recorded(4), recorded(5, "error"), recorded(6, "rejected")])
    listed = await use_cases.group_uploads(deps, "230001", 1, 2)
    assert [u["upload_id"] for u in listed["items"]] == ["u3", "u2"] and listed["total"] == 3
    (oldest,) = (await use_cases.group_uploads(deps, "230001", 2, 2))["items"]
    assert (oldest["upload_id"], oldest["complete"], oldest["uploaded_by"]) == ("u1", True, "broker1")
    assert oldest["uploaded_at"].replace(tzinfo=UTC) == start + timedelta(minutes=1)

    sent = deps.outlet.sent
    assert [(e.upload_id, e.classified, e.complete) for e in sent[3:]] == [("u1", 3, True)]
    assert sorted(e.upload_id for e in sent[:3]) == ["u1", "u2", "u3"]
    # The same batch again announces the same state under the same id.
    await use_cases.project_recorded(deps, [recorded(4), recorded(5, "error"), recorded(6, "rejected")])
    assert sent[-1].event_id == sent[3].event_id
