//! SS-022 (manual) — Local backup and recovery, real-time off-site backup, and hot standby of the key systems.
//! The lab reviews the backup records and a restore or failover drill and records them.

use tianping_engine::{CheckDef, CheckMeta, Clause, Mode, Provenance, Severity, Suite};

pub const CHECK: CheckDef = CheckDef::manual(CheckMeta {
    id: "SS-022",
    suite: Suite::SystemSecurity,
    title_zh: "数据备份与热冗余",
    title_en: "Backups, an off-site copy and hot redundancy exist",
    advice_zh: "建立本地与异地备份及热冗余，并提供恢复演练记录。",
    advice_en: "Keep local and off-site backups and hot redundancy, with a restore drill record.",
    clauses: &[Clause {
        source: "GB/T 22239-2019 8.1.4.9 a)–c) backup and recovery, off-site backup, hot redundancy",
        zh: "GB/T 22239-2019 8.1.4.9 a)–c) 数据备份与恢复、异地备份、热冗余",
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
