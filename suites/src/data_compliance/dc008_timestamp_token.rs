//! DC-008 — Each deposit carries a trusted timestamp bound to its digest: the receipt's RFC 3161
//! token stamps the deposit's SM3 digest, verifies, is signed by the TSA certificate the platform
//! declares, and its time is within a lab threshold (default 60 s) of the on-chain time.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::Value;
use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, LabThreshold, Mode, Provenance, Severity, Suite,
    ThresholdDefault, Verdict,
};
use tianping_profile::rfc3161::{self, oid};

use tianping_engine::fields::FieldMap;
use tianping_engine::package::{Judgement, PackageCheck, PackageInfo, Record};

use crate::common;
use tianping_engine::Problem;
use tianping_engine::verdict::problems_en;

/// Lab threshold: largest accepted gap between a receipt time-stamp token's time and the on-chain time.
pub const TIMESTAMP_GAP_SECS: LabThreshold = LabThreshold {
    name: "timestamp_gap_secs",
    default: ThresholdDefault::Integer {
        value: 60,
        min: 0,
        max: 86400,
    },
    unit: "s",
    meaning: "largest accepted gap between a receipt time-stamp token's time and the on-chain time",
};

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "DC-008",
    suite: Suite::DataCompliance,
    title_zh: "可信时间戳与存证摘要绑定",
    title_en: "Trusted timestamp is bound to the deposit digest",
    advice_zh: "为每笔存证申请与摘要绑定的可信时间戳，令牌时间与上链时间相差在阈值以内。",
    advice_en: "Obtain for each deposit a trusted time-stamp bound to its digest, within the threshold of the on-chain time.",
    clauses: &[
        Clause {
            source: "GB/T 20520-2006: trusted time traceable to the national time authority",
            zh: "GB/T 20520-2006：可信时间溯源至国家授时机构",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "RFC 3161 messageImprint binding",
            zh: "RFC 3161 messageImprint 绑定",
            provenance: Provenance::Known,
        },
        Clause {
            source: "|token time − on-chain time| within the lab threshold",
            zh: "|令牌时间 − 上链时间| 不超过测评机构阈值",
            provenance: Provenance::Policy,
        },
    ],
    tianping_clause: None,
    severity: Severity::High,
    weight: 3,
    mode: Mode::Remote,
    active: false,
    faults: &["tsa-imprint-mismatch"],
    thresholds: &[TIMESTAMP_GAP_SECS],
};

pub const CHECK: CheckDef =
    CheckDef::remote(META, |ctx| Box::pin(run(ctx))).with_package(PackageCheck {
        judge: judge_record,
        what: "timestamp tokens",
        accounts_for_records: false,
    });

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

/// The token rule, shared by the live and package forms: the receipt's RFC 3161 token stamps
/// its file_hash with SM3, is signed by the platform's declared TSA certificate
/// (`tsa_certificate`, DER), and lies within `gap_limit` of `tx_time`. `Err` means the token
/// could not be read or verified at all.
fn token_problems(
    fields: &FieldMap,
    receipt: &Value,
    tsa_certificate: &[u8],
    gap_limit: i64,
) -> Result<(Vec<Problem>, TokenReading), CheckError> {
    let file_hash = fields.str(receipt, "file_hash")?;
    let tx_time_text = fields.str(receipt, "tx_time")?;
    let tx_time = parse_time(&tx_time_text)?;
    let token = B64
        .decode(fields.str(receipt, "timestamp_tsa")?.as_bytes())
        .map_err(|_| CheckError::Field {
            field: "timestamp_tsa".into(),
            detail: "not base64".into(),
        })?;
    let ts = rfc3161::verify_token(&token).map_err(|e| CheckError::Field {
        field: "timestamp_tsa".into(),
        detail: format!("not a verifiable RFC 3161 token: {e}"),
    })?;
    let mut problems = Vec::new();
    if !ts.imprint_hex.eq_ignore_ascii_case(&file_hash) {
        let imprint = &ts.imprint_hex;
        problems.push(Problem::new(
            format!("token imprint {imprint} ≠ deposit file_hash {file_hash}"),
            format!("令牌的消息摘要 {imprint} 与存证 file_hash {file_hash} 不一致"),
        ));
    }
    if ts.imprint_algorithm != oid::SM3 {
        let alg = &ts.imprint_algorithm;
        problems.push(Problem::new(
            format!("token imprint algorithm is {alg}, not SM3"),
            format!("令牌的摘要算法为 {alg}，不是 SM3"),
        ));
    }
    if ts.tsa_certificate_der != tsa_certificate {
        let (who, fp) = (&ts.tsa_subject, &ts.tsa_certificate_sha256);
        problems.push(Problem::new(
            format!("the token is signed by {who} (SHA-256 {fp}), not by the platform's declared TSA certificate"),
            format!("令牌由 {who}（SHA-256 {fp}）签发，不是平台声明的时间戳服务证书"),
        ));
    }
    let gen_time = ts
        .gen_time_rfc3339()
        .ok_or_else(|| CheckError::protocol(format!("token genTime {} is not UTC", ts.gen_time)))?;
    let gap = (parse_time(&gen_time)? - tx_time).num_seconds().abs();
    if gap > gap_limit {
        problems.push(Problem::new(
            format!("token time {gen_time} is {gap} s from on-chain time {tx_time_text}"),
            format!("令牌时间 {gen_time} 与上链时间 {tx_time_text} 相差 {gap} 秒"),
        ));
    }
    Ok((
        problems,
        TokenReading {
            imprint: ts.imprint_hex,
            gen_time,
            tx_time: tx_time_text.into(),
            gap,
        },
    ))
}

/// The TSA certificate the platform declares (DER).
fn declared_tsa_certificate(fields: &FieldMap, platform: &Value) -> Result<Vec<u8>, CheckError> {
    let (_, der) = crate::blockchain_security::certificate_public_key(
        &fields.str(platform, "platform_tsa_certificate")?,
    )?;
    Ok(der)
}

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let gap_limit = ctx.config.thresholds.integer(&TIMESTAMP_GAP_SECS);
    let info = common::platform_info(ctx).await?;
    let tsa_cert = declared_tsa_certificate(&ctx.fields, &info)?;
    let (_, receipt) = common::deposit(ctx, &common::lab_content(ctx, "DC-008")).await?;
    let (problems, reading) = token_problems(&ctx.fields, &receipt, &tsa_cert, gap_limit)?;
    let verdict = if problems.is_empty() {
        Verdict::pass(
            "token stamps the deposit digest, verifies, and is close to the on-chain time",
        )
        .zh("时间戳令牌加盖于存证摘要、可验证，且与上链时间相近")
    } else {
        Verdict::fail_listing(&problems)
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
    // Read once per package: every record's token is held to the same declared certificate.
    let declared = info.memo("DC-008 declared TSA certificate", || {
        declared_tsa_certificate(&info.fields, info.platform()).map_err(|e| e.to_string())
    });
    let checked = match declared.as_ref() {
        Ok(cert) => token_problems(
            &info.fields,
            receipt,
            cert,
            info.config.thresholds.integer(&TIMESTAMP_GAP_SECS),
        )
        .map_err(|e| e.to_string()),
        Err(e) => Err(e.clone()),
    };
    match checked {
        Ok((problems, _)) => Judgement::from_problems(problems_en(&problems)),
        Err(e) => Judgement::Nonconforming(e),
    }
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
