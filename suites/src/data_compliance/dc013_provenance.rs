//! DC-013 (manual) — Each deposit records where the data came from: source, generation mechanism, operator,
//! capture IP and capture time (device ids and location optional or declared not applicable).
//! Decided by the lab from the applicant's capture records until the package mode reads them.

use tianping_engine::check::manual;
use tianping_engine::{CheckDef, CheckMeta, Clause, Mode, Provenance, Severity, Suite};

pub const CHECK: CheckDef = CheckDef {
    meta: CheckMeta {
        id: "DC-013",
        suite: Suite::DataCompliance,
        title_zh: "上链前数据来源信息完整",
        title_en: "Pre-chain provenance is recorded",
        clauses: &[
            Clause {
                source: "在线诉讼规则 (2021) Art. 18: source, generation mechanism, storage of pre-chain data",
                provenance: Provenance::Known,
            },
            Clause {
                source: "Hangzhou Internet Court API NotaryMeta/Location fields (ip required)",
                provenance: Provenance::Verified,
            },
        ],
        tianping_clause: None,
        severity: Severity::Medium,
        weight: 2,
        mode: Mode::Manual,
        active: false,
        fault: "",
    },
    run: manual,
    package: None,
};
