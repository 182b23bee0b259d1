//! CERT-009 against deposit certificates that software no one here wrote produced: the page
//! laid out by Typst (Identity-H fonts with ToUnicode maps, its own object layout), rewritten
//! by qpdf with object streams and a cross-reference stream, signed by appending a revision
//! (lopdf's writer), extended with validation data and an OpenSSL-made document time-stamp.
//! The text the harness reads is compared with poppler's `pdftotext`, an independent reader.
//!
//! Before the PDF reader was rebuilt on lopdf, every one of these was "unreadable" or failed:
//! the old reader knew only UCS-2 CID fonts, RFC 3339 times and a last revision that is the
//! signature.

use std::path::Path;
use std::process::Command;

use tianping_engine::verdict::problems_en;
use tianping_fixtures::pdf_revisions as revise;
use tianping_fixtures::pki::ReferencePki;
use tianping_suites::certificates::cert009_deposit_certificate::{self as cert009, Finding};
use tianping_suites::certificates::signed_pdf;
use typst_as_lib::TypstEngine;
use typst_layout::PagedDocument;
use typst_pdf::PdfOptions;

/// The record the certificates print.
struct Record {
    evidence_id: &'static str,
    file_hash: String,
    tx_id: String,
    /// As the receipt gives it.
    tx_time: &'static str,
}

fn record() -> Record {
    Record {
        evidence_id: "EV-20261122-000042",
        file_hash: tianping_profile::digest::sm3_hex(b"the deposited contract"),
        tx_id: tianping_profile::digest::sm3_hex(b"its transaction"),
        tx_time: "2026-11-22T08:30:00.123+08:00",
    }
}

impl Record {
    fn receipt(&self) -> serde_json::Value {
        serde_json::json!({
            "evidence_id": self.evidence_id,
            "file_hash": self.file_hash,
            "tx_id": self.tx_id,
            "tx_time": self.tx_time,
        })
    }
}

/// A certificate laid out as a real platform's might be: a Chinese title, a table of the
/// record with the digests in upper case, the time in Chinese form without a zone.
fn typst_certificate(r: &Record, printed_time: &str) -> Vec<u8> {
    let source = format!(
        r#"#set page(width: 210mm, height: 160mm, margin: 16mm)
#set text(font: "Noto Sans CJK SC", size: 9pt, lang: "zh")
#align(center, text(size: 16pt, weight: "bold")[电子数据存证证书])
#v(6mm)
#table(
  columns: (32mm, 1fr),
  stroke: 0.4pt,
  inset: 5pt,
  [存证编号], [{id}],
  [文件摘要（SM3）], [{hash}],
  [交易哈希], [{tx}],
  [上链时间], [{time}],
)
#v(4mm)
本证书由存证平台出具，经数字签名保护。
"#,
        id = r.evidence_id,
        hash = r.file_hash.to_uppercase(),
        tx = r.tx_id.to_uppercase(),
        time = printed_time,
    );
    let fonts = tianping_report_pdf::FontSet::discover().expect("fonts: run ./scripts/setup.sh");
    let engine = TypstEngine::builder()
        .main_file(source)
        .fonts(fonts.faces().to_vec())
        .build();
    let document = engine
        .compile::<PagedDocument>()
        .output
        .expect("the certificate lays out");
    typst_pdf::pdf(&document, &PdfOptions::default()).expect("Typst writes the PDF")
}

/// qpdf's rewrite of `pdf` with object streams and a cross-reference stream.
fn with_object_streams(pdf: &[u8], dir: &Path) -> Vec<u8> {
    let (input, output) = (dir.join("in.pdf"), dir.join("out.pdf"));
    std::fs::write(&input, pdf).unwrap();
    let status = Command::new("qpdf")
        .args(["--object-streams=generate", "--compress-streams=y"])
        .arg(&input)
        .arg(&output)
        .status()
        .expect("qpdf runs: ./scripts/setup.sh installs it");
    assert!(status.success(), "qpdf {status}");
    std::fs::read(&output).unwrap()
}

/// The page text as poppler reads it.
fn pdftotext(pdf: &[u8], dir: &Path) -> String {
    let input = dir.join("read.pdf");
    std::fs::write(&input, pdf).unwrap();
    let out = Command::new("pdftotext")
        .args(["-layout"])
        .arg(&input)
        .arg("-")
        .output()
        .expect("pdftotext runs: ./scripts/setup.sh installs poppler-utils");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn sign(pki: &ReferencePki) -> impl FnOnce(&[u8]) -> Vec<u8> + '_ {
    |covered| {
        tianping_fixtures::deposit_certificate::cms_signature(
            covered,
            &pki.receipt_key,
            &pki.receipt_cert_der,
        )
    }
}

fn describe(finding: &Finding) -> String {
    match finding {
        Finding::Conforms(s) => format!("conforms: {} ({:?})", s.kind, s.later_revisions),
        Finding::Nonconforming(p) => format!("nonconforming: {}", problems_en(p).join("; ")),
        Finding::Unreadable(_, why) => format!("unreadable: {why}"),
    }
}

#[test]
fn a_typst_certificate_signed_by_appending_a_revision_conforms_in_every_time_form() {
    let pki = ReferencePki::generate(&tianping_fixtures::Faults::none());
    let r = record();
    for printed in [
        "2026年11月22日 08:30:00",
        "2026-11-22 08:30:00",
        "2026年11月22日08时30分00秒（北京时间）",
        "2026-11-22T00:30:00.123Z",
    ] {
        let signed = revise::sign_existing(
            &typst_certificate(&r, printed),
            "adbe.pkcs7.detached",
            sign(&pki),
        );
        let finding = cert009::judge(&signed, &r.receipt(), &pki.receipt_cert_der).unwrap();
        assert!(
            matches!(finding, Finding::Conforms(_)),
            "{printed}: {}\ntext: {:?}",
            describe(&finding),
            signed_pdf::printed_text(&signed)
        );
    }
}

#[test]
fn the_text_read_agrees_with_poppler() {
    let dir = tempfile::tempdir().unwrap();
    let r = record();
    let pdf = typst_certificate(&r, "2026年11月22日 08:30:00");
    let ours = signed_pdf::printed_text(&pdf).join("\n");
    let poppler = pdftotext(&pdf, dir.path());
    for field in [
        "电子数据存证证书",
        r.evidence_id,
        &r.file_hash.to_uppercase(),
        &r.tx_id.to_uppercase(),
        "2026年11月22日 08:30:00",
    ] {
        let squeeze = |s: &str| s.split_whitespace().collect::<String>();
        assert!(
            squeeze(&poppler).contains(&squeeze(field)),
            "poppler does not read {field}: {poppler}"
        );
        assert!(
            squeeze(&ours).contains(&squeeze(field)),
            "the harness does not read {field}: {ours}"
        );
    }
}

#[test]
fn object_streams_validation_data_and_an_openssl_document_time_stamp_are_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let pki = ReferencePki::generate(&tianping_fixtures::Faults::none());
    let r = record();
    let packed = with_object_streams(&typst_certificate(&r, "2026-11-22 08:30:00"), dir.path());
    assert!(
        packed.windows(7).any(|w| w == b"/ObjStm"),
        "qpdf wrote object streams"
    );
    let signed = revise::sign_existing(&packed, "adbe.pkcs7.detached", sign(&pki));
    let lt = revise::add_validation_data(&signed, &[&pki.receipt_cert_der, &pki.sm2_root_der]);
    let tsa = tianping_fixtures::openssl_tsa::OpensslTsa::make(
        dir.path(),
        tianping_fixtures::openssl_tsa::EC_P256,
    )
    .expect("openssl makes a TSA");
    let lta = revise::add_document_time_stamp(&lt, |covered| {
        use sha2::Digest as _;
        let request = tianping_profile::rfc3161::request(
            tianping_profile::rfc3161::oid::SHA256,
            &sha2::Sha256::digest(covered),
            b"\x01\x02",
        );
        let response = tsa.reply(&request).expect("openssl answers");
        tianping_profile::rfc3161::token_of_response(&response).expect("a granted token")
    });
    for (what, pdf) in [("signed", &signed), ("B-LT", &lt), ("B-LTA", &lta)] {
        let finding = cert009::judge(pdf, &r.receipt(), &pki.receipt_cert_der).unwrap();
        assert!(
            matches!(finding, Finding::Conforms(_)),
            "{what}: {}",
            describe(&finding)
        );
    }
    let Finding::Conforms(s) = cert009::judge(&lta, &r.receipt(), &pki.receipt_cert_der).unwrap()
    else {
        unreachable!()
    };
    assert!(
        s.later_revisions
            .iter()
            .any(|d| d.contains("document time-stamp")),
        "{:?}",
        s.later_revisions
    );

    // The same documents, changed after signing, fail whatever is appended after the change.
    let noted = revise::add_visible_note(&signed, &r.file_hash);
    let stamped = revise::add_document_time_stamp(&noted, |covered| {
        use sha2::Digest as _;
        let request = tianping_profile::rfc3161::request(
            tianping_profile::rfc3161::oid::SHA256,
            &sha2::Sha256::digest(covered),
            b"\x03",
        );
        tianping_profile::rfc3161::token_of_response(&tsa.reply(&request).unwrap()).unwrap()
    });
    for pdf in [&noted, &stamped] {
        let finding = cert009::judge(pdf, &r.receipt(), &pki.receipt_cert_der).unwrap();
        assert!(
            matches!(&finding, Finding::Nonconforming(p) if p[0].en.contains("changed after it was signed")),
            "{}",
            describe(&finding)
        );
    }
}

#[test]
fn a_typst_certificate_that_misprints_the_record_fails() {
    let pki = ReferencePki::generate(&tianping_fixtures::Faults::none());
    let r = record();
    let judge = |printed_time: &str, shown: &Record| {
        let signed = revise::sign_existing(
            &typst_certificate(shown, printed_time),
            "adbe.pkcs7.detached",
            sign(&pki),
        );
        describe(&cert009::judge(&signed, &r.receipt(), &pki.receipt_cert_der).unwrap())
    };
    let late = judge("2026年11月22日 08:31:00", &r);
    assert!(late.contains("on-chain time"), "{late}");
    let other_hash = Record {
        file_hash: tianping_profile::digest::sm3_hex(b"another file"),
        ..record()
    };
    let wrong = judge("2026年11月22日 08:30:00", &other_hash);
    assert!(
        wrong.contains("does not print the record's file hash"),
        "{wrong}"
    );
}

/// The deposit certificates in `tests/testdata/producers/`, made by `make.sh` there: laid out
/// by iText 5 or LibreOffice and signed by iText 5 with BouncyCastle's SM3withSM2 CMS.
fn produced(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/producers")
            .join(name),
    )
    .unwrap()
}

/// The certificate that signed them, DER.
fn producers_signer() -> Vec<u8> {
    tianping_profile::pem::certificates(&String::from_utf8(produced("signer.pem")).unwrap())
        .unwrap()
        .remove(0)
}

const PRODUCED: [&str; 2] = ["itext5-bouncycastle.pdf", "libreoffice-bouncycastle.pdf"];

#[test]
fn certificates_signed_by_itext_with_a_bouncycastle_sm2_cms_conform() {
    let signer = producers_signer();
    for name in PRODUCED {
        let finding = cert009::judge(&produced(name), &record().receipt(), &signer).unwrap();
        assert!(
            matches!(finding, Finding::Conforms(_)),
            "{name}: {}\ntext: {:?}",
            describe(&finding),
            signed_pdf::printed_text(&produced(name))
        );
    }
}

#[test]
fn certificates_from_other_producers_fail_when_changed_misprinted_or_signed_by_another() {
    let signer = producers_signer();
    let pki = ReferencePki::generate(&tianping_fixtures::Faults::none());
    for name in PRODUCED {
        let pdf = produced(name);
        let judged = |pdf: &[u8], receipt: &serde_json::Value, signer: &[u8]| {
            describe(&cert009::judge(pdf, receipt, signer).unwrap())
        };
        let noted = revise::add_visible_note(&pdf, "另附说明");
        let changed = judged(&noted, &record().receipt(), &signer);
        assert!(
            changed.contains("changed after it was signed"),
            "{name}: {changed}"
        );

        let other = judged(&pdf, &record().receipt(), &pki.receipt_cert_der);
        assert!(other.starts_with("nonconforming"), "{name}: {other}");

        let mut receipt = record().receipt();
        receipt["file_hash"] = tianping_profile::digest::sm3_hex(b"another file").into();
        let misprinted = judged(&pdf, &receipt, &signer);
        assert!(
            misprinted.contains("does not print the record's file hash"),
            "{name}: {misprinted}"
        );
    }
}
