//! SS-018 (manual) — A scripted attack burst agreed with the applicant raises an alert that is logged. The lab
//! records the burst it ran and the alert the applicant showed.

use tianping_engine::{CheckDef, CheckMeta, Clause, Mode, Provenance, Severity, Suite};

pub const CHECK: CheckDef = CheckDef::manual(CheckMeta {
    id: "SS-018",
    suite: Suite::SystemSecurity,
    title_zh: "入侵检测与告警",
    title_en: "Intrusions are detected and alerted",
    advice_zh: "部署入侵检测，对严重入侵事件及时告警，并提供告警记录。",
    advice_en: "Detect intrusions and alert on serious ones, with alert records.",
    clauses: &[
        Clause {
            source: "GB/T 22239-2019 8.1.4.4 f) intrusion detection and alerting on serious intrusions",
            zh: "GB/T 22239-2019 8.1.4.4 f) 检测入侵行为并在发生严重入侵事件时报警",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "GB/T 22239-2019 8.1.3.3 intrusion prevention at the boundary",
            zh: "GB/T 22239-2019 8.1.3.3 边界入侵防范",
            provenance: Provenance::Known,
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
