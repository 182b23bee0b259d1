//! Offline evidence-package mode: the package-decidable checks give the same verdicts as the
//! live run (each fault fails exactly its own check, offline too, when a package can show it),
//! and a damaged or hostile package is reported, never passed.

use std::path::Path;

use tianping_engine::{
    CheckDef, CheckResult, Config, Mode, Outcome, lab::LabRecords, package, runner,
};
use tianping_fixtures::{Fault, Faults};

fn evaluate(dir: &Path) -> Result<Vec<CheckResult>, String> {
    let config = Config::default();
    let info = package::open(dir, &config).map_err(|e| e.to_string())?;
    let registry = tianping_suites::registry();
    let checks: Vec<&CheckDef> = registry.iter().collect();
    runner::run_package_checks(&info, &checks, &LabRecords::default(), 2).map_err(|e| e.to_string())
}

fn export(faults: Faults, records: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    tianping_fixtures::package::export(&dir.path().join("pkg"), faults, records, 1500).unwrap();
    dir
}

fn package_checks() -> Vec<&'static str> {
    tianping_suites::registry()
        .iter()
        .filter(|c| c.package.is_some())
        .map(|c| c.meta.id)
        .collect()
}

#[test]
fn a_conforming_package_passes_every_package_check_and_nothing_else_is_claimed() {
    let dir = export(Faults::none(), 30);
    let results = evaluate(&dir.path().join("pkg")).unwrap();
    for r in &results {
        match (
            &r.outcome,
            package_checks().contains(&r.id.as_str()),
            r.mode,
        ) {
            (Outcome::Pass, true, _) => assert_eq!(r.samples.unwrap().failed, 0),
            (Outcome::Inconclusive { .. }, false, Mode::Manual) => {}
            (Outcome::NotApplicable { reason }, false, _) => {
                assert!(reason.contains("live platform"))
            }
            other => panic!("{}: unexpected {other:?}", r.id),
        }
    }
}

#[test]
fn every_fault_fails_offline_exactly_the_check_it_fails_live() {
    for fault in Fault::ALL {
        let dir = export(Faults::parse(&[fault.name()]).unwrap(), 8);
        let results = evaluate(&dir.path().join("pkg")).unwrap();
        for r in results
            .iter()
            .filter(|r| package_checks().contains(&r.id.as_str()))
        {
            let owner = tianping_suites::find(&r.id).unwrap().meta.fault == fault.name();
            match (&r.outcome, owner) {
                (Outcome::Fail, true) => {
                    assert!(!r.evidence.is_empty(), "{} failed without evidence", r.id)
                }
                (Outcome::Pass, false) => {}
                (o, _) => panic!(
                    "fault {}: {} is {o:?} offline; live it {} ({})",
                    fault.name(),
                    r.id,
                    if owner { "fails" } else { "passes" },
                    r.summary
                ),
            }
        }
    }
}

fn outcome<'a>(results: &'a [CheckResult], id: &str) -> &'a CheckResult {
    results.iter().find(|r| r.id == id).unwrap()
}

#[test]
fn a_missing_original_or_a_garbled_manifest_line_is_a_finding_not_a_pass() {
    let dir = export(Faults::none(), 5);
    let pkg = dir.path().join("pkg");
    let first = std::fs::read_dir(pkg.join("originals"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::remove_file(&first).unwrap();
    let mut manifest = std::fs::read_to_string(pkg.join("manifest.jsonl")).unwrap();
    manifest.push_str("{not json\n");
    std::fs::write(pkg.join("manifest.jsonl"), manifest).unwrap();
    let results = evaluate(&pkg).unwrap();
    let dc003 = outcome(&results, "DC-003");
    assert_eq!(dc003.outcome, Outcome::Fail);
    assert_eq!(dc003.samples.unwrap().failed, 2, "{:?}", dc003.evidence);
    assert_eq!(
        outcome(&results, "DC-002").outcome,
        Outcome::Fail,
        "the garbled line has no receipt"
    );
}

#[test]
fn manifest_paths_that_leave_the_package_are_refused() {
    let dir = export(Faults::none(), 1);
    let pkg = dir.path().join("pkg");
    std::fs::write(dir.path().join("outside.json"), "{}").unwrap();
    let line = r#"{"evidence_id":"EVX","file_hash":"00","original":"../outside.json","receipt":"../outside.json"}"#;
    std::fs::write(pkg.join("manifest.jsonl"), format!("{line}\n")).unwrap();
    let results = evaluate(&pkg).unwrap();
    let dc003 = outcome(&results, "DC-003");
    assert_eq!(dc003.outcome, Outcome::Fail);
    assert!(
        dc003
            .evidence
            .iter()
            .any(|e| e.value.contains("leaves the package")),
        "{:?}",
        dc003.evidence
    );
}

#[test]
fn something_that_is_not_a_package_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    assert!(evaluate(dir.path()).unwrap_err().contains("package.json"));
    assert!(
        evaluate(&dir.path().join("absent"))
            .unwrap_err()
            .contains("not a directory")
    );
    std::fs::write(dir.path().join("package.json"), "{\"platform\": {}}").unwrap();
    assert!(evaluate(dir.path()).unwrap_err().contains("manifest.jsonl"));
}
