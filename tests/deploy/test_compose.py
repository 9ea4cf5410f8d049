"""The compose files are valid (Debian's docker-compose checks them without an engine)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

DOCKER = Path(__file__).parents[2] / "docker"
SECRETS = {
    name: "x"
    for name in (
        "COUCHDB_PASSWORD",
        "COUCHDB_SECRET",
        "COUCHDB_COOKIE",
        "RELAYPACS_JWT_SECRET",
        "RELAYPACS_TOTP_KEY",
        "MINIO_ROOT_USER",
        "MINIO_ROOT_PASSWORD",
        "MINIO_KMS_SECRET_KEY",
        "ORTHANC_PASSWORD",
    )
}

pytestmark = pytest.mark.skipif(not shutil.which("docker-compose"), reason="needs docker-compose")


def compose(*files: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    args = ["docker-compose"]
    for name in files:
        args += ["-f", str(DOCKER / name)]
    return subprocess.run(
        [*args, "config", "-q"], env={**os.environ, **env}, capture_output=True, text=True
    )


@pytest.mark.parametrize("files", [("compose.yml",), ("compose.yml", "compose.cluster.yml")])
def test_compose_files_are_valid(files):
    result = compose(*files, env=SECRETS)
    assert result.returncode == 0, result.stderr


def test_missing_secrets_are_refused():
    env = {k: v for k, v in os.environ.items() if k not in SECRETS}
    result = subprocess.run(
        ["docker-compose", "-f", str(DOCKER / "compose.yml"), "config", "-q"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "COUCHDB_PASSWORD" in result.stderr
