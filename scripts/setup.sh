# Sourced by start.sh and test.sh: make .venv (if missing) and install the project into it.
# KNEECLICK_PYTHON picks the interpreter (default: python3, which must be 3.11 or newer).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${KNEECLICK_PYTHON:-python3}"
VENV="${KNEECLICK_VENV:-$ROOT/.venv}"
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "kneeclick needs Python 3.11 or newer; $PY is $("$PY" --version 2>&1)." >&2
    exit 1
fi
if [ ! -x "$VENV/bin/python" ]; then
    echo "==> creating $VENV"
    "$PY" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
fi
echo "==> installing kneeclick${KNEECLICK_EXTRAS:+[$KNEECLICK_EXTRAS]} into $VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$ROOT${KNEECLICK_EXTRAS:+[$KNEECLICK_EXTRAS]}"
