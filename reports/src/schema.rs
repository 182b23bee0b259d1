//! Holding a results.json to its published JSON Schema (docs/results.schema.json, generated
//! from the model types): every output mode is checked against it in tests, and a previous
//! run's results read back (a re-test, a diff) can be checked before they are trusted.

use serde_json::Value;

/// Every way `results` breaks the schema, or `Ok` when it keeps to it.
pub fn check(results: &Value) -> Result<(), Vec<String>> {
    let schema = tianping_model::results_schema();
    let validator = jsonschema::validator_for(&schema)
        .map_err(|e| vec![format!("the generated schema does not compile: {e}")])?;
    let problems: Vec<String> = validator
        .iter_errors(results)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_data::{result, results};
    use tianping_model::*;

    fn schema_file() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/results.schema.json")
    }

    /// docs/results.schema.json is the schema the model generates. After a model change,
    /// regenerate it with `TIANPING_WRITE_SCHEMA=1 cargo test -p tianping-reports schema`.
    #[test]
    fn the_shipped_schema_is_the_generated_one() {
        let generated = serde_json::to_string_pretty(&results_schema()).unwrap() + "\n";
        if std::env::var_os("TIANPING_WRITE_SCHEMA").is_some() {
            std::fs::write(schema_file(), &generated).unwrap();
        }
        let shipped = std::fs::read_to_string(schema_file()).unwrap_or_default();
        assert!(
            shipped == generated,
            "docs/results.schema.json is out of date: TIANPING_WRITE_SCHEMA=1 cargo test -p tianping-reports schema"
        );
    }

    #[test]
    fn every_kind_of_run_keeps_to_the_schema_and_a_broken_one_does_not() {
        let pass = result("DC-001", Suite::DataCompliance, Outcome::Pass);
        let mut waived = result("SS-007", Suite::SystemSecurity, Outcome::Fail);
        waived.waiver = Some(WaiverNote {
            justification: "accepted".into(),
            approver: "王工".into(),
            expires: chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
            active: false,
        });
        let na = result(
            "CERT-004",
            Suite::Certificates,
            Outcome::NotApplicable {
                reason: "no TLCP".into(),
            },
        );
        let undecided = result(
            "BC-001",
            Suite::BlockchainSecurity,
            Outcome::Inconclusive {
                error: "timed out".into(),
            },
        );
        let mut incomplete = results(vec![pass.clone(), undecided.clone()]);
        incomplete.complete = false;
        for run in [
            results(vec![pass.clone()]),
            results(vec![pass, waived, na, undecided]),
            incomplete,
        ] {
            let json = serde_json::to_value(&run).unwrap();
            if let Err(problems) = check(&json) {
                panic!("{problems:?}\n{json:#}");
            }
        }
        let mut broken = serde_json::to_value(results(vec![])).unwrap();
        broken["complete"] = "yes".into();
        broken["results"] = serde_json::json!([{"id": 7}]);
        let problems = check(&broken).unwrap_err();
        assert!(problems.len() >= 2, "{problems:?}");
    }
}
