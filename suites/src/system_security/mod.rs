//! 系统安全性 — MLPS level-3 controls: those the harness can test from outside, and those the
//! lab decides from documents and the applicant's cooperation (manual).

mod ss001_password_policy;
mod ss002_password_expiry;
mod ss003_login_lockout;
mod ss004_idle_session_timeout;
mod ss005_logout_ends_session;
mod ss006_admin_two_factor;
mod ss007_credentials_in_transit;
mod ss008_default_accounts;
mod ss009_object_access;
mod ss010_role_separation;
mod ss011_audit_records;
mod ss012_audit_protection;
mod ss013_log_retention;
mod ss014_exposed_ports;
mod ss015_management_source;
mod ss016_input_validation;
mod ss017_vulnerabilities_patched;
mod ss018_intrusion_alerting;
mod ss019_tls_versions;
mod ss020_encryption_at_rest;
mod ss021_no_store;
mod ss022_backup_redundancy;
mod ss023_error_disclosure;
mod ss024_rate_limits;
mod ss025_personal_data_endpoints;
mod ss026_cipher_suites;

pub const CHECKS: &[tianping_engine::CheckDef] = &[
    ss001_password_policy::CHECK,
    ss002_password_expiry::CHECK,
    ss003_login_lockout::CHECK,
    ss004_idle_session_timeout::CHECK,
    ss005_logout_ends_session::CHECK,
    ss006_admin_two_factor::CHECK,
    ss007_credentials_in_transit::CHECK,
    ss008_default_accounts::CHECK,
    ss009_object_access::CHECK,
    ss010_role_separation::CHECK,
    ss011_audit_records::CHECK,
    ss012_audit_protection::CHECK,
    ss013_log_retention::CHECK,
    ss014_exposed_ports::CHECK,
    ss015_management_source::CHECK,
    ss016_input_validation::CHECK,
    ss017_vulnerabilities_patched::CHECK,
    ss018_intrusion_alerting::CHECK,
    ss019_tls_versions::CHECK,
    ss020_encryption_at_rest::CHECK,
    ss021_no_store::CHECK,
    ss022_backup_redundancy::CHECK,
    ss023_error_disclosure::CHECK,
    ss024_rate_limits::CHECK,
    ss025_personal_data_endpoints::CHECK,
    ss026_cipher_suites::CHECK,
];
