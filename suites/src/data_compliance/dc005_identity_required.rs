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
    clauses: &[
        Clause {
            source: "区块链信息服务管理规定 (CAC 2019): real-name authentication of users",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "Hangzhou Internet Court API: Identity requires certType/certName/certNo",
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
/// and reports whether the platform refused it.
pub async fn refuses_with_depositor(
    ctx: &Ctx,
    purpose: &str,
    depositor: Value,
) -> Result<(bool, String), CheckError> {
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
    Ok((common::refused(ctx, &ex), ex.excerpt()))
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
        "deposits without a full identity refused",
    )
    .await
}

/// Deposits once per `(label, depositor)` case; the verdict passes when every one is refused.
pub async fn refusal_verdict(
    ctx: &Ctx,
    purpose: &str,
    cases: Vec<(&str, Value)>,
    what: &str,
) -> Result<Verdict, CheckError> {
    let mut failures = Vec::new();
    let mut lines = Vec::new();
    for (label, depositor) in cases {
        let (refused, excerpt) = refuses_with_depositor(ctx, purpose, depositor).await?;
        if !refused {
            failures.push(format!("{label}: accepted"));
        }
        lines.push((label, excerpt));
    }
    let mut verdict = Verdict::from_probes(lines.len() as u64, &failures, what);
    for (k, v) in lines {
        verdict = verdict.with(k, v);
    }
    Ok(verdict)
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
