//! DC-012 (manual) — For web, screen or recording captures, a cleanliness-check report made before the capture
//! starts, the capture log and device/network data exist, and the report's digest is part of the
//! deposit. Needs the applicant's documents: the lab records its verdict and the files it saw.

use tianping_engine::{CheckDef, CheckMeta, Clause, Mode, Provenance, Severity, Suite};

pub const CHECK: CheckDef = CheckDef::manual(CheckMeta {
    id: "DC-012",
    suite: Suite::DataCompliance,
    title_zh: "取证环境清洁性检查报告",
    title_en: "Evidence capture records environment cleanliness",
    advice_zh: "取证前进行环境清洁性检查并形成带时间戳的报告，将其摘要纳入存证。",
    advice_en: "Check the capture environment before capture, keep a time-stamped report, and include its digest in the deposit.",
    clauses: &[
        Clause {
            source: "SF/T 0091-2021 §9: cleanliness check of the capture environment before capture",
            zh: "SF/T 0091-2021 §9：取证前对取证环境进行清洁性检查",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "在线诉讼规则 (2021) Art. 17(3): cleanliness of the information system",
            zh: "人民法院在线诉讼规则（2021）第十七条第（三）项：信息系统的清洁性",
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
