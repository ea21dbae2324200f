"""The project's shape: `platform` stays the standard library, production settings pass Django's checks,
nothing is loaded from the internet."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_platform_is_the_standard_library():
    import platform

    assert Path(platform.__file__).parent != ROOT / "platform"
    assert callable(platform.system)
    assert not (ROOT / "platform" / "__init__.py").exists()
    assert not list((ROOT / "platform").glob("*.py"))


def test_uuid_still_works_from_the_project_root():
    # uuid calls platform.system(): a project package named platform would break it (and Django).
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import platform, uuid; print(platform.system(), uuid.uuid4())"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.startswith("Linux")


def test_production_settings_pass_the_deployment_checks():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "SECRET_KEY": "x" * 30 + "production-like-secret-key-for-the-check-only-0123456789",
        "PORTAL_SIGNING_KEY": "test-signing-key",
        "PORTAL_ENCRYPTION_KEYS": "test-encryption-key",
        "ALLOWED_HOSTS": "portal.example",
    }
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_refuse_to_start_without_secrets():
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "PORTAL_SIGNING_KEY"}}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.prod"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "SECRET_KEY is required in production" in result.stderr


def test_templates_and_static_files_load_nothing_from_the_internet():
    pattern = re.compile(r"""(src|href)=["']?(https?:)?//""", re.IGNORECASE)
    offenders = []
    for folder in ("templates", "static"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and path.suffix in {".html", ".css", ".js"}:
                text = path.read_text(encoding="utf-8")
                offenders += [f"{path}: {m.group(0)}" for m in pattern.finditer(text)]
                if "@import url(http" in text or "url(http" in text:
                    offenders.append(str(path))
    assert offenders == []


def test_the_project_does_not_read_the_shared_folder_at_run_time():
    offenders = []
    for path in ROOT.rglob("*.py"):
        if ".venv" in path.parts or "tests" in path.parts:
            continue
        if "../shared" in path.read_text(encoding="utf-8"):
            offenders.append(str(path))
    assert offenders == []
