//! DC-014 (manual) — Deposit records stay available for the promised evidence period, and user-content and log
//! records are kept at least six months. Needs the retention policy and the oldest records: the
//! lab records its verdict.

use tianping_engine::{CheckDef, CheckMeta, Clause, Mode, Provenance, Severity, Suite};

pub const CHECK: CheckDef = CheckDef::manual(CheckMeta {
    id: "DC-014",
    suite: Suite::DataCompliance,
    title_zh: "存证记录与日志留存",
    title_en: "Records and logs are retained",
    advice_zh: "存证记录与日志按规定期限留存，并提供留存策略与抽查记录。",
    advice_en: "Retain deposit records and logs for the required period, with the policy and a spot-check record.",
    clauses: &[
        Clause {
            source: "区块链信息服务管理规定 (CAC 2019): logs and backups kept at least 6 months",
            zh: "区块链信息服务管理规定（国家网信办 2019）：日志与备份保存不少于 6 个月",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "网络安全法 Art. 21(3): network logs kept at least 6 months",
            zh: "网络安全法 第二十一条第（三）项：网络日志留存不少于六个月",
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
