from datetime import date

from faststream.kafka import TestKafkaBroker

from services.validation.adapters import InMemoryReferenceStore
from services.validation.app import build_broker
from services.validation.handlers import Deps
from services.validation.settings import ValidationSettings
from shared.contracts.applications import ApplicationClassified
from shared.contracts.envelope import Actor
from shared.contracts.reference import GroupRegistered, MemberEnrolled, Subgroup
from shared.contracts.uploads import MemberRowParsed
from shared.pii import ssn_hash
from tests.support import member

ACTOR = Actor(user_id="admin1", role="group_admin")


async def test_rows_are_classified_against_the_reference_projection():
    settings = ValidationSettings(app_env="test")
    deps = Deps(store=InMemoryReferenceStore())
    broker = build_broker(settings, deps)
    out: list[ApplicationClassified] = []

    @broker.subscriber("enrollment.application-classified.v1")
    async def collect(msg: ApplicationClassified):
        out.append(msg)

    key = settings.pii_hash_key.get_secret_value()
    async with TestKafkaBroker(broker) as br:
        await br.publish(
            GroupRegistered(
                correlation_id="seed",
                group_id="230001",
                name="G",
                region="CA",
                broker_id="broker1",
                subgroups=[Subgroup(subgroup_id="0001", name="FT")],
                renewal_date=date(2027, 1, 1),
                acquired_on=date(2024, 1, 1),
            ),
            "reference.group-registered.v1",
        )
        await br.publish(
            MemberEnrolled(
                correlation_id="seed",
                member_id="M1",
                group_id="230001",
                subgroup_id="0001",
                first_name="A",
                last_name="B",
                ssn_hash=ssn_hash("223456789", key),
                ssn_last4="6789",
            ),
            "reference.member-enrolled.v1",
        )
        for n, cells in enumerate([member(1), member(2, ssn="12"), member(3, ssn="223-45-6789")], start=2):
            await br.publish(
                MemberRowParsed(
                    correlation_id="c1",
                    upload_id="u1",
                    group_id="230001",
                    region="CA",
                    row_number=n,
                    cells=cells,
                    actor=ACTOR,
                ),
                "enrollment.member-row-parsed.v1",
            )

    assert [(m.application_id, m.status) for m in out] == [
        ("u1-0002", "ready"),
        ("u1-0003", "error"),
        ("u1-0004", "rejected"),
    ]
    assert all(m.correlation_id == "c1" and m.actor == ACTOR for m in out)
    assert out[1].issues[0].column == "SSN" and out[1].ssn_hash is None
