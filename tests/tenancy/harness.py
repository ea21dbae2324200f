"""The tenant-isolation harness.

Each API resource registers how to make an object that belongs to an organisation, and who in that
organisation must see it. The harness then tries every role of *another* organisation against it, through
an API token and through a browser session: the object must be absent from the list and its detail a 404.
The positive control (the owner's viewer sees it) keeps the test from passing on an empty endpoint.

Register in tests/<app>/isolation.py:

    register(name="cameras", list_route="camera-list", detail_route="camera-detail", make=make_camera)

where make(organisation) returns (object, viewer_membership) with viewer_membership in that organisation.

HTML pages register the same way, in groups that share one object (tests/tenancy/test_page_isolation.py):

    register_pages(name="camera", make=make_camera_case, pages=[Page("cameras:detail"), ...])

where make(organisation) returns a Case: the object and the people (memberships) who rightfully use its pages.
"""

import importlib
import pkgutil
from dataclasses import dataclass, field
from pathlib import Path

REGISTRY = {}
PAGE_GROUPS = {}


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


@dataclass
class Case:
    """An object of one organisation, and who uses its pages rightfully: {"viewer": membership, ...}."""

    obj: object
    people: dict


def by_pk(case):
    return [case.obj.pk]


@dataclass(frozen=True)
class Page:
    """One page (or form action) showing or changing a group's object.

    args(case): the URL's arguments; data: what a POST sends (as a person would); person: who in case.people uses
    it rightfully (the positive control), None where that cannot be done in a test (say why); editor: a GET page
    that edits (cross-tenant readers get 403 there, as on every POST)."""

    url_name: str
    args: object = by_pk
    method: str = "GET"
    data: dict = field(default_factory=dict)
    person: str | None = "viewer"
    editor: bool = False

    @property
    def writes(self):
        return self.method == "POST" or self.editor


@dataclass(frozen=True)
class PageGroup:
    name: str
    make: object
    pages: tuple
    cross_tenant_roles: frozenset


def register_pages(*, name, make, pages, cross_tenant_roles=()):
    """cross_tenant_roles: roles that read every organisation's object by design (the supervisor on conventions and
    logs): for them the pages that show it answer 200, every page that changes it refuses (403, or 400 where the
    object's state refuses first) and nothing changes."""
    PAGE_GROUPS[name] = PageGroup(name, make, tuple(pages), frozenset(cross_tenant_roles))


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
