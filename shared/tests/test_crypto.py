import base64
import os

import pytest

from shared.crypto import FieldCipher, UnreadableSecret
from shared.pii import masked_ssn
from shared.settings import DEMO_SECRET


def keys(*ids: str) -> str:
    return ",".join(f"{i}={base64.b64encode(os.urandom(32)).decode()}" for i in ids)


def test_sensitive_cells_are_sealed_and_open_again_others_untouched():
    cipher = FieldCipher.from_setting(keys("k1"))
    cells = {"first_name": "Ana", "ssn": "123-45-6789", "subscriber_ssn": None, "date_of_birth": "1988-06-15"}
    sealed = cipher.seal(cells)
    assert sealed["first_name"] == "Ana" and sealed["subscriber_ssn"] is None
    assert "6789" not in sealed["ssn"] and "1988" not in sealed["date_of_birth"]
    assert sealed["ssn"] != cipher.seal(cells)["ssn"]  # a fresh nonce each time
    assert cipher.open(sealed) == cells
    assert cipher.open(cells) == cells  # values written before encryption still read


def test_keys_rotate_and_a_value_cannot_move_to_another_field():
    setting_old = keys("k1")
    old = FieldCipher.from_setting(setting_old)
    sealed = old.encrypt("ssn", "123-45-6789")
    rotated = FieldCipher.from_setting(keys("k2") + "," + setting_old)
    assert rotated.decrypt("ssn", sealed) == "123-45-6789"  # the old key still reads
    assert rotated.encrypt("ssn", "1").startswith("enc:1:k2:")  # the new one writes
    with pytest.raises(UnreadableSecret):
        rotated.decrypt("subscriber_ssn", sealed)
    with pytest.raises(UnreadableSecret):
        FieldCipher.from_setting(keys("k3")).decrypt("ssn", sealed)


def test_files_are_encrypted_whole():
    cipher = FieldCipher.from_setting(DEMO_SECRET)
    data = b"PK\x03\x04" + b"123-45-6789" * 10
    sealed = cipher.encrypt_file("u1", data)
    assert b"123-45-6789" not in sealed and cipher.decrypt_file("u1", sealed) == data
    assert cipher.decrypt_file("u1", data) == data  # stored before encryption
    with pytest.raises(UnreadableSecret):
        cipher.decrypt_file("u2", sealed)  # bound to its name


@pytest.mark.parametrize(
    "setting", ["", "k1", "k1=short", "=" + base64.b64encode(b"x" * 32).decode(), "a:b=" + "A" * 44]
)
def test_bad_key_settings_are_refused(setting):
    with pytest.raises(ValueError):
        FieldCipher.from_setting(setting)


def test_a_viewer_sees_the_last_four():
    assert masked_ssn("123-45-6789") == "***-**-6789" and masked_ssn(None) is None


def test_a_users_text_that_looks_encrypted_is_encrypted_like_any_other():
    cipher = FieldCipher.from_setting(keys("k1"))
    typed = {"ssn": "enc:1:x:AAAA", "date_of_birth": "enc:1:k1:!!!"}
    assert cipher.open(cipher.seal(typed)) == typed


@pytest.mark.parametrize("stored", ["enc:1:k1:AAAA", "enc:1:k1:!!!", "enc:1:k1:", "enc:1:gone:AAAA"])
def test_a_value_that_cannot_be_decrypted_is_refused_by_name_or_left_empty(stored):
    cipher = FieldCipher.from_setting(keys("k1"))
    with pytest.raises(UnreadableSecret):
        cipher.decrypt("ssn", stored)
    opened, unreadable = cipher.open_readable({"ssn": stored, "first_name": "Ana"})
    assert opened == {"ssn": None, "first_name": "Ana"} and unreadable == ["ssn"]
