#!/usr/bin/env bash
# Every committee pack as at a date, written as PDF and as page images (PNG, 60 dpi) for reading without a PDF
# viewer: the images the closing notes show. Run after the README's first command (it reads ./clearsight.duckdb,
# which then holds Eastmere with its replayed alerts and recovery plan).
#   bash scripts/pack_pages.sh [AS_AT (default 2023-12-31)] [OUT (default out/pack-pages)]
# Needs pdftoppm (poppler-utils, in scripts/debian/test.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
as_at=${1:-2023-12-31}
out=${2:-out/pack-pages}
mkdir -p "$out"
for kind in daily weekly monthly quarterly; do
  .venv/bin/clearsight --db "${CLEARSIGHT_DB:-clearsight.duckdb}" pack "$kind" --as-at "$as_at" --out "$out"
  rm -f "$out/$kind-$as_at"-*.png
  pdftoppm -png -r 60 "$out/$kind-$as_at.pdf" "$out/$kind-$as_at"
done
ls "$out"/*.png | wc -l | xargs echo "page images in $out:"
