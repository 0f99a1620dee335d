"""The transactions service's Kafka side, as a table: it takes no events yet
(its commands come over HTTP) and publishes each transaction's state from its
outbox."""

from __future__ import annotations

from shared.contracts import topics
from shared.contracts.transactions import TransactionRecorded
from shared.kafka import On, Publication

SUBSCRIPTIONS: tuple[On, ...] = ()
PUBLICATIONS = (
    Publication(
        topics.TRANSACTION_RECORDED,
        TransactionRecorded,
        "A quote, group enrollment or renewal as it is after each change (newer revision wins; Cancelled: withdrawn)",
    ),
)
