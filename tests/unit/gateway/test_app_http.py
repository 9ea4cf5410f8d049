"""The app's HTTP surface that needs no database: PWA serving, headers, CORS, OpenAPI."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sync_gateway.app import create_app
from sync_gateway.settings import GatewaySettings


@pytest.fixture
def client(tmp_path: Path):
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>RelayPACS</title>")
    (dist / "sw.js").write_text("self.addEventListener('fetch', () => {});")
    (dist / "assets" / "app-1a2b3c.js").write_text("console.log('app')")
    settings = GatewaySettings(
        _env_file=None,
        env="test",
        pwa_dist=dist,
        cors_origins=["https://app.example.org"],
        couchdb_url="http://127.0.0.1:9",
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_pwa_is_served_with_spa_fallback_and_cache_headers(client: TestClient) -> None:
    index = client.get("/")
    assert index.status_code == 200 and "RelayPACS" in index.text
    assert index.headers["cache-control"] == "no-cache"
    deep = client.get("/studies/abc")
    assert deep.status_code == 200 and "RelayPACS" in deep.text
    assert client.get("/sw.js").headers["cache-control"] == "no-cache"
    asset = client.get("/assets/app-1a2b3c.js")
    assert "immutable" in asset.headers["cache-control"]
    assert client.get("/assets/missing.js").status_code == 404
    assert client.get("/../../etc/passwd").status_code in (404, 200)
    assert "root:" not in client.get("/..%2f..%2fetc%2fpasswd").text


def test_api_and_sync_never_fall_back_to_the_app(client: TestClient) -> None:
    assert client.get("/api/v1/nothing").status_code == 404
    assert client.get("/api/v1/nothing").json()["error"] == "not_found"
    assert client.get("/sync/anything").status_code == 401
    assert client.get("/sync").status_code == 401  # the proxy's root: CouchDB's welcome
    assert client.get("/syncing").status_code == 200  # not the proxy: the app's route


def test_the_proxy_answers_inside_the_gateways_middleware(client: TestClient) -> None:
    refused = client.get("/sync/anything/doc")
    assert refused.status_code == 401 and refused.json()["error"] == "unauthorized"
    assert refused.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in refused.headers["content-security-policy"]
    preflight = client.options(
        "/sync/anything/_bulk_docs",
        headers={"Origin": "https://app.example.org", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.headers["access-control-allow-origin"] == "https://app.example.org"


def test_security_headers(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "strict-transport-security" not in response.headers  # plain HTTP
    https = client.get("https://testserver/healthz")
    assert https.headers["strict-transport-security"].startswith("max-age=")


def test_cors_allowlist(client: TestClient) -> None:
    allowed = client.options(
        "/api/v1/auth/login",
        headers={"Origin": "https://app.example.org", "Access-Control-Request-Method": "POST"},
    )
    assert allowed.headers["access-control-allow-origin"] == "https://app.example.org"
    other = client.options(
        "/api/v1/auth/login",
        headers={"Origin": "https://evil.example.com", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in other.headers


def test_openapi_at_api_docs(client: TestClient) -> None:
    assert client.get("/api/docs").status_code == 200
    spec = client.get("/api/openapi.json").json()
    assert "/api/v1/auth/login" in spec["paths"]


def test_database_down_is_503_not_500(client: TestClient) -> None:
    response = client.post("/api/v1/auth/login", json={"username": "amina", "password": "x" * 12})
    assert response.status_code == 503
    assert response.json()["error"] == "service_unavailable"
    assert client.get("/readyz").status_code == 503


def test_placeholder_secret_refused_in_production() -> None:
    with pytest.raises(ValueError, match="JWT_SECRET"):
        GatewaySettings(
            _env_file=None,
            env="production",
            couchdb_password="real-password",
            jwt_secret="change-me",
        )
    with pytest.raises(ValueError, match="32"):
        GatewaySettings(
            _env_file=None,
            env="production",
            couchdb_password="real-password",
            jwt_secret="short-but-not-placeholder",
        )
