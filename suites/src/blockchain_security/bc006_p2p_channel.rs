//! BC-006 (manual) — The declared P2P port refuses a handshake without a client certificate or with a self-signed
//! one, and uses a GM suite with the lab-issued certificate. Recorded by the lab until the TLS
//! prober (system-security issue) drives the P2P port directly.

use tianping_engine::{CheckDef, CheckMeta, Clause, Mode, Provenance, Severity, Suite};

pub const CHECK: CheckDef = CheckDef::manual(CheckMeta {
    id: "BC-006",
    suite: Suite::BlockchainSecurity,
    title_zh: "节点通信双向认证与加密",
    title_en: "P2P channel is mutually authenticated and encrypted",
    advice_zh: "节点间通信启用双向证书认证的TLCP或TLS，并使用国密套件；向测评机构提供配置与抓包记录。",
    advice_en: "Run node-to-node traffic over mutually authenticated TLCP or TLS with GM suites, and give the lab the configuration and captures.",
    clauses: &[
        Clause {
            source: "JR/T 0184-2020 node communication",
            zh: "JR/T 0184-2020 节点通信",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "GB/T 39786-2021 8.2 a) entity authentication",
            zh: "GB/T 39786-2021 8.2 a) 身份鉴别",
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
})
.with_applies(crate::common::needs_local_chain);

#[cfg(test)]
mod manual_tests {
    crate::testing::manual_tests!(super::CHECK);
}
