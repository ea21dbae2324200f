"""The demo's cameras: a few that stream for real, and synthetic ones at regional scale.

Streaming cameras (`seed_streaming_cameras`) read ffmpeg test patterns that `manage.py demo_cameras` publishes
on a local RTSP server (PORTAL_DEMO_RTSP_PORT), so that live viewing, playback, requests and exports work in
the demo. Synthetic cameras (demo and benchmarks) have a place, an owner and groups but no stream: they are never
handed to the recorder or the relay. Both are deterministic, so re-seeding changes nothing."""

import random
from decimal import Decimal

from django.conf import settings
from django.db import transaction

from cameras.models import Camera, CameraGroup
from cameras.region import centroids, inside_region
from zones.models import LegalRegime, Municipality, Organisation

# Share of the cameras per owner code (police zones split the rest by their municipalities).
OWNER_SHARE = {"STIB": 0.20, "BMOB": 0.07, "BPS": 0.051, "PORT": 0.03, "SIAMU": 0.015}
KINDS_POLICE = [("fixed", 0.55), ("ptz", 0.33), ("anpr", 0.07), ("mobile", 0.05)]
KINDS_BY_OWNER = {
    "STIB": [("fixed", 0.9), ("ptz", 0.1)],
    "BMOB": [("anpr", 0.45), ("fixed", 0.4), ("ptz", 0.15)],
    "BPS": [("anpr", 1.0)],
    "PORT": [("fixed", 0.6), ("ptz", 0.4)],
    "SIAMU": [("fixed", 0.7), ("ptz", 0.3)],
}
GROUP_NAMES = {
    "STIB": ["Metro line 1", "Metro line 2", "Metro line 5", "Metro line 6", "Premetro", "Tram depots"],
    "BMOB": ["Tunnels", "Ring road", "Inner ring"],
    "BPS": ["Regional ANPR"],
    "PORT": ["Quays", "Terminal"],
    "SIAMU": ["Stations"],
}


# The cameras that stream: (path on the demo RTSP server, owner code, kind, group, municipality NIS code, name,
# recorded by the platform for its owner). The STIB and 5340 ones fall under the demo conventions with 5339.
STREAMING = [
    ("stib-de-brouckere", "STIB", "fixed", "Metro line 1", "21004", "Metro De Brouckère, platform 1", False),
    ("5339-grand-place", "5339", "ptz", "", "21004", "Grand-Place, town hall corner", True),
    ("5340-clemenceau", "5340", "ptz", "", "21001", "Clemenceau square", False),
    ("5339-flagey", "5339", "fixed", "", "21009", "Place Flagey", True),
]  # fmt: skip
NO_STREAM = "Synthetic demo camera: no video stream."


def streaming_uri(path):
    return f"rtsp://127.0.0.1:{settings.PORTAL_DEMO_RTSP_PORT}/{path}"


@transaction.atomic
def seed_streaming_cameras():
    """Make sure the demo's streaming cameras exist and point at the demo RTSP server; returns how many were made."""
    created = 0
    for path, owner_code, kind, group, nis_code, name, recorded in STREAMING:
        owner = Organisation.objects.filter(code=owner_code).first()
        municipality = Municipality.objects.filter(nis_code=nis_code).first()
        if owner is None or municipality is None:
            continue
        lat, lon = centroids()[nis_code]
        camera, made = Camera.objects.update_or_create(
            owner=owner, name=f"DEMO {name}",
            defaults={
                "kind": kind, "legal_regime": owner.legal_regime, "municipality": municipality,
                "latitude": Decimal(f"{lat:.6f}"), "longitude": Decimal(f"{lon:.6f}"), "address": name,
                "rtsp_main_uri": streaming_uri(path), "ptz_capable": kind == "ptz", "recorded_centrally": recorded,
                "retention_days_at_source": 30, "camera_law_declaration_ref": f"DECL-{owner_code}-DEMO",
            },
        )  # fmt: skip
        if group:
            camera.groups.add(CameraGroup.objects.get_or_create(owner=owner, name=group)[0])
        created += made
    return created


def _pick(rng, weighted):
    roll, total = rng.random(), 0.0
    for value, weight in weighted:
        total += weight
        if roll <= total:
            return value
    return weighted[-1][0]


def _owner_plan(n, owners):
    plan = []
    police = [o for o in owners if o.kind == Organisation.Kind.POLICE_ZONE]
    for owner in owners:
        if owner.code in OWNER_SHARE:
            plan += [owner] * round(n * OWNER_SHARE[owner.code])
    rest = n - len(plan)
    for index in range(max(rest, 0)):
        plan.append(police[index % len(police)])
    return plan[:n]


@transaction.atomic
def seed_cameras(n, *, seed=2026):
    """Make sure at least n synthetic cameras exist; returns how many were created."""
    owners = list(Organisation.objects.exclude(kind=Organisation.Kind.SUPERVISOR).order_by("code"))
    municipalities = list(Municipality.objects.select_related("zone").order_by("nis_code"))
    points = centroids()
    # Earlier demos gave synthetic cameras made-up addresses, which the recorder then tried for ever.
    Camera.objects.filter(name__startswith="SYN-").exclude(rtsp_main_uri="", rtsp_sub_uri="", onvif_address="").update(
        rtsp_main_uri="", rtsp_sub_uri="", onvif_address="", status_detail=NO_STREAM
    )
    existing = set(Camera.objects.filter(name__startswith="SYN-").values_list("name", flat=True))
    groups = {}
    for owner in owners:
        for name in GROUP_NAMES.get(owner.code, []):
            groups[(owner.code, name)] = CameraGroup.objects.get_or_create(owner=owner, name=name)[0]
    cameras, links = [], []
    for index, owner in enumerate(_owner_plan(n, owners)):
        name = f"SYN-{owner.code}-{index:05d}"
        if name in existing:
            continue
        rng = random.Random(f"{seed}:{index}")  # noqa: S311 - synthetic demo data, not secrets
        places = [m for m in municipalities if m.zone_id == owner.pk] or municipalities
        municipality = rng.choice(places)
        lat, lon = points[municipality.nis_code]
        while True:
            candidate = (lat + rng.gauss(0, 0.008), lon + rng.gauss(0, 0.012))
            if inside_region(*candidate):
                break
        police = owner.legal_regime == LegalRegime.POLICE
        kind = _pick(rng, KINDS_POLICE if police else KINDS_BY_OWNER.get(owner.code, KINDS_POLICE))
        camera = Camera(
            owner=owner,
            name=name,
            kind=kind,
            legal_regime=owner.legal_regime,
            special_risk_place=(not police) and rng.random() < 0.25,
            latitude=Decimal(f"{candidate[0]:.6f}"),
            longitude=Decimal(f"{candidate[1]:.6f}"),
            address=f"{municipality.name_fr} {index}",
            municipality=municipality,
            status_detail=NO_STREAM,
            ptz_capable=kind == "ptz",
            retention_days_at_source=30 if not police else 30 * rng.choice([1, 3, 12]),
            council_approval_ref=f"CC-{municipality.nis_code}-{2020 + index % 6}" if police else "",
            camera_law_declaration_ref=f"DECL-{owner.code}-{index:05d}",
        )
        cameras.append(camera)
        owner_groups = GROUP_NAMES.get(owner.code)
        if owner_groups:
            links.append((camera, groups[(owner.code, owner_groups[index % len(owner_groups)])]))
    Camera.objects.bulk_create(cameras, batch_size=1000)
    Camera.groups.through.objects.bulk_create(
        [Camera.groups.through(camera_id=c.pk, cameragroup_id=g.pk) for c, g in links], batch_size=1000
    )
    return len(cameras)
