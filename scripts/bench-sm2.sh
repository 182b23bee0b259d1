#!/usr/bin/env bash
# SM2 verifications per second on one core, side by side in one run: OpenSSL's `speed sm2`,
# GmSSL's verify (scripts/gmssl_sm2_verify_speed.c against the GmSSL that
# ../shared/interop/build-gmssl.sh builds) and the harness's (profile/examples/
# sm2_verify_speed.rs, release). Usage: scripts/bench-sm2.sh [SECONDS]  (default 3 each)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-3}
interop=../shared/interop
echo "machine: $(nproc) cores, one core each, ${seconds} s each"
cargo build -q --release -p tianping-profile --example sm2_verify_speed
# OpenSSL times its own verify (a 32-byte digest after Z, so less hashing than the others).
openssl speed -seconds "$seconds" sm2 2>/dev/null | grep -iE "^ *sign +verify|sm2" | tail -2 | sed 's/^/openssl: /'
if [[ -f $interop/build-gmssl.sh ]]; then
  gmssl=$(bash "$interop/build-gmssl.sh" | tail -1)
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  tar -xzf "$interop"/GmSSL-*.tar.gz -C "$work" --wildcards '*/include/*'
  include=$(echo "$work"/*/include)
  cc -O2 -I "$include" scripts/gmssl_sm2_verify_speed.c -L "$gmssl/bin" -lgmssl -o "$work/gmssl_verify"
  LD_LIBRARY_PATH="$gmssl/bin" "$work/gmssl_verify" "$seconds"
else
  echo "GmSSL: no $interop beside this checkout, skipped"
fi
./target/release/examples/sm2_verify_speed "$seconds"
