"""Every role x route x own/other clinic, against the running gateway (table-driven)."""

from __future__ import annotations

import pytest

from tests.integration.gateway import docs as d
from tests.integration.gateway.conftest import World

pytestmark = pytest.mark.integration

N, R, W = "none", "read", "write"
# user -> access to (own clinic "A", other clinic "B", desk)
ACCESS = {
    "amina": {"A": W, "B": N, "desk": N},
    "rita": {"A": W, "B": N, "desk": N},
    "carl": {"A": N, "B": W, "desk": N},
    "osei": {"A": N, "B": N, "desk": W},
    "sam": {"A": R, "B": R, "desk": R},
}
# (method, path under the database, JSON body, access needed); 200/201 when granted
ROUTES = [
    ("GET", "", None, R),
    ("GET", "_changes?style=all_docs&limit=10", None, R),
    ("GET", "_changes?feed=longpoll&since=now&timeout=100", None, R),
    ("GET", "_all_docs", None, R),
    ("POST", "_all_docs", {"keys": ["study:x"]}, R),
    ("POST", "_revs_diff", {"study:x": ["1-abc"]}, R),
    ("POST", "_bulk_get?revs=true&latest=true", {"docs": [{"id": "study:x"}]}, R),
    ("POST", "_find", {"selector": {"type": "study"}}, R),
    ("GET", "_local/checkpoint-x", None, R),
    ("PUT", "_local/checkpoint-{user}", {"last_seq": 0}, W),
]
NEVER = [
    ("PUT", "", None),
    ("DELETE", "", None),
    ("GET", "_design/relaypacs", None),
    ("PUT", "_design/evil", {"views": {}}),
    ("GET", "_design/relaypacs/_view/studies_by_state", None),
    ("GET", "_security", None),
    ("PUT", "_security", {"admins": {}, "members": {}}),
    ("POST", "_compact", {}),
    ("POST", "_purge", {}),
    ("DELETE", "study:x?rev=1-abc", None),
]


def db_for(world: World, where: str) -> str:
    return {"A": world.db(world.clinic), "B": world.db(world.other_clinic), "desk": world.desk}[
        where
    ]


async def test_database_routes_by_role(world: World) -> None:
    failures = []
    for user, access in ACCESS.items():
        session = await world.login(user)
        for where, granted in access.items():
            db = db_for(world, where)
            for method, path, body, needs in ROUTES:
                path = path.format(user=session.username)
                response = await world.http.request(
                    method, f"/sync/{db}/{path}", json=body, headers=session.headers
                )
                allowed = granted == W or (granted == R and needs == R)
                expected = {200, 201, 404} if allowed else {403}
                if method == "GET" and path.startswith("_local") and allowed:
                    expected = {404}
                if response.status_code not in expected:
                    failures.append((user, where, method, path, response.status_code))
                if response.status_code == 403:
                    assert response.json()["error"] == "forbidden"
            for method, path, body in NEVER:
                response = await world.http.request(
                    method, f"/sync/{db}/{path}", json=body, headers=session.headers
                )
                if response.status_code != 403:
                    failures.append((user, where, method, path, response.status_code))
    assert not failures, failures
    # nothing refused reached CouchDB
    for db in (world.db(world.clinic), world.desk):
        assert await world.gw.admin.db(db).exists()
        security = await world.gw.admin.db(db).get_security()
        assert security["admins"] == {"names": [], "roles": ["_admin"]}
        assert await world.gw.admin.db(db).get_or_none("_design/evil") is None


@pytest.mark.parametrize(
    "path",
    [
        "_all_dbs",
        "_users",
        "_replicator",
        "_session",
        "_config",
        "_utils",
        "{users}",
        "{audit}",
        "{clinics}",
        "{push}",
        "{bridge}",
        "clinic_{clinic}",
    ],
)
async def test_server_and_service_databases_are_refused(world: World, path: str) -> None:
    names = world.gw.names
    path = path.format(
        users=names.users,
        audit=names.audit,
        clinics=names.clinics,
        push=names.push,
        bridge=names.bridge,
        clinic=world.clinic,
    )
    for user in ("amina", "osei", "sam"):
        session = await world.login(user)
        for suffix in ("", "/_all_docs", "/_changes", "/user:x"):
            response = await world.http.get(f"/sync/{path}{suffix}", headers=session.headers)
            assert response.status_code == 403, (user, path, suffix, response.text)


async def test_no_token_no_entry(world: World) -> None:
    for path in ("", "/_changes", "/_all_docs", "/study:x"):
        response = await world.http.get(f"/sync/{world.db()}{path}")
        assert response.status_code == 401
        assert response.json()["error"] == "unauthorized"
        assert response.headers["www-authenticate"] == "Bearer"


async def test_api_routes_by_role(world: World) -> None:
    for user in ACCESS:
        session = await world.login(user)
        me = await world.http.get("/api/v1/auth/me", headers=session.headers)
        assert me.status_code == 200 and me.json()["username"] == session.username
        admin_paths = ["/api/v1/admin/users", "/api/v1/admin/clinics"]
        for path in admin_paths:
            response = await world.http.get(path, headers=session.headers)
            assert response.status_code == (200 if user == "sam" else 403), (user, path)


async def test_login_answer_names_the_databases_to_replicate(world: World) -> None:
    amina = await world.login("amina")
    assert amina.body["token_type"] == "bearer"
    assert amina.body["expires_in"] == 3600
    assert amina.body["user"]["role"] == "clinician"
    assert amina.body["user"]["clinic"] == world.clinic
    assert amina.body["user"]["databases"] == [world.db()]
    osei = await world.login("osei")
    assert osei.body["user"]["databases"] == [world.desk]


async def test_bulk_docs_refuses_per_document(world: World) -> None:
    amina = await world.login("amina")
    me = amina.username
    good_chunk = d.chunk(world.clinic, me, 0)
    bad_sha = d.chunk(world.clinic, me, 1, sha256="0" * 64)
    other_clinic = d.chunk(world.other_clinic, me, 2)
    other_author = d.chunk(world.clinic, "bakari-" + world.tag, 3)
    status = {"_id": "status:x", "type": "status"}
    design = {"_id": "_design/evil", "views": {}}
    batch = [
        d.study(world.clinic, me),
        good_chunk,
        bad_sha,
        other_clinic,
        other_author,
        status,
        design,
    ]
    response = await world.http.post(
        f"/sync/{world.db()}/_bulk_docs", json={"docs": batch}, headers=amina.headers
    )
    assert response.status_code == 201, response.text
    rows = {row["id"]: row for row in response.json()}
    assert rows["study:" + d.f.STUDY_ID].get("ok")
    assert rows[good_chunk["_id"]].get("ok")
    for doc, why in [
        (bad_sha, "sha256"),
        (other_clinic, "belongs to clinic"),
        (other_author, "author must be"),
        (status, "status"),
        (design, "design documents"),
    ]:
        assert rows[doc["_id"]]["error"] == "forbidden", rows[doc["_id"]]
        assert why in rows[doc["_id"]]["reason"]
    stored = await world.gw.admin.db(world.db()).all_docs()
    assert {r["id"] for r in stored["rows"]} == {"study:" + d.f.STUDY_ID, good_chunk["_id"]} | {
        r["id"] for r in stored["rows"] if r["id"].startswith("_design/relaypacs")
    }


async def test_single_document_refusals_have_statuses(world: World) -> None:
    amina = await world.login("amina")
    me = amina.username
    cases = [
        (d.chunk(world.clinic, me, 0, sha256="0" * 64), 422, "sha256"),
        (d.chunk(world.other_clinic, me, 1), 403, "belongs to clinic"),
        (d.study(world.clinic, "someone-else"), 403, "author must be"),
    ]
    for doc, status, why in cases:
        response = await world.http.put(
            f"/sync/{world.db()}/{doc['_id']}", json=doc, headers=amina.headers
        )
        assert response.status_code == status, response.text
        assert why in response.json()["reason"]
    # a document PUT without a JSON content type never reaches the server (it would store {})
    response = await world.http.put(
        f"/sync/{world.db()}/study:abcdefgh", content=b"{}", headers=amina.headers
    )
    assert response.status_code == 415


async def test_overwriting_another_users_document_is_refused(world: World) -> None:
    amina = await world.login("amina")
    bakari = await world.login("bakari")
    doc = d.study(world.clinic, amina.username)
    response = await world.http.put(
        f"/sync/{world.db()}/{doc['_id']}", json=doc, headers=amina.headers
    )
    assert response.status_code == 201
    hijack = {
        **d.study(world.clinic, bakari.username),
        "_rev": "9-" + "a" * 32,
        "_revisions": {"start": 9, "ids": ["a" * 32]},
    }
    own = {
        **d.study(world.clinic, bakari.username, study_id="s" + "b" * 15),
        "_rev": "1-" + "b" * 32,
        "_revisions": {"start": 1, "ids": ["b" * 32]},
    }
    response = await world.http.post(
        f"/sync/{world.db()}/_bulk_docs",
        json={"docs": [own, hijack], "new_edits": False},
        headers=bakari.headers,
    )
    assert response.status_code == 201
    (refused,) = [row for row in response.json() if row.get("error")]
    assert (refused["id"], refused["error"]) == (doc["_id"], "forbidden")
    stored = await world.gw.admin.db(world.db()).get(doc["_id"])
    assert stored["author"] == amina.username
    assert (await world.gw.admin.db(world.db()).get(own["_id"]))["author"] == bakari.username


async def test_chunk_reads_are_filtered(world: World) -> None:
    amina = await world.login("amina")
    bakari = await world.login("bakari")
    chunk = d.chunk(world.clinic, amina.username, 0)
    response = await world.http.post(
        f"/sync/{world.db()}/_bulk_docs", json={"docs": [chunk]}, headers=amina.headers
    )
    assert response.json()[0].get("ok"), response.text
    rev = response.json()[0]["rev"]
    base = f"/sync/{world.db()}"
    # the author reads everything
    assert (
        await world.http.get(f"{base}/{chunk['_id']}", headers=amina.headers)
    ).status_code == 200
    data = await world.http.get(f"{base}/{chunk['_id']}/data", headers=amina.headers)
    assert data.status_code == 200 and d.sha256(data.content) == chunk["sha256"]
    # another member of the clinic sees none of it
    for path in (
        f"{base}/{chunk['_id']}",
        f"{base}/{chunk['_id']}/data",
        f"{base}/{chunk['_id']}?attachments=true",
    ):
        response = await world.http.get(path, headers=bakari.headers)
        assert response.status_code == 403, path
    changes = await world.http.get(f"{base}/_changes?include_docs=true", headers=bakari.headers)
    assert chunk["_id"] not in changes.text
    all_docs = await world.http.get(f"{base}/_all_docs", headers=bakari.headers)
    assert chunk["_id"] not in all_docs.text
    bulk_get = await world.http.post(
        f"{base}/_bulk_get?revs=true",
        json={"docs": [{"id": chunk["_id"], "rev": rev}]},
        headers=bakari.headers,
    )
    assert bulk_get.status_code == 200
    assert "ok" not in bulk_get.json()["results"][0]["docs"][0]
    found = await world.http.post(
        f"{base}/_find", json={"selector": {"type": "chunk"}}, headers=bakari.headers
    )
    assert found.json()["docs"] == []
    sam = await world.login("sam")
    response = await world.http.get(f"{base}/{chunk['_id']}/data", headers=sam.headers)
    assert response.status_code == 403


async def test_oversize_body_is_413(world: World) -> None:
    amina = await world.login("amina")
    limit = world.gw.settings.max_request_bytes
    body = b'{"docs": ["' + b"x" * (limit + 10) + b'"]}'
    response = await world.http.post(
        f"/sync/{world.db()}/_bulk_docs",
        content=body,
        headers={**amina.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"

    async def chunked():  # no Content-Length: counted while it streams
        for _ in range(limit // (1024 * 1024) + 2):
            yield b" " * (1024 * 1024)

    response = await world.http.post(
        f"/sync/{world.db()}/_bulk_docs",
        content=chunked(),
        headers={**amina.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 413


async def test_attachment_put_is_hashed_before_it_is_stored(world: World) -> None:
    amina = await world.login("amina")
    payload = b"chunk bytes " * 100
    doc = d.chunk(world.clinic, amina.username, 0, data=payload)
    base = f"/sync/{world.db()}/{doc['_id']}"
    response = await world.http.put(base, json=doc, headers=amina.headers)
    assert response.status_code == 201, response.text
    rev = response.json()["rev"]
    wrong = b"other bytes " * 100
    response = await world.http.put(
        f"{base}/data?rev={rev}",
        content=wrong,
        headers={**amina.headers, "Content-Type": "application/octet-stream"},
    )
    assert response.status_code == 422 and "sha256" in response.json()["reason"]
    response = await world.http.put(
        f"{base}/data?rev={rev}",
        content=payload,
        headers={**amina.headers, "Content-Type": "application/octet-stream"},
    )
    assert response.status_code == 201, response.text
    stored = await world.gw.admin.db(world.db()).get_attachment(doc["_id"], "data")
    assert stored == payload


async def test_reads_and_writes_are_audited(world: World) -> None:
    amina = await world.login("amina")
    doc = d.study(world.clinic, amina.username)
    await world.http.put(f"/sync/{world.db()}/{doc['_id']}", json=doc, headers=amina.headers)
    await world.http.get(f"/sync/{world.db()}/{doc['_id']}", headers=amina.headers)
    audit = world.gw.admin.db(world.gw.names.audit)
    import asyncio

    for _ in range(40):
        events = [e for e in await audit.find({"actor": amina.username}) if e.get("db")]
        if {"read", "write"} <= {e["action"] for e in events}:
            break
        await asyncio.sleep(0.1)
    actions = {(e["action"], tuple(e["doc_ids"])) for e in events}
    assert ("write", (doc["_id"],)) in actions and ("read", (doc["_id"],)) in actions
    assert all(e["ip"] and e["at"] for e in events)
    logins = await audit.find({"actor": amina.username, "action": "login"})
    assert logins and logins[0]["outcome"] == "ok"


async def test_bodiless_answers_are_relayed_again_and_again(world: World) -> None:
    """HEAD and 304 answers have no body; each is relayed and the next request served
    (aiohttp hands every bodiless answer one shared empty stream)."""
    amina = await world.login("amina")
    chunk = d.chunk(world.clinic, amina.username, 0)
    base = f"/sync/{world.db()}"
    created = await world.http.post(
        f"{base}/_bulk_docs", json={"docs": [chunk]}, headers=amina.headers
    )
    assert created.json()[0].get("ok"), created.text
    first = await world.http.get(f"{base}/{chunk['_id']}/data", headers=amina.headers)
    etag = first.headers["etag"]
    for _ in range(3):
        head = await world.http.head(f"{base}/{chunk['_id']}", headers=amina.headers)
        assert head.status_code == 200 and head.content == b""
        unchanged = await world.http.get(
            f"{base}/{chunk['_id']}/data", headers={**amina.headers, "If-None-Match": etag}
        )
        assert unchanged.status_code == 304 and unchanged.content == b""
    again = await world.http.get(f"{base}/{chunk['_id']}/data", headers=amina.headers)
    assert again.status_code == 200 and d.sha256(again.content) == chunk["sha256"]
