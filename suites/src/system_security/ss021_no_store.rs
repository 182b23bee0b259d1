//! SS-021 (caching) — Responses that carry evidence receipts are marked
//! `Cache-Control: no-store`, so no browser or proxy keeps a copy after the session ends.

use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite, Verdict,
};

use crate::common;

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "SS-021",
    suite: Suite::SystemSecurity,
    title_zh: "敏感响应禁止缓存",
    title_en: "Sensitive responses are not cached",
    advice_zh: "对含敏感信息的响应设置 Cache-Control: no-store。",
    advice_en: "Send Cache-Control: no-store on responses that carry sensitive data.",
    clauses: &[
        Clause {
            source: "GB/T 22239-2019 8.1.4.10 a)/b) residual information protection",
            zh: "GB/T 22239-2019 8.1.4.10 a)/b) 剩余信息保护",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "Cache-Control: no-store on authenticated evidence responses",
            zh: "经认证的存证应答须带 Cache-Control: no-store",
            provenance: Provenance::Policy,
        },
    ],
    tianping_clause: None,
    severity: Severity::Medium,
    weight: 2,
    mode: Mode::Remote,
    active: false,
    faults: &["cache-control-missing"],
    thresholds: &[],
};

pub const CHECK: CheckDef = CheckDef::remote(META, |ctx| Box::pin(run(ctx)));

fn has_no_store(ex: &tianping_engine::http::Exchange) -> bool {
    ex.header("cache-control").is_some_and(|v| {
        v.split(',')
            .any(|d| d.trim().eq_ignore_ascii_case("no-store"))
    })
}

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let (deposit, receipt) = common::deposit(ctx, &common::lab_content(ctx, "SS-021")).await?;
    let id = ctx.fields.str(&receipt, "evidence_id")?;
    let (fetched, _) = common::receipt(ctx, &id).await?;
    let mut failures = Vec::new();
    for (what, ex) in [("deposit response", &deposit), ("receipt fetch", &fetched)] {
        if !has_no_store(ex) {
            failures.push(format!(
                "{what} {} {}: Cache-Control is {:?}",
                ex.method,
                ex.path,
                ex.header("cache-control").unwrap_or("absent")
            ));
        }
    }
    Ok(
        Verdict::from_samples(2, &failures, ("sensitive responses", "敏感应答"))
            .with(
                "deposit Cache-Control",
                deposit.header("cache-control").unwrap_or("absent"),
            )
            .with(
                "receipt Cache-Control",
                fetched.header("cache-control").unwrap_or("absent"),
            ),
    )
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
