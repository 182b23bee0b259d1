//! SS-010 (manual) — System, audit and security administrators are distinct accounts, and each can do only its
//! own work (an audit administrator cannot change configuration). The lab reviews the role list
//! and tries one forbidden action per role with the applicant, and records the results.

use tianping_engine::{CheckDef, CheckMeta, Clause, Mode, Provenance, Severity, Suite};

pub const CHECK: CheckDef = CheckDef::manual(CheckMeta {
    id: "SS-010",
    suite: Suite::SystemSecurity,
    title_zh: "三权分立与最小权限",
    title_en: "Least privilege and separate system, audit and security administrators",
    advice_zh: "设置系统、审计、安全管理员并分离其权限，按最小权限授权。",
    advice_en: "Separate system, audit and security administrators and grant least privilege.",
    clauses: &[Clause {
        source: "GB/T 22239-2019 8.1.4.2 d) least privilege; 8.1.5.1–8.1.5.3 system, audit and security administration",
        zh: "GB/T 22239-2019 8.1.4.2 d) 最小权限；8.1.5.1–8.1.5.3 系统管理、审计管理和安全管理",
        provenance: Provenance::Verified,
    }],
    tianping_clause: None,
    severity: Severity::High,
    weight: 3,
    mode: Mode::Manual,
    active: false,
    faults: &[],
    thresholds: &[],
});

#[cfg(test)]
mod manual_tests {
    crate::testing::manual_tests!(super::CHECK);
}
