"""The latest snapshot: from a camera's HTTP snapshot address or one frame of its RTSP stream."""

import base64
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse

from cameras.crypto import encrypt_credentials
from cameras.tasks import refresh_snapshot
from tests.factories import CameraFactory

pytestmark = pytest.mark.django_db
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 200 + b"\xff\xd9"


class _SnapshotHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        expected = "Basic " + base64.b64encode(b"viewer:pic-secret").decode()
        if self.headers.get("Authorization") != expected:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="cam"')
            self.end_headers()
            return
        body = JPEG if self.path == "/snap.jpg" else b"<html>not an image</html>"
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def snapshot_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SnapshotHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_snapshot_over_http_with_camera_credentials_is_stored_and_served_to_the_owner_only(
    snapshot_server, client, person, signed_in, settings, tmp_path
):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                                          "OPTIONS": {"location": str(tmp_path)}}}  # fmt: skip
    membership = person(role="operator")
    camera = CameraFactory(
        owner=membership.organisation,
        snapshot_uri=f"{snapshot_server}/snap.jpg",
        credentials_encrypted=encrypt_credentials("viewer", "pic-secret"),
    )
    assert refresh_snapshot(camera.pk) == "stored"
    camera.refresh_from_db()
    assert camera.snapshot_taken_at is not None
    signed_in(membership)
    image = client.get(reverse("cameras:snapshot", args=[camera.pk]))
    assert image.status_code == 200 and b"".join(image.streaming_content) == JPEG
    foreign = CameraFactory(snapshot_uri=f"{snapshot_server}/snap.jpg")
    assert client.get(reverse("cameras:snapshot", args=[foreign.pk])).status_code == 404


def test_a_page_that_is_not_an_image_is_refused_with_a_reason(snapshot_server):
    camera = CameraFactory(
        snapshot_uri=f"{snapshot_server}/index.html",
        rtsp_main_uri="",
        credentials_encrypted=encrypt_credentials("viewer", "pic-secret"),
    )
    assert refresh_snapshot(camera.pk) == "failed"
    camera.refresh_from_db()
    assert "JPEG" in camera.status_detail and not camera.snapshot


def test_credentials_with_reserved_characters_keep_the_stream_address_whole():
    from urllib.parse import unquote, urlsplit

    from cameras.crypto import uri_with_credentials

    uri = uri_with_credentials("rtsp://10.0.0.5:554/Streaming/101?x=1", "ops@zone", "p@ss:w/rd#1")
    parts = urlsplit(uri)
    assert (parts.hostname, parts.port, parts.path, parts.query) == ("10.0.0.5", 554, "/Streaming/101", "x=1")
    assert (unquote(parts.username), unquote(parts.password)) == ("ops@zone", "p@ss:w/rd#1")
