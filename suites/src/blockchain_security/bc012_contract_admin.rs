//! BC-012 — Contract administration is access-controlled: an upgrade call made with the lab's
//! ordinary (depositor) account is refused.

use serde_json::json;
use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Method, Mode, Provenance, Severity, Suite,
    Verdict,
};

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "BC-012",
    suite: Suite::BlockchainSecurity,
    title_zh: "合约管理方法访问控制",
    title_en: "Contract admin methods are access-controlled",
    clauses: &[Clause {
        source: "JR/T 0193-2020 §8.7 smart contract security",
        provenance: Provenance::Verified,
    }],
    tianping_clause: None,
    severity: Severity::High,
    weight: 3,
    mode: Mode::Remote,
    active: true,
    faults: &["contract-admin-open"],
    thresholds: &[],
};

pub const CHECK: CheckDef = CheckDef::remote(META, |ctx| Box::pin(run(ctx)));

const ADMIN: &str = "/api/v1/chain/contract/admin";

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    // A harmless request: the upgrade names no code, so even an open endpoint changes nothing.
    let body = json!({"method": "upgrade", "args": {"note": "tianping-harness BC-012 access-control probe"}});
    let ex = ctx.signed(Method::POST, ADMIN, Some(&body)).await?;
    let verdict = match ex.status {
        404 | 405 => Verdict::inconclusive(format!(
            "the platform exposes no contract administration endpoint ({ADMIN} → {}); record a lab verdict",
            ex.status
        )),
        s if (200..300).contains(&s) => Verdict::fail(format!(
            "an admin method answered the lab's non-admin account (HTTP {s})"
        )),
        401 | 403 => Verdict::pass(format!(
            "the admin method refused the non-admin account (HTTP {})",
            ex.status
        )),
        s => Verdict::inconclusive(format!("unexpected answer HTTP {s} to an admin call")),
    };
    Ok(verdict.with("admin call", ex.excerpt()))
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
