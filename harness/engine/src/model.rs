//! The results model: what a check is (metadata) and what it found (outcome and evidence).
//! Every output format is a function of these types.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Suite {
    DataCompliance,
    SystemSecurity,
    BlockchainSecurity,
    Certificates,
}

impl Suite {
    pub const ALL: [Suite; 4] = [
        Suite::DataCompliance,
        Suite::SystemSecurity,
        Suite::BlockchainSecurity,
        Suite::Certificates,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Suite::DataCompliance => "data_compliance",
            Suite::SystemSecurity => "system_security",
            Suite::BlockchainSecurity => "blockchain_security",
            Suite::Certificates => "certificates",
        }
    }

    pub fn title_zh(self) -> &'static str {
        match self {
            Suite::DataCompliance => "电子数据合规性",
            Suite::SystemSecurity => "系统安全性",
            Suite::BlockchainSecurity => "区块链安全性",
            Suite::Certificates => "证书",
        }
    }

    pub fn title_en(self) -> &'static str {
        match self {
            Suite::DataCompliance => "Data compliance",
            Suite::SystemSecurity => "System security",
            Suite::BlockchainSecurity => "Blockchain security",
            Suite::Certificates => "Certificates",
        }
    }

    pub fn from_key(key: &str) -> Option<Suite> {
        Suite::ALL.into_iter().find(|s| s.key() == key)
    }
}

/// How sure we are that a clause says what the check relies on (research catalogue tags).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Provenance {
    /// Verified in a retrieved source.
    #[serde(rename = "V")]
    Verified,
    /// From a standard's published text as generally known; not retrieved.
    #[serde(rename = "K")]
    Known,
    /// Lab policy: the number or rule is not in the source. Reported as "lab threshold".
    #[serde(rename = "P")]
    Policy,
}

impl Provenance {
    pub fn tag(self) -> &'static str {
        match self {
            Provenance::Verified => "V",
            Provenance::Known => "K",
            Provenance::Policy => "P",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Clause {
    pub source: &'static str,
    pub provenance: Provenance,
}

/// Owned form of [`Clause`] for results read back from JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClauseRef {
    pub source: String,
    pub provenance: Provenance,
}

impl From<&Clause> for ClauseRef {
    fn from(c: &Clause) -> Self {
        ClauseRef {
            source: c.source.to_string(),
            provenance: c.provenance,
        }
    }
}

/// Critical findings are the scoring standard's "special deductions": they fail an
/// evaluation whatever the score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn key(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Drives the live platform over the network.
    Remote,
    /// Reads an exported evidence package.
    Package,
    /// Needs documents or the applicant's cooperation; the lab records the verdict.
    Manual,
}

impl Mode {
    pub fn key(self) -> &'static str {
        match self {
            Mode::Remote => "remote",
            Mode::Package => "package",
            Mode::Manual => "manual",
        }
    }
}

/// Static description of a check; lives next to the check's code.
#[derive(Debug, Clone, Copy)]
pub struct CheckMeta {
    pub id: &'static str,
    pub suite: Suite,
    pub title_zh: &'static str,
    pub title_en: &'static str,
    pub clauses: &'static [Clause],
    /// Clause of the Tianping technical spec, once the lab has its text (not public).
    pub tianping_clause: Option<&'static str>,
    pub severity: Severity,
    pub weight: u32,
    pub mode: Mode,
    /// Sends attack-like input (skipped by `--passive`).
    pub active: bool,
    /// Names of the reference-platform faults this check exists to catch (one per
    /// requirement it tests; none for a manual check).
    pub faults: &'static [&'static str],
}

impl CheckMeta {
    /// Whether the reference-platform fault `name` is one this check exists to catch.
    pub fn catches(&self, name: &str) -> bool {
        self.faults.contains(&name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    Fail,
    NotApplicable { reason: String },
    Inconclusive { error: String },
}

impl Outcome {
    pub fn key(&self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::NotApplicable { .. } => "not_applicable",
            Outcome::Inconclusive { .. } => "inconclusive",
        }
    }
}

/// One labelled piece of evidence: a digest, an expected/actual pair, a response excerpt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub label: String,
    pub value: String,
}

/// For checks that examine many items: the scoring standard deducts in proportion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Samples {
    pub examined: u64,
    pub failed: u64,
}

/// A lab threshold ([P]) a check used, disclosed with its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThresholdUsed {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    pub id: String,
    pub suite: Suite,
    pub title_zh: String,
    pub title_en: String,
    pub clauses: Vec<ClauseRef>,
    pub tianping_clause: Option<String>,
    pub severity: Severity,
    pub weight: u32,
    pub mode: Mode,
    pub outcome: Outcome,
    pub summary: String,
    pub evidence: Vec<Evidence>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub samples: Option<Samples>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thresholds: Vec<ThresholdUsed>,
    pub started_at: String,
    pub duration_ms: u64,
    /// A waiver the lab applied to this finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiver: Option<crate::waivers::WaiverNote>,
    /// Raw evidence files in the run folder (HTTP transcript, certificate chains), relative
    /// to it. A re-test's carried-over results point into the earlier run's folder.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub artefacts: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub pass: usize,
    pub fail: usize,
    pub not_applicable: usize,
    pub inconclusive: usize,
}

impl Counts {
    pub fn of<'a>(results: impl IntoIterator<Item = &'a CheckResult>) -> Counts {
        let mut c = Counts::default();
        for r in results {
            match r.outcome {
                Outcome::Pass => c.pass += 1,
                Outcome::Fail => c.fail += 1,
                Outcome::NotApplicable { .. } => c.not_applicable += 1,
                Outcome::Inconclusive { .. } => c.inconclusive += 1,
            }
        }
        c
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetSummary {
    pub base_url: String,
    /// `reference` when the embedded reference platform was evaluated.
    pub kind: String,
    /// Faults switched on in the reference platform, if that was the target.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reference_faults: Vec<String>,
}

/// Exit codes, documented in the README. Usage and config errors use 64 and up.
pub mod exit {
    pub const ALL_PASS: i32 = 0;
    pub const NONCONFORMITY: i32 = 1;
    pub const INCONCLUSIVE: i32 = 2;
    pub const USAGE: i32 = 64;
    pub const CONFIG: i32 = 78;
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunResults {
    pub schema: String,
    pub harness_version: String,
    pub run_id: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    /// False when the run was interrupted or a selected check has no result.
    pub complete: bool,
    pub target: TargetSummary,
    /// SM3 of the effective configuration (secrets are never part of it).
    pub config_sm3: String,
    pub selected: Vec<String>,
    pub counts: Counts,
    pub results: Vec<CheckResult>,
    /// Score and recommended conclusion (absent in files written before scoring existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assessment: Option<crate::scoring::Assessment>,
    /// Set on a rectification re-test: the run it continues and the checks it re-ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retest: Option<Retest>,
    /// Waivers that matched no failed check.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unmatched_waivers: Vec<String>,
    /// Who evaluated whom, from the configuration (for the report's cover).
    #[serde(default)]
    pub parties: Parties,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parties {
    pub applicant: Option<String>,
    pub platform: Option<String>,
    pub lab: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evaluators: Vec<String>,
}

impl Parties {
    pub fn from_config(config: &crate::Config) -> Parties {
        Parties {
            applicant: config.target.applicant.clone(),
            platform: config.target.platform.clone(),
            lab: config.lab.name.clone(),
            evaluators: config.lab.evaluators.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retest {
    pub previous_run_id: String,
    pub previous_results: String,
    pub previous_started_at: String,
    /// Checks re-run now; every other result is carried over from the previous run.
    pub rerun: Vec<String>,
}

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

    pub fn by_suite(&self, suite: Suite) -> impl Iterator<Item = &CheckResult> {
        self.results.iter().filter(move |r| r.suite == suite)
    }
}
