"""Secrets encrypted at rest with rotatable keys, one derived key per purpose.

PORTAL_ENCRYPTION_KEYS is a list of secrets: the first encrypts, all decrypt. Each secret is stretched into a
Fernet key (AES-128-CBC + HMAC-SHA256) with HKDF, salted by purpose, so that camera credentials and signing
keys never share a key.
"""

import base64
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

__all__ = ["DecryptionError", "SecretBox"]


class DecryptionError(Exception):
    """No configured key opens this value."""


@cache
def _fernet(secret, purpose):
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=f"cctv-portal-{purpose}".encode(), info=b"fernet-v1")
    return Fernet(base64.urlsafe_b64encode(hkdf.derive(secret.encode())))


class SecretBox:
    def __init__(self, purpose):
        self.purpose = purpose

    def _fernets(self):
        return [_fernet(secret, self.purpose) for secret in settings.PORTAL_ENCRYPTION_KEYS]

    def encrypt(self, data: bytes) -> str:
        return MultiFernet(self._fernets()).encrypt(data).decode()

    def decrypt(self, token: str) -> bytes:
        try:
            return MultiFernet(self._fernets()).decrypt(token.encode())
        except InvalidToken as exc:
            raise DecryptionError("No configured encryption key opens this value.") from exc

    def is_current(self, token: str) -> bool:
        try:
            self._fernets()[0].decrypt(token.encode())
            return True
        except InvalidToken:
            return False

    def rotate(self, token: str) -> str:
        try:
            return MultiFernet(self._fernets()).rotate(token.encode()).decode()
        except InvalidToken as exc:
            raise DecryptionError("No configured encryption key opens this value.") from exc
