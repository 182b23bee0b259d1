#!/usr/bin/env bash
# Remakes the deposit certificates in this folder with software no one here wrote:
#   itext5-bouncycastle.pdf       laid out by iText 5, signed by iText 5 with a CMS that
#                                 BouncyCastle makes (SM3withSM2), as many Java platforms do;
#   libreoffice-bouncycastle.pdf  laid out by LibreOffice Writer (from certificate.fodt),
#                                 signed the same way.
# signer.pem is the signing certificate; its key is made here and thrown away.
# The PDFs are committed, so the tests need none of this; run it only to remake them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
need=()
command -v javac >/dev/null || need+=(default-jdk-headless)
[ -e /usr/share/java/itext5.jar ] || need+=(libitext5-java)
[ -e /usr/share/java/bcpkix.jar ] || need+=(libbcpkix-java libbcprov-java)
command -v soffice >/dev/null || need+=(libreoffice-writer-nogui)
fc-list | grep -q "Noto Sans CJK SC" || need+=(fonts-noto-cjk)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp=$work:/usr/share/java/itext5.jar:/usr/share/java/bcprov.jar:/usr/share/java/bcpkix.jar:/usr/share/java/bcutil.jar
javac -cp "$cp" -d "$work" "$here/ItextCertificate.java"

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:SM2 -out "$work/key.pem"
openssl req -new -x509 -key "$work/key.pem" -sm3 -sigopt distid:1234567812345678 \
  -subj "/C=CN/O=Example Evidence Platform/CN=Example Platform Certificate Signer" \
  -days 3650 -addext keyUsage=critical,digitalSignature,nonRepudiation -out "$here/signer.pem"

# The record the tests' receipt describes (tests/tests/deposit_certificates.rs: record()).
id=EV-20261122-000042
hash=$(printf 'the deposited contract' | openssl dgst -sm3 -r | cut -d' ' -f1)
tx=$(printf 'its transaction' | openssl dgst -sm3 -r | cut -d' ' -f1)

# iText prints the digests in upper case and the time in Chinese form.
java -cp "$cp" ItextCertificate "$here/itext5-bouncycastle.pdf" "$work/key.pem" "$here/signer.pem" \
  "$id" "${hash^^}" "${tx^^}" "2026年11月22日 08:30:00"

# LibreOffice wraps the digests across lines in its narrow column, as a real layout may.
sed -e "s/@EVIDENCE_ID@/$id/" -e "s/@FILE_HASH@/$hash/" -e "s/@TX_ID@/$tx/" \
  -e "s/@PRINTED_TIME@/2026-11-22 08:30:00/" "$here/certificate.fodt" > "$work/certificate.fodt"
soffice --headless -env:UserInstallation="file://$work/profile" --convert-to pdf --outdir "$work" \
  "$work/certificate.fodt" >/dev/null
java -cp "$cp" ItextCertificate "$here/libreoffice-bouncycastle.pdf" "$work/key.pem" "$here/signer.pem" \
  "$id" "$hash" "$tx" "-" "$work/certificate.pdf"
ls -l "$here"/*.pdf
