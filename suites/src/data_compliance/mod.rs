//! 电子数据合规性 — is the deposited evidence what the platform says it is.

mod dc001_sm3_digest;
mod dc002_receipt_fields;
mod dc004_tamper_detection;
mod dc010_replay_rejected;

pub const CHECKS: &[tianping_engine::CheckDef] = &[
    dc001_sm3_digest::CHECK,
    dc002_receipt_fields::CHECK,
    dc004_tamper_detection::CHECK,
    dc010_replay_rejected::CHECK,
];
