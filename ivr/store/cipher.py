"""Symmetric encryption for personal data that must travel outside the database (URLs, spool files)."""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet
from cryptography.fernet import InvalidToken


class Cipher:
    """Fernet keyed from SECRET_KEY; also a keyed hash for pseudonyms."""

    def __init__(self, secret_key: str):
        digest = hashlib.sha256(("ivr-fernet:" + secret_key).encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))
        self._hash_key = hashlib.sha256(("ivr-pseudonym:" + secret_key).encode()).digest()

    def seal(self, text: str) -> str:
        """Encrypt text into a URL-safe token."""
        return self._fernet.encrypt(text.encode()).decode()

    def open(self, token: str, max_age: int | None = None) -> str | None:
        """Decrypt a token; None when it is forged, damaged or older than max_age seconds."""
        try:
            return self._fernet.decrypt(token.encode(), ttl=max_age).decode()
        except (InvalidToken, ValueError):
            return None

    def pseudonym(self, text: str) -> str:
        """Return a stable keyed hash (the same number gives the same pseudonym, not reversible)."""
        return hmac.new(self._hash_key, text.encode(), hashlib.sha256).hexdigest()[:32]
