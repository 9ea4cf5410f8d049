#!/usr/bin/env bash
# Run RelayPACS on this machine: installs what is missing, then `relaypacs up`
# (CouchDB-protocol server, Orthanc, gateway + PWA, bridge, demo clinic and users).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/install.sh"
cd "$ROOT"
exec .venv/bin/relaypacs up "$@"
