//! 系统安全性 — MLPS level-3 controls the harness can test from outside.

mod ss005_logout_ends_session;
mod ss019_tls_versions;
mod ss021_no_store;

pub const CHECKS: &[tianping_engine::CheckDef] = &[
    ss005_logout_ends_session::CHECK,
    ss019_tls_versions::CHECK,
    ss021_no_store::CHECK,
];
