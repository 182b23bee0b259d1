//! SS-011 — The audit log records what the harness itself just did — a failed login (a name
//! made up for the run), a successful login, a deposit, a verification and a download — each
//! with its time, user, event, outcome and source address. Read through the platform's audit
//! export (docs/profile.md §4.11); a platform without one is inconclusive here, and the lab's
//! record for SS-011 (its review of the log with the applicant) decides it instead.

use serde_json::{Value, json};
use tianping_engine::fields::FieldMap;
use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite, Verdict,
};

use crate::common;
use tianping_engine::{Operation, Refusal};

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "SS-011",
    suite: Suite::SystemSecurity,
    title_zh: "审计记录内容完整",
    title_en: "Audit records name time, user, event, outcome and source",
    advice_zh: "审计记录包含时间、用户、事件类型、结果与来源地址。",
    advice_en: "Make audit records name time, user, event type, outcome and source address.",
    clauses: &[Clause {
        source: "GB/T 22239-2019 8.1.4.3 a)/b) audit coverage and record content",
        zh: "GB/T 22239-2019 8.1.4.3 a)/b) 审计覆盖范围与审计记录内容",
        provenance: Provenance::Verified,
    }],
    tianping_clause: None,
    severity: Severity::High,
    weight: 3,
    mode: Mode::Remote,
    active: false,
    faults: &["audit-incomplete"],
    thresholds: &[],
};

pub const CHECK: CheckDef = CheckDef::remote(META, |ctx| Box::pin(run(ctx)));

/// One action of the harness the log must show.
struct Expected {
    what: String,
    event: &'static str,
    outcome: &'static str,
    /// The user or the object the entry names.
    names: String,
}

/// The entry recording `e`, if any, and what it lacks.
fn find<'a>(
    fields: &FieldMap,
    entries: &'a [Value],
    e: &Expected,
) -> Option<(&'a Value, Vec<&'static str>)> {
    let text = |v: &Value, f: &str| {
        fields
            .opt_str(v, f)
            .ok()
            .flatten()
            .map(|s| s.into_owned())
            .unwrap_or_default()
    };
    let entry = entries.iter().find(|v| {
        text(v, "audit_event").eq_ignore_ascii_case(e.event)
            && text(v, "audit_outcome").eq_ignore_ascii_case(e.outcome)
            && (text(v, "audit_user") == e.names || text(v, "audit_object") == e.names)
    })?;
    let lacking = [
        "audit_time",
        "audit_user",
        "audit_event",
        "audit_outcome",
        "audit_source",
    ]
    .into_iter()
    .filter(|f| text(entry, f).trim().is_empty())
    .collect();
    Some((entry, lacking))
}

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let probe_user = format!("tp-audit-{}", &ctx.nonce()[..12]);
    common::login(ctx, &probe_user, "not-the-password")
        .send()
        .await?;
    common::console_login(ctx).await?;
    let (_, receipt) = common::deposit(ctx, &common::lab_content(ctx, "SS-011")).await?;
    let id = ctx.fields.str(&receipt, "evidence_id")?.to_string();
    let file_hash = ctx.fields.str(&receipt, "file_hash")?.to_string();
    ctx.call(Operation::Verify)
        .param("evidence_id", id.as_str())
        .json(json!({"file_hash": file_hash}))
        .send()
        .await?;
    ctx.call(Operation::Original)
        .param("evidence_id", id.as_str())
        .send()
        .await?;
    let not_offered = |detail: String| CheckError::NotOffered {
        what: "audit export: the lab reviews the log with the applicant".into(),
        detail,
    };
    if !ctx.offers(Operation::Audit) {
        return Err(not_offered("the adapter maps no `audit` operation".into()));
    }
    let export = ctx.call(Operation::Audit).send().await?;
    if ctx.answer(&export).is_refusal_of(Refusal::NotFound) {
        return Err(not_offered(format!(
            "{} {} answered {}",
            export.method,
            export.path,
            ctx.answer(&export)
        )));
    }
    let doc = ctx.success_json(&export)?;
    let entries = ctx
        .fields
        .raw(&doc, "audit_entries")
        .and_then(Value::as_array)
        .cloned()
        .ok_or_else(|| CheckError::Field {
            field: "audit_entries".into(),
            detail: "not a list of entries".into(),
        })?;
    let expected = [
        Expected {
            what: "failed login".into(),
            event: "login",
            outcome: "failure",
            names: probe_user.clone(),
        },
        Expected {
            what: "successful login".into(),
            event: "login",
            outcome: "success",
            names: ctx.credentials.username.clone(),
        },
        Expected {
            what: "deposit".into(),
            event: "deposit",
            outcome: "success",
            names: id.clone(),
        },
        Expected {
            what: "verification".into(),
            event: "verify",
            outcome: "success",
            names: id.clone(),
        },
        Expected {
            what: "download".into(),
            event: "download",
            outcome: "success",
            names: id.clone(),
        },
    ];
    let mut failures = Vec::new();
    let mut found = Vec::new();
    for e in &expected {
        match find(&ctx.fields, &entries, e) {
            None => failures.push(format!("no audit entry for the {} ({})", e.what, e.names)),
            Some((_, lacking)) if !lacking.is_empty() => failures.push(format!(
                "the entry for the {} lacks {}",
                e.what,
                lacking.join(", ")
            )),
            Some((entry, _)) => found.push(format!("{}: {entry}", e.what)),
        }
    }
    let mut verdict = Verdict::from_samples(
        expected.len() as u64,
        &failures,
        (
            "actions of this run found in the audit log",
            "本次运行的操作（应记入审计日志）",
        ),
    )
    .with("entries exported", entries.len().to_string());
    for f in found {
        verdict = verdict.with("entry", f);
    }
    Ok(verdict)
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
