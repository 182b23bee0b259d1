//! SS-015 (manual) — The administration console is not reachable, or refuses, from an address outside the
//! applicant's whitelist. The lab tries it from its own network and records the answer.

use tianping_engine::{CheckDef, CheckMeta, Clause, Mode, Provenance, Severity, Suite};

pub const CHECK: CheckDef = CheckDef::manual(CheckMeta {
    id: "SS-015",
    suite: Suite::SystemSecurity,
    title_zh: "管理终端接入地址限制",
    title_en: "Management access is restricted by source address",
    advice_zh: "限制管理终端的接入地址或网段。",
    advice_en: "Restrict management access to declared source addresses or networks.",
    clauses: &[Clause {
        source: "GB/T 22239-2019 8.1.4.4 c) management terminals restricted by address or network",
        zh: "GB/T 22239-2019 8.1.4.4 c) 通过网络地址范围等方式限制管理终端",
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
