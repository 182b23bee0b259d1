//! DC-008 — Each deposit carries a trusted timestamp bound to its digest: the token stamps the
//! deposit's SM3 digest, its SM2 signature verifies under the platform's TSA certificate, and
//! its time is within a lab threshold (default 60 s) of the on-chain time.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::Value;
use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite, Verdict,
};
use tianping_profile::{canonical, sm2sig};

use tianping_engine::fields::FieldMap;
use tianping_engine::package::{Judgement, PackageCheck, PackageInfo, Record};

use crate::common;

pub const CHECK: CheckDef = CheckDef {
    meta: CheckMeta {
        id: "DC-008",
        suite: Suite::DataCompliance,
        title_zh: "可信时间戳与存证摘要绑定",
        title_en: "Trusted timestamp is bound to the deposit digest",
        clauses: &[
            Clause {
                source: "GB/T 20520-2006: trusted time traceable to the national time authority",
                provenance: Provenance::Verified,
            },
            Clause {
                source: "RFC 3161 messageImprint binding",
                provenance: Provenance::Known,
            },
            Clause {
                source: "|token time − on-chain time| within the lab threshold",
                provenance: Provenance::Policy,
            },
        ],
        tianping_clause: None,
        severity: Severity::High,
        weight: 3,
        mode: Mode::Remote,
        active: false,
        fault: "tsa-imprint-mismatch",
    },
    run: |ctx| Box::pin(run(ctx)),
    package: Some(PackageCheck {
        judge: judge_record,
        what: "timestamp tokens",
    }),
    certs: None,
};

fn token_field<'a>(token: &'a Value, name: &str) -> Result<&'a str, CheckError> {
    token[name].as_str().ok_or_else(|| CheckError::Field {
        field: format!("timestamp token {name}"),
        detail: "absent".into(),
    })
}

fn parse_time(s: &str) -> Result<chrono::DateTime<chrono::FixedOffset>, CheckError> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map_err(|e| CheckError::protocol(format!("time `{s}`: {e}")))
}

/// What the token showed: the imprint, the two times and their gap.
struct TokenReading {
    imprint: String,
    gen_time: String,
    tx_time: String,
    gap: i64,
}

/// The token rule, shared by the live and package forms: the receipt's `tp-tst-v1` token
/// stamps its file_hash with SM3, verifies under `tsa_key`, and lies within `gap_limit` of
/// `tx_time`. `Err` means the token could not be read at all.
fn token_problems(
    fields: &FieldMap,
    receipt: &Value,
    tsa_key: &[u8],
    gap_limit: i64,
) -> Result<(Vec<String>, TokenReading), CheckError> {
    let file_hash = fields.str(receipt, "file_hash")?;
    let tx_time_text = fields.str(receipt, "tx_time")?;
    let tx_time = parse_time(tx_time_text)?;
    let raw = B64
        .decode(fields.str(receipt, "timestamp_tsa")?)
        .map_err(|_| CheckError::protocol("timestamp_tsa is not base64"))?;
    let token: Value = serde_json::from_slice(&raw).map_err(|e| {
        CheckError::protocol(format!("timestamp token is not a tp-tst-v1 token: {e}"))
    })?;
    let (gen_time, algorithm, imprint, serial) = (
        token_field(&token, "gen_time")?,
        token_field(&token, "imprint_algorithm")?,
        token_field(&token, "imprint")?,
        token_field(&token, "serial")?,
    );
    let signature = B64
        .decode(token_field(&token, "signature")?)
        .map_err(|_| CheckError::protocol("token signature is not base64"))?;
    let mut problems = Vec::new();
    if imprint != file_hash {
        problems.push(format!(
            "token imprint {imprint} ≠ deposit file_hash {file_hash}"
        ));
    }
    if !algorithm.eq_ignore_ascii_case("SM3") {
        problems.push(format!("token imprint algorithm is {algorithm}, not SM3"));
    }
    let signed = canonical::timestamp_token_bytes(gen_time, algorithm, imprint, serial)
        .map_err(|e| CheckError::protocol(e.to_string()))?;
    if let Err(e) = sm2sig::verify(tsa_key, sm2sig::DEFAULT_DIST_ID, &signed, &signature) {
        problems.push(format!(
            "token signature does not verify under the TSA certificate: {e}"
        ));
    }
    let gap = (parse_time(gen_time)? - tx_time).num_seconds().abs();
    if gap > gap_limit {
        problems.push(format!(
            "token time {gen_time} is {gap} s from on-chain time {tx_time_text}"
        ));
    }
    Ok((
        problems,
        TokenReading {
            imprint: imprint.into(),
            gen_time: gen_time.into(),
            tx_time: tx_time_text.into(),
            gap,
        },
    ))
}

fn tsa_key(fields: &FieldMap, platform: &Value) -> Result<(Vec<u8>, Vec<u8>), CheckError> {
    crate::blockchain_security::certificate_public_key(
        fields.str(platform, "platform_tsa_certificate")?,
    )
}

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let gap_limit = ctx.config.thresholds.timestamp_gap_secs;
    let info = common::platform_info(ctx).await?;
    let (key, tsa_cert) = tsa_key(&ctx.fields, &info)?;
    let (_, receipt) = common::deposit(ctx, &common::lab_content(ctx, "DC-008")).await?;
    let (problems, reading) = token_problems(&ctx.fields, &receipt, &key, gap_limit)?;
    let verdict = if problems.is_empty() {
        Verdict::pass(
            "token stamps the deposit digest, verifies, and is close to the on-chain time",
        )
    } else {
        Verdict::fail(problems.join("; "))
    };
    Ok(verdict
        .with(
            "expected imprint (file_hash)",
            ctx.fields.str(&receipt, "file_hash")?,
        )
        .with("token imprint", reading.imprint)
        .with(
            "token time / on-chain time",
            format!(
                "{} / {} ({} s apart)",
                reading.gen_time, reading.tx_time, reading.gap
            ),
        )
        .with("TSA certificate", common::describe_certificate(&tsa_cert))
        .with_threshold("timestamp_gap_secs", gap_limit))
}

fn judge_record(info: &PackageInfo, record: &Record) -> Judgement {
    let receipt = match record.receipt() {
        Ok(r) => r,
        Err(e) => return Judgement::Nonconforming(e),
    };
    let checked = tsa_key(&info.fields, info.platform()).and_then(|(key, _)| {
        token_problems(
            &info.fields,
            receipt,
            &key,
            info.config.thresholds.timestamp_gap_secs,
        )
    });
    match checked {
        Ok((problems, _)) => Judgement::from_problems(problems),
        Err(e) => Judgement::Nonconforming(e.to_string()),
    }
}
