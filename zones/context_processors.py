from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from zones.models import Notification, Role
from zones.tenancy import active_memberships

# (label, url name, roles that see it; None means everyone signed in)
NAVIGATION = [
    (_("Dashboard"), "zones:dashboard", None),
    (_("Cameras"), "cameras:list", None),
    (_("Map"), "cameras:map", None),
    (_("Conventions"), "conventions:list", None),
    (_("Live"), "live:start", {Role.CHIEF, Role.OPERATOR}),
    (_("Watching my cameras"), "live:on_my_cameras", {Role.CHIEF, Role.OPERATOR, Role.DPO}),
    (_("Footage requests"), "requests:list", {Role.CHIEF, Role.OPERATOR, Role.APPROVER, Role.DPO}),
    (_("Legal holds"), "holds:list", {Role.CHIEF, Role.APPROVER, Role.DPO}),
    (_("Access log"), "oversight:console", {Role.DPO, Role.CHIEF, Role.SUPERVISOR, Role.PLATFORM_ADMIN}),
    (_("Transparency report"), "oversight:report", {Role.MAYOR, Role.SUPERVISOR}),
    (_("Camera groups"), "cameras:groups", {Role.CHIEF}),
    (_("People"), "zones:members", {Role.CHIEF}),
    (_("Platform status"), "zones:status", {Role.PLATFORM_ADMIN}),
    (_("API tokens"), "zones:api_tokens", None),
    (_("API documentation"), "api-docs", None),
]


def tenancy(request):
    actor = getattr(request, "actor", None)
    if actor is None:
        return {}
    organisations = {}
    for membership in active_memberships(request.user):
        organisations.setdefault(membership.organisation_id, membership.organisation)
    navigation = [
        {
            "label": label,
            "url": reverse(name),
            "active": request.resolver_match and request.resolver_match.view_name == name,
        }
        for label, name, roles in NAVIGATION
        if roles is None or actor.roles & roles
    ]
    return {
        "actor": actor,
        "actor_roles": [Role(role).label for role in Role.values if role in actor.roles],
        "my_organisations": list(organisations.values()),
        "navigation": navigation,
        "unread_notifications": Notification.objects.for_actor(actor, "view").filter(read_at__isnull=True).count(),
    }
