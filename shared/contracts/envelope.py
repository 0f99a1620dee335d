"""The envelope every message carries."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Role = Literal["broker", "group_admin", "kp_reviewer"]


def new_id() -> str:
    return uuid.uuid4().hex


def utcnow() -> datetime:
    return datetime.now(UTC)


class Actor(BaseModel):
    """Who asked for the work, as the gateway signed them in."""

    model_config = ConfigDict(frozen=True)

    user_id: str = Field(description="Gateway user name", examples=["broker1"])
    role: Role


class Envelope(BaseModel):
    """Fields common to every message. Subclasses fix ``type`` with a Literal."""

    model_config = ConfigDict(frozen=True)

    event_id: str = Field(
        default_factory=new_id,
        description="Unique id of this message; deterministic where redelivery must be detected",
    )
    type: str = Field(description="Message type name")
    schema_version: int = Field(default=1, description="Bumped on incompatible changes")
    occurred_at: datetime = Field(default_factory=utcnow)
    correlation_id: str = Field(description="Follows one upload (or request) through every service")


def carried(source: BaseModel, *fields: str) -> dict[str, Any]:
    """Fields a message takes over from the one it answers, as they are (no copy, no re-validation)."""
    return {name: getattr(source, name) for name in fields}


def partition_key(message: Envelope) -> str:
    """A group's messages share a partition, so they stay in order; a message of no group (a quote
    for a business that is no KP group yet) goes by its transaction's id."""
    return getattr(message, "group_id", None) or message.transaction_id  # type: ignore[attr-defined]
