"""Which cameras a convention version covers, and which versions are in force: the one scope rule, used by the
access decision (policy) and by the catalogue ("cameras shared with me") alike."""

from django.db.models import Q

from cameras.models import Camera

from .models import Convention, ConventionVersion

__all__ = ["in_force", "scope_q", "shared_cameras_q"]


def scope_q(version):
    """Cameras of the provider selected by the version: the union of explicit cameras, cameras of the groups and
    cameras in the municipalities (all the provider's cameras when none is named), narrowed to the kinds if any.
    Written as subqueries, so that cameras added later to a shared group are covered."""
    links = ConventionVersion
    selection = Q()
    if version.cameras.exists():
        cameras = links.cameras.through.objects.filter(conventionversion_id=version.pk).values("camera_id")
        selection |= Q(pk__in=cameras)
    if version.groups.exists():
        groups = links.groups.through.objects.filter(conventionversion_id=version.pk).values("cameragroup_id")
        selection |= Q(pk__in=Camera.groups.through.objects.filter(cameragroup_id__in=groups).values("camera_id"))
    if version.municipalities.exists():
        places = links.municipalities.through.objects.filter(conventionversion_id=version.pk)
        selection |= Q(municipality_id__in=places.values("municipality_id"))
    q = Q(owner_id=version.convention.provider_id) & selection
    if version.kinds:
        q &= Q(kind__in=version.kinds)
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


def active_versions(*, consumer, at):
    """Versions in force for this consumer now, across non-suspended, non-terminated conventions."""
    conventions = Convention.objects.filter(
        consumer=consumer, suspended_at__isnull=True, terminated_at__isnull=True
    ).prefetch_related("versions")
    versions = []
    for convention in conventions:
        signed = [v for v in convention.versions.all() if v.status == ConventionVersion.Status.SIGNED]
        current = in_force(signed, at)
        if current is not None:
            current.convention = convention
            versions.append(current)
    return versions


def shared_cameras_q(*, consumer, at):
    """Cameras of other owners that an active convention shares with the consumer at `at` (Q on Camera)."""
    q = Q(pk__in=[])
    for version in active_versions(consumer=consumer, at=at):
        q |= scope_q(version)
    return q
