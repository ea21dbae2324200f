"""Camera credentials encrypted at rest (config.encryption, purpose "camera-credentials").

Rotation: put the new secret first in PORTAL_ENCRYPTION_KEYS, restart, run `manage.py rotate_camera_keys`, then
drop the old secret.
"""

import json
from urllib.parse import quote, urlsplit, urlunsplit

from common.encryption import DecryptionError, SecretBox

__all__ = [
    "CredentialsError",
    "camera_credentials",
    "decrypt_credentials",
    "encrypt_credentials",
    "is_current",
    "rotate_token",
    "uri_with_credentials",
]

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


def camera_credentials(camera):
    """(username, password) of a camera, empty when it has none."""
    return decrypt_credentials(camera.credentials_encrypted) if camera.credentials_encrypted else ("", "")


def uri_with_credentials(uri, username, password):
    """The address with the credentials in it, percent-encoded so that a password with "@", ":" or "/" keeps the
    address whole (ffmpeg decodes them)."""
    if not username:
        return uri
    parts = urlsplit(uri)
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    userinfo = f"{quote(username, safe='')}:{quote(password or '', safe='')}"
    return urlunsplit((parts.scheme, f"{userinfo}@{host}", parts.path, parts.query, parts.fragment))
