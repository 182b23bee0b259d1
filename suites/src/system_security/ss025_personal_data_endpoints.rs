//! SS-025 — Endpoints that serve personal information (the receipt names the depositor, the
//! original and the deposit certificate are the depositor's data, the account certificate
//! names the organisation) answer nothing to a request without credentials.

use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite, Verdict,
};

use crate::common::{self, paths};

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "SS-025",
    suite: Suite::SystemSecurity,
    title_zh: "个人信息接口访问受控",
    title_en: "Personal-information endpoints refuse unauthenticated requests",
    clauses: &[
        Clause {
            source: "GB/T 22239-2019 8.1.4.11 a)/b) personal information collected and used only as authorised",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "个人信息保护法 第五十一条: access control for personal information",
            provenance: Provenance::Known,
        },
    ],
    tianping_clause: None,
    severity: Severity::High,
    weight: 3,
    mode: Mode::Remote,
    active: false,
    faults: &["receipt-readable-unauthenticated"],
    thresholds: &[],
};

pub const CHECK: CheckDef = CheckDef::remote(META, |ctx| Box::pin(run(ctx)));

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let (_, receipt) = common::deposit(ctx, &common::lab_content(ctx, "SS-025")).await?;
    let id = ctx.fields.str(&receipt, "evidence_id")?;
    let evidence = paths::evidence(id);
    let endpoints = [
        ("receipt", evidence.clone()),
        ("original", format!("{evidence}/original")),
        ("deposit certificate", format!("{evidence}/certificate")),
        (
            "account certificate",
            paths::ACCOUNT_CERTIFICATE.to_string(),
        ),
    ];
    let mut failures = Vec::new();
    let mut answers = Vec::new();
    for (what, path) in &endpoints {
        // No signature headers: what anyone on the network could ask.
        let ex = ctx.get(path).await?;
        answers.push(format!("{what}: HTTP {}", ex.status));
        if ex.is_success() {
            failures.push(format!(
                "GET {path} ({what}) without credentials answered HTTP {} with {} bytes",
                ex.status,
                ex.body.len()
            ));
        }
    }
    Ok(Verdict::from_probes(
        endpoints.len() as u64,
        &failures,
        "unauthenticated requests refused",
    )
    .with("answers", answers.join("; ")))
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
