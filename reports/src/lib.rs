//! Outputs of a run, each a pure function of [`RunResults`]: `results.json` (the model
//! itself, schema in docs/results-schema.md), `junit.xml` for CI and `workpaper.xlsx` for the
//! lab's records. The PDF and HTML reports are in the `tianping-report-pdf` crate.

pub mod bundle;
pub mod diff;
pub mod json;
pub mod junit;
pub mod schema;
pub mod workpaper;

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

/// Results of every kind for the unit tests of the outputs.
#[cfg(test)]
pub(crate) mod test_data {
    use tianping_model::*;

    pub fn result(id: &str, suite: Suite, outcome: Outcome) -> CheckResult {
        CheckResult {
            id: id.into(),
            suite,
            title_zh: "标题".into(),
            title_en: "Title".into(),
            advice_zh: String::new(),
            advice_en: String::new(),
            clauses: vec![ClauseRef {
                source: "GB/T 22239-2019 8.1.4.1".into(),
                source_zh: Some("GB/T 22239-2019 8.1.4.1 身份鉴别".into()),
                provenance: Provenance::Verified,
            }],
            tianping_clause: None,
            severity: Severity::High,
            weight: 3,
            mode: Mode::Remote,
            outcome,
            summary: format!("summary of {id}"),
            summary_zh: None,
            evidence: vec![Evidence {
                label: "expected".into(),
                label_zh: None,
                value: "abc <&> 天平".into(),
            }],
            samples: Some(Samples {
                examined: 4,
                failed: 1,
            }),
            thresholds: vec![ThresholdUsed {
                name: "blocks_to_sample".into(),
                value: "64".into(),
            }],
            started_at: "2026-11-22T00:00:00.000Z".into(),
            duration_ms: 12,
            waiver: None,
            artefacts: Vec::new(),
        }
    }

    pub fn results(rs: Vec<CheckResult>) -> RunResults {
        RunResults {
            schema: RESULTS_SCHEMA.into(),
            harness_version: "test".into(),
            run_id: "r".into(),
            started_at: "2026-11-22T00:00:00.000Z".into(),
            finished_at: None,
            complete: true,
            target: TargetSummary {
                base_url: "https://x".into(),
                kind: "live".into(),
                reference_faults: vec![],
                adapter: None,
                declarations: Vec::new(),
                transport: None,
            },
            config_sm3: "00".into(),
            selected: rs.iter().map(|r| r.id.clone()).collect(),
            counts: Counts::of(&rs),
            results: rs,
            assessment: None,
            retest: None,
            unmatched_waivers: vec![],
            parties: Default::default(),
            self_test: false,
        }
    }
}
