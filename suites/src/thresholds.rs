//! Lab thresholds that more than one check uses. A threshold only one check uses is declared
//! in that check's file. Each check lists the thresholds it uses in its metadata, so `list`
//! and the configuration check know them without the engine naming any.

use tianping_engine::{LabThreshold, ThresholdDefault};

/// Newest blocks the chain checks examine.
pub const BLOCKS_TO_SAMPLE: LabThreshold = LabThreshold {
    name: "blocks_to_sample",
    default: ThresholdDefault::Integer {
        value: 64,
        min: 1,
        max: 100_000,
    },
    unit: "blocks",
    meaning: "newest blocks the chain checks examine (sample size, lab policy)",
};

/// Whether receipts must carry the platform's own signature. No law or court rule read here
/// requires one (the trusted time-stamp and the Tianping transaction are what a court
/// verifies), so by default a signature is judged when present and not required.
pub const RECEIPT_SIGNATURE_REQUIRED: LabThreshold = LabThreshold {
    name: "receipt_signature_required",
    default: ThresholdDefault::Integer {
        value: 0,
        min: 0,
        max: 1,
    },
    unit: "0/1",
    meaning: "1: receipts must carry the platform's signature (DC-002, BC-003); 0: judged when present",
};

/// Transactions, newest first, the signature and content checks examine at most.
pub const TRANSACTIONS_TO_SAMPLE: LabThreshold = LabThreshold {
    name: "transactions_to_sample",
    default: ThresholdDefault::Integer {
        value: 64,
        min: 1,
        max: 100_000,
    },
    unit: "transactions",
    meaning: "transactions (newest first) the chain checks examine at most (lab policy)",
};

/// Largest accepted offset of a platform clock from the harness clock.
pub const CLOCK_TOLERANCE_SECS: LabThreshold = LabThreshold {
    name: "clock_tolerance_secs",
    default: ThresholdDefault::Integer {
        value: 1,
        min: 0,
        max: 3600,
    },
    unit: "s",
    meaning: "largest accepted offset of the platform's clock from the harness's (DC-009, BC-016)",
};

/// Protocol versions a TLS endpoint may accept.
pub const ALLOWED_TLS_VERSIONS: LabThreshold = LabThreshold {
    name: "allowed_tls_versions",
    default: ThresholdDefault::Names {
        value: &["TLS1.2", "TLS1.3", "TLCP1.1"],
        allowed: &["SSL3.0", "TLS1.0", "TLS1.1", "TLS1.2", "TLS1.3", "TLCP1.1"],
    },
    unit: "",
    meaning: "protocol versions an endpoint may accept (SS-019, SS-026)",
};

/// Fewest characters a password must have.
pub const PASSWORD_MIN_LENGTH: LabThreshold = LabThreshold {
    name: "password_min_length",
    default: ThresholdDefault::Integer {
        value: 8,
        min: 1,
        max: 128,
    },
    unit: "characters",
    meaning: "passwords shorter than this must be refused (SS-001; probe accounts use longer ones)",
};
