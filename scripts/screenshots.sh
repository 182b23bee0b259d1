#!/usr/bin/env bash
# Remakes the README's screenshots from a real run: the reference platform with one fault
# (SS-021, a sensitive answer without Cache-Control: no-store), so the report has a
# nonconformity to show. Needs what ./scripts/setup.sh installs (poppler, Chromium).
#
#   ./scripts/screenshots.sh            # writes docs/screenshots/*.png
set -euo pipefail
cd "$(dirname "$0")/.."

shots=docs/screenshots
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$shots"

cargo run -q -p tianping-harness -- run --fault cache-control-missing \
  --lang zh,en --out "$work/run" >/dev/null || [ $? -eq 1 ] # exit 1: the nonconformity

pdf="$work/run/report-zh.pdf"
pdftoppm -r 70 -png -f 1 -l 1 -singlefile "$pdf" "$shots/report-cover"

# The page that opens the nonconformities chapter (the table of contents names it too, so
# the page must also hold the table's header and the nonconformity).
pages=$(pdfinfo "$pdf" | awk '/^Pages:/ {print $2}')
for page in $(seq 2 "$pages"); do
  text=$(pdftotext -f "$page" -l "$page" -enc UTF-8 "$pdf" - | tr -d '[:space:]')
  if [[ "$text" == *不符合项及整改建议* && "$text" == *问题整改建议SS-021* ]]; then
    pdftoppm -r 70 -png -f "$page" -l "$page" -singlefile "$pdf" "$shots/report-nonconformity"
    break
  fi
done

# The page opened from a link that shows only the nonconformities, at half scale so the
# cover, the overview and the filtered tables fit in one picture.
chromium-headless-shell --no-sandbox --disable-gpu --hide-scrollbars \
  --force-device-scale-factor=0.5 --window-size=1400,4400 \
  --screenshot="$shots/report-html.png" "file://$work/run/report-zh.html#status=fail" 2>/dev/null

ls -l "$shots"
