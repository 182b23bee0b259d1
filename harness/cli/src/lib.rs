//! Wiring of the `tianping-harness` binary, as a library so end-to-end tests exercise the
//! same path as the command line: resolve the target (a live platform or the embedded
//! reference), build the context, run the selected checks with a journal, write outputs.

pub mod adapter_check;
pub mod evaluate;
pub mod pdf;
pub mod preflight;
pub mod quarterly;
pub mod stdout;
pub mod vendor;
