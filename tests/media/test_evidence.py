"""Evidence packages: encrypted at rest, a signed manifest, and `verify_export` catching any changed byte."""

import base64
import os
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from audit.chain import public_key_raw
from media.evidence import MANIFEST, SIGNATURE, PackageError, decrypt_stream, verify_package, write_package


@pytest.fixture
def clips(tmp_path):
    first, second = tmp_path / "a.ts", tmp_path / "b.ts"
    first.write_bytes(os.urandom(3 * 1024 * 1024 + 17))  # more than one encryption chunk
    second.write_bytes(b"second clip" * 100)
    return [("clips/cam-1.ts", first), ("clips/cam-2.ts", second)]


def build(tmp_path, clips, package_id="exp-1"):
    encrypted = tmp_path / "store" / "exp-1.bin"
    written = write_package(
        encrypted, package_id=package_id, manifest={"request": "FR-1", "recipient": "5339"}, files=clips
    )
    plain = tmp_path / "package.zip"
    plain.write_bytes(b"".join(decrypt_stream(encrypted, package_id)))
    return encrypted, plain, written


def test_a_package_opens_to_a_zip_whose_manifest_lists_every_file_and_verifies(tmp_path, clips):
    encrypted, plain, written = build(tmp_path, clips)
    assert not list(encrypted.parent.glob(".*.part"))  # written atomically
    with zipfile.ZipFile(plain) as archive:
        assert archive.namelist() == ["clips/cam-1.ts", "clips/cam-2.ts", MANIFEST, SIGNATURE]
        assert archive.read("clips/cam-2.ts") == clips[1][1].read_bytes()
    assert written.manifest["request"] == "FR-1"
    assert [f["name"] for f in written.manifest["files"]] == ["clips/cam-1.ts", "clips/cam-2.ts"]
    report = verify_package(plain)
    assert report.ok, report.problems
    # The stored file is ciphertext: the clip's bytes appear nowhere in it.
    assert clips[1][1].read_bytes()[:40] not in encrypted.read_bytes()


@pytest.mark.parametrize("where", ["clip", "manifest", "signature", "local header", "central directory", "end"])
def test_one_changed_byte_anywhere_fails(tmp_path, clips, where):
    _, plain, _ = build(tmp_path, clips)
    data = bytearray(plain.read_bytes())
    with zipfile.ZipFile(plain) as archive:
        infos = {info.filename: info for info in archive.infolist()}
    offsets = {
        "clip": infos["clips/cam-1.ts"].header_offset + 200,
        "manifest": data.index(b'"recipient"') + 2,
        "signature": data.index(b'"signature"') + 20,
        "local header": infos["clips/cam-2.ts"].header_offset + 10,  # the entry's date
        "central directory": data.rindex(b"PK\x01\x02") + 12,
        "end": len(data) - 3,
    }
    data[offsets[where]] ^= 0x01
    plain.write_bytes(bytes(data))
    report = verify_package(plain)
    assert not report.ok
    with pytest.raises(CommandError):
        call_command("verify_export", str(plain))


def test_the_command_accepts_the_published_public_key_and_refuses_another(tmp_path, clips, capsys):
    _, plain, _ = build(tmp_path, clips)
    call_command("verify_export", str(plain), public_key=base64.b64encode(public_key_raw()).decode())
    assert "OK" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("verify_export", str(plain), public_key=base64.b64encode(b"\x01" * 32).decode())


def test_a_file_added_to_the_package_fails(tmp_path, clips):
    _, plain, _ = build(tmp_path, clips)
    with zipfile.ZipFile(plain, "a") as archive:
        archive.writestr("clips/extra.ts", b"planted")
    assert "not listed: clips/extra.ts" in verify_package(plain).problems[0]


@pytest.mark.parametrize("damage", ["flip", "truncate", "append", "other id"])
def test_the_stored_ciphertext_refuses_to_open_when_altered(tmp_path, clips, damage):
    encrypted, _, _ = build(tmp_path, clips)
    data = bytearray(encrypted.read_bytes())
    package_id = "exp-1"
    if damage == "flip":
        data[len(data) // 2] ^= 0x80
    elif damage == "truncate":
        data = data[: -(1024 * 1024 + 100)]
    elif damage == "append":
        data += data[-500:]
    else:
        package_id = "exp-2"
    encrypted.write_bytes(bytes(data))
    with pytest.raises(PackageError):
        b"".join(decrypt_stream(encrypted, package_id))


def test_a_rotated_master_key_still_opens_old_packages(tmp_path, clips, settings):
    encrypted, _, _ = build(tmp_path, clips)
    with override_settings(PORTAL_ENCRYPTION_KEYS=["a brand new secret", *settings.PORTAL_ENCRYPTION_KEYS]):
        assert b"".join(decrypt_stream(encrypted, "exp-1"))
    with override_settings(PORTAL_ENCRYPTION_KEYS=["a brand new secret"]), pytest.raises(PackageError):
        b"".join(decrypt_stream(encrypted, "exp-1"))
