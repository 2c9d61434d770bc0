#!/usr/bin/env bash
# Set up and run the whole test suite. Extra arguments go to pytest (e.g. -k caseload).
# The long benchmarks are not part of it: run `.venv/bin/python bench/bench_core.py`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/debian/install.sh scripts/debian/test.txt
# One worker per core; a module (and so its shared councils and back end) stays on one worker.
exec .venv/bin/python -m pytest -n auto --dist loadscope "$@"
