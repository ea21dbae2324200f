"""Scoping by construction: every tenant-owned model answers `for_actor(actor, action)`, and no page, API module or
form reads a tenant-owned model through its plain manager (common/scoping.py, DESIGN §4).

The set of tenant-owned models is computed (every model of the tenant apps that points at an organisation, a camera
or another tenant-owned model) and named explicitly, so that a new tenant model without `for_actor` fails here. The
source check parses every view, API and form module of our apps and lists each `<TenantModel>.objects…` that does not
go straight to `.for_actor(` (or `.none()`), with its file and line; the few justified exceptions are listed below
with their reason.
"""

import ast
import importlib
from pathlib import Path

import pytest
from django.apps import apps
from django.db import models
from django.shortcuts import get_list_or_404, get_object_or_404

from zones.tenancy import Actor

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ["config", "demo", "oversight", "footage", "media", "conventions", "cameras", "zones", "audit", "common"]
TENANT_APPS = ["zones", "cameras", "conventions", "media", "footage"]
SCANNED = ["views.py", "views/*.py", "*_views.py", "api/*.py", "forms.py", "forms/*.py"]

# Every model that must be scoped, named so that a change to the computed rule cannot quietly drop one.
REQUIRED_SCOPED = {
    "zones.Organisation", "zones.Municipality", "zones.Membership", "zones.ApiToken", "zones.Notification",
    "cameras.Camera", "cameras.CameraGroup", "cameras.CameraGroupUserObjectPermission",
    "cameras.CameraGroupGroupObjectPermission",
    "conventions.Convention", "conventions.ConventionVersion", "conventions.Signature", "conventions.DeclaredIncident",
    "conventions.ConventionEvent",
    "media.RelayStream", "media.RecordingSegment", "media.LegalHold", "media.RecordingStream",
    "footage.LiveSession", "footage.GatewayConnection", "footage.FootageRequest", "footage.Approval",
    "footage.EvidenceExport", "footage.PlaybackToken",
}  # fmt: skip
# Tenant data scoped elsewhere: the audit app knows no actor, oversight.selectors applies who reads which chain.
SCOPED_ELSEWHERE = {"audit.AccessLogEntry"}

# (module path, enclosing function, model) -> why it may read the plain manager.
ALLOWED = {
    ("zones/api/authentication.py", "ApiTokenAuthentication.authenticate", "zones.ApiToken"): (
        "finds the token by its secret's digest before any actor exists: the digest is the proof of who calls"
    ),
    ("media/relay_views.py", "_not_ready", "media.RelayStream"): (
        "machine endpoint without an actor: the live gate has already checked the token for this camera"
    ),
    ("media/recording_views.py", "_in_window", "media.RecordingSegment"): (
        "machine endpoint without an actor: the playback gate has already checked the key for this request and camera"
    ),
}
MANAGERS = {"objects", "_default_manager", "_base_manager"}
SCOPED_CALLS = {"for_actor", "none"}  # none(): an empty queryset, e.g. the schema-only queryset of a viewset
LOOKUP_SHORTCUTS = {get_object_or_404, get_list_or_404}


def _has_for_actor(model):
    return callable(getattr(model._default_manager, "for_actor", None))


def tenant_owned_by_rule():
    """Models of the tenant apps pointing (ForeignKey or one-to-one) at an organisation, a camera or another such
    model, found by closure over the app registry; auto-created many-to-many tables excluded."""
    candidates = [m for label in TENANT_APPS for m in apps.get_app_config(label).get_models()]
    owned = {apps.get_model("zones", "Organisation"), apps.get_model("cameras", "Camera")}
    grew = True
    while grew:
        grew = False
        for model in candidates:
            if model in owned:
                continue
            targets = {f.related_model for f in model._meta.get_fields() if f.many_to_one or f.one_to_one}
            if targets & owned and not model._meta.auto_created:
                owned.add(model)
                grew = True
    return owned


def checked_models():
    """What the source check treats as tenant-owned: everything scoped, by rule or by name."""
    ours = [m for package in PACKAGES if package in apps.app_configs for m in apps.get_app_config(package).get_models()]
    labels = {m._meta.label for m in ours if _has_for_actor(m)} | REQUIRED_SCOPED | SCOPED_ELSEWHERE
    return {apps.get_model(label) for label in labels}


def test_every_tenant_owned_model_answers_for_actor():
    by_rule = {m._meta.label for m in tenant_owned_by_rule()}
    assert by_rule <= REQUIRED_SCOPED, (
        f"tenant-owned by the rule but not named in REQUIRED_SCOPED: {by_rule - REQUIRED_SCOPED}"
    )
    missing = sorted(label for label in REQUIRED_SCOPED if not _has_for_actor(apps.get_model(label)))
    assert not missing, f"tenant-owned models whose default manager has no for_actor(actor, action): {missing}"
    assert callable(getattr(apps.get_model("audit", "AccessLogEntry").objects, "in_chains", None))


@pytest.mark.parametrize("label", sorted(REQUIRED_SCOPED))
def test_unknown_actions_are_refused_and_nobody_sees_nothing(label):
    manager = apps.get_model(label)._default_manager
    actor = Actor(user=None, organisation=None)
    with pytest.raises(ValueError, match="unknown action"):
        manager.for_actor(actor, "delete everything")
    assert manager.for_actor(None, "view").query.is_empty()


# --- The source check ---------------------------------------------------------------------------------------------


def scanned_modules():
    paths = {path for package in PACKAGES for pattern in SCANNED for path in (ROOT / package).glob(pattern)}
    return sorted(path for path in paths if path.name != "__init__.py" or path.stat().st_size)


def _dotted(path):
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


class _Checker(ast.NodeVisitor):
    """Finds plain-manager reads of tenant-owned models; names resolve through the module's own globals, so aliases
    and re-exports are followed."""

    def __init__(self, namespace, tenant_models):
        self.namespace, self.tenant_models = namespace, tenant_models
        self.scope, self.found = [], []

    def _resolve(self, node):
        if isinstance(node, ast.Name):
            return self.namespace.get(node.id)
        if isinstance(node, ast.Attribute):
            return getattr(self._resolve(node.value), node.attr, None)
        return None

    def _tenant_model(self, node):
        value = self._resolve(node)
        if isinstance(value, type) and issubclass(value, models.Model) and value in self.tenant_models:
            return value
        return None

    def _report(self, node, model):
        self.found.append((node.lineno, ".".join(self.scope) or "<module>", model._meta.label))

    def _visit_scope(self, node):
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _visit_scope

    def visit_Attribute(self, node):
        model = self._tenant_model(node.value) if node.attr in MANAGERS else None
        if model is not None and not self._goes_to_scoped_call(node):
            self._report(node, model)
        self.generic_visit(node)

    def visit_Call(self, node):
        if self._resolve(node.func) in LOOKUP_SHORTCUTS and node.args:
            model = self._tenant_model(node.args[0])
            if model is not None:  # get_object_or_404(Model, ...) reads the default manager unrestricted
                self._report(node, model)
        self.generic_visit(node)

    def _goes_to_scoped_call(self, node):
        parent = getattr(node, "parent", None)
        grandparent = getattr(parent, "parent", None)
        return (
            isinstance(parent, ast.Attribute)
            and parent.attr in SCOPED_CALLS
            and isinstance(grandparent, ast.Call)
            and grandparent.func is parent
        )


def _imported_names(tree):
    """Names bound by the module's import statements, function-level ones included."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            module = importlib.import_module(node.module)
            for alias in node.names:
                value = getattr(module, alias.name, None)
                if value is None:
                    value = importlib.import_module(f"{node.module}.{alias.name}")
                names[alias.asname or alias.name] = value
        elif isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name.partition(".")[0]] = importlib.import_module(
                    alias.name if alias.asname else alias.name.partition(".")[0]
                )
    return names


def plain_manager_reads(source, namespace, tenant_models):
    tree = ast.parse(source)
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            child.parent = node
    checker = _Checker({**namespace, **_imported_names(tree)}, tenant_models)
    checker.visit(tree)
    return checker.found


def test_the_source_check_finds_what_it_should():
    """It cannot pass by finding nothing: a plain read, an aliased one, a lookup shortcut and a function-level
    import are each caught."""
    from cameras.models import Camera
    from zones.models import Membership

    namespace = {"Camera": Camera, "Alias": Membership, "get_object_or_404": get_object_or_404}
    source = (
        "def view(request, pk):\n"
        "    Camera.objects.for_actor(request.actor, 'view')\n"
        "    Camera.objects.none()\n"
        "    Camera.objects.filter(pk=pk)\n"
        "    Alias.objects.for_actor\n"
        "    get_object_or_404(Camera, pk=pk)\n"
        "    from footage.models import LiveSession as Watched\n"
        "    Watched._default_manager.filter(pk=pk)\n"
    )
    from footage.models import LiveSession

    found = plain_manager_reads(source, namespace, {Camera, Membership, LiveSession})
    assert found == [
        (4, "view", "cameras.Camera"),
        (5, "view", "zones.Membership"),
        (6, "view", "cameras.Camera"),
        (8, "view", "footage.LiveSession"),
    ]


def test_views_api_and_forms_never_read_a_tenant_model_through_its_plain_manager():
    modules = scanned_modules()
    assert len(modules) >= 25, [str(p) for p in modules]  # the globs still find the view, API and form modules
    tenant_models = checked_models()
    found, used = [], set()
    for path in modules:
        relative = str(path.relative_to(ROOT))
        namespace = vars(importlib.import_module(_dotted(path)))
        for line, scope, label in plain_manager_reads(path.read_text(), namespace, tenant_models):
            if (relative, scope, label) in ALLOWED:
                used.add((relative, scope, label))
            else:
                found.append(f"{relative}:{line} ({scope}) reads {label} through its plain manager")
    assert not found, "use Model.objects.for_actor(actor, action) or a selector:\n" + "\n".join(found)
    assert used == set(ALLOWED), f"allow-list entries that no longer match anything: {set(ALLOWED) - used}"


def test_api_serializers_take_no_related_id_from_the_client():
    """A writable related field would resolve a client's id through the related model's plain manager: every
    serializer names objects by plain values that the view restricts (or reads them only)."""
    from rest_framework import serializers

    found, checked = [], 0
    for path in (p for p in scanned_modules() if p.parent.name == "api"):
        module = importlib.import_module(_dotted(path))
        for name, value in vars(module).items():
            ours = isinstance(value, type) and value.__module__ == module.__name__
            if not (ours and issubclass(value, serializers.Serializer)):
                continue
            checked += 1
            for field_name, field in value().fields.items():
                related = isinstance(field, serializers.RelatedField | serializers.ManyRelatedField)
                if related and not field.read_only:
                    found.append(f"{path.relative_to(ROOT)}: {name}.{field_name}")
    assert checked >= 20, checked
    assert not found, f"writable related fields (restrict their queryset per request): {found}"
