//! BC-014 (manual) — A backup restored to a new node reproduces the same head hash. Cooperative: the lab records it.

use tianping_engine::{CheckDef, CheckMeta, Clause, Mode, Provenance, Severity, Suite};

pub const CHECK: CheckDef = CheckDef::manual(CheckMeta {
    id: "BC-014",
    suite: Suite::BlockchainSecurity,
    title_zh: "账本备份与恢复",
    title_en: "Ledger backup and restore",
    advice_zh: "建立账本定期备份与恢复流程，并提供恢复演练记录。",
    advice_en: "Back up the ledger regularly, and provide a record of a restore drill.",
    clauses: &[Clause {
        source: "CCID indicators: ledger backup and restore",
        zh: "赛迪（CCID）评测指标：账本备份与恢复",
        provenance: Provenance::Verified,
    }],
    tianping_clause: None,
    severity: Severity::Medium,
    weight: 2,
    mode: Mode::Manual,
    active: false,
    faults: &[],
    thresholds: &[],
});

#[cfg(test)]
mod manual_tests {
    crate::testing::manual_tests!(super::CHECK);
}
