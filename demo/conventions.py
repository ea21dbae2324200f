"""Demo conventions for `seed_brussels --demo`: signed through the services, as two chiefs would."""

from datetime import timedelta

from django.utils import timezone

from conventions import services
from conventions.models import Convention
from zones.models import Membership, Organisation, Role
from zones.tenancy import actor_for

DEMO = [
    {
        "provider": "STIB", "consumer": "5339", "title": "Metro line 1 for Brussels-Capital/Ixelles police",
        "groups": ["Metro line 1"], "purposes": ["public_order", "incident_intervention", "criminal_investigation"],
        "modes": ["live", "playback", "export"], "emergency_allowed": True,
    },
    {
        "provider": "5340", "consumer": "5339", "title": "West zone border cameras for the Brussels-Capital zone",
        "kinds": ["ptz"], "purposes": ["public_order", "criminal_investigation", "missing_person"],
        "modes": ["live", "playback"], "emergency_allowed": False,
    },
]  # fmt: skip


def _chief(code):
    membership = Membership.objects.filter(organisation__code=code, role=Role.CHIEF, is_active=True).first()
    return actor_for(membership.user, membership.organisation_id) if membership else None


def seed_demo_conventions():
    """Create the demo conventions that do not exist yet (by title); returns how many were created."""
    created = 0
    for spec in DEMO:
        if Convention.objects.filter(title=spec["title"]).exists():
            continue
        provider_chief, consumer_chief = _chief(spec["provider"]), _chief(spec["consumer"])
        if provider_chief is None or consumer_chief is None:
            continue
        provider = Organisation.objects.get(code=spec["provider"])
        groups = list(provider.camera_groups.filter(name__in=spec.get("groups", [])))
        convention = services.convention_create(
            actor=provider_chief, consumer=Organisation.objects.get(code=spec["consumer"]), title=spec["title"],
            groups=groups, kinds=spec.get("kinds", []), purposes=spec["purposes"], modes=spec["modes"],
            emergency_allowed=spec["emergency_allowed"], lookback_days=30,
            legal_basis="Police Function Act art. 25/4 and 25/7; Camera Law of 21 March 2007 art. 9 (demo).",
            valid_from=timezone.now() - timedelta(days=1),
        )  # fmt: skip
        version = convention.versions.get()
        services.version_propose(actor=provider_chief, version=version)
        services.version_sign(actor=provider_chief, version=version, recent_second_factor=True)
        services.version_sign(actor=consumer_chief, version=version, recent_second_factor=True)
        created += 1
    return created
