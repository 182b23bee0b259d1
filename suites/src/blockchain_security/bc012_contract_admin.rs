//! BC-012 — Contract administration is access-controlled: an upgrade call made with the lab's
//! ordinary (depositor) account is refused.

use serde_json::json;
use tianping_engine::Operation;

use crate::common;
use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite, Verdict,
};

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "BC-012",
    suite: Suite::BlockchainSecurity,
    title_zh: "合约管理方法访问控制",
    title_en: "Contract admin methods are access-controlled",
    advice_zh: "合约管理与升级方法仅允许管理员账户调用，对其他账户返回拒绝。",
    advice_en: "Allow contract administration and upgrade methods to administrator accounts only; refuse every other caller.",
    clauses: &[Clause {
        source: "JR/T 0193-2020 §8.7 smart contract security",
        zh: "JR/T 0193-2020 §8.7 智能合约安全",
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

pub const CHECK: CheckDef =
    CheckDef::remote(META, |ctx| Box::pin(run(ctx))).with_applies(crate::common::needs_local_chain);

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    // A harmless request: the upgrade names no code, so even an open endpoint changes nothing.
    let body = json!({"method": "upgrade", "args": {"note": "tianping-harness BC-012 access-control probe"}});
    let probe = common::DenialProbe {
        operation: Operation::ChainAdmin,
        endpoint: "contract administration",
        endpoint_zh: "合约管理",
        request: "an admin call by the lab's non-admin account",
        request_zh: "测评机构非管理员账户发起的管理调用",
    };
    let (verdict, ex) = common::expect_denial(ctx, &probe, body).await?;
    Ok(verdict.with(
        "admin call",
        ex.map_or_else(|| "not sent".into(), |ex| ex.excerpt()),
    ))
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
