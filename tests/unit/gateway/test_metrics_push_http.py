"""/metrics privileges and labels, the VAPID key route, and the new settings (no database)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from relaypacs.webpush import VapidKeys
from sync_gateway.app import create_app
from sync_gateway.settings import GatewaySettings

TOKEN = "scrape-" + "t" * 30


def app_client(**settings: object) -> TestClient:
    base = {"_env_file": None, "env": "test", "couchdb_url": "http://127.0.0.1:9"}
    return TestClient(create_app(GatewaySettings(**(base | settings))))


def test_metrics_answer_the_scraper_token_only() -> None:
    with app_client(metrics_token=TOKEN) as client:
        client.get("/healthz")
        client.get("/api/v1/admin/users/someone-secret")  # 401: no token
        client.get("/no/such/page/12345")
        assert client.get("/metrics").status_code == 401
        wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401  # not an access token either
        scraped = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain")
    text = scraped.text
    assert 'route="/healthz",status="200"' in text
    assert 'route="/api/v1/admin/users/{username}",status="401"' in text
    assert "someone-secret" not in text and "12345" not in text
    assert "relaypacs_gateway_request_seconds_bucket" in text


def test_metrics_can_be_switched_off() -> None:
    with app_client(metrics_enabled=False, metrics_token=TOKEN) as client:
        response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 404


def test_vapid_public_key_is_404_until_configured() -> None:
    with app_client() as client:
        response = client.get("/api/v1/push/vapid-public-key")
    assert response.status_code == 404
    assert "not configured" in response.json()["reason"]
    keys = VapidKeys.generate()
    with app_client(vapid_public_key=keys.public_key, vapid_private_key=keys.private_key) as c:
        assert c.get("/api/v1/push/vapid-public-key").json() == {"public_key": keys.public_key}


def test_vapid_settings_come_in_pairs_with_a_subject() -> None:
    with pytest.raises(ValueError, match="together"):
        GatewaySettings(_env_file=None, vapid_public_key="abc")
    with pytest.raises(ValueError, match="SUBJECT"):
        GatewaySettings(_env_file=None, vapid_subject="ops@example.org")
    empty = GatewaySettings(_env_file=None, vapid_public_key="", vapid_private_key="")
    assert not empty.push_configured
    # push stays optional in production: no VAPID keys is not a placeholder secret
    GatewaySettings(_env_file=None, env="production", couchdb_password="real", jwt_secret="s" * 40)
