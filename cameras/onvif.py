"""Read what an ONVIF camera offers, before it is onboarded: the onboarding probe.

``probe_onvif(address, username, password)`` asks the device service for the camera's clock, identity,
services and media profiles (stream and snapshot addresses, PTZ) and returns an ``OnvifDevice``. It writes
nothing; the caller stores what it wants.

It speaks ONVIF with zeep clients built from onvif-zeep's WSDL files (cameras/onvif_soap.py), never through
``onvif.ONVIFCamera``, whose constructor changes the process's environment and subscribes to the camera's events.

Every failure is an ``OnvifError`` whose ``kind`` says what went wrong and whose message says what to do.
The whole call is bounded by ``timeout``: one deadline for all requests, per-request timeouts from what is
left of it, no retries, and a watchdog that gives up at the deadline even when the network stack does not
(a name that does not resolve, a peer that trickles bytes).
"""

from __future__ import annotations

import datetime as dt
import math
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import requests
import urllib3
from django.utils import translation
from django.utils.translation import gettext
from zeep.exceptions import Fault

from cameras.networks import OutsideCameraNetworks, camera_addresses
from cameras.onvif_soap import (
    DEVICE_NS,
    MEDIA_NS,
    PTZ_NS,
    Deadline,
    DeadlineTransport,
    HttpRefused,
    NotSoap,
    UsernameDigest,
    service_client,
)

__all__ = [
    "AUTH_FAILED",
    "CLOCK_DRIFT",
    "KINDS",
    "NOT_ONVIF",
    "OUTSIDE",
    "PROTOCOL",
    "TIMEOUT",
    "UNREACHABLE",
    "OnvifDevice",
    "OnvifError",
    "OnvifProfile",
    "probe_onvif",
]

UNREACHABLE = "unreachable"
AUTH_FAILED = "auth_failed"
CLOCK_DRIFT = "clock_drift"
NOT_ONVIF = "not_onvif"
TIMEOUT = "timeout"
PROTOCOL = "protocol"
OUTSIDE = "outside_networks"
KINDS = (UNREACHABLE, AUTH_FAILED, CLOCK_DRIFT, NOT_ONVIF, TIMEOUT, PROTOCOL, OUTSIDE)

# GetCapabilities categories (and their Extension entries) as service namespaces, like GetServices lists them.
_CAPABILITY_NAMESPACES = {
    "Analytics": "http://www.onvif.org/ver20/analytics/wsdl",
    "Device": DEVICE_NS,
    "Events": "http://www.onvif.org/ver10/events/wsdl",
    "Imaging": "http://www.onvif.org/ver20/imaging/wsdl",
    "Media": MEDIA_NS,
    "PTZ": PTZ_NS,
    "DeviceIO": "http://www.onvif.org/ver10/deviceIO/wsdl",
    "Display": "http://www.onvif.org/ver10/display/wsdl",
    "Recording": "http://www.onvif.org/ver10/recording/wsdl",
    "Search": "http://www.onvif.org/ver10/search/wsdl",
    "Replay": "http://www.onvif.org/ver10/replay/wsdl",
    "Receiver": "http://www.onvif.org/ver10/receiver/wsdl",
    "AnalyticsDevice": "http://www.onvif.org/ver10/analyticsdevice/wsdl",
}
_WATCHDOG_GRACE = 0.5  # seconds the watchdog waits past the deadline for the probe's own, more precise error
_DEFAULT_DEVICE_PATH = "/onvif/device_service"


@dataclass
class OnvifProfile:
    token: str
    name: str
    encoding: str | None
    width: int | None
    height: int | None
    stream_uri: str | None
    snapshot_uri: str | None
    has_ptz: bool


@dataclass
class OnvifDevice:
    manufacturer: str
    model: str
    firmware_version: str
    serial_number: str
    hardware_id: str
    profiles: list[OnvifProfile] = field(default_factory=list)
    main_stream_uri: str | None = None
    sub_stream_uri: str | None = None
    snapshot_uri: str | None = None
    ptz_capable: bool = False
    clock_offset_seconds: float = 0.0
    services: list[str] = field(default_factory=list)


class OnvifError(Exception):
    """A probe that failed. ``kind`` is one of KINDS; ``str(error)`` tells a person what to do."""

    def __init__(self, kind: str, message: str, *, offset_seconds: float | None = None):
        if kind not in KINDS:
            raise ValueError(f"Unknown ONVIF error kind {kind!r}.")
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.offset_seconds = offset_seconds  # the camera's clock minus ours, for CLOCK_DRIFT

    def __str__(self):
        return self.message

    def __repr__(self):
        return f"OnvifError({self.kind!r}, {self.message!r})"


# -- messages ----------------------------------------------------------------------------------------------


def _unreachable(address: str) -> OnvifError:
    return OnvifError(
        UNREACHABLE,
        gettext(
            "The camera did not answer at %(address)s. Check the address, the port and the network path "
            "(firewall, VPN, routing) from the portal to the camera."
        )
        % {"address": address},
    )


def _outside(address: str) -> OnvifError:
    """One answer for every address outside the camera networks, whatever is behind it (nothing was sent there)."""
    return OnvifError(
        OUTSIDE,
        gettext(
            "The portal may not reach %(address)s: cameras are reached only in the camera networks the platform "
            "administrator configured. Check the address, or ask for the camera's network to be added."
        )
        % {"address": address},
    )


def _bad_address(address: str) -> OnvifError:
    return OnvifError(
        UNREACHABLE,
        gettext("“%(address)s” is not a camera address. Enter it as http://HOST:PORT, for example http://10.1.2.3:80.")
        % {"address": address},
    )


def _auth_failed() -> OnvifError:
    return OnvifError(
        AUTH_FAILED,
        gettext(
            "The camera refused the username or password. Check them in the camera's own web page; the account "
            "needs ONVIF access (some cameras keep separate ONVIF users)."
        ),
    )


def _clock_drift(offset: float, limit: float) -> OnvifError:
    return OnvifError(
        CLOCK_DRIFT,
        gettext(
            "The camera's clock is %(seconds)d seconds off; WS-Security needs clocks within %(limit)d seconds. "
            "Set the camera's time (NTP) and try again."
        )
        % {"seconds": round(abs(offset)), "limit": round(limit)},
        offset_seconds=offset,
    )


def _not_onvif(address: str) -> OnvifError:
    return OnvifError(
        NOT_ONVIF,
        gettext(
            "This address answers, but not as an ONVIF device service (%(address)s). Check the port, and that "
            "ONVIF is switched on in the camera's settings."
        )
        % {"address": address},
    )


def _timeout(seconds: float) -> OnvifError:
    return OnvifError(
        TIMEOUT,
        gettext(
            "The camera took more than %(seconds)d seconds to answer. Check that it is not overloaded and that "
            "the network path is sound, then try again."
        )
        % {"seconds": max(1, math.ceil(seconds))},
    )


def _protocol(operation: str, detail: str) -> OnvifError:
    return OnvifError(
        PROTOCOL,
        gettext(
            "The camera answered %(operation)s with an error or a reply the portal cannot read (%(detail)s). "
            "Update the camera's firmware, or add the camera with its stream addresses by hand."
        )
        % {"operation": operation, "detail": detail},
    )


def _no_media() -> OnvifError:
    return OnvifError(
        PROTOCOL,
        gettext(
            "The camera offers no ONVIF media service (Profile S), so the portal cannot read its streams. Add the "
            "camera with its stream addresses by hand."
        ),
    )


# -- the probe ---------------------------------------------------------------------------------------------


def _parse_address(address: str) -> tuple[str, str]:
    """The device service URL and the address to show people (never with credentials in it)."""
    raw = (address or "").strip()
    if "://" not in raw:
        raw = f"http://{raw}"
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        raise _bad_address(address) from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise _bad_address(address)
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    netloc = host if port is None else f"{host}:{port}"
    path = parts.path if parts.path not in ("", "/") else _DEFAULT_DEVICE_PATH
    scheme = parts.scheme.lower()
    return urlunsplit((scheme, netloc, path, parts.query, "")), urlunsplit((scheme, netloc, "", "", ""))


def _rebase(xaddr: str | None, device_url: str) -> str | None:
    """A service address from the camera, moved onto the address we reached the camera at.

    Cameras behind NAT or port forwarding advertise their inside address; the path is what matters.
    """
    if not xaddr:
        return None
    try:
        parts = urlsplit(str(xaddr).strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.path:
        return None
    ours = urlsplit(device_url)
    return urlunsplit((ours.scheme, ours.netloc, parts.path, parts.query, ""))


def _is_not_authorized(fault: Fault) -> bool:
    """ter:NotAuthorized as a subcode (the standard), or in the code or the reason (as some cameras put it)."""
    names = [str(fault.code or ""), str(fault.message or "")]
    names += [getattr(code, "localname", None) or str(code) for code in (getattr(fault, "subcodes", None) or [])]
    return any("notauthorized" in name.replace(" ", "").lower() for name in names)


def _camera_utc(system_date_and_time) -> dt.datetime | None:
    utc = getattr(system_date_and_time, "UTCDateTime", None)
    if utc is None or utc.Date is None or utc.Time is None:
        return None
    try:
        return dt.datetime(
            utc.Date.Year, utc.Date.Month, utc.Date.Day, utc.Time.Hour, utc.Time.Minute, utc.Time.Second, tzinfo=dt.UTC
        )
    except (TypeError, ValueError):
        return None


def _text(value) -> str:
    return "" if value is None else str(value).strip()


class _Probe:
    def __init__(self, address, username, password, timeout, max_clock_drift):
        self.device_url, self.shown_address = _parse_address(address)
        self.username = username or ""
        self._password = password or ""
        self.timeout = timeout
        self.max_clock_drift = max_clock_drift
        self.transport = DeadlineTransport(time.monotonic() + timeout, self.username, self._password)
        self.first_answer_seen = False

    def __repr__(self):
        return f"<_Probe {self.shown_address}>"

    def _redact(self, text: str) -> str:
        text = " ".join(str(text).split())[:200]
        return text.replace(self._password, "***") if self._password else text

    def call(self, service, operation: str, **kwargs):
        """One SOAP call, its failures turned into OnvifError. Faults other than NotAuthorized pass through."""
        try:
            result = getattr(service, operation)(**kwargs)
        except Deadline:
            raise _timeout(self.timeout) from None
        except OutsideCameraNetworks:
            raise _outside(self.shown_address) from None
        except requests.exceptions.ConnectTimeout as error:
            raise _unreachable(self.shown_address) from error
        except requests.exceptions.Timeout as error:
            raise _timeout(self.timeout) from error
        except requests.exceptions.ConnectionError as error:
            reason = error.args[0] if error.args else None
            if isinstance(reason, urllib3.exceptions.ProtocolError):  # connected, but no HTTP answer
                raise self._unreadable(operation, error) from error
            raise _unreachable(self.shown_address) from error
        except HttpRefused:
            raise _auth_failed() from None
        except Fault as fault:
            if _is_not_authorized(fault):
                raise _auth_failed() from fault
            self.first_answer_seen = True
            raise
        except NotSoap:
            raise self._unreadable(operation, None) from None
        except Exception as error:  # zeep's and lxml's parse errors, invalid URLs, too many redirects
            raise self._unreadable(operation, error) from error
        self.first_answer_seen = True
        return result

    def _unreadable(self, operation: str, error) -> OnvifError:
        if not self.first_answer_seen:
            return _not_onvif(self.shown_address)
        return _protocol(operation, self._redact(type(error).__name__ if error else "not SOAP"))

    def fault(self, operation: str, fault: Fault) -> OnvifError:
        return _protocol(operation, self._redact(fault.message or fault.code or "SOAP fault"))

    # -- steps ---------------------------------------------------------------------------------------------

    def run(self) -> OnvifDevice:
        try:  # first of all, and the same at once for every refused address; each connection is checked again
            camera_addresses(urlsplit(self.device_url).hostname)
        except OutsideCameraNetworks:
            raise _outside(self.shown_address) from None
        offset = self.clock_offset()
        wsse = UsernameDigest(self.username, self._password, offset) if self.username else None
        device = service_client("devicemgmt", self.device_url, self.transport, wsse)
        try:
            info = self.call(device, "GetDeviceInformation")
        except Fault as fault:
            raise self.fault("GetDeviceInformation", fault) from fault
        services, media_xaddr, ptz_xaddr = self.service_addresses(device)
        if not media_xaddr:
            raise _no_media()
        profiles = self.profiles(service_client("media", media_xaddr, self.transport, wsse))
        ptz_capable = any(p.has_ptz for p in profiles)
        if not ptz_capable and ptz_xaddr:
            ptz_capable = self.has_ptz_nodes(service_client("ptz", ptz_xaddr, self.transport, wsse))
        with_video = sorted(
            (p for p in profiles if p.stream_uri), key=lambda p: (p.width or 0) * (p.height or 0), reverse=True
        )
        main = with_video[0] if with_video else None
        snapshots = [p.snapshot_uri for p in ([main] if main else []) + profiles if p.snapshot_uri]
        return OnvifDevice(
            manufacturer=_text(info.Manufacturer),
            model=_text(info.Model),
            firmware_version=_text(info.FirmwareVersion),
            serial_number=_text(info.SerialNumber),
            hardware_id=_text(info.HardwareId),
            profiles=profiles,
            main_stream_uri=main.stream_uri if main else None,
            sub_stream_uri=with_video[1].stream_uri if len(with_video) > 1 else None,
            snapshot_uri=snapshots[0] if snapshots else None,
            ptz_capable=ptz_capable,
            clock_offset_seconds=offset,
            services=services,
        )

    def clock_offset(self) -> float:
        """GetSystemDateAndTime, without authentication as ONVIF allows; the camera's clock minus ours."""
        anonymous = service_client("devicemgmt", self.device_url, self.transport, None)
        before = time.time()
        try:
            answer = self.call(anonymous, "GetSystemDateAndTime")
        except OnvifError as error:
            if error.kind != AUTH_FAILED or not self.username:
                raise
            # Some cameras (Axis among them) want authentication even here: ask again, with our clock.
            signed = service_client(
                "devicemgmt", self.device_url, self.transport, UsernameDigest(self.username, self._password, 0)
            )
            before = time.time()
            try:
                answer = self.call(signed, "GetSystemDateAndTime")
            except Fault as fault:
                raise self.fault("GetSystemDateAndTime", fault) from fault
        except Fault as fault:
            raise _not_onvif(self.shown_address) from fault
        after = time.time()
        camera = _camera_utc(answer)
        if camera is None:
            return 0.0  # the camera gives no UTC time: nothing to compare, the signed calls will tell
        # The camera's seconds are truncated: its clock read, on average, half a second more than it says.
        offset = round(camera.timestamp() + 0.5 - (before + after) / 2, 1)
        if abs(offset) > self.max_clock_drift:
            raise _clock_drift(offset, self.max_clock_drift)
        return offset

    def service_addresses(self, device) -> tuple[list[str], str | None, str | None]:
        """Service namespaces, and the media and PTZ addresses: GetServices, else GetCapabilities."""
        addresses: dict[str, str | None] = {}
        try:
            for service in self.call(device, "GetServices", IncludeCapability=False) or []:
                namespace = _text(service.Namespace)
                if namespace:
                    addresses[namespace] = _rebase(service.XAddr, self.device_url)
        except Fault:
            addresses = {}  # an older device: GetCapabilities is enough
        if not addresses.get(MEDIA_NS):
            try:
                capabilities = self.call(device, "GetCapabilities", Category=["All"])
            except Fault as fault:
                raise self.fault("GetCapabilities", fault) from fault
            for name, namespace in _CAPABILITY_NAMESPACES.items():
                entry = getattr(capabilities, name, None)
                if entry is None and getattr(capabilities, "Extension", None) is not None:
                    entry = getattr(capabilities.Extension, name, None)
                xaddr = _rebase(getattr(entry, "XAddr", None), self.device_url) if entry is not None else None
                if xaddr and not addresses.get(namespace):
                    addresses[namespace] = xaddr
        return sorted(addresses), addresses.get(MEDIA_NS), addresses.get(PTZ_NS)

    def profiles(self, media) -> list[OnvifProfile]:
        try:
            answer = self.call(media, "GetProfiles") or []
        except Fault as fault:
            raise self.fault("GetProfiles", fault) from fault
        profiles = []
        for profile in answer:
            token = _text(profile.token)
            encoder = profile.VideoEncoderConfiguration
            resolution = getattr(encoder, "Resolution", None)
            profiles.append(
                OnvifProfile(
                    token=token,
                    name=_text(profile.Name),
                    encoding=(_text(encoder.Encoding) or None) if encoder is not None else None,
                    width=getattr(resolution, "Width", None),
                    height=getattr(resolution, "Height", None),
                    stream_uri=self.uri(media, "GetStreamUri", token, stream=True),
                    snapshot_uri=self.uri(media, "GetSnapshotUri", token),
                    has_ptz=profile.PTZConfiguration is not None,
                )
            )
        return profiles

    def uri(self, media, operation: str, token: str, *, stream: bool = False) -> str | None:
        kwargs = {"ProfileToken": token}
        if stream:
            kwargs["StreamSetup"] = {"Stream": "RTP-Unicast", "Transport": {"Protocol": "RTSP"}}
        try:
            answer = self.call(media, operation, **kwargs)
        except Fault:
            return None  # this profile has no such stream or snapshot
        return _text(getattr(answer, "Uri", None)) or None

    def has_ptz_nodes(self, ptz) -> bool:
        try:
            return bool(self.call(ptz, "GetNodes"))
        except Fault:
            return False


def probe_onvif(
    address: str, username: str, password: str, *, timeout: float = 5.0, max_clock_drift: float = 60
) -> OnvifDevice:
    """Read an ONVIF camera: identity, clock offset, services, media profiles, stream/snapshot URIs, PTZ.

    ``address`` is "http://HOST:PORT", "HOST:PORT" or the full device service URL. Raises OnvifError; the
    whole call ends within about ``timeout`` seconds whatever the camera or the network does.
    """
    probe = _Probe(address, username, password, timeout, max_clock_drift)  # a bad address raises here
    language = translation.get_language()
    outcome: dict[str, object] = {}

    def work():
        with translation.override(language):
            try:
                outcome["device"] = probe.run()
            except Exception as error:
                outcome["error"] = error
            finally:
                probe.transport.session.close()

    worker = threading.Thread(target=work, name="onvif-probe", daemon=True)
    worker.start()
    worker.join(timeout + _WATCHDOG_GRACE)
    if worker.is_alive():  # stuck below the per-request timeouts (name resolution, a trickling peer)
        raise _timeout(timeout)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["device"]
