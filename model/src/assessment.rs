//! Score and recommended conclusion, as data. How they are computed lives in the engine.

use serde::{Deserialize, Serialize};

/// Recommended conclusion, after the access management spec 4.6.2.4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Conclusion {
    /// 准予接入
    Grant,
    /// 限期整改后准予接入 (within two months)
    Rectify,
    /// 不予接入
    Refuse,
    /// No conclusion yet: something is undecided.
    Incomplete,
}

impl Conclusion {
    /// Chinese wording, as the report prints it.
    pub fn title_zh(self) -> &'static str {
        match self {
            Conclusion::Grant => "准予接入",
            Conclusion::Rectify => "限期整改后准予接入",
            Conclusion::Refuse => "不予接入",
            Conclusion::Incomplete => "测评未完成，暂无结论",
        }
    }

    /// English wording.
    pub fn title_en(self) -> &'static str {
        match self {
            Conclusion::Grant => "Grant access",
            Conclusion::Rectify => "Grant after rectification within the set time",
            Conclusion::Refuse => "Refuse access",
            Conclusion::Incomplete => "Evaluation incomplete: no conclusion",
        }
    }
}

/// How one check counted in the score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoredCheck {
    /// Check ID.
    pub id: String,
    /// Weight after the lab's multipliers.
    pub weight: f64,
    /// 0 (conforms) to 1 (fails entirely); absent when the check is not scored.
    pub deduction: Option<f64>,
    /// Weight earned: (1 − deduction) × weight.
    pub earned: f64,
    /// Why the check is not in the score, when it is not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excluded: Option<String>,
    /// A failure the lab accepted with a waiver in force: scored as conforming.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub waived: bool,
}

/// Score and recommended conclusion of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    /// Score out of 100 after special deductions; absent while incomplete.
    pub score: Option<f64>,
    /// Weight earned over the scored checks.
    pub earned: f64,
    /// Weight of the scored checks.
    pub applicable: f64,
    /// Critical findings: each fails the evaluation and takes one more point off.
    pub special_deductions: Vec<String>,
    /// Grade of the score (standard §8.3 d), while there is one.
    pub grade: Option<String>,
    /// The recommended conclusion.
    pub conclusion: Conclusion,
    /// The rule that produced the conclusion, in words.
    pub rule: String,
    /// The same rule in Chinese, for the report.
    #[serde(default)]
    pub rule_zh: String,
    /// Checks still undecided: inconclusive, or manual without a lab record.
    pub undecided: Vec<String>,
    /// How each check counted.
    pub checks: Vec<ScoredCheck>,
}

/// Grade of a passing score (standard §8.3 d).
pub fn grade(score: f64) -> &'static str {
    match score {
        s if s >= 95.0 => "五星级（铂金） / five-star (platinum)",
        s if s >= 90.0 => "四星级（金牌） / four-star (gold)",
        s if s >= 80.0 => "三星级（银牌） / three-star (silver)",
        s if s >= 70.0 => "达标级 / meets the minimum",
        _ => "不合格 / below the minimum",
    }
}
