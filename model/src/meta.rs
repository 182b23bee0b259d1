//! What a check is: its identity, the clauses it rests on, its severity and weight.

use serde::{Deserialize, Serialize};

/// The four suites of the evaluation, in the order the report presents them.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Suite {
    /// 电子数据合规性: what is deposited, how it is identified, hashed, time-stamped and kept.
    DataCompliance,
    /// 系统安全性: accounts, sessions, transport, audit and exposure of the platform.
    SystemSecurity,
    /// 区块链安全性: the platform's chain, its consensus and its anchoring to Tianping.
    BlockchainSecurity,
    /// 证书: server, TLCP, time-stamp, signing and deposit certificates.
    Certificates,
}

impl Suite {
    /// Every suite, in report order.
    pub const ALL: [Suite; 4] = [
        Suite::DataCompliance,
        Suite::SystemSecurity,
        Suite::BlockchainSecurity,
        Suite::Certificates,
    ];

    /// Key used in configuration files, `--suite` and results.json.
    pub fn key(self) -> &'static str {
        match self {
            Suite::DataCompliance => "data_compliance",
            Suite::SystemSecurity => "system_security",
            Suite::BlockchainSecurity => "blockchain_security",
            Suite::Certificates => "certificates",
        }
    }

    /// Chinese title, as the report prints it.
    pub fn title_zh(self) -> &'static str {
        match self {
            Suite::DataCompliance => "电子数据合规性",
            Suite::SystemSecurity => "系统安全性",
            Suite::BlockchainSecurity => "区块链安全性",
            Suite::Certificates => "证书",
        }
    }

    /// English title.
    pub fn title_en(self) -> &'static str {
        match self {
            Suite::DataCompliance => "Data compliance",
            Suite::SystemSecurity => "System security",
            Suite::BlockchainSecurity => "Blockchain security",
            Suite::Certificates => "Certificates",
        }
    }

    /// The suite whose [`Suite::key`] is `key`.
    pub fn from_key(key: &str) -> Option<Suite> {
        Suite::ALL.into_iter().find(|s| s.key() == key)
    }
}

/// How sure we are that a clause says what the check relies on (research catalogue tags).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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
    /// The one-letter tag printed beside a clause: `V`, `K` or `P`.
    pub fn tag(self) -> &'static str {
        match self {
            Provenance::Verified => "V",
            Provenance::Known => "K",
            Provenance::Policy => "P",
        }
    }
}

/// A requirement a check rests on: where it is written and how sure we are of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Clause {
    /// Where the requirement is written (standard and clause, or profile section).
    pub source: &'static str,
    /// The same in Chinese, for the Chinese report: the standard's own terms where it is a
    /// Chinese standard, a translation otherwise.
    pub zh: &'static str,
    /// How sure we are that the source says so.
    pub provenance: Provenance,
}

/// Owned form of [`Clause`] for results read back from JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ClauseRef {
    /// Where the requirement is written.
    pub source: String,
    /// The same in Chinese (absent in results written before it was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_zh: Option<String>,
    /// How sure we are that the source says so.
    pub provenance: Provenance,
}

impl ClauseRef {
    /// The source in Chinese when asked for and recorded, otherwise as written.
    pub fn source_in(&self, chinese: bool) -> &str {
        match (&self.source_zh, chinese) {
            (Some(zh), true) => zh,
            _ => &self.source,
        }
    }
}

impl From<&Clause> for ClauseRef {
    fn from(c: &Clause) -> Self {
        ClauseRef {
            source: c.source.to_string(),
            source_zh: Some(c.zh.to_string()),
            provenance: c.provenance,
        }
    }
}

/// Critical findings are the scoring standard's "special deductions": they fail an
/// evaluation whatever the score.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Weak practice with little effect on the evidence.
    Low,
    /// A gap an attacker needs more to exploit.
    Medium,
    /// A gap that directly weakens the evidence or the platform.
    High,
    /// A special deduction: the evaluation fails whatever the score.
    Critical,
}

impl Severity {
    /// The word the Chinese report prints.
    pub fn title_zh(self) -> &'static str {
        match self {
            Severity::Low => "低",
            Severity::Medium => "中",
            Severity::High => "高",
            Severity::Critical => "严重",
        }
    }

    /// Key used in results.json and JUnit properties.
    pub fn key(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// How a check reaches what it judges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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
    /// Key used in results.json and JUnit properties.
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
    /// Stable identifier, e.g. `DC-001`: the file name and every output use it.
    pub id: &'static str,
    /// The suite the check belongs to.
    pub suite: Suite,
    /// Chinese title.
    pub title_zh: &'static str,
    /// English title.
    pub title_en: &'static str,
    /// What to change when the check fails (整改建议), in Chinese: printed under the
    /// nonconformity in the report.
    pub advice_zh: &'static str,
    /// The same advice in English.
    pub advice_en: &'static str,
    /// The requirements the check tests.
    pub clauses: &'static [Clause],
    /// Clause of the Tianping technical spec, once the lab has its text (not public).
    pub tianping_clause: Option<&'static str>,
    /// How much a nonconformity weighs beyond the score.
    pub severity: Severity,
    /// Weight in the score before the lab's multipliers.
    pub weight: u32,
    /// How the check reaches what it judges.
    pub mode: Mode,
    /// Sends attack-like input (skipped by `--passive`).
    pub active: bool,
    /// Names of the reference-platform faults this check exists to catch (one per
    /// requirement it tests; none for a manual check).
    pub faults: &'static [&'static str],
    /// The lab thresholds the check uses: numbers the sources leave to the lab.
    pub thresholds: &'static [LabThreshold],
}

/// A number (or list) the sources leave to the lab, declared by the check that uses it. The
/// lab may set it under `[thresholds]` in the configuration; every output discloses the
/// value used.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LabThreshold {
    /// Key under `[thresholds]`.
    pub name: &'static str,
    /// Value when the lab sets none.
    pub default: ThresholdDefault,
    /// Unit of the value, e.g. `s`, `days`, `bits`; empty for a count or a list.
    pub unit: &'static str,
    /// What the value stands for and where the requirement comes from.
    pub meaning: &'static str,
}

/// The kind and default of a lab threshold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ThresholdDefault {
    /// A whole number within an inclusive range.
    Integer {
        /// Value when the lab sets none.
        value: i64,
        /// Smallest value the lab may set.
        min: i64,
        /// Largest value the lab may set.
        max: i64,
    },
    /// A list of names, each one of `allowed`.
    Names {
        /// Value when the lab sets none.
        value: &'static [&'static str],
        /// Names the lab may use.
        allowed: &'static [&'static str],
    },
}

impl LabThreshold {
    /// The default, as the configuration would write it.
    pub fn default_text(&self) -> String {
        match self.default {
            ThresholdDefault::Integer { value, .. } => value.to_string(),
            ThresholdDefault::Names { value, .. } => format!("{value:?}"),
        }
    }
}

impl CheckMeta {
    /// Whether the reference-platform fault `name` is one this check exists to catch.
    pub fn catches(&self, name: &str) -> bool {
        self.faults.contains(&name)
    }
}
