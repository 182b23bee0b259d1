//! SS-006 (manual) — The administration console asks for a second factor besides the password, one of them
//! cryptographic (an SM2 USB-key certificate or a one-time password device). The lab logs in to
//! the console with the applicant and records how it authenticated; password-only is a failure.

use tianping_engine::{CheckDef, CheckMeta, Clause, Mode, Provenance, Severity, Suite};

pub const CHECK: CheckDef = CheckDef::manual(CheckMeta {
    id: "SS-006",
    suite: Suite::SystemSecurity,
    title_zh: "管理员双因素认证",
    title_en: "Administrators log in with two factors, one of them cryptographic",
    advice_zh: "管理员登录采用两种以上鉴别方式，其中一种为密码技术（如SM2证书或USB Key）。",
    advice_en: "Require two factors for administrators, one of them cryptographic (an SM2 certificate or USB key).",
    clauses: &[
        Clause {
            source: "GB/T 22239-2019 8.1.4.1 d) two or more authentication techniques, one cryptographic",
            zh: "GB/T 22239-2019 8.1.4.1 d) 采用两种或两种以上组合的鉴别技术，其中一种至少使用密码技术",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "GB/T 39786-2021 8.4 a) cryptographic identity authentication of administrators",
            zh: "GB/T 39786-2021 8.4 a) 采用密码技术对管理员进行身份鉴别",
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
