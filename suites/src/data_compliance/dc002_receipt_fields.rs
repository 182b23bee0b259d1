//! DC-002 — A deposit receipt carries every field a court needs to verify the evidence later,
//! each well-formed: evidence id, SM3 digest and algorithm, local tx id, block height and
//! hash, on-chain time, Tianping tx id, trusted-timestamp token and the platform signature.

use serde_json::Value;
use tianping_engine::fields::FieldMap;
use tianping_engine::package::{Judgement, PackageCheck, PackageInfo, Record};
use tianping_engine::{
    CheckDef, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite, Verdict,
};
use tianping_profile::digest::parse_digest_hex;

use crate::common;

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "DC-002",
    suite: Suite::DataCompliance,
    title_zh: "存证记录字段完整且格式规范",
    title_en: "Deposit receipt has a complete, well-formed set of fields",
    clauses: &[
        Clause {
            source: "在线诉讼规则 (2021) Art. 17(4): information verification",
            provenance: Provenance::Known,
        },
        Clause {
            source: "Field sets of Tianping-connected deposit APIs (tx_id, tx_time, timestamp_tsa, tianping_tx)",
            provenance: Provenance::Verified,
        },
    ],
    tianping_clause: None,
    severity: Severity::High,
    weight: 3,
    mode: Mode::Remote,
    active: false,
    faults: &["receipt-missing-tianping-tx"],
    thresholds: &[],
};

pub const CHECK: CheckDef =
    CheckDef::remote(META, |ctx| Box::pin(run(ctx))).with_package(PackageCheck {
        judge: judge_record,
        what: "receipts",
    });

enum Form {
    NonEmpty,
    Hex64,
    Integer,
    Time,
    Base64,
}

const REQUIRED: [(&str, Form); 10] = [
    ("evidence_id", Form::NonEmpty),
    ("file_hash", Form::Hex64),
    ("hash_algorithm", Form::NonEmpty),
    ("tx_id", Form::Hex64),
    ("block_height", Form::Integer),
    ("block_hash", Form::Hex64),
    ("tx_time", Form::Time),
    ("tianping_tx", Form::NonEmpty),
    ("timestamp_tsa", Form::Base64),
    ("receipt_signature", Form::Base64),
];

fn problem(value: Option<&Value>, form: &Form) -> Option<&'static str> {
    use base64::Engine;
    let Some(value) = value else {
        return Some("absent");
    };
    let text = value.as_str();
    let ok = match form {
        Form::NonEmpty => text.is_some_and(|s| !s.trim().is_empty()),
        Form::Hex64 => text.and_then(parse_digest_hex).is_some(),
        Form::Integer => value.as_u64().is_some() || text.is_some_and(|s| s.parse::<u64>().is_ok()),
        Form::Time => {
            text.is_some_and(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok())
                || value.as_i64().is_some_and(|ms| ms > 1_000_000_000_000)
        }
        Form::Base64 => text.is_some_and(|s| {
            !s.is_empty() && base64::engine::general_purpose::STANDARD.decode(s).is_ok()
        }),
    };
    (!ok).then_some(match form {
        Form::NonEmpty => "empty",
        Form::Hex64 => "not 64 lowercase hex characters",
        Form::Integer => "not an unsigned integer",
        Form::Time => "not an RFC 3339 time with zone or epoch milliseconds",
        Form::Base64 => "not base64",
    })
}

async fn run(ctx: &Ctx) -> Result<Verdict, tianping_engine::CheckError> {
    // A deposit that never completes is this check's finding (not a refusal, and not a reason
    // to give up): the receipt it should produce does not exist.
    let (ex, receipt) = match common::deposit(ctx, &common::lab_content(ctx, "DC-002")).await {
        Err(e @ tianping_engine::CheckError::Incomplete { .. }) => {
            return Ok(Verdict::fail(format!("no complete receipt: {e}")));
        }
        other => other?,
    };
    let failures = problems_of(&ctx.fields, &receipt, ctx.config.architecture.local_chain);
    // Nothing at all where the map points is a field-map problem, not evidence against the
    // platform: say so instead of reporting ten nonconformities.
    if REQUIRED
        .iter()
        .all(|(field, _)| ctx.fields.get(&receipt, field).is_none())
    {
        return Err(tianping_engine::CheckError::Field {
            field: "receipt".into(),
            detail: format!(
                "none of the receipt fields is at its configured pointer; check the adapter's [fields]. Response: {}",
                ex.excerpt()
            ),
        });
    }
    let verdict = if failures.is_empty() {
        let required = if ctx.config.architecture.local_chain {
            REQUIRED.len()
        } else {
            REQUIRED.len() - LOCAL_CHAIN_FIELDS.len()
        };
        Verdict::pass(format!(
            "all {required} required receipt fields present and well-formed"
        ))
    } else {
        Verdict::fail(format!(
            "receipt fields missing or malformed: {}",
            failures.join("; ")
        ))
    };
    Ok(verdict.with("receipt", ex.excerpt()))
}

/// Fields only a platform with a chain of its own has.
const LOCAL_CHAIN_FIELDS: [&str; 3] = ["tx_id", "block_height", "block_hash"];

/// Every required field that is absent or malformed, with where the map looked for it.
fn receipt_problems(fields: &FieldMap, receipt: &Value) -> Vec<String> {
    problems_of(fields, receipt, true)
}

/// What is wrong with a receipt; without a local chain, its chain fields are not required.
fn problems_of(fields: &FieldMap, receipt: &Value, local_chain: bool) -> Vec<String> {
    REQUIRED
        .iter()
        .filter(|(field, _)| local_chain || !LOCAL_CHAIN_FIELDS.contains(field))
        .filter_map(|(field, form)| {
            problem(fields.get(receipt, field).as_deref(), form)
                .map(|p| format!("{field} (at {}): {p}", fields.pointer(field)))
        })
        .collect()
}

fn judge_record(info: &PackageInfo, record: &Record) -> Judgement {
    match record.receipt() {
        Ok(receipt) => Judgement::from_problems(receipt_problems(&info.fields, receipt)),
        Err(e) => Judgement::Nonconforming(e),
    }
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
