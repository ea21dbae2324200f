"""Evidence packages: footage clips with a signed manifest, encrypted at rest, verifiable by anyone.

The package a recipient downloads is a ZIP (readable with any tool) holding the clips, `manifest.json` (cameras,
windows, requester, approvers, convention version, purposes, and the size and SHA-256 of every file) and
`manifest.sig` (an Ed25519 signature of manifest.json by the platform key). The ZIP is written deterministically
(stored entries, fixed dates and attributes, fixed order), so `verify_export` can rebuild it from its contents and
compare it byte for byte: one changed byte anywhere fails, not only in the clips.

At rest the ZIP is encrypted with AES-256-GCM under a data key of its own, wrapped by a master key derived from
PORTAL_ENCRYPTION_KEYS (the first wraps, all unwrap: rotation works as for camera credentials). The ciphertext is
cut into numbered chunks authenticated with their position and a final mark, so a reordered, cut or extended file
fails to open. Everything is streamed: one read of each clip hashes it, builds the ZIP and encrypts it.
"""

import base64
import hashlib
import io
import json
import os
import struct
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from audit.chain import platform_key, public_key_raw

__all__ = [
    "MANIFEST",
    "SIGNATURE",
    "PackageError",
    "VerifyReport",
    "decrypt_stream",
    "verify_package",
    "write_package",
]

MAGIC = b"CCTVX\x01"
CHUNK = 1024 * 1024  # the largest plaintext chunk
SMALL_WRITE = 64 * 1024
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
_FIXED_DATE = (1980, 1, 1, 0, 0, 0)
_READ = 4 * 1024 * 1024  # fewer, larger reads: fewer hand-overs to the hashing thread


class PackageError(Exception):
    """The encrypted package cannot be opened (wrong key, or it was altered at rest)."""


# --- Keys --------------------------------------------------------------------------------------------------------


@cache
def _master(secret):
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"cctv-portal-export-master", info=b"aes-256-gcm-v1")
    key = hkdf.derive(secret.encode())
    return hashlib.sha256(key).digest()[:8], key


def _masters():
    return [_master(secret) for secret in settings.PORTAL_ENCRYPTION_KEYS]


def _wrap_aad(package_id):
    return b"cctv-export-key|" + package_id.encode()


def _chunk_aad(package_id, index, final):
    return b"cctv-export-chunk|" + package_id.encode() + struct.pack(">QB", index, final)


def _nonce(index):
    return struct.pack(">IQ", 0, index)  # the data key is used for one package only: a counter nonce is safe


# --- Encrypted file at rest -------------------------------------------------------------------------------------


class _EncryptingWriter(io.RawIOBase):
    """A write-only, non-seekable stream that encrypts into `target` in authenticated chunks."""

    def __init__(self, target, package_id):
        super().__init__()
        key_id, master = _masters()[0]
        self._key = AESGCM.generate_key(bit_length=256)
        self._aes = AESGCM(self._key)
        self._target, self._package_id = target, package_id
        self._buffer, self._index = bytearray(), 0
        wrap_nonce = os.urandom(12)
        wrapped = AESGCM(master).encrypt(wrap_nonce, self._key, _wrap_aad(package_id))
        target.write(MAGIC + key_id + wrap_nonce + wrapped + struct.pack(">I", CHUNK))

    def writable(self):
        return True

    def write(self, data):
        # Chunks are length-prefixed, so they need not be equal: small writes (ZIP headers) gather in a buffer,
        # large ones (clip data) are sealed straight from the caller's buffer, without copying.
        if len(data) < SMALL_WRITE:
            self._buffer += data
            if len(self._buffer) >= CHUNK:
                self._flush_buffer()
            return len(data)
        self._flush_buffer()
        view = memoryview(data)
        for start in range(0, len(view), CHUNK):
            self._emit(view[start : start + CHUNK], final=False)
        return len(data)

    def _flush_buffer(self):
        if self._buffer:
            self._emit(bytes(self._buffer), final=False)
            self._buffer.clear()

    def _emit(self, plain, *, final):
        sealed = self._aes.encrypt(_nonce(self._index), plain, _chunk_aad(self._package_id, self._index, final))
        self._target.write(struct.pack(">I", len(sealed)))
        self._target.write(sealed)
        self._index += 1

    def close(self):
        if not self.closed:  # the final chunk (possibly empty) marks the authentic end
            self._emit(bytes(self._buffer), final=True)
            self._buffer.clear()
        super().close()


def decrypt_stream(path, package_id):
    """Yield the plaintext package in chunks; raises PackageError on any alteration (checked chunk by chunk, and
    the end must be the authenticated final chunk)."""
    with open(path, "rb") as source:
        header = source.read(len(MAGIC) + 8 + 12 + 48 + 4)
        if len(header) < len(MAGIC) + 72 or not header.startswith(MAGIC):
            raise PackageError("Not an encrypted evidence package.")
        key_id = header[6:14]
        wrap_nonce, wrapped = header[14:26], header[26:74]
        master = next((key for kid, key in _masters() if kid == key_id), None)
        if master is None:
            raise PackageError("No configured key opens this package.")
        try:
            key = AESGCM(master).decrypt(wrap_nonce, wrapped, _wrap_aad(package_id))
        except InvalidTag as exc:
            raise PackageError("The package key does not open (altered, or another package).") from exc
        aes, index = AESGCM(key), 0
        while True:
            size_bytes = source.read(4)
            if len(size_bytes) < 4:
                raise PackageError("The package ends before its final chunk (truncated).")
            (size,) = struct.unpack(">I", size_bytes)
            if size > CHUNK + 16:
                raise PackageError(f"Chunk {index} of the package is larger than any chunk ever written.")
            sealed = source.read(size)
            final = None
            for flag in (0, 1):
                try:
                    plain = aes.decrypt(_nonce(index), sealed, _chunk_aad(package_id, index, flag))
                    final = flag
                    break
                except InvalidTag:
                    continue
            if final is None:
                raise PackageError(f"Chunk {index} of the package was altered.")
            yield plain
            index += 1
            if final:
                if source.read(1):
                    raise PackageError("Data follows the package's final chunk.")
                return


# --- The ZIP --------------------------------------------------------------------------------------------------


def _entry(name, size):
    info = zipfile.ZipInfo(name, date_time=_FIXED_DATE)
    info.compress_type = zipfile.ZIP_STORED
    info.create_system = 3
    info.external_attr = 0o644 << 16
    info.file_size = size
    return info


def _write_zip(sink, members, trailer=None):
    """Write members [(name, size, chunks)] deterministically, then the members `trailer(facts)` returns, where
    facts is [{"name", "size", "sha256"}] of the first ones (taken as they stream)."""
    facts = []
    # SHA-256 runs in a helper thread (hashlib releases the GIL) while this one computes the ZIP's CRC-32 and
    # encrypts: on two cores the hash costs almost nothing on top.
    with zipfile.ZipFile(sink, "w", allowZip64=True) as archive, ThreadPoolExecutor(1) as hasher:
        for name, size, chunks in members:
            digest = hashlib.sha256()
            with archive.open(_entry(name, size), "w", force_zip64=size >= 2**31) as out:
                for chunk in chunks:
                    hashed = hasher.submit(digest.update, chunk)
                    out.write(chunk)
                    hashed.result()
            facts.append({"name": name, "size": size, "sha256": digest.hexdigest()})
        for name, data in trailer(facts) if trailer else ():
            with archive.open(_entry(name, len(data)), "w") as out:
                out.write(data)
    return facts


def _file_chunks(path):
    with open(path, "rb") as source:
        while chunk := source.read(_READ):
            yield chunk


def _sign(manifest_bytes):
    public = public_key_raw()
    return json.dumps(
        {
            "algorithm": "Ed25519",
            "public_key": base64.b64encode(public).decode(),
            "key_fingerprint": hashlib.sha256(public).hexdigest(),
            "signature": base64.b64encode(platform_key().sign(manifest_bytes)).decode(),
        },
        indent=2,
    ).encode()


class _Counter(io.RawIOBase):
    """Passes the ZIP on to the encrypting writer, counting its bytes."""

    def __init__(self, target):
        super().__init__()
        self._target, self.size = target, 0

    def writable(self):
        return True

    def write(self, data):
        self._target.write(data)
        self.size += len(data)
        return len(data)


@dataclass
class WrittenPackage:
    files: dict  # name -> {"size", "sha256"}
    manifest: dict
    size: int  # of the plaintext ZIP, as the recipient downloads it
    sha256: str  # of manifest.json: it names every file with its hash, and is what the platform signed


def write_package(dest, *, package_id, manifest, files):
    """Write the encrypted package to `dest` atomically (a temporary file renamed at the end: a worker that dies
    midway leaves no partial package). `files` is [(name in the package, path on disk)]; the manifest gets the
    `files` list (name, size, sha256) and is signed."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    temporary = dest.with_name(f".{dest.name}.{os.getpid()}.part")
    signed = {}

    def manifest_and_signature(facts):
        signed["manifest"] = {**manifest, "files": facts}
        manifest_bytes = _manifest_bytes(signed["manifest"])
        return [(MANIFEST, manifest_bytes), (SIGNATURE, _sign(manifest_bytes))]

    try:
        with open(temporary, "wb") as target:
            writer = _EncryptingWriter(target, package_id)
            counter = _Counter(writer)
            members = [(name, Path(path).stat().st_size, _file_chunks(path)) for name, path in files]
            facts = _write_zip(counter, members, manifest_and_signature)
            writer.close()
            target.flush()
            os.fsync(target.fileno())
        os.replace(temporary, dest)
    finally:
        temporary.unlink(missing_ok=True)
    manifest_sha256 = hashlib.sha256(_manifest_bytes(signed["manifest"])).hexdigest()
    return WrittenPackage({f["name"]: f for f in facts}, signed["manifest"], counter.size, manifest_sha256)


def _manifest_bytes(manifest):
    return json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False, default=str).encode()


# --- Verification of a downloaded package -----------------------------------------------------------------------


@dataclass
class VerifyReport:
    path: str
    problems: list = field(default_factory=list)
    manifest: dict | None = None

    @property
    def ok(self):
        return not self.problems


class _HashSink(io.RawIOBase):
    def __init__(self):
        super().__init__()
        self.digest = hashlib.sha256()

    def writable(self):
        return True

    def write(self, data):
        self.digest.update(data)
        return len(data)


def _member_chunks(archive, info):
    with archive.open(info) as source:
        while chunk := source.read(_READ):
            yield chunk


def verify_package(path, *, public_key=None):
    """Check a downloaded package: the signature of its manifest (by the given public key, else the platform's),
    every file's size and SHA-256, nothing missing or added, and the ZIP itself byte for byte."""
    report = VerifyReport(str(path))
    expected_key = public_key or public_key_raw()
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        report.problems.append(f"not a readable ZIP package: {exc}")
        return report
    with archive:
        names = [info.filename for info in archive.infolist()]
        if MANIFEST not in names or SIGNATURE not in names:
            report.problems.append("the manifest or its signature is missing")
            return report
        try:
            manifest_bytes = archive.read(MANIFEST)
            signature = json.loads(archive.read(SIGNATURE))
            manifest = json.loads(manifest_bytes)
        except (zipfile.BadZipFile, ValueError, OSError) as exc:
            report.problems.append(f"the manifest cannot be read: {exc}")
            return report
        report.manifest = manifest
        try:
            if base64.b64decode(signature["public_key"]) != expected_key:
                report.problems.append("the manifest is signed by another key than the platform's")
            Ed25519PublicKey.from_public_bytes(expected_key).verify(
                base64.b64decode(signature["signature"]), manifest_bytes
            )
        except (InvalidSignature, KeyError, TypeError, ValueError):
            report.problems.append("the manifest's signature does not verify")
            return report
        listed = {f["name"]: f for f in manifest.get("files", [])}
        expected_order = [*listed, MANIFEST, SIGNATURE]
        if names != expected_order:
            extra = sorted(set(names) - set(expected_order))
            missing = sorted(set(expected_order) - set(names))
            report.problems.append(
                "the package's files differ from its manifest"
                + (f"; not listed: {', '.join(extra)}" if extra else "")
                + (f"; missing: {', '.join(missing)}" if missing else "")
            )
            return report
        # One pass: hash every file and rebuild the ZIP from the contents, so that a changed byte anywhere shows,
        # in a clip (its hash) or in the container (the rebuilt bytes differ).
        members = [(name, archive.getinfo(name).file_size, _member_chunks(archive, archive.getinfo(name)))
                   for name in listed]  # fmt: skip
        sink = _HashSink()
        signature_bytes = archive.read(SIGNATURE)
        try:
            facts = _write_zip(sink, members, lambda facts: [(MANIFEST, manifest_bytes), (SIGNATURE, signature_bytes)])
        except (zipfile.BadZipFile, OSError) as exc:
            report.problems.append(f"a file of the package cannot be read: {exc}")
            return report
        for found in facts:
            wanted = listed[found["name"]]
            if (found["size"], found["sha256"]) != (wanted["size"], wanted["sha256"]):
                report.problems.append(f"{found['name']}: its content differs from the manifest (SHA-256 mismatch)")
        if not report.problems and sink.digest.hexdigest() != _sha256_file(path):
            report.problems.append("the ZIP container was altered (it differs from the package as it was written)")
    return report


def _sha256_file(path):
    digest = hashlib.sha256()
    for chunk in _file_chunks(path):
        digest.update(chunk)
    return digest.hexdigest()
