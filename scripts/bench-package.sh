#!/usr/bin/env bash
# Package verification against the SM2 verify rates of OpenSSL, GmSSL and the harness, in one
# run on one machine (issue 18): first scripts/bench-sm2.sh, then `run --package` over two
# packages written by `export-reference-package` (50,000 × 512 B and 2,048 × 1 MiB), each on
# one core (taskset: the pass uses as many workers as it may run on) and on all cores.
# Prints records per second and peak memory. Usage: scripts/bench-package.sh [WORKDIR]
# (default /tmp/tianping-bench; the packages are kept there for the next run, ~2.1 GB).
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/tmp/tianping-bench}
mkdir -p "$work"
cargo build -q --release -p tianping-harness
bin=$PWD/target/release/tianping-harness
echo "== commit $(git rev-parse --short HEAD), $(nproc) cores, $(date -u +%FT%TZ)"
echo "== SM2 verify, one core"
scripts/bench-sm2.sh 3
for shape in "50000 512" "2048 1048576"; do
  set -- $shape
  pkg="$work/pkg-$1x$2"
  if [[ ! -f $pkg/package.json ]]; then
    rm -rf "$pkg"
    "$bin" export-reference-package --out "$pkg" --records "$1" --record-bytes "$2" >/dev/null
  fi
  find "$pkg" -type f -exec cat {} + > /dev/null  # into the page cache: the pass, not the disk, is timed
  for cores in 1 all; do
    out="$work/run-$1x$2-$cores"
    rm -rf "$out"
    pin=()
    [[ $cores == 1 ]] && pin=(taskset -c 0)
    /usr/bin/time -f "%e %U %M" -o "$work/time" "${pin[@]}" "$bin" run --package "$pkg" \
      --out "$out" --lang none --no-workpaper -q >/dev/null 2>&1 || true
    read -r wall user rss < <(tail -1 "$work/time")  # after any "exited with status" line
    examined=$(python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results']; print(max((x.get('samples') or {}).get('examined',0) for x in r))" "$out/results.json")
    awk -v n="$1" -v b="$2" -v c="$cores" -v w="$wall" -v u="$user" -v m="$rss" -v e="$examined" \
      'BEGIN { printf "package %d x %d B, %s core(s): %.1f s wall, %.1f s CPU, %.0f records/s, %.0f records per CPU-second, %.0f MiB peak, %d records examined\n", n, b, c, w, u, n / w, n / u, m / 1024, e }'
  done
done
