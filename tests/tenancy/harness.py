"""The tenant-isolation harness.

Each API resource registers how to make an object that belongs to an organisation, and who in that
organisation must see it. The harness then tries every role of *another* organisation against it, through
an API token and through a browser session: the object must be absent from the list and its detail a 404.
The positive control (the owner's viewer sees it) keeps the test from passing on an empty endpoint.

Register in tests/<app>/isolation.py:

    register(name="cameras", list_route="camera-list", detail_route="camera-detail", make=make_camera)

where make(organisation) returns (object, viewer_membership) with viewer_membership in that organisation.
"""

import importlib
import pkgutil
from dataclasses import dataclass
from pathlib import Path

REGISTRY = {}


@dataclass(frozen=True)
class Endpoint:
    name: str
    list_route: str
    detail_route: str
    make: object
    pk_field: str = "id"
    cross_tenant_roles: frozenset = frozenset()


def register(*, name, list_route, detail_route, make, pk_field="id", cross_tenant_roles=()):
    """cross_tenant_roles: roles that read every organisation's objects by design (e.g. the supervisor on
    conventions and logs); for them the harness asserts the object IS visible, read-only."""
    REGISTRY[name] = Endpoint(name, list_route, detail_route, make, pk_field, frozenset(cross_tenant_roles))


def discover():
    """Import every tests/<app>/isolation.py so that its registrations run."""
    root = Path(__file__).resolve().parent.parent
    for module in pkgutil.iter_modules([str(root)]):
        if module.ispkg and (root / module.name / "isolation.py").exists():
            importlib.import_module(f"tests.{module.name}.isolation")
    return REGISTRY


def listed_ids(payload, pk_field="id"):
    items = payload["results"] if isinstance(payload, dict) and "results" in payload else payload
    return {item[pk_field] for item in items}
