"""Who may see and act on what. Pure; every route calls it on the server."""

from __future__ import annotations

from .users import User


def can_see_group(user: User, group: dict) -> bool:
    if user.role == "broker":
        return group.get("broker_id") == user.user_id
    if user.role == "group_admin":
        return group.get("group_id") == user.group_id
    return user.role == "kp_reviewer"


def can_see_transaction(user: User, record: dict) -> bool:
    """A transaction is its broker's, its group's administrators' and every KP reviewer's to see."""
    if user.role == "broker":
        return record.get("broker_id") == user.user_id
    if user.role == "group_admin":
        return record.get("group_id") is not None and record.get("group_id") == user.group_id
    return user.role == "kp_reviewer"


def can_enroll(user: User) -> bool:
    """Brokers and group administrators enroll members; KP reviewers only review."""
    return user.role in ("broker", "group_admin")


def can_update_group(user: User) -> bool:
    """A group's broker and its administrators change its information; KP reviewers only read it."""
    return user.role in ("broker", "group_admin")


def scope_of(user: User) -> str:
    """Whose groups and transactions the dashboard's lists hold for this user: a
    broker's book, an administrator's group, every group for a KP reviewer."""
    if user.role == "broker":
        return f"broker:{user.user_id}"
    if user.role == "group_admin":
        return f"group:{user.group_id or ''}"
    return "all"


def group_filter(user: User) -> dict:
    """Query parameters for the dashboard's book of business for this user."""
    if user.role == "broker":
        return {"broker_id": user.user_id}
    if user.role == "group_admin":
        return {"group_id": user.group_id or ""}
    return {}
