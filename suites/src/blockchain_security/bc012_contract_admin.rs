//! BC-012 (manual) — Admin and upgrade methods called from a non-admin account are refused. The profile has no
//! contract endpoint yet, so the lab records what it observed on the applicant's test net.

use tianping_engine::check::manual;
use tianping_engine::{CheckDef, CheckMeta, Clause, Mode, Provenance, Severity, Suite};

pub const CHECK: CheckDef = CheckDef {
    meta: CheckMeta {
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
        mode: Mode::Manual,
        active: false,
        fault: "",
    },
    run: manual,
    package: None,
};
