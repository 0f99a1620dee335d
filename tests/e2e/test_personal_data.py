"""Members' SSNs and dates of birth are never kept in clear: marker values go
through the whole Mass Enrollment story, then every database on the server
(the oplog included, where there is one), every topic of the stack and every
service log is searched for them."""

import io
import json
import zipfile

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from shared.kafka import partitions_of
from shared.mongo import make_client
from tests.e2e.conftest import filled_template
from tests.support import eventually, member

pytestmark = pytest.mark.e2e
# Used by no other test: an SSN and a date of birth that can only come from here.
MARKER_SSN = "587-41-2963"
MARKER_DOB = "1971-09-13"
SECOND_SSN = "587-41-2964"
CLEAR = [
    MARKER_SSN.encode(),
    MARKER_SSN.replace("-", "").encode(),
    SECOND_SSN.encode(),
    SECOND_SSN.replace("-", "").encode(),
    MARKER_DOB.encode(),
    b"09/13/1971",
]


def clear_in(data: bytes) -> list[bytes]:
    """The markers found in ``data``, looking inside zip files (a workbook's XML is compressed)."""
    found = [m for m in CLEAR if m in data]
    if data.startswith(b"PK\x03\x04"):
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            for name in package.namelist():
                found += clear_in(package.read(name))
    return found


def scan(value, where: str, hits: list[str]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            scan(v, f"{where}.{k}", hits)
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            scan(v, f"{where}[{i}]", hits)
    elif isinstance(value, bytes):
        hits += [f"{where}: {m!r}" for m in clear_in(value)]
    elif isinstance(value, str):
        hits += [f"{where}: {m!r}" for m in clear_in(value.encode())]


async def every_message(bootstrap: str, prefix: str) -> dict[str, list[bytes]]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        topics = [t for t in await admin.list_topics() if t.startswith(prefix)]
    finally:
        await admin.close()
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    messages: dict[str, list[bytes]] = {}
    try:
        for topic in topics:
            partitions = [TopicPartition(topic, p) for p in await partitions_of(bootstrap, topic)]
            consumer.assign(partitions)
            await consumer.seek_to_beginning(*partitions)
            ends = await consumer.end_offsets(partitions)
            got: list[bytes] = []
            while [p for p in partitions if await consumer.position(p) < ends[p]]:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    got += [r.value or b"" for r in records]
            messages[topic] = got
    finally:
        await consumer.stop()
    return messages


async def test_marker_ssns_and_birth_dates_are_found_in_clear_nowhere(sign_in, ready_stack, infra):
    admin = await sign_in("admin1")
    reviewer = await sign_in("reviewer1")
    (group,) = (await admin.get("/api/v1/groups")).json()
    rows = [
        member(1300, ssn=MARKER_SSN, date_of_birth=MARKER_DOB),
        member(1301, ssn=SECOND_SSN, date_of_birth=MARKER_DOB, zip="9461"),  # an error, to edit
    ]
    answer = await admin.post(
        f"/api/v1/groups/{group['group_id']}/mass-enrollment/uploads",
        data={"region": group["region"]},
        files={"file": ("markers.xlsx", await filled_template(admin, group, rows))},
    )
    assert answer.status_code == 202, answer.text
    upload_id = answer.json()["upload_id"]
    await eventually(lambda: _complete(admin, upload_id), timeout=60)
    error_id, ready_id = f"{upload_id}-0005", f"{upload_id}-0004"

    # The enroller sees and edits the full SSN; the reviewer sees its last four digits.
    view = (await admin.get(f"/api/v1/applications/{error_id}")).json()
    assert view["cells"]["ssn"] == SECOND_SSN and view["cells"]["date_of_birth"] == MARKER_DOB
    masked = (await reviewer.get(f"/api/v1/applications/{error_id}")).json()
    assert masked["cells"]["ssn"] == "***-**-2964"
    edited = await admin.put(f"/api/v1/applications/{error_id}", json={"cells": {**view["cells"], "zip": "94612"}})
    assert edited.status_code == 202, edited.text
    await eventually(lambda: _status(admin, error_id, "ready"))
    assert (await admin.post(f"/api/v1/applications/{ready_id}/save")).status_code == 200
    assert (await admin.post(f"/api/v1/applications/{error_id}/submit")).status_code == 200
    report = await admin.get(f"/api/v1/uploads/{upload_id}/error-report")
    assert report.status_code == 200  # the enroller's own workbook may hold them; it is not kept

    hits: list[str] = []
    client = make_client(infra.mongodb_uri)
    try:
        names = set(await client.list_database_names()) | {"local"}
        for name in sorted(names):
            db = client[name]
            for collection in await db.list_collection_names():
                async for doc in db[collection].find({}):
                    scan(doc, f"{name}.{collection}", hits)
    finally:
        await client.close()
    for topic, values in (await every_message(infra.kafka_bootstrap, "e2e.")).items():
        for value in values:
            scan(value, topic, hits)
    for log in ready_stack.log_dir.glob("*.log"):
        scan(log.read_bytes(), log.name, hits)
    assert hits == []


async def _complete(client: httpx.AsyncClient, upload_id: str) -> bool:
    return (await client.get(f"/api/v1/uploads/{upload_id}")).json()["complete"]


async def _status(client: httpx.AsyncClient, application_id: str, status: str) -> bool:
    return (await client.get(f"/api/v1/applications/{application_id}")).json()["status"] == status


def test_the_scan_would_see_a_marker_in_a_zipped_workbook():
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/sharedStrings.xml", f"<t>{MARKER_SSN}</t>")
    hits: list[str] = []
    scan({"chunk": package.getvalue(), "text": json.dumps({"dob": MARKER_DOB})}, "db", hits)
    assert len(hits) == 2
