#![warn(missing_docs)]
//! The results model of the Tianping conformance harness.
//!
//! What a check is ([`CheckMeta`]), what it found ([`CheckResult`]), what one run holds
//! ([`RunResults`]) and how the run was assessed ([`Assessment`]), as plain data with serde and
//! no I/O. Every output (JSON, JUnit, the PDF report, the evidence bundle) is a function of
//! these types, so a report can be rendered again from `results.json` without re-running, and a
//! report crate builds without the network stack.
//!
//! How results come about (running checks, scoring, applying waivers) is the engine's business;
//! this crate only describes them.

pub mod assessment;
pub mod meta;
pub mod result;
pub mod run;
pub mod waiver;

pub use assessment::{
    Assessment, Conclusion, Coverage, ScoredCheck, SpecialCondition, SpecialDeduction, grade,
};
pub use meta::{
    CheckMeta, Clause, ClauseRef, LabThreshold, Mode, Provenance, Severity, Suite, ThresholdDefault,
};
pub use result::{CheckResult, Counts, Evidence, Outcome, Samples, ThresholdUsed};
pub use run::{
    Parties, RESULTS_SCHEMA, Retest, RunResults, SealingKey, TargetSummary, exit, results_schema,
};
pub use waiver::WaiverNote;
