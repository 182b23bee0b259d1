//! SS-009 — Object-level access control: a second depositor account cannot read, download or
//! verify against the first account's evidence. Each attempt must be refused (403) or answered
//! as if the evidence did not exist (404); the second account's own evidence stays readable,
//! so a refusal is not just a broken key.

use serde_json::json;
use tianping_engine::{
    Account, CheckDef, CheckError, CheckMeta, Clause, Ctx, Method, Mode, Provenance, Severity,
    Suite, Verdict,
};

use crate::common::{self, paths};

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "SS-009",
    suite: Suite::SystemSecurity,
    title_zh: "对象级访问控制",
    title_en: "One account cannot reach another account's evidence",
    clauses: &[Clause {
        source: "GB/T 22239-2019 8.1.4.2 a)/e)/f) access control at user and record granularity",
        provenance: Provenance::Verified,
    }],
    tianping_clause: None,
    severity: Severity::Critical,
    weight: 4,
    mode: Mode::Remote,
    active: false,
    faults: &["object-access-unchecked"],
    thresholds: &[],
};

pub const CHECK: CheckDef = CheckDef::remote(META, |ctx| Box::pin(run(ctx)));

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    if !ctx.has_account(Account::Second) {
        return Err(CheckError::Config(format!(
            "no second depositor account: set {} and {}",
            ctx.config.credentials.second_api_key_id_env,
            ctx.config.credentials.second_api_secret_env
        )));
    }
    let (_, receipt) = common::deposit(ctx, &common::lab_content(ctx, "SS-009")).await?;
    let id = ctx.fields.str(&receipt, "evidence_id")?;
    let file_hash = ctx.fields.str(&receipt, "file_hash")?;
    // The second account's own deposit, read back: its key works.
    let own_body = common::deposit_body(ctx, &common::lab_content(ctx, "SS-009 second account"));
    let own = ctx
        .signed_as(
            Account::Second,
            Method::POST,
            paths::EVIDENCE,
            Some(&own_body),
        )
        .await?;
    tianping_engine::context::expect_success(&own)?;
    let own_id = ctx.fields.str(&own.json()?, "evidence_id")?.to_string();
    let own_read = ctx
        .signed_as(
            Account::Second,
            Method::GET,
            &paths::evidence(&own_id),
            None,
        )
        .await?;
    if !own_read.is_success() {
        return Err(CheckError::NoControl {
            control: "the second account reading its own receipt".into(),
            answer: own_read.excerpt(),
        });
    }
    let evidence = paths::evidence(id);
    let verify_body = json!({"file_hash": file_hash});
    let probes = [
        ("receipt", Method::GET, evidence.clone(), None),
        (
            "original",
            Method::GET,
            format!("{evidence}/original"),
            None,
        ),
        (
            "deposit certificate",
            Method::GET,
            format!("{evidence}/certificate"),
            None,
        ),
        (
            "verify",
            Method::POST,
            paths::verify(id),
            Some(&verify_body),
        ),
    ];
    let mut failures = Vec::new();
    let mut answers = Vec::new();
    for (what, method, path, body) in &probes {
        let ex = ctx
            .signed_as(Account::Second, method.clone(), path, *body)
            .await?;
        answers.push(format!("{what}: HTTP {}", ex.status));
        if ![403, 404].contains(&ex.status) {
            failures.push(format!(
                "{method} {path} ({what}) as the second account answered HTTP {} ({} bytes)",
                ex.status,
                ex.body.len()
            ));
        }
    }
    Ok(Verdict::from_probes(
        probes.len() as u64,
        &failures,
        "requests for another account's evidence refused",
    )
    .with("answers", answers.join("; ")))
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
