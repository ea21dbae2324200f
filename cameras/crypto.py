"""Camera credentials encrypted at rest, with rotatable keys.

PORTAL_ENCRYPTION_KEYS is a list of secrets: the first encrypts, all decrypt. Each secret is stretched into a
Fernet key (AES-128-CBC + HMAC-SHA256) with HKDF. Rotation: put the new secret first, restart, run
`manage.py rotate_camera_keys`, then drop the old secret.
"""

import base64
import json
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

__all__ = ["CredentialsError", "decrypt_credentials", "encrypt_credentials", "is_current", "rotate_token"]


class CredentialsError(Exception):
    """Stored credentials cannot be read with any configured key."""


def _fernet_key(secret):
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"cctv-portal-camera-credentials", info=b"fernet-v1")
    return base64.urlsafe_b64encode(hkdf.derive(secret.encode()))


@cache
def _fernets(secrets):
    return [Fernet(_fernet_key(secret)) for secret in secrets]


def _multi():
    return MultiFernet(_fernets(tuple(settings.PORTAL_ENCRYPTION_KEYS)))


def encrypt_credentials(username, password):
    payload = json.dumps({"u": username or "", "p": password or ""}, separators=(",", ":")).encode()
    return _multi().encrypt(payload).decode()


def decrypt_credentials(token):
    """(username, password) from a stored token."""
    try:
        data = json.loads(_multi().decrypt(token.encode()))
    except InvalidToken as exc:
        raise CredentialsError("No configured encryption key opens these credentials.") from exc
    return data["u"], data["p"]


def is_current(token):
    """True if the token is already encrypted under the first (current) key."""
    try:
        _fernets(tuple(settings.PORTAL_ENCRYPTION_KEYS))[0].decrypt(token.encode())
        return True
    except InvalidToken:
        return False


def rotate_token(token):
    """Re-encrypt under the current key (keeps the original timestamp)."""
    try:
        return _multi().rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise CredentialsError("No configured encryption key opens these credentials.") from exc
