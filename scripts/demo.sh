#!/usr/bin/env bash
# The main job on the embedded default: set up, generate Eastmere, load it into ./clearsight.duckdb,
# replay its alerts since April 2022, print the allocation position on 15 December 2023, and write
# out/summary.html and the December 2023 scrutiny pack.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/clearsight --db "${CLEARSIGHT_DB:-clearsight.duckdb}" demo "$@"
