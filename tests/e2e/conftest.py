"""Browser tests: Debian's Chromium driven by Playwright against the whole real stack.

One stack per session (gateway serving the built PWA, bridge with the S3 object store,
Orthanc, the CouchDB-protocol server) under its own database prefix, provisioned with the
demo clinic and one user per role.  Playwright never downloads a browser here.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from relaypacs.harness.servers import OrthancServer, S3Server
from relaypacs.stack import Stack
from tests.conftest import CouchEndpoint

CHROMIUM = "/usr/bin/chromium"
PWA_DIST = Path(__file__).resolve().parents[2] / "pwa" / "dist"
# not under test-results/: pytest-playwright empties that folder at the start of a run
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"

pytestmark = pytest.mark.e2e


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    missing = []
    if not Path(CHROMIUM).exists():
        missing.append(CHROMIUM)
    if not (PWA_DIST / "index.html").exists():
        missing.append("pwa/dist (run scripts/install.sh)")
    if missing:
        for item in items:
            if "e2e" in str(item.fspath):
                item.add_marker(pytest.mark.skip(reason="needs " + ", ".join(missing)))


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict:
    return {
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def stack(
    couch_endpoint: CouchEndpoint,
    orthanc: OrthancServer,
    s3: S3Server,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    prefix = f"e2e{uuid.uuid4().hex[:8]}_"
    data_dir = tmp_path_factory.mktemp("stack")
    # serve a snapshot: a rebuild of pwa/dist during the session (another shell running
    # `npm run build`) would otherwise break the service worker's precache mid-test
    dist = shutil.copytree(PWA_DIST, data_dir / "pwa-dist")
    running = Stack(
        data_dir=data_dir,
        gateway_port=0,
        couch_url=couch_endpoint.url,
        couch_user=couch_endpoint.user,
        couch_password=couch_endpoint.password,
        orthanc=orthanc,
        env={
            "RELAYPACS_ENV": "test",
            "RELAYPACS_DB_PREFIX": prefix,
            "RELAYPACS_BCRYPT_ROUNDS": "4",
            # every browser and API call of the suite signs in from 127.0.0.1: the per-IP
            # limit (20 a minute) is for one network, and is tested in the gateway's suite
            "RELAYPACS_LOGIN_RATE_LIMIT_IP": "500/minute",
            "RELAYPACS_OBJECT_STORE": "s3",
            "RELAYPACS_S3_ENDPOINT_URL": s3.url,
            "RELAYPACS_S3_BUCKET": f"e2e-{uuid.uuid4().hex[:8]}",
            "RELAYPACS_S3_ACCESS_KEY": s3.access_key,
            "RELAYPACS_S3_SECRET_KEY": s3.secret_key,
            "RELAYPACS_RETRY_BASE": "0.5",
            "RELAYPACS_SWEEP_INTERVAL": "2",
            "RELAYPACS_PWA_DIST": str(dist),
        },
    ).start()
    yield running
    running.stop()


@pytest.fixture
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
