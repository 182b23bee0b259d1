//! SS-011 (manual) — The audit log records the harness's own actions of this run (logins that succeeded and
//! failed, deposits, verifications, downloads) with date and time, user, event type, outcome
//! and source address. The lab exports the log after the run and records the entries it found.

use tianping_engine::check::manual;
use tianping_engine::{CheckDef, CheckMeta, Clause, Mode, Provenance, Severity, Suite};

pub const CHECK: CheckDef = CheckDef {
    meta: CheckMeta {
        id: "SS-011",
        suite: Suite::SystemSecurity,
        title_zh: "审计记录内容完整",
        title_en: "Audit records name time, user, event, outcome and source",
        clauses: &[Clause {
            source: "GB/T 22239-2019 8.1.4.3 a)/b) audit coverage and record content",
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
    certs: None,
};
