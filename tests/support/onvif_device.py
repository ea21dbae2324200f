"""A real ONVIF device service on loopback, for tests.

No physical camera can be reached from the test machine, so this module stands in for one: an HTTP server
(``http.server``, one thread per connection) that speaks SOAP 1.2 the way an ONVIF Profile S camera does.
It is a real network peer: the probe under test opens TCP connections to it, sends the requests zeep builds
from onvif-zeep's WSDLs, and parses what comes back with the same WSDLs. Nothing in the client is mocked.

What it implements:

- device service (``/onvif/device_service``, http://www.onvif.org/ver10/device/wsdl): GetSystemDateAndTime
  (answered without authentication, as ONVIF requires), GetDeviceInformation, GetCapabilities, GetServices;
- media service (``/onvif/media_service``, ver10): GetProfiles, GetStreamUri (RTP-Unicast over RTSP only),
  GetSnapshotUri;
- PTZ service (``/onvif/ptz_service``, ver20) when the device has PTZ: GetNodes;
- an events service address is advertised, but every call to it is refused (ActionNotSupported) and
  recorded, so a test can prove that nobody tried to create a PullPoint subscription.

Every operation except GetSystemDateAndTime needs a WS-Security UsernameToken with a *PasswordDigest*
(Base64(SHA-1(nonce + created + password))) whose Created lies within ``auth_tolerance`` seconds of the
device's own clock (the machine's clock plus ``clock_offset``); a nonce is accepted once. Anything else gets
a SOAP 1.2 fault ``env:Sender`` / ``ter:NotAuthorized`` with HTTP 400, as most cameras answer (or 401 with
``auth_failure_status=401``).

``hang=True`` makes the device read every request and never answer; ``hang_on={"GetProfiles"}`` does that
for the named operations only; ``trickle="body"`` makes it answer every request with headers and then a body one
byte at a time, slowly enough that no socket timeout ever fires; ``trickle="headers"`` does that from the
status line on. The servers it is built on, and a plain web server and a port that never answers for the probe's
other tests, are in tests.support.loopback.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import threading
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit
from xml.sax.saxutils import escape, quoteattr

from lxml import etree

from tests.support.loopback import LoopbackServer, QuietHandler

__all__ = ["OnvifDeviceSimulator", "SimulatedProfile"]

ENV = "http://www.w3.org/2003/05/soap-envelope"
SOAP11_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
PASSWORD_DIGEST = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest"
DEVICE_NS = "http://www.onvif.org/ver10/device/wsdl"
MEDIA_NS = "http://www.onvif.org/ver10/media/wsdl"
PTZ_NS = "http://www.onvif.org/ver20/ptz/wsdl"
EVENTS_NS = "http://www.onvif.org/ver10/events/wsdl"
SCHEMA_NS = "http://www.onvif.org/ver10/schema"
ERROR_NS = "http://www.onvif.org/ver10/error"

SERVICE_PATHS = {
    "/onvif/device_service": DEVICE_NS,
    "/onvif/media_service": MEDIA_NS,
    "/onvif/ptz_service": PTZ_NS,
    "/onvif/events_service": EVENTS_NS,
}
_PATH_OF = {namespace: path for path, namespace in SERVICE_PATHS.items()}

_SOAP_CONTENT_TYPE = "application/soap+xml; charset=utf-8"


@dataclass(frozen=True)
class SimulatedProfile:
    """One media profile: a video encoder configuration and, optionally, a PTZ configuration."""

    token: str
    name: str
    width: int
    height: int
    rtsp_uri: str
    encoding: str = "H264"
    ptz: bool = False
    snapshot: bool = True


DEFAULT_PROFILES = (
    SimulatedProfile("Profile_1", "mainStream", 1920, 1080, "rtsp://127.0.0.1:554/Streaming/Channels/101", ptz=True),
    SimulatedProfile("Profile_2", "subStream", 640, 360, "rtsp://127.0.0.1:554/Streaming/Channels/102", ptz=True),
)


class _SoapFault(Exception):
    def __init__(self, status: int, code: str, subcode: str, reason: str):
        super().__init__(reason)
        self.status, self.code, self.subcode, self.reason = status, code, subcode, reason


def _sender_fault(subcode: str, reason: str, status: int = 400) -> _SoapFault:
    return _SoapFault(status, "env:Sender", subcode, reason)


def _envelope(body: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<env:Envelope xmlns:env="{ENV}" xmlns:tds="{DEVICE_NS}" xmlns:trt="{MEDIA_NS}" '
        f'xmlns:tptz="{PTZ_NS}" xmlns:tt="{SCHEMA_NS}" xmlns:ter="{ERROR_NS}">'
        f"<env:Body>{body}</env:Body></env:Envelope>"
    ).encode()


def _fault_envelope(fault: _SoapFault) -> bytes:
    return _envelope(
        "<env:Fault>"
        f"<env:Code><env:Value>{fault.code}</env:Value>"
        f"<env:Subcode><env:Value>{fault.subcode}</env:Value></env:Subcode></env:Code>"
        f'<env:Reason><env:Text xml:lang="en">{escape(fault.reason)}</env:Text></env:Reason>'
        "</env:Fault>"
    )


def _text(value) -> str:
    return escape(str(value))


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _date_time(moment: dt.datetime) -> str:
    return (
        f"<tt:Time><tt:Hour>{moment.hour}</tt:Hour><tt:Minute>{moment.minute}</tt:Minute>"
        f"<tt:Second>{moment.second}</tt:Second></tt:Time>"
        f"<tt:Date><tt:Year>{moment.year}</tt:Year><tt:Month>{moment.month}</tt:Month>"
        f"<tt:Day>{moment.day}</tt:Day></tt:Date>"
    )


def _parse_created(value: str) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


class OnvifDeviceSimulator(LoopbackServer):
    """A simulated ONVIF Profile S camera. Use as a context manager, or call start() and stop()."""

    def __init__(
        self,
        *,
        username: str = "admin",
        password: str = "camera-secret",  # noqa: S107 - the simulated camera's own, made-up password
        manufacturer: str = "Simulated Optics",
        model: str = "SIM-4K-PTZ",
        firmware_version: str = "5.7.3 build 240115",
        serial_number: str = "SIM0001234",
        hardware_id: str = "88",
        profiles: Iterable[SimulatedProfile] = DEFAULT_PROFILES,
        clock_offset: float = 0.0,
        auth_tolerance: float = 60.0,
        auth_failure_status: int = 400,
        ptz_service: bool | None = None,
        advertised_host: str | None = None,
        hang: bool = False,
        hang_on: Collection[str] = (),
        trickle: str | None = None,
        public_date_and_time: bool = True,
        fail_on: Collection[str] = (),
    ):
        """
        clock_offset: seconds the device's clock is ahead of this machine's (negative: behind).
        ptz_service: whether the device offers a PTZ service; by default, when a profile has PTZ.
        advertised_host: "host:port" to put in service addresses (XAddr) instead of the real one, as a camera
            behind NAT does.
        public_date_and_time: False to want authentication for GetSystemDateAndTime too, as Axis cameras do.
        fail_on: operations answered with a receiver fault (ter:Action), as a buggy firmware does.
        """
        super().__init__()
        self.username = username
        self.password = password
        self.manufacturer = manufacturer
        self.model = model
        self.firmware_version = firmware_version
        self.serial_number = serial_number
        self.hardware_id = hardware_id
        self.profiles = list(profiles)
        self.clock_offset = clock_offset
        self.auth_tolerance = auth_tolerance
        self.auth_failure_status = auth_failure_status
        self.ptz_service = any(p.ptz for p in self.profiles) if ptz_service is None else ptz_service
        self.advertised_host = advertised_host
        self.hang = hang
        self.hang_on = frozenset(hang_on)
        self.trickle = trickle
        self.public_date_and_time = public_date_and_time
        self.fail_on = frozenset(fail_on)
        self.calls: list[tuple[str, str]] = []  # (path, operation) of every SOAP request, in order
        self._seen_nonces: set[bytes] = set()
        self._lock = threading.Lock()

    # -- plumbing ------------------------------------------------------------------------------------------

    @property
    def device_url(self) -> str:
        return f"{self.address}/onvif/device_service"

    @property
    def operations(self) -> list[str]:
        with self._lock:
            return [operation for _, operation in self.calls]

    def now(self) -> dt.datetime:
        """The device's clock."""
        return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=self.clock_offset)

    def _xaddr(self, namespace: str) -> str:
        host = self.advertised_host or f"127.0.0.1:{self.port}"
        return f"http://{host}{_PATH_OF[namespace]}"

    def _handler_class(self):
        class Handler(QuietHandler):
            def do_GET(self):
                self._send(405, b"<html><body>Method Not Allowed</body></html>", "text/html")

            def do_POST(self):
                owner = self.server.owner
                body = self._read_body()
                if owner.trickle:
                    self._trickle(owner)
                    return
                reply = owner._handle(self.path, body)
                if reply is None:  # hang: keep the connection open without a word until the server stops
                    owner._stopping.wait()
                    self.close_connection = True
                    return
                self._send(*reply)

            def _trickle(self, owner):
                self.close_connection = True
                if owner.trickle == "headers":
                    head, byte = b"HTTP/1.1 200 OK\r\nX-Padding: ", b"a"
                else:
                    head = (
                        f"HTTP/1.1 200 OK\r\nContent-Type: {_SOAP_CONTENT_TYPE}\r\nContent-Length: 1000000\r\n\r\n"
                    ).encode()
                    byte = b" "
                try:
                    if owner.trickle == "headers":
                        for index in range(len(head)):
                            if owner._stopping.wait(0.05):
                                return
                            self.wfile.write(head[index : index + 1])
                            self.wfile.flush()
                    else:
                        self.wfile.write(head)
                    while not owner._stopping.wait(0.1):
                        self.wfile.write(byte)
                        self.wfile.flush()
                except OSError:
                    pass  # the client gave up

        return Handler

    def _handle(self, path: str, body: bytes) -> tuple[int, bytes, str] | None:
        namespace_of_path = SERVICE_PATHS.get(urlsplit(path).path)
        if namespace_of_path is None:
            return 404, b"<html><body>Not Found</body></html>", "text/html"
        try:
            envelope = self._parse(body)
            operation = self._operation(envelope)
            with self._lock:
                self.calls.append((urlsplit(path).path, etree.QName(operation).localname))
            if self.hang or etree.QName(operation).localname in self.hang_on:
                return None
            answer = self._dispatch(namespace_of_path, envelope, operation)
        except _SoapFault as fault:
            return fault.status, _fault_envelope(fault), _SOAP_CONTENT_TYPE
        return 200, _envelope(answer), _SOAP_CONTENT_TYPE

    @staticmethod
    def _parse(body: bytes):
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        try:
            root = etree.fromstring(body, parser)  # noqa: S320 - entities and network access are off
        except etree.XMLSyntaxError as error:
            raise _sender_fault("ter:WellFormed", "The request is not well-formed XML.") from error
        if root.tag == f"{{{SOAP11_ENV}}}Envelope":
            raise _SoapFault(400, "env:VersionMismatch", "ter:WellFormed", "Only SOAP 1.2 is supported.")
        if root.tag != f"{{{ENV}}}Envelope":
            raise _sender_fault("ter:WellFormed", "The request is not a SOAP 1.2 envelope.")
        return root

    @staticmethod
    def _operation(envelope):
        body = envelope.find(f"{{{ENV}}}Body")
        operation = None if body is None else next(iter(body.iterchildren(tag=etree.Element)), None)
        if operation is None:
            raise _sender_fault("ter:WellFormed", "The SOAP body is empty.")
        return operation

    def _authenticated(self, envelope) -> bool:
        token = envelope.find(f"{{{ENV}}}Header/{{{WSSE}}}Security/{{{WSSE}}}UsernameToken")
        if token is None:
            return False
        username = token.findtext(f"{{{WSSE}}}Username") or ""
        password = token.find(f"{{{WSSE}}}Password")
        nonce_text = token.findtext(f"{{{WSSE}}}Nonce")
        created_text = token.findtext(f"{{{WSU}}}Created")
        if password is None or password.get("Type") != PASSWORD_DIGEST or not nonce_text or not created_text:
            return False  # PasswordText, or an incomplete token
        created = _parse_created(created_text)
        if created is None or abs((created - self.now()).total_seconds()) > self.auth_tolerance:
            return False
        try:
            nonce = base64.b64decode(nonce_text.strip(), validate=True)
        except (binascii.Error, ValueError):
            return False
        expected = base64.b64encode(
            hashlib.sha1(nonce + created_text.strip().encode() + self.password.encode()).digest()  # noqa: S324
        ).decode()
        if not (
            hmac.compare_digest(username.strip().encode(), self.username.encode())
            and hmac.compare_digest((password.text or "").strip().encode(), expected.encode())
        ):
            return False
        with self._lock:
            if nonce in self._seen_nonces:
                return False  # a replayed token
            self._seen_nonces.add(nonce)
        return True

    def _dispatch(self, service_namespace: str, envelope, operation) -> str:
        qname = etree.QName(operation)
        handler = self._handlers().get((qname.namespace, qname.localname))
        if qname.namespace != service_namespace or handler is None:
            raise _SoapFault(500, "env:Receiver", "ter:ActionNotSupported", "The action is not supported.")
        public = qname.localname == "GetSystemDateAndTime" and self.public_date_and_time
        if not public and not self._authenticated(envelope):
            raise _sender_fault("ter:NotAuthorized", "Sender not Authorized", status=self.auth_failure_status)
        if qname.localname in self.fail_on:
            raise _SoapFault(500, "env:Receiver", "ter:Action", "Internal error in the media server.")
        return handler(operation)

    def _handlers(self):
        handlers = {
            (DEVICE_NS, "GetSystemDateAndTime"): self._get_system_date_and_time,
            (DEVICE_NS, "GetDeviceInformation"): self._get_device_information,
            (DEVICE_NS, "GetCapabilities"): self._get_capabilities,
            (DEVICE_NS, "GetServices"): self._get_services,
            (MEDIA_NS, "GetProfiles"): self._get_profiles,
            (MEDIA_NS, "GetStreamUri"): self._get_stream_uri,
            (MEDIA_NS, "GetSnapshotUri"): self._get_snapshot_uri,
        }
        if self.ptz_service:
            handlers[(PTZ_NS, "GetNodes")] = self._get_nodes
        return handlers

    def _profile(self, operation) -> SimulatedProfile:
        token = (operation.findtext("{*}ProfileToken") or "").strip()
        for profile in self.profiles:
            if profile.token == token:
                return profile
        raise _sender_fault("ter:InvalidArgVal", f"No profile with token {token!r}.")

    # -- device service ------------------------------------------------------------------------------------

    def _get_system_date_and_time(self, operation) -> str:
        now = self.now()
        return (
            "<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>"
            "<tt:DateTimeType>NTP</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>"
            "<tt:TimeZone><tt:TZ>UTC0</tt:TZ></tt:TimeZone>"
            f"<tt:UTCDateTime>{_date_time(now)}</tt:UTCDateTime>"
            f"<tt:LocalDateTime>{_date_time(now)}</tt:LocalDateTime>"
            "</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>"
        )

    def _get_device_information(self, operation) -> str:
        return (
            "<tds:GetDeviceInformationResponse>"
            f"<tds:Manufacturer>{_text(self.manufacturer)}</tds:Manufacturer>"
            f"<tds:Model>{_text(self.model)}</tds:Model>"
            f"<tds:FirmwareVersion>{_text(self.firmware_version)}</tds:FirmwareVersion>"
            f"<tds:SerialNumber>{_text(self.serial_number)}</tds:SerialNumber>"
            f"<tds:HardwareId>{_text(self.hardware_id)}</tds:HardwareId>"
            "</tds:GetDeviceInformationResponse>"
        )

    def _get_capabilities(self, operation) -> str:
        categories = {(c.text or "").strip() for c in operation.findall("{*}Category")} or {"All"}
        wanted = (lambda name: True) if "All" in categories else categories.__contains__
        if wanted("PTZ") and not self.ptz_service and "All" not in categories:
            raise _sender_fault("ter:NoSuchService", "The device has no PTZ service.")
        parts = []
        if wanted("Device"):
            parts.append(f"<tt:Device><tt:XAddr>{self._xaddr(DEVICE_NS)}</tt:XAddr></tt:Device>")
        if wanted("Events"):
            parts.append(
                f"<tt:Events><tt:XAddr>{self._xaddr(EVENTS_NS)}</tt:XAddr>"
                "<tt:WSSubscriptionPolicySupport>true</tt:WSSubscriptionPolicySupport>"
                "<tt:WSPullPointSupport>true</tt:WSPullPointSupport>"
                "<tt:WSPausableSubscriptionManagerInterfaceSupport>false"
                "</tt:WSPausableSubscriptionManagerInterfaceSupport></tt:Events>"
            )
        if wanted("Media"):
            parts.append(
                f"<tt:Media><tt:XAddr>{self._xaddr(MEDIA_NS)}</tt:XAddr><tt:StreamingCapabilities>"
                "<tt:RTPMulticast>false</tt:RTPMulticast><tt:RTP_TCP>true</tt:RTP_TCP>"
                "<tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities></tt:Media>"
            )
        if wanted("PTZ") and self.ptz_service:
            parts.append(f"<tt:PTZ><tt:XAddr>{self._xaddr(PTZ_NS)}</tt:XAddr></tt:PTZ>")
        return (
            f"<tds:GetCapabilitiesResponse><tds:Capabilities>{''.join(parts)}</tds:Capabilities>"
            "</tds:GetCapabilitiesResponse>"
        )

    def _get_services(self, operation) -> str:
        namespaces = [DEVICE_NS, MEDIA_NS, EVENTS_NS] + ([PTZ_NS] if self.ptz_service else [])
        services = "".join(
            f"<tds:Service><tds:Namespace>{namespace}</tds:Namespace><tds:XAddr>{self._xaddr(namespace)}</tds:XAddr>"
            "<tds:Version><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tds:Version></tds:Service>"
            for namespace in namespaces
        )
        return f"<tds:GetServicesResponse>{services}</tds:GetServicesResponse>"

    # -- media service -------------------------------------------------------------------------------------

    def _get_profiles(self, operation) -> str:
        profiles = "".join(self._profile_xml(profile) for profile in self.profiles)
        return f"<trt:GetProfilesResponse>{profiles}</trt:GetProfilesResponse>"

    def _profile_xml(self, profile: SimulatedProfile) -> str:
        token = profile.token
        h264 = (
            "<tt:H264><tt:GovLength>50</tt:GovLength><tt:H264Profile>Main</tt:H264Profile></tt:H264>"
            if profile.encoding == "H264"
            else ""
        )
        ptz = (
            f'<tt:PTZConfiguration token="PTZConfig_{escape(token)}"><tt:Name>PTZ</tt:Name><tt:UseCount>1</tt:UseCount>'
            "<tt:NodeToken>PTZNode_1</tt:NodeToken></tt:PTZConfiguration>"
            if profile.ptz
            else ""
        )
        return (
            f'<trt:Profiles token={quoteattr(token)} fixed="true">'
            f"<tt:Name>{_text(profile.name)}</tt:Name>"
            '<tt:VideoSourceConfiguration token="VideoSourceConfig_1"><tt:Name>VideoSourceConfig</tt:Name>'
            "<tt:UseCount>2</tt:UseCount><tt:SourceToken>VideoSource_1</tt:SourceToken>"
            '<tt:Bounds x="0" y="0" width="1920" height="1080"/></tt:VideoSourceConfiguration>'
            f'<tt:VideoEncoderConfiguration token="VideoEncoder_{escape(token)}">'
            f"<tt:Name>{_text(profile.name)}</tt:Name><tt:UseCount>1</tt:UseCount>"
            f"<tt:Encoding>{_text(profile.encoding)}</tt:Encoding>"
            f"<tt:Resolution><tt:Width>{profile.width}</tt:Width><tt:Height>{profile.height}</tt:Height></tt:Resolution>"
            "<tt:Quality>5</tt:Quality><tt:RateControl><tt:FrameRateLimit>25</tt:FrameRateLimit>"
            "<tt:EncodingInterval>1</tt:EncodingInterval><tt:BitrateLimit>4096</tt:BitrateLimit></tt:RateControl>"
            f"{h264}"
            "<tt:Multicast><tt:Address><tt:Type>IPv4</tt:Type><tt:IPv4Address>0.0.0.0</tt:IPv4Address></tt:Address>"
            "<tt:Port>0</tt:Port><tt:TTL>5</tt:TTL><tt:AutoStart>false</tt:AutoStart></tt:Multicast>"
            "<tt:SessionTimeout>PT60S</tt:SessionTimeout></tt:VideoEncoderConfiguration>"
            f"{ptz}"
            "</trt:Profiles>"
        )

    @staticmethod
    def _media_uri(element: str, uri: str) -> str:
        return (
            f"<trt:{element}Response><trt:MediaUri><tt:Uri>{_text(uri)}</tt:Uri>"
            "<tt:InvalidAfterConnect>false</tt:InvalidAfterConnect><tt:InvalidAfterReboot>false</tt:InvalidAfterReboot>"
            f"<tt:Timeout>PT0S</tt:Timeout></trt:MediaUri></trt:{element}Response>"
        )

    def _get_stream_uri(self, operation) -> str:
        stream = (operation.findtext("{*}StreamSetup/{*}Stream") or "").strip()
        protocol = (operation.findtext("{*}StreamSetup/{*}Transport/{*}Protocol") or "").strip()
        if stream != "RTP-Unicast" or protocol != "RTSP":
            raise _sender_fault("ter:InvalidStreamSetup", f"Only RTP-Unicast over RTSP, not {stream}/{protocol}.")
        return self._media_uri("GetStreamUri", self._profile(operation).rtsp_uri)

    def _get_snapshot_uri(self, operation) -> str:
        profile = self._profile(operation)
        if not profile.snapshot:
            raise _SoapFault(500, "env:Receiver", "ter:ActionNotSupported", "No snapshot for this profile.")
        return self._media_uri("GetSnapshotUri", f"{self.address}/onvif/snapshot?profile={profile.token}")

    # -- PTZ service ---------------------------------------------------------------------------------------

    def _get_nodes(self, operation) -> str:
        return (
            '<tptz:GetNodesResponse><tptz:PTZNode token="PTZNode_1" FixedHomePosition="false">'
            "<tt:Name>PTZ</tt:Name><tt:SupportedPTZSpaces/><tt:MaximumNumberOfPresets>128</tt:MaximumNumberOfPresets>"
            "<tt:HomeSupported>true</tt:HomeSupported></tptz:PTZNode></tptz:GetNodesResponse>"
        )
