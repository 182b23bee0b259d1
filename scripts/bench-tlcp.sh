#!/usr/bin/env bash
# TLCP handshakes per second, side by side in one run: GmSSL's own tlcp_client and the
# harness's TLCP client (release build), each against the same GmSSL tlcp_server, one
# connection at a time. Usage: scripts/bench-tlcp.sh [N]  (default 200 handshakes each)
# Needs ../shared/interop (GmSSL's source and scripts) beside the checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200}
interop=../shared/interop
[[ -f $interop/build-gmssl.sh ]] || { echo "no $interop: GmSSL is not beside this checkout" >&2; exit 2; }
gmssl=$(bash "$interop/build-gmssl.sh" | tail -1)
cargo build -q --release -p tianping-tlcp --example handshakes
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 "$interop/gmssl-mux.py" "$gmssl" tlcp "$port" --seconds 600 >/dev/null 2>&1 &
mux=$!
trap 'kill $mux 2>/dev/null || true' EXIT
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
echo "machine: $(nproc) cores; $n handshakes each, one at a time, against GmSSL tlcp_server via gmssl-mux"
for suite in gcm cbc; do
  name=$([[ $suite == gcm ]] && echo TLS_ECC_SM4_GCM_SM3 || echo TLS_ECC_SM4_CBC_SM3)
  start=$(date +%s.%N)
  for _ in $(seq "$n"); do
    LD_LIBRARY_PATH="$gmssl/bin" "$gmssl/bin/gmssl" tlcp_client -host 127.0.0.1 -port "$port" \
      -cipher_suite "$name" -get / >/dev/null 2>&1 || true
  done
  end=$(date +%s.%N)
  python3 -c "import sys; n=$n; s=$end-$start; print(f'gmssl tlcp_client $name: {n} handshakes in {s:.2f} s, {n/s:.1f}/s, {s*1000/n:.2f} ms each (a process per handshake)')"
  ./target/release/examples/handshakes "127.0.0.1:$port" "$n" "$suite"
done
