"""``make bench``: Mass Enrollment throughput and latency, with baselines.

Against the running system (``make run``) when its gateway answers at
BENCH_GATEWAY_URL (default http://127.0.0.1:8000), else against a stack this
command starts itself on the embedded servers. It uploads ROUNDS 250-row
files for each of CONCURRENCY groups, keeping CONCURRENCY uploads in flight
(when one completes the next starts), and prints rows/s end to end and
p50/p95 from "upload accepted" to "complete".
In the same run, on the same servers, it measures the baselines: plain
aiokafka produce+consume of the same number of messages, and a plain bulk
upsert of the same number of documents; then the pipeline/baseline ratios.

    make bench                       # 48 uploads, 8 in flight; then 300 pages watching 8 uploads
    BENCH_CONCURRENCY=4 BENCH_ROUNDS=5 make bench
    BENCH_WATCHERS=0 make bench      # without the watching pages
    BENCH_POLLERS=300 make bench     # and the same 300 pages polling every 0.3 s, for comparison

Watching pages: BENCH_WATCHERS (300) pages each hold the live-progress stream
(server-sent events, ``GET /uploads/{id}/events``) of one of 8 uploads made
at once, as a browser's upload dialog does; it reports when each page saw its
upload complete (from the upload's 202) and, meanwhile, the latency of a
plain API call (``GET /groups``, every 0.2 s) to show the gateway stays free.

Then the broker dashboard at scale (``deploy/bench_dashboard.py``): 10,000 groups and
200,000 transactions published as events, projected by the dashboard, and read through
the gateway by 8 concurrent readers (p95 target 100 ms each), with each read's query
plan. It adds that book for good, so on a running system only with BENCH_DASHBOARD=1;
on a stack of its own it runs unless BENCH_DASHBOARD=0 (BENCH_GROUPS, BENCH_TRANSACTIONS
change the sizes).
"""

from __future__ import annotations

import asyncio
import io
import json
import math
import os
import platform
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from openpyxl import load_workbook

from deploy import bench_dashboard
from deploy.local import servers
from deploy.local.stack import SERVICES, start_stack
from shared.contracts.columns import FIRST_DATA_ROW, MEMBERS_SHEET, columns_for

ROWS = 250
POLL = float(
    os.environ.get("BENCH_POLL", "0.1")
)  # as often as a browser would ask, no more: polls load the same servers


def fake_members(count: int, rng: random.Random, used: set[str]) -> list[dict]:
    """Ready members with SSNs unique in this run (and very likely across runs)."""
    rows = []
    effective = time.strftime("%Y-%m-01", time.localtime(time.time() + 32 * 86400))
    while len(rows) < count:
        ssn = f"{rng.randint(100, 599):03d}-{rng.randint(10, 98):02d}-{rng.randint(1000, 9999):04d}"
        if ssn in used:
            continue
        used.add(ssn)
        n = len(used)
        rows.append(
            {
                "subgroup_id": "0001",
                "relationship": "Subscriber",
                "first_name": f"Bench{n}",
                "last_name": "Member",
                "ssn": ssn,
                "date_of_birth": "1985-03-14",
                "gender": "F",
                "address_line1": f"{n} Bench Way",
                "city": "Oakland",
                "state": "CA",
                "zip": "94612",
                "hire_date": "2023-01-09",
                "effective_date": effective,
            }
        )
    return rows


def fill(template: bytes, rows: list[dict]) -> bytes:
    wb = load_workbook(io.BytesIO(template))
    ws = wb[MEMBERS_SHEET]
    columns = columns_for(ws["F2"].value)
    for r, row in enumerate(rows, start=FIRST_DATA_ROW):
        for c, column in enumerate(columns, start=1):
            if column.key in row:
                ws.cell(r, c, row[column.key])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


async def one_upload(client: httpx.AsyncClient, group: dict, content: bytes) -> tuple[float, float, float]:
    """(started, accepted, complete) monotonic times of one upload."""
    started = time.monotonic()
    answer = await client.post(
        f"/api/v1/groups/{group['group_id']}/mass-enrollment/uploads",
        data={"region": group["region"]},
        files={"file": ("bench.xlsx", content)},
    )
    answer.raise_for_status()
    accepted = time.monotonic()
    upload_id = answer.json()["upload_id"]
    deadline = accepted + 120
    while time.monotonic() < deadline:
        status = (await client.get(f"/api/v1/uploads/{upload_id}")).json()
        if status["complete"]:
            return started, accepted, time.monotonic()
        await asyncio.sleep(POLL)
    raise RuntimeError(f"upload {upload_id} did not complete within 120 s")


async def pipeline(gateway: str, concurrency: int, rounds: int) -> dict:
    rng = random.Random()
    used: set[str] = set()
    async with httpx.AsyncClient(base_url=gateway, timeout=120) as client:
        groups = (await sign_in(client))[:concurrency]
        templates = {}
        for g in groups:
            answer = await client.get(
                f"/api/v1/groups/{g['group_id']}/mass-enrollment/template", params={"region": g["region"]}
            )
            answer.raise_for_status()
            templates[g["group_id"]] = answer.content
        # Every file is made before the clock starts, so the client's own
        # openpyxl work does not compete with the system under test.
        files = [
            (g, fill(templates[g["group_id"]], fake_members(ROWS, rng, used))) for _ in range(rounds) for g in groups
        ]
        in_flight = asyncio.Semaphore(len(groups))

        async def keep_in_flight(group: dict, content: bytes) -> tuple[float, float, float]:
            async with in_flight:
                return await one_upload(client, group, content)

        # Uploads run CONCURRENCY at a time: as soon as one completes the next starts.
        results = await asyncio.gather(*(keep_in_flight(g, content) for g, content in files))
        latencies = [done - accepted for _, accepted, done in results]
        elapsed = max(r[2] for r in results) - min(r[0] for r in results)
    rows = ROWS * len(groups) * rounds
    return {
        "uploads": len(latencies),
        "concurrency": len(groups),
        "rows": rows,
        "rows_per_s": rows / elapsed,
        "p50_s": statistics.median(latencies),
        "p95_s": statistics.quantiles(latencies, n=20)[18] if len(latencies) >= 20 else max(latencies),
        "max_s": max(latencies),
    }


def sample_message(n: int) -> bytes:
    """About the size of a MemberRowParsed message."""
    return json.dumps(
        {
            "event_id": f"bench:row:{n}",
            "type": "MemberRowParsed",
            "schema_version": 1,
            "occurred_at": "2026-11-23T20:00:00Z",
            "correlation_id": "bench",
            "upload_id": "bench",
            "group_id": "230001",
            "region": "CA",
            "row_number": n,
            "total_rows": ROWS,
            "cells": {
                "subgroup_id": "0001",
                "relationship": "Subscriber",
                "first_name": "Bench",
                "last_name": "Member",
                "ssn": "123-45-6789",
                "date_of_birth": "1985-03-14",
                "gender": "F",
                "address_line1": "1 Bench Way",
                "city": "Oakland",
                "state": "CA",
                "zip": "94612",
                "hire_date": "2023-01-09",
                "effective_date": "2026-12-01",
            },
            "actor": {"user_id": "broker1", "role": "broker"},
        }
    ).encode()


async def kafka_baseline(bootstrap: str, count: int) -> float:
    """Plain aiokafka: produce ``count`` messages, consume them all; messages/s."""
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

    from shared.kafka import ensure_topics, partitions_of

    topic = f"bench.baseline.{uuid.uuid4().hex[:8]}"
    await ensure_topics(bootstrap, [topic])
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await producer.start()
    await consumer.start()
    try:
        started = time.monotonic()
        futures = [await producer.send(topic, sample_message(n), key=b"230001") for n in range(count)]
        await asyncio.gather(*futures)
        consumer.assign([TopicPartition(topic, p) for p in await partitions_of(bootstrap, topic)])
        await consumer.seek_to_beginning()
        seen = 0
        while seen < count:
            batch = await consumer.getmany(timeout_ms=500)
            seen += sum(len(records) for records in batch.values())
        return count / (time.monotonic() - started)
    finally:
        await producer.stop()
        await consumer.stop()


async def mongo_baseline(uri: str, count: int) -> float:
    """Plain bulk upsert of ``count`` application-like documents; documents/s.
    With the services' own client settings (journaled writes), so the two are
    compared like with like."""
    from pymongo import UpdateOne

    from shared.mongo import make_client

    client = make_client(uri)
    collection = client["bench"][f"baseline_{uuid.uuid4().hex[:8]}"]
    try:
        docs = [json.loads(sample_message(n)) for n in range(count)]
        started = time.monotonic()
        for i in range(0, count, 500):
            await collection.bulk_write(
                [
                    UpdateOne({"_id": f"bench-{n:06d}"}, {"$set": d}, upsert=True)
                    for n, d in enumerate(docs[i : i + 500], i)
                ],
                ordered=False,
            )
        return count / (time.monotonic() - started)
    finally:
        await collection.drop()
        await client.close()


def servers_of_running_system() -> tuple[str, str] | None:
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS") and os.environ.get("MONGODB_URI"):
        return os.environ["KAFKA_BOOTSTRAP_SERVERS"], os.environ["MONGODB_URI"]
    state = servers.LOCAL_DIR / "servers.json"
    if state.exists():
        recorded = json.loads(state.read_text())
        return recorded["kafka"], recorded["mongodb"]
    return None


async def sign_in(client: httpx.AsyncClient) -> list[dict]:
    signed = await client.post("/api/v1/session", json={"username": "broker1", "password": "demo-password"})
    signed.raise_for_status()
    client.headers["X-CSRF-Token"] = signed.json()["csrf_token"]
    return [g for g in (await client.get("/api/v1/groups")).json() if g["subgroups"]]


async def watching(
    gateway: str, watchers: int, uploads: int = 8, poll: float | None = None, window: float = 15.0
) -> dict:
    """``watchers`` pages watching ``uploads`` uploads made at once: when each saw its upload complete.

    Each page holds the upload's live stream, or, with ``poll`` seconds, asks ``GET /uploads/{id}``
    that often (what the page did before the stream: the comparison)."""
    rng, used = random.Random(), set()
    limits = httpx.Limits(max_connections=watchers + 50, max_keepalive_connections=watchers + 50)
    requests_made, failures, missed = [0], [0], [0]

    async def count(request: httpx.Request) -> None:
        requests_made[0] += 1

    async with httpx.AsyncClient(
        base_url=gateway, timeout=120, limits=limits, event_hooks={"request": [count]}
    ) as client:
        groups = (await sign_in(client))[:uploads]
        files = []
        for g in groups:
            template = await client.get(
                f"/api/v1/groups/{g['group_id']}/mass-enrollment/template", params={"region": g["region"]}
            )
            files.append((g, fill(template.content, fake_members(ROWS, rng, used))))
        api_latencies: list[float] = []
        done = asyncio.Event()

        async def probe() -> None:
            while not done.is_set():
                started = time.monotonic()
                (await client.get("/api/v1/groups")).raise_for_status()
                api_latencies.append(time.monotonic() - started)
                await asyncio.sleep(0.2)

        # A page stays open after its upload completed (the tabs page watches on): every page
        # watches until the window ends, and notes when it saw its upload complete.
        ends = time.monotonic() + window

        async def watch(upload_id: str, accepted: float) -> float:
            seen = None
            async with client.stream("GET", f"/api/v1/uploads/{upload_id}/events") as stream:
                stream.raise_for_status()
                lines = stream.aiter_lines()
                while (left := ends - time.monotonic()) > 0:
                    try:
                        line = await asyncio.wait_for(anext(lines), left)
                    except TimeoutError:
                        break
                    if seen is None and line.startswith("data: ") and json.loads(line[6:])["complete"]:
                        seen = time.monotonic() - accepted
            if seen is None:  # reported as such, not left out
                missed[0] += 1
                return math.inf
            return seen

        async def ask(upload_id: str, accepted: float) -> float:
            seen = None
            while time.monotonic() < ends or seen is None:
                try:
                    answer = await client.get(f"/api/v1/uploads/{upload_id}")
                except httpx.TransportError:  # a kept-alive connection the server closed: ask again
                    failures[0] += 1
                    continue
                if seen is None and answer.status_code == 200 and answer.json()["complete"]:
                    seen = time.monotonic() - accepted
                await asyncio.sleep(poll)
            return seen

        follow = watch if poll is None else ask

        async def upload_and_watch(group: dict, content: bytes, pages: int) -> list[float]:
            answer = await client.post(
                f"/api/v1/groups/{group['group_id']}/mass-enrollment/uploads",
                data={"region": group["region"]},
                files={"file": ("watched.xlsx", content)},
            )
            answer.raise_for_status()
            accepted = time.monotonic()
            return await asyncio.gather(*(follow(answer.json()["upload_id"], accepted) for _ in range(pages)))

        counted = time.monotonic()
        prober = asyncio.create_task(probe())
        share = [watchers // len(files) + (1 if i < watchers % len(files) else 0) for i in range(len(files))]
        watched = await asyncio.gather(*(upload_and_watch(g, c, n) for (g, c), n in zip(files, share, strict=True)))
        seen = [t for ts in watched for t in ts]  # inf: not seen within the window
        done.set()
        await prober
        requests = requests_made[0] / (time.monotonic() - counted)
    return {
        "watchers": len(seen),
        "uploads": len(files),
        "seen_p50_s": statistics.median(seen),
        "seen_p95_s": statistics.quantiles(seen, n=20)[18],
        "api_p50_s": statistics.median(api_latencies),
        "api_p95_s": statistics.quantiles(api_latencies, n=20)[18] if len(api_latencies) >= 20 else max(api_latencies),
        "api_calls": len(api_latencies),
        "window_s": window,
        "requests": requests,
        "failures": failures[0],
        "missed": missed[0],
    }


def main() -> None:
    concurrency = int(os.environ.get("BENCH_CONCURRENCY", "8"))
    rounds = int(os.environ.get("BENCH_ROUNDS", "6"))
    watchers = int(os.environ.get("BENCH_WATCHERS", "300"))
    # The same pages polling every 0.3 s, as the page did before the stream (0: not measured).
    pollers = int(os.environ.get("BENCH_POLLERS", "0"))
    gateway = os.environ.get("BENCH_GATEWAY_URL", "http://127.0.0.1:8000")
    stack = None
    try:
        httpx.get(f"{gateway}/healthz", timeout=1).raise_for_status()
        found = servers_of_running_system()
        if found is None:
            raise SystemExit("The running system's servers are unknown: set KAFKA_BOOTSTRAP_SERVERS and MONGODB_URI.")
        bootstrap, mongo_uri = found
        where = f"the running system at {gateway}"
    except httpx.HTTPError:
        print("No running system answers; starting one on the embedded servers...", flush=True)
        stack = start_stack(
            Path(tempfile.mkdtemp(prefix="bench-")),
            ports={name: servers.free_port() for name in SERVICES},
            extra_env={"APP_ENV": "demo", "LOG_LEVEL": "WARNING"},
        )
        gateway, bootstrap, mongo_uri = (
            stack.gateway_url,
            stack.env["KAFKA_BOOTSTRAP_SERVERS"],
            stack.env["MONGODB_URI"],
        )
        where = "a stack started by the benchmark (embedded Tansu + SecantusDB)"
    try:
        result = asyncio.run(pipeline(gateway, concurrency, rounds))
        watched = asyncio.run(watching(gateway, watchers)) if watchers else None
        polled = asyncio.run(watching(gateway, pollers, poll=0.3)) if pollers else None
        # The dashboard at scale adds 10,000 groups for good: only on a stack of the benchmark's own
        # (or when asked for with BENCH_DASHBOARD=1).
        at_scale = None
        if os.environ.get("BENCH_DASHBOARD", "1" if stack is not None else "0") == "1":
            at_scale = asyncio.run(
                bench_dashboard.measure(
                    gateway,
                    int(os.environ.get("BENCH_GROUPS", "10000")),
                    int(os.environ.get("BENCH_TRANSACTIONS", "200000")),
                    bootstrap,
                    os.environ.get("TOPIC_PREFIX", ""),
                    mongo_uri,
                )
            )
        kafka = asyncio.run(kafka_baseline(bootstrap, result["rows"]))
        mongo = asyncio.run(mongo_baseline(mongo_uri, result["rows"]))
    finally:
        if stack is not None:
            stack.stop()
    print(f"\nMass Enrollment benchmark on {where}")
    print(
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"{result['uploads']} uploads of {ROWS} rows, {result['concurrency']} in flight")
    print(
        f"pipeline: {result['rows_per_s']:.0f} rows/s end to end; accepted→complete p50 {result['p50_s']:.2f} s, "
        f"p95 {result['p95_s']:.2f} s, max {result['max_s']:.2f} s"
    )
    print(
        f"baseline aiokafka produce+consume: {kafka:.0f} msg/s  (pipeline/baseline {result['rows_per_s'] / kafka:.2f})"
    )
    print(f"baseline bulk upsert: {mongo:.0f} docs/s  (pipeline/baseline {result['rows_per_s'] / mongo:.2f})")
    if result["concurrency"] == 8:
        latency = "met" if result["p95_s"] <= 2 else "NOT met"
    else:
        latency = "not measured (run with 8 in flight)"
    throughput = "met" if result["rows_per_s"] >= mongo / 2 else "NOT met"
    print(f"targets: p95 ≤ 2 s with 8 in flight: {latency}; rows/s ≥ half the bulk-upsert baseline: {throughput}")
    for how, figures in (("server-sent events", watched), ("polling every 0.3 s", polled)):
        if not figures:
            continue
        print(
            f"{figures['watchers']} pages watching {figures['uploads']} uploads ({how}): "
            f"complete seen p50 {figures['seen_p50_s']:.2f} s, p95 {figures['seen_p95_s']:.2f} s after the 202; "
            f"meanwhile GET /groups p50 {figures['api_p50_s'] * 1000:.0f} ms, "
            f"p95 {figures['api_p95_s'] * 1000:.0f} ms ({figures['api_calls']} calls); "
            f"{figures['requests']:.0f} requests/s to the gateway over the {figures['window_s']:.0f} s window"
            + (f", {figures['failures']} connections dropped" if figures["failures"] else "")
            + (f"; {figures['missed']} pages did NOT see it complete in the window" if figures.get("missed") else "")
        )
    if at_scale:
        bench_dashboard.report(at_scale)


if __name__ == "__main__":
    main()
