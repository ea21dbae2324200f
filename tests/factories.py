"""factory_boy factories for the tenants and people of the tests."""

from decimal import Decimal

import factory
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from zones.models import ApiToken, LegalRegime, Membership, Municipality, Organisation, Role, User

PASSWORD = "a long test password 42"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"Z{n:03d}")
    kind = Organisation.Kind.POLICE_ZONE
    name_fr = factory.LazyAttribute(lambda o: f"Zone {o.code}")
    name_nl = factory.LazyAttribute(lambda o: f"Zone {o.code} (nl)")
    short_name = factory.LazyAttribute(lambda o: o.code)
    legal_regime = LegalRegime.POLICE

    class Params:
        regional = factory.Trait(kind=Organisation.Kind.PUBLIC_TRANSPORT, legal_regime=LegalRegime.CAMERA_LAW)
        inactive = factory.Trait(is_active=False)


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality

    nis_code = factory.Sequence(lambda n: f"9{n:04d}")
    name_fr = factory.Sequence(lambda n: f"Commune {n}")
    name_nl = factory.Sequence(lambda n: f"Gemeente {n}")
    zone = factory.SubFactory(OrganisationFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.OPERATOR

    class Params:
        disabled = factory.Trait(is_active=False)


class CameraFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "cameras.Camera"

    owner = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Camera {n}")
    kind = "fixed"
    latitude = factory.Sequence(lambda n: Decimal("50.800000") + Decimal(n % 100) / 1000)
    longitude = factory.Sequence(lambda n: Decimal("4.300000") + Decimal(n % 100) / 1000)
    rtsp_main_uri = factory.Sequence(lambda n: f"rtsp://10.0.{n // 250}.{n % 250 + 1}:554/main")

    class Params:
        offline = factory.Trait(status="offline")
        special_risk = factory.Trait(special_risk_place=True)


class CameraGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "cameras.CameraGroup"

    owner = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Group {n}")


def give_totp(user):
    """A confirmed authenticator and ten backup codes, as after enrolment."""
    device = TOTPDevice.objects.create(user=user, name="Authenticator", confirmed=True)
    static = StaticDevice.objects.create(user=user, name="Backup codes", confirmed=True)
    codes = [f"backup{i:04d}" for i in range(10)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=code) for code in codes])
    return device, codes


def totp_code(device):
    """A code the device accepts now: the current step, or the next one if the current was already used."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if device.last_t is not None and totp.t() <= device.last_t:
        totp.drift = device.last_t - totp.t() + 1  # the device tolerates one step ahead
    return f"{totp.token():0{device.digits}d}"


def api_token_for(membership, days=30):
    from zones import services
    from zones.tenancy import actor_for

    actor = actor_for(membership.user, membership.organisation_id)
    return services.api_token_create(actor=actor, name="test", days=days)


__all__ = [
    "PASSWORD",
    "CameraFactory",
    "CameraGroupFactory",
    "ApiToken",
    "MembershipFactory",
    "MunicipalityFactory",
    "OrganisationFactory",
    "UserFactory",
    "api_token_for",
    "give_totp",
    "totp_code",
]
