"""The gateway's replication throughput against the CouchDB-protocol server, side by side.

The same PouchDB 9 client (tests/node_client, memory adapter) pushes ``--docs`` chunk
documents of ``--chunk-bytes`` straight to the server and through the gateway, then pulls
them back both ways, in one run on one server.  The gateway's resident memory is sampled
throughout.  The last line is one JSON object:

- ``push_ratio`` / ``pull_ratio``: the median over rounds of gateway throughput / direct
  throughput, each round running both sides back to back (order alternating) so load from
  other processes on the machine falls on both alike;
- ``ratio``: the median over rounds of the same for push and pull together (bytes / time);
- ``*_mb_s``: median throughputs; ``rounds``: every round's figures;
- ``gateway_rss_growth_mb``: peak RSS during the run minus RSS after start-up and sign-in.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
from typing import Any

import httpx

from bench.common import (
    NODE_CLIENT,
    PASSWORD,
    USER,
    BenchWorld,
    PeakSampler,
    ensure_node_client,
    gateway_on_couch,
    rss_mb,
)


def node(*args: str) -> dict[str, Any]:
    done = subprocess.run(
        ["node", str(NODE_CLIENT / "replicate.mjs"), *args],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    if not lines:
        raise RuntimeError(f"node client failed: {done.stderr[-2000:]}")
    result = json.loads(lines[-1])
    if not result.get("ok"):
        raise RuntimeError(f"replication failed: {json.dumps(result)[:2000]}")
    return result


def mb_per_s(result: dict[str, Any]) -> float:
    return result["bytes"] / 1024 / 1024 / max(result["ms"] / 1000, 1e-6)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench gateway", description=__doc__)
    parser.add_argument("--docs", type=int, default=200)
    parser.add_argument("--chunk-bytes", type=int, default=1024 * 1024)
    parser.add_argument("--batch-size", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5, help="interleaved push+pull rounds")
    args = parser.parse_args(argv)
    ensure_node_client()
    with gateway_on_couch("bench-gateway-") as world:
        return run(args, world)


def run(args: argparse.Namespace, world: BenchWorld) -> int:
    couch, gateway, db = world.couch, world.gateway, world.clinic_db
    with httpx.Client(base_url=gateway.url) as http:
        login = http.post("/api/v1/auth/login", json={"username": USER, "password": PASSWORD})
        login.raise_for_status()
        token = login.json()["access_token"]
        http.get(f"/sync/{db}", headers={"Authorization": f"Bearer {token}"}).raise_for_status()
    assert gateway.pid is not None
    pid = gateway.pid
    baseline = rss_mb(pid)
    sampler = PeakSampler(lambda: rss_mb(pid))
    sampler.start()

    direct_url = couch.url.replace("://", f"://{couch.admin_user}:{couch.admin_password}@")
    common = [
        "--chunks",
        str(args.docs),
        "--chunk-bytes",
        str(args.chunk_bytes),
        "--clinic",
        "bench",
        "--author",
        "bencher",
        "--batch-size",
        str(args.batch_size),
        "--summary",
        "1",
    ]
    via = ["--remote", f"{gateway.url}/sync/{db}", "--token", token]
    direct = ["--remote", f"{direct_url}/{db}"]

    # Interleaved rounds: each round pushes docs/rounds documents and pulls the database
    # (fresh local copy) on both sides back to back, the order alternating (A B, B A, ...);
    # a round's ratio compares two measurements taken seconds apart, and the median over
    # rounds discards the rounds another process on the machine happened to disturb.
    rounds = max(1, args.rounds)
    per_round = [args.docs // rounds + (1 if i < args.docs % rounds else 0) for i in range(rounds)]
    remotes = {"direct": direct, "gateway": via}
    size = ["--batch-size", str(args.batch_size), "--summary", "1"]
    print(
        f"{rounds} interleaved rounds: push {args.docs} chunk docs of {args.chunk_bytes} bytes "
        "in total each way, and pull after each push ...",
        flush=True,
    )
    measured: list[dict[str, Any]] = []
    written = 0
    for i, count in enumerate(per_round):
        order = ("direct", "gateway") if i % 2 == 0 else ("gateway", "direct")
        push: dict[str, Any] = {}
        for side in order:
            args_i = [*common]
            args_i[1] = str(count)
            push[side] = node("push", *remotes[side], *args_i)
        written += push["gateway"]["docs_written"]
        pull: dict[str, Any] = {}
        for side in order:
            pull[side] = node("pull", *remotes[side], *size)
        row = {
            "push_direct_mb_s": round(mb_per_s(push["direct"]), 1),
            "push_gateway_mb_s": round(mb_per_s(push["gateway"]), 1),
            "pull_direct_mb_s": round(mb_per_s(pull["direct"]), 1),
            "pull_gateway_mb_s": round(mb_per_s(pull["gateway"]), 1),
        }
        row["push_ratio"] = round(mb_per_s(push["gateway"]) / mb_per_s(push["direct"]), 3)
        row["pull_ratio"] = round(mb_per_s(pull["gateway"]) / mb_per_s(pull["direct"]), 3)
        both = {
            side: (push[side]["bytes"] + pull[side]["bytes"])
            / max(push[side]["ms"] + pull[side]["ms"], 1)
            for side in ("direct", "gateway")
        }
        row["ratio"] = round(both["gateway"] / both["direct"], 3)
        measured.append(row)
        print(
            f"  round {i + 1}: push {row['push_direct_mb_s']:6.1f} direct "
            f"{row['push_gateway_mb_s']:6.1f} gateway ({row['push_ratio']:.2f}); "
            f"pull {row['pull_direct_mb_s']:6.1f} direct {row['pull_gateway_mb_s']:6.1f} "
            f"gateway ({row['pull_ratio']:.2f}); ratio {row['ratio']:.3f}",
            flush=True,
        )
    if written != args.docs:
        raise RuntimeError(f"gateway push wrote {written} of {args.docs}")
    peak = sampler.stop()

    def median(key: str) -> float:
        return round(statistics.median(row[key] for row in measured), 3)

    result = {
        "benchmark": "gateway",
        "docs": args.docs,
        "chunk_bytes": args.chunk_bytes,
        "batch_size": args.batch_size,
        "rounds": measured,
        "push_direct_mb_s": median("push_direct_mb_s"),
        "push_gateway_mb_s": median("push_gateway_mb_s"),
        "push_ratio": median("push_ratio"),
        "pull_direct_mb_s": median("pull_direct_mb_s"),
        "pull_gateway_mb_s": median("pull_gateway_mb_s"),
        "pull_ratio": median("pull_ratio"),
        "ratio": median("ratio"),
        "ratio_min": min(row["ratio"] for row in measured),
        "ratio_max": max(row["ratio"] for row in measured),
        "gateway_rss_baseline_mb": round(baseline, 1),
        "gateway_rss_peak_mb": round(peak, 1),
        "gateway_rss_growth_mb": round(peak - baseline, 1),
    }
    print(json.dumps(result))
    return 0
