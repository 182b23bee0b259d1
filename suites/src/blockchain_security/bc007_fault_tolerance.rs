//! BC-007 (manual) — On the applicant's n-node test net, with f nodes stopped deposits still finalise and live nodes
//! agree; with f+1 stopped the system halts safely with no fork. Cooperative: the lab records it.

use tianping_engine::{CheckDef, CheckMeta, Clause, Mode, Provenance, Severity, Suite};

pub const CHECK: CheckDef = CheckDef::manual(CheckMeta {
    id: "BC-007",
    suite: Suite::BlockchainSecurity,
    title_zh: "共识容错",
    title_en: "Consensus tolerates faults",
    advice_zh: "按共识算法的容错上限部署节点，并提供停止节点后链仍出块的测试记录。",
    advice_en: "Deploy enough nodes for the consensus algorithm's fault tolerance and provide a record of the chain producing blocks with nodes stopped.",
    clauses: &[
        Clause {
            source: "CCID indicators: stop nodes in turn, transactions and consensus continue",
            zh: "赛迪（CCID）评测指标：轮流停止节点，交易与共识持续进行",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "BFT bound n ≥ 3f+1",
            zh: "拜占庭容错界限 n ≥ 3f+1",
            provenance: Provenance::Policy,
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
