//! BC-017 (manual) — Deposit TPS, query TPS and confirmation latency at the declared load, for the report. No
//! number is published, so the lab records the figures and marks the item pass or not applicable.

use tianping_engine::{CheckDef, CheckMeta, Clause, Mode, Provenance, Severity, Suite};

pub const CHECK: CheckDef = CheckDef::manual(CheckMeta {
    id: "BC-017",
    suite: Suite::BlockchainSecurity,
    title_zh: "性能基线（参考）",
    title_en: "Performance baseline (informational)",
    advice_zh: "提供在声明负载下的存证与查询吞吐量及确认时延测试记录。",
    advice_en: "Provide measured deposit and query throughput and confirmation latency at the declared load.",
    clauses: &[
        Clause {
            source: "JR/T 0193-2020 §7.1–7.3 performance",
            zh: "JR/T 0193-2020 §7.1–7.3 性能",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "No published Tianping figure: report only",
            zh: "天平链无公开指标：仅作报告",
            provenance: Provenance::Policy,
        },
    ],
    tianping_clause: None,
    severity: Severity::Low,
    weight: 1,
    mode: Mode::Manual,
    active: false,
    faults: &[],
    thresholds: &[],
});

#[cfg(test)]
mod manual_tests {
    crate::testing::manual_tests!(super::CHECK);
}
