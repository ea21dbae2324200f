"""Benchmark of the media gateway hook (issue: live video), against bare Django views in the same run.

Target: p99 under 5 ms of SERVER time at 500 requests/s sustained for 60 s, compared with a bare Django view that
answers 200 (same server, same load), reporting the ratio.

- Server: gunicorn on loopback as in platform/ (gthread workers, WORKERS x THREADS, keep-alive), config.wsgi's
  application (so /gateway/ takes its lean middleware path), production settings (DEBUG off), generated secrets.
  Server time is gunicorn's own per-request time, `%(D)s` microseconds in its access log: from the parsed request
  to the last byte written; the CPU time of each request in its thread is recorded beside it (X-Bench-Cpu-Us).
- Load: a constant-rate (open-loop) generator in this process (asyncio): request i is due at t0 + i/rate whatever
  happened before, so a slow answer delays nothing else (no coordinated omission). By default it goes over a pool
  of --connections persistent (keep-alive) connections, as wrk does and as MediaMTX up to v1.16.0 did (Go's
  http.Post, whose default transport keeps connections alive); a due request waits for a free connection, and
  that wait counts in the latency measured from the scheduled time. `--new-connection-per-request` opens one
  connection per request instead, as MediaMTX does since v1.16.1 (a new http.Transport per hook call, its idle
  connections closed afterwards). Client latency is reported from the actual send and from the scheduled send.
- Requests: MediaMTX-shaped bodies from one registered media server (its secret as basic auth, as Go sends the
  user part of authHTTPAddress). 85% allowed: 40 live sessions on 8 shared cameras, each viewer at its own
  address, token in `token` (HLS), in the query (RTSP) or as the password, each with its gateway `id`; 15% refused:
  another camera (5%) and `publish` (3%) with 4 sessions of their own, an unknown token from a pool of 50 from 10
  probing addresses (5%), RTSP's first request without credentials (2%). The hook's rate limits (per address and
  per token, per minute) soon answer most of the refused ones 429 without asking the gates; a 429 counts as the
  expected refusal. Inside the measurement each worker sweeps for ended sessions every
  PORTAL_LIVE_GATE_CACHE_SECONDS and checks each token in full every live.FULL_RECHECK_SECONDS.
- Phases (5 s warm-up each, then --seconds): the hook; a bare view under /gateway/ (the hook's own middleware
  path: the ratio is the hook's own cost); a bare view outside /gateway/ (the portal's full middleware).

Run: `.venv/bin/python benchmarks/bench_gateway_hook.py` (SQLite file under data/), or with PostgreSQL:
`createdb -h 127.0.0.1 -U postgres cctv_bench_hook; DATABASE_URL=postgres://postgres@127.0.0.1:5432/cctv_bench_hook
.venv/bin/python benchmarks/bench_gateway_hook.py` (the database must be named cctv_bench*: its schema is dropped).
Options: --rate 500 --seconds 60 --connections 8 --new-connection-per-request. Writes its section of
benchmarks/RESULTS.md (only for the default keep-alive mode at 500/s or more for 60 s or more).
"""

import base64
import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SERVING = os.environ.get("BENCH_HOOK_SERVE") == "1"

if SERVING:
    # Imported by gunicorn's workers: the portal's URLs plus one bare view, under the environment's settings.
    import django
    from django.conf import settings
    from django.contrib.auth.decorators import login_not_required
    from django.http import HttpResponse
    from django.urls import path
    from django.views.decorators.csrf import csrf_exempt

    django.setup()
    settings.ROOT_URLCONF = __name__

    @login_not_required
    @csrf_exempt
    def bare(request):
        return HttpResponse(b'{"ok": true}', content_type="application/json")

    from config.urls import urlpatterns as _portal

    # The same bare view on the gateway's lean path and on the portal's full one.
    urlpatterns = [path("gateway/bench-bare", bare), path("bench-bare", bare), *_portal]

    from config.wsgi import application as _django

    def application(environ, start_response):
        """Django, plus the CPU time this request took in its thread, in a header that the access log records: wall
        time on a shared machine also counts the time the worker waited for a CPU."""
        import time as _time

        started = _time.thread_time_ns()

        def start(status, headers, exc_info=None):
            cpu = (_time.thread_time_ns() - started) // 1000
            return start_response(status, [*headers, ("X-Bench-Cpu-Us", str(cpu))], exc_info)

        return _django(environ, start)

    if os.environ.get("BENCH_HOOK_PROFILE"):  # a cProfile dump per worker, to see where server time goes
        import atexit
        import cProfile

        _profile = cProfile.Profile()
        _profile.enable()
        atexit.register(lambda: _profile.dump_stats(f"{os.environ['BENCH_HOOK_PROFILE']}.{os.getpid()}"))


import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import urllib.parse  # noqa: E402
import uuid  # noqa: E402
from datetime import UTC, datetime  # noqa: E402

CAMERAS = 8
SESSIONS = 40
UNKNOWN_TOKENS = 50
WARM_UP_SECONDS = 5
WORKERS, THREADS = 4, 4  # gthread workers, as platform/systemd/cctv-portal-web.service and platform/Procfile
TARGET_MS = 5.0
SOURCES = [f"127.0.{n // 250}.{n % 250 + 2}" for n in range(32)]
PROBING_SESSIONS = 4  # the sessions whose tokens are refused (another camera, publish): the per-token limit
PROBERS = [f"198.51.100.{n}" for n in range(1, 11)]  # the addresses unknown tokens come from
MEDIA_SERVER = ("bench-gateway", secrets.token_urlsafe(32))
AUTHORIZATION = "Basic " + base64.b64encode(":".join(MEDIA_SERVER).encode()).decode()


def environment():
    """Production settings, generated secrets, DEBUG off; DATABASE_URL or a fresh SQLite file."""
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "PORTAL_SIGNING_KEY": secrets.token_urlsafe(32),
        "PORTAL_ENCRYPTION_KEYS": secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",  # loopback, no TLS terminator in front
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "PORTAL_MEDIAMTX_API_URL": "",
        "DEBUG": "false",
    }
    if not os.environ.get("DATABASE_URL"):
        db = ROOT / "data" / "bench-gateway-hook.sqlite3"
        db.parent.mkdir(exist_ok=True)
        for leftover in db.parent.glob(db.name + "*"):
            leftover.unlink()
        env["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.update(env)


def prepare():
    """Parties, 8 shared cameras under one convention, 40 operators each watching one camera; returns the tokens."""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from conventions import services
    from conventions.models import Purpose
    from footage import live
    from media.media_servers import secret_digest
    from media.models import MediaServer
    from tests.factories import CameraFactory, MembershipFactory, OrganisationFactory
    from tests.support.conventions import DEFAULTS, chief_of
    from zones.tenancy import actor_for

    if connection.vendor == "postgresql":
        if not connection.settings_dict["NAME"].startswith("cctv_bench"):
            sys.exit("Refusing to drop the schema of a database not named cctv_bench*.")
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    call_command("migrate", verbosity=0)
    # The sessions outlive the run without heartbeats (the page renews them every minute in real use).
    settings.PORTAL_LIVE_TOKEN_SECONDS = 1800
    provider, consumer = OrganisationFactory(), OrganisationFactory()
    provider_chief, consumer_chief = chief_of(provider), chief_of(consumer)
    cameras = [CameraFactory(owner=provider) for _ in range(CAMERAS)]
    convention = services.convention_create(
        actor=provider_chief, consumer=consumer, title="Benchmark", cameras=cameras, max_concurrent_viewers=10,
        **{**DEFAULTS, "valid_from": datetime.now(UTC).replace(year=2020)},
    )  # fmt: skip
    version = convention.versions.get()
    services.version_propose(actor=provider_chief, version=version)
    services.version_sign(actor=provider_chief, version=version, recent_second_factor=True)
    services.version_sign(actor=consumer_chief, version=version, recent_second_factor=True)
    MediaServer.objects.create(name=MEDIA_SERVER[0], secret_digest=secret_digest(MEDIA_SERVER[1]))
    grants = []
    for index in range(SESSIONS + PROBING_SESSIONS):
        operator = actor_for(MembershipFactory(organisation=consumer, role="operator").user, consumer.pk)
        camera = cameras[index % CAMERAS]
        grants += live.sessions_start(
            actor=operator, cameras=[camera], purpose=Purpose.PUBLIC_ORDER,
            justification="Benchmark of the media gateway hook",
        )  # fmt: skip
    other_camera = CameraFactory(owner=provider)
    connection.close()
    return [(g.token, g.session.camera_id) for g in grants], other_camera.pk, connection.vendor


def bodies(all_tokens, other_camera, rng):
    """A shuffled list of (kind, JSON body): the request mix."""
    base = {"user": "", "password": "", "token": "", "ip": "192.0.2.10", "action": "read", "protocol": "rtsp",
            "id": None, "query": "", "userAgent": "bench"}  # fmt: skip
    tokens, refused_tokens = all_tokens[:SESSIONS], all_tokens[SESSIONS:]
    viewers = {token: f"192.0.2.{index + 10}" for index, (token, _camera) in enumerate(tokens)}
    unknown = [secrets.token_urlsafe(32) for _ in range(UNKNOWN_TOKENS)]
    ids = {(token, way): str(uuid.uuid4()) for token, _camera in tokens for way in ("token", "query", "password")}
    mix = []
    for _ in range(2000):
        token, camera = rng.choice(tokens)
        roll = rng.random()
        body = {**base, "path": f"cam/{camera}", "ip": viewers[token]}
        if roll < 0.85:
            way = rng.choice(("token", "query", "password"))
            body["id"] = ids[(token, way)]
            if way == "token":
                body.update(token=token, protocol="hls")
            elif way == "query":
                body["query"] = f"token={urllib.parse.quote(token)}&tcp=1"
            else:
                body.update(user="viewer", password=token, token=token)
            kind = "allowed"
        elif roll < 0.90:
            body.update(token=rng.choice(refused_tokens)[0], path=f"cam/{other_camera}")
            kind = "wrong_camera"
        elif roll < 0.95:
            body.update(token=rng.choice(unknown), ip=rng.choice(PROBERS))
            kind = "unknown_token"
        elif roll < 0.98:
            body.update(action="publish", token=rng.choice(refused_tokens)[0], ip=rng.choice(PROBERS))
            kind = "publish"
        else:
            kind = "no_credentials"
        mix.append((kind, json.dumps(body).encode()))
    return mix


def request_bytes(url_path, body, close):
    return (
        f"POST {url_path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: mediamtx\r\nContent-Type: application/json\r\n"
        f"Authorization: {AUTHORIZATION}\r\n"
        f"Content-Length: {len(body)}\r\n{'Connection: close' if close else 'Connection: keep-alive'}\r\n\r\n"
    ).encode() + body


async def _response(reader):
    """Read one response; returns (status, whether the server keeps the connection open)."""
    head = await reader.readuntil(b"\r\n\r\n")
    length, keep, chunked = 0, True, False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection" and value == b"close":
            keep = False
        elif name == b"transfer-encoding" and value == b"chunked":
            chunked = True
    while chunked:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        await reader.readexactly(size + 2)
        chunked = size > 0
    if length:
        await reader.readexactly(length)
    return int(head[9:12]), keep


async def _fresh_exchange(port, payload, source):
    """One request on its own connection. The source address rotates over 127.0.0.0/8 so that 30,000 connections
    a minute do not run out of (address, port) pairs while the closed ones wait in TIME_WAIT."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
    try:
        writer.write(payload)
        return (await _response(reader))[0]
    finally:
        writer.close()


def _failed(failures, error):
    name = getattr(error, "strerror", None) or type(error).__name__
    failures[name] = failures.get(name, 0) + 1


async def load(port, url_path, mix, rate, seconds, connections, fresh):
    """Send rate*seconds requests at a constant rate; returns per-request results, the achieved rate, failures.

    Keep-alive (default): `connections` persistent connections take the due requests in turn; a request due while
    every connection is busy waits for one (counted from its scheduled time). Fresh: each due request opens its
    own connection at once, however many are already open."""
    results, failures = [], {}
    loop = asyncio.get_running_loop()
    payloads = [(kind, request_bytes(url_path, body, close=fresh)) for kind, body in mix]

    async def fresh_one(kind, payload, planned, source):
        sent = loop.time()
        try:
            status = await _fresh_exchange(port, payload, source)
        except (OSError, asyncio.IncompleteReadError, ValueError) as error:
            _failed(failures, error)
            return
        done = loop.time()
        results.append((kind, status, done - sent, done - planned, done))

    due = asyncio.Queue()

    async def connection():
        reader = writer = None
        while (item := await due.get()) is not None:
            kind, payload, planned = item
            for attempt in (1, 2):  # a connection the server closed meanwhile is reopened once, as HTTP clients do
                try:
                    if writer is None:
                        reader, writer = await asyncio.open_connection("127.0.0.1", port)
                    sent = loop.time()
                    writer.write(payload)
                    status, keep = await _response(reader)
                except (OSError, asyncio.IncompleteReadError, ValueError) as error:
                    if writer is not None:
                        writer.close()
                    reader = writer = None
                    if attempt == 2:
                        _failed(failures, error)
                    continue
                done = loop.time()
                results.append((kind, status, done - sent, done - planned, done))
                if not keep:
                    writer.close()
                    reader = writer = None
                break
        if writer is not None:
            writer.close()

    pool = [] if fresh else [asyncio.create_task(connection()) for _ in range(connections)]
    total = int(rate * seconds)
    tasks = []
    start = loop.time() + 0.05
    for index in range(total):
        planned = start + index / rate
        delay = planned - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        kind, payload = payloads[index % len(payloads)]
        if fresh:
            tasks.append(asyncio.create_task(fresh_one(kind, payload, planned, SOURCES[index % len(SOURCES)])))
        else:
            due.put_nowait((kind, payload, planned))
    for _ in pool:
        due.put_nowait(None)
    await asyncio.gather(*tasks, *pool)
    elapsed = max(r[4] for r in results) - start
    return results, len(results) / elapsed, failures


def quantile(samples, q):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(port, access_log):
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"), "benchmarks.bench_gateway_hook:application",
        "--bind", f"127.0.0.1:{port}", "--worker-class", "gthread", "--workers", str(WORKERS),
        "--threads", str(THREADS), "--timeout", "30", "--backlog", "2048",
        "--access-logfile", str(access_log),
        "--access-logformat", "%(U)s %(s)s %(D)s %({x-bench-cpu-us}o)s",
        "--error-logfile", str(access_log.with_suffix(".err")),
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "BENCH_HOOK_SERVE": "1"})  # noqa: S603
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    sys.exit("gunicorn did not start; see " + str(access_log.with_suffix(".err")))


def server_times(access_log, skip, url_path):
    """Per-request server times (ms) of `url_path` from gunicorn's access log lines after the first `skip`."""
    with open(access_log) as log:
        lines = log.readlines()
    fields = [line.split() for line in lines[skip:] if line.startswith(url_path + " ")]
    return [int(f[2]) / 1000 for f in fields], [int(f[3]) / 1000 for f in fields], len(lines)


def cpu_seconds(pids):
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (FileNotFoundError, IndexError):
            pass
    return total


def cpu_pressure():
    """Share of time some task waited for a CPU over the last minute (other work on the machine shows here)."""
    try:
        some = Path("/proc/pressure/cpu").read_text().split("\n")[0]
        return dict(item.split("=") for item in some.split()[1:])["avg60"] + " %"
    except (OSError, KeyError, ValueError):
        return ""


def workers_of(server):
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


PHASES = (
    ("hook", "/gateway/auth", "`POST /gateway/auth` (hook)"),
    ("bare", "/gateway/bench-bare", "bare view under /gateway/ (same middleware as the hook)"),
    ("bare_full", "/bench-bare", "bare view outside /gateway/ (the portal's full middleware)"),
)


def phase(port, access_log, url_path, mix, args):
    fresh = args.new_connection_per_request
    connections = args.connections
    asyncio.run(load(port, url_path, mix, args.rate, WARM_UP_SECONDS, connections, fresh))
    *_, skip = server_times(access_log, 0, url_path)
    cpu_before, client_before = cpu_seconds(workers_of(SERVER)), time.process_time()
    results, achieved, failures = asyncio.run(load(port, url_path, mix, args.rate, args.seconds, connections, fresh))
    cpu = cpu_seconds(workers_of(SERVER)) - cpu_before
    client_cpu = time.process_time() - client_before
    pressure = cpu_pressure()
    time.sleep(0.5)  # the last access-log lines
    server, server_cpu, _ = server_times(access_log, skip, url_path)
    statuses = {}
    for kind, status, *_ in results:
        statuses.setdefault((kind, status), 0)
        statuses[(kind, status)] += 1
    send = [r[2] * 1000 for r in results]
    plan = [r[3] * 1000 for r in results]
    return {
        "requests": len(results), "achieved": achieved, "failures": failures, "server_count": len(server),
        "server": {q: quantile(server, q) for q in (0.5, 0.9, 0.99, 0.999)} | {"max": max(server),
                                                                                   "mean": statistics.mean(server)},
        "send": {q: quantile(send, q) for q in (0.5, 0.99)},
        "server_cpu": {q: quantile(server_cpu, q) for q in (0.5, 0.9, 0.99, 0.999)},
        "plan": {q: quantile(plan, q) for q in (0.5, 0.99)},
        "statuses": statuses, "cpu": cpu / args.seconds, "client_cpu": client_cpu / args.seconds,
        "pressure": pressure,
    }  # fmt: skip


SERVER = None
LOAD_BEFORE = ""


def main():
    global SERVER, LOAD_BEFORE
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=500)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--connections", type=int, default=8, help="persistent connections (keep-alive mode)")
    parser.add_argument("--new-connection-per-request", action="store_true", help="as MediaMTX >= 1.16.1")
    parser.add_argument("--no-write", action="store_true", help="print only, leave RESULTS.md alone")
    args = parser.parse_args()
    LOAD_BEFORE = " / ".join(Path("/proc/loadavg").read_text().split()[:3]) + f", CPU pressure {cpu_pressure()}"
    environment()
    tokens, other_camera, vendor = prepare()
    mix = bodies(tokens, other_camera, random.Random(7))
    folder = ROOT / "data" / "bench-gateway-hook-logs"  # gunicorn's logs of the last run, for a look afterwards
    folder.mkdir(parents=True, exist_ok=True)
    access_log = folder / "access.log"
    access_log.unlink(missing_ok=True)
    port = free_port()
    SERVER = start_server(port, access_log)
    try:
        measured = {name: phase(port, access_log, url_path, mix, args) for name, url_path, _label in PHASES}
    finally:
        SERVER.send_signal(signal.SIGTERM)
        SERVER.wait(timeout=30)
    report(measured, args, vendor)


def describe(failures):
    return ", ".join(f"{n} {name}" for name, n in failures.items()) or "none"


def report(measured, args, vendor):
    hook, bare, full = measured["hook"], measured["bare"], measured["bare_full"]
    met = hook["server"][0.99] < TARGET_MS and hook["achieved"] >= 0.98 * args.rate
    expected = {"allowed": {200}, "wrong_camera": {403, 429}, "unknown_token": {401, 429}, "publish": {403, 429},
                "no_credentials": {401}}  # fmt: skip
    wrong = {key: n for key, n in hook["statuses"].items() if key[1] not in expected[key[0]]}
    limited = sum(n for (_kind, status), n in hook["statuses"].items() if status == 429)
    mix = ", ".join(
        f"{kind} {sum(n for (k, _s), n in hook['statuses'].items() if k == kind) / hook['requests']:.0%}"
        for kind in expected
    )
    fresh = args.new_connection_per_request
    connections = (
        "a new connection per request (as MediaMTX since v1.16.1)"
        if fresh
        else f"{args.connections} persistent keep-alive connections (as wrk, and MediaMTX up to v1.16.0)"
    )

    def row(label, c):
        s = c["server"]
        return (
            f"| {label} | {c['requests']:,} | {c['achieved']:.1f}/s | {s[0.5]:.2f} | {s[0.9]:.2f} | {s[0.99]:.2f} | "
            f"{s[0.999]:.2f} | {s['max']:.1f} | {c['send'][0.5]:.2f} / {c['send'][0.99]:.2f} | "
            f"{c['plan'][0.5]:.2f} / {c['plan'][0.99]:.2f} | {c['cpu']:.0%} | {c['client_cpu']:.0%} | "
            f"{c['pressure']} |"
        )

    def cpu_row(label, c):
        s = c["server_cpu"]
        return f"| {label} | {s[0.5]:.3f} | {s[0.9]:.3f} | {s[0.99]:.3f} | {s[0.999]:.3f} |"

    def ratio(key, q):
        return f"{hook[key][q] / bare[key][q]:.2f} (vs full-middleware view: {hook[key][q] / full[key][q]:.2f})"

    labels = {name: label for name, _path, label in PHASES}
    when = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    body = f"""Run {when} on {os.cpu_count()} CPU(s) shared with other jobs, Python {platform.python_version()}, \
{vendor}; gunicorn {WORKERS} gthread workers x {THREADS} threads on loopback (as platform/), config.wsgi's \
application, production settings, DEBUG off. Load average (1/5/15 min) before the run {LOAD_BEFORE}.
Command: `.venv/bin/python benchmarks/bench_gateway_hook.py --rate {args.rate:g} --seconds {args.seconds:g} \
--connections {args.connections}{" --new-connection-per-request" if fresh else ""}` (DATABASE_URL selects the \
database).
Load: constant rate (open loop) from an asyncio generator on the same machine over {connections}; \
{WARM_UP_SECONDS} s warm-up per phase; failed requests: {describe(hook["failures"])} (hook), \
{describe(bare["failures"])} (bare), {describe(full["failures"])} (full-middleware bare). Mix: {mix}; {SESSIONS} \
live sessions on {CAMERAS} cameras; each worker sweeps for ended sessions every 2 s and checks each token in full \
every 30 s. Server time: gunicorn's `%(D)s` per request. Latencies in ms; the latency from the scheduled time \
includes waiting for a free connection.

| endpoint | requests | achieved rate | server p50 | p90 | p99 | p99.9 | max | client p50 / p99 from send \
| client p50 / p99 from schedule | server CPU (of one core) | load generator CPU | CPU pressure (avg60) after |
|---|---|---|---|---|---|---|---|---|---|---|---|---|
{chr(10).join(row(labels[name], measured[name]) for name, *_ in PHASES)}

CPU time of each request in its server thread (ms; not counting time spent waiting for a CPU):

| endpoint | p50 | p90 | p99 | p99.9 |
|---|---|---|---|---|
{chr(10).join(cpu_row(labels[name], measured[name]) for name, *_ in PHASES)}

| measure | result | target | verdict |
|---|---|---|---|
| hook p99 server time at {hook["achieved"]:.0f}/s for {args.seconds:g} s | {hook["server"][0.99]:.2f} ms | \
< {TARGET_MS:g} ms at 500/s for 60 s | {"met" if met else "MISSED"} |
| ratio hook / bare view, p99 server time | {ratio("server", 0.99)} | (reported) | |
| ratio hook / bare view, p50 server time | {ratio("server", 0.5)} | (reported) | |
| ratio hook / bare view, p99 server CPU time | {ratio("server_cpu", 0.99)} | (reported) | |
| answers other than the expected status (200 allowed, 401/403 refused, or 429 past a rate limit) | \
{sum(wrong.values())} | 0 | {"met" if not wrong else "MISSED"} |
| refused requests answered 429 by the rate limits (no gate asked) | {limited:,} | (reported) | |
"""
    official = not fresh and args.rate >= 500 and args.seconds >= 60 and not args.no_write
    if official:
        from benchmarks.results import write_section

        write_section(f"Media gateway hook under load ({vendor})", body)
    print(body)


if __name__ == "__main__" and not SERVING:
    main()
