from shared.contracts.applications import application_id, is_application_id, upload_of
from shared.contracts.envelope import new_id


def test_an_application_id_names_its_upload_and_row():
    upload = new_id()
    assert application_id(upload, 7) == f"{upload}-0007"
    assert upload_of(application_id(upload, 253)) == upload


def test_only_well_formed_application_ids_reach_a_database_path():
    assert is_application_id(application_id(new_id(), 4))
    for bad in ("x.y-0004", "$where-0004", "abc", "abc-12", "abc-0004.rows", ""):
        assert not is_application_id(bad), bad
