#!/usr/bin/env python3
"""Lints every DER certificate of a corpus folder with pkilint's RFC 5280 linter, loading the
validators once (as a library, so process start-up is not counted), and prints certificates per
second: the comparison figure for BENCHMARKS.md. pkilint comes from PyPI (`pip install pkilint`);
it is only used here, never by the harness."""

import pathlib
import sys
import time

from pkilint import loader
from pkilint.pkix import certificate, extension, name


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: bench-pkilint.py CORPUS_DIR", file=sys.stderr)
        return 64
    files = sorted(pathlib.Path(sys.argv[1]).glob("*.der"))
    validator = certificate.create_pkix_certificate_validator_container(
        certificate.create_decoding_validators(
            name.ATTRIBUTE_TYPE_MAPPINGS, extension.EXTENSION_MAPPINGS
        ),
        [
            certificate.create_issuer_validator_container([]),
            certificate.create_validity_validator_container(),
            certificate.create_subject_validator_container([]),
            certificate.create_extensions_validator_container([]),
            certificate.create_spki_validator_container([]),
        ],
    )
    docs = [
        loader.RFC5280CertificateDocumentLoader().load_der_document(f.read_bytes(), f.name)
        for f in files
    ]
    start = time.perf_counter()
    findings = 0
    for doc in docs:
        findings += len(validator.validate(doc.root))
    secs = time.perf_counter() - start
    print(f"{len(docs)} certificates, {secs:.2f} s: {len(docs) / secs:.0f} certificates/s (pkilint {findings} result nodes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
