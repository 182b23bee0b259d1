//! Score and recommended conclusion, computed from the results alone (and the lab's scoring
//! settings). The model follows the blockchain-service certification standard §8.3: each check
//! carries a weight; a failed check loses all of it (deduction coefficient 1), or the failing
//! fraction of its samples; excluded checks leave the denominator; score = earned / applicable
//! × 100; every critical finding is a special deduction (one extra point off, and the
//! evaluation fails whatever the score); grades at 70 / 80 / 90 / 95.
//!
//! The conclusion maps that onto the access management spec's three outcomes (4.6.2.4): grant,
//! grant after rectification, refuse. While any check is inconclusive, including manual checks
//! the lab has not recorded, there is no conclusion: the evaluation is incomplete.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{Assessment, CheckResult, Conclusion, Outcome, ScoredCheck, Severity, grade};

/// The lab's scoring settings (`[scoring]`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScoringConfig {
    /// Multiplier per suite key (default 1).
    pub suite_weights: BTreeMap<String, f64>,
    /// Weight per check ID, replacing the check's own.
    pub check_weights: BTreeMap<String, f64>,
    /// Checks taken out of the score, each with the reason.
    pub exclusions: Vec<Exclusion>,
}

/// A check taken out of the score, with the reason.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exclusion {
    /// The check.
    pub id: String,
    /// Why it is excluded.
    pub reason: String,
    /// False when the evaluators found the reason does not hold: the check is scored again.
    #[serde(default = "yes")]
    pub accepted: bool,
}

fn yes() -> bool {
    true
}

/// Assesses a run; a run that did not finish gets no score and no conclusion, whatever its
/// results so far.
pub fn assess_run(results: &[CheckResult], complete: bool, config: &ScoringConfig) -> Assessment {
    let mut assessment = assess(results, config);
    if !complete {
        assessment.conclusion = Conclusion::Incomplete;
        assessment.score = None;
        assessment.grade = None;
        assessment.rule = "the run did not finish: no conclusion".into();
        assessment.rule_zh = "测评运行未完成：不作结论".into();
    }
    assessment
}

/// Scores `results` and recommends a conclusion (standard §8.3).
pub fn assess(results: &[CheckResult], config: &ScoringConfig) -> Assessment {
    let mut checks = Vec::new();
    let (mut earned, mut applicable) = (0.0, 0.0);
    let mut special = Vec::new();
    let mut undecided = Vec::new();
    let mut nonconforming = 0;
    for r in results {
        let suite_factor = config
            .suite_weights
            .get(r.suite.key())
            .copied()
            .unwrap_or(1.0);
        let weight = config
            .check_weights
            .get(&r.id)
            .copied()
            .unwrap_or(r.weight as f64)
            * suite_factor;
        let exclusion = config
            .exclusions
            .iter()
            .find(|e| e.id.eq_ignore_ascii_case(&r.id) && e.accepted);
        let (deduction, excluded) = match (&r.outcome, exclusion) {
            (_, Some(e)) => (None, Some(format!("excluded: {}", e.reason))),
            (Outcome::NotApplicable { reason }, None) => {
                (None, Some(format!("not applicable: {reason}")))
            }
            (Outcome::Inconclusive { .. }, None) => {
                undecided.push(r.id.clone());
                (None, Some("inconclusive".to_string()))
            }
            (Outcome::Pass, None) => (Some(0.0), None),
            (Outcome::Fail, None) if r.waived() => (Some(0.0), None),
            (Outcome::Fail, None) => {
                nonconforming += 1;
                if r.severity == Severity::Critical {
                    special.push(r.id.clone());
                }
                let d = match r.samples {
                    Some(s) if s.examined > 0 => {
                        (s.failed as f64 / s.examined as f64).clamp(0.0, 1.0)
                    }
                    _ => 1.0,
                };
                (Some(d), None)
            }
        };
        let got = deduction.map(|d| (1.0 - d) * weight).unwrap_or(0.0);
        if deduction.is_some() {
            applicable += weight;
            earned += got;
        }
        checks.push(ScoredCheck {
            id: r.id.clone(),
            weight,
            deduction,
            earned: got,
            excluded,
            waived: r.waived(),
        });
    }
    let raw = if applicable > 0.0 {
        earned / applicable * 100.0
    } else {
        0.0
    };
    let score = ((raw - special.len() as f64).max(0.0) * 100.0).round() / 100.0;
    let undecided_list = undecided.join(", ");
    let special_list = special.join(", ");
    let (conclusion, rule, rule_zh, score, grade_text) = if !undecided.is_empty() {
        (
            Conclusion::Incomplete,
            format!(
                "{} check(s) undecided ({undecided_list}): no conclusion until every check has a verdict",
                undecided.len(),
            ),
            format!(
                "{} 项检查尚无判定（{undecided_list}）：全部检查有判定前不作结论",
                undecided.len()
            ),
            None,
            None,
        )
    } else if applicable == 0.0 {
        (
            Conclusion::Incomplete,
            "no scored check".to_string(),
            "没有计分的检查项".to_string(),
            None,
            None,
        )
    } else if !special.is_empty() {
        (
            Conclusion::Refuse,
            format!(
                "critical finding(s) {special_list} are special deductions: the evaluation fails whatever the score"
            ),
            format!("严重不符合项 {special_list} 属特别扣分项：无论得分多少，测评不通过"),
            Some(score),
            Some(grade(0.0).to_string()),
        )
    } else if score < 70.0 {
        (
            Conclusion::Refuse,
            format!("score {score:.2} is below the minimum of 70"),
            format!("得分 {score:.2} 低于 70 分的达标线"),
            Some(score),
            Some(grade(score).to_string()),
        )
    } else if nonconforming > 0 {
        (
            Conclusion::Rectify,
            format!(
                "score {score:.2} ≥ 70 with {nonconforming} nonconformit(ies) and no critical finding: grant after rectification within 2 months"
            ),
            format!(
                "得分 {score:.2} ≥ 70，有 {nonconforming} 项不符合且无严重不符合：限期 2 个月整改后准予接入"
            ),
            Some(score),
            Some(grade(score).to_string()),
        )
    } else {
        (
            Conclusion::Grant,
            format!("every scored check conforms (score {score:.2})"),
            format!("全部计分检查项符合（得分 {score:.2}）"),
            Some(score),
            Some(grade(score).to_string()),
        )
    };
    Assessment {
        score,
        earned,
        applicable,
        special_deductions: special,
        grade: grade_text,
        conclusion,
        rule,
        rule_zh,
        undecided,
        checks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;

    fn r(
        id: &str,
        severity: Severity,
        weight: u32,
        outcome: Outcome,
        samples: Option<Samples>,
    ) -> CheckResult {
        CheckResult {
            id: id.into(),
            suite: Suite::DataCompliance,
            title_zh: String::new(),
            title_en: String::new(),
            clauses: vec![],
            tianping_clause: None,
            severity,
            weight,
            mode: Mode::Remote,
            outcome,
            summary: String::new(),
            evidence: vec![],
            samples,
            thresholds: vec![],
            started_at: String::new(),
            duration_ms: 0,
            waiver: None,
            artefacts: Vec::new(),
        }
    }

    #[test]
    fn all_passing_is_100_and_grant() {
        let a = assess(
            &[
                r("A", Severity::High, 3, Outcome::Pass, None),
                r("B", Severity::Low, 1, Outcome::Pass, None),
            ],
            &ScoringConfig::default(),
        );
        assert_eq!((a.score, a.conclusion), (Some(100.0), Conclusion::Grant));
    }

    #[test]
    fn a_minor_failure_deducts_its_weight_and_asks_for_rectification() {
        let a = assess(
            &[
                r("A", Severity::High, 9, Outcome::Pass, None),
                r("B", Severity::Medium, 1, Outcome::Fail, None),
            ],
            &ScoringConfig::default(),
        );
        assert_eq!((a.score, a.conclusion), (Some(90.0), Conclusion::Rectify));
    }

    #[test]
    fn sampled_failures_deduct_in_proportion() {
        let s = Some(Samples {
            examined: 4,
            failed: 1,
        });
        let a = assess(
            &[
                r("A", Severity::High, 6, Outcome::Pass, None),
                r("B", Severity::Medium, 4, Outcome::Fail, s),
            ],
            &ScoringConfig::default(),
        );
        assert_eq!(a.score, Some(90.0));
    }

    #[test]
    fn a_critical_finding_refuses_whatever_the_score() {
        let a = assess(
            &[
                r("A", Severity::High, 99, Outcome::Pass, None),
                r(
                    "B",
                    Severity::Critical,
                    1,
                    Outcome::Fail,
                    Some(Samples {
                        examined: 100,
                        failed: 1,
                    }),
                ),
            ],
            &ScoringConfig::default(),
        );
        assert_eq!(a.conclusion, Conclusion::Refuse);
        assert_eq!(a.special_deductions, ["B"]);
        assert!(
            a.score.unwrap() < 100.0 - 1.0 + 0.01,
            "one extra point off: {:?}",
            a.score
        );
    }

    #[test]
    fn below_70_refuses() {
        let a = assess(
            &[
                r("A", Severity::High, 3, Outcome::Pass, None),
                r("B", Severity::High, 7, Outcome::Fail, None),
            ],
            &ScoringConfig::default(),
        );
        assert_eq!((a.score, a.conclusion), (Some(30.0), Conclusion::Refuse));
    }

    #[test]
    fn undecided_checks_give_no_conclusion() {
        let a = assess(
            &[
                r("A", Severity::High, 3, Outcome::Pass, None),
                r(
                    "M",
                    Severity::Low,
                    1,
                    Outcome::Inconclusive {
                        error: "awaiting".into(),
                    },
                    None,
                ),
            ],
            &ScoringConfig::default(),
        );
        assert_eq!((a.score, a.conclusion), (None, Conclusion::Incomplete));
        assert_eq!(a.undecided, ["M"]);
    }

    #[test]
    fn exclusions_and_not_applicable_leave_the_denominator_unless_rejected() {
        let results = [
            r("A", Severity::High, 1, Outcome::Pass, None),
            r("B", Severity::High, 1, Outcome::Fail, None),
            r(
                "C",
                Severity::High,
                1,
                Outcome::NotApplicable {
                    reason: "no".into(),
                },
                None,
            ),
        ];
        let mut config = ScoringConfig::default();
        config.exclusions.push(Exclusion {
            id: "B".into(),
            reason: "declared out of scope".into(),
            accepted: true,
        });
        assert_eq!(assess(&results, &config).score, Some(100.0));
        config.exclusions[0].accepted = false;
        assert_eq!(assess(&results, &config).score, Some(50.0));
    }

    #[test]
    fn weights_come_from_the_config_when_given() {
        let results = [
            r("A", Severity::High, 1, Outcome::Pass, None),
            r("B", Severity::Medium, 1, Outcome::Fail, None),
        ];
        let mut config = ScoringConfig::default();
        config.check_weights.insert("A".into(), 3.0);
        assert_eq!(assess(&results, &config).score, Some(75.0));
        config.suite_weights.insert("data_compliance".into(), 2.0);
        assert_eq!(
            assess(&results, &config).score,
            Some(75.0),
            "a suite factor scales both alike"
        );
    }
}
