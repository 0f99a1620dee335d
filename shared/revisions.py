"""Newer wins: how every store of per-application rows merges changes that
may arrive twice or out of order. Pure."""

from __future__ import annotations

from typing import Any

Rows = dict[str, dict[str, Any]]


def apply_revisions(rows: Rows, incoming: list[tuple[str, dict[str, Any]]]) -> None:
    """Merge each (id, fields) change into ``rows`` unless the stored row is
    newer: a higher ``revision``, or the same revision and a higher ``step``
    (two events of one revision, such as an edit and the verdict on it, apply
    in their own order whichever arrives first). The same change again
    changes nothing, so redelivered events are harmless. Rows are replaced,
    never changed in place."""
    for row_id, fields in incoming:
        current = rows.get(row_id)
        if current is None or _position(current) <= _position(fields):
            rows[row_id] = {**(current or {}), **fields}


def _position(row: dict[str, Any]) -> tuple[int, int]:
    return row["revision"], row.get("step", 0)
