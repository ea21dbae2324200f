"""What a convention covers: cameras, groups, municipalities and kinds (also as the catalogue changes), modes
and purposes."""

import pytest

from cameras.importing import import_cameras
from cameras.models import Camera
from cameras.services import camera_create, group_set_cameras
from tests.conventions.policy_rules.world import DAY, ask, outcome, person
from tests.factories import CameraFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


# -- scope -----------------------------------------------------------------------------------------------------

SCOPE_TABLE = [
    ("explicit-camera", {"cameras": ["a"]}, {"a"}),
    ("explicit-cameras", {"cameras": ["a", "c"]}, {"a", "c"}),
    ("group", {"groups": ["g1"]}, {"a"}),
    ("municipality", {"municipalities": ["m2"]}, {"b"}),
    ("kinds-narrow-everything", {"kinds": ["ptz", "anpr"]}, {"b", "c"}),
    ("groups-narrowed-by-kind", {"groups": ["g1", "g2"], "kinds": ["fixed"]}, {"a"}),
    ("municipality-narrowed-to-nothing", {"municipalities": ["m1"], "kinds": ["anpr"]}, set()),
    ("union-of-camera-and-municipality", {"cameras": ["c"], "municipalities": ["m2"]}, {"b", "c"}),
    ("union-of-group-and-municipality", {"groups": ["g1"], "municipalities": ["m2"]}, {"a", "b"}),
    ("nothing-named-is-everything", {}, {"a", "b", "c"}),
]


@pytest.mark.parametrize(("scope", "covered"), [row[1:] for row in SCOPE_TABLE], ids=[r[0] for r in SCOPE_TABLE])
def test_scope(world, catalogue, scope, covered):
    fields = {name: [catalogue[key] for key in keys] for name, keys in scope.items() if name != "kinds"}
    if "kinds" in scope:
        fields["kinds"] = scope["kinds"]
    world.convene(**fields)
    for key in ("a", "b", "c"):
        expected = ("allowed", "convention") if key in covered else ("denied", "camera_out_of_scope")
        assert outcome(ask(world.operator, catalogue[key])) == expected, key
    # Another owner's camera in a shared municipality is never shared by this provider's convention.
    assert outcome(ask(world.operator, catalogue["d"])) == ("denied", "no_convention")


def test_camera_added_to_a_shared_group_after_signing_is_covered_on_the_next_decision(world, catalogue):
    world.convene(groups=[catalogue["g1"]])
    late = CameraFactory(owner=world.provider)
    assert outcome(ask(world.operator, late)) == ("denied", "camera_out_of_scope")
    late.groups.add(catalogue["g1"])
    assert outcome(ask(world.operator, late)) == ("allowed", "convention")
    late.groups.remove(catalogue["g1"])
    assert outcome(ask(world.operator, late)) == ("denied", "camera_out_of_scope")


def test_camera_put_into_a_shared_group_by_the_services_is_covered(world, catalogue):
    world.convene(groups=[catalogue["g1"]])
    created = camera_create(
        actor=world.provider_chief, group=catalogue["g1"], name="Late arrival", latitude="50.85", longitude="4.35"
    )
    assert outcome(ask(world.operator, created)) == ("allowed", "convention")
    later = CameraFactory(owner=world.provider)
    assert outcome(ask(world.operator, later)) == ("denied", "camera_out_of_scope")
    group_set_cameras(actor=world.provider_chief, group=catalogue["g1"], cameras=[catalogue["a"], later])
    assert outcome(ask(world.operator, later)) == ("allowed", "convention")
    assert outcome(ask(world.operator, created)) == ("denied", "camera_out_of_scope")


def test_imported_cameras_in_a_shared_group_are_covered(world, catalogue):
    world.convene(groups=[catalogue["g1"]])
    assert outcome(ask(world.operator, catalogue["a"])) == ("allowed", "convention")  # compiled before the import
    code, shared, other = world.provider.code, catalogue["g1"].name, "Not shared"
    raw = (
        "owner,name,latitude,longitude,groups\n"
        f"{code},Imported shared,50.8500,4.3500,{shared}\n"
        f"{code},Imported elsewhere,50.8510,4.3510,{other}\n"
    ).encode()
    report = import_cameras(actor=world.provider_chief, filename="cameras.csv", raw=raw)
    assert report.ok and report.created == 2, report.issues
    imported = Camera.objects.get(owner=world.provider, name="Imported shared")
    elsewhere = Camera.objects.get(owner=world.provider, name="Imported elsewhere")
    assert outcome(ask(world.operator, imported)) == ("allowed", "convention")
    assert outcome(ask(world.operator, elsewhere)) == ("denied", "camera_out_of_scope")


def test_new_camera_in_a_shared_municipality_and_a_kind_change_take_effect_at_once(world, catalogue):
    world.convene(municipalities=[catalogue["m1"]], kinds=["fixed"])
    new = CameraFactory(owner=world.provider, municipality=catalogue["m1"], kind="fixed")
    assert outcome(ask(world.operator, new)) == ("allowed", "convention")
    new.kind = "ptz"
    new.save(update_fields=["kind"])
    assert outcome(ask(world.operator, new)) == ("denied", "camera_out_of_scope")
    new.municipality = catalogue["m2"]
    new.kind = "fixed"
    new.save()
    assert outcome(ask(world.operator, new)) == ("denied", "camera_out_of_scope")


def test_camera_given_to_another_owner_leaves_the_scope(world):
    world.convene()
    assert ask(world.operator, world.camera).allowed
    world.camera.owner = OrganisationFactory()
    world.camera.save(update_fields=["owner"])
    assert outcome(ask(world.operator, world.camera)) == ("denied", "no_convention")


# -- modes, purposes, unknown values ----------------------------------------------------------------------------

MODE_PURPOSE_TABLE = [
    ("live-public-order", "live", "public_order", None),
    ("ptz-not-allowed", "ptz", "public_order", "mode_not_allowed"),
    ("playback-not-allowed", "playback", "public_order", "mode_not_allowed"),
    ("export-not-allowed", "export", "public_order", "mode_not_allowed"),
    ("traffic-not-allowed", "live", "traffic_management", "purpose_not_allowed"),
    ("missing-person-not-allowed", "live", "missing_person", "purpose_not_allowed"),
    ("unknown-purpose", "live", "curiosity", "unknown_purpose"),
    ("empty-purpose", "live", "", "unknown_purpose"),
    ("unknown-mode", "download", "public_order", "unknown_mode"),
    ("unknown-mode-and-purpose", "download", "curiosity", "unknown_purpose"),
    ("mode-before-purpose", "ptz", "traffic_management", "mode_not_allowed"),
]


@pytest.mark.parametrize(
    ("mode", "purpose", "refusal"), [row[1:] for row in MODE_PURPOSE_TABLE], ids=[r[0] for r in MODE_PURPOSE_TABLE]
)
def test_modes_and_purposes(world, mode, purpose, refusal):
    world.convene(modes=["live"], purposes=["public_order"])
    decision = ask(world.operator, world.camera, mode, purpose, age=DAY)
    assert outcome(decision) == (("denied", refusal) if refusal else ("allowed", "convention"))


@pytest.mark.parametrize(("mode", "purpose"), [("download", "public_order"), ("live", "curiosity")])
def test_unknown_values_are_refused_on_own_cameras_too(world, mode, purpose):
    decision = ask(person(world.provider, "chief"), world.camera, mode, purpose)
    assert not decision.allowed and decision.reason in {"unknown_mode", "unknown_purpose"}
