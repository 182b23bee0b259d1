//! SS-013 (manual) — The oldest audit entry is at least six months old, or the system is younger and retention is
//! configured for six months. The lab queries the oldest entry and the retention setting and
//! records both.

use tianping_engine::{CheckDef, CheckMeta, Clause, Mode, Provenance, Severity, Suite};

pub const CHECK: CheckDef = CheckDef::manual(CheckMeta {
    id: "SS-013",
    suite: Suite::SystemSecurity,
    title_zh: "日志留存不少于六个月",
    title_en: "Logs are kept for at least six months",
    advice_zh: "网络日志留存不少于六个月。",
    advice_en: "Keep network logs for at least six months.",
    clauses: &[
        Clause {
            source: "网络安全法 第二十一条: network logs kept for no less than six months",
            zh: "网络安全法 第二十一条：网络日志留存不少于六个月",
            provenance: Provenance::Known,
        },
        Clause {
            source: "区块链信息服务管理规定: records kept and offered for inspection",
            zh: "区块链信息服务管理规定：记录留存并提供查询",
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
