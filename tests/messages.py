"""Builders of the messages tests publish, so every tier speaks the same contracts."""

from datetime import date
from typing import Any

from services.applications.domain import recorded_event
from shared.contracts.applications import (
    ApplicationClassified,
    ApplicationLifecycleEvent,
    ApplicationRecorded,
    ApplicationSubmitted,
    MemberSummary,
)
from shared.contracts.envelope import Actor
from shared.contracts.reference import (
    Address,
    Contact,
    GroupInformationUpdated,
    GroupRegistered,
    MemberEnrolled,
    Plan,
    RegisterGroup,
    Subgroup,
)
from shared.contracts.uploads import MemberRowParsed, UploadAccepted
from shared.pii import ssn_hash
from tests.support import member

BROKER = Actor(user_id="broker1", role="broker")
ADMIN = Actor(user_id="admin1", role="group_admin")


def group_registered(
    group_id: str = "230001",
    name: str = "Golden Gate Bakery",
    region: str = "CA",
    broker_id: str = "broker1",
    subgroups: tuple[str, ...] = ("0001",),
) -> GroupRegistered:
    return GroupRegistered(
        event_id=f"g:{group_id}",
        correlation_id="seed",
        group_id=group_id,
        name=name,
        region=region,
        broker_id=broker_id,
        subgroups=[Subgroup(subgroup_id=s, name=f"Subgroup {s}") for s in subgroups],
        renewal_date=date(2027, 3, 1),
        acquired_on=date(2025, 1, 1),
    )


def member_enrolled(ssn_digits: str, pii_key: str, member_id: str = "M1", group_id: str = "230001") -> MemberEnrolled:
    return MemberEnrolled(
        event_id=f"m:{member_id}",
        correlation_id="seed",
        member_id=member_id,
        group_id=group_id,
        subgroup_id="0001",
        first_name="A",
        last_name="B",
        ssn_hash=ssn_hash(ssn_digits, pii_key),
        ssn_last4=ssn_digits[-4:],
    )


def classified(n: int = 4, status: str = "ready", revision: int = 1, upload_id: str = "u1") -> ApplicationClassified:
    """Validation's verdict on row ``n`` of an upload (application u1-000n)."""
    return ApplicationClassified(
        event_id=f"{upload_id}:row:{n}:classified:{revision}",
        correlation_id="c1",
        application_id=f"{upload_id}-{n:04d}",
        upload_id=upload_id,
        group_id="230001",
        region="CA",
        row_number=n,
        status=status,
        issues=[],
        cells=member(n, ssn="123-45-6789", date_of_birth="1988-06-15"),
        ssn_hash="h",
        ssn_last4="6789",
        revision=revision,
        actor=BROKER,
    )


def recorded(n: int, status: str = "ready", revision: int = 1) -> ApplicationRecorded:
    """What the applications service announces for :func:`classified` (masked)."""
    return recorded_event(classified(n, status, revision))


def lifecycle(kind: type[ApplicationLifecycleEvent], n: int, revision: int, **fields: Any) -> ApplicationLifecycleEvent:
    """A lifecycle event of row ``n`` of upload u1 (``kind``: ApplicationSubmitted, ...)."""
    return kind(
        event_id=f"u1-{n:04d}:{revision}",
        correlation_id="c1",
        application_id=f"u1-{n:04d}",
        upload_id="u1",
        group_id="230001",
        row_number=n,
        revision=revision,
        actor=BROKER,
        **fields,
    )


MEMBER = MemberSummary(first_name="Ana", last_name="Lee", subgroup_id="0001", ssn_last4="6789")


def submitted(n: int, revision: int = 2) -> ApplicationSubmitted:
    """The applications service's announcement that row ``n`` of upload u1 was submitted."""
    return lifecycle(ApplicationSubmitted, n, revision, confirmation_id=f"ME-TEST-{n:04d}", member=MEMBER)


def accepted(total_rows: int, upload_id: str = "u1") -> UploadAccepted:
    """The upload service's announcement of an upload of ``total_rows`` rows for group 230001."""
    return UploadAccepted(
        event_id=f"{upload_id}:accepted",
        correlation_id="c1",
        upload_id=upload_id,
        group_id="230001",
        region="CA",
        group_name="G",
        file_name="m.xlsx",
        total_rows=total_rows,
        actor=BROKER,
    )


def row_parsed(n: int, cells: dict, total_rows: int, upload_id: str = "u1") -> MemberRowParsed:
    """Row ``n`` of an upload of ``total_rows`` rows for group 230001, as the upload service publishes it."""
    return MemberRowParsed(
        event_id=f"{upload_id}:row:{n}",
        correlation_id="c1",
        upload_id=upload_id,
        group_id="230001",
        region="CA",
        row_number=n,
        cells=cells,
        total_rows=total_rows,
        actor=ADMIN,
    )


def register_group(group_id: str = "230001", broker_id: str = "broker1", **facts: Any) -> RegisterGroup:
    """The insurer's feed registering a group with its whole record (addresses, contacts, plans, size)."""
    base = group_registered(group_id, broker_id=broker_id).model_dump(exclude={"event_id", "type", "version"})
    details = {
        "mailing_address": Address(line1="PO Box 410", city="San Francisco", state="CA", zip="94103"),
        "physical_address": Address(
            line1="1200 Market St", line2="Suite 4", city="San Francisco", state="CA", zip="94103"
        ),
        "contacts": [
            Contact(name="Maria Lopez", role="Primary contact", phone="(415) 555-0134", email="maria@example.com")
        ],
        "phone": "(415) 555-0100",
        "email": "office@example.com",
        "current_plans": [Plan(plan_id="CA-SLV70", name="KP CA Silver 70 HMO", metal_tier="Silver", members=12)],
        "size": 18,
    }
    return RegisterGroup(**(base | details | facts), event_id=f"register:{group_id}")


def group_information_updated(group_id: str = "230001", version: int = 2, **changes: Any) -> GroupInformationUpdated:
    changes = changes or {"phone": "(415) 555-0199"}
    return GroupInformationUpdated(
        event_id=f"{group_id}:information:{version}",
        correlation_id="test",
        group_id=group_id,
        version=version,
        changed=list(changes),
        actor=BROKER,
        **changes,
    )
