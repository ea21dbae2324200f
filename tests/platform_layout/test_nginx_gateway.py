"""The reference nginx configuration never forwards the media servers' hook to the public, and serves it on an
internal server that admits only the media servers and only that path."""

import re
from pathlib import Path

CONFIG = (Path(__file__).resolve().parents[2] / "platform" / "nginx.conf.example").read_text()


def blocks(text, keyword):
    """The bodies of every `keyword ... { ... }` block at the top level of `text` (braces balanced)."""
    found = []
    for match in re.finditer(rf"^\s*{keyword}\b[^{{]*\{{", text, re.MULTILINE):
        depth, index = 1, match.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(text[index], 0)
            index += 1
        found.append((match.group(0), text[match.end() : index - 1]))
    return found


def servers():
    return [body for _head, body in blocks(CONFIG, "server")]


def test_the_public_server_answers_404_for_the_hook_before_any_proxying_location():
    (public,) = [body for body in servers() if "listen 443" in body]
    locations = dict(blocks(public, "location"))
    hook = [head for head in locations if re.search(r"location\s+(\^~|=)\s+/gateway/auth\s*\{", head)]
    assert hook, "no location for /gateway/auth in the public server"
    assert "^~" in hook[0]  # a prefix that wins over /gateway/ and stops the regex locations
    assert re.search(r"return 404;|deny all;", locations[hook[0]])
    assert "proxy_pass" not in locations[hook[0]]


def test_the_internal_server_serves_only_the_hook_to_the_media_servers():
    (internal,) = [body for body in servers() if "/gateway/auth" in body and "listen 443" not in body]
    listen = re.search(r"listen\s+(\S+);", internal).group(1)
    assert re.fullmatch(r"\d+\.\d+\.\d+\.\d+:\d+", listen) and not listen.startswith("0.0.0.0")  # noqa: S104
    assert re.search(r"allow\s+\S+;", internal) and "deny all;" in internal
    proxied = [head for head, body in blocks(internal, "location") if "proxy_pass" in body]
    assert [head.split("{")[0].split() for head in proxied] == [["location", "=", "/gateway/auth"]]
