//! What a check found: its outcome, the evidence that decided it, and the samples it examined.

use serde::{Deserialize, Serialize};

use crate::meta::{ClauseRef, Mode, Severity, Suite};
use crate::waiver::WaiverNote;

/// What a check decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// The requirement is met, on evidence the check examined.
    Pass,
    /// A nonconformity, with the evidence that shows it.
    Fail,
    /// The requirement does not apply to this target; the reason says why.
    NotApplicable {
        /// Why it does not apply.
        reason: String,
    },
    /// The check could not decide; the error says why, so the lab can act on it.
    Inconclusive {
        /// Why the check could not decide.
        error: String,
    },
}

impl Outcome {
    /// Key used in results.json and the console.
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Evidence {
    /// What the value is, e.g. `expected SM3`.
    pub label: String,
    /// The label in Chinese, where the harness names the item in both languages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_zh: Option<String>,
    /// The value, masked where it could hold a secret.
    pub value: String,
}

impl Evidence {
    /// The label in Chinese when asked for and given, otherwise in English.
    pub fn label_in(&self, chinese: bool) -> &str {
        match (&self.label_zh, chinese) {
            (Some(zh), true) => zh,
            _ => &self.label,
        }
    }
}

/// For checks that examine many items: the scoring standard deducts in proportion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Samples {
    /// Items examined.
    pub examined: u64,
    /// Items among them that do not conform.
    pub failed: u64,
}

/// A lab threshold ([P]) a check used, disclosed with its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ThresholdUsed {
    /// The threshold's name, as in the configuration.
    pub name: String,
    /// The value in force for this run.
    pub value: String,
}

/// One check's result: its metadata as it stood when it ran, its outcome and its evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CheckResult {
    /// Check ID.
    pub id: String,
    /// Suite of the check.
    pub suite: Suite,
    /// Chinese title.
    pub title_zh: String,
    /// English title.
    pub title_en: String,
    /// What to change when the check fails (整改建议), in Chinese. Empty in results written
    /// before the field existed.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub advice_zh: String,
    /// The same advice in English.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub advice_en: String,
    /// Requirements the check tests.
    pub clauses: Vec<ClauseRef>,
    /// Clause of the Tianping technical spec, when the lab has it.
    pub tianping_clause: Option<String>,
    /// Severity of a nonconformity.
    pub severity: Severity,
    /// Weight before the lab's multipliers.
    pub weight: u32,
    /// How the check reached what it judged.
    pub mode: Mode,
    /// What the check decided.
    pub outcome: Outcome,
    /// One sentence a reader can act on.
    pub summary: String,
    /// The same finding in Chinese, when the check writes one; the Chinese report shows it,
    /// and falls back to `summary`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary_zh: Option<String>,
    /// Labelled evidence, in the order the check gathered it.
    pub evidence: Vec<Evidence>,
    /// Items examined and failed, for checks over many items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub samples: Option<Samples>,
    /// Lab thresholds the check used.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thresholds: Vec<ThresholdUsed>,
    /// When the check started (RFC 3339).
    pub started_at: String,
    /// How long it ran.
    pub duration_ms: u64,
    /// A waiver the lab applied to this finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiver: Option<WaiverNote>,
    /// Raw evidence files in the run folder (HTTP transcript, certificate chains), relative
    /// to it. A re-test's carried-over results point into the earlier run's folder.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub artefacts: Vec<String>,
}

/// How many checks ended in each outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Counts {
    /// Checks that passed.
    pub pass: usize,
    /// Nonconformities.
    pub fail: usize,
    /// Checks that do not apply.
    pub not_applicable: usize,
    /// Checks that could not decide.
    pub inconclusive: usize,
}

impl Counts {
    /// Counts the outcomes of `results`.
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

impl CheckResult {
    /// `ID outcome: summary` and the evidence, one labelled line each: for test failures and
    /// logs, never for reports (which render the model themselves).
    pub fn describe(&self) -> String {
        let evidence: Vec<String> = self
            .evidence
            .iter()
            .map(|e| format!("    {}: {}", e.label, e.value))
            .collect();
        format!(
            "{} {}: {}\n{}",
            self.id,
            self.outcome.key(),
            self.summary,
            evidence.join("\n")
        )
    }

    /// A failure the lab accepted with a waiver still in force.
    pub fn waived(&self) -> bool {
        self.outcome == Outcome::Fail && self.waiver.as_ref().is_some_and(|w| w.active)
    }

    /// The outcome as the reports print it, in Chinese and in English; a waived failure says
    /// so.
    pub fn outcome_title(&self) -> (&'static str, &'static str) {
        match (&self.outcome, self.waived()) {
            (Outcome::Pass, _) => ("符合", "pass"),
            (Outcome::Fail, true) => ("不符合（已豁免）", "fail (waived)"),
            (Outcome::Fail, false) => ("不符合", "fail"),
            (Outcome::NotApplicable { .. }, _) => ("不适用", "not applicable"),
            (Outcome::Inconclusive { .. }, _) => ("无法判定", "inconclusive"),
        }
    }
}
