//! SS-012 (manual) — Audit records are tamper-evident (hash chain or SM2 signature) and an ordinary administrator
//! cannot delete them. The lab exports the log twice, compares the exports, attempts a deletion
//! with the applicant, and records what it saw.

use tianping_engine::{CheckDef, CheckMeta, Clause, Mode, Provenance, Severity, Suite};

pub const CHECK: CheckDef = CheckDef::manual(CheckMeta {
    id: "SS-012",
    suite: Suite::SystemSecurity,
    title_zh: "审计记录防篡改",
    title_en: "Audit records are protected against change and deletion",
    advice_zh: "对审计记录采取防篡改措施（哈希链或SM2签名），并禁止普通管理员删除。",
    advice_en: "Protect audit records against change (hash chain or SM2 signature) and deletion by ordinary administrators.",
    clauses: &[
        Clause {
            source: "GB/T 22239-2019 8.1.4.3 c)/d) audit records protected and backed up",
            zh: "GB/T 22239-2019 8.1.4.3 c)/d) 审计记录受到保护并定期备份",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "GB/T 39786-2021 8.3 d) integrity of logs (宜)",
            zh: "GB/T 39786-2021 8.3 d) 日志记录的完整性（宜）",
            provenance: Provenance::Verified,
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
