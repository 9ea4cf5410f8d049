"""`relaypacs up` brings up the whole stack with demo users, stops cleanly, and restarts."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from relaypacs.stack import DEMO_USERS

pytestmark = pytest.mark.integration


def start(data_dir: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "relaypacs.cli", "up", "--data-dir", str(data_dir), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "RELAYPACS_LOG_LEVEL": "WARNING"},
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    output = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        output.append(line)
        if line.startswith("READY "):
            return proc, line.split()[1]
    proc.kill()
    raise AssertionError("relaypacs up did not come up:\n" + "".join(output))


def stop(proc: subprocess.Popen) -> int:
    proc.send_signal(signal.SIGTERM)
    return proc.wait(60)


def login(url: str, username: str, password: str) -> httpx.Response:
    return httpx.post(
        f"{url}/api/v1/auth/login", json={"username": username, "password": password}, timeout=10
    )


def test_up_runs_the_stack_with_demo_users_and_restarts(tmp_path: Path):
    data_dir = tmp_path / "var"
    proc, url = start(data_dir)
    try:
        secrets = json.loads((data_dir / "secrets.json").read_text())
        assert (data_dir / "secrets.json").stat().st_mode & 0o077 == 0
        assert httpx.get(f"{url}/readyz", timeout=10).status_code == 200
        for username, role, clinic in DEMO_USERS:
            response = login(url, username, secrets[f"password_{username}"])
            assert response.status_code == 200, response.text
            assert response.json()["user"]["role"] == role
            assert response.json()["user"]["clinic"] == clinic
        assert login(url, "amina", "wrong-password").status_code == 401
    finally:
        assert stop(proc) == 0

    proc, url = start(data_dir)  # same data, same accounts
    try:
        assert login(url, "amina", secrets["password_amina"]).status_code == 200
    finally:
        assert stop(proc) == 0
