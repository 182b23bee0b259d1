//! BC-008 (manual) — A node stopped for at least ten block intervals and restarted catches up to the same height
//! and hash. Cooperative: the lab records it.

use tianping_engine::{CheckDef, CheckMeta, Clause, Mode, Provenance, Severity, Suite};

pub const CHECK: CheckDef = CheckDef::manual(CheckMeta {
    id: "BC-008",
    suite: Suite::BlockchainSecurity,
    title_zh: "节点故障恢复与同步",
    title_en: "Failover and resync",
    advice_zh: "提供节点故障后恢复并同步到相同链头的演练记录，修复同步缺陷。",
    advice_en: "Provide a drill record of a failed node recovering and resynchronising to the same head, and fix any resync defect.",
    clauses: &[Clause {
        source: "CCID indicators: a node restarted after ≥ 10 block intervals catches up",
        zh: "赛迪（CCID）评测指标：节点停止 10 个以上出块间隔后重启能追上最新区块",
        provenance: Provenance::Verified,
    }],
    tianping_clause: None,
    severity: Severity::Medium,
    weight: 2,
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
