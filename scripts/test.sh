#!/usr/bin/env bash
# Install kneeclick with its test tools (into .venv), Debian's Chromium for the browser tests, PostgreSQL and
# poppler-utils (pdftoppm, for the PDF report tests)
# when missing, and run the whole test suite. Extra arguments go to pytest.
set -euo pipefail
KNEECLICK_EXTRAS=test
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$ROOT"
if [ -z "${KNEECLICK_CHROMIUM:-}" ] && [ ! -x /usr/bin/chromium ]; then
    echo "==> installing Debian's chromium for the browser tests"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
if [ -z "${KNEECLICK_TEST_PG_URL:-}" ] && ! command -v initdb >/dev/null \
        && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    echo "==> installing Debian's postgresql server binaries for the PostgreSQL tests"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
fi
if ! command -v pdftoppm >/dev/null; then
    echo "==> installing Debian's poppler-utils (pdftoppm) to turn the PDF report's pages into PNG in its tests"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq poppler-utils >/dev/null
fi
exec "$VENV/bin/python" -m pytest "$@"
