from datetime import UTC, datetime

from services.dashboard.domain import (
    lifecycle_document,
    page_of,
    status_counts,
    upload_progress,
)
from services.dashboard.history import submitted_document
from shared.contracts.applications import ApplicationSavedForLater, ApplicationSubmitted, MemberSummary
from shared.contracts.envelope import Actor

NONE_YET = {"validating": 0, "saved": 0, "submitted": 0, "deleted": 0, "expired": 0}


def test_upload_is_processing_until_every_row_is_classified():
    doc = {"_id": "u1", "group_id": "g", "total_rows": 3, "ready": 1, "error": 1}
    assert upload_progress(doc) == {
        "upload_id": "u1",
        "group_id": "g",
        "file_name": None,
        "status": "processing",
        "total_rows": 3,
        "classified": 2,
        "ready": 1,
        "error": 1,
        "rejected": 0,
        **NONE_YET,
        "complete": False,
        "replaces_upload_id": None,  # not a fixed error report
        "replaces_applications": 0,
        "replaced_applications": 0,
    }
    done = upload_progress({**doc, "rejected": 1})
    assert done["complete"] is True and done["status"] == "complete" and done["classified"] == 3


def test_rows_acted_on_still_count_as_classified():
    doc = {"_id": "u1", "total_rows": 3, "ready": 1, "submitted": 1, "deleted": 1}
    assert upload_progress(doc)["complete"] is True


def test_counts_before_the_total_is_known_are_not_complete():
    assert upload_progress({"_id": "u1", "ready": 5})["complete"] is False


def fields(**over):
    return {
        "correlation_id": "c",
        "application_id": "u1-0004",
        "upload_id": "u1",
        "group_id": "230001",
        "row_number": 4,
        "revision": 3,
        "actor": Actor(user_id="admin1", role="group_admin"),
        **over,
    }


MEMBER = MemberSummary(first_name="Ana", last_name="Lee", subgroup_id="0001", ssn_last4="6789")


def test_lifecycle_events_set_status_and_their_own_fields():
    until = datetime(2026, 12, 23, tzinfo=UTC)
    saved = lifecycle_document(ApplicationSavedForLater(**fields(), expires_at=until))
    assert saved["status"] == "saved" and saved["expires_at"] == until and saved["revision"] == 3
    submitted = ApplicationSubmitted(**fields(), confirmation_id="ME-ABCD-EF12", member=MEMBER)
    assert lifecycle_document(submitted)["confirmation_id"] == "ME-ABCD-EF12"
    history = submitted_document(submitted, {"_id": "g", "name": "Golden Gate Bakery", "broker_id": "broker1"}, UTC)
    assert history["status"] == "Pending KP Review" and history["member_name"] == "Ana Lee"
    assert history["kind"] == "Enrollment" and history["created_by"] == "admin1"
    assert (history["type"], history["group_name"], history["broker_id"]) == (
        "Mass Enrollment",
        "Golden Gate Bakery",
        "broker1",
    )


def test_counts_come_from_the_rows():
    rows = {"a": {"status": "ready"}, "b": {"status": "ready"}, "c": {"status": "submitted"}}
    counts = status_counts(rows)
    assert counts["ready"] == 2 and counts["submitted"] == 1 and counts["error"] == 0
    assert sum(counts.values()) == 3


def test_a_page_is_a_slice_with_the_total():
    items = [{"n": n} for n in range(30)]
    assert page_of(items, 2, 25) == {"items": items[25:], "total": 30, "page": 2, "page_size": 25}
    assert page_of(items, 3, 25)["items"] == []
