//! 证书 — the certificates behind the platform's TLS endpoints and signatures.

mod cert001_server_chain;
mod cert002_sm2_profile;
mod cert003_sm2_signature;

pub const CHECKS: &[tianping_engine::CheckDef] = &[
    cert001_server_chain::CHECK,
    cert002_sm2_profile::CHECK,
    cert003_sm2_signature::CHECK,
];
