"""``python -m bench pipeline``: seal → delivered through the bridge vs a plain STOW-RS.

Both sides send the same kind of data to the same Orthanc: N CT instances (512 x 512 x 16 bit,
about 0.5 MB each, generated from pydicom's bundled ``CT_small.dcm`` with new UIDs; two
sets with different UIDs, because Orthanc keeps the first copy of a re-sent instance).

- raw: STOW-RS of the files, batches of 20, straight from disk;
- pipeline: the chunks are already in the clinic database (replicated earlier, not timed);
  the clock starts when the manifest is sealed and stops when the status says delivered.
  The bridge runs as its own process (``python -m pacs_bridge``) so its memory can be
  watched: ``bridge_rss_growth_mb`` is its peak RSS during the run minus its RSS before.

The last line printed is one JSON object with ``ratio`` (pipeline / raw) and
``bridge_rss_growth_mb``.  ``--gb 1`` runs a 1 GB study instead of ``--instances``;
``--repeat`` (default 3) runs
several raw/pipeline pairs and reports the median (this box is shared: numbers vary).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.common import PeakSampler, rss_mb
from bench.dicom import count_for, generate
from couch_design_docs import names as ids
from couch_design_docs.models import CHUNK_SIZE, Destination
from couch_design_docs.names import DatabaseNames
from couch_design_docs.setup import setup
from pacs_bridge.stow import Part, pacs_session, stow
from relaypacs.couch import CouchClient
from relaypacs.harness.process import ManagedServer
from relaypacs.harness.servers import CouchServer, OrthancServer

REPO = Path(__file__).resolve().parents[1]
CLINIC = "bench"
NOW = "2026-11-28T12:00:00Z"


def file_part(entry: dict[str, Any]) -> Part:
    async def read():
        with entry["path"].open("rb") as fp:
            while data := fp.read(1024 * 1024):
                yield data

    return Part(entry["sop"], entry["size"], read)


async def raw_stow(destination: Destination, files: list[dict[str, Any]], batch: int) -> float:
    async with pacs_session() as http:  # the bridge's own client: the same on both sides
        start = time.perf_counter()
        for i in range(0, len(files), batch):
            parts = [file_part(f) for f in files[i : i + batch]]
            result = await stow(http, destination, parts, read_timeout=300)
            assert len(result.referenced) == len(parts), result
        return time.perf_counter() - start


async def upload_chunks(db, study_id: str, files: list[dict[str, Any]]) -> None:
    docs: list[dict[str, Any]] = []

    async def flush():
        if docs:
            results = await db.bulk_docs(docs)
            assert all("error" not in r for r in results), results[:3]
            docs.clear()

    for f in files:
        count = math.ceil(f["size"] / CHUNK_SIZE)
        with f["path"].open("rb") as fp:
            for index in range(count):
                piece = fp.read(CHUNK_SIZE)
                docs.append(
                    {
                        "_id": ids.chunk_doc_id(study_id, f["sha256"], index),
                        "type": "chunk",
                        "schema_version": 1,
                        "study_id": study_id,
                        "file_id": f["sha256"],
                        "index": index,
                        "sha256": hashlib.sha256(piece).hexdigest(),
                        "size": len(piece),
                        "clinic": CLINIC,
                        "author": "amina",
                        "_attachments": {
                            "data": {
                                "content_type": "application/octet-stream",
                                "data": base64.b64encode(piece).decode(),
                            }
                        },
                    }
                )
                if len(docs) >= 10:
                    await flush()
    await flush()


def manifest(study_id: str, study_uid: str, files: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "_id": ids.study_doc_id(study_id),
        "type": "study",
        "schema_version": 1,
        "study_id": study_id,
        "clinic": CLINIC,
        "author": "amina",
        "state": "sealed",
        "created_at": NOW,
        "sealed_at": NOW,
        "priority": "routine",
        "patient": {"name": "BENCH^MARK", "id": "B1"},
        "study": {"instance_uid": study_uid, "modalities": ["CT"]},
        "chunk_size": CHUNK_SIZE,
        "files": [
            {
                "file_id": f["sha256"],
                "name": f["name"],
                "size": f["size"],
                "sha256": f["sha256"],
                "chunk_count": math.ceil(f["size"] / CHUNK_SIZE),
                "sop_instance_uid": f["sop"],
                "series_instance_uid": f["series"],
                "study_instance_uid": f["study"],
                "modality": "CT",
            }
            for f in files
        ],
    }


class Bridge(ManagedServer):
    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        super().__init__(name="bridge", workdir=workdir, ready_timeout=60)
        self.env = env

    def command(self) -> list[str]:
        return [sys.executable, "-m", "pacs_bridge"]

    def environment(self) -> dict[str, str]:
        return self.env

    def probe(self, client: httpx.Client) -> bool:
        try:
            return "bridge started" in self.log_path.read_text(errors="replace")
        except OSError:
            return False


async def run(args: argparse.Namespace) -> dict[str, Any]:
    count = args.instances
    if args.gb:
        count = count_for(args.gb * 1024**3)
    root = Path(tempfile.mkdtemp(prefix="bench-pipeline-", dir=args.tmp))
    couch = CouchServer(workdir=root / "couchdb", admin_password="bench-admin")
    orthanc = OrthancServer(workdir=root / "orthanc")
    bridge: Bridge | None = None
    try:
        rounds = []
        for number in range(args.repeat):
            log(f"round {number + 1}: generating 2 x {count} instances in {root}")
            _, raw_files = generate(root / f"raw{number}", count)
            study_uid, files = generate(root / f"pipeline{number}", count)
            rounds.append((raw_files, study_uid, files, f"bench{int(time.time())}r{number}"))
        total = sum(f["size"] for f in rounds[0][2])
        couch.start()
        orthanc.start()
        names = DatabaseNames(prefix="bench_")
        client = CouchClient(couch.url, couch.admin_user, couch.admin_password, timeout=120)
        await setup(client, names, clinic_ids=[CLINIC])
        destination = Destination(
            name="orthanc",
            kind="orthanc",
            stow_url=orthanc.dicomweb_url,
            auth="basic",
            username=orthanc.username,
            secret=orthanc.password,
        )
        await client.db(names.clinics).put(
            {
                "_id": f"clinic:{CLINIC}",
                "type": "clinic",
                "schema_version": 1,
                "clinic_id": CLINIC,
                "name": "Bench Clinic",
                "destinations": [destination.model_dump(exclude_none=True)],
                "created_at": NOW,
            }
        )
        db = client.db(names.clinic(CLINIC))
        for _, _, files, study_id in rounds:
            log(f"replicating {total / 1e6:.0f} MB of chunks into CouchDB (not timed)")
            await upload_chunks(db, study_id, files)

        # other RELAYPACS_* settings pass through, to measure them (e.g. STOW_CONCURRENCY)
        env = dict(os.environ)
        env.update(
            {
                "RELAYPACS_ENV": "test",
                "RELAYPACS_COUCHDB_URL": couch.url,
                "RELAYPACS_COUCHDB_USER": couch.admin_user,
                "RELAYPACS_COUCHDB_PASSWORD": couch.admin_password,
                "RELAYPACS_DB_PREFIX": names.prefix,
                "RELAYPACS_DATA_DIR": str(root / "bridge-data"),
                "RELAYPACS_LOG_LEVEL": "INFO",
                "RELAYPACS_CHECKPOINT_INTERVAL": "0.5",
                "PYTHONPATH": str(REPO),
            }
        )
        bridge = Bridge(root / "bridge", env)
        bridge.start()
        # a daemon is long-running: warm it up (imports, decoders, connections) untimed
        warm_uid, warm_files = generate(root / "warmup", 5)
        await upload_chunks(db, "benchwarmup", warm_files)
        await seal_and_wait(db, "benchwarmup", warm_uid, warm_files)
        await asyncio.sleep(1.0)
        pid = bridge.pid or 0
        baseline = rss_mb(pid)
        sampler = PeakSampler(lambda: rss_mb(pid))
        sampler.start()
        results = []
        for raw_files, study_uid, files, study_id in rounds:
            log(f"raw STOW-RS of {count} instances, batches of {args.batch}")
            raw_s = await raw_stow(destination, raw_files, args.batch)
            log(f"raw: {raw_s:.2f}s ({total / 1e6 / raw_s:.0f} MB/s)")
            pipeline_s = await seal_and_wait(db, study_id, study_uid, files)
            log(f"pipeline: {pipeline_s:.2f}s ({total / 1e6 / pipeline_s:.0f} MB/s)")
            found = await orthanc_count(orthanc, study_uid)
            assert found == count, (found, count)
            results.append((raw_s, pipeline_s))
        sampler.stop()
        await client.aclose()
        ratios = [p / r for r, p in results]
        raw_s = statistics.median(r for r, _ in results)
        pipeline_s = statistics.median(p for _, p in results)
        return {
            "benchmark": "pipeline",
            "instances": count,
            "megabytes": round(total / 1e6, 1),
            "batch": args.batch,
            "rounds": len(results),
            "raw_s": round(raw_s, 3),
            "pipeline_s": round(pipeline_s, 3),
            "raw_mb_s": round(total / 1e6 / raw_s, 1),
            "pipeline_mb_s": round(total / 1e6 / pipeline_s, 1),
            "ratios": [round(r, 3) for r in ratios],
            "ratio": round(statistics.median(ratios), 3),
            "ratio_goal": 1.5,
            "bridge_rss_baseline_mb": round(baseline, 1),
            "bridge_rss_peak_mb": round(sampler.peak, 1),
            "bridge_rss_growth_mb": round(max(0.0, sampler.peak - baseline), 1),
            "bridge_rss_growth_goal_mb": 200,
            "load_average": round(os.getloadavg()[0], 2),
        }
    finally:
        if bridge is not None:
            bridge.stop()
        orthanc.stop()
        couch.stop()
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


async def seal_and_wait(db, study_id: str, study_uid: str, files: list[dict[str, Any]]) -> float:
    """Seal the manifest; return the seconds until the status says delivered."""
    status_id = ids.status_doc_id(study_id)
    seq = (await db.info())["update_seq"]
    start = time.perf_counter()
    await db.put(manifest(study_id, study_uid, files))
    # watch the status through the changes feed (polling would load the server)
    doc: dict[str, Any] = {}
    while doc.get("state") not in ("delivered", "partial", "failed"):
        answer = await db.changes(
            since=seq, feed="longpoll", include_docs=True, selector={"_id": status_id}
        )
        seq = answer["last_seq"]
        for row in answer["results"]:
            doc = row.get("doc") or doc
    elapsed = time.perf_counter() - start
    if doc["state"] != "delivered":
        raise SystemExit(f"pipeline ended {doc['state']}: {doc['errors'][:3]}")
    sealed_at = datetime.now(UTC).timestamp() - (time.perf_counter() - start)
    offsets = [f"{h['state']} {_epoch(h['at']) - sealed_at:.2f}" for h in doc["history"]]
    log("  status history (s after seal): " + ", ".join(offsets))
    return elapsed


async def orthanc_count(orthanc: OrthancServer, study_uid: str) -> int:
    async with httpx.AsyncClient(auth=(orthanc.username, orthanc.password)) as http:
        response = await http.post(
            orthanc.url + "/tools/find",
            json={"Level": "Instance", "Query": {"StudyInstanceUID": study_uid}},
        )
        return len(response.json())


def _epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench pipeline", description=__doc__)
    parser.add_argument("--instances", type=int, default=200)
    parser.add_argument("--gb", type=float, default=0.0, help="study size in GB instead")
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3, help="raw/pipeline pairs (median)")
    parser.add_argument("--tmp", default=None, help="where to put the temporary files")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    result = asyncio.run(run(args))
    print(json.dumps(result))
    return 0
