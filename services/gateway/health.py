"""Readiness: the gateway can serve the API only when its own database and
every service it calls answer. /healthz asks them at most once a
``health_cache_seconds``, so a busy health checker does not load them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from shared.errors import Unavailable

from .deps import GatewayDeps
from .forward import SERVICES


async def not_answering(deps: GatewayDeps) -> list[str]:
    """What of the gateway's database and services does not answer, asked all at once."""
    timeout = deps.settings.health_timeout_seconds

    async def database() -> bool:
        await asyncio.wait_for(deps.users.ping(), timeout)
        return True

    checks = {"the gateway's database": database()}
    checks |= {f"the {name} service": deps.services.healthy(name, timeout) for name in SERVICES}
    answers = await asyncio.gather(*checks.values(), return_exceptions=True)
    return [what for what, answer in zip(checks, answers, strict=True) if answer is not True]


class Readiness:
    """The ``health`` of the service factory: {} when ready, else Unavailable naming what is not."""

    def __init__(
        self,
        deps: Callable[[], GatewayDeps],
        seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.deps, self.seconds, self.clock = deps, seconds, clock
        self._lock = asyncio.Lock()
        self._checked_at: float | None = None
        self._missing: list[str] = []

    async def __call__(self) -> dict:
        async with self._lock:  # callers at once share one round of checks
            if self._checked_at is None or self.clock() - self._checked_at >= self.seconds:
                self._missing = await not_answering(self.deps())
                self._checked_at = self.clock()
        if self._missing:
            raise Unavailable("not_ready", f"Not ready: {', '.join(self._missing)} not answering.")
        return {}
