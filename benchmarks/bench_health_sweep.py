"""Benchmark: a health sweep of 8,000 camera endpoints on loopback, target under 5 minutes.

The fleet (all on 127.0.0.1):
- 4,000 live: a light asyncio RTSP responder (in a separate process, so that it does not share the prober's
  interpreter) on 16 ports answering DESCRIBE with 200 and a small SDP on many paths, plus 40 targets on a
  real rtsp-server-perl fed by ffmpeg on 4 paths;
- 2,000 dead by "connection refused": 50 ports bound but not listening (the kernel refuses at once);
- 2,000 dead by silence: 8 ports whose listener accepts and never answers (each probe waits the timeout).
The targets are shuffled, as in a real fleet. The sweep runs `probe_many` with its defaults (concurrency 200,
timeout 3 s) and every result is checked against what the endpoint is.

Baselines measured in the same run: the stated limit of 300 s (ratio = measured / 300), and a sequential
probe (concurrency 1, same timeout) of a 200-target sample with the same mix, extrapolated to 8,000.

Run: `make bench` or `cd /work/main && uv run python benchmarks/bench_health_sweep.py` (takes about 3
minutes, mostly the sequential baseline). Needs rtsp-server-perl and ffmpeg (`./scripts/system-deps.sh`).
Raises the soft open-files limit (resource.setrlimit, up to the hard limit, at most 65,536) when it is
under 4,096. Writes its section of benchmarks/RESULTS.md.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import platform
import random
import resource
import socket
import statistics
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.results import write_section  # noqa: E402
from cameras.health import DEFAULT_CONCURRENCY, DEFAULT_TIMEOUT, ProbeTarget, probe_many  # noqa: E402
from demo.streams import RtspTestStream  # noqa: E402

TITLE = "Health sweep of 8,000 endpoints"
LIMIT_SECONDS = 300.0
TOTAL = 8000
LIVE, REFUSED, SILENT = TOTAL // 2, TOTAL // 4, TOTAL // 4
REAL_PATHS = ("cam1", "cam2", "cam3", "cam4")
REAL_TARGETS = 40  # of the live ones, on the real rtsp-server-perl stream
RESPONDER_PORTS = 16
SILENT_PORTS = 8
REFUSED_PORTS = 50
SAMPLE = 200
SEED = 8000
COMMAND = "cd /work/main && uv run python benchmarks/bench_health_sweep.py"
SDP = (
    "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=Bench\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=control:streamid=0\r\n"
)


# --------------------------------------------------------------------------------------------------
# The fake fleet, in its own process


def fleet_process(conn) -> None:
    """Serve RTSP responders and silent listeners until the parent says stop; report counts back."""
    asyncio.run(_fleet(conn))


async def _fleet(conn) -> None:
    stats = Counter()
    current = {"open": 0, "max_open": 0}
    answer_200 = (
        f"RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Type: application/sdp\r\nContent-Length: {len(SDP)}\r\n\r\n{SDP}"
    ).encode()
    answer_404 = b"RTSP/1.0 404 Not Found\r\nCSeq: 1\r\n\r\n"

    def opened():
        current["open"] += 1
        current["max_open"] = max(current["max_open"], current["open"])

    async def responder(reader, writer):
        opened()
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            line = head.split(b"\r\n", 1)[0].decode("latin-1")
            path = line.split(" ")[1].split("/", 3)[-1] if line.count(" ") >= 2 else ""
            if line.startswith("DESCRIBE ") and path.startswith("live/"):
                writer.write(answer_200)
                stats["describe_200"] += 1
            else:
                writer.write(answer_404)
                stats["describe_404"] += 1
            await writer.drain()
            await reader.read()  # until the prober closes
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            stats["responder_errors"] += 1
        finally:
            writer.transport.abort()
            current["open"] -= 1

    async def silent(reader, writer):
        opened()
        stats["silent_accepted"] += 1
        try:
            while await reader.read(4096):
                pass
        except ConnectionError:
            pass
        finally:
            writer.transport.abort()
            current["open"] -= 1

    servers = []
    for _ in range(RESPONDER_PORTS):
        servers.append(await asyncio.start_server(responder, "127.0.0.1", 0, backlog=1024))
    responder_ports = [server.sockets[0].getsockname()[1] for server in servers]
    for _ in range(SILENT_PORTS):
        servers.append(await asyncio.start_server(silent, "127.0.0.1", 0, backlog=1024))
    silent_ports = [server.sockets[0].getsockname()[1] for server in servers[RESPONDER_PORTS:]]

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_reader(conn.fileno(), stop.set)
    conn.send({"responders": responder_ports, "silent": silent_ports})
    await stop.wait()
    loop.remove_reader(conn.fileno())
    conn.recv()
    for server in servers:
        server.close()
    conn.send({**stats, "max_open_connections": current["max_open"]})


# --------------------------------------------------------------------------------------------------
# Helpers


def raise_fd_limit(needed: int = 4096, wanted: int = 65536) -> str:
    """The sweep holds up to `concurrency` sockets; the fleet process (which inherits the limit) as many more."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return f"open-files limit {soft} (hard {hard}) is enough (needs about {needed}), left as it is"
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return f"raised the soft open-files limit from {soft} to {target} with resource.setrlimit"


def refusing_ports(count: int) -> tuple[list[socket.socket], list[int]]:
    """Ports bound but never listening: connecting to them is refused, and nobody else can take them."""
    sockets = []
    for _ in range(count):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        sockets.append(sock)
    return sockets, [sock.getsockname()[1] for sock in sockets]


def build_targets(rng, responders, silent, refused, stream, *, live, real, dead_refused, dead_silent):
    """(target, kind) pairs, shuffled; camera ids are given after shuffling."""
    plan = []
    for i in range(live - real):
        port = responders[i % len(responders)]
        plan.append(("live", f"rtsp://127.0.0.1:{port}/live/site{i // 40:03d}/cam{i:05d}"))
    for i in range(real):
        plan.append(("live", stream.uri_for(REAL_PATHS[i % len(REAL_PATHS)])))
    for i in range(dead_refused):
        plan.append(("refused", f"rtsp://127.0.0.1:{refused[i % len(refused)]}/live/cam{i:05d}"))
    for i in range(dead_silent):
        plan.append(("silent", f"rtsp://127.0.0.1:{silent[i % len(silent)]}/live/cam{i:05d}"))
    rng.shuffle(plan)
    return [(ProbeTarget(camera_id=n, rtsp_uri=uri, onvif_address=None), kind) for n, (kind, uri) in enumerate(plan, 1)]


EXPECTED = {
    "live": (True, "RTSP 200 OK"),
    "refused": (False, "connection refused"),
    "silent": (False, f"no answer within {DEFAULT_TIMEOUT:g} s"),
}


def check(pairs, results) -> list[str]:
    problems = []
    for (target, kind), result in zip(pairs, results, strict=True):
        online, detail = EXPECTED[kind]
        if result.camera_id != target.camera_id or result.online != online or result.detail != detail:
            problems.append(f"camera {target.camera_id} ({kind}): online={result.online} {result.detail!r}")
    return problems


def timed_sweep(pairs, **kwargs):
    started = time.perf_counter()
    results = probe_many([target for target, _ in pairs], **kwargs)
    return results, time.perf_counter() - started


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


# --------------------------------------------------------------------------------------------------


def main() -> int:
    fd_note = raise_fd_limit()
    rng = random.Random(SEED)
    context = multiprocessing.get_context("spawn")
    parent_conn, child_conn = context.Pipe()
    fleet = context.Process(target=fleet_process, args=(child_conn,), name="probe-fleet", daemon=True)
    fleet.start()
    refused_sockets, refused = refusing_ports(REFUSED_PORTS)
    try:
        if not parent_conn.poll(30):
            raise RuntimeError("the fleet process did not start")
        ports = parent_conn.recv()
        with RtspTestStream(paths=REAL_PATHS) as stream:
            pairs = build_targets(
                rng,
                ports["responders"],
                ports["silent"],
                refused,
                stream,
                live=LIVE,
                real=REAL_TARGETS,
                dead_refused=REFUSED,
                dead_silent=SILENT,
            )
            print(f"Sweeping {len(pairs)} endpoints (concurrency {DEFAULT_CONCURRENCY}, timeout {DEFAULT_TIMEOUT:g} s)")
            results, sweep_seconds = timed_sweep(pairs)
            problems = check(pairs, results)
            print(f"  {sweep_seconds:.1f} s, {len(problems)} unexpected results")

            # Sequential baseline on a sample with the same mix, from the same kinds of endpoint.
            sample = build_targets(
                random.Random(SEED + 1),
                ports["responders"],
                ports["silent"],
                refused,
                stream,
                live=SAMPLE // 2,
                real=2,
                dead_refused=SAMPLE // 4,
                dead_silent=SAMPLE // 4,
            )
            print(f"Sequential baseline: {len(sample)} endpoints one at a time (takes about {SAMPLE // 4 * 3} s)")
            sample_results, sample_seconds = timed_sweep(sample, concurrency=1)
            problems += check(sample, sample_results)
            print(f"  {sample_seconds:.1f} s")
        parent_conn.send("stop")
        fleet_stats = parent_conn.recv() if parent_conn.poll(30) else {}
    finally:
        for sock in refused_sockets:
            sock.close()
        fleet.join(10)
        if fleet.is_alive():
            fleet.terminate()
            fleet.join(5)

    kinds = Counter(kind for _, kind in pairs)
    live_latencies = [r.latency_ms for (_, kind), r in zip(pairs, results, strict=True) if kind == "live"]
    sequential_extrapolated = sample_seconds * TOTAL / len(sample)
    ratio = sweep_seconds / LIMIT_SECONDS
    speedup = sequential_extrapolated / sweep_seconds
    floor = SILENT * DEFAULT_TIMEOUT / DEFAULT_CONCURRENCY
    verdict = "met" if sweep_seconds < LIMIT_SECONDS and not problems else "NOT met"
    live_fake = kinds["live"] - REAL_TARGETS
    rows = [
        (f"sweep of {len(pairs)} endpoints, wall time", f"{sweep_seconds:.1f} s", f"< {LIMIT_SECONDS:.0f} s", verdict),
        ("ratio measured / stated limit of 300 s", f"{ratio:.3f}", "< 1", ""),
        (f"floor set by the silent ones ({SILENT} x {DEFAULT_TIMEOUT:g} s / {DEFAULT_CONCURRENCY})", f"{floor:.1f} s"),
        (f"sequential probe (concurrency 1) of a {len(sample)}-endpoint sample, same mix", f"{sample_seconds:.1f} s"),
        (f"sequential, extrapolated to {TOTAL}", f"{sequential_extrapolated:.0f} s"),
        ("speed-up of the sweep over sequential (extrapolated / measured)", f"{speedup:.0f}x"),
        ("ratio measured / sequential extrapolated", f"{1 / speedup:.4f}"),
        (
            "live endpoint latency in the sweep, median / p95",
            f"{statistics.median(live_latencies):.1f} / {percentile(live_latencies, 0.95):.1f} ms",
        ),
        (
            "fleet process: peak simultaneous connections (it sees closes a little late)",
            str(fleet_stats.get("max_open_connections", "?")),
        ),
    ]
    table = "\n".join("| " + " | ".join((*row, "", "")[:4]) + " |" for row in rows)
    body = f"""
Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} CPU(s) (nproc), Python {platform.python_version()},
{platform.system()} {platform.release()}. Command: `{COMMAND}`.
Everything on loopback; {fd_note}.

Endpoints: {kinds["live"]} live ({live_fake} on an asyncio RTSP responder in its own process, {RESPONDER_PORTS}
ports, one path per camera; {REAL_TARGETS} on a real rtsp-server-perl + ffmpeg stream, {len(REAL_PATHS)} paths),
{kinds["refused"]} refused ({REFUSED_PORTS} ports bound but not listening), {kinds["silent"]} silent
({SILENT_PORTS} ports that accept and never answer), shuffled. `probe_many` with its defaults: concurrency
{DEFAULT_CONCURRENCY}, timeout {DEFAULT_TIMEOUT:g} s. Every result was checked against its endpoint's kind:
{len(problems)} unexpected.

| measure | result | target | verdict |
|---|---|---|---|
{table}
"""
    if problems:
        body += "\nUnexpected results (first 10):\n\n" + "\n".join(f"- {p}" for p in problems[:10]) + "\n"
    write_section(TITLE, body)
    print(body)
    return 0 if verdict == "met" else 1


if __name__ == "__main__":
    sys.exit(main())
