"""SOAP for the ONVIF probe (cameras/onvif.py): zeep clients built from onvif-zeep's WSDL files, over a transport
held to one deadline, with a WS-Security UsernameToken digest on the camera's clock.

onvif-zeep supplies the WSDL files only: ``onvif.ONVIFCamera`` is never used (its constructor deletes the proxy
variables from ``os.environ`` for the whole process, makes network calls of its own and subscribes to the camera's
events) and the ``onvif`` package is never imported (its import calls ``logging.basicConfig``).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import threading
import time
from pathlib import Path

import requests
import urllib3
from lxml import etree
from requests.auth import HTTPDigestAuth
from zeep import Client, Settings
from zeep.transports import Transport
from zeep.wsdl import Document
from zeep.wsse.username import UsernameToken

from cameras.networks import guarded_session

__all__ = [
    "DEVICE_NS",
    "MEDIA_NS",
    "PTZ_NS",
    "Deadline",
    "DeadlineTransport",
    "HttpRefused",
    "NotSoap",
    "UsernameDigest",
    "service_client",
    "wsdl_dir",
]

DEVICE_NS = "http://www.onvif.org/ver10/device/wsdl"
MEDIA_NS = "http://www.onvif.org/ver10/media/wsdl"
PTZ_NS = "http://www.onvif.org/ver20/ptz/wsdl"

# The services the probe talks to: WSDL file in onvif-zeep's folder and binding (as in onvif.definition).
_WSDL = {
    "devicemgmt": ("devicemgmt.wsdl", f"{{{DEVICE_NS}}}DeviceBinding"),
    "media": ("media.wsdl", f"{{{MEDIA_NS}}}MediaBinding"),
    "ptz": ("ptz.wsdl", f"{{{PTZ_NS}}}PTZBinding"),
}
_SOAP_ENVELOPES = {
    "{http://www.w3.org/2003/05/soap-envelope}Envelope",
    "{http://schemas.xmlsoap.org/soap/envelope/}Envelope",
}
# Lenient like onvif-zeep: cameras' answers often miss elements their schema calls required.
_SETTINGS = Settings(strict=False, xml_huge_tree=False)
_MAX_ANSWER_BYTES = 8 * 1024 * 1024  # far above any real answer to these calls


# -- transport ---------------------------------------------------------------------------------------------


class Deadline(Exception):
    """The probe's time is up."""


class HttpRefused(Exception):
    """HTTP 401 or 403."""


class NotSoap(Exception):
    """An HTTP answer that is not a SOAP envelope."""


def _looks_like_soap(response) -> bool:
    if response.headers.get("Content-Type", "").lower().startswith("multipart/"):
        return True  # MTOM: leave it to zeep
    content = response.content.lstrip()
    if not content.startswith((b"<", b"\xef\xbb\xbf")):
        return False
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)
    try:
        root = etree.fromstring(content, parser)  # noqa: S320 - entities and network access are off
    except etree.XMLSyntaxError:
        return False
    return root is not None and root.tag in _SOAP_ENVELOPES


class DeadlineTransport(Transport):
    """zeep's requests transport, with each request's timeout cut from what is left of one deadline.

    The session ignores proxy settings and .netrc from the environment (a camera is on a private network) and
    answers an HTTP Digest challenge, which some cameras put in front of their SOAP services.
    """

    def __init__(self, deadline: float, username: str, password: str):
        session = guarded_session()  # camera networks only, to the checked address (cameras/networks.py)
        session.max_redirects = 3
        if username:
            session.auth = HTTPDigestAuth(username, password)
        super().__init__(session=session, timeout=1, operation_timeout=None)
        self.deadline = deadline

    def remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise Deadline
        return left

    def post(self, address, message, headers):
        left = self.remaining()
        response = self.session.post(address, data=message, headers=headers, timeout=(left, left), stream=True)
        try:
            body = self._read_body(response)
        finally:
            response.close()
        response._content, response._content_consumed = body, True
        if response.status_code in (401, 403):
            raise HttpRefused
        if not _looks_like_soap(response):
            raise NotSoap
        return response

    def _read_body(self, response) -> bytes:
        """The body, read as it comes: the deadline holds even against a peer that sends a byte at a time."""
        chunks, size = [], 0
        try:
            while chunk := response.raw.read1(65536, decode_content=True):
                size += len(chunk)
                if size > _MAX_ANSWER_BYTES:
                    raise NotSoap
                chunks.append(chunk)
                self.remaining()
        except urllib3.exceptions.ReadTimeoutError as error:
            raise requests.exceptions.ReadTimeout(error) from error
        except (urllib3.exceptions.ProtocolError, urllib3.exceptions.DecodeError) as error:
            raise requests.exceptions.ConnectionError(urllib3.exceptions.ProtocolError(str(error))) from error
        return b"".join(chunks)

    def load(self, url):
        raise ValueError("The probe loads WSDL and schema files only from onvif-zeep's folder.")


class UsernameDigest(UsernameToken):
    """WS-Security UsernameToken with a PasswordDigest, its Created set on the camera's clock."""

    def __init__(self, username: str, password: str, offset_seconds: float):
        super().__init__(username, password, use_digest=True, zulu_timestamp=True)
        self.offset_seconds = offset_seconds

    def apply(self, envelope, headers):
        self.created = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=self.offset_seconds)
        try:
            return super().apply(envelope, headers)
        finally:
            self.created = None

    def __repr__(self):
        return f"<UsernameDigest {self.username!r}>"


# -- WSDL --------------------------------------------------------------------------------------------------


def wsdl_dir() -> Path:
    """onvif-zeep's WSDL folder, found without importing the package (whose import configures logging)."""
    spec = importlib.util.find_spec("onvif")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("onvif-zeep is not installed.")
    folder = Path(next(iter(spec.submodule_search_locations))).parent / "wsdl"
    if not (folder / "devicemgmt.wsdl").is_file():
        raise RuntimeError(f"onvif-zeep's WSDL files are missing from {folder}.")
    return folder


_documents: dict[str, Document] = {}
_documents_lock = threading.Lock()


def _document(service: str) -> Document:
    # Parsed once per process (about 0.1 s each) and shared: a parsed WSDL is only read afterwards.
    with _documents_lock:
        if service not in _documents:
            _documents[service] = Document(str(wsdl_dir() / _WSDL[service][0]), Transport(), settings=_SETTINGS)
        return _documents[service]


def service_client(service: str, xaddr: str, transport: DeadlineTransport, wsse):
    """A zeep service proxy for one of the probe's services (devicemgmt, media, ptz) at `xaddr`."""
    client = Client(_document(service), wsse=wsse, transport=transport, settings=_SETTINGS)
    return client.create_service(_WSDL[service][1], xaddr)
