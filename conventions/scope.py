"""Which cameras a convention version covers, and which versions are in force: the one scope rule, used by the
access decision (policy) and by the catalogue ("cameras shared with me") alike."""

from django.db.models import Q

from cameras.models import Camera
from conventions.models import ConventionVersion

__all__ = ["in_force", "scope_named", "scope_q", "scope_q_of"]


def scope_q(version):
    """Cameras of the provider selected by the version: the union of explicit cameras, cameras of the groups and
    cameras in the municipalities (all the provider's cameras when none is named), narrowed to the kinds if any.
    Written as subqueries, so that cameras added later to a shared group are covered."""
    return scope_q_of(
        version_id=version.pk,
        provider_id=version.convention.provider_id,
        kinds=version.kinds,
        named=scope_named(version),
    )


def scope_named(version):
    """Which selections the version names (cameras, groups, municipalities)."""
    return frozenset(name for name in ("cameras", "groups", "municipalities") if getattr(version, name).exists())


def scope_q_of(*, version_id, provider_id, kinds, named):
    links = ConventionVersion
    selection = Q()
    if "cameras" in named:
        cameras = links.cameras.through.objects.filter(conventionversion_id=version_id).values("camera_id")
        selection |= Q(pk__in=cameras)
    if "groups" in named:
        groups = links.groups.through.objects.filter(conventionversion_id=version_id).values("cameragroup_id")
        selection |= Q(pk__in=Camera.groups.through.objects.filter(cameragroup_id__in=groups).values("camera_id"))
    if "municipalities" in named:
        places = links.municipalities.through.objects.filter(conventionversion_id=version_id)
        selection |= Q(municipality_id__in=places.values("municipality_id"))
    q = Q(owner_id=provider_id) & selection
    if kinds:
        q &= Q(kind__in=list(kinds))
    return q


def in_force(version_candidates, at):
    """From signed versions of one convention, the one in force at `at`: the highest-numbered signed version whose
    validity has started (an amendment replaces its predecessor only once it is itself in force), and only if
    its validity has not ended."""
    started = [v for v in version_candidates if v.valid_from <= at]
    if not started:
        return None
    current = max(started, key=lambda v: v.number)
    return current if current.valid_until is None or at < current.valid_until else None
