#!/usr/bin/env bash
# Compares the harness's TLS prober with SSLyze on three local nginx servers (modern-only,
# legacy protocols enabled, a weak suite enabled) and times both for the same coverage:
# protocol versions SSL 3.0 to TLS 1.3 and the cipher suites of each accepted version.
#
# nginx and SSLyze are installed only for this comparison (Debian package, pip in a venv);
# nothing of theirs is linked or shipped. Usage: scripts/compare-sslyze.sh [HARNESS_BINARY]
# (or --list-suites: print the TLS 1.2 suites SSLyze tries, one per line)
# Writes the verdicts side by side and the timings to stdout; exit 1 on any disagreement.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
harness="${1:-$root/target/release/tianping-harness}"
work="$(mktemp -d)"
trap 'kill $(cat "$work/nginx.pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT

command -v nginx >/dev/null || { apt-get install -y -q nginx-light >/dev/null; }
venv="${SSLYZE_VENV:-/tmp/sslyze-venv}"
[ -x "$venv/bin/python" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q sslyze; }
if [ "${1:-}" = "--list-suites" ]; then
  # The TLS 1.2 suites SSLyze tries, for suites/testdata/sslyze-tls12-suites.txt.
  "$venv/bin/python" -c "
from sslyze.plugins.openssl_cipher_suites.cipher_suites import CipherSuitesRepository as R
from sslyze.server_connectivity import TlsVersionEnum as V
print('\n'.join(sorted(c.name for c in R.get_all_cipher_suites(V.TLS_1_2))))"
  exit 0
fi
[ -x "$harness" ] || (cd "$root" && cargo build --release -q -p tianping-harness)

openssl req -x509 -newkey rsa:2048 -nodes -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost" \
  -days 2 -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null

ports=(18441 18442 18443)
names=(modern legacy weak)
protocols=("TLSv1.2 TLSv1.3" "TLSv1 TLSv1.1 TLSv1.2" "TLSv1.2")
ciphers=("ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305"
         "DEFAULT:@SECLEVEL=0"
         "ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA:DES-CBC3-SHA:@SECLEVEL=0")
{
  echo "worker_processes 1; pid $work/nginx.pid; error_log $work/error.log; daemon on;"
  echo "events {} http { access_log off;"
  for i in 0 1 2; do
    echo "server { listen 127.0.0.1:${ports[$i]} ssl; ssl_certificate $work/cert.pem;"
    echo "  ssl_certificate_key $work/key.pem; ssl_protocols ${protocols[$i]};"
    echo "  ssl_ciphers \"${ciphers[$i]}\"; ssl_prefer_server_ciphers on; return 200 ok; }"
  done
  echo "}"
} > "$work/nginx.conf"
nginx -p "$work" -c "$work/nginx.conf"
sleep 0.5

# The harness enumerates suites of every version it is allowed to: allow them all here.
cat > "$work/harness.toml" <<TOML
[thresholds]
allowed_tls_versions = ["SSL3.0", "TLS1.0", "TLS1.1", "TLS1.2", "TLS1.3"]
[limits]
requests_per_second = 1000.0
TOML

status=0
for i in 0 1 2; do
  target="localhost:${ports[$i]}"
  t0=$(date +%s.%N)
  "$harness" run --target "https://$target" --config "$work/harness.toml" \
    --only SS-019,SS-026 --lang none --out "$work/h-$i" >/dev/null 2>&1 || true
  t1=$(date +%s.%N)
  "$venv/bin/python" -m sslyze --quiet --sslv2 --sslv3 --tlsv1 --tlsv1_1 --tlsv1_2 --tlsv1_3 \
    --json_out "$work/s-$i.json" "$target" >/dev/null
  t2=$(date +%s.%N)
  python3 "$root/scripts/compare-sslyze.py" "${names[$i]}" "$work/h-$i/results.json" \
    "$work/s-$i.json" "$(echo "$t1 - $t0" | bc)" "$(echo "$t2 - $t1" | bc)" || status=1
done
exit $status
