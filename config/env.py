"""Reading configuration from the environment, with persistent development defaults."""

import ipaddress
import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("PORTAL_DATA_DIR", BASE_DIR / "data"))


def env_str(name, default=None):
    value = os.environ.get(name, "").strip()
    return value or default


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=()):
    value = os.environ.get(name, "")
    items = [item.strip() for item in value.split(",") if item.strip()]
    return items or list(default)


def env_networks(name, default=()):
    """Comma-separated address ranges (CIDR) from the environment; a malformed one is refused at start."""
    values = env_list(name, default)
    for value in values:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise ImproperlyConfigured(f"{name}: {value!r} is not an address range such as 10.20.0.0/16.") from None
    return values


def env_int(name, default, *, minimum=0, maximum=None):
    """An integer from the environment, refused (ImproperlyConfigured) outside [minimum, maximum]."""
    raw = env_str(name)
    try:
        value = default if raw is None else int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"The environment variable {name} must be a whole number, not {raw!r}.") from None
    if value < minimum or (maximum is not None and value > maximum):
        raise ImproperlyConfigured(f"The environment variable {name} must be between {minimum} and {maximum}.")
    return value


def database_pool(*, min_size, max_size, timeout):
    """Django's psycopg pool options: a bounded pool that closes connections idle for a minute."""
    if max_size < min_size:
        raise ImproperlyConfigured("PORTAL_DB_POOL_MAX must be at least PORTAL_DB_POOL_MIN.")
    return {"min_size": min_size, "max_size": max_size, "timeout": timeout, "max_idle": 60}


def env_required(name):
    value = env_str(name)
    if not value:
        raise ImproperlyConfigured(f"The environment variable {name} is required in production.")
    return value


def dev_secret(name, nbytes=50):
    """A random secret kept in the local data folder, so development restarts keep sessions and keys.

    Only development and test settings use this; production reads every secret from the environment.
    """
    value = env_str(name)
    if value:
        return value
    folder = DATA_DIR / "secrets"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if not path.exists():
        path.write_text(secrets.token_urlsafe(nbytes))
        path.chmod(0o600)
    return path.read_text().strip()
