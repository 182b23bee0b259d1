//! DC-005 — A deposit needs the depositor's real-name identity: one with no identity block, a
//! name without an ID number, or an ID number without a name is refused, and no transaction
//! is created for it.

use serde_json::Value;
use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite, Verdict,
};

use crate::common;

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "DC-005",
    suite: Suite::DataCompliance,
    title_zh: "存证须提供实名身份",
    title_en: "Depositor real-name identity is required",
    advice_zh: "拒绝缺少实名身份信息的存证请求，并返回明确的错误。",
    advice_en: "Refuse deposits without the depositor's real-name identity, with a clear error.",
    clauses: &[
        Clause {
            source: "区块链信息服务管理规定 (CAC 2019): real-name authentication of users",
            zh: "区块链信息服务管理规定（国家网信办 2019）：用户真实身份信息认证",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "Hangzhou Internet Court API: Identity requires certType/certName/certNo",
            zh: "杭州互联网法院接口：Identity 须含 certType/certName/certNo",
            provenance: Provenance::Verified,
        },
    ],
    tianping_clause: None,
    severity: Severity::High,
    weight: 3,
    mode: Mode::Remote,
    active: false,
    faults: &["identity-optional"],
    thresholds: &[],
};

pub const CHECK: CheckDef = CheckDef::remote(META, |ctx| Box::pin(run(ctx)));

/// Deposits `content` with the depositor block replaced by `depositor` (removed when null)
/// and reports how the platform answered.
pub async fn deposit_with_depositor(
    ctx: &Ctx,
    purpose: &str,
    depositor: Value,
) -> Result<(common::DepositAnswer, String), CheckError> {
    let mut body = common::deposit_body(ctx, &common::lab_content(ctx, purpose));
    match depositor {
        Value::Null => {
            body.as_object_mut()
                .expect("deposit body is an object")
                .remove("depositor");
        }
        d => body["depositor"] = d,
    }
    let ex = common::deposit_raw(ctx, &body).await?;
    Ok((common::deposit_answer(ctx, &ex), ex.excerpt()))
}

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let d = &ctx.config.deposit;
    let cases = vec![
        ("no identity block", Value::Null),
        (
            "name without ID number",
            serde_json::json!({"type": d.depositor_type, "name": d.depositor_name}),
        ),
        (
            "ID number without name",
            serde_json::json!({"type": d.depositor_type, "id_number": d.depositor_id_number}),
        ),
    ];
    refusal_verdict(
        ctx,
        "DC-005",
        cases,
        (
            "deposits without a full identity refused",
            "缺少完整身份的存证（应被拒绝）",
        ),
    )
    .await
}

/// Deposits once per `(label, depositor)` case; the verdict passes when every one is refused.
/// A control deposit with the lab's full, valid identity must be accepted first: a platform
/// that refuses everything proves nothing by refusing these. An answer that is neither an
/// acceptance nor a refusal (a server error, a 2xx without a transaction id) leaves its case
/// undecided, never passed.
pub async fn refusal_verdict(
    ctx: &Ctx,
    purpose: &str,
    cases: Vec<(&str, Value)>,
    what: (&str, &str),
) -> Result<Verdict, CheckError> {
    let (control, control_excerpt) = deposit_with_depositor(
        ctx,
        purpose,
        common::deposit_body(ctx, b"")["depositor"].clone(),
    )
    .await?;
    match control {
        common::DepositAnswer::Accepted => {}
        common::DepositAnswer::Refused => {
            return Err(CheckError::NoControl {
                control: "a deposit with the lab's full, valid identity".into(),
                answer: control_excerpt,
            });
        }
        common::DepositAnswer::Undecided(why) => {
            return Err(CheckError::NoControl {
                control: "a deposit with the lab's full, valid identity".into(),
                answer: format!("{why}: {control_excerpt}"),
            });
        }
    }
    let mut failures = Vec::new();
    let mut undecided = Vec::new();
    let mut lines = vec![("control, full identity", control_excerpt)];
    for (label, depositor) in cases {
        let (answer, excerpt) = deposit_with_depositor(ctx, purpose, depositor).await?;
        match answer {
            common::DepositAnswer::Refused => {}
            common::DepositAnswer::Accepted => failures.push(format!("{label}: accepted")),
            common::DepositAnswer::Undecided(why) => undecided.push(format!("{label}: {why}")),
        }
        lines.push((label, excerpt));
    }
    if failures.is_empty() && !undecided.is_empty() {
        return Err(CheckError::protocol(undecided.join("; ")));
    }
    let mut verdict = Verdict::from_probes((lines.len() - 1) as u64, &failures, what);
    for (k, v) in lines {
        verdict = verdict.with(k, v);
    }
    Ok(verdict)
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
