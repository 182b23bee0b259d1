#!/usr/bin/env bash
# TLCP and RFC 8998 handshakes per second, side by side in one run: GmSSL's own tlcp_client
# and tls13_client, and the harness's clients (release build), each against the same GmSSL
# server (tlcp_server, tls13_server), one connection at a time.
# Usage: scripts/bench-tlcp.sh [N]  (default 200 handshakes each)
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
  # GmSSL's client checks the server's name: it connects to localhost and trusts GmSSL's
  # root. One handshake first, failing loudly, so the timing below times whole handshakes.
  tlcp_client() {
    LD_LIBRARY_PATH="$gmssl/bin" "$gmssl/bin/gmssl" tlcp_client -host localhost -port "$port" \
      -cacert "$gmssl/sm2_root_ca_cert.pem" -cipher_suite "$name" -get /
  }
  first=$(tlcp_client 2>&1 || true)
  grep -aq "HTTP/1" <<<"$first" \
    || { echo "gmssl tlcp_client does not complete a $name handshake" >&2; exit 1; }
  start=$(date +%s.%N)
  for _ in $(seq "$n"); do
    tlcp_client >/dev/null 2>&1 || true
  done
  end=$(date +%s.%N)
  python3 -c "import sys; n=$n; s=$end-$start; print(f'gmssl tlcp_client $name: {n} handshakes in {s:.2f} s, {n/s:.1f}/s, {s*1000/n:.2f} ms each (a process per handshake)')"
  ./target/release/examples/handshakes "127.0.0.1:$port" "$n" "$suite"
done
port13=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 "$interop/gmssl-mux.py" "$gmssl" tls13 "$port13" --seconds 600 >/dev/null 2>&1 &
mux13=$!
trap 'kill $mux $mux13 2>/dev/null || true' EXIT
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$port13) 2>/dev/null && break; sleep 0.1; done
# GmSSL's TLS 1.3 client checks the server's name, so it connects to localhost and trusts
# GmSSL's root; one handshake first, failing loudly, so the timing below times handshakes.
tls13_client() {
  LD_LIBRARY_PATH="$gmssl/bin" "$gmssl/bin/gmssl" tls13_client -host localhost -port "$port13" \
    -cacert "$gmssl/sm2_root_ca_cert.pem" -cipher_suite TLS_SM4_GCM_SM3 \
    -supported_group sm2p256v1 -sig_alg sm2sig_sm3 -get /
}
first=$(tls13_client 2>&1 || true)
grep -aq "Protocol: TLS1.3" <<<"$first" || { echo "gmssl tls13_client does not complete a handshake" >&2; exit 1; }
start=$(date +%s.%N)
for _ in $(seq "$n"); do
  tls13_client >/dev/null 2>&1 || true
done
end=$(date +%s.%N)
python3 -c "import sys; n=$n; s=$end-$start; print(f'gmssl tls13_client TLS_SM4_GCM_SM3: {n} handshakes in {s:.2f} s, {n/s:.1f}/s, {s*1000/n:.2f} ms each (a process per handshake)')"
./target/release/examples/handshakes "127.0.0.1:$port13" "$n" rfc8998
