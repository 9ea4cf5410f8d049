"""``/healthz`` (the process answers) and ``/readyz`` (CouchDB answers and is set up)."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from relaypacs.couch import CouchError
from sync_gateway.deps import State


async def healthz() -> dict[str, str]:
    return {"status": "ok"}


async def readyz(state: State) -> JSONResponse:
    try:
        await state.couch.server_info()
        ready = await state.couch.db(state.names.users).exists()
    except CouchError:
        return JSONResponse({"status": "unavailable", "couchdb": "unreachable"}, status_code=503)
    if not ready:
        return JSONResponse({"status": "unavailable", "couchdb": "not set up"}, status_code=503)
    return JSONResponse({"status": "ok", "couchdb": "ok"})
