"""A real PouchDB 9 client replicating through the gateway."""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path

import pytest

from tests.integration.gateway import docs as d
from tests.integration.gateway.conftest import World

pytestmark = pytest.mark.integration


def write_docs(tmp_path: Path, documents: list[dict]) -> str:
    path = tmp_path / "docs.json"
    path.write_text(json.dumps(documents))
    return str(path)


async def test_push_and_pull_a_study_with_chunks(world: World, pouch, tmp_path: Path) -> None:
    amina = await world.login("amina")
    chunks = [d.chunk(world.clinic, amina.username, i) for i in range(3)]
    documents = [d.study(world.clinic, amina.username), *chunks]
    remote = f"{world.gw.url}/sync/{world.db()}"

    pushed = await asyncio.to_thread(
        pouch,
        "push",
        "--remote",
        remote,
        "--token",
        amina.access_token,
        "--docs",
        write_docs(tmp_path, documents),
    )
    assert pushed["ok"], pushed
    assert pushed["docs_written"] == 4 and pushed["doc_write_failures"] == 0, pushed

    stored = await world.gw.admin.db(world.db()).all_docs()
    assert {r["id"] for r in stored["rows"] if not r["id"].startswith("_")} == {
        doc["_id"] for doc in documents
    }

    pulled = await asyncio.to_thread(
        pouch, "pull", "--remote", remote, "--token", amina.access_token
    )
    assert pulled["ok"], pulled
    by_id = {doc["_id"]: doc for doc in pulled["docs"]}
    assert set(by_id) >= {doc["_id"] for doc in documents}
    for chunk in chunks:
        got = by_id[chunk["_id"]]
        assert got["data_sha256"] == chunk["sha256"] == got["sha256"]


async def test_other_users_chunks_are_never_pulled(world: World, pouch, tmp_path: Path) -> None:
    amina = await world.login("amina")
    bakari = await world.login("bakari")
    documents = [d.study(world.clinic, amina.username)] + [
        d.chunk(world.clinic, amina.username, i) for i in range(12)
    ]
    remote = f"{world.gw.url}/sync/{world.db()}"
    pushed = await asyncio.to_thread(
        pouch,
        "push",
        "--remote",
        remote,
        "--token",
        amina.access_token,
        "--docs",
        write_docs(tmp_path, documents),
    )
    assert pushed["docs_written"] == 13, pushed
    # bakari's own study comes after a dozen of amina's chunks: paging must not stop early
    bakari_study = d.study(world.clinic, bakari.username, study_id="bakari-study-1")
    response = await world.http.put(
        f"/sync/{world.db()}/{bakari_study['_id']}", json=bakari_study, headers=bakari.headers
    )
    assert response.status_code == 201, response.text

    pulled = await asyncio.to_thread(
        pouch, "pull", "--remote", remote, "--token", bakari.access_token, "--batch-size", "5"
    )
    assert pulled["ok"], pulled
    got = {doc["_id"] for doc in pulled["docs"]}
    assert not [i for i in got if i.startswith("chunk:")], got
    assert {documents[0]["_id"], bakari_study["_id"]} <= got


def start_live(script: Path, remote: str, token: str, wanted: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            "node",
            str(script),
            "live",
            "--remote",
            remote,
            "--token",
            token,
            "--wait-for",
            wanted,
            "--timeout-ms",
            "20000",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )


async def test_live_replication_sees_another_members_change(world: World, node_client) -> None:
    amina = await world.login("amina")
    bakari = await world.login("bakari")
    study = d.study(world.clinic, amina.username, study_id="live-study-0001")
    remote = f"{world.gw.url}/sync/{world.db()}"
    process = start_live(node_client, remote, bakari.access_token, study["_id"])
    try:
        assert process.stdout is not None
        ready = await asyncio.to_thread(process.stdout.readline)
        assert json.loads(ready) == {"ready": True}
        await asyncio.sleep(0.3)  # the client is now waiting in a longpoll
        response = await world.http.put(
            f"/sync/{world.db()}/{study['_id']}", json=study, headers=amina.headers
        )
        assert response.status_code == 201, response.text
        result = json.loads(await asyncio.to_thread(process.stdout.readline))
        assert result["found"], result
        assert result["ms"] < 15000
    finally:
        process.kill()
        process.wait(5)
