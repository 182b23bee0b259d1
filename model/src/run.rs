//! One run of the harness: the target, the selection, every result and the assessment.

use serde::{Deserialize, Serialize};

use crate::assessment::Assessment;
use crate::meta::Suite;
use crate::result::{CheckResult, Counts};

/// What was evaluated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TargetSummary {
    /// Base URL of the platform's API, or the package or certificate path.
    pub base_url: String,
    /// `reference` when the embedded reference platform was evaluated.
    pub kind: String,
    /// Faults switched on in the reference platform, if that was the target.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reference_faults: Vec<String>,
    /// The adapter the platform was evaluated through: its name, and the file with its SM3
    /// digest when it is not the built-in tp-profile-1 (absent for packages and certificates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adapter: Option<String>,
    /// Architecture declarations the lab accepted (`architecture.local_chain = false`, …);
    /// the checks each removes are in the results as not applicable, naming it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub declarations: Vec<String>,
    /// How API traffic was carried when not TLS: `tlcp` (GB/T 38636, as configured) or
    /// `tlcp-auto` (the API refused TLS and completed a TLCP handshake).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport: Option<String>,
}

/// Exit codes, documented in the README. Usage and config errors use 64 and up.
pub mod exit {
    /// Every selected check passed or does not apply.
    pub const ALL_PASS: i32 = 0;
    /// At least one nonconformity not waived.
    pub const NONCONFORMITY: i32 = 1;
    /// No nonconformity, but something is undecided or the run is incomplete.
    pub const INCONCLUSIVE: i32 = 2;
    /// The command line is wrong (sysexits EX_USAGE).
    pub const USAGE: i32 = 64;
    /// The configuration is wrong (sysexits EX_CONFIG).
    pub const CONFIG: i32 = 78;
}

/// Everything one run produced: the contents of results.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RunResults {
    /// Schema identifier, [`RESULTS_SCHEMA`].
    pub schema: String,
    /// Version of the harness that wrote the results.
    pub harness_version: String,
    /// Identifier of the run.
    pub run_id: String,
    /// When the run started (RFC 3339).
    pub started_at: String,
    /// When it finished; absent while it has not.
    pub finished_at: Option<String>,
    /// False when the run was interrupted or a selected check has no result.
    pub complete: bool,
    /// What was evaluated.
    pub target: TargetSummary,
    /// SM3 of the effective configuration (secrets are never part of it).
    pub config_sm3: String,
    /// IDs of the checks the run selected.
    pub selected: Vec<String>,
    /// Outcomes counted.
    pub counts: Counts,
    /// One result per check that finished.
    pub results: Vec<CheckResult>,
    /// Score and recommended conclusion (absent in files written before scoring existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assessment: Option<Assessment>,
    /// Set on a rectification re-test: the run it continues and the checks it re-ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retest: Option<Retest>,
    /// Waivers that matched no failed check.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unmatched_waivers: Vec<String>,
    /// Who evaluated whom, from the configuration (for the report's cover).
    #[serde(default)]
    pub parties: Parties,
    /// An applicant's self-test (`run --self-test`): the manual checks were left out, and the
    /// result is not a lab evaluation.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub self_test: bool,
}

/// Who evaluated whom, as the report's cover names them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Parties {
    /// The applicant organisation.
    pub applicant: Option<String>,
    /// The platform under evaluation.
    pub platform: Option<String>,
    /// The evaluation lab.
    pub lab: Option<String>,
    /// The evaluators who ran the evaluation (编制: they prepared the report).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evaluators: Vec<String>,
    /// The lab's number for this report (报告编号). Without one the report prints a number
    /// made from the run's date and ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_number: Option<String>,
    /// Who reviews the report for the lab (审核).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewer: Option<String>,
    /// Who approves the report for the lab (批准).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approver: Option<String>,
    /// The key the run folder is sealed with, so the report names what `verify --signer`
    /// must be given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealing_key: Option<SealingKey>,
}

/// The SM2 public key that seals a run folder, and whose it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SealingKey {
    /// Uncompressed SM2 public key, hex.
    pub public_key: String,
    /// `lab` (the lab's configured key) or `test` (made for this run: it proves integrity,
    /// not who sealed).
    pub kind: String,
}

/// Link from a rectification re-test to the run it continues.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Retest {
    /// Run ID of the run being re-tested.
    pub previous_run_id: String,
    /// Path of that run's results.json, as given.
    pub previous_results: String,
    /// When that run started.
    pub previous_started_at: String,
    /// Checks re-run now; every other result is carried over from the previous run.
    pub rerun: Vec<String>,
}

/// The JSON Schema (draft 2020-12) of results.json, generated from these types; shipped as
/// docs/results.schema.json.
pub fn results_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(RunResults)).expect("a schema is plain JSON")
}

/// Schema identifier written into every results.json.
pub const RESULTS_SCHEMA: &str = "tianping-harness/results/v1";

impl RunResults {
    /// Fail closed: an incomplete run or one with an inconclusive check never exits 0.
    /// Nonconformities take precedence, because they are definite findings.
    pub fn exit_code(&self) -> i32 {
        let counts = Counts::of(&self.results);
        let waived = self.results.iter().filter(|r| r.waived()).count();
        if counts.fail > waived {
            exit::NONCONFORMITY
        } else if !self.complete || counts.inconclusive > 0 || self.results.is_empty() {
            exit::INCONCLUSIVE
        } else {
            exit::ALL_PASS
        }
    }

    /// Results of one suite, in run order.
    pub fn by_suite(&self, suite: Suite) -> impl Iterator<Item = &CheckResult> {
        self.results.iter().filter(move |r| r.suite == suite)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta::{Mode, Severity};
    use crate::result::Outcome;
    use crate::waiver::WaiverNote;

    fn result(id: &str, outcome: Outcome) -> CheckResult {
        CheckResult {
            id: id.into(),
            suite: Suite::DataCompliance,
            title_zh: String::new(),
            title_en: String::new(),
            advice_zh: String::new(),
            advice_en: String::new(),
            clauses: Vec::new(),
            tianping_clause: None,
            severity: Severity::High,
            weight: 1,
            mode: Mode::Remote,
            outcome,
            summary: String::new(),
            summary_zh: None,
            evidence: Vec::new(),
            samples: None,
            thresholds: Vec::new(),
            started_at: String::new(),
            duration_ms: 0,
            waiver: None,
            artefacts: Vec::new(),
        }
    }

    fn run(results: Vec<CheckResult>, complete: bool) -> RunResults {
        RunResults {
            schema: RESULTS_SCHEMA.into(),
            harness_version: "0".into(),
            run_id: "r".into(),
            started_at: String::new(),
            finished_at: None,
            complete,
            target: TargetSummary {
                base_url: String::new(),
                kind: String::new(),
                reference_faults: Vec::new(),
                adapter: None,
                declarations: Vec::new(),
                transport: None,
            },
            config_sm3: String::new(),
            selected: Vec::new(),
            counts: Counts::of(&results),
            results,
            assessment: None,
            retest: None,
            unmatched_waivers: Vec::new(),
            parties: Parties::default(),
            self_test: false,
        }
    }

    fn undecided() -> Outcome {
        Outcome::Inconclusive {
            error: "no answer".into(),
        }
    }

    #[test]
    fn exit_code_fails_closed() {
        assert_eq!(
            run(vec![result("A", Outcome::Pass)], true).exit_code(),
            exit::ALL_PASS
        );
        assert_eq!(
            run(vec![], true).exit_code(),
            exit::INCONCLUSIVE,
            "nothing ran"
        );
        assert_eq!(
            run(vec![result("A", Outcome::Pass)], false).exit_code(),
            exit::INCONCLUSIVE
        );
        let mixed = vec![result("A", Outcome::Fail), result("B", undecided())];
        assert_eq!(
            run(mixed, true).exit_code(),
            exit::NONCONFORMITY,
            "a finding decides"
        );
    }

    #[test]
    fn only_an_active_waiver_waives() {
        let mut failed = result("A", Outcome::Fail);
        let note = |active| WaiverNote {
            justification: "j".into(),
            approver: "a".into(),
            expires: chrono::NaiveDate::from_ymd_opt(2027, 1, 31).unwrap(),
            active,
        };
        failed.waiver = Some(note(true));
        assert!(failed.waived());
        assert_eq!(run(vec![failed.clone()], true).exit_code(), exit::ALL_PASS);
        failed.waiver = Some(note(false));
        assert!(!failed.waived());
        assert_eq!(run(vec![failed], true).exit_code(), exit::NONCONFORMITY);
    }

    #[test]
    fn results_read_back_as_written() {
        let before = run(
            vec![result("A", undecided()), result("B", Outcome::Pass)],
            true,
        );
        let json = serde_json::to_string(&before).unwrap();
        assert!(
            json.contains(r#""status":"inconclusive","error":"no answer""#),
            "{json}"
        );
        let after: RunResults = serde_json::from_str(&json).unwrap();
        assert_eq!(before, after);
    }
}
