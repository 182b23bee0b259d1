//! BC-011 (manual) — The deployed contract's bytecode hash equals the audited build, and its methods have no delete
//! or overwrite path (or updates keep history). Needs the audit report and bytecode: the lab
//! records its verdict.

use tianping_engine::{CheckDef, CheckMeta, Clause, Mode, Provenance, Severity, Suite};

pub const CHECK: CheckDef = CheckDef::manual(CheckMeta {
    id: "BC-011",
    suite: Suite::BlockchainSecurity,
    title_zh: "存证合约不可静默改写",
    title_en: "Deposit contracts cannot silently rewrite evidence",
    advice_zh: "存证合约不提供删除或覆盖方法，更新须保留历史；提供与审计源码一致的合约字节码哈希。",
    advice_en: "Give deposit contracts no delete or overwrite method (updates keep history) and provide a bytecode hash matching the audited source.",
    clauses: &[
        Clause {
            source: "JR/T 0193-2020 §6.3/§8.7 smart contracts",
            zh: "JR/T 0193-2020 §6.3/§8.7 智能合约",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "ChainMaker CMEVI evidence-contract standard (history kept)",
            zh: "长安链 CMEVI 存证合约标准（保留历史版本）",
            provenance: Provenance::Verified,
        },
    ],
    tianping_clause: None,
    severity: Severity::High,
    weight: 3,
    mode: Mode::Manual,
    active: false,
    faults: &[],
    thresholds: &[],
})
.with_applies(crate::common::needs_local_chain);

#[cfg(test)]
mod manual_tests {
    crate::testing::manual_tests!(super::CHECK);
}
