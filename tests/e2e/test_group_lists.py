"""The portal's group screens through the gateway, on the real servers: My
uploads (a group's uploads with their counts), Manage Members (the demo
group's enrolled members, SSN last four only), and the UploadProgressed
notification a browser's live progress is fed from."""

import json
import re
import time
from datetime import date

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from deploy.local.demo import demo_book, demo_ssn
from shared.contracts.topics import UPLOAD_PROGRESSED
from shared.kafka import PARTITIONS, partitions_of
from tests.e2e.conftest import filled_template
from tests.support import eventually, member

pytestmark = pytest.mark.e2e
# Members of this test: 7700-7702 (one member may hold only one open application).
ROWS = [member(7700), member(7701), member(7702, zip="9461")]
FULL_SSN = re.compile(r"\d{3}-\d{2}-\d{4}")


async def upload(client: httpx.AsyncClient, group: dict, rows: list[dict], file_name: str) -> str:
    answer = await client.post(
        f"/api/v1/groups/{group['group_id']}/mass-enrollment/uploads",
        data={"region": group["region"], "group_name": group["name"]},
        files={"file": (file_name, await filled_template(client, group, rows))},
    )
    assert answer.status_code == 202, answer.text
    return answer.json()["upload_id"]


async def progress_notifications(bootstrap: str, upload_id: str, timeout: float = 30) -> list[tuple[bytes, dict]]:
    """(key, event) of the upload's UploadProgressed notifications, read from
    the beginning of the topic until one says it is complete."""
    topic = "e2e." + UPLOAD_PROGRESSED
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    try:
        partitions = await eventually(lambda: partitions_of(bootstrap, topic), timeout=timeout)
        consumer.assign([TopicPartition(topic, p) for p in partitions])
        await consumer.seek_to_beginning()
        found: list[tuple[bytes, dict]] = []
        deadline = time.monotonic() + timeout
        while not any(e["complete"] for _, e in found) and time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                events = ((r.key, json.loads(r.value)) for r in records)
                found.extend((k, e) for k, e in events if e["upload_id"] == upload_id)
        return found
    finally:
        await consumer.stop()


async def test_my_uploads_lists_an_upload_with_its_counts_and_a_notification_says_it_completed(sign_in, infra):
    admin = await sign_in("admin1")
    (group,) = (await admin.get("/api/v1/groups")).json()
    upload_id = await upload(admin, group, ROWS, "october-hires.xlsx")

    async def listed_complete():
        answer = await admin.get(f"/api/v1/groups/{group['group_id']}/uploads", params={"page_size": 250})
        assert answer.status_code == 200, answer.text
        page = answer.json()
        mine = next((u for u in page["items"] if u["upload_id"] == upload_id), None)
        return (page, mine) if mine is not None and mine["complete"] else None

    page, mine = await eventually(listed_complete, timeout=60)
    assert mine | {} == mine | {
        "file_name": "october-hires.xlsx",
        "uploaded_by": "admin1",
        "group_id": group["group_id"],
        "status": "complete",
        "total_rows": 3,
        "classified": 3,
        "ready": 2,
        "error": 1,
        "rejected": 0,
    }
    assert mine["uploaded_at"]
    newest_first = [u["uploaded_at"] for u in page["items"]]
    assert newest_first == sorted(newest_first, reverse=True) and page["total"] == len(page["items"])

    # A consumer on the real broker hears the upload complete, keyed by its group.
    heard = await progress_notifications(infra.kafka_bootstrap, upload_id)
    done = [e for _, e in heard if e["complete"]]
    assert done, heard
    assert (done[-1]["total_rows"], done[-1]["classified"], done[-1]["ready"], done[-1]["error"]) == (3, 3, 2, 1)
    assert {k for k, _ in heard} == {group["group_id"].encode()}
    # The launcher made the topic as it makes every other (not the broker on first use).
    assert await partitions_of(infra.kafka_bootstrap, "e2e." + UPLOAD_PROGRESSED) == set(range(PARTITIONS))
    assert all(e["type"] == "UploadProgressed" and e["group_id"] == group["group_id"] for _, e in heard)

    # Another tenant's group: the same 404 as an unknown one.
    other = await sign_in("admin2")
    assert (await other.get(f"/api/v1/groups/{group['group_id']}/uploads")).status_code == 404


async def test_manage_members_lists_the_demo_groups_members_by_name_with_the_last_four_only(sign_in):
    admin = await sign_in("admin1")
    (group,) = (await admin.get("/api/v1/groups")).json()
    group_id = group["group_id"]
    seeded = sorted(
        (m for m in demo_book(date.today(), "k")[1] if m.group_id == group_id),
        key=lambda m: (m.last_name.casefold(), m.first_name.casefold(), m.member_id),
    )
    full_ssns = [demo_ssn(int(group_id) - 230000, int(m.member_id[-3:])) for m in seeded]
    assert [s[-4:] for s in full_ssns] == [m.ssn_last4 for m in seeded]  # the seeder's numbers, as seeded

    async def all_projected():
        answer = await admin.get(f"/api/v1/groups/{group_id}/members", params={"page_size": 250})
        assert answer.status_code == 200, answer.text
        return answer if answer.json()["total"] == len(seeded) else None

    answer = await eventually(all_projected, timeout=60)
    members = answer.json()["items"]
    assert [(m["member_id"], m["last_name"], m["first_name"], m["ssn_last4"]) for m in members] == [
        (m.member_id, m.last_name, m.first_name, m.ssn_last4) for m in seeded
    ]
    assert [m["relationship"] for m in members] == [m.relationship for m in seeded]
    assert {"Subscriber", "Spouse"} <= {m["relationship"] for m in members} and all(m["subgroup_name"] for m in members)
    body = answer.text
    assert not FULL_SSN.search(body)
    assert not [ssn for ssn in full_ssns if ssn in body or f"{ssn[:3]}-{ssn[3:5]}-{ssn[5:]}" in body]
    assert not {"ssn", "ssn_hash", "sort_key", "search_name"} & {key for m in members for key in m}

    # A page at a time, with the total.
    second = (await admin.get(f"/api/v1/groups/{group_id}/members", params={"page": 2, "page_size": 2})).json()
    assert (second["items"], second["total"]) == (members[2:4], len(seeded))

    # Searched by last name, or by the last four.
    last = seeded[0].last_name
    by_name = (await admin.get(f"/api/v1/groups/{group_id}/members", params={"q": last.upper()})).json()
    assert [m["member_id"] for m in by_name["items"]] == [m.member_id for m in seeded if m.last_name == last]
    by_four = (await admin.get(f"/api/v1/groups/{group_id}/members", params={"q": seeded[-1].ssn_last4})).json()
    assert seeded[-1].member_id in [m["member_id"] for m in by_four["items"]]
    # A full SSN typed in the box is refused, and not echoed.
    refused = await admin.get(f"/api/v1/groups/{group_id}/members", params={"q": full_ssns[0]})
    assert refused.status_code == 400 and refused.json()["code"] == "bad_member_search"
    assert full_ssns[0] not in refused.text

    # Another tenant's group: the same 404 as an unknown one.
    assert (await (await sign_in("admin2")).get(f"/api/v1/groups/{group_id}/members")).status_code == 404
