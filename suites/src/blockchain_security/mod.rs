//! 区块链安全性 — is the chain behind the evidence sound.

mod bc001_hash_links;
mod bc002_merkle_root;
mod bc003_sm2_signatures;
pub use bc003_sm2_signatures::certificate_public_key;
mod bc004_national_crypto;
mod bc005_permissioning;
mod bc006_p2p_channel;
mod bc007_fault_tolerance;
mod bc008_failover;
mod bc009_finality;
mod bc010_tianping_anchor;
mod bc011_contract_integrity;
mod bc012_contract_admin;
mod bc013_digests_only_on_chain;
mod bc014_backup_restore;
mod bc015_key_management;
mod bc016_block_timestamps;
mod bc017_performance;

pub const CHECKS: &[tianping_engine::CheckDef] = &[
    bc001_hash_links::CHECK,
    bc002_merkle_root::CHECK,
    bc003_sm2_signatures::CHECK,
    bc004_national_crypto::CHECK,
    bc005_permissioning::CHECK,
    bc006_p2p_channel::CHECK,
    bc007_fault_tolerance::CHECK,
    bc008_failover::CHECK,
    bc009_finality::CHECK,
    bc010_tianping_anchor::CHECK,
    bc011_contract_integrity::CHECK,
    bc012_contract_admin::CHECK,
    bc013_digests_only_on_chain::CHECK,
    bc014_backup_restore::CHECK,
    bc015_key_management::CHECK,
    bc016_block_timestamps::CHECK,
    bc017_performance::CHECK,
];
