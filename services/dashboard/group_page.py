"""The group page's details: what of a group's record the book of business
does not list (addresses, contacts, phone, e-mail, current plans, size), kept
beside it by group id. Pure.

``GroupRegistered`` brings the whole record at a version, and
``GroupInformationUpdated`` the fields a group changed at a later one; they
travel on two topics, so either may arrive first. Each field keeps the
version that set it, and a field is taken only from a version not older
than its own: the newer value wins whatever the order, and a redelivery
changes nothing."""

from __future__ import annotations

from typing import Any

from shared.contracts.reference import GroupInformationUpdated, GroupRegistered

from .domain import audit_line

Doc = dict[str, Any]
FIELDS = ("mailing_address", "physical_address", "contacts", "phone", "email", "current_plans", "size")


def registered(event: GroupRegistered) -> tuple[int, Doc]:
    """(version, fields) of a registration; a producer before versions counts as version 0."""
    dumped = event.model_dump(mode="json", include=set(FIELDS))
    return event.version or 0, dumped


def updated(event: GroupInformationUpdated) -> tuple[int, Doc]:
    """(version, fields) of a group's own change: only the fields it changed."""
    return event.version, event.model_dump(mode="json", include=set(event.changed))


def merged(current: Doc | None, version: int, fields: Doc) -> Doc | None:
    """The details with ``fields`` at ``version`` taken where not older than
    what set them; None when nothing changes."""
    doc = {k: v for k, v in (current or {}).items() if k not in ("_id", "version")}
    versions = dict(doc.get("versions", {}))
    for name, value in fields.items():
        if versions.get(name, -1) <= version:
            doc[name] = value
            versions[name] = version
    doc["versions"] = versions
    doc["record_version"] = max(versions.values(), default=0)
    kept = {k: v for k, v in (current or {}).items() if k not in ("_id", "version")}
    return None if doc == kept else doc


def view(doc: Doc | None) -> Doc:
    """The details as the group page's answer adds them to the group."""
    doc = doc or {}
    return {
        "mailing_address": doc.get("mailing_address"),
        "physical_address": doc.get("physical_address"),
        "contacts": doc.get("contacts") or [],
        "phone": doc.get("phone"),
        "email": doc.get("email"),
        "current_plans": doc.get("current_plans") or [],
        "size": doc.get("size"),
        "record_version": doc.get("record_version", 0),
    }


def audit_entry(event: GroupInformationUpdated) -> tuple[str, Doc]:
    """One line of the audit trail: who updated which of the group's information, and when (no values)."""
    return audit_line(event, "updated group information", event.group_id, event.actor, detail=", ".join(event.changed))
