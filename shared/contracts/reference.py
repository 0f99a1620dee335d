"""Reference data about groups, published by the group system of record.

In this product the groups service is that system (the demo seeder hands it
the demo groups with ``RegisterGroup``, standing in for the insurer's feed).
Upload, validation and dashboard keep their own projections of these events.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from .envelope import Actor, Envelope


class Subgroup(BaseModel):
    subgroup_id: str = Field(examples=["0001"])
    name: str = Field(examples=["Full-time employees"])


class Address(BaseModel):
    line1: str = Field(examples=["1200 Market St"])
    line2: str | None = Field(default=None, examples=["Suite 400"])
    city: str = Field(examples=["San Francisco"])
    state: str = Field(description="Two-letter US state code", examples=["CA"])
    zip: str = Field(description="ZIP code: 5 digits, or ZIP+4", examples=["94103", "94103-1234"])


class Contact(BaseModel):
    name: str = Field(examples=["Maria Lopez"])
    role: str = Field(examples=["Primary contact", "Billing"])
    phone: str | None = Field(default=None, examples=["(415) 555-0134"])
    email: str | None = Field(default=None, examples=["maria@goldengatebakery.com"])


class Plan(BaseModel):
    plan_id: str = Field(examples=["CA-SLV70-HMO"])
    name: str = Field(examples=["KP CA Silver 70 HMO"])
    metal_tier: str = Field(examples=["Bronze", "Silver", "Gold", "Platinum"])
    members: int = Field(default=0, description="Members enrolled in the plan")


class GroupRecord(BaseModel):
    """A group as its system of record keeps it. The fields from
    ``mailing_address`` on are optional: producers before them left them out."""

    group_id: str = Field(examples=["230145"])
    name: str = Field(examples=["Golden Gate Bakery"])
    region: str = Field(description="Region code", examples=["CA"])
    broker_id: str = Field(description="User id of the broker of record", examples=["broker1"])
    subgroups: list[Subgroup]
    renewal_date: date
    acquired_on: date = Field(description="Day the broker acquired the group")
    can_enroll: bool = Field(default=True, description="False when the group may not take new members")
    mailing_address: Address | None = None
    physical_address: Address | None = None
    contacts: list[Contact] = Field(default_factory=list)
    phone: str | None = None
    email: str | None = None
    current_plans: list[Plan] = Field(default_factory=list)
    size: int | None = Field(default=None, description="Eligible employees")


class RegisterGroup(Envelope, GroupRecord):
    """Command to the groups service: the insurer's group system registers a
    group, or registers it again with its current facts (the demo seeder plays
    that system). The groups service keeps the record and announces it."""

    type: Literal["RegisterGroup"] = "RegisterGroup"


class GroupRegistered(Envelope, GroupRecord):
    """A small-business group exists (or changed): its broker of record, subgroups,
    renewal date and, since version 1 of the groups service, its whole record."""

    type: Literal["GroupRegistered"] = "GroupRegistered"
    version: int | None = Field(
        default=None, description="The record's version (+1 per change); absent from older producers"
    )


GROUP_INFORMATION_FIELDS = ("contacts", "mailing_address", "phone", "email")


class GroupInformationUpdated(Envelope):
    """A group changed the information it maintains itself (contacts, mailing
    address, phone, email). Carries only the fields that changed, with their
    new values; ``version`` is the record's version after the change (newer wins)."""

    type: Literal["GroupInformationUpdated"] = "GroupInformationUpdated"
    group_id: str = Field(examples=["230145"])
    version: int = Field(ge=1)
    changed: list[str] = Field(description="The fields this change set", examples=[["phone", "contacts"]])
    contacts: list[Contact] | None = None
    mailing_address: Address | None = None
    phone: str | None = None
    email: str | None = None
    actor: Actor


class MemberEnrolled(Envelope):
    """A member is enrolled in a group. Carries no SSN: only its keyed hash and last four digits."""

    type: Literal["MemberEnrolled"] = "MemberEnrolled"
    member_id: str
    group_id: str
    subgroup_id: str
    first_name: str
    last_name: str
    relationship: str = Field(
        default="Subscriber",
        description="To the subscriber (the template's Relationship list); absent in older events: a subscriber",
        examples=["Subscriber", "Spouse", "Domestic Partner", "Child"],
    )
    ssn_hash: str = Field(description="HMAC-SHA256 of the nine SSN digits with the deployment's PII key")
    ssn_last4: str = Field(min_length=4, max_length=4)
