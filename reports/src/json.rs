//! results.json: the results model serialized as it is, so any later report (PDF, diff,
//! re-rendering) can be produced from the file without re-running anything.

use std::path::Path;

use tianping_model::RunResults;

use crate::ReportError;

pub fn render(results: &RunResults) -> String {
    serde_json::to_string_pretty(results).expect("results model always serializes")
}

pub fn read(path: &Path) -> Result<RunResults, ReportError> {
    let err = |detail: String| ReportError::Read {
        path: path.display().to_string(),
        detail,
    };
    let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
    let results: RunResults = serde_json::from_str(&text).map_err(|e| err(e.to_string()))?;
    if results.schema != tianping_model::RESULTS_SCHEMA {
        return Err(err(format!(
            "schema `{}` is not `{}`",
            results.schema,
            tianping_model::RESULTS_SCHEMA
        )));
    }
    Ok(results)
}
