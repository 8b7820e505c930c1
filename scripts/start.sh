#!/usr/bin/env bash
# Install kneeclick (into .venv) and start the app on http://localhost:8501.
# Extra arguments go to `streamlit run`, e.g. `bash scripts/start.sh --server.port 9000`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$ROOT"
echo "==> starting kneeclick (store: $("$VENV/bin/python" -c 'from core.data.store import describe_url, resolve_db_url; print(describe_url(resolve_db_url()))'))"
exec "$VENV/bin/python" -m streamlit run app.py "$@"
