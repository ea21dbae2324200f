"""The ONVIF onboarding probe against a real device service on loopback (tests.support.onvif_device)."""

import logging
import os
import socket
import time

import pytest

from cameras.onvif import (
    AUTH_FAILED,
    CLOCK_DRIFT,
    NOT_ONVIF,
    PROTOCOL,
    TIMEOUT,
    UNREACHABLE,
    OnvifError,
    probe_onvif,
)
from tests.support.loopback import BlackholeListener, PlainHttpServer
from tests.support.onvif_device import OnvifDeviceSimulator, SimulatedProfile

USER = "onvif-operator"
PASSWORD = "Pw-8c1f-unique-d0e5"  # distinctive, so a leak anywhere is found by a plain substring search

MAIN = SimulatedProfile("Profile_101", "mainStream", 2560, 1440, "rtsp://127.0.0.1:554/ch1/main", ptz=True)
SUB = SimulatedProfile("Profile_102", "subStream", 704, 576, "rtsp://127.0.0.1:554/ch1/sub", ptz=True)


def camera(**kwargs) -> OnvifDeviceSimulator:
    options = {"username": USER, "password": PASSWORD, "profiles": [MAIN, SUB]} | kwargs
    return OnvifDeviceSimulator(**options)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def probe_error(address, password=PASSWORD, **kwargs) -> tuple[OnvifError, float]:
    started = time.monotonic()
    with pytest.raises(OnvifError) as caught:
        probe_onvif(address, USER, password, **kwargs)
    return caught.value, time.monotonic() - started


def assert_no_secret(error: OnvifError):
    for text in (str(error), repr(error), *map(str, error.args)):
        assert PASSWORD not in text


def test_probe_reads_identity_profiles_streams_snapshot_and_ptz():
    with camera(manufacturer="Hikvision", model="DS-2DE4425IW", firmware_version="V5.7.3", serial_number="S1") as cam:
        device = probe_onvif(cam.address, USER, PASSWORD)
        calls = cam.operations
        snapshot = f"{cam.address}/onvif/snapshot?profile=Profile_101"

    assert (device.manufacturer, device.model, device.firmware_version, device.serial_number) == (
        "Hikvision",
        "DS-2DE4425IW",
        "V5.7.3",
        "S1",
    )
    assert device.hardware_id == "88"
    assert [(p.token, p.name, p.encoding, p.width, p.height) for p in device.profiles] == [
        ("Profile_101", "mainStream", "H264", 2560, 1440),
        ("Profile_102", "subStream", "H264", 704, 576),
    ]
    assert device.main_stream_uri == "rtsp://127.0.0.1:554/ch1/main"
    assert device.sub_stream_uri == "rtsp://127.0.0.1:554/ch1/sub"
    assert device.snapshot_uri == snapshot
    assert all(p.has_ptz for p in device.profiles)
    assert device.ptz_capable is True
    assert abs(device.clock_offset_seconds) <= 1.5
    assert "http://www.onvif.org/ver10/media/wsdl" in device.services
    assert "http://www.onvif.org/ver20/ptz/wsdl" in device.services
    assert calls[0] == "GetSystemDateAndTime"
    assert PASSWORD not in repr(device)


@pytest.mark.parametrize("form", ["{host}:{port}", "http://{host}:{port}", "http://{host}:{port}/onvif/device_service"])
def test_address_forms(form):
    with camera() as cam:
        device = probe_onvif(form.format(host="127.0.0.1", port=cam.port), USER, PASSWORD)
    assert device.main_stream_uri == MAIN.rtsp_uri


def test_main_is_the_highest_resolution_whatever_the_order_and_fixed_cameras_have_no_ptz():
    sub = SimulatedProfile("p2", "second", 640, 360, "rtsp://127.0.0.1/sub", snapshot=False)
    main = SimulatedProfile("p1", "first", 1920, 1080, "rtsp://127.0.0.1/main")
    with camera(profiles=[sub, main]) as cam:
        device = probe_onvif(cam.address, USER, PASSWORD)
    assert [p.token for p in device.profiles] == ["p2", "p1"]
    assert (device.main_stream_uri, device.sub_stream_uri) == ("rtsp://127.0.0.1/main", "rtsp://127.0.0.1/sub")
    assert device.profiles[0].snapshot_uri is None  # the camera refused GetSnapshotUri for that profile
    assert device.snapshot_uri.endswith("profile=p1")
    assert device.ptz_capable is False
    assert "http://www.onvif.org/ver20/ptz/wsdl" not in device.services


def test_ptz_service_with_nodes_makes_the_camera_ptz_capable():
    fixed = SimulatedProfile("p1", "main", 1920, 1080, "rtsp://127.0.0.1/main")
    with camera(profiles=[fixed], ptz_service=True) as cam:
        device = probe_onvif(cam.address, USER, PASSWORD)
        assert "GetNodes" in cam.operations
    assert device.profiles[0].has_ptz is False
    assert device.ptz_capable is True
    assert device.sub_stream_uri is None


def test_service_addresses_behind_nat_are_moved_onto_the_address_used():
    # The camera advertises an inside address that cannot be reached (TEST-NET-1).
    with camera(advertised_host="192.0.2.10:80") as cam:
        device = probe_onvif(cam.address, USER, PASSWORD, timeout=3)
    assert device.main_stream_uri == MAIN.rtsp_uri


def test_camera_that_wants_authentication_for_its_clock_too():
    with camera(public_date_and_time=False) as cam:
        device = probe_onvif(cam.address, USER, PASSWORD)
        assert cam.operations[:2] == ["GetSystemDateAndTime", "GetSystemDateAndTime"]
    assert device.main_stream_uri == MAIN.rtsp_uri


def test_a_device_fault_is_a_protocol_error_naming_the_operation():
    with camera(fail_on={"GetProfiles"}) as cam:
        error, _ = probe_error(cam.address)
    assert error.kind == PROTOCOL
    assert "GetProfiles" in str(error)
    assert "Internal error in the media server" in str(error)


@pytest.mark.parametrize("status", [400, 401])
def test_wrong_password_is_auth_failed(status):
    with camera(auth_failure_status=status) as cam:
        error, _ = probe_error(cam.address, password="not-the-password")
    assert error.kind == AUTH_FAILED
    assert "username or password" in str(error)


def test_small_clock_offset_is_measured_and_compensated():
    # The camera accepts tokens within 5 s of its own clock only: it works because Created follows the camera.
    with camera(clock_offset=30, auth_tolerance=5) as cam:
        device = probe_onvif(cam.address, USER, PASSWORD)
    assert 28.5 <= device.clock_offset_seconds <= 31.5


def test_clock_drift_is_reported_with_the_offset():
    with camera(clock_offset=-600) as cam:
        error, _ = probe_error(cam.address)
        assert cam.operations == ["GetSystemDateAndTime"]
    assert error.kind == CLOCK_DRIFT
    assert "600 seconds" in str(error)
    assert "60 seconds" in str(error)
    assert -601.5 <= error.offset_seconds <= -598.5
    assert_no_secret(error)


def test_nothing_listening_is_unreachable_quickly():
    port = free_port()
    error, elapsed = probe_error(f"http://127.0.0.1:{port}", timeout=3)
    assert error.kind == UNREACHABLE
    assert f"127.0.0.1:{port}" in str(error)
    assert elapsed < 1.0
    assert_no_secret(error)


def test_blackholed_address_is_unreachable_within_the_timeout():
    with BlackholeListener() as hole:
        error, elapsed = probe_error(hole.address, timeout=1.0)
    assert error.kind == UNREACHABLE
    assert 0.9 < elapsed < 1.0 + 1.5


def test_outside_address_ends_within_the_timeout():
    # 10.255.255.1 drops packets on most networks; some sandboxes answer for it (then it is not ONVIF).
    error, elapsed = probe_error("http://10.255.255.1:80", timeout=1.0)
    assert error.kind in (UNREACHABLE, TIMEOUT, NOT_ONVIF)
    assert elapsed < 1.0 + 1.5


@pytest.mark.parametrize(("status", "body"), [(200, b"hello"), (404, b"<html><body>Not Found</body></html>")])
def test_plain_web_server_is_not_onvif(status, body):
    with PlainHttpServer(status=status, body=body, content_type="text/html") as web:
        error, elapsed = probe_error(web.address)
    assert error.kind == NOT_ONVIF
    assert elapsed < 2
    assert_no_secret(error)


@pytest.mark.parametrize("hang_on", [None, {"GetProfiles"}])
def test_hanging_device_times_out_within_the_deadline(hang_on):
    with camera(hang=hang_on is None, hang_on=hang_on or ()) as cam:
        error, elapsed = probe_error(cam.address, timeout=1.0)
    assert error.kind in (TIMEOUT, UNREACHABLE)
    assert elapsed < 1.0 + 1.5
    assert "more than 1 seconds" in str(error) or error.kind == UNREACHABLE


@pytest.mark.parametrize("trickle", ["body", "headers"])
def test_a_device_that_trickles_bytes_is_cut_off_at_the_deadline(trickle):
    # Every read returns within the socket timeout, so only the probe's deadline (for the body) or its
    # watchdog (for the status line and headers) can end this.
    with camera(trickle=trickle) as cam:
        error, elapsed = probe_error(cam.address, timeout=1.0)
    assert error.kind == TIMEOUT
    assert elapsed < 1.0 + 1.5


def test_proxy_variables_logging_and_events_are_left_alone(monkeypatch, caplog):
    # A proxy that does not exist: had the probe used it, it could not have reached the camera.
    proxies = {
        "http_proxy": "http://proxy.invalid:3128",
        "https_proxy": "http://proxy.invalid:3128",
        "HTTP_PROXY": "http://proxy.invalid:3128",
        "HTTPS_PROXY": "http://proxy.invalid:3128",
    }
    for name, value in proxies.items():
        monkeypatch.setenv(name, value)
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    root_handlers = list(logging.getLogger().handlers)
    caplog.set_level(logging.DEBUG)

    with camera() as cam:
        device = probe_onvif(cam.address, USER, PASSWORD)
        calls = list(cam.calls)

    assert device.main_stream_uri == MAIN.rtsp_uri
    assert {name: os.environ.get(name) for name in proxies} == proxies
    assert logging.getLogger().handlers == root_handlers  # importing onvif-zeep's client would add one
    assert not [path for path, _ in calls if path == "/onvif/events_service"]  # no PullPoint subscription
    assert "CreatePullPointSubscription" not in [operation for _, operation in calls]
    assert PASSWORD not in caplog.text


def test_the_password_appears_in_no_error():
    errors = []
    with camera() as cam:
        errors.append(probe_error(cam.address, password=PASSWORD + "x")[0])
    with camera(clock_offset=3600) as cam:
        errors.append(probe_error(cam.address)[0])
    with PlainHttpServer() as web:
        errors.append(probe_error(web.address)[0])
    errors.append(probe_error(f"http://{USER}:{PASSWORD}@127.0.0.1:{free_port()}")[0])
    assert [e.kind for e in errors] == [AUTH_FAILED, CLOCK_DRIFT, NOT_ONVIF, UNREACHABLE]
    for error in errors:
        assert_no_secret(error)
        assert PASSWORD not in str(error.__cause__ or "")
