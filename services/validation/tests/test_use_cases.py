from faststream.kafka import TestKafkaBroker

from services.validation import subscribers
from services.validation.settings import ValidationSettings
from services.validation.tests.fakes import InMemoryReferenceStore
from services.validation.use_cases import Deps
from shared.contracts.applications import ApplicationClassified
from shared.contracts.envelope import Actor
from tests.messages import group_registered, member_enrolled, row_parsed
from tests.support import member, service_broker

ACTOR = Actor(user_id="admin1", role="group_admin")
ROWS = "enrollment.member-row-parsed.v1"


async def test_a_file_is_classified_once_all_its_rows_arrived_and_claims_its_members():
    settings = ValidationSettings(app_env="test")
    store = InMemoryReferenceStore()
    deps = Deps(store=store, pii_key=settings.pii_hash_key.get_secret_value())
    broker = service_broker(settings, deps, subscribers)
    out: list[ApplicationClassified] = []

    @broker.subscriber("enrollment.application-classified.v1")
    async def collect(msg: ApplicationClassified):
        out.append(msg)

    key = settings.pii_hash_key.get_secret_value()
    async with TestKafkaBroker(broker) as br:
        await br.publish(group_registered(name="G"), "reference.group-registered.v1")
        await br.publish(member_enrolled("223456789", key), "reference.member-enrolled.v1")
        rows = [member(1), member(2, ssn="12"), member(3, ssn="223-45-6789")]
        await br.publish(row_parsed(4, rows[0], 3, "u1"), ROWS)
        await br.publish(row_parsed(5, rows[1], 3, "u1"), ROWS)
        assert out == []  # the file is not complete yet
        await br.publish(row_parsed(6, rows[2], 3, "u1"), ROWS)
        assert [(m.application_id, m.status) for m in out] == [
            ("u1-0004", "ready"),
            ("u1-0005", "error"),
            ("u1-0006", "rejected"),
        ]
        assert store.staged == {}  # rows with personal data are not kept once classified

        await br.publish(row_parsed(6, rows[2], 3, "u1"), ROWS)  # a late redelivery
        assert len(out) == 3 and store.staged == {}

        await br.publish(row_parsed(4, member(1), 1, "u2"), ROWS)  # the same member in another file
    assert out[-1].application_id == "u2-0004" and out[-1].status == "rejected"
    assert [i.code for i in out[-1].issues] == ["already_pending"]
    assert all(m.correlation_id == "c1" and m.actor == ACTOR for m in out)
    assert out[1].issues[0].column == "SSN" and out[1].ssn_hash is None


async def test_a_cell_that_cannot_be_decrypted_makes_its_row_an_error_not_a_failing_batch():
    settings = ValidationSettings(app_env="test")
    store = InMemoryReferenceStore()
    deps = Deps(store=store, pii_key=settings.pii_hash_key.get_secret_value())
    broker = service_broker(settings, deps, subscribers)
    out: list[ApplicationClassified] = []

    @broker.subscriber("enrollment.application-classified.v1")
    async def collect(msg: ApplicationClassified):
        out.append(msg)

    async with TestKafkaBroker(broker) as br:
        await br.publish(group_registered(name="G"), "reference.group-registered.v1")
        cells = deps.cipher.seal(member(1)) | {"ssn": "enc:1:a-key-long-gone:AAAA"}
        await br.publish(row_parsed(4, cells, 1, "u7"), ROWS)
    (verdict,) = out
    assert verdict.status == "error" and [i.column for i in verdict.issues] == ["SSN"]


async def test_a_fixed_error_reports_row_is_not_rejected_for_the_claim_of_the_application_it_replaces():
    settings = ValidationSettings(app_env="test")
    store = InMemoryReferenceStore()
    deps = Deps(store=store, pii_key=settings.pii_hash_key.get_secret_value())
    broker = service_broker(settings, deps, subscribers)
    out: list[ApplicationClassified] = []

    @broker.subscriber("enrollment.application-classified.v1")
    async def collect(msg: ApplicationClassified):
        out.append(msg)

    async with TestKafkaBroker(broker) as br:
        await br.publish(group_registered(name="G"), "reference.group-registered.v1")
        await br.publish(row_parsed(4, member(1, zip="9"), 1, "old"), ROWS)
        assert out[-1].status == "error" and "old-0004" in store.claims  # the error application holds the member
        # the error report fixed and uploaded again: its row names the application it replaces;
        # no delete event has come (nor needs to) for the claim not to count against it
        fixed = row_parsed(4, member(1), 1, "new").model_copy(update={"replaces_application_id": "old-0004"})
        await br.publish(fixed, ROWS)
        assert (out[-1].application_id, out[-1].status) == ("new-0004", "ready")
        assert out[-1].replaces_application_id == "old-0004"
        # the same member in a file that replaces nothing is still rejected
        await br.publish(row_parsed(4, member(1), 1, "other"), ROWS)
    assert (out[-1].status, [i.code for i in out[-1].issues]) == ("rejected", ["already_pending"])
    assert out[-1].replaces_application_id is None
