"""The region's reference tenants, loaded from the project's copy of the Brussels data."""

import json
from pathlib import Path

from django.db import transaction

from zones.models import LegalRegime, Membership, Municipality, Organisation

DATA_FILE = Path(__file__).resolve().parent / "data" / "brussels.json"

# The supervisory body for police information (LED); it reads logs, it owns no camera.
SUPERVISOR = {
    "code": "COC",
    "kind": Organisation.Kind.SUPERVISOR,
    "name_fr": "Organe de contrôle de l'information policière",
    "name_nl": "Controleorgaan op de politionele informatie",
    "short_name": "COC",
}


def load_reference():
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def _upsert(model, lookup, values):
    """Create or update without touching rows that already match, so a second run changes nothing."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        return model.objects.create(**lookup, **values), True
    changed = [field for field, value in values.items() if getattr(obj, field) != value]
    for field in changed:
        setattr(obj, field, values[field])
    if changed:
        obj.save(update_fields=changed)
    return obj, False


@transaction.atomic
def seed_reference():
    """Six police zones, the regional bodies, the supervisory body and the 19 municipalities."""
    data = load_reference()
    created = 0
    for zone in data["police_zones"]:
        organisation, new = _upsert(
            Organisation,
            {"code": zone["code"]},
            {
                "kind": Organisation.Kind.POLICE_ZONE,
                "name_fr": zone["name_fr"],
                "name_nl": zone["name_nl"],
                "short_name": zone["short"],
                "legal_regime": LegalRegime.POLICE,
            },
        )
        created += new
        for municipality in zone["municipalities"]:
            _, new = _upsert(
                Municipality,
                {"nis_code": municipality["nis"]},
                {"name_fr": municipality["fr"], "name_nl": municipality["nl"], "zone": organisation},
            )
            created += new
    for body in data["regional_bodies"]:
        _, new = _upsert(
            Organisation,
            {"code": body["code"]},
            {
                "kind": body["kind"],
                "name_fr": body["name_fr"],
                "name_nl": body["name_nl"],
                "short_name": body["code"],
                "legal_regime": body.get("legal_regime", LegalRegime.CAMERA_LAW),
            },
        )
        created += new
    _, new = _upsert(Organisation, {"code": SUPERVISOR["code"]}, {k: v for k, v in SUPERVISOR.items() if k != "code"})
    created += new
    return created


def demo_roles(organisation):
    """Which demo people each organisation gets: every role that makes sense for its kind."""
    if organisation.kind == Organisation.Kind.SUPERVISOR:
        return ["supervisor"]
    roles = ["chief", "operator", "approver", "dpo"]
    if organisation.kind == Organisation.Kind.POLICE_ZONE:
        roles.append("mayor")
    if organisation.code == "BPS":
        roles.append("platform_admin")
    return roles


__all__ = ["Membership", "demo_roles", "load_reference", "seed_reference"]
