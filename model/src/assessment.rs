//! Score and recommended conclusion, as data. How they are computed lives in the engine.

use serde::{Deserialize, Serialize};

/// Recommended conclusion, after the access management spec 4.6.2.4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Conclusion {
    /// 准予接入
    Grant,
    /// 限期整改后准予接入 (within two months)
    Rectify,
    /// 不予接入
    Refuse,
    /// 不予接入 while checks are still undecided: a finding that decides the outcome is
    /// already there, so incompleteness does not hide it.
    RefuseIncomplete,
    /// No conclusion yet: something is undecided, or the run was partial.
    Incomplete,
    /// An applicant's self-test of the automated checks: scored, but no access conclusion.
    SelfTest,
}

impl Conclusion {
    /// Chinese wording, as the report prints it.
    pub fn title_zh(self) -> &'static str {
        match self {
            Conclusion::Grant => "准予接入",
            Conclusion::Rectify => "限期整改后准予接入",
            Conclusion::Refuse => "不予接入",
            Conclusion::RefuseIncomplete => "不予接入（测评尚未完成，已有决定性不符合项）",
            Conclusion::Incomplete => "测评未完成，暂无结论",
            Conclusion::SelfTest => "自测结果，非测评机构测评，不作接入结论",
        }
    }

    /// English wording.
    pub fn title_en(self) -> &'static str {
        match self {
            Conclusion::Grant => "Grant access",
            Conclusion::Rectify => "Grant after rectification within the set time",
            Conclusion::Refuse => "Refuse access",
            Conclusion::RefuseIncomplete => {
                "Refuse access (evaluation incomplete, but a finding already decides it)"
            }
            Conclusion::Incomplete => "Evaluation incomplete: no conclusion",
            Conclusion::SelfTest => "Self-test, not a lab evaluation: no access conclusion",
        }
    }
}

/// How one check counted in the score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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
    /// A failure with a lab waiver in force: shown as waived and kept out of the exit code,
    /// but scored as the failure it is (the standard knows no waivers).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub waived: bool,
    /// What the scoring did with a lab setting for this check that it could not honour
    /// (an exclusion of a failed check).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The four conditions of the certification standard §8.3 c) 3), each of which makes a
/// finding a special deduction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SpecialCondition {
    /// 不符合国家法律法规的相关要求
    Law,
    /// 无法满足《区块链白皮书》所描述的任何区块链基本特性
    BlockchainProperties,
    /// 采用欺骗方式误导顾客，所交付的服务无法满足服务协议中的服务需求
    Deception,
    /// 存在对区块链服务有重大风险可能造成服务意外中止的其它情况
    MajorRisk,
}

impl SpecialCondition {
    /// The standard's words.
    pub fn title_zh(self) -> &'static str {
        match self {
            SpecialCondition::Law => "不符合国家法律法规的相关要求",
            SpecialCondition::BlockchainProperties => "无法满足区块链基本特性",
            SpecialCondition::Deception => "误导顾客或无法满足服务协议中的服务需求",
            SpecialCondition::MajorRisk => "存在可能造成服务意外中止的重大风险",
        }
    }

    /// In English.
    pub fn title_en(self) -> &'static str {
        match self {
            SpecialCondition::Law => "does not meet national laws and regulations",
            SpecialCondition::BlockchainProperties => {
                "cannot provide a basic property of a blockchain"
            }
            SpecialCondition::Deception => {
                "misleads customers or cannot deliver the agreed service"
            }
            SpecialCondition::MajorRisk => "a major risk of unexpected service interruption",
        }
    }
}

/// One special deduction: the critical finding and the condition of §8.3 c) 3) it evidences.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SpecialDeduction {
    /// The check with the critical finding.
    pub id: String,
    /// The condition it evidences.
    pub condition: SpecialCondition,
}

/// How much of the evaluation a run covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Coverage {
    /// Checks with a result in this run.
    pub ran: usize,
    /// Checks the harness has: a run with fewer is partial and yields no grant.
    pub total: usize,
}

impl Coverage {
    /// Whether some of the harness's checks did not run.
    pub fn is_partial(&self) -> bool {
        self.ran < self.total
    }
}

/// Score and recommended conclusion of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Assessment {
    /// Score out of 100 after special deductions; absent while incomplete.
    pub score: Option<f64>,
    /// Weight earned over the scored checks.
    pub earned: f64,
    /// Weight of the scored checks.
    pub applicable: f64,
    /// Critical findings: each fails the evaluation and takes one more point off.
    pub special_deductions: Vec<String>,
    /// The condition of §8.3 c) 3) each special deduction evidences.
    #[serde(default)]
    pub special_conditions: Vec<SpecialDeduction>,
    /// The best practice the lab credited with the one bonus point (§8.3 c) 4)), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub best_practice_bonus: Option<String>,
    /// How many of the harness's checks ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<Coverage>,
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
