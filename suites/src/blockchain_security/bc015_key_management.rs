//! BC-015 (manual) — Node and account keys live in certified crypto modules (HSM, USB key) with a documented
//! lifecycle. An uncertified product is a high-risk finding. Needs certificates of the products:
//! the lab records its verdict.

use tianping_engine::{CheckDef, CheckMeta, Clause, Mode, Provenance, Severity, Suite};

pub const CHECK: CheckDef = CheckDef::manual(CheckMeta {
    id: "BC-015",
    suite: Suite::BlockchainSecurity,
    title_zh: "密钥管理",
    title_en: "Key management",
    advice_zh: "节点与账户密钥存放于经认证的密码模块，制定覆盖生成、分发、存储、使用、吊销、销毁的密钥管理制度。",
    advice_en: "Keep node and account keys in certified cryptographic modules, with a documented lifecycle from generation to destruction.",
    clauses: &[
        Clause {
            source: "JR/T 0193-2020 §6.6 key management",
            zh: "JR/T 0193-2020 §6.6 密钥管理",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "GB/T 39786-2021 high-risk judgement: uncertified crypto products",
            zh: "GB/T 39786-2021 高风险判定：使用未经认证的密码产品",
            provenance: Provenance::Verified,
        },
    ],
    tianping_clause: None,
    severity: Severity::Critical,
    weight: 4,
    mode: Mode::Manual,
    active: false,
    faults: &[],
    thresholds: &[],
});

#[cfg(test)]
mod manual_tests {
    crate::testing::manual_tests!(super::CHECK);
}
