#![warn(missing_docs)]
//! What a live evaluation is pointed at: the embedded reference platform on loopback
//! ([`reference`]) or a live platform ([`target`]), resolved once into a [`target::Target`]
//! with its configuration, credentials, trust anchors and lab records.
//!
//! Its own crate so the checks' unit tests (in `tianping-suites`) can run against the
//! reference platform exactly as the CLI does, without depending on the CLI.

pub mod reference;
pub mod target;

pub use target::{Target, TargetError, resolve};
