"""Camera credentials encrypted at rest (config.encryption, purpose "camera-credentials").

Rotation: put the new secret first in PORTAL_ENCRYPTION_KEYS, restart, run `manage.py rotate_camera_keys`, then
drop the old secret.
"""

import json

from config.encryption import DecryptionError, SecretBox

__all__ = ["CredentialsError", "decrypt_credentials", "encrypt_credentials", "is_current", "rotate_token"]

BOX = SecretBox("camera-credentials")
CredentialsError = DecryptionError


def encrypt_credentials(username, password):
    return BOX.encrypt(json.dumps({"u": username or "", "p": password or ""}, separators=(",", ":")).encode())


def decrypt_credentials(token):
    """(username, password) from a stored token."""
    data = json.loads(BOX.decrypt(token))
    return data["u"], data["p"]


def is_current(token):
    return BOX.is_current(token)


def rotate_token(token):
    return BOX.rotate(token)
