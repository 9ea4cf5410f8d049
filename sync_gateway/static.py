"""The built PWA at ``/``, with the single-page-app fallback to ``index.html``.

``index.html``, ``sw.js`` and the web manifest must be revalidated on every load (a new
release reaches installed apps); Vite's hashed files under ``assets/`` never change, so
they are cached for a year.  ``/api`` and ``/sync`` never fall back to the app.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from starlette.responses import FileResponse, JSONResponse, Response

NO_CACHE = {"index.html", "sw.js", "manifest.webmanifest", "registerSW.js"}
IMMUTABLE = "public, max-age=31536000, immutable"


def cache_control(relative: str) -> str:
    name = relative.rsplit("/", 1)[-1]
    if name in NO_CACHE:
        return "no-cache"
    if relative.startswith("assets/"):
        return IMMUTABLE
    return "no-cache"


def mount_pwa(app: FastAPI, dist: Path) -> None:
    root = dist.resolve()

    async def serve(request: Request, path: str = "") -> Response:
        if path.startswith(("api/", "sync/")) or path in ("api", "sync"):
            return JSONResponse({"error": "not_found", "reason": "no such endpoint"}, 404)
        candidate = (root / path).resolve() if path else root / "index.html"
        if not candidate.is_relative_to(root) or not candidate.is_file():
            if "." in path.rsplit("/", 1)[-1]:
                return JSONResponse({"error": "not_found", "reason": "no such file"}, 404)
            candidate = root / "index.html"
        relative = candidate.relative_to(root).as_posix()
        return FileResponse(candidate, headers={"Cache-Control": cache_control(relative)})

    app.add_api_route("/", serve, methods=["GET", "HEAD"], include_in_schema=False)
    app.add_api_route("/{path:path}", serve, methods=["GET", "HEAD"], include_in_schema=False)
