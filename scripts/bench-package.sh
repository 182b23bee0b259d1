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
    /usr/bin/time -f "%e %U %S %M" -o "$work/time" "${pin[@]}" "$bin" run --package "$pkg" \
      --out "$out" --lang none --no-workpaper -q >/dev/null 2>&1 || true
    read -r wall user sys rss < <(tail -1 "$work/time")  # after any "exited with status" line
    user=$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')  # CPU: user and kernel
    examined=$(python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results']; print(max((x.get('samples') or {}).get('examined',0) for x in r))" "$out/results.json")
    awk -v n="$1" -v b="$2" -v c="$cores" -v w="$wall" -v u="$user" -v m="$rss" -v e="$examined" \
      'BEGIN { printf "package %d x %d B, %s core(s): %.1f s wall, %.1f s CPU (user + sys), %.0f records/s, %.0f records per CPU-second, %.0f MiB peak, %d records examined\n", n, b, c, w, u, n / w, n / u, m / 1024, e }'
  done
done
# The per-core target: the 512-byte package on one core against `openssl speed sm2` on the
# same core, in alternating rounds, so that both meet the same load on a shared machine (one
# pass alone varies by 20 % here from run to run). Each round prints its ratio; the last line
# sums them up.
pkg="$work/pkg-50000x512"
rounds=${ROUNDS:-6}
find "$pkg" -type f -exec cat {} + > /dev/null
echo "== rounds: openssl speed sm2 (3 s) then the 50,000 x 512 B pass, both on core 0"
for round in $(seq "$rounds"); do
  openssl_rate=$(taskset -c 0 openssl speed -seconds 3 sm2 2>/dev/null | awk '/SM2/ { print $NF }' | tail -1)
  out="$work/run-rounds"
  rm -rf "$out"
  /usr/bin/time -f "%e %U %S" -o "$work/time" taskset -c 0 "$bin" run --package "$pkg" \
    --out "$out" --lang none --no-workpaper -q >/dev/null 2>&1 || true
  read -r wall user sys < <(tail -1 "$work/time")
  awk -v r="$round" -v o="$openssl_rate" -v w="$wall" -v u="$user" -v s="$sys" \
    'BEGIN { printf "round %d: openssl %.0f verify/s; pass %.0f records/s (%.0f %%), %.0f per CPU-second (%.0f %%)\n", r, o, 50000 / w, 5000000 / w / o, 50000 / (u + s), 5000000 / (u + s) / o }'
done | tee "$work/rounds"
awk '{ gsub(/[(%)]/, ""); wall += $9; cpu += $14; n++; above += ($9 >= 100) }
  END { printf "rounds: mean %.0f %% per wall-second, %.0f %% per CPU-second; %d of %d at or above 100 %% per wall-second\n", wall / n, cpu / n, above, n }' "$work/rounds"
