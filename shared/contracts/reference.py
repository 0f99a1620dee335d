"""Reference data about groups, published by the group system of record.

In this product the demo seeder (deploy/local/demo.py) plays that system.
Validation and dashboard keep their own projections of these events.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from .envelope import Envelope


class Subgroup(BaseModel):
    subgroup_id: str = Field(examples=["0001"])
    name: str = Field(examples=["Full-time employees"])


class GroupRegistered(Envelope):
    """A small-business group exists (or changed): its broker of record, subgroups and renewal date."""

    type: Literal["GroupRegistered"] = "GroupRegistered"
    group_id: str = Field(examples=["230145"])
    name: str = Field(examples=["Golden Gate Bakery"])
    region: str = Field(description="Region code", examples=["CA"])
    broker_id: str = Field(description="User id of the broker of record", examples=["broker1"])
    subgroups: list[Subgroup]
    renewal_date: date
    acquired_on: date = Field(description="Day the broker acquired the group")
    can_enroll: bool = Field(default=True, description="False when the group may not take new members")


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
