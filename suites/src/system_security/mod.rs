//! 系统安全性 — MLPS level-3 controls the harness can test from outside.

mod ss005_logout_ends_session;
mod ss008_default_accounts;
mod ss016_input_validation;
mod ss019_tls_versions;
mod ss021_no_store;
mod ss023_error_disclosure;

pub const CHECKS: &[tianping_engine::CheckDef] = &[
    ss005_logout_ends_session::CHECK,
    ss008_default_accounts::CHECK,
    ss016_input_validation::CHECK,
    ss019_tls_versions::CHECK,
    ss021_no_store::CHECK,
    ss023_error_disclosure::CHECK,
];
