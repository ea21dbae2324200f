"""With production settings the media gateway's hook answers over the internal http link (no redirect to https),
while every other page still redirects."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import django, json
django.setup()
from django.test import Client
client = Client(REMOTE_ADDR="127.0.0.1")
hook = client.post("/gateway/auth", data=json.dumps({"action": "publish", "path": "cam/1"}),
                   content_type="application/json", HTTP_HOST="portal.internal")
page = client.get("/", HTTP_HOST="portal.internal")
print(hook.status_code, page.status_code)
"""


def test_the_hook_is_not_redirected_to_https_but_pages_are(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "SECRET_KEY": "x" * 60,
        "PORTAL_SIGNING_KEY": "test-signing-key",
        "PORTAL_ENCRYPTION_KEYS": "test-encryption-key",
        "ALLOWED_HOSTS": "portal.internal",
        "CSRF_TRUSTED_ORIGINS": "https://portal.internal",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        "PORTAL_DATA_DIR": str(tmp_path),
    }
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    hook, page = result.stdout.split()
    assert hook == "403" and page == "301"
