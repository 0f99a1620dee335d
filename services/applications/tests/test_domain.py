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
from shared.errors import BadInput, Conflict, NotFound, NotPermitted, TooLarge, Unsupported
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
    assert json.loads(text)["member"]["relationship"] == "Subscriber"  # the tabs show it


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
    with pytest.raises(BadInput) as unknown:
        aggregate.edit("u1-0004", {"shoe_size": "9"}, ACTOR, CIPHER.seal)
    assert "shoe_size" in unknown.value.detail


def test_an_edit_changes_only_the_cells_it_names_and_null_clears_one():
    aggregate = upload((4, "ready"), (5, "error"))
    before = CIPHER.open(aggregate.rows["u1-0005"]["cells"])
    edited = aggregate.edit("u1-0005", {"zip": " 94612 ", "first_name": None}, ACTOR, CIPHER.seal)
    kept = {**before, "zip": "94612", "first_name": None}
    assert CIPHER.open(edited["cells"]) == kept and len(kept) > 10
    assert edited["ssn_last4"] == "6789"  # the SSN was not edited: its last four stay
    command, announced = aggregate.events
    assert CIPHER.open(command.cells) == kept  # validation sees the whole application
    assert (announced.member.last_name, announced.member.first_name) == (before["last_name"], None)
    # A new SSN is kept encrypted beside the cells already held
    edited = aggregate.edit("u1-0004", {"ssn": "123-45-0042"}, ACTOR, CIPHER.seal)
    assert edited["cells"]["ssn"].startswith("enc:") and edited["ssn_last4"] == "0042"
    assert CIPHER.open(edited["cells"])["last_name"] == "Last4"


def test_an_edit_naming_a_cell_the_application_does_not_hold_is_refused_naming_the_known_ones():
    aggregate = UploadApplications("u1", {})
    aggregate.record([classified(4).model_copy(update={"region": "CO"})])
    with pytest.raises(BadInput) as refused:
        aggregate.edit("u1-0004", {"zip": "94612", "arbitration_signed": "Y", "Shoe size": "9"}, ACTOR, CIPHER.seal)
    assert refused.value.code == "unknown_cells"
    assert "Shoe size, arbitration_signed." in refused.value.detail  # outside CA and HI: no arbitration column
    assert "template's columns" in refused.value.detail and "first_name" in refused.value.detail
    assert aggregate.events == [] and aggregate.rows["u1-0004"]["status"] == "ready"
    # California and Hawaii templates have it.
    assert upload((4, "ready")).edit("u1-0004", {"arbitration_signed": "Y"}, ACTOR, CIPHER.seal)["revision"] == 2


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


def test_withdrawing_an_upload_deletes_its_open_applications_and_keeps_the_submitted_ones():
    aggregate = upload((4, "ready"), (5, "error"), (6, "rejected"), (7, "ready"), (8, "ready"), (9, "error"))
    aggregate.submit("u1-0004", ACTOR, utcnow())
    aggregate.save("u1-0005", ACTOR, utcnow() + timedelta(days=1))
    aggregate.delete("u1-0008", ACTOR)
    aggregate.edit("u1-0009", {"zip": "94612"}, ACTOR, CIPHER.seal)  # being validated again
    aggregate.events.clear()
    # Saved, rejected and ready are deleted; the one being validated counts and goes when its verdict comes.
    assert aggregate.withdraw(ACTOR) == (4, 1)
    statuses = {a: r["status"] for a, r in aggregate.rows.items()}
    assert statuses == {
        "u1-0004": "submitted",
        "u1-0005": "deleted",
        "u1-0006": "deleted",
        "u1-0007": "deleted",
        "u1-0008": "deleted",
        "u1-0009": "validating",
    }
    assert [(e.type, e.application_id) for e in aggregate.events] == [
        ("ApplicationDeleted", "u1-0005"),
        ("ApplicationDeleted", "u1-0006"),
        ("ApplicationDeleted", "u1-0007"),
    ]
    # The verdict on the edit, and a row classified late, are withdrawn as they arrive, by the same actor.
    aggregate.events.clear()
    aggregate.record([classified(9, revision=2), classified(10, status="error")])
    assert [(a, aggregate.rows[a]["status"], aggregate.rows[a]["revision"]) for a in ("u1-0009", "u1-0010")] == [
        ("u1-0009", "deleted", 3),
        ("u1-0010", "deleted", 2),
    ]
    assert [(e.type, e.application_id, e.actor) for e in aggregate.events] == [
        ("ApplicationDeleted", "u1-0009", ACTOR),
        ("ApplicationDeleted", "u1-0010", ACTOR),
    ]
    # Again, or a verdict delivered again: nothing more happens.
    aggregate.events.clear()
    assert aggregate.withdraw(Actor(user_id="admin1", role="group_admin")) == (0, 1)
    aggregate.record([classified(10, status="error")])
    assert aggregate.events == [] and aggregate.withdrawn_by == ACTOR.model_dump(mode="json")


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
