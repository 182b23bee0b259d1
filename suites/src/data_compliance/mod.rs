//! 电子数据合规性 — is the deposited evidence what the platform says it is.

mod dc001_sm3_digest;
mod dc002_receipt_fields;
mod dc003_original_matches_chain;
mod dc004_tamper_detection;
mod dc005_identity_required;
mod dc006_identity_validated;
mod dc007_personal_data_masked;
mod dc008_timestamp_token;
mod dc009_clock_offset;
mod dc010_replay_rejected;
mod dc011_request_authentication;
mod dc012_cleanliness_report;
mod dc013_provenance;
mod dc014_retention;
mod dc015_inclusion_proofs;
mod dc016_filing_number;
mod dc017_business_types;

pub const CHECKS: &[tianping_engine::CheckDef] = &[
    dc001_sm3_digest::CHECK,
    dc002_receipt_fields::CHECK,
    dc003_original_matches_chain::CHECK,
    dc004_tamper_detection::CHECK,
    dc005_identity_required::CHECK,
    dc006_identity_validated::CHECK,
    dc007_personal_data_masked::CHECK,
    dc008_timestamp_token::CHECK,
    dc009_clock_offset::CHECK,
    dc010_replay_rejected::CHECK,
    dc011_request_authentication::CHECK,
    dc012_cleanliness_report::CHECK,
    dc013_provenance::CHECK,
    dc014_retention::CHECK,
    dc015_inclusion_proofs::CHECK,
    dc016_filing_number::CHECK,
    dc017_business_types::CHECK,
];
