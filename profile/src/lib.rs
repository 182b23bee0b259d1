#![warn(missing_docs)]
//! The wire format of the Tianping applicant test profile (`docs/profile.md`).
//!
//! Everything a platform and the harness must compute byte for byte lives here: digests,
//! the strings that get signed, the block-header and transaction encodings and the Merkle
//! tree rule. The reference platform produces these bytes and the checks recompute them, so
//! each function carries known-answer tests against independent tools (OpenSSL, GB/T 32905).
//! JSON shapes are not here: the harness reads responses through a configurable field map.

pub mod canonical;
pub mod cms;
pub mod der;
pub mod digest;
pub mod hmac;
pub mod identity;
pub mod merkle;
pub mod ntp;
pub mod ocsp;
pub mod pem;
pub mod recent;
pub mod rfc3161;
pub mod sm2field;
pub mod sm2fixed;
pub mod sm2sig;

/// Profile version announced by `/api/v1/platform` and written into every canonical string.
pub const PROFILE_VERSION: &str = "tp-profile-1";
