//! DC-002 — A deposit receipt carries every field a court needs to verify the evidence later,
//! each well-formed: evidence id, SM3 digest, local tx id, the block (its height or its hash:
//! either identifies it), on-chain time, Tianping tx id and trusted-timestamp token. The
//! digest algorithm's name and the platform's own signature are judged when present; the
//! algorithm itself is DC-001's (it recomputes the digest), and a signature is required only
//! when the lab says so (`receipt_signature_required`).

use serde_json::Value;
use tianping_engine::fields::FieldMap;
use tianping_engine::package::{Judgement, PackageCheck, PackageInfo, Record};
use tianping_engine::{
    CheckDef, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite, Verdict,
};
use tianping_profile::digest::parse_digest_hex;

use crate::common;
use crate::thresholds::RECEIPT_SIGNATURE_REQUIRED;
use tianping_engine::Problem;
use tianping_engine::verdict::problems_en;

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "DC-002",
    suite: Suite::DataCompliance,
    title_zh: "存证记录字段完整且格式规范",
    title_en: "Deposit receipt has a complete, well-formed set of fields",
    advice_zh: "存证回执包含规范要求的全部字段，且各字段格式正确。",
    advice_en: "Return receipts with every field the profile requires, each in a valid form.",
    clauses: &[
        Clause {
            source: "在线诉讼规则 (2021) Art. 17(4): information verification",
            zh: "人民法院在线诉讼规则（2021）第十七条第（四）项：信息核验",
            provenance: Provenance::Known,
        },
        Clause {
            source: "Field sets of Tianping-connected deposit APIs (tx_id, tx_time, timestamp_tsa, tianping_tx)",
            zh: "天平链接入存证接口的字段集合（tx_id、tx_time、timestamp_tsa、tianping_tx）",
            provenance: Provenance::Verified,
        },
    ],
    tianping_clause: None,
    severity: Severity::High,
    weight: 3,
    mode: Mode::Remote,
    active: false,
    faults: &["receipt-missing-tianping-tx"],
    thresholds: &[RECEIPT_SIGNATURE_REQUIRED],
};

pub const CHECK: CheckDef =
    CheckDef::remote(META, |ctx| Box::pin(run(ctx))).with_package(PackageCheck {
        judge: judge_record,
        what: "receipts",
        accounts_for_records: true,
    });

#[derive(Clone, Copy)]
enum Form {
    NonEmpty,
    Hex64,
    Integer,
    Time,
    Base64,
}

/// How much a field is needed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Need {
    /// Must be present and well-formed.
    Required,
    /// Judged for form when present.
    IfPresent,
    /// One of the fields of this group must be present; each present one well-formed.
    OneOf(&'static str),
}

const FIELDS: [(&str, Form, Need); 10] = [
    ("evidence_id", Form::NonEmpty, Need::Required),
    ("file_hash", Form::Hex64, Need::Required),
    ("hash_algorithm", Form::NonEmpty, Need::IfPresent),
    ("tx_id", Form::Hex64, Need::Required),
    ("block_height", Form::Integer, Need::OneOf("the block")),
    ("block_hash", Form::Hex64, Need::OneOf("the block")),
    ("tx_time", Form::Time, Need::Required),
    ("tianping_tx", Form::NonEmpty, Need::Required),
    ("timestamp_tsa", Form::Base64, Need::Required),
    ("receipt_signature", Form::Base64, Need::IfPresent),
];

/// What is wrong with one field's value, in English and Chinese.
fn problem(value: Option<&Value>, form: &Form) -> Option<(&'static str, &'static str)> {
    use base64::Engine;
    let Some(value) = value else {
        return Some(("absent", "缺失"));
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
        Form::NonEmpty => ("empty", "为空"),
        Form::Hex64 => ("not 64 lowercase hex characters", "不是 64 位十六进制字符"),
        Form::Integer => ("not an unsigned integer", "不是无符号整数"),
        Form::Time => (
            "not an RFC 3339 time with zone or epoch milliseconds",
            "不是带时区的 RFC 3339 时间或毫秒时间戳",
        ),
        Form::Base64 => ("not base64", "不是 base64 编码"),
    })
}

async fn run(ctx: &Ctx) -> Result<Verdict, tianping_engine::CheckError> {
    // A deposit that never completes is this check's finding (not a refusal, and not a reason
    // to give up): the receipt it should produce does not exist.
    let (ex, receipt) = match common::deposit(ctx, &common::lab_content(ctx, "DC-002")).await {
        Err(e @ tianping_engine::CheckError::Incomplete { .. }) => {
            return Ok(Verdict::fail(format!("no complete receipt: {e}"))
                .zh(format!("没有完整的回执：{e}")));
        }
        other => other?,
    };
    let signature_required = ctx.config.thresholds.unsigned(&RECEIPT_SIGNATURE_REQUIRED) == 1;
    let failures = problems_of(
        &ctx.fields,
        &receipt,
        ctx.config.architecture.local_chain,
        signature_required,
    );
    // Nothing at all where the map points is a field-map problem, not evidence against the
    // platform: say so instead of reporting ten nonconformities.
    if FIELDS
        .iter()
        .all(|(field, _, _)| ctx.fields.get(&receipt, field).is_none())
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
        Verdict::pass("every required receipt field present, and every field present well-formed")
            .zh("回执必填字段齐全，所有字段格式正确")
    } else {
        let en: Vec<&str> = failures.iter().map(|p| p.en.as_str()).collect();
        let zh: Vec<&str> = failures.iter().map(|p| p.zh.as_str()).collect();
        Verdict::fail(format!(
            "receipt fields missing or malformed: {}",
            en.join("; ")
        ))
        .zh(format!("回执字段缺失或格式错误：{}", zh.join("；")))
    };
    Ok(verdict
        .with("receipt", ex.excerpt())
        .with_threshold("receipt_signature_required", u8::from(signature_required)))
}

/// Fields only a platform with a chain of its own has.
const LOCAL_CHAIN_FIELDS: [&str; 3] = ["tx_id", "block_height", "block_hash"];

/// What is wrong with a receipt: a required field absent, a group with none of its fields,
/// or a present field malformed. Without a local chain, its chain fields are not required.
fn problems_of(
    fields: &FieldMap,
    receipt: &Value,
    local_chain: bool,
    signature_required: bool,
) -> Vec<Problem> {
    let applies = |field: &&str| local_chain || !LOCAL_CHAIN_FIELDS.contains(field);
    let mut problems = Vec::new();
    let mut groups_seen: Vec<(&str, bool, Vec<String>)> = Vec::new();
    for (field, form, need) in FIELDS.iter().filter(|(f, _, _)| applies(f)) {
        let need = match (*field, need) {
            ("receipt_signature", _) if signature_required => Need::Required,
            (_, need) => *need,
        };
        let value = fields.get(receipt, field);
        let at = || format!("{field} (at {})", fields.pointer(field));
        match (value.as_deref(), need) {
            (None, Need::Required) => problems.push(Problem::new(
                format!("{}: absent", at()),
                format!("{}：缺失", at()),
            )),
            (None, Need::IfPresent) => {}
            (None, Need::OneOf(group)) => match groups_seen.iter_mut().find(|g| g.0 == group) {
                Some(g) => g.2.push(at()),
                None => groups_seen.push((group, false, vec![at()])),
            },
            (Some(v), need) => {
                if let Need::OneOf(group) = need {
                    match groups_seen.iter_mut().find(|g| g.0 == group) {
                        Some(g) => g.1 = true,
                        None => groups_seen.push((group, true, Vec::new())),
                    }
                }
                if let Some((p, p_zh)) = problem(Some(v), form) {
                    problems.push(Problem::new(
                        format!("{}: {p}", at()),
                        format!("{}：{p_zh}", at()),
                    ));
                }
            }
        }
    }
    for (group, present, absent) in groups_seen {
        if !present {
            problems.push(Problem::new(
                format!("{group}: none of {} present", absent.join(", ")),
                format!("{group}：{} 均缺失", absent.join("、")),
            ));
        }
    }
    problems
}

fn judge_record(info: &PackageInfo, record: &Record) -> Judgement {
    match record.receipt() {
        Ok(receipt) => Judgement::from_problems(problems_en(&problems_of(
            &info.fields,
            receipt,
            true,
            info.config.thresholds.unsigned(&RECEIPT_SIGNATURE_REQUIRED) == 1,
        ))),
        Err(e) => Judgement::Nonconforming(e),
    }
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
