//! SS-020 (manual) — Identity data, credentials and evidence originals are stored encrypted (SM4 preferred) with
//! certified cryptographic products. The lab reviews a database sample and the products'
//! certificates with the applicant and records them.

use tianping_engine::{CheckDef, CheckMeta, Clause, Mode, Provenance, Severity, Suite};

pub const CHECK: CheckDef = CheckDef::manual(CheckMeta {
    id: "SS-020",
    suite: Suite::SystemSecurity,
    title_zh: "重要数据存储加密",
    title_en: "Important data is encrypted at rest",
    advice_zh: "对身份信息、鉴别信息与存证原文加密存储（宜采用SM4），使用经认证的密码产品。",
    advice_en: "Encrypt identity data, credentials and evidence originals at rest (SM4 preferred) with certified products.",
    clauses: &[
        Clause {
            source: "GB/T 22239-2019 8.1.4.8 b) confidentiality of important data in storage",
            zh: "GB/T 22239-2019 8.1.4.8 b) 重要数据存储过程中的保密性",
            provenance: Provenance::Known,
        },
        Clause {
            source: "GB/T 39786-2021 8.4 e) confidentiality of stored important data (应)",
            zh: "GB/T 39786-2021 8.4 e) 重要数据存储的保密性（应）",
            provenance: Provenance::Verified,
        },
    ],
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
