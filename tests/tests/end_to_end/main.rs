//! End-to-end runs through the same path as `tianping-harness run`: outputs on disk, JUnit
//! structure, secrets kept out, resume after an interruption, fail-closed targets.

mod bearer;
mod clock;
mod dialects;
mod hostile;
mod legacy_tls;
mod runs;

use std::path::Path;
use std::time::Duration;

use tianping_engine::config::{Config, Credentials, Secret};
use tianping_engine::journal::JOURNAL_FILE;
use tianping_engine::model::{Outcome, RunResults, TargetSummary};
use tianping_engine::runner;
use tianping_fixtures::Faults;
use tianping_fixtures::hostile::{
    Misbehaviour, misbehaving_server, replying_server, tls10_only_server,
};
use tianping_harness::evaluate::{self, Finish, RunPlan};
use tianping_target::Target;

/// The default configuration with the politeness rate limit lifted: loopback only.
fn loopback_config() -> Config {
    let mut config = Config::default();
    config.limits.requests_per_second = 1000.0;
    config
}

/// A plan for the embedded reference target with every check the configuration selects, as
/// `run` builds it, with `lab_records` in place of the reference's simulated ones.
fn reference_plan<'r>(
    embedded: &Target,
    registry: &'r [tianping_engine::CheckDef],
    out: &Path,
    lab_records: tianping_engine::lab::LabRecords,
) -> RunPlan<'r> {
    let mut plan = RunPlan::for_target(
        embedded,
        runner::select(registry, &embedded.config.selection),
        out,
    );
    plan.lab_records = lab_records;
    plan
}

/// Evaluates a running embedded reference with `records`, writing into a folder dropped after.
async fn evaluate_embedded(
    embedded: &Target,
    records: tianping_engine::lab::LabRecords,
) -> RunResults {
    let registry = tianping_suites::registry();
    let dir = tempfile::tempdir().unwrap();
    evaluate::evaluate(
        reference_plan(embedded, &registry, dir.path(), records),
        |_, _, _| {},
    )
    .await
    .unwrap()
}

async fn run_reference(faults: Faults, out: &Path, resume: bool) -> Result<RunResults, String> {
    let embedded = tianping_target::reference::start(loopback_config(), faults.clone())
        .await
        .map_err(|e| e.to_string())?;
    let registry = tianping_suites::registry();
    let mut plan = reference_plan(&embedded, &registry, out, embedded.lab_records.clone());
    plan.resume = resume;
    let results = match evaluate::evaluate(plan, |_, _, _| {}).await {
        Ok(results) => {
            evaluate::finalize(results, &Finish::without_reports(out, &embedded.config)).await
        }
        Err(e) => Err(e),
    }
    .map_err(|e| e.to_string());
    let secrets = (
        embedded.credentials.api_secret.expose().to_string(),
        embedded.credentials.password.expose().to_string(),
    );
    embedded.stop().await;
    assert_no_secret_in(out, &[&secrets.0, &secrets.1]);
    results
}

/// Every file of the run folder, raw transcripts included.
fn assert_no_secret_in(dir: &Path, secrets: &[&str]) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            assert_no_secret_in(&path, secrets);
            continue;
        }
        let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        for s in secrets {
            assert!(
                !text.contains(s),
                "a secret value appears in {}",
                path.display()
            );
        }
    }
}
