from services.dashboard.domain import upload_progress


def test_upload_is_processing_until_every_row_is_classified():
    doc = {"_id": "u1", "group_id": "g", "total_rows": 3, "ready": 1, "error": 1}
    assert upload_progress(doc) | {} == {
        "upload_id": "u1",
        "group_id": "g",
        "file_name": None,
        "status": "processing",
        "total_rows": 3,
        "classified": 2,
        "ready": 1,
        "error": 1,
        "rejected": 0,
        "complete": False,
    }
    done = upload_progress({**doc, "rejected": 1})
    assert done["complete"] is True and done["status"] == "complete" and done["classified"] == 3


def test_counts_before_the_total_is_known_are_not_complete():
    assert upload_progress({"_id": "u1", "ready": 5})["complete"] is False
