//! CERT-009 — The deposit certificate (存证证书) the platform issues for a deposit is a PDF
//! signed by the platform's declared signing certificate, the signature covers the whole
//! file, and the page prints the record exactly: evidence id, file hash, transaction id and
//! on-chain time, and no digest the record does not hold. Live, for a deposit the harness
//! makes; offline, for every certificate in an evidence package.

use serde_json::Value;
use tianping_engine::fields::FieldMap;
use tianping_engine::package::{Judgement, PackageCheck, PackageInfo, Record};
use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite, Verdict,
};

use super::signed_pdf::{self, VerifiedSignature};
use crate::common;
use tianping_engine::verdict::problems_en;
use tianping_engine::{Operation, Problem, Refusal};

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "CERT-009",
    suite: Suite::Certificates,
    title_zh: "存证证书经签名且与存证记录一致",
    title_en: "The deposit certificate PDF is signed and matches the record",
    advice_zh: "存证证书PDF须以平台签名证书签名覆盖整个文件，打印的哈希、交易号与时间须与存证记录一致。",
    advice_en: "Sign the deposit certificate PDF over the whole file with the platform's signing certificate, and print the hash, transaction and time exactly as recorded.",
    clauses: &[
        Clause {
            source: "电子签名法 第十三条: a reliable electronic signature; changes after signing detectable",
            zh: "电子签名法 第十三条：可靠的电子签名；签署后的改动能够被发现",
            provenance: Provenance::Known,
        },
        Clause {
            source: "GB/T 38540-2020: electronic seal (SES_Signature, SM3withSM2)",
            zh: "GB/T 38540-2020：电子印章（SES_Signature，SM3withSM2）",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "ISO 32000-1 §12.8: PDF signature /ByteRange covering the whole file",
            zh: "ISO 32000-1 §12.8：PDF 签名的 /ByteRange 覆盖整个文件",
            provenance: Provenance::Known,
        },
        Clause {
            source: "printed hash, transaction id and time equal the record",
            zh: "打印的哈希、交易号与时间与存证记录一致",
            provenance: Provenance::Policy,
        },
    ],
    tianping_clause: None,
    severity: Severity::High,
    weight: 3,
    mode: Mode::Remote,
    active: false,
    faults: &["deposit-certificate-altered"],
    thresholds: &[],
};

pub const CHECK: CheckDef =
    CheckDef::remote(META, |ctx| Box::pin(run(ctx))).with_package(PackageCheck {
        judge: judge_record,
        what: "deposit certificates",
        accounts_for_records: false,
    });

/// A one-page certificate is far smaller; anything larger is refused unread.
const MAX_PDF_BYTES: u64 = 16 << 20;

/// What the certificate must print, from the receipt.
struct RecordFields {
    evidence_id: String,
    file_hash: String,
    tx_id: String,
    tx_time: chrono::DateTime<chrono::FixedOffset>,
    tx_time_text: String,
    /// Other digests of the record a certificate may also print (block hash, Tianping tx).
    other_digests: Vec<String>,
}

impl RecordFields {
    /// The record's fields; `tx_field` names the transaction the certificate must print (the
    /// local chain's, or without one the Tianping transaction).
    fn of(fields: &FieldMap, receipt: &Value, tx_field: &str) -> Result<RecordFields, CheckError> {
        let tx_time_text = fields.str(receipt, "tx_time")?.to_string();
        let tx_time =
            chrono::DateTime::parse_from_rfc3339(&tx_time_text).map_err(|e| CheckError::Field {
                field: "tx_time".into(),
                detail: format!("`{tx_time_text}`: {e}"),
            })?;
        let mut other_digests = Vec::new();
        for field in ["block_hash", "tianping_tx"] {
            if let Some(d) = fields.opt_str(receipt, field)? {
                other_digests.push(d.to_ascii_lowercase());
            }
        }
        Ok(RecordFields {
            evidence_id: fields.str(receipt, "evidence_id")?.to_string(),
            file_hash: fields.str(receipt, "file_hash")?.to_ascii_lowercase(),
            // Without a local chain, a receipt that names no Tianping transaction is DC-002's
            // and BC-010's finding; the certificate is judged on the rest.
            tx_id: match tx_field {
                "tx_id" => fields.str(receipt, tx_field)?.to_ascii_lowercase(),
                _ => fields
                    .opt_str(receipt, tx_field)?
                    .map(|t| t.to_ascii_lowercase())
                    .unwrap_or_default(),
            },
            tx_time,
            tx_time_text,
            other_digests,
        })
    }
}

/// What the certificate decided.
pub enum Finding {
    /// Signed by the declared signer over the document as signed, and prints the record.
    Conforms(VerifiedSignature),
    /// What is wrong, each problem a sentence.
    Nonconforming(Vec<Problem>),
    /// Signed correctly, but its text could not be read to compare with the record.
    Unreadable(VerifiedSignature, String),
}

/// 64-hex-digit runs (SM3 or SHA-256 digests) in the printed text, lower-cased.
fn printed_digests(text: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    for line in text {
        for run in hex_runs(line) {
            if run.len() == 64 {
                found.push(run.to_ascii_lowercase());
            }
        }
    }
    found
}

fn hex_runs(line: &str) -> impl Iterator<Item = &str> {
    line.split(|c: char| !c.is_ascii_hexdigit())
        .filter(|r| !r.is_empty())
}

/// Whether `digest` is printed whole, or broken where a layout breaks a long value: wrapped
/// onto the next line, or printed in groups separated by spaces.
fn prints_digest(text: &[String], digest: &str) -> bool {
    let squeezed = |line: &str| -> String {
        line.chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase()
    };
    let joined: Vec<String> = text.iter().map(|l| squeezed(l)).collect();
    joined.iter().any(|l| l.contains(digest))
        || joined.windows(2).any(|pair| {
            let tail = pair[0].trim_end_matches(|c: char| !c.is_ascii_hexdigit());
            let run = tail.len() - tail.trim_end_matches(|c: char| c.is_ascii_hexdigit()).len();
            let head = pair[1].len()
                - pair[1]
                    .trim_start_matches(|c: char| c.is_ascii_hexdigit())
                    .len();
            run + head == digest.len()
                && format!("{}{}", &tail[tail.len() - run..], &pair[1][..head]) == digest
        })
}

/// A time the certificate prints, and to what precision: printed to the second, it stands
/// for any instant within that second.
#[derive(Debug, Clone, Copy, PartialEq)]
struct PrintedTime {
    at: chrono::DateTime<chrono::FixedOffset>,
    precision: chrono::TimeDelta,
}

impl PrintedTime {
    /// Whether the printed value is `instant` cut (or rounded) to the printed precision.
    fn shows(&self, instant: &chrono::DateTime<chrono::FixedOffset>) -> bool {
        let after = *instant - self.at;
        after >= -(self.precision / 2) && after < self.precision
    }
}

/// Beijing time, which a certificate printing no zone is read in.
const BEIJING_SECS: i32 = 8 * 3600;

/// Times in the printed text, in the forms certificates use: RFC 3339, `2026-11-22 16:00:00`,
/// `2026/11/22 16:00`, `2026年11月22日 16时00分00秒`, with or without a zone (`Z`, `+08:00`,
/// `UTC+8`, `北京时间`); a time without a zone is Beijing time.
fn printed_times(text: &[String]) -> Vec<PrintedTime> {
    use std::sync::LazyLock;
    static TIME: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(
            r"(?x)
            ([0-9]{4}) \s* [-/.年] \s* ([0-9]{1,2}) \s* [-/.月] \s* ([0-9]{1,2}) \s* 日?
            \s* T? \s*
            ([0-9]{1,2}) \s* [:：时] \s* ([0-9]{2}) \s* 分?
            (?: \s* [:：]? \s* ([0-9]{2}) (?: [.,] ([0-9]{1,9}) )? \s* 秒? )?
            \s* (Z | [+-][0-9]{2}:?[0-9]{2} | \(? (?:UTC|GMT) (?: \s* \+ \s* 0?8 (?::00)? )? \)? )?",
        )
        .expect("a valid pattern")
    });
    let mut found = Vec::new();
    for line in text {
        for c in TIME.captures_iter(line) {
            let number = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<u32>().ok());
            let offset = match c.get(8).map(|m| m.as_str()) {
                Some("Z") => 0,
                Some(z) if z.contains("UTC") || z.contains("GMT") => {
                    if z.contains('+') {
                        BEIJING_SECS
                    } else {
                        0
                    }
                }
                Some(z) if z.starts_with(['+', '-']) => {
                    let digits: String = z.chars().filter(char::is_ascii_digit).collect();
                    let (h, m) = digits.split_at(2);
                    let secs =
                        (h.parse::<i32>().unwrap_or(0) * 60 + m.parse::<i32>().unwrap_or(0)) * 60;
                    if z.starts_with('-') { -secs } else { secs }
                }
                _ => BEIJING_SECS,
            };
            let (second, precision, nanos) = match (number(6), c.get(7)) {
                (Some(s), Some(frac)) => {
                    let digits = frac.as_str();
                    let scale = 10u32.pow(9 - digits.len() as u32);
                    let nanos = digits.parse::<u32>().unwrap_or(0) * scale;
                    (s, chrono::TimeDelta::nanoseconds(i64::from(scale)), nanos)
                }
                (Some(s), None) => (s, chrono::TimeDelta::seconds(1), 0),
                _ => (0, chrono::TimeDelta::minutes(1), 0),
            };
            let at = chrono::FixedOffset::east_opt(offset).and_then(|zone| {
                use chrono::TimeZone;
                zone.with_ymd_and_hms(
                    i32::try_from(number(1)?).ok()?,
                    number(2)?,
                    number(3)?,
                    number(4)?,
                    number(5)?,
                    second,
                )
                .single()?
                .checked_add_signed(chrono::TimeDelta::nanoseconds(i64::from(nanos)))
            });
            if let Some(at) = at {
                found.push(PrintedTime { at, precision });
            }
        }
    }
    found
}

fn printed_problems(text: &[String], record: &RecordFields) -> Vec<Problem> {
    let digests = printed_digests(text);
    let mut problems = Vec::new();
    for (what, what_zh, value) in [
        ("file hash", "文件哈希", &record.file_hash),
        ("transaction id", "交易标识", &record.tx_id),
    ] {
        if !value.is_empty() && !digests.contains(value) && !prints_digest(text, value) {
            problems.push(Problem::new(
                format!("the certificate does not print the record's {what} {value}"),
                format!("证书未打印存证记录的{what_zh} {value}"),
            ));
        }
    }
    let known: Vec<&String> = [&record.file_hash, &record.tx_id]
        .into_iter()
        .chain(&record.other_digests)
        .collect();
    for d in &digests {
        if !known.contains(&d) {
            problems.push(Problem::new(
                format!("the certificate prints a digest the record does not hold: {d}"),
                format!("证书打印了存证记录中没有的摘要：{d}"),
            ));
        }
    }
    if !printed_times(text).iter().any(|t| t.shows(&record.tx_time)) {
        let at = &record.tx_time_text;
        problems.push(Problem::new(
            format!("the certificate does not print the on-chain time {at}"),
            format!("证书未打印上链时间 {at}"),
        ));
    }
    if !text.iter().any(|line| line.contains(&record.evidence_id)) {
        let id = &record.evidence_id;
        problems.push(Problem::new(
            format!("the certificate does not print the evidence id {id}"),
            format!("证书未打印存证编号 {id}"),
        ));
    }
    problems
}

/// Judges one certificate PDF against its record and the platform's signing certificate.
fn judge_certificate(pdf: &[u8], record: &RecordFields, declared_signer: &[u8]) -> Finding {
    let loaded = signed_pdf::LoadedPdf::read(pdf);
    let signature = match loaded
        .as_ref()
        .map_err(Clone::clone)
        .and_then(|l| l.verify())
    {
        Ok(s) => s,
        Err(e) => {
            // The verifier's own words, quoted: a typed verifier error would carry Chinese.
            let zh = format!("证书文件的签名未通过验证：“{e}”");
            return Finding::Nonconforming(vec![Problem::new(e, zh)]);
        }
    };
    if signature.signer_der != declared_signer {
        let signer = common::describe_certificate(&signature.signer_der);
        return Finding::Nonconforming(vec![Problem::new(
            format!("signed by {signer}, not by the platform's declared signing certificate"),
            format!("签名者为 {signer}，不是平台声明的签名证书"),
        )]);
    }
    let text = loaded.map(|l| l.printed_text()).unwrap_or_default();
    if printed_digests(&text).is_empty() && !text.iter().any(|l| l.contains(&record.evidence_id)) {
        let why = if text.is_empty() {
            "the PDF shows no text the harness can read".to_string()
        } else {
            format!(
                "none of the {} text strings could be read as the record's fields (fonts \
                 without a Unicode encoding the harness maps)",
                text.len()
            )
        };
        return Finding::Unreadable(signature, why);
    }
    match printed_problems(&text, record) {
        problems if problems.is_empty() => Finding::Conforms(signature),
        problems => Finding::Nonconforming(problems),
    }
}

fn declared_signer(fields: &FieldMap, platform: &Value) -> Result<Vec<u8>, CheckError> {
    let (_, der) = crate::blockchain_security::certificate_public_key(
        &fields.str(platform, "platform_signing_certificate")?,
    )?;
    Ok(der)
}

/// CERT-009's judgement of one certificate: `receipt` is the record in the profile's field
/// names, `declared_signer` the platform's signing certificate (DER). What a live run or a
/// package run decides for one deposit, for tests against PDFs other software produced.
pub fn judge(pdf: &[u8], receipt: &Value, declared_signer: &[u8]) -> Result<Finding, CheckError> {
    let record = RecordFields::of(&FieldMap::new(&Default::default()), receipt, "tx_id")?;
    Ok(judge_certificate(pdf, &record, declared_signer))
}

fn judge_record(info: &PackageInfo, record: &Record) -> Judgement {
    let Some(pdf) = record.named_file(info, "certificate", MAX_PDF_BYTES) else {
        return Judgement::NotExamined;
    };
    let decided = (|| -> Result<Finding, String> {
        let pdf = pdf?;
        let receipt = record.receipt()?;
        let fields = RecordFields::of(&info.fields, receipt, "tx_id").map_err(|e| e.to_string())?;
        let signer = info.memo("CERT-009 declared signer", || {
            declared_signer(&info.fields, info.platform()).map_err(|e| e.to_string())
        });
        let signer = signer.as_ref().clone()?;
        Ok(judge_certificate(&pdf, &fields, &signer))
    })();
    match decided {
        Ok(Finding::Conforms(_)) => Judgement::Conforms,
        Ok(Finding::Nonconforming(problems)) => Judgement::from_problems(problems_en(&problems)),
        Ok(Finding::Unreadable(_, why)) => Judgement::Undecided(why),
        Err(e) => Judgement::Nonconforming(e),
    }
}

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let info = common::platform_info(ctx).await?;
    let signer = declared_signer(&ctx.fields, &info)?;
    let (_, receipt) = common::deposit(ctx, &common::lab_content(ctx, "CERT-009")).await?;
    let record = RecordFields::of(&ctx.fields, &receipt, common::completion_field(ctx))?;
    let answer = ctx
        .call(Operation::DepositCertificate)
        .param("evidence_id", record.evidence_id.as_str())
        .send()
        .await?;
    if ctx.answer(&answer).is_refusal_of(Refusal::NotFound) {
        return Ok(Verdict::inconclusive(format!(
            "the platform serves no deposit certificate at {}",
            answer.path
        ))
        .zh(format!("平台在 {} 未提供存证证书", answer.path)));
    }
    ctx.expect_success(&answer)?;
    let verdict = match judge_certificate(&answer.body, &record, &signer) {
        Finding::Conforms(s) => Verdict::pass(
            "the certificate is signed by the platform over the whole file and prints the record",
        )
        .zh("证书由平台对整个文件签名，且打印内容与存证记录一致")
        .with("signature", describe_signature(&s)),
        Finding::Nonconforming(problems) => Verdict::fail_listing(&problems),
        Finding::Unreadable(s, why) => {
            Verdict::inconclusive(format!("signature verified, but {why}"))
                .zh(format!("签名已验证，但{why}"))
                .with("signature", describe_signature(&s))
        }
    };
    Ok(verdict
        .with(
            "certificate",
            format!(
                "{} {}: {} bytes",
                answer.method,
                answer.path,
                answer.body.len()
            ),
        )
        .with(
            "record",
            format!(
                "file hash {}, tx {}, on-chain {}",
                record.file_hash, record.tx_id, record.tx_time_text
            ),
        ))
}

fn describe_signature(s: &VerifiedSignature) -> String {
    format!(
        "{}, digest {}, {} signature(s), signer {}",
        s.kind,
        s.digest_algorithm,
        s.signatures,
        common::describe_certificate(&s.signer_der)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use tianping_fixtures::deposit_certificate::{self as fixture, PrintedRecord};
    use tianping_fixtures::pki::ReferencePki;

    fn printed() -> PrintedRecord {
        PrintedRecord {
            evidence_id: "EV-000042".into(),
            file_hash: tianping_profile::digest::sm3_hex(b"deposit"),
            tx_id: tianping_profile::digest::sm3_hex(b"tx"),
            block_height: 7,
            tx_time: "2026-11-22T08:30:00.123+08:00".into(),
        }
    }

    fn record_of(p: &PrintedRecord) -> RecordFields {
        let receipt = serde_json::json!({
            "evidence_id": p.evidence_id, "file_hash": p.file_hash, "tx_id": p.tx_id,
            "tx_time": p.tx_time, "block_height": p.block_height,
        });
        RecordFields::of(&FieldMap::new(&Default::default()), &receipt, "tx_id").unwrap()
    }

    fn problems(finding: Finding) -> Vec<String> {
        match finding {
            Finding::Conforms(_) => Vec::new(),
            Finding::Nonconforming(p) => problems_en(&p),
            Finding::Unreadable(_, why) => vec![format!("unreadable: {why}")],
        }
    }

    #[test]
    fn the_reference_certificate_verifies_and_prints_the_record() {
        let pki = ReferencePki::generate(&tianping_fixtures::Faults::none());
        let pdf = fixture::signed(&printed(), &pki.receipt_key, &pki.receipt_cert_der);
        let text = signed_pdf::printed_text(&pdf);
        assert!(text.iter().any(|t| t == "电子数据存证证书"), "{text:?}");
        match judge_certificate(&pdf, &record_of(&printed()), &pki.receipt_cert_der) {
            Finding::Conforms(s) => {
                assert_eq!(s.kind, "CMS (adbe.pkcs7.detached)");
                assert_eq!(s.signatures, 1);
            }
            other => panic!("{:?}", problems(other)),
        }
    }

    #[test]
    fn changes_after_signing_and_wrong_signers_fail() {
        let pki = ReferencePki::generate(&tianping_fixtures::Faults::none());
        let record = record_of(&printed());
        let pdf = fixture::signed(&printed(), &pki.receipt_key, &pki.receipt_cert_der);
        let judge = |pdf: &[u8]| problems(judge_certificate(pdf, &record, &pki.receipt_cert_der));

        let shown = PrintedRecord {
            file_hash: tianping_profile::digest::sm3_hex(b"other"),
            ..printed()
        };
        let updated = judge(&fixture::with_update(&pdf, &shown));
        assert!(
            updated[0].contains("changed after it was signed"),
            "{updated:?}"
        );

        // One byte of the signed part changed in place: the digest no longer matches.
        let mut flipped = pdf.clone();
        let at = flipped.windows(9).position(|w| w == b"/MediaBox").unwrap();
        flipped[at + 12] = b'1';
        assert!(
            judge(&flipped)[0].contains("messageDigest"),
            "{:?}",
            judge(&flipped)
        );

        assert!(judge(&fixture::unsigned(&printed()))[0].contains("no signature"));
        assert!(judge(b"GIF89a")[0].contains("not a PDF"));
        assert!(!judge(&pdf[..pdf.len() / 2]).is_empty());

        // Signed by another key of the platform (the TSA's): valid, but not the declared signer.
        let by_tsa = fixture::signed(&printed(), &pki.tsa_key, &pki.tsa_cert_der);
        assert!(judge(&by_tsa)[0].contains("not by the platform's declared signing certificate"));
    }

    #[test]
    fn no_truncation_or_changed_byte_of_a_signed_certificate_verifies() {
        let pki = ReferencePki::generate(&tianping_fixtures::Faults::none());
        let pdf = fixture::signed(&printed(), &pki.receipt_key, &pki.receipt_cert_der);
        assert!(signed_pdf::verify(&pdf).is_ok());
        for len in (0..pdf.len()).step_by(89) {
            assert!(
                signed_pdf::verify(&pdf[..len]).is_err(),
                "truncated to {len}"
            );
            let _ = signed_pdf::printed_text(&pdf[..len]);
        }
        // Every byte is a finding, the unsigned ones of the CMS included (its versions,
        // algorithm identifiers, signer identifier). A change inside the carried certificate
        // leaves the CMS signature valid but names another signer, so the whole judgement is
        // what must fail. Every fifth byte here; all of them were checked when this was
        // written (14 s in a debug build).
        let record = record_of(&printed());
        for at in (0..pdf.len()).step_by(5) {
            let mut changed = pdf.clone();
            changed[at] ^= 0x01;
            let finding = judge_certificate(&changed, &record, &pki.receipt_cert_der);
            assert!(
                !problems(finding).is_empty(),
                "byte {at} changed and still accepted: {:?}",
                String::from_utf8_lossy(&pdf[at.saturating_sub(40)..at + 40])
            );
        }
    }

    /// The signing key's detached CMS over `covered`, as a signer appending a revision makes it.
    fn cms_by(pki: &ReferencePki) -> impl FnOnce(&[u8]) -> Vec<u8> + '_ {
        |covered| fixture::cms_signature(covered, &pki.receipt_key, &pki.receipt_cert_der)
    }

    /// The TSA's RFC 3161 token over `covered`, for a document time-stamp.
    fn stamp_by(pki: &ReferencePki) -> impl FnOnce(&[u8]) -> Vec<u8> + '_ {
        |covered| {
            tianping_fixtures::tsa::stamp(
                &tianping_profile::digest::sm3(covered),
                &pki.tsa_key,
                &pki.tsa_cert_der,
                9,
                chrono::Utc::now(),
            )
        }
    }

    #[test]
    fn validation_data_and_document_time_stamps_after_the_signature_are_not_changes() {
        use tianping_fixtures::pdf_revisions as revise;
        let pki = ReferencePki::generate(&tianping_fixtures::Faults::none());
        let record = record_of(&printed());
        let pdf = fixture::signed(&printed(), &pki.receipt_key, &pki.receipt_cert_der);
        let judge = |pdf: &[u8]| judge_certificate(pdf, &record, &pki.receipt_cert_der);

        let lt = revise::add_validation_data(&pdf, &[&pki.receipt_cert_der, &pki.sm2_root_der]);
        let lta = revise::add_document_time_stamp(&lt, stamp_by(&pki));
        let lta_then_lt = revise::add_validation_data(&lta, &[&pki.tsa_cert_der]);
        for (what, pdf, revisions) in [
            ("B-LT", &lt, 1),
            ("B-LTA", &lta, 2),
            ("B-LTA + LT", &lta_then_lt, 2),
        ] {
            match judge(pdf) {
                Finding::Conforms(s) => {
                    assert!(
                        s.later_revisions.iter().any(|r| r.contains("/DSS")),
                        "{what}: {:?}",
                        s.later_revisions
                    );
                    assert_eq!(
                        s.later_revisions
                            .iter()
                            .filter(|r| r.contains("time-stamp by"))
                            .count(),
                        revisions - 1,
                        "{what}: {:?}",
                        s.later_revisions
                    );
                }
                other => panic!("{what}: {:?}", problems(other)),
            }
        }
        // A document time-stamp over other bytes than its revision's.
        let wrong = revise::add_document_time_stamp(&lt, |_| stamp_by(&pki)(b"other bytes"));
        let p = problems(judge(&wrong)).join("; ");
        assert!(
            p.contains("document time-stamp") && p.contains("does not verify"),
            "{p}"
        );
    }

    #[test]
    fn the_long_term_variation_of_the_reference_certificate_conforms() {
        let pki = ReferencePki::generate(&tianping_fixtures::Faults::none());
        let pdf = fixture::long_term(
            &printed(),
            (&pki.receipt_key, &pki.receipt_cert_der),
            (&pki.tsa_key, &pki.tsa_cert_der),
            &[&pki.receipt_cert_der],
        );
        let text = signed_pdf::printed_text(&pdf);
        assert!(
            text.iter().any(|l| l.contains("2026年11月22日 08:30:00")),
            "{text:?}"
        );
        match judge_certificate(&pdf, &record_of(&printed()), &pki.receipt_cert_der) {
            Finding::Conforms(s) => assert_eq!(s.signatures, 2, "{:?}", s.later_revisions),
            other => panic!("{:?}", problems(other)),
        }
    }

    #[test]
    fn a_revision_after_signing_that_changes_what_the_page_shows_fails() {
        use tianping_fixtures::pdf_revisions as revise;
        let pki = ReferencePki::generate(&tianping_fixtures::Faults::none());
        let record = record_of(&printed());
        let pdf = fixture::signed(&printed(), &pki.receipt_key, &pki.receipt_cert_der);
        let judge = |pdf: &[u8]| {
            problems(judge_certificate(pdf, &record, &pki.receipt_cert_der)).join("; ")
        };

        let noted = judge(&revise::add_visible_note(&pdf, "File hash: 00ff"));
        assert!(
            noted.contains("changed after it was signed") && noted.contains("/Annots"),
            "{noted}"
        );
        // Validation data appended together with new page content: still a change.
        let lt = revise::add_validation_data(&pdf, &[&pki.receipt_cert_der]);
        let shown = PrintedRecord {
            file_hash: tianping_profile::digest::sm3_hex(b"other"),
            ..printed()
        };
        let changed = judge(&fixture::with_update(&lt, &shown));
        assert!(changed.contains("changed after it was signed"), "{changed}");
        // A time-stamp does not make a content change acceptable.
        let stamped =
            revise::add_document_time_stamp(&fixture::with_update(&pdf, &shown), stamp_by(&pki));
        assert!(
            judge(&stamped).contains("changed after it was signed"),
            "{}",
            judge(&stamped)
        );
    }

    #[test]
    fn a_document_signed_by_appending_a_revision_verifies() {
        use tianping_fixtures::pdf_revisions as revise;
        let pki = ReferencePki::generate(&tianping_fixtures::Faults::none());
        let record = record_of(&printed());
        let signed = revise::sign_existing(
            &fixture::unsigned(&printed()),
            "ETSI.CAdES.detached",
            cms_by(&pki),
        );
        match judge_certificate(&signed, &record, &pki.receipt_cert_der) {
            Finding::Conforms(s) => {
                assert_eq!(s.kind, "CMS (ETSI.CAdES.detached)");
                assert!(s.later_revisions.is_empty(), "{:?}", s.later_revisions);
            }
            other => panic!("{:?}", problems(other)),
        }
    }

    #[test]
    fn the_on_chain_time_is_read_in_the_forms_certificates_print() {
        let record = chrono::DateTime::parse_from_rfc3339("2026-11-22T08:30:00.123+08:00").unwrap();
        let shows = |printed: &str| {
            printed_times(&[format!("上链时间：{printed}")])
                .iter()
                .any(|t| t.shows(&record))
        };
        for same in [
            "2026-11-22T08:30:00.123+08:00",
            "2026-11-22T00:30:00.123Z",
            "2026-11-22 08:30:00",
            "2026-11-22 08:30:00.123",
            "2026/11/22 08:30",
            "2026年11月22日 08:30:00",
            "2026年11月22日08时30分00秒",
            "2026年11月22日 08:30:00 (北京时间)",
            "2026-11-22 00:30:00 UTC",
            "2026-11-22 08:30:00 UTC+8",
            "2026-11-22 08:30:00 +0800",
        ] {
            assert!(shows(same), "{same}");
        }
        for other in [
            "2026-11-22 08:31:00",
            "2026-11-22 08:31",
            "2026-11-22 08:30:01",
            "2026-11-22 08:30:00.124",
            "2026-11-22 08:30:00 UTC",
            "2026年11月23日 08:30:00",
            "2026-11-22T08:30:00.123Z",
        ] {
            assert!(!shows(other), "{other}");
        }
    }

    #[test]
    fn a_digest_wrapped_onto_the_next_line_or_grouped_is_still_printed() {
        let digest = tianping_profile::digest::sm3_hex(b"deposit");
        let wrapped = vec![
            format!("文件摘要：{}", &digest[..40]),
            digest[40..].to_string(),
        ];
        assert!(prints_digest(&wrapped, &digest));
        let grouped = vec![
            digest
                .as_bytes()
                .chunks(8)
                .map(|c| std::str::from_utf8(c).unwrap())
                .collect::<Vec<_>>()
                .join(" "),
        ];
        assert!(prints_digest(&grouped, &digest));
        assert!(!prints_digest(&[digest[..63].to_string()], &digest));
        assert!(
            printed_digests(&wrapped).is_empty(),
            "no whole unknown digest is made up"
        );
    }

    #[test]
    fn a_gbt_38540_seal_verifies_and_its_parts_are_checked() {
        let pki = ReferencePki::generate(&tianping_fixtures::Faults::none());
        let record = record_of(&printed());
        let signer = (&pki.receipt_key, pki.receipt_cert_der.as_slice());
        let maker = (&pki.sm2_root_key, pki.sm2_root_der.as_slice());
        let sealed = fixture::signed_with(&printed(), "GB.SES.detached", |covered| {
            fixture::seal(covered, signer, maker)
        });
        match judge_certificate(&sealed, &record, &pki.receipt_cert_der) {
            Finding::Conforms(s) => assert_eq!(s.kind, "GB/T 38540 electronic seal"),
            other => panic!("{:?}", problems(other)),
        }
        // A seal whose dataHash is of other bytes; a seal its maker did not sign.
        let other_bytes = fixture::signed_with(&printed(), "GB.SES.detached", |_| {
            fixture::seal(b"other bytes", signer, maker)
        });
        let p = problems(judge_certificate(
            &other_bytes,
            &record,
            &pki.receipt_cert_der,
        ));
        assert!(p[0].contains("dataHash"), "{p:?}");
        let forged_maker = (&pki.tsa_key, pki.sm2_root_der.as_slice());
        let forged = fixture::signed_with(&printed(), "GB.SES.detached", |covered| {
            fixture::seal(covered, signer, forged_maker)
        });
        let p = problems(judge_certificate(&forged, &record, &pki.receipt_cert_der));
        assert!(p[0].contains("seal maker"), "{p:?}");
    }

    #[test]
    fn a_signed_certificate_that_misprints_the_record_fails() {
        let pki = ReferencePki::generate(&tianping_fixtures::Faults::none());
        let record = record_of(&printed());
        let misprint = |p: PrintedRecord| {
            let pdf = fixture::signed(&p, &pki.receipt_key, &pki.receipt_cert_der);
            problems(judge_certificate(&pdf, &record, &pki.receipt_cert_der)).join("; ")
        };
        let wrong_time = misprint(PrintedRecord {
            tx_time: "2026-11-22T08:31:00.123+08:00".into(),
            ..printed()
        });
        assert!(wrong_time.contains("on-chain time"), "{wrong_time}");
        let wrong_hash = misprint(PrintedRecord {
            file_hash: tianping_profile::digest::sm3_hex(b"other"),
            ..printed()
        });
        assert!(
            wrong_hash.contains("does not print the record's file hash")
                && wrong_hash.contains("a digest the record does not hold"),
            "{wrong_hash}"
        );
        // The same instant written in UTC is the same time.
        assert_eq!(
            misprint(PrintedRecord {
                tx_time: "2026-11-22T00:30:00.123Z".into(),
                ..printed()
            }),
            ""
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// Arbitrary edits of a signed certificate (bytes changed, spliced in or cut): the PDF
        /// reader and the signature check answer without panicking, and an edited file never
        /// conforms to the record.
        #[test]
        fn edited_certificates_never_panic_and_never_conform(
            edits in proptest::collection::vec((proptest::prelude::any::<usize>(), proptest::prelude::any::<u8>(), 0u8..3), 1..6)
        ) {
            use std::sync::OnceLock;
            static SIGNED: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();
            let (pdf, signer) = SIGNED.get_or_init(|| {
                let pki = ReferencePki::generate(&tianping_fixtures::Faults::none());
                let pdf = fixture::signed(&printed(), &pki.receipt_key, &pki.receipt_cert_der);
                (pdf, pki.receipt_cert_der.clone())
            });
            let mut edited = pdf.clone();
            for (at, byte, kind) in edits {
                let at = at % edited.len().max(1);
                match kind {
                    0 => edited[at] ^= byte | 1,
                    1 => edited.insert(at, byte),
                    _ => edited.truncate(at.max(1)),
                }
            }
            let _ = signed_pdf::printed_text(&edited);
            let _ = signed_pdf::verify(&edited);
            if &edited != pdf {
                let finding = judge_certificate(&edited, &record_of(&printed()), signer);
                proptest::prop_assert!(!matches!(finding, Finding::Conforms(_)));
            }
        }
    }
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
