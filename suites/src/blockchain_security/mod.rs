//! 区块链安全性 — is the chain behind the evidence sound.

mod bc001_hash_links;
mod bc002_merkle_root;
mod bc003_sm2_signatures;

pub const CHECKS: &[tianping_engine::CheckDef] = &[
    bc001_hash_links::CHECK,
    bc002_merkle_root::CHECK,
    bc003_sm2_signatures::CHECK,
];
