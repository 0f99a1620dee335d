"""Live upload progress: the feed hands each event to the pages watching that upload."""

from __future__ import annotations

import asyncio
import json

from services.gateway.live import ProgressFeed, progress_stream
from services.gateway.tests.conftest import SignIn
from shared.contracts.uploads import UploadProgressed

FIRST = {"upload_id": "U1", "group_id": "G1", "file_name": "m.xlsx", "status": "processing", "total_rows": 4,
         "classified": 0, "ready": 0, "error": 0, "rejected": 0, "complete": False}  # fmt: skip


def progressed(upload_id: str = "U1", **counts: int | bool) -> UploadProgressed:
    fields = {"total_rows": 4, "classified": 0, "ready": 0, "error": 0, "rejected": 0, "complete": False} | counts
    return UploadProgressed(upload_id=upload_id, group_id="G1", correlation_id="c", **fields)


def events(chunks: list[str]) -> list[dict]:
    return [json.loads(c.split("data: ", 1)[1]) for c in chunks if "event: progress" in c]


async def test_each_page_gets_the_changes_of_its_own_upload_only():
    feed = ProgressFeed()
    stream = progress_stream(FIRST, feed, read_again=lambda: asyncio.sleep(0, None), refresh_seconds=5)
    chunks = [await anext(stream)]  # the progress as the API answered it, at once
    assert feed.watching == 1
    feed.deliver(progressed("U2", classified=4, complete=True))  # another upload: not this page's
    feed.deliver(progressed(classified=2, ready=1, error=1))
    chunks.append(await anext(stream))
    feed.deliver(progressed(classified=4, ready=2, error=1, rejected=1, complete=True))
    chunks.append(await anext(stream))
    first, middle, last = events(chunks)
    assert first == FIRST and chunks[0].startswith("retry: 3000\n")
    assert middle == FIRST | {"classified": 2, "ready": 1, "error": 1}  # the file name is kept
    counts = {"classified": 4, "ready": 2, "error": 1, "rejected": 1, "complete": True, "status": "complete"}
    assert last == FIRST | counts
    await stream.aclose()
    assert feed.watching == 0  # a page gone is forgotten


async def test_a_page_that_falls_behind_gets_the_newest_counts():
    feed = ProgressFeed()
    stream = progress_stream(FIRST, feed, read_again=lambda: asyncio.sleep(0, None))
    await anext(stream)
    for n in range(1, 5):
        feed.deliver(progressed(classified=n, ready=n))
    (latest,) = events([await anext(stream)])
    assert latest["classified"] == 4
    await stream.aclose()


async def test_when_nothing_comes_the_stream_asks_again_and_ends_in_time():
    feed = ProgressFeed()
    asked = []

    async def read_again():
        asked.append(1)
        return FIRST | {"classified": 3, "ready": 3}

    chunks = [c async for c in progress_stream(FIRST, feed, read_again, refresh_seconds=0.05, max_seconds=0.12)]
    assert [e["classified"] for e in events(chunks)] == [0, 3]  # a lost event healed by asking
    assert ": still watching\n\n" in chunks  # nothing new: a comment keeps the connection open
    assert 2 <= len(asked) <= 3


async def test_an_upload_that_is_gone_ends_the_stream():
    async def gone():
        return None

    chunks = [c async for c in progress_stream(FIRST, ProgressFeed(), gone, refresh_seconds=0.01)]
    assert len(events(chunks)) == 1


async def test_another_tenants_upload_streams_nothing(sign_in: SignIn):
    broker = await sign_in("broker1")
    answer = await broker.get("/api/v1/uploads/U2/events")
    assert answer.status_code == 404 and answer.json()["code"] == "upload_not_found"
    assert (await (await sign_in(None)).get("/api/v1/uploads/U1/events")).status_code == 401


async def test_a_service_away_for_a_moment_does_not_end_the_stream():
    from shared.errors import Unavailable

    feed, answers = ProgressFeed(), []

    async def read_again():
        answers.append(1)
        if len(answers) == 1:
            raise Unavailable("service_unavailable", "The dashboard service is not answering.")
        return FIRST | {"classified": 4, "ready": 4, "complete": True}

    chunks = [c async for c in progress_stream(FIRST, feed, read_again, refresh_seconds=0.03, max_seconds=0.1)]
    assert [e["classified"] for e in events(chunks)] == [0, 4]  # kept open, and it caught up


async def test_every_stream_ends_when_the_gateway_stops():
    feed = ProgressFeed()
    stream = progress_stream(FIRST, feed, read_again=lambda: asyncio.sleep(0, None), refresh_seconds=60)
    await anext(stream)
    feed.close()
    rest = [c async for c in stream]
    assert rest == [] and feed.watching == 0
