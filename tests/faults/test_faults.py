"""Faults under load: what docs/reliability.md promises when a process dies.

The whole system runs here on servers of its own (its own Tansu and
SecantusDB, its own stack of services), so killing and restarting processes
never touches the stack the other end-to-end tests share. Each scenario puts
a load of 2,000 rows in flight (8 uploads of 250 ready members, for 8 groups
of broker1), breaks something in the middle, and then checks that every
upload ends complete with exactly its rows: 250 ready in the dashboard's
counts and Ready tab (through the gateway), 250 applications each recorded
once in the applications service, nothing on a dead-letter topic. The last
test crashes the database under a stream of plain writes instead. The time
each scenario took is printed at the end of the module.

Tansu keeps its messages in memory only, so a broker restart cannot be shown
here (docs/reliability.md, "Known limits").
"""

from __future__ import annotations

import asyncio
import itertools
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from pymongo import AsyncMongoClient

from deploy.local import servers
from deploy.local.stack import SERVICES, Stack, start_stack, wait_healthy
from shared.contracts.topics import Topics
from shared.identity import SERVICE_ROLE, sign
from shared.mongo import make_client
from shared.settings import DEMO_SECRET
from tests.support import eventually, member, topic_size, workbook

pytestmark = pytest.mark.e2e

UPLOADS = 8
ROWS = 250
DEMO_GROUPS = 41
PREFIX = "faults."
# How long a load may take once its fault is over (without a fault: a few seconds).
COMPLETE_WITHIN = 90.0

_numbers = itertools.count(1)


def fresh_members(count: int = ROWS) -> list[dict[str, Any]]:
    """Ready members never used before in this module (so never "already pending").

    Areas 100-399 and groups 10-89: never an SSN of the demo's enrolled
    members (area 5xx, group 9x), never one the SSA does not issue.
    """
    rows = []
    for _ in range(count):
        n = next(_numbers)
        ssn = f"{100 + (n // 9000) % 300:03d}-{10 + (n // 2_700_000) % 80:02d}-{1000 + n % 9000:04d}"
        rows.append(member(n, ssn=ssn))
    return rows


@dataclass
class Faults:
    """The stack under test, its servers, and broker1 signed in at its gateway."""

    stack: Stack
    embedded: servers.EmbeddedServers
    client: httpx.AsyncClient  # broker1's session at the gateway
    mongo: AsyncMongoClient  # the module's own database server, read by the test only
    groups: list[dict]
    templates: dict[str, bytes]
    timings: list[str] = field(default_factory=list)

    @property
    def logs(self) -> Path:
        return self.stack.log_dir

    @property
    def bootstrap(self) -> str:
        return self.stack.env["KAFKA_BOOTSTRAP_SERVERS"]

    def service_client(self, name: str) -> httpx.AsyncClient:
        """A service asked directly, as the gateway asks it (with the gateway's own signed identity)."""
        token = sign(DEMO_SECRET, name.split("-")[0], "gateway", SERVICE_ROLE)  # a token is for one service
        return httpx.AsyncClient(
            base_url=self.stack.url(name), headers={"Authorization": f"Bearer {token}"}, timeout=30
        )


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, servers.EmbeddedServers]]:
    """Servers and services of this module's own: these tests kill and restart them."""
    root = tmp_path_factory.mktemp("faults")
    embedded = servers.start(root / "servers")
    try:
        stack = start_stack(
            root / "stack",
            ports={name: servers.free_port() for name in SERVICES},
            extra_env={
                "APP_ENV": "demo",
                "TOPIC_PREFIX": PREFIX,
                "KAFKA_BOOTSTRAP_SERVERS": embedded.kafka_bootstrap,
                "MONGODB_URI": embedded.mongodb_uri,
                # What a crash left unpublished goes out within seconds, not
                # half a minute: the upload relay and the applications outbox.
                "OUTBOX_RELAY_SECONDS": "1",
                "OUTBOX_GRACE_SECONDS": "3",
            },
        )
    except BaseException:
        embedded.stop()
        raise
    try:
        yield stack, embedded
    finally:
        stack.stop()
        embedded.stop()


@pytest.fixture(scope="module")
async def faults(own_stack, request: pytest.FixtureRequest) -> AsyncIterator[Faults]:
    stack, embedded = own_stack
    mongo = make_client(embedded.mongodb_uri)
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=60) as client, _closing(mongo):
        for service in ("upload", "validation", "dashboard"):  # the demo book projected where uploads need it
            await eventually(lambda s=service: _projected_groups(client, stack.url(s)), timeout=60)
        signed = await client.post("/api/v1/session", json={"username": "broker1", "password": "demo-password"})
        assert signed.status_code == 200, signed.text
        client.headers["X-CSRF-Token"] = signed.json()["csrf_token"]
        groups = [g for g in (await client.get("/api/v1/groups")).json() if g["subgroups"]][:UPLOADS]
        assert len(groups) == UPLOADS
        templates = {}
        for group in groups:
            answer = await client.get(
                f"/api/v1/groups/{group['group_id']}/mass-enrollment/template", params={"region": group["region"]}
            )
            assert answer.status_code == 200, answer.text
            templates[group["group_id"]] = answer.content
        found = Faults(stack, embedded, client, mongo, groups, templates)
        yield found
    # How long each scenario took, on the terminal whatever the capture mode.
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None and found.timings:
        with capture.global_and_fixture_disabled():
            reporter.write_line("")
            reporter.write_sep("-", f"fault scenarios (logs in {stack.log_dir})")
            for line in found.timings:
                reporter.write_line(line)


@asynccontextmanager
async def _closing(client: AsyncMongoClient) -> AsyncIterator[None]:
    try:
        yield
    finally:
        await client.close()


async def _projected_groups(client: httpx.AsyncClient, url: str) -> bool:
    answer = await client.get(f"{url}/healthz")
    return answer.status_code == 200 and answer.json().get("groups", 0) >= DEMO_GROUPS


# --- a load of 2,000 rows, and what must hold once it is over -----------------------------


@dataclass
class Load:
    """Uploads in flight: what the gateway answered, and when."""

    before: set[str]  # uploads stored before this load
    finished_before: dict[str, int]  # uploads each service had finished before this load
    started: float = field(default_factory=time.monotonic)
    accepted: list[str] = field(default_factory=list)
    cut: list[int] = field(default_factory=list)  # statuses of POSTs cut by a fault (each retried)
    stored_anyway: int = 0  # cut POSTs whose file was stored all the same
    first_accepted: asyncio.Event = field(default_factory=asyncio.Event)


def new_file(f: Faults, group: dict) -> tuple[str, bytes]:
    """A file of 250 fresh members for the group, under a name of its own."""
    return f"faults-{next(_numbers)}.xlsx", workbook(fresh_members(), base=f.templates[group["group_id"]])


async def stored_uploads(f: Faults, **query: Any) -> set[str]:
    """Uploads the upload service has stored (read in its database, on this module's server)."""
    return {d["_id"] async for d in f.mongo["upload"]["uploads"].find(query, {"_id": 1})}


async def post_upload(f: Faults, group: dict, file: tuple[str, bytes], load: Load, deadline: float) -> str:
    url = f"/api/v1/groups/{group['group_id']}/mass-enrollment/uploads"
    pause = 0.1
    while True:
        try:
            answer = await f.client.post(url, data={"region": group["region"]}, files={"file": file})
            status = answer.status_code
        except httpx.TransportError as exc:  # the gateway itself is never killed; a timeout would land here
            status, answer = 599, exc
        if status == 202:
            upload_id = answer.json()["upload_id"]
            load.accepted.append(upload_id)
            load.first_accepted.set()
            return upload_id
        # A POST cut by the fault (the upload service killed while it read,
        # stored or published the file, or not back yet) answers 503 (or
        # 502): the user cannot know whether the file was taken, and sends it
        # again. It may have been stored before the cut: then the upload
        # service's relay publishes it, and it completes as an upload of its
        # own (run_load finds it in the upload service's database and checks
        # it like the others), so the file is there twice. The retry of a file
        # that was stored therefore carries fresh members: the same members
        # again would be rejected as already pending in the first upload.
        # Anything but a 5xx is a refusal, and a failure of this test.
        assert status >= 500, f"POST {url} answered {status}: {getattr(answer, 'text', answer)}"
        load.cut.append(status)
        assert time.monotonic() < deadline, f"POST {url} still failing ({status}); see {f.logs}"
        if await stored_uploads(f, file_name=file[0]):
            load.stored_anyway += 1
            file = await asyncio.to_thread(new_file, f, group)
        await asyncio.sleep(pause)  # a short pause between attempts, growing as a client's would
        pause = min(pause * 2, 1.0)


async def progress(f: Faults, upload_id: str) -> dict | None:
    """The upload's progress through the gateway, or None while it cannot answer."""
    try:
        answer = await f.client.get(f"/api/v1/uploads/{upload_id}", timeout=10)
    except httpx.TransportError:
        return None
    return answer.json() if answer.status_code == 200 else None


# Where each service notes that it is done with an upload, in its own database
# (read by the test only): which of the load's uploads it has finished.
FINISHED = {
    "upload": ("upload", "uploads", {"published": True}),
    "validation": ("validation", "classified_uploads", {}),
    "applications": ("applications", "upload_applications", {}),
    "dashboard": ("dashboard", "uploads", {"rows_version": {"$exists": True}}),
}


async def finished_count(f: Faults, service: str) -> int:
    database, collection, query = FINISHED[service]
    return await f.mongo[database][collection].count_documents(query)


async def finished(f: Faults, load: Load, service: str) -> int:
    """How many uploads of this load the service has finished with."""
    return await finished_count(f, service) - load.finished_before[service]


async def busy(f: Faults, load: Load, service: str) -> None:
    """Returns once the service is in the middle of the load: done with some
    of its uploads, not with all. Services take the uploads of a load one
    after another over a second or so, so this catches one at work."""

    async def some_done() -> int:
        return await finished(f, load, service)

    done = await eventually(some_done, timeout=COMPLETE_WITHIN, interval=0.005)
    assert done < UPLOADS, f"{service} was done with the whole load before the fault came ({done} uploads)"


async def run_load(f: Faults, fault: Callable[[Load], Awaitable[None]] | None = None) -> tuple[Load, list[str]]:
    """8 uploads of 250 ready members at once, ``fault`` run while they are in
    flight; returns once every POST was answered 202, with every upload
    stored meanwhile (those of POSTs that were cut but stored too)."""
    files = [(g, new_file(f, g)) for g in f.groups]  # made before the clock starts
    load = Load(
        before=await stored_uploads(f), finished_before={name: await finished_count(f, name) for name in FINISHED}
    )
    deadline = load.started + COMPLETE_WITHIN
    posts = [asyncio.create_task(post_upload(f, g, file, load, deadline)) for g, file in files]
    try:
        if fault is not None:
            await fault(load)
        answered = await asyncio.gather(*posts)
    finally:
        for post in posts:
            post.cancel()
    stored = await stored_uploads(f) - load.before
    assert set(answered) <= stored
    return load, sorted(stored)


async def complete(f: Faults, upload_id: str, within: float = COMPLETE_WITHIN) -> dict:
    async def done():
        answer = await progress(f, upload_id)
        return answer if answer and answer["complete"] else None

    try:
        return await eventually(done, timeout=within, interval=0.25)
    except AssertionError as exc:
        last = await progress(f, upload_id)
        raise AssertionError(f"upload {upload_id} never completed: {last}; see {f.logs}") from exc


async def assert_exact(f: Faults, upload_ids: list[str]) -> None:
    """Each upload complete with exactly its 250 rows, ready, counted once, everywhere."""
    for upload_id in upload_ids:
        await complete(f, upload_id)
    async with f.service_client("applications") as applications:
        for upload_id in upload_ids:
            status = await progress(f, upload_id)
            counts = {k: status[k] for k in ("status", "total_rows", "classified", "ready", "error", "rejected")}
            assert counts == {
                "status": "complete",
                "total_rows": ROWS,
                "classified": ROWS,
                "ready": ROWS,
                "error": 0,
                "rejected": 0,
            }, f"upload {upload_id}: {status}"
            # The upload's Ready tab, as the browser reads it.
            tab = await f.client.get(
                f"/api/v1/uploads/{upload_id}/applications", params={"status": "ready", "page_size": ROWS}
            )
            assert tab.status_code == 200, tab.text
            assert tab.json()["total"] == ROWS, f"upload {upload_id}: Ready tab total {tab.json()['total']}"
            assert len({item["row_number"] for item in tab.json()["items"]}) == ROWS
            # The applications service, the system of record: each row once,
            # recorded once (a verdict recorded again would be a new revision).
            answer = await applications.get(f"/uploads/{upload_id}/applications", params={"status": "ready"})
            assert answer.status_code == 200, answer.text
            held = answer.json()
            assert len(held) == ROWS, f"upload {upload_id}: the applications service holds {len(held)} ready"
            assert len({a["application_id"] for a in held}) == ROWS
            revisions = sorted({a["revision"] for a in held})
            assert revisions == [1], f"upload {upload_id}: revisions {revisions}"
    # Nothing was set aside: a batch that kept failing would sit on a dead-letter topic.
    dead = {t: await topic_size(f.bootstrap, t) for t in Topics(PREFIX).dead_letters()}
    assert not {t: n for t, n in dead.items() if n}, f"dead letters: {dead}; see {f.logs}"


def assert_all_running(f: Faults) -> None:
    for name, proc in f.stack.procs.items():
        assert proc.poll() is None, f"{name} exited with {proc.returncode}; see {f.logs / (name + '.log')}"


async def kill(f: Faults, name: str) -> None:
    assert await asyncio.to_thread(f.stack.kill, name, signal.SIGKILL) == -signal.SIGKILL


# --- 1. each Kafka worker killed with SIGKILL under load, then started again ---------------


@pytest.mark.parametrize("victim", ["validation", "applications", "dashboard", "upload"])
async def test_a_worker_killed_under_load_then_restarted_loses_and_doubles_nothing(faults: Faults, victim: str):
    f = faults
    assert_all_running(f)
    seen: dict[str, Any] = {}

    async def kill_and_restart(load: Load) -> None:
        if victim == "upload":
            # Killed once it stored the first file of the load: the others
            # are being read, stored or published.
            async def first_stored() -> set[str]:
                return await stored_uploads(f) - load.before

            await eventually(first_stored, timeout=COMPLETE_WITHIN, interval=0.005)
        else:
            # Killed in the middle of its share of the load: done with some
            # uploads, with the rows of others fetched or on their way.
            await busy(f, load, victim)
        seen["answered"] = len(load.accepted)
        killed = time.monotonic()
        await kill(f, victim)
        seen["killed_after"] = killed - load.started
        seen["finished"] = await finished(f, load, victim)
        # Stored and not yet published when the process died (the relay's work after the restart).
        seen["unpublished"] = len(await stored_uploads(f, published=False) - load.before)
        # In a thread: the uploads in flight go on meanwhile (cut POSTs are retried).
        await asyncio.to_thread(f.stack.start_service, victim)
        seen["down"] = time.monotonic() - killed

    load, upload_ids = await run_load(f, kill_and_restart)
    if victim == "upload":
        # The fault came while files were in the service, not after.
        assert seen["unpublished"] or load.cut, f"the upload service was idle when killed: {seen}"
        state = f"{seen['unpublished']} stored but not yet published"
    else:
        state = f"{victim} done with {seen['finished']} of the uploads"
    await assert_exact(f, upload_ids)
    assert len(upload_ids) == UPLOADS + load.stored_anyway
    assert_all_running(f)
    f.timings.append(
        f"kill -9 {victim}: at {seen['killed_after']:.1f} s into the load ({seen['answered']}/{UPLOADS} POSTs "
        f"answered, {state}); healthy again {seen['down']:.1f} s later; {len(upload_ids)} uploads complete and "
        f"exact {time.monotonic() - load.started:.1f} s after the start ({len(load.cut)} POST answers 5xx and "
        f"retried, {load.stored_anyway} of those files stored all the same)"
    )


# --- 2. two instances of validation and of applications, one of each killed -----------------


async def group_members(bootstrap: str, group: str) -> int:
    """How many members a consumer group has, once it is stable (else 0)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        [described] = await admin.describe_consumer_groups([group])
        [(_, _, state, _, _, members)] = described.groups
        return len(members) if state == "Stable" else 0
    finally:
        await admin.close()


async def test_one_of_two_instances_killed_under_load_loses_and_doubles_nothing(faults: Faults):
    f = faults
    assert_all_running(f)
    started = time.monotonic()
    second = {"validation": "validation-2", "applications": "applications-2"}
    shared_groups = {"validation": "validation.rows", "applications": "applications.classified"}
    for service, name in second.items():
        await asyncio.to_thread(f.stack.start_service, name, service, servers.free_port())
    # Both instances are members of the same consumer groups (each holds some partitions).
    for group in shared_groups.values():
        await eventually(lambda g=group: _members_are(f, g, 2), timeout=60, interval=0.2)
    seen: dict[str, Any] = {"second_instances_up": time.monotonic() - started}

    async def kill_one_of_each(load: Load) -> None:
        # Each second instance once its service is in the middle of the load.
        for service, name in second.items():
            await busy(f, load, service)
            seen[f"{service}_killed_after"] = time.monotonic() - load.started
            await kill(f, name)
            seen[f"{service}_finished"] = await finished(f, load, service)

    load, upload_ids = await run_load(f, kill_one_of_each)
    await assert_exact(f, upload_ids)
    assert not load.cut and len(upload_ids) == UPLOADS  # the upload service was not touched
    # The survivors carry on alone.
    for name in second.values():
        del f.stack.procs[name]
    assert_all_running(f)
    for group in shared_groups.values():
        await eventually(lambda g=group: _members_are(f, g, 1), timeout=60, interval=0.2)
    f.timings.append(
        f"two instances each of validation and applications: second ones up and in the groups in "
        f"{seen['second_instances_up']:.1f} s; validation-2 killed at {seen['validation_killed_after']:.1f} s "
        f"into the load (validation done with {seen['validation_finished']} uploads), applications-2 at "
        f"{seen['applications_killed_after']:.1f} s (applications done with {seen['applications_finished']}); "
        f"{len(upload_ids)} uploads complete and exact {time.monotonic() - load.started:.1f} s "
        f"after the start ({time.monotonic() - started:.1f} s in all)"
    )


async def _members_are(f: Faults, group: str, count: int) -> bool:
    return await group_members(f.bootstrap, group) == count


# --- 3. the database stopped and started again ----------------------------------------------


@dataclass
class Outage:
    answers: dict[str, list[tuple[int, str | None, float]]]  # path -> (status, Retry-After, seconds taken)
    down_for: float
    back_at: float  # monotonic time the database answered again
    pids: dict[str, int]  # the stack's processes before the outage
    load: Load  # the load in flight when the database stopped
    upload_ids: list[str]
    finished: dict[str, int]  # uploads of the load each service was done with when the database stopped


@pytest.fixture(scope="module")
async def database_outage(faults: Faults) -> Outage:
    """SecantusDB stopped (SIGTERM) while a load is in flight, the gateway
    asked meanwhile, then the database started again on its port and data.

    Stopped, not crashed: a crash loses the writes it acknowledged last (see
    the last test of this module), and this scenario is about what the
    services do while the database is away and once it is back."""
    f = faults
    assert_all_running(f)
    pids = {name: proc.pid for name, proc in f.stack.procs.items()}
    answers: dict[str, list[tuple[int, str | None, float]]] = {"/healthz": [], "/api/v1/groups": []}
    seen: dict[str, float] = {}

    async def ask(path: str, stopped: float) -> None:
        # Until the gateway has answered two failures in a row (what it keeps
        # in memory runs out first: a session after 5 s, its health after 1 s).
        while time.monotonic() - stopped < 60:
            asked = time.monotonic()
            try:
                answer = await f.client.get(path, timeout=45)
                found = (answer.status_code, answer.headers.get("retry-after"), time.monotonic() - asked)
            except httpx.TransportError as exc:
                found = (599, type(exc).__name__, time.monotonic() - asked)
            answers[path].append(found)
            if len(answers[path]) >= 2 and all(a[0] != 200 for a in answers[path][-2:]):
                return
            await asyncio.sleep(0.2)

    async def stop_the_database(load: Load) -> None:
        # Once every file is taken (a POST meanwhile would fail: that is the
        # gateway's answer, asked below) and rows flow through the whole
        # pipeline, with more behind them.
        async def flowing() -> bool:
            return len(load.accepted) == UPLOADS and await finished(f, load, "dashboard") > 0

        await eventually(flowing, timeout=COMPLETE_WITHIN, interval=0.005)
        seen["finished"] = {name: await finished(f, load, name) for name in ("validation", "applications", "dashboard")}
        assert seen["finished"]["dashboard"] < UPLOADS, f"the load was over before the database stopped: {seen}"
        stopped = time.monotonic()
        f.embedded.stop_mongo(signal.SIGTERM)
        try:
            await asyncio.gather(*(ask(path, stopped) for path in answers))
        finally:
            await asyncio.to_thread(f.embedded.start_mongo)
            seen["back_at"] = time.monotonic()
            seen["down_for"] = seen["back_at"] - stopped

    load, upload_ids = await run_load(f, stop_the_database)
    outage = Outage(answers, seen["down_for"], seen["back_at"], pids, load, upload_ids, seen["finished"])
    f.timings.append(
        f"database stopped with validation, applications, dashboard done with "
        f"{', '.join(str(n) for n in outage.finished.values())} of the {UPLOADS} uploads, started again "
        f"{outage.down_for:.1f} s later; meanwhile the gateway answered "
        + "; ".join(
            f"GET {path} " + ", ".join(f"{s} (Retry-After {r}) in {t:.1f} s" for s, r, t in found)
            for path, found in answers.items()
        )
    )
    return outage


def assert_503_with_retry_after(f: Faults, outage: Outage, path: str) -> None:
    found = outage.answers[path]
    failures = [(status, retry) for status, retry, _ in found if status != 200]
    assert failures, f"GET {path} never noticed that the database was down: {found}"
    assert all(status == 503 and retry and int(retry) >= 1 for status, retry in failures), (
        f"GET {path} while the database was down: {found} (status, Retry-After, seconds); see {f.logs}"
    )


async def test_while_the_database_is_down_the_gateways_health_answers_503_with_retry_after(
    faults: Faults, database_outage: Outage
):
    assert_503_with_retry_after(faults, database_outage, "/healthz")


async def test_while_the_database_is_down_the_api_answers_503_with_retry_after(faults: Faults, database_outage: Outage):
    assert_503_with_retry_after(faults, database_outage, "/api/v1/groups")


async def test_after_the_database_restarts_everything_recovers_without_restarting_a_service(
    faults: Faults, database_outage: Outage
):
    f, outage = faults, database_outage
    for name in f.stack.procs:
        await asyncio.to_thread(wait_healthy, f.stack, name)
    healthy = time.monotonic() - outage.back_at
    # The same processes as before the outage: nothing was restarted.
    assert {name: proc.pid for name, proc in f.stack.procs.items()} == outage.pids
    groups = await f.client.get("/api/v1/groups")
    assert groups.status_code == 200 and len(groups.json()) >= UPLOADS, groups.text
    # The load the outage cut in the middle ends exact, from where it stopped.
    assert not outage.load.cut and len(outage.upload_ids) == UPLOADS
    await assert_exact(f, outage.upload_ids)
    caught_up = time.monotonic() - outage.back_at
    # And a new one goes through as before.
    load, upload_ids = await run_load(f)
    await assert_exact(f, upload_ids)
    assert not load.cut and len(upload_ids) == UPLOADS
    assert_all_running(f)
    f.timings.append(
        f"after the database came back: every service healthy {healthy:.1f} s later, none restarted; the load "
        f"in flight complete and exact {caught_up:.1f} s later; a new load of {len(upload_ids)} uploads complete "
        f"and exact in {time.monotonic() - load.started:.1f} s"
    )


# --- 3b. the database crashed ---------------------------------------------------------------


async def test_a_write_the_database_acknowledged_survives_its_crash(faults: Faults):
    """Writes as the services make them (their client, their URI), the
    database killed (SIGKILL) in the middle and started again: every write it
    acknowledged is there, as a consumer that commits its offset after its
    write needs. Three crashes, in case one fell just after a flush."""
    f = faults
    started = time.monotonic()
    for crash in range(3):
        acknowledged, lost = await crash_under_writes(f, f"crash{crash}")
        assert not lost, (
            f"crash {crash + 1}: {len(lost)} of {len(acknowledged)} acknowledged writes lost: {lost[:3]}...{lost[-3:]}"
        )
    f.timings.append(
        f"database crashed 3 times under writes, nothing acknowledged lost ({time.monotonic() - started:.1f} s)"
    )


async def crash_under_writes(f: Faults, collection: str) -> tuple[list[int], list[int]]:
    """Four writers insert until the database is killed; it is started again.
    Returns what was acknowledged, and what of it is missing."""
    client = make_client(f.stack.env["MONGODB_URI"])
    probe = client["faults_probe"][collection]
    acknowledged: list[int] = []
    numbers = itertools.count()

    async def write() -> None:
        while True:
            n = next(numbers)
            try:
                await probe.insert_one({"_id": n})
            except Exception:  # the database is gone
                return
            acknowledged.append(n)

    async def under_way() -> bool:
        return len(acknowledged) >= 2000

    started = time.monotonic()
    writers = [asyncio.create_task(write()) for _ in range(4)]
    try:
        await eventually(under_way, timeout=30, interval=0.01)
        f.embedded.stop_mongo(signal.SIGKILL)
    finally:
        # Once the process is gone no acknowledgement can come: the writes
        # still waiting (for a server to select) are not counted.
        for writer in writers:
            writer.cancel()
        await asyncio.gather(*writers, return_exceptions=True)
        if f.embedded.procs[1].poll() is not None:
            await asyncio.to_thread(f.embedded.start_mongo)
        await client.close()
    stored = {d["_id"] async for d in f.mongo["faults_probe"][collection].find({}, {"_id": 1})}
    lost = sorted(set(acknowledged) - stored)
    f.timings.append(
        f"database crashed (SIGKILL) under {len(acknowledged)} acknowledged writes: {len(lost)} of them lost "
        f"({time.monotonic() - started:.1f} s)"
    )
    return acknowledged, lost
