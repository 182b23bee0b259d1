//! SS-002 (manual) — Passwords expire within the lab's maximum age (90 days by default, a lab threshold): the lab
//! reads the password policy configuration or ages a test account's password, and records the
//! configured expiry and the screenshot or configuration file it saw.

use tianping_engine::{CheckDef, CheckMeta, Clause, Mode, Provenance, Severity, Suite};

pub const CHECK: CheckDef = CheckDef::manual(CheckMeta {
    id: "SS-002",
    suite: Suite::SystemSecurity,
    title_zh: "口令定期更换",
    title_en: "Passwords are changed periodically",
    advice_zh: "设置口令有效期（不超过阈值），到期强制更换。",
    advice_en: "Set a password lifetime within the threshold and force a change when it ends.",
    clauses: &[
        Clause {
            source: "GB/T 22239-2019 8.1.4.1 a) passwords complex and changed periodically",
            zh: "GB/T 22239-2019 8.1.4.1 a) 身份鉴别信息具有复杂度要求并定期更换",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "password expiry ≤ 90 days",
            zh: "口令有效期不超过 90 天",
            provenance: Provenance::Policy,
        },
    ],
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
