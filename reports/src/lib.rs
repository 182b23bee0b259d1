//! Outputs of a run, each a pure function of [`RunResults`]: `results.json` (the model
//! itself, schema in docs/results-schema.md) and `junit.xml` for CI. PDF comes later.

pub mod bundle;
pub mod diff;
pub mod json;
pub mod junit;

use std::path::Path;

use tianping_model::RunResults;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot render JUnit: {0}")]
    Junit(String),
    #[error("cannot read results {path}: {detail}")]
    Read { path: String, detail: String },
}

pub const RESULTS_FILE: &str = "results.json";
pub const JUNIT_FILE: &str = "junit.xml";

/// Writes a file atomically (temp file, then rename), so a reader never sees half of it.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<(), ReportError> {
    let tmp = path.with_extension("tmp");
    let err = |source| ReportError::Write {
        path: path.display().to_string(),
        source,
    };
    std::fs::write(&tmp, contents).map_err(err)?;
    std::fs::rename(&tmp, path).map_err(err)
}

/// Writes results.json and junit.xml into `dir`.
pub fn write_all(dir: &Path, results: &RunResults) -> Result<(), ReportError> {
    write_atomic(&dir.join(RESULTS_FILE), json::render(results).as_bytes())?;
    write_atomic(&dir.join(JUNIT_FILE), junit::render(results)?.as_bytes())
}
