#!/usr/bin/env bash
# Install kneeclick (into .venv) and start the app on http://localhost:8501 (this computer only).
# `bash scripts/start.sh --phone` serves it over HTTPS to a phone on the same network and prints a QR code;
# other arguments go to `kneeclick serve` (e.g. `--port 9000`, `--db URL`).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$ROOT"
# A KNEECLICK_DB_URL that cannot be used stops here with one plain line (core/data/__main__.py); serve checks --db.
"$VENV/bin/python" -m core.data >/dev/null || exit 1
exec "$VENV/bin/python" -m core.cli serve "$@"
