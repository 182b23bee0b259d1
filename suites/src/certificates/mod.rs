//! 证书 — the certificates behind the platform's TLS endpoints and signatures.

pub mod cert001_server_chain;
pub mod cert002_sm2_profile;
pub mod cert003_sm2_signature;
pub mod cert004_tlcp_dual_certificates;
pub mod cert005_gm_suites;
pub mod cert006_rfc8998;
pub mod cert007_revocation;
pub mod cert008_validity;
pub mod cert009_deposit_certificate;
pub mod cert010_tsa_token;
pub mod cert011_client_real_name;
pub mod cert012_weak_algorithms;
pub mod paths;
pub mod signed_pdf;

pub const CHECKS: &[tianping_engine::CheckDef] = &[
    cert001_server_chain::CHECK,
    cert002_sm2_profile::CHECK,
    cert003_sm2_signature::CHECK,
    cert004_tlcp_dual_certificates::CHECK,
    cert005_gm_suites::CHECK,
    cert006_rfc8998::CHECK,
    cert007_revocation::CHECK,
    cert008_validity::CHECK,
    cert009_deposit_certificate::CHECK,
    cert010_tsa_token::CHECK,
    cert011_client_real_name::CHECK,
    cert012_weak_algorithms::CHECK,
];
