"""Onboard one camera over ONVIF from the command line, as the owner's chief would in the portal."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from cameras.onvif import OnvifError
from cameras.region import centroids
from cameras.services import camera_onboard
from zones.models import Organisation, Role
from zones.tenancy import Actor


class Command(BaseCommand):
    help = "Read a camera over ONVIF and add it to its owner's catalogue."

    def add_arguments(self, parser):
        parser.add_argument("--owner", required=True, help="Owner organisation code, e.g. 5339 or STIB.")
        parser.add_argument("--onvif", required=True, help="Device service address, e.g. http://10.1.2.3:80")
        parser.add_argument("--user", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--name", default="")
        parser.add_argument("--latitude", type=float, help="Default: the centre of the owner's first municipality.")
        parser.add_argument("--longitude", type=float)

    def handle(self, *args, owner, onvif, user, password, name, latitude, longitude, **options):
        organisation = Organisation.objects.filter(code=owner).first()
        if organisation is None:
            raise CommandError(f"Unknown organisation code {owner!r}.")
        if latitude is None or longitude is None:
            first = organisation.municipalities.order_by("nis_code").first()
            latitude, longitude = centroids()["21004" if first is None else first.nis_code]
        # The command runs with the owner's chief rights: it is an operator's tool on the server itself.
        actor = Actor(user=None, organisation=organisation, roles=frozenset({Role.CHIEF}))
        try:
            camera = camera_onboard(
                actor=actor,
                onvif_address=onvif,
                username=user,
                password=password,
                name=name,
                latitude=f"{latitude:.6f}",
                longitude=f"{longitude:.6f}",
            )
        except OnvifError as error:
            raise CommandError(f"{error} [{error.kind}]") from error
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(
            f"Camera {camera.pk} “{camera.name}” added for {organisation.code}: {camera.manufacturer} {camera.model}, "
            f"{len(camera.onvif_profiles)} profile(s), PTZ {'yes' if camera.ptz_capable else 'no'}."
        )
