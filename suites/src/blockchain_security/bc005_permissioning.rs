//! BC-005 (manual) — A transaction signed by an unregistered key is refused, and a node cannot join without CA
//! approval. Needs the applicant's test network: the lab records what it observed.

use tianping_engine::check::manual;
use tianping_engine::{CheckDef, CheckMeta, Clause, Mode, Provenance, Severity, Suite};

pub const CHECK: CheckDef = CheckDef {
    meta: CheckMeta {
        id: "BC-005",
        suite: Suite::BlockchainSecurity,
        title_zh: "联盟链准入控制",
        title_en: "The network is permissioned",
        clauses: &[
            Clause {
                source: "JR/T 0193-2020 §6.8/§8.8 membership and identity",
                provenance: Provenance::Verified,
            },
            Clause {
                source: "CCID indicators: adding a node without authentication must fail",
                provenance: Provenance::Verified,
            },
        ],
        tianping_clause: None,
        severity: Severity::Critical,
        weight: 4,
        mode: Mode::Manual,
        active: false,
        fault: "",
    },
    run: manual,
    package: None,
};
