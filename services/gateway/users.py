"""Users and sessions: the only data the gateway owns."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from cachetools import TTLCache
from pymongo.asynchronous.database import AsyncDatabase

from shared.contracts.envelope import Role, utcnow

from .passwords import DUMMY_HASH, Passwords


@dataclass(frozen=True)
class User:
    user_id: str
    role: Role
    display_name: str
    group_id: str | None = None  # the group a group_admin administers

    def public(self) -> dict:
        return {
            "user_id": self.user_id,
            "role": self.role,
            "display_name": self.display_name,
            "group_id": self.group_id,
        }


class Users(Protocol):
    """What the routes need of the user store (tests stand in an in-memory one)."""

    async def authenticate(self, user_id: str, password: str) -> User | None: ...
    async def known(self, user_id: str) -> bool:
        """Whether a user of that name exists."""
        ...

    async def ping(self) -> None:
        """Raises unless the store answers."""

    async def open_session(self, user: User) -> str: ...
    async def user_for(self, token: str) -> User | None: ...
    async def close_session(self, token: str) -> None: ...


def _user(doc: dict) -> User:
    return User(doc["_id"], doc["role"], doc.get("display_name", doc["_id"]), doc.get("group_id"))


class UserStore:
    def __init__(
        self,
        db: AsyncDatabase,
        session_secret: str,
        session_hours: int,
        cache_seconds: float = 0,
        passwords: Passwords | None = None,
    ) -> None:
        self._db = db
        self._passwords = passwords or Passwords(None)
        self._users = db["users"]
        self._sessions = db["sessions"]
        self._secret = session_secret.encode()
        self._ttl = timedelta(hours=session_hours)
        # Every request looks its session up; a page polling an upload would
        # otherwise cost two queries a poll. A sign-out here clears its entry
        # at once; on another gateway instance the session lives on for at
        # most cache_seconds.
        self._recent: TTLCache | None = TTLCache(10_000, cache_seconds) if cache_seconds > 0 else None

    async def create_indexes(self) -> None:
        await self._sessions.create_index("expires_at", expireAfterSeconds=0)

    async def ensure_user(
        self, user_id: str, password: str, role: Role, display_name: str, group_id: str | None = None
    ) -> None:
        """Create or update a user; the password is stored only as an argon2 hash."""
        await self._users.update_one(
            {"_id": user_id},
            {
                "$set": {
                    "password_hash": await self._passwords.hash(password),
                    "role": role,
                    "display_name": display_name,
                    "group_id": group_id,
                }
            },
            upsert=True,
        )

    async def authenticate(self, user_id: str, password: str) -> User | None:
        doc = await self._users.find_one({"_id": user_id})
        if not await self._passwords.verify(doc["password_hash"] if doc else DUMMY_HASH, password):
            return None
        return _user(doc) if doc else None

    async def known(self, user_id: str) -> bool:
        return await self._users.find_one({"_id": user_id}, {"_id": 1}) is not None

    async def ping(self) -> None:
        await self._db.command("ping")

    async def open_session(self, user: User) -> str:
        token = secrets.token_urlsafe(32)
        await self._sessions.insert_one(
            {"_id": self._key(token), "user_id": user.user_id, "expires_at": utcnow() + self._ttl}
        )
        return token

    async def user_for(self, token: str) -> User | None:
        key = self._key(token)
        if self._recent is not None and key in self._recent:
            return self._recent[key]
        session = await self._sessions.find_one({"_id": key, "expires_at": {"$gt": utcnow()}})
        if session is None:
            return None
        doc = await self._users.find_one({"_id": session["user_id"]})
        user = _user(doc) if doc else None
        if user is not None and self._recent is not None:
            self._recent[key] = user
        return user

    async def close_session(self, token: str) -> None:
        key = self._key(token)
        if self._recent is not None:
            self._recent.pop(key, None)
        await self._sessions.delete_one({"_id": key})

    def _key(self, token: str) -> str:
        # Only a keyed hash of the token is stored: a leaked sessions
        # collection does not sign anyone in.
        return hmac.new(self._secret, token.encode(), hashlib.sha256).hexdigest()
