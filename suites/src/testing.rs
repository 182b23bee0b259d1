//! What every check file's own tests share: one check run against the reference platform
//! (conforming, or with faults switched on) exactly as `run` resolves that target, and the two
//! test sets every check carries, as macros so each file states them in one line:
//!
//! - [`reference_tests!`]: an automated check passes on the conforming reference platform and
//!   fails on each fault it names;
//! - [`manual_tests!`]: a manual check is decided by the lab's record alone, and stays
//!   inconclusive without one.

use std::sync::Arc;

use tianping_engine::lab::{LabRecord, LabRecords, LabVerdict};
use tianping_engine::{CheckDef, CheckResult, Config, Ctx, runner};
use tianping_fixtures::{Dialect, Fault, Faults};

/// The default configuration with the politeness rate limit lifted: loopback only.
fn loopback_config() -> Config {
    let mut config = Config::default();
    config.limits.requests_per_second = 1000.0;
    config
}

/// Runs `check` alone against the reference platform with `faults` switched on (behind
/// mutual TLS when a fault lives there).
pub fn run_on_reference(check: &CheckDef, faults: &[&str]) -> CheckResult {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a test runtime");
    runtime.block_on(async {
        let faults = Faults::parse(faults).expect("the check names known faults");
        // A fault of mutual TLS needs a platform that asks for client certificates, and an
        // adapter that presents them.
        let mutual_tls = Fault::ALL
            .iter()
            .any(|f| faults.has(*f) && f.needs_mutual_tls());
        let mut config = loopback_config();
        let dialect = if mutual_tls {
            config.adapter.file = Some(format!(
                "{}/../docs/adapters/mutual-tls.toml",
                env!("CARGO_MANIFEST_DIR")
            ));
            Dialect::MutualTls
        } else {
            Dialect::Profile
        };
        let target = tianping_target::reference::start_with(config, faults, dialect)
            .await
            .expect("the reference platform starts on loopback");
        let ctx = target.context().expect("a context for the reference");
        // A check that judges every answer of the run is run after all the others, as in a
        // real run; any other check runs alone.
        let registry = crate::registry();
        let checks: Vec<&CheckDef> = if check.after_others {
            registry.iter().collect()
        } else {
            vec![check]
        };
        let results = runner::run_checks(Arc::new(ctx), &checks, Vec::new(), |_, _, _| {}).await;
        target.stop().await;
        results
            .into_iter()
            .find(|r| r.id == check.meta.id)
            .expect("the check has a result")
    })
}

/// Decides the manual `check` with `records` and nothing else: the target is a closed port,
/// which a manual check never contacts.
pub fn decide_manual(check: &CheckDef, records: Vec<LabRecord>) -> CheckResult {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a test runtime");
    let mut config = Config::default();
    config.target.base_url = Some("https://127.0.0.1:1".into());
    let ctx = Ctx::new(config, Default::default(), Vec::new())
        .expect("a context")
        .with_lab_records(LabRecords {
            source: "test".into(),
            records,
        });
    runtime
        .block_on(runner::run_checks(
            Arc::new(ctx),
            &[check],
            Vec::new(),
            |_, _, _| {},
        ))
        .remove(0)
}

/// A lab record for `check` with `verdict` and a note.
pub fn record(check: &CheckDef, verdict: LabVerdict) -> LabRecord {
    LabRecord {
        id: check.meta.id.into(),
        verdict,
        note: "seen by the evaluator".into(),
        evaluator: Some("tester".into()),
        recorded_at: None,
        attachments: Vec::new(),
    }
}

/// The outcome, summary and evidence of a result, for assertion messages.
pub fn describe(r: &CheckResult) -> String {
    r.describe()
}

/// The tests of an automated check: it passes on the conforming reference platform and fails,
/// with evidence, on each fault its metadata names.
macro_rules! reference_tests {
    ($check:path) => {
        #[test]
        fn passes_on_the_conforming_reference_platform() {
            let r = $crate::testing::run_on_reference(&$check, &[]);
            assert_eq!(
                r.outcome,
                tianping_engine::Outcome::Pass,
                "{}",
                $crate::testing::describe(&r)
            );
        }

        #[test]
        fn fails_on_each_fault_it_exists_to_catch() {
            assert!(
                !$check.meta.faults.is_empty(),
                "an automated check names its faults"
            );
            for fault in $check.meta.faults {
                let r = $crate::testing::run_on_reference(&$check, &[fault]);
                assert_eq!(
                    r.outcome,
                    tianping_engine::Outcome::Fail,
                    "under `{fault}`: {}",
                    $crate::testing::describe(&r)
                );
                assert!(
                    !r.evidence.is_empty(),
                    "a finding carries evidence: {}",
                    $crate::testing::describe(&r)
                );
            }
        }
    };
}
pub(crate) use reference_tests;

/// The tests of a manual check: the lab's record decides it (pass, fail, not applicable with
/// the note as the reason), and without a record it is inconclusive, never passed.
macro_rules! manual_tests {
    ($check:path) => {
        #[test]
        fn the_labs_record_decides_it_and_nothing_else_does() {
            use tianping_engine::Outcome;
            use tianping_engine::lab::LabVerdict;
            let decide = |records| $crate::testing::decide_manual(&$check, records);
            let unrecorded = decide(Vec::new());
            assert!(
                matches!(&unrecorded.outcome, Outcome::Inconclusive { error } if error.contains("awaiting")),
                "{}",
                $crate::testing::describe(&unrecorded)
            );
            for (verdict, expected) in [
                (LabVerdict::Pass, "pass"),
                (LabVerdict::Fail, "fail"),
                (LabVerdict::NotApplicable, "not_applicable"),
            ] {
                let r = decide(vec![$crate::testing::record(&$check, verdict)]);
                assert_eq!(r.outcome.key(), expected, "{}", $crate::testing::describe(&r));
            }
        }
    };
}
pub(crate) use manual_tests;
