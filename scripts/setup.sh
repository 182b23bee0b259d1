#!/usr/bin/env bash
# Installs what building and testing the harness needs on a fresh Debian/Ubuntu machine with a
# Rust toolchain. Idempotent: installs only what is missing.
set -euo pipefail

need_apt=()
command -v cc >/dev/null 2>&1 || need_apt+=(build-essential)      # aws-lc-sys builds C code
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
[ -e /etc/ssl/certs/ca-certificates.crt ] || need_apt+=(ca-certificates)
# The PDF report embeds Noto Sans CJK SC (SIL OFL 1.1); fontconfig finds it.
command -v fc-match >/dev/null 2>&1 || need_apt+=(fontconfig)
fc-list 2>/dev/null | grep -q "Noto Sans CJK SC" || need_apt+=(fonts-noto-cjk)
# The report tests open the PDFs and read their text back with poppler.
command -v pdftotext >/dev/null 2>&1 || need_apt+=(poppler-utils)
# CERT-009 is tested on certificates qpdf rewrote with object streams and cross-reference
# streams, as other producers write them.
command -v qpdf >/dev/null 2>&1 || need_apt+=(qpdf)
# The HTML report is tested in a real headless browser.
command -v chromium-headless-shell >/dev/null 2>&1 || need_apt+=(chromium-headless-shell)
# Tests check the harness against OpenSSL as an independent implementation (SM2, RFC 3161 TSA).
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)

if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "setup: installing ${need_apt[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: cargo not found; install Rust 1.85 or newer (https://rustup.rs) and re-run" >&2
  exit 1
fi
