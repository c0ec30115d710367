"""The cipher: sealed tokens open only with the same key and only unchanged; pseudonyms are stable keyed hashes."""

from __future__ import annotations

import time

from ivr.store.cipher import Cipher

NUMBER = "+4917612345678"


def test_a_sealed_text_opens_with_the_same_key():
    token = Cipher("secret").seal(NUMBER)
    assert Cipher("secret").open(token) == NUMBER


def test_a_token_is_url_safe_and_hides_the_text():
    token = Cipher("secret").seal(NUMBER)
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=")
    assert "17612345678" not in token
    assert Cipher("secret").seal(NUMBER) != token  # a fresh token each time: equal numbers do not show as equal


def test_another_key_a_changed_token_or_garbage_opens_to_none():
    token = Cipher("secret").seal(NUMBER)
    assert Cipher("another secret").open(token) is None
    changed = token[:20] + ("A" if token[20] != "A" else "B") + token[21:]
    assert Cipher("secret").open(changed) is None
    assert Cipher("secret").open("not a token") is None
    assert Cipher("secret").open("äöü") is None


def test_a_token_older_than_max_age_opens_to_none():
    cipher = Cipher("secret")
    sealed_in = int(time.time())  # Fernet stamps whole seconds
    token = cipher.seal(NUMBER)
    assert cipher.open(token, max_age=3600) == NUMBER
    time.sleep(max(0.0, sealed_in + 1.05 - time.time()))  # into the next second: the token is older than 0 s
    assert cipher.open(token, max_age=0) is None
    assert cipher.open(token) == NUMBER  # without max_age it never expires


def test_pseudonyms_are_stable_keyed_and_not_the_number():
    one = Cipher("secret").pseudonym(NUMBER)
    assert one == Cipher("secret").pseudonym(NUMBER)
    assert len(one) == 32 and set(one) <= set("0123456789abcdef")
    assert one != Cipher("another secret").pseudonym(NUMBER)
    assert one != Cipher("secret").pseudonym("+4917612345679")


def test_pseudonym_and_seal_keys_differ():
    # both come from SECRET_KEY; a pseudonym must not be a usable key or token of the cipher
    cipher = Cipher("secret")
    assert cipher.open(cipher.pseudonym(NUMBER)) is None
