from shared.pii import last4, ssn_digits, ssn_hash


def test_ssn_digits_accepts_plain_and_dashed_only():
    assert ssn_digits("123-45-6789") == "123456789"
    assert ssn_digits(" 123456789 ") == "123456789"
    assert ssn_digits("123-456789") == "123456789"
    assert ssn_digits("12345678") is None and ssn_digits(None) is None and ssn_digits("123.45.6789") is None


def test_keyed_hash_depends_on_the_key_and_hides_the_digits():
    a, b = ssn_hash("123456789", "k1"), ssn_hash("123456789", "k2")
    assert a != b and "123456789" not in a and len(a) == 64
    assert last4("123456789") == "6789" and last4(None) is None
