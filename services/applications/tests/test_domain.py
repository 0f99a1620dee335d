"""The applications aggregate and its state machine, as plain functions."""

import json
from datetime import timedelta

import pytest

from services.applications.domain import (
    MOVES,
    UploadApplications,
    check_agreement,
    confirmation_id,
    recorded_event,
    refusal,
)
from shared.contracts.applications import STATUSES, ApplicationSubmitted, ValidateApplication
from shared.contracts.envelope import Actor, utcnow
from shared.crypto import FieldCipher
from shared.errors import BadInput, Conflict, Invalid, NotFound, NotPermitted, TooLarge, Unsupported
from shared.settings import DEMO_SECRET
from tests.messages import classified
from tests.support import member

ACTOR = Actor(user_id="broker1", role="broker")
CIPHER = FieldCipher.from_setting(DEMO_SECRET)


def upload(*verdicts) -> UploadApplications:
    """An upload whose rows validation classified as given: (row, status) pairs."""
    aggregate = UploadApplications("u1", {})
    aggregate.record([classified(n, status=s) for n, s in verdicts])
    return aggregate


def test_recorded_event_masks_ssn_and_leaves_out_date_of_birth():
    text = recorded_event(classified()).model_dump_json()
    assert "123-45-6789" not in text and "123456789" not in text and "1988-06-15" not in text
    assert json.loads(text)["member"]["ssn_last4"] == "6789"


def test_confirmation_ids_are_readable_stable_and_distinct():
    ids = {confirmation_id(f"u1-{n:04d}") for n in range(4, 254)}
    assert len(ids) == 250
    assert confirmation_id("u1-0004") == confirmation_id("u1-0004")
    assert all(len(i) == 12 and i.startswith("ME-") and not set(i) & set("ILOU") for i in ids)


def test_the_same_verdict_twice_is_one_application_and_old_revisions_never_win():
    aggregate = upload((4, "ready"))
    aggregate.record([classified(4), classified(4, revision=2, status="error"), classified(4, revision=1)])
    assert list(aggregate.rows) == ["u1-0004"]
    assert (aggregate.rows["u1-0004"]["revision"], aggregate.rows["u1-0004"]["status"]) == (2, "error")


# The lifecycle as the screens offer it (docs/architecture.md), written down
# apart from the domain's own table.
OFFERED = {
    "edit": {"ready", "error", "saved"},
    "save": {"ready", "error"},
    "delete": {"ready", "error", "rejected", "saved"},
    "submit": {"ready", "saved"},
    "expire": {"saved"},
}


@pytest.mark.parametrize("action", sorted(OFFERED))
@pytest.mark.parametrize("status", STATUSES)
def test_the_state_machine_allows_each_action_only_from_its_statuses(action, status):
    app = {"_id": "u1-0004", "status": status, "classification": "ready", "revision": 1}
    assert (refusal(action, app) is None) == (status in OFFERED[action])
    assert set(MOVES) == set(OFFERED)


def test_a_saved_application_with_errors_cannot_be_submitted():
    app = {"_id": "u1-0004", "status": "saved", "classification": "error", "revision": 2}
    assert "fix its errors" in refusal("submit", app)


def test_every_change_is_a_new_revision_and_an_event_saying_the_new_status():
    aggregate = upload((4, "ready"), (5, "error"), (6, "rejected"))
    now = utcnow()
    aggregate.save("u1-0005", ACTOR, now + timedelta(days=30))
    aggregate.delete("u1-0006", ACTOR)
    aggregate.submit("u1-0004", ACTOR, now)
    for event in aggregate.events:
        row = aggregate.rows[event.application_id]
        assert (event.status, event.revision) == (row["status"], row["revision"]) == (event.status, 2)
        assert event.event_id == f"{event.application_id}:2"
    assert [e.type for e in aggregate.events] == [
        "ApplicationSavedForLater",
        "ApplicationDeleted",
        "ApplicationSubmitted",
    ]


def test_refused_actions_change_nothing_and_emit_nothing():
    aggregate = upload((4, "rejected"))
    before = dict(aggregate.rows)
    for act in (
        lambda: aggregate.save("u1-0004", ACTOR, utcnow()),
        lambda: aggregate.submit("u1-0004", ACTOR, utcnow()),
        lambda: aggregate.edit("u1-0004", member(4), ACTOR, CIPHER.seal),
    ):
        with pytest.raises(Conflict):
            act()
    assert aggregate.rows == before and aggregate.events == []
    with pytest.raises(NotFound):
        aggregate.delete("u1-0099", ACTOR)


def test_an_edit_asks_validation_again_with_the_files_other_open_rows():
    aggregate = upload((4, "ready"), (5, "error"), (6, "ready"))
    aggregate.delete("u1-0006", ACTOR)
    edited = aggregate.edit("u1-0005", {**member(5), "zip": " 94612 ", "email": "  "}, ACTOR, CIPHER.seal)
    assert (edited["status"], edited["revision"], edited["issues"]) == ("validating", 2, [])
    assert edited["cells"]["zip"] == "94612" and edited["cells"]["email"] is None
    # kept and sent on with the SSN and date of birth encrypted
    assert CIPHER.open(edited["cells"])["ssn"] == member(5)["ssn"] and member(5)["ssn"] not in str(edited)
    assert "1988-06-15" not in str(aggregate.events) and edited["ssn_last4"] == member(5)["ssn"][-4:]
    command, announced = aggregate.events[1:]
    assert isinstance(command, ValidateApplication)
    assert command.revision == 2 and command.event_id == "u1-0005:validate:2"
    # The file's other open rows are added when the command is published, not kept in the outbox.
    assert command.file_rows == []
    completed = aggregate.with_file_rows(command.model_dump(mode="json"))
    assert [r["application_id"] for r in completed["file_rows"]] == ["u1-0004"]
    assert announced.type == "ApplicationEdited" and "123-45-6789" not in announced.model_dump_json()
    with pytest.raises(Invalid) as unknown:
        aggregate.edit("u1-0004", {"shoe_size": "9"}, ACTOR, CIPHER.seal)
    assert "shoe_size" in unknown.value.detail


def test_submit_ready_submits_every_ready_one_with_its_confirmation_id():
    aggregate = upload((4, "ready"), (5, "error"), (6, "ready"))
    submitted = aggregate.submit_ready(ACTOR, utcnow())
    assert [a["_id"] for a in submitted] == ["u1-0004", "u1-0006"]
    assert aggregate.rows["u1-0005"]["status"] == "error"
    assert [(e.application_id, e.confirmation_id) for e in aggregate.events if isinstance(e, ApplicationSubmitted)] == [
        ("u1-0004", confirmation_id("u1-0004")),
        ("u1-0006", confirmation_id("u1-0006")),
    ]
    assert aggregate.submit_ready(ACTOR, utcnow()) == []


def test_delete_all_error_applications():
    aggregate = upload((4, "ready"), (5, "error"), (6, "error"))
    assert [a["_id"] for a in aggregate.delete_errors(ACTOR)] == ["u1-0005", "u1-0006"]
    assert [r["status"] for r in aggregate.rows.values()] == ["ready", "deleted", "deleted"]


def test_only_saved_applications_past_their_time_expire_and_the_system_is_the_actor():
    aggregate = upload((4, "error"), (5, "error"), (6, "ready"))
    now = utcnow()
    aggregate.save("u1-0004", ACTOR, now - timedelta(seconds=1))
    aggregate.save("u1-0005", ACTOR, now + timedelta(days=1))
    expired = aggregate.expire({"u1-0004", "u1-0005", "u1-0006"}, now)
    assert [a["_id"] for a in expired] == ["u1-0004"]
    assert aggregate.events[-1].type == "ApplicationExpired" and aggregate.events[-1].actor is None


def test_arbitration_agreements_are_pdfs_of_california_and_hawaii_groups_only():
    pdf = b"%PDF-1.7\n" + b"0" * 100
    ca = {"_id": "u1-0004", "region": "CA", "status": "ready"}
    check_agreement(ca, pdf, 1000)
    check_agreement({**ca, "region": "HI", "status": "submitted"}, pdf, 1000)
    for app, data, limit, kind in [
        ({**ca, "region": "CO"}, pdf, 1000, NotPermitted),
        (ca, b"GIF89a...", 1000, Unsupported),
        (ca, pdf, 50, TooLarge),
        (ca, b"", 1000, BadInput),
        ({**ca, "status": "deleted"}, pdf, 1000, Conflict),
    ]:
        with pytest.raises(kind) as refused:
            check_agreement(app, data, limit)
        assert refused.value.detail and refused.value.code


def test_an_application_recorded_before_encryption_keeps_its_last_four_when_submitted():
    aggregate = upload((4, "ready"))
    old = {k: v for k, v in aggregate.rows["u1-0004"].items() if k != "ssn_last4"}  # clear cells, no last four
    aggregate.rows["u1-0004"] = old
    aggregate.submit("u1-0004", ACTOR, utcnow())
    assert aggregate.events[-1].member.ssn_last4 == "6789"
