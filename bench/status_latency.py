"""Status latency: from the bridge writing a status document to the clinician's device.

The bridge's write is simulated as the bridge makes it: the CouchDB admin client
(``relaypacs.couch.CouchClient``) writes ``status:<study_id>`` documents (the ``Status``
model) into the clinic database, creating each and then moving it through
``received -> validating -> stored -> delivered`` as the bridge does.  The client is a real
PouchDB 9 (tests/node_client/watch_live.mjs) in live, retrying pull replication with the
PWA's options (selector on the document types, ``batch_size`` 25); a sample ends when the
written revision appears in the client's LOCAL database (its own changes feed).  Writer
and client run on this machine and share the wall clock.

Two sides, in alternating rounds so drift on the machine falls on both alike:

- ``gateway``: the client replicates through the gateway (``/sync/<db>``, Bearer token);
- ``direct`` (the baseline): the same client replicates straight from the CouchDB-protocol
  server (admin basic auth).

Between samples the writer waits a random 20-200 ms (seeded), so writes land at every
phase of the client's longpoll cycle rather than always right after a reconnect.  The
command starts and stops its own CouchDB-protocol server and gateway.  The last line is
one JSON object: ``p50_s``/``p95_s``/``p99_s``/``max_s`` through the gateway (goal: p95 <=
1.0 s) and ``baseline_*`` for the direct side.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
import uuid
from typing import Any

import httpx

from bench.common import (
    CLINIC,
    NODE_CLIENT,
    PASSWORD,
    USER,
    BenchWorld,
    ensure_node_client,
    gateway_on_couch,
)
from couch_design_docs.models import HistoryEntry, Status, StatusState
from couch_design_docs.timestamps import now_timestamp
from relaypacs.couch import CouchClient

WATCHER = NODE_CLIENT / "watch_live.mjs"
GOAL_P95_S = 1.0
STATES = [StatusState.received, StatusState.validating, StatusState.stored, StatusState.delivered]


class Watcher:
    """One ``watch_live.mjs`` process: a PouchDB in live pull from ``remote``."""

    def __init__(self, remote: str, token: str | None) -> None:
        self.remote, self.token = remote, token
        self.proc: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> Watcher:
        cmd = ["node", str(WATCHER), "--remote", self.remote]
        if self.token:
            cmd += ["--token", self.token]
        self.proc = await asyncio.create_subprocess_exec(
            *cmd,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=NODE_CLIENT,
        )
        while True:
            line = await self.next_line(wait_s=30)
            if line.get("ready"):
                return self
            if "error" in line:
                raise RuntimeError(f"watcher failed: {line}")

    async def next_line(self, wait_s: float) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdout is not None
        raw = await asyncio.wait_for(self.proc.stdout.readline(), wait_s)
        if not raw:
            err = b""
            if self.proc.stderr is not None:
                err = await self.proc.stderr.read()
            raise RuntimeError(f"watcher exited: {err.decode()[-2000:]}")
        return json.loads(raw)

    async def arrival(self, doc_id: str, rev: str, wait_s: float) -> float | None:
        """Wall-clock seconds when ``doc_id`` at ``rev`` landed locally (None: timed out)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_s
        while (left := deadline - loop.time()) > 0:
            try:
                line = await self.next_line(left)
            except TimeoutError:
                return None
            if "error" in line:
                print(f"    watcher: {line}", file=sys.stderr, flush=True)
            if line.get("id") == doc_id and line.get("rev") == rev:
                return float(line["t_ms"]) / 1000
        return None

    async def __aexit__(self, *exc: object) -> None:
        if self.proc is None:
            return
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            await asyncio.wait_for(self.proc.wait(), 10)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()


class Bridge:
    """Writes status documents as the bridge does: admin client, known revision."""

    def __init__(self, client: CouchClient, db: str) -> None:
        self.db = client.db(db)
        self.docs: dict[str, dict[str, Any]] = {}
        self.count = 0

    async def write(self) -> tuple[str, str, float]:
        """The next write: a new study's ``received`` or the next state of the current one."""
        step = self.count % len(STATES)
        if step == 0:
            study_id = uuid.uuid4().hex
            at = now_timestamp()
            doc = Status(
                id=f"status:{study_id}",
                study_id=study_id,
                clinic=CLINIC,
                author=USER,
                state=StatusState.received,
                created_at=at,
                updated_at=at,
                history=[HistoryEntry(state=StatusState.received, at=at)],
            ).to_doc()
            self.current = doc["_id"]
        else:
            doc = dict(self.docs[self.current])
            at = now_timestamp()
            doc["state"] = STATES[step].value
            doc["updated_at"] = at
            doc["history"] = [*doc["history"], {"state": STATES[step].value, "at": at}]
        self.count += 1
        started = time.time()
        rev = await self.db.put(doc)
        doc["_rev"] = rev
        self.docs[doc["_id"]] = doc
        return doc["_id"], rev, started


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.4999)))
    return ordered[rank - 1]


def stats(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {
        "n": len(values),
        "min": min(values),
        "mean": statistics.fmean(values),
        "p50": percentile(values, 50),
        "p90": percentile(values, 90),
        "p95": percentile(values, 95),
        "p99": percentile(values, 99),
        "max": max(values),
    }


async def measure(
    bridge: Bridge, watcher: Watcher, count: int, rng: random.Random, wait_s: float
) -> tuple[list[float], int]:
    samples: list[float] = []
    missed = 0
    for _ in range(count):
        await asyncio.sleep(rng.uniform(0.02, 0.2))  # land at any phase of the longpoll
        doc_id, rev, started = await bridge.write()
        arrived = await watcher.arrival(doc_id, rev, wait_s)
        if arrived is None:
            missed += 1
            print(f"    {doc_id} {rev}: not seen within {wait_s:.0f} s", flush=True)
            continue
        samples.append(arrived - started)
    return samples, missed


async def run(args: argparse.Namespace, world: BenchWorld) -> dict[str, Any]:
    couch, gateway, db = world.couch, world.gateway, world.clinic_db
    async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as http:
        login = await http.post("/api/v1/auth/login", json={"username": USER, "password": PASSWORD})
        login.raise_for_status()
        token = login.json()["access_token"]
    direct_url = couch.url.replace("://", f"://{couch.admin_user}:{couch.admin_password}@")
    remotes = {
        "gateway": (f"{gateway.url}/sync/{db}", token),
        "direct": (f"{direct_url}/{db}", None),
    }
    rng = random.Random(args.seed)
    rounds = max(1, args.rounds)
    per_round = [args.samples // rounds + (i < args.samples % rounds) for i in range(rounds)]
    samples: dict[str, list[float]] = {"gateway": [], "direct": []}
    missed = {"gateway": 0, "direct": 0}
    print(
        f"{args.samples} status writes per side, {rounds} alternating rounds "
        f"(+{args.warmup} warm-up writes per round) ...",
        flush=True,
    )
    async with CouchClient(couch.url, couch.admin_user, couch.admin_password) as admin:
        bridge = Bridge(admin, db)
        for i, count in enumerate(per_round):
            order = ("direct", "gateway") if i % 2 == 0 else ("gateway", "direct")
            for side in order:
                async with Watcher(*remotes[side]) as watcher:
                    await measure(bridge, watcher, args.warmup, rng, args.timeout)
                    got, lost = await measure(bridge, watcher, count, rng, args.timeout)
                samples[side] += got
                missed[side] += lost
                s = stats(got)
                print(
                    f"  round {i + 1} {side:8} n={len(got):3d} "
                    f"p50={s.get('p50', 0) * 1000:6.1f} ms p95={s.get('p95', 0) * 1000:6.1f} ms",
                    flush=True,
                )
    return {"samples": samples, "missed": missed}


def report(args: argparse.Namespace, result: dict[str, Any]) -> dict[str, Any]:
    gw, di = stats(result["samples"]["gateway"]), stats(result["samples"]["direct"])
    if args.per_sample:
        pairs = result["samples"]["gateway"], result["samples"]["direct"]
        print()
        print(f"{'sample':>8} {'gateway ms':>11} {'direct ms':>10}")
        for i in range(max(map(len, pairs))):
            a, b = (f"{p[i] * 1000:.1f}" if i < len(p) else "-" for p in pairs)
            print(f"{i + 1:>8} {a:>11} {b:>10}")
    print()
    print(f"{'ms':>8} {'gateway':>10} {'direct':>10} {'overhead':>10}")
    for key in ("min", "mean", "p50", "p90", "p95", "p99", "max"):
        a, b = gw.get(key, float("nan")), di.get(key, float("nan"))
        print(f"{key:>8} {a * 1000:10.1f} {b * 1000:10.1f} {(a - b) * 1000:+10.1f}")
    print(f"{'n':>8} {gw.get('n', 0):10d} {di.get('n', 0):10d}")
    print()

    def r(value: float | None) -> float | None:
        return None if value is None else round(value, 4)

    p95 = gw.get("p95")
    summary = {
        "benchmark": "status-latency",
        "samples": args.samples,
        "gateway_samples": len(result["samples"]["gateway"]),
        "baseline_samples": len(result["samples"]["direct"]),
        "missed": result["missed"]["gateway"],
        "baseline_missed": result["missed"]["direct"],
        "p50_s": r(gw.get("p50")),
        "p90_s": r(gw.get("p90")),
        "p95_s": r(p95),
        "p99_s": r(gw.get("p99")),
        "max_s": r(gw.get("max")),
        "mean_s": r(gw.get("mean")),
        "baseline_p50_s": r(di.get("p50")),
        "baseline_p95_s": r(di.get("p95")),
        "baseline_p99_s": r(di.get("p99")),
        "baseline_max_s": r(di.get("max")),
        "overhead_p95_s": r(None if p95 is None or "p95" not in di else p95 - di["p95"]),
        "goal_p95_s": GOAL_P95_S,
        "goal_met": p95 is not None and p95 <= GOAL_P95_S and result["missed"]["gateway"] == 0,
    }
    return summary


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench status-latency",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--samples", type=int, default=100, help="measured writes per side")
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured writes per round")
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds to wait per sample")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--no-per-sample", dest="per_sample", action="store_false",
                        help="print only the summary, not every sample")  # fmt: skip
    args = parser.parse_args(argv)
    ensure_node_client()
    with gateway_on_couch("bench-status-latency-") as world:
        result = asyncio.run(run(args, world))
    summary = report(args, result)
    print(json.dumps(summary))
    return 0 if summary["goal_met"] else 1
