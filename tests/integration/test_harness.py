"""Each harness server starts, answers, stops; twice side by side; past a busy port."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest

from relaypacs.harness import process
from relaypacs.harness.process import ServerFailed, port_is_free
from relaypacs.harness.servers import CouchServer, OrthancServer, S3Server

pytestmark = pytest.mark.integration

SERVERS = [CouchServer, OrthancServer, S3Server]


def answers(server) -> bool:
    with httpx.Client(timeout=5) as client:
        return server.probe(client)


@pytest.mark.parametrize("kind", SERVERS, ids=lambda k: k.__name__)
def test_two_instances_start_answer_and_stop(kind, tmp_path: Path):
    first = kind(workdir=tmp_path / "one").start()
    second = kind(workdir=tmp_path / "two").start()
    try:
        assert first.port != second.port
        assert answers(first) and answers(second)
    finally:
        first.stop()
        second.stop()
    assert not first.running() and not second.running()
    assert port_is_free(first.port) and port_is_free(second.port)


@pytest.mark.parametrize("kind", SERVERS, ids=lambda k: k.__name__)
def test_a_busy_port_is_skipped(kind, tmp_path: Path, monkeypatch):
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen()
    busy = blocker.getsockname()[1]
    ports = iter([busy])
    real_free_port = process.free_port
    monkeypatch.setattr(
        process, "free_port", lambda host: next(ports, None) or real_free_port(host)
    )
    server = kind(workdir=tmp_path / "busy")
    try:
        server.start()
        assert server.port != busy
        assert answers(server)
    finally:
        server.stop()
        blocker.close()


def test_a_fixed_busy_port_fails_with_the_reason(tmp_path: Path):
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen()
    server = CouchServer(workdir=tmp_path / "fixed", port=blocker.getsockname()[1])
    try:
        with pytest.raises(ServerFailed, match="exited"):
            server.start()
    finally:
        server.stop()
        blocker.close()


def test_couch_data_persists_across_restarts(tmp_path: Path):
    server = CouchServer(workdir=tmp_path / "persist", admin_password="pw").start()
    auth = ("admin", "pw")
    try:
        httpx.put(f"{server.url}/keep", auth=auth).raise_for_status()
        httpx.put(f"{server.url}/keep/doc", json={"v": 1}, auth=auth).raise_for_status()
        server.restart()
        assert httpx.get(f"{server.url}/keep/doc", auth=auth).json()["v"] == 1
    finally:
        server.stop()
