//! SS-017 (manual) — No unpatched high-risk vulnerability: the lab runs its vulnerability scanner against the
//! in-scope hosts and records the report and its high-risk findings.

use tianping_engine::{CheckDef, CheckMeta, Clause, Mode, Provenance, Severity, Suite};

pub const CHECK: CheckDef = CheckDef::manual(CheckMeta {
    id: "SS-017",
    suite: Suite::SystemSecurity,
    title_zh: "已知漏洞已修补",
    title_en: "Known high-risk vulnerabilities are patched",
    advice_zh: "及时修补已知高危漏洞，并提供漏洞扫描与修复记录。",
    advice_en: "Patch known high-risk vulnerabilities promptly, with scan and fix records.",
    clauses: &[Clause {
        source: "GB/T 22239-2019 8.1.4.4 e) known vulnerabilities found and patched in time",
        zh: "GB/T 22239-2019 8.1.4.4 e) 发现可能存在的已知漏洞并及时修补",
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
