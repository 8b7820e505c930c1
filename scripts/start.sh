#!/usr/bin/env bash
# Install kneeclick (into .venv) and start the app on http://localhost:8501.
# Extra arguments go to `streamlit run`, e.g. `bash scripts/start.sh --server.port 9000`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$ROOT"
# The store's URL, password hidden; a URL that cannot be used stops here with one plain line (core/data/__main__.py).
STORE="$("$VENV/bin/python" -m core.data)" || exit 1
echo "==> starting kneeclick (store: $STORE)"
exec "$VENV/bin/python" -m streamlit run app.py "$@"
