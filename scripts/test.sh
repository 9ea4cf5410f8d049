#!/usr/bin/env bash
# Run the whole suite: installs what is missing, lints, then the PWA unit tests and pytest
# (unit, integration against real servers started by the harness, browser end-to-end).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/install.sh" --test
cd "$ROOT"
echo "[test] ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
if [[ -f pwa/package.json ]]; then
  echo "[test] pwa unit tests"
  (cd pwa && npm test --silent)
fi
echo "[test] pytest"
exec .venv/bin/pytest "$@"
