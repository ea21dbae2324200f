"""The latest still image of a camera: from its HTTP snapshot address, or one frame of its RTSP stream (ffmpeg)."""

import shutil
import subprocess
import tempfile
from pathlib import Path

import requests
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _
from requests.auth import HTTPDigestAuth

from cameras.crypto import camera_credentials, uri_with_credentials
from cameras.networks import OutsideCameraNetworks, guarded_session, pinned_uri

__all__ = ["SnapshotError", "grab_snapshot", "store_snapshot"]

TIMEOUT_SECONDS = 8
MAX_BYTES = 5 * 1024 * 1024
JPEG_MAGIC = b"\xff\xd8"


class SnapshotError(Exception):
    pass


def _outside():
    return SnapshotError(_("The portal may not reach this camera's address: it is outside the camera networks."))


def _from_http(camera, username, password):
    auth = HTTPDigestAuth(username, password) if username else None
    session = guarded_session()  # camera networks only, to the checked address; no proxy from the environment
    try:
        response = session.get(camera.snapshot_uri, auth=auth, timeout=TIMEOUT_SECONDS, stream=True)
        if response.status_code == 401 and username:
            response = session.get(camera.snapshot_uri, auth=(username, password), timeout=TIMEOUT_SECONDS, stream=True)
        response.raise_for_status()
        body = response.raw.read(MAX_BYTES + 1, decode_content=True)
    except OutsideCameraNetworks:
        raise _outside() from None
    except requests.RequestException as exc:
        raise SnapshotError(
            _("The snapshot address did not give an image (%(error)s).") % {"error": type(exc).__name__}
        ) from exc
    if len(body) > MAX_BYTES or not body.startswith(JPEG_MAGIC):
        raise SnapshotError(_("The snapshot address did not give a JPEG image of at most 5 MB."))
    return body


def _from_rtsp(uri, username, password):
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise SnapshotError(_("ffmpeg is not installed on this server."))
    try:
        uri = pinned_uri(uri)  # ffmpeg connects to the address checked here, not to a name resolved again
    except OutsideCameraNetworks:
        raise _outside() from None
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "frame.jpg"
        # The password is on ffmpeg's command line for the second this runs; ffmpeg has no other way to take it.
        command = [ffmpeg, "-nostdin", "-loglevel", "error", "-i", uri_with_credentials(uri, username, password),
                   "-frames:v", "1", "-q:v", "4", "-y", str(target)]  # fmt: skip
        try:
            subprocess.run(command, capture_output=True, timeout=TIMEOUT_SECONDS, check=True)  # noqa: S603
        except subprocess.TimeoutExpired as exc:
            raise SnapshotError(
                _("The stream gave no image within %(seconds)d seconds.") % {"seconds": TIMEOUT_SECONDS}
            ) from exc
        except subprocess.CalledProcessError as exc:
            raise SnapshotError(_("The stream could not be read.")) from exc
        if not target.exists() or target.stat().st_size == 0:
            raise SnapshotError(_("The stream could not be read."))
        return target.read_bytes()


def grab_snapshot(camera):
    """JPEG bytes of the camera's current picture."""
    username, password = camera_credentials(camera)
    if camera.snapshot_uri:
        try:
            return _from_http(camera, username, password)
        except SnapshotError:
            if not (camera.rtsp_sub_uri or camera.rtsp_main_uri):
                raise
    uri = camera.rtsp_sub_uri or camera.rtsp_main_uri
    if not uri:
        raise SnapshotError(_("This camera has neither a snapshot address nor a stream address."))
    return _from_rtsp(uri, username, password)


def store_snapshot(camera, image):
    if camera.snapshot:
        camera.snapshot.delete(save=False)
    camera.snapshot.save(f"camera-{camera.pk}.jpg", ContentFile(image), save=False)
    camera.snapshot_taken_at = timezone.now()
    camera.save(update_fields=["snapshot", "snapshot_taken_at", "updated_at"])
