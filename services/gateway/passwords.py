"""Password hashes (argon2), computed and checked off the event loop."""

from __future__ import annotations

import asyncio
from concurrent.futures import Executor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verified when the user name is unknown, so both failures take as long.
DUMMY_HASH = _hasher.hash("no such user")


class Passwords:
    """argon2 hashing and verification in a worker pool, off the event loop.

    Each takes about 125 ms of CPU: on the event loop a burst of sign-ins
    would hold every other request. argon2-cffi releases the GIL, so a pool of
    one thread per core checks as many passwords at once. ``pool`` None:
    asyncio's default executor (the command-line tools).
    """

    def __init__(self, pool: Executor | None, hasher: PasswordHasher = _hasher) -> None:
        self.pool, self.hasher = pool, hasher

    async def hash(self, password: str) -> str:
        return await asyncio.get_running_loop().run_in_executor(self.pool, self.hasher.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        try:
            return await asyncio.get_running_loop().run_in_executor(
                self.pool, self.hasher.verify, password_hash, password
            )
        except (VerificationError, InvalidHashError):
            return False
