#![warn(missing_docs)]
//! Engine of the Tianping conformance harness.
//!
//! It knows the *shape* of a check (metadata, outcome, evidence) and how to run many of them
//! politely against one target; it knows no check by name. Suites register [`CheckDef`]s,
//! reports read [`RunResults`], the CLI wires them together.

pub mod adapter;
pub mod call;
pub mod certset;
pub mod check;
pub mod clock;
pub mod config;
pub mod context;
pub mod exchange;
pub mod fields;
pub mod files;
pub mod http;
pub mod journal;
pub mod lab;
pub mod package;
pub mod redact;
pub mod runner;
pub mod scoring;
pub mod thresholds;
pub mod tianping;
pub mod tls;
pub mod transcript;
pub mod verdict;
pub mod waivers;

pub use adapter::{Adapter, Answer, Operation, Refusal};
pub use call::Probe;
pub use check::{CheckDef, CheckFuture};
pub use config::Config;
pub use context::{Account, Ctx};
pub use reqwest::Method;
/// The results model, re-exported: checks build it, reports read it.
pub use tianping_model as model;
pub use tianping_model::*;
pub use verdict::{CheckError, Problem, Verdict};

/// Version of this harness, stamped into every result file.
pub const HARNESS_VERSION: &str = env!("CARGO_PKG_VERSION");
