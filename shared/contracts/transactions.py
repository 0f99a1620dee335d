"""The broker portal's transactions (quotes, group enrollments, renewals), as
the transactions service announces them (the demo seeder also publishes the
demo's Mass Enrollment submissions as settled history); the dashboard keeps
the history.

Mass Enrollment submissions enter the history from ``ApplicationSubmitted``
(their ME- confirmation IDs); this message carries the other kinds.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from .envelope import Actor, Envelope

TransactionType = Literal["Quote", "Group Enrollment", "Renewal", "Mass Enrollment"]
# The statuses the history lists; a transaction the broker withdrew is announced as Cancelled and leaves it.
ListedStatus = Literal["Open", "Pending KP Review", "Action Required", "Completed"]
TransactionStatus = ListedStatus | Literal["Cancelled"]
TRANSACTION_TYPES: tuple[str, ...] = TransactionType.__args__
TRANSACTION_STATUSES: tuple[str, ...] = ListedStatus.__args__
CANCELLED = "Cancelled"
TransactionChange = Literal[
    "TransactionStarted",
    "TransactionSaved",
    "TransactionSubmitted",
    "TransactionApproved",
    "TransactionReturned",
    "TransactionContinued",
    "TransactionCancelled",
]


class TransactionRecorded(Envelope):
    """A transaction of the broker portal was started or changed: its state
    as it is now. Keyed by group id; a later ``revision`` replaces an earlier
    one (a copy or an older one changes nothing). No member's personal data."""

    type: Literal["TransactionRecorded"] = "TransactionRecorded"
    transaction_id: str = Field(
        description="Readable id: QT- quote, EN- group enrollment, RN- renewal, ME- Mass Enrollment",
        examples=["QT-7K3M-2P9X"],
    )
    transaction_type: TransactionType = Field(examples=["Quote"])
    group_id: str | None = Field(
        default=None, description="None for a quote of a business that is not a KP group yet", examples=["230145"]
    )
    group_name: str = Field(
        description="The group's name, or the prospect's for a quote", examples=["Golden Gate Bakery"]
    )
    broker_id: str = Field(description="User id of the group's broker of record", examples=["broker1"])
    created_at: datetime
    created_by: str = Field(description="User id of who started it", examples=["broker1"])
    status: TransactionStatus = Field(examples=["Action Required"])
    instructions: str | None = Field(
        default=None,
        description="For Action Required: what KP needs and the KP representative to contact",
        examples=["Upload the signed employer application. Contact: Maria Lopez, KP Broker Services, 1-800-555-0134"],
    )
    revision: int = Field(ge=1, description="The transaction's version after this change: newer wins")
    change: TransactionChange | None = Field(
        default=None, description="What this change was (None: history settled before it was said)"
    )
    actor: Actor | None = Field(default=None, description="Who made this change: a broker, an administrator, KP")
