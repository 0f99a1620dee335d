from shared.contracts.applications import application_id, upload_of
from shared.contracts.envelope import new_id


def test_an_application_id_names_its_upload_and_row():
    upload = new_id()
    assert application_id(upload, 7) == f"{upload}-0007"
    assert upload_of(application_id(upload, 253)) == upload
