"""The sign-in throttling policy, as pure functions and through the guard on the in-memory records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.gateway.settings import GatewaySettings
from services.gateway.signin import SignInGuard, rules
from services.gateway.tests.conftest import Clock
from services.gateway.tests.fakes import FakeAttempts, FakeAudit
from services.gateway.throttle import Record, Rule, SignInLocked, client_address, lock_after_failure, locked_until

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
RULE = Rule(5, timedelta(minutes=15), timedelta(minutes=1), timedelta(hours=1))


def failures(*minutes: float) -> tuple[datetime, ...]:
    return tuple(T0 + timedelta(minutes=m) for m in minutes)


def test_the_fifth_failure_within_the_window_locks_for_a_minute():
    assert lock_after_failure(Record(failures(0, 1, 2, 3)), RULE, T0 + timedelta(minutes=3)) is None
    now = T0 + timedelta(minutes=4)
    assert lock_after_failure(Record(failures(0, 1, 2, 3, 4)), RULE, now) == now + timedelta(minutes=1)
    # failures older than the window do not count
    assert lock_after_failure(Record(failures(0, 1, 2, 3, 16)), RULE, T0 + timedelta(minutes=16)) is None


def test_each_further_lock_lasts_twice_as_long_up_to_an_hour():
    now = T0 + timedelta(minutes=4)
    lengths = [lock_after_failure(Record(failures(0, 1, 2, 3, 4), locks=n), RULE, now) - now for n in range(8)]
    assert lengths == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 32, 60, 60)]


def test_a_lock_holds_until_it_ends_and_failures_before_it_ended_count_no_more():
    end = T0 + timedelta(minutes=5)
    record = Record(failures(0, 1, 2, 3, 4), locks=1, locked_until=end)
    assert locked_until(record, end - timedelta(seconds=1)) == end and locked_until(record, end) is None
    assert lock_after_failure(record, RULE, end - timedelta(seconds=1)) is None  # locked already
    after = Record(failures(1, 2, 3, 4, 6), locks=1, locked_until=end)
    assert lock_after_failure(after, RULE, T0 + timedelta(minutes=6)) is None
    again = Record(failures(6, 7, 8, 9, 10), locks=1, locked_until=end)
    assert lock_after_failure(again, RULE, T0 + timedelta(minutes=10)) == T0 + timedelta(minutes=12)


def test_the_locked_answer_says_how_long_to_wait():
    assert (SignInLocked(60).retry_after, SignInLocked(60).detail) == (
        60,
        "Too many failed sign-ins: try again in 1 minute.",
    )
    assert "try again in 3 minutes" in SignInLocked(121).detail and SignInLocked(121).code == "sign_in_locked"


@pytest.mark.parametrize(
    ("host", "forwarded", "address"),
    [
        ("203.0.113.9", "198.51.100.1", "203.0.113.9"),  # not from a trusted proxy: its header is ignored
        ("10.0.0.1", "198.51.100.1, 203.0.113.9", "203.0.113.9"),  # the proxy's own entry
        ("10.0.0.1", "198.51.100.1, 203.0.113.9, 10.0.0.2", "203.0.113.9"),  # through two proxies
        ("10.0.0.1", None, "10.0.0.1"),
    ],
)
def test_the_address_comes_from_x_forwarded_for_only_through_a_trusted_proxy(host, forwarded, address):
    assert client_address(host, forwarded, frozenset({"10.0.0.1", "10.0.0.2"})) == address


@pytest.fixture
def guard() -> SignInGuard:
    return SignInGuard(FakeAttempts(), FakeAudit(), rules(GatewaySettings(app_env="test")), Clock())


async def locked(guard: SignInGuard, user_name: str, address: str = "192.0.2.1") -> int | None:
    try:
        await guard.check(user_name, address)
    except SignInLocked as exc:
        return exc.retry_after
    return None


async def fail(guard: SignInGuard, times: int, user_name: str, address: str = "192.0.2.1") -> None:
    for _ in range(times):
        await guard.failed(user_name, address)
        guard.clock.advance(seconds=1)


async def test_four_failures_pass_the_fifth_locks_and_the_next_lock_doubles(guard: SignInGuard):
    await fail(guard, 4, "ann")
    assert await locked(guard, "ann") is None
    await fail(guard, 1, "ann")
    assert await locked(guard, "ann") == 59 and await locked(guard, "bob") is None
    guard.clock.advance(seconds=60)
    assert await locked(guard, "ann") is None
    await fail(guard, 5, "ann")
    assert await locked(guard, "ann") == 119


async def test_a_sign_in_clears_the_user_names_failures(guard: SignInGuard):
    await fail(guard, 4, "ann")
    await guard.succeeded("ann", "192.0.2.1")
    await fail(guard, 4, "ann")
    assert await locked(guard, "ann") is None


async def test_many_names_failing_from_one_address_lock_the_address(guard: SignInGuard):
    for n in range(19):
        await fail(guard, 1, f"user{n}")
    assert await locked(guard, "anyone") is None
    await fail(guard, 1, "user19")
    assert await locked(guard, "anyone") == 59 and await locked(guard, "anyone", "192.0.2.2") is None
    await guard.succeeded("user1", "192.0.2.2")  # a sign-in elsewhere does not clear the address
    assert await locked(guard, "anyone") == 59
