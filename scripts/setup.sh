#!/usr/bin/env bash
# Set up Clearsight on a fresh machine: a virtual environment in .venv with the package and its test tools.
# Idempotent: re-running only installs what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
"$PYTHON" - <<'PY'
import sys
if sys.version_info < (3, 11):
    sys.exit(f"Clearsight needs Python 3.11 or newer; {sys.executable} is {sys.version.split()[0]}")
PY

bash scripts/debian/install.sh scripts/debian/runtime.txt

if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.clearsight-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
  .venv/bin/python -m pip install --quiet -e '.[test]'
  touch "$stamp"
fi
