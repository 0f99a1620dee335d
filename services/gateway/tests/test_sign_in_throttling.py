"""POST /session under throttling: locks, their answer, the audit trail, and passwords off the event loop."""

from __future__ import annotations

import asyncio
import time

from services.gateway.tests.conftest import PASSWORD, Clock, SignIn
from services.gateway.tests.fakes import FakeAudit, FakeUsers

LOCKED = {"detail": "Too many failed sign-ins: try again in 1 minute.", "code": "sign_in_locked"}


async def wrong(http, user_name: str = "broker1", times: int = 1) -> list[int]:
    statuses = []
    for _ in range(times):
        answer = await http.post("/api/v1/session", json={"username": user_name, "password": "wrong-password"})
        statuses.append(answer.status_code)
    return statuses


async def test_five_wrong_passwords_lock_the_user_name_even_against_the_right_one(sign_in: SignIn, clock: Clock):
    http = await sign_in(None)
    assert await wrong(http, times=5) == [401] * 5
    right = await http.post("/api/v1/session", json={"username": "broker1", "password": PASSWORD})
    assert (right.status_code, right.json()) == (429, LOCKED)
    assert right.headers["retry-after"] == "60" and "session" not in right.cookies
    assert (await sign_in("broker2")).cookies  # another user name is not locked

    clock.advance(seconds=59)
    assert (await http.post("/api/v1/session", json={"username": "broker1", "password": PASSWORD})).status_code == 429
    clock.advance(seconds=1)
    answer = await http.post("/api/v1/session", json={"username": "broker1", "password": PASSWORD})
    assert answer.status_code == 200 and (await http.get("/api/v1/session")).json()["user_id"] == "broker1"


async def test_while_locked_the_password_is_not_checked(sign_in: SignIn, users: FakeUsers):
    http = await sign_in(None)
    await wrong(http, times=5)
    users.hasher.verify = None  # any check now would fail with a 500
    assert await wrong(http) == [429]


async def test_the_lock_grows_with_each_further_lock(sign_in: SignIn, clock: Clock):
    http = await sign_in(None)
    await wrong(http, times=5)
    clock.advance(minutes=1)
    assert await wrong(http, times=6) == [401] * 5 + [429]
    answer = await http.post("/api/v1/session", json={"username": "broker1", "password": PASSWORD})
    assert answer.headers["retry-after"] == "120" and "try again in 2 minutes" in answer.json()["detail"]


async def test_failures_and_locks_are_audited_without_the_password(sign_in: SignIn, audit: FakeAudit, clock: Clock):
    http = await sign_in(None)
    await wrong(http, "x" * 300 + "broker1", times=5)
    await wrong(http, "x" * 300 + "broker1")
    await sign_in("broker2")
    actions = [entry["action"] for entry in audit.entries]
    # the fifth attempt locks the name as it is counted, before its password is checked
    assert actions == ["sign_in_failed"] * 4 + ["sign_in_locked", "sign_in_failed", "sign_in_locked", "signed_in"]
    assert all(set(entry) == {"at", "action", "user_name", "address", "reason"} for entry in audit.entries)
    # a name that is no user's (it may be a password typed in the wrong field) is not kept as typed
    assert {entry["user_name"] for entry in audit.entries[:-1]} == {"(not a user of this portal)"}
    assert {entry["address"] for entry in audit.entries} == {"127.0.0.1"}  # ASGITransport's client
    assert audit.entries[0] == {
        "at": clock.now,
        "action": "sign_in_failed",
        "user_name": "(not a user of this portal)",
        "address": "127.0.0.1",
        "reason": "wrong user name or password",
    }
    assert "5 failed sign-ins for this user name" in audit.entries[4]["reason"]
    assert "wrong-password" not in str(audit.entries) and PASSWORD not in str(audit.entries)


async def test_a_success_clears_the_user_names_failures(sign_in: SignIn):
    http = await sign_in(None)
    await wrong(http, times=4)
    await sign_in("broker1")
    assert await wrong(http, times=4) == [401] * 4
    assert (await http.post("/api/v1/session", json={"username": "broker1", "password": PASSWORD})).status_code == 200


async def test_password_checks_leave_the_event_loop_free(sign_in: SignIn, users: FakeUsers):
    broker1 = await sign_in("broker1")
    users.hasher.seconds = 0.5  # each check holds its thread (as argon2 holds a core)

    async def who_am_i() -> float:
        started = time.perf_counter()
        await asyncio.sleep(0.05)  # once the sign-ins are checking their passwords
        assert (await broker1.get("/api/v1/session")).status_code == 200
        assert (await broker1.get("/healthz")).status_code == 200
        return time.perf_counter() - started

    anonymous = await sign_in(None)
    took, *signed_in = await asyncio.gather(who_am_i(), *(wrong(anonymous, f"user{n}") for n in range(3)))
    assert signed_in == [[401]] * 3 and took < 0.3  # not 0.5 s behind each check


async def test_guesses_sent_all_at_once_get_no_more_checks_than_the_limit(sign_in: SignIn, users: FakeUsers):
    http = await sign_in(None)
    checked = []
    verify = users.hasher.verify

    def counting(*args):
        checked.append(1)
        time.sleep(0.02)  # a password check takes a while: the others arrive meanwhile
        return verify(*args)

    users.hasher.verify = counting
    answers = await asyncio.gather(
        *(http.post("/api/v1/session", json={"username": "broker1", "password": f"guess{n}"}) for n in range(20))
    )
    statuses = sorted(a.status_code for a in answers)
    assert len(checked) == 5 and statuses == [401] * 5 + [429] * 15
