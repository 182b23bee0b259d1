//! Score and recommended conclusion, computed from the results alone (and the lab's scoring
//! settings), after the blockchain-service certification standard §8.2–8.3:
//!
//! - each check carries a weight; a failed check loses all of it (deduction coefficient 1),
//!   or the failing fraction of its samples (§8.3 c) 1)–2));
//! - only a check that does not apply may be excluded (§8.2 a)): not-applicable checks, and
//!   the lab's accepted exclusions of checks that did not fail, leave the denominator; an
//!   exclusion of a failed check is refused and said so; score = earned / applicable × 100
//!   (§8.3 c) 5)–6));
//! - every critical finding is a special deduction under one of the four conditions of
//!   §8.3 c) 3) (by suite, or as the lab maps it): one point off beyond the score, and the
//!   evaluation fails whatever the score (§8.3 d) 2));
//! - one best-practice bonus point at most, credited by the lab (§8.3 c) 4));
//! - the unrounded score is compared with 70; grades at 70 / 80 / 90 / 95.
//!
//! Waivers never change the score or the conclusion: the standard knows none. They only keep
//! a vendor's CI green (the exit code) and are shown as waived.
//!
//! The conclusion maps that onto the access management spec's three outcomes (4.6.2.4):
//! grant, grant after rectifying a *few* nonconformities (at most the lab's `rectify_limit`;
//! more is refuse), refuse. A special deduction decides "refuse" even while checks are
//! undecided ("refuse (incomplete)"); otherwise an undecided check, an unfinished run or a
//! partial run (fewer checks than the harness has) gives no conclusion, never "grant".

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{
    Assessment, CheckResult, Conclusion, Coverage, Outcome, ScoredCheck, Severity,
    SpecialCondition, SpecialDeduction, Suite, grade,
};

/// Nonconformities a "grant after rectification" may have by default (the spec's "a few").
pub const DEFAULT_RECTIFY_LIMIT: usize = 5;

/// The lab's scoring settings (`[scoring]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScoringConfig {
    /// Multiplier per suite key (default 1).
    pub suite_weights: BTreeMap<String, f64>,
    /// Weight per check ID, replacing the check's own.
    pub check_weights: BTreeMap<String, f64>,
    /// Checks taken out of the score as not applicable, each with the reason.
    pub exclusions: Vec<Exclusion>,
    /// Most nonconformities for which "grant after rectification" is recommended; more is
    /// "refuse" (access management spec 4.6.2.4 b): "a few").
    pub rectify_limit: usize,
    /// The §8.3 c) 3) condition a check's critical finding evidences, per check ID,
    /// replacing the default by suite.
    pub special_conditions: BTreeMap<String, SpecialCondition>,
    /// A best practice the lab found in the platform's service, credited with the one bonus
    /// point §8.3 c) 4) allows.
    pub best_practice: Option<BestPractice>,
}

impl Default for ScoringConfig {
    fn default() -> Self {
        ScoringConfig {
            suite_weights: BTreeMap::new(),
            check_weights: BTreeMap::new(),
            exclusions: Vec::new(),
            rectify_limit: DEFAULT_RECTIFY_LIMIT,
            special_conditions: BTreeMap::new(),
            best_practice: None,
        }
    }
}

/// The lab's record of a best practice (§8.3 c) 4)).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BestPractice {
    /// What the practice is.
    pub practice: String,
    /// The evaluator who found it.
    pub evaluator: String,
}

/// The condition of §8.3 c) 3) a critical finding of a check in `suite` evidences unless the
/// lab maps it otherwise: data compliance and certificates are legal requirements (the
/// Personal Information Protection, Electronic Signature and Cryptography Laws), blockchain
/// security the basic properties of a blockchain, system security a major risk to the service.
pub fn default_condition(suite: Suite) -> SpecialCondition {
    match suite {
        Suite::DataCompliance | Suite::Certificates => SpecialCondition::Law,
        Suite::BlockchainSecurity => SpecialCondition::BlockchainProperties,
        Suite::SystemSecurity => SpecialCondition::MajorRisk,
    }
}

/// A check taken out of the score as not applicable, with the reason.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exclusion {
    /// The check.
    pub id: String,
    /// Why it does not apply.
    pub reason: String,
    /// False when the evaluators found the reason does not hold: the check is scored again.
    #[serde(default = "yes")]
    pub accepted: bool,
}

fn yes() -> bool {
    true
}

/// What a run covered: whether it finished, and how many of the harness's checks exist.
#[derive(Debug, Clone, Copy)]
pub struct RunScope {
    /// Every selected check has a result.
    pub complete: bool,
    /// Checks the harness has (the registry): a run with results for fewer is partial.
    pub total_checks: usize,
    /// An applicant's self-test: `total_checks` counts the automated checks only, and a
    /// conclusion the score would give is reported as what a lab evaluation would find, never
    /// as one.
    pub self_test: bool,
}

/// Scores `results` and recommends a conclusion (standard §8.3), knowing what the run covered.
pub fn assess_run(results: &[CheckResult], scope: RunScope, config: &ScoringConfig) -> Assessment {
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
        let failed = r.outcome == Outcome::Fail;
        // §8.2 a): only what does not apply is excluded; a failure shows that it applies.
        let note = (failed && exclusion.is_some()).then(|| {
            "exclusion refused: the check failed, so it applies (standard §8.2 a))".to_string()
        });
        let (deduction, excluded) = match (&r.outcome, exclusion) {
            (Outcome::Fail, _) => {
                nonconforming += 1;
                if r.severity == Severity::Critical {
                    special.push(SpecialDeduction {
                        id: r.id.clone(),
                        condition: config
                            .special_conditions
                            .get(&r.id)
                            .copied()
                            .unwrap_or_else(|| default_condition(r.suite)),
                    });
                }
                let d = match r.samples {
                    Some(s) if s.examined > 0 => {
                        (s.failed as f64 / s.examined as f64).clamp(0.0, 1.0)
                    }
                    _ => 1.0,
                };
                (Some(d), None)
            }
            (_, Some(e)) => (None, Some(format!("excluded: {}", e.reason))),
            (Outcome::NotApplicable { reason }, None) => {
                (None, Some(format!("not applicable: {reason}")))
            }
            (Outcome::Inconclusive { .. }, None) => {
                undecided.push(r.id.clone());
                (None, Some("inconclusive".to_string()))
            }
            (Outcome::Pass, None) => (Some(0.0), None),
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
            note,
        });
    }
    let coverage = Coverage {
        ran: results.len(),
        total: scope.total_checks.max(results.len()),
    };
    let bonus = config
        .best_practice
        .as_ref()
        .map(|b| format!("{} ({})", b.practice, b.evaluator));
    let raw = if applicable > 0.0 {
        earned / applicable * 100.0 - special.len() as f64 + if bonus.is_some() { 1.0 } else { 0.0 }
    } else {
        0.0
    };
    let raw = raw.clamp(0.0, 100.0);
    let score = (raw * 100.0).round() / 100.0;
    let mut verdict = conclude(&Tally {
        raw,
        score,
        applicable,
        special: &special,
        undecided: &undecided,
        nonconforming,
        rectify_limit: config.rectify_limit,
        complete: scope.complete,
        coverage,
    });
    if scope.self_test
        && matches!(
            verdict.conclusion,
            Conclusion::Grant | Conclusion::Rectify | Conclusion::Refuse
        )
    {
        verdict.conclusion = Conclusion::SelfTest;
        verdict.rule = format!(
            "self-test of the automated checks, not a lab evaluation; with these results a lab evaluation would find: {}",
            verdict.rule
        );
        verdict.rule_zh = format!(
            "自动化检查项的自测，非测评机构测评；按此结果，测评将认定：{}",
            verdict.rule_zh
        );
    }
    Assessment {
        score: verdict.score,
        earned,
        applicable,
        special_deductions: special.iter().map(|s| s.id.clone()).collect(),
        special_conditions: special,
        best_practice_bonus: bonus,
        coverage: Some(coverage),
        grade: verdict.grade,
        conclusion: verdict.conclusion,
        rule: verdict.rule,
        rule_zh: verdict.rule_zh,
        undecided,
        checks,
    }
}

/// Scores a complete run of exactly these checks (for tests and single-check tools).
pub fn assess(results: &[CheckResult], config: &ScoringConfig) -> Assessment {
    let scope = RunScope {
        complete: true,
        total_checks: results.len(),
        self_test: false,
    };
    assess_run(results, scope, config)
}

/// What the conclusion is drawn from.
struct Tally<'a> {
    raw: f64,
    score: f64,
    applicable: f64,
    special: &'a [SpecialDeduction],
    undecided: &'a [String],
    nonconforming: usize,
    rectify_limit: usize,
    complete: bool,
    coverage: Coverage,
}

/// A conclusion, the rule that gave it in both languages, and the score and grade shown.
struct Concluded {
    conclusion: Conclusion,
    rule: String,
    rule_zh: String,
    score: Option<f64>,
    grade: Option<String>,
}

fn conclude(t: &Tally<'_>) -> Concluded {
    let scored = |conclusion, rule: String, rule_zh: String, grade_of: f64| Concluded {
        conclusion,
        rule,
        rule_zh,
        score: Some(t.score),
        grade: Some(grade(grade_of).to_string()),
    };
    let none = |conclusion, rule: String, rule_zh: String| Concluded {
        conclusion,
        rule,
        rule_zh,
        score: None,
        grade: None,
    };
    // What keeps this run from being the whole evaluation, in both languages.
    let mut missing: Vec<(String, String)> = Vec::new();
    if !t.complete {
        missing.push(("the run did not finish".into(), "测评运行未完成".into()));
    }
    if !t.undecided.is_empty() {
        let list = t.undecided.join(", ");
        missing.push((
            format!("{} check(s) undecided ({list})", t.undecided.len()),
            format!("{} 项检查尚无判定（{list}）", t.undecided.len()),
        ));
    }
    if t.coverage.is_partial() {
        missing.push((
            format!(
                "a partial run: {} of the harness's {} checks ran",
                t.coverage.ran, t.coverage.total
            ),
            format!(
                "部分测评：仅运行了全部 {} 项检查中的 {} 项",
                t.coverage.total, t.coverage.ran
            ),
        ));
    }
    let missing_en = missing
        .iter()
        .map(|m| m.0.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    let missing_zh = missing
        .iter()
        .map(|m| m.1.as_str())
        .collect::<Vec<_>>()
        .join("；");
    if !t.special.is_empty() {
        let list_en = t
            .special
            .iter()
            .map(|s| format!("{} ({})", s.id, s.condition.title_en()))
            .collect::<Vec<_>>()
            .join(", ");
        let list_zh = t
            .special
            .iter()
            .map(|s| format!("{}（{}）", s.id, s.condition.title_zh()))
            .collect::<Vec<_>>()
            .join("、");
        let rule = format!(
            "critical finding(s) {list_en} are special deductions (standard §8.3 c) 3)): the evaluation fails whatever the score, and they must be rectified at once"
        );
        let rule_zh = format!(
            "严重不符合项 {list_zh} 属特别扣分项（规范 8.3 c) 3)）：无论得分多少，测评不通过，且应立即整改"
        );
        return if missing.is_empty() {
            scored(Conclusion::Refuse, rule, rule_zh, 0.0)
        } else {
            none(
                Conclusion::RefuseIncomplete,
                format!("{rule}; not yet complete: {missing_en}"),
                format!("{rule_zh}；测评尚未完成：{missing_zh}"),
            )
        };
    }
    if !missing.is_empty() {
        return none(
            Conclusion::Incomplete,
            format!("no conclusion: {missing_en}"),
            format!("不作结论：{missing_zh}"),
        );
    }
    if t.applicable == 0.0 {
        return none(
            Conclusion::Incomplete,
            "no scored check".into(),
            "没有计分的检查项".into(),
        );
    }
    let score = t.score;
    if t.raw < 70.0 {
        return scored(
            Conclusion::Refuse,
            format!("score {score:.2} is below the minimum of 70"),
            format!("得分 {score:.2} 低于 70 分的达标线"),
            t.raw,
        );
    }
    let n = t.nonconforming;
    if n > t.rectify_limit {
        return scored(
            Conclusion::Refuse,
            format!(
                "score {score:.2} ≥ 70, but {n} nonconformities are more than the {} a rectification may cover (access management spec 4.6.2.4 b), lab threshold rectify_limit)",
                t.rectify_limit
            ),
            format!(
                "得分 {score:.2} ≥ 70，但 {n} 项不符合超过限期整改可涵盖的 {} 项（接入管理规范 4.6.2.4 b），测评机构阈值 rectify_limit）",
                t.rectify_limit
            ),
            t.raw,
        );
    }
    if n > 0 {
        return scored(
            Conclusion::Rectify,
            format!(
                "score {score:.2} ≥ 70 with {n} nonconformit(ies) and no critical finding: grant after rectification within 2 months"
            ),
            format!(
                "得分 {score:.2} ≥ 70，有 {n} 项不符合且无严重不符合：限期 2 个月整改后准予接入"
            ),
            t.raw,
        );
    }
    scored(
        Conclusion::Grant,
        format!("every scored check conforms (score {score:.2})"),
        format!("全部计分检查项符合（得分 {score:.2}）"),
        t.raw,
    )
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
            advice_zh: String::new(),
            advice_en: String::new(),
            clauses: vec![],
            tianping_clause: None,
            severity,
            weight,
            mode: Mode::Remote,
            outcome,
            summary: String::new(),
            summary_zh: None,
            evidence: vec![],
            samples,
            thresholds: vec![],
            started_at: String::new(),
            duration_ms: 0,
            waiver: None,
            artefacts: Vec::new(),
        }
    }

    fn inconclusive() -> Outcome {
        Outcome::Inconclusive {
            error: "awaiting".into(),
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
            r("B", Severity::High, 1, inconclusive(), None),
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
            reason: "no public service yet".into(),
            accepted: true,
        });
        let a = assess(&results, &config);
        assert_eq!((a.score, a.conclusion), (Some(100.0), Conclusion::Grant));
        config.exclusions[0].accepted = false;
        assert_eq!(assess(&results, &config).conclusion, Conclusion::Incomplete);
    }

    #[test]
    fn a_failed_check_cannot_be_excluded() {
        let results = [
            r("A", Severity::High, 1, Outcome::Pass, None),
            r("B", Severity::High, 1, Outcome::Fail, None),
        ];
        let mut config = ScoringConfig::default();
        config.exclusions.push(Exclusion {
            id: "B".into(),
            reason: "declared out of scope".into(),
            accepted: true,
        });
        let a = assess(&results, &config);
        assert_eq!(a.score, Some(50.0), "the failure still counts");
        let b = a.checks.iter().find(|c| c.id == "B").unwrap();
        assert!(b.note.as_deref().unwrap().contains("exclusion refused"));
    }

    fn waived(mut result: CheckResult) -> CheckResult {
        result.waiver = Some(crate::model::WaiverNote {
            justification: "accepted".into(),
            approver: "lab".into(),
            expires: chrono::NaiveDate::from_ymd_opt(2099, 12, 31).unwrap(),
            active: true,
        });
        result
    }

    #[test]
    fn waivers_change_neither_score_nor_conclusion() {
        let results = [
            r("A", Severity::High, 9, Outcome::Pass, None),
            waived(r("B", Severity::Critical, 1, Outcome::Fail, None)),
        ];
        let a = assess(&results, &ScoringConfig::default());
        assert!(results[1].waived());
        assert_eq!(a.conclusion, Conclusion::Refuse);
        assert_eq!(a.special_deductions, ["B"]);
        assert!(a.checks[1].waived);
    }

    #[test]
    fn special_deductions_name_their_condition_by_suite_or_as_the_lab_maps_them() {
        let mut chain = r("BC", Severity::Critical, 1, Outcome::Fail, None);
        chain.suite = Suite::BlockchainSecurity;
        let mut system = r("SS", Severity::Critical, 1, Outcome::Fail, None);
        system.suite = Suite::SystemSecurity;
        let results = [chain, system];
        let a = assess(&results, &ScoringConfig::default());
        let conditions: Vec<_> = a.special_conditions.iter().map(|s| s.condition).collect();
        assert_eq!(
            conditions,
            [
                SpecialCondition::BlockchainProperties,
                SpecialCondition::MajorRisk
            ]
        );
        assert!(
            a.rule_zh.contains("无法满足区块链基本特性"),
            "{}",
            a.rule_zh
        );
        let mut config = ScoringConfig::default();
        config
            .special_conditions
            .insert("SS".into(), SpecialCondition::Law);
        assert_eq!(
            assess(&results, &config).special_conditions[1].condition,
            SpecialCondition::Law
        );
    }

    #[test]
    fn the_unrounded_score_is_compared_with_70() {
        // 17499 / 25000 = 69.996 %, which rounds to 70.00.
        let results = [
            r("A", Severity::High, 17_499, Outcome::Pass, None),
            r("B", Severity::High, 7_501, Outcome::Fail, None),
        ];
        let a = assess(&results, &ScoringConfig::default());
        assert_eq!(a.score, Some(70.0));
        assert_eq!(a.conclusion, Conclusion::Refuse, "{}", a.rule);
    }

    #[test]
    fn one_best_practice_bonus_point_at_most_and_never_above_100() {
        let results = [
            r("A", Severity::High, 8, Outcome::Pass, None),
            r("B", Severity::Medium, 2, Outcome::Fail, None),
        ];
        let config = ScoringConfig {
            best_practice: Some(BestPractice {
                practice: "public verification page".into(),
                evaluator: "张三".into(),
            }),
            ..ScoringConfig::default()
        };
        let a = assess(&results, &config);
        assert_eq!(a.score, Some(81.0));
        assert!(
            a.best_practice_bonus
                .unwrap()
                .contains("public verification")
        );
        let all = [r("A", Severity::High, 1, Outcome::Pass, None)];
        assert_eq!(assess(&all, &config).score, Some(100.0));
    }

    #[test]
    fn rectification_is_for_a_few_nonconformities_only() {
        let mut results = vec![r("A", Severity::High, 100, Outcome::Pass, None)];
        for i in 0..6 {
            results.push(r(&format!("F{i}"), Severity::Low, 1, Outcome::Fail, None));
        }
        let a = assess(&results, &ScoringConfig::default());
        assert_eq!(a.conclusion, Conclusion::Refuse, "{}", a.rule);
        assert!(a.rule.contains("rectify_limit"), "{}", a.rule);
        let config = ScoringConfig {
            rectify_limit: 6,
            ..ScoringConfig::default()
        };
        assert_eq!(assess(&results, &config).conclusion, Conclusion::Rectify);
    }

    #[test]
    fn a_critical_finding_decides_even_while_checks_are_undecided() {
        let results = [
            r("A", Severity::Critical, 1, Outcome::Fail, None),
            r("M", Severity::Low, 1, inconclusive(), None),
        ];
        let a = assess(&results, &ScoringConfig::default());
        assert_eq!(a.conclusion, Conclusion::RefuseIncomplete);
        assert!(a.rule.contains("M"), "{}", a.rule);
    }

    #[test]
    fn a_partial_run_never_grants() {
        let results = [r("A", Severity::High, 1, Outcome::Pass, None)];
        let scope = RunScope {
            complete: true,
            total_checks: 40,
            self_test: false,
        };
        let a = assess_run(&results, scope, &ScoringConfig::default());
        assert_eq!(a.conclusion, Conclusion::Incomplete);
        assert!(a.rule.contains("1 of the harness's 40"), "{}", a.rule);
        assert_eq!(a.coverage.unwrap().ran, 1);
        let failed = [r("A", Severity::Critical, 1, Outcome::Fail, None)];
        assert_eq!(
            assess_run(&failed, scope, &ScoringConfig::default()).conclusion,
            Conclusion::RefuseIncomplete
        );
    }

    /// A self-test is scored like an evaluation, but its conclusion is never an access
    /// decision; a critical finding still shows in the rule.
    #[test]
    fn a_self_test_scores_but_never_concludes() {
        let scope = RunScope {
            complete: true,
            total_checks: 2,
            self_test: true,
        };
        let passing = [
            r("A", Severity::High, 1, Outcome::Pass, None),
            r("B", Severity::High, 1, Outcome::Pass, None),
        ];
        let a = assess_run(&passing, scope, &ScoringConfig::default());
        assert_eq!((a.conclusion, a.score), (Conclusion::SelfTest, Some(100.0)));
        assert!(
            a.rule.starts_with("self-test") && a.rule_zh.contains("自测"),
            "{}",
            a.rule
        );
        let critical = [
            r("A", Severity::Critical, 1, Outcome::Fail, None),
            r("B", Severity::High, 1, Outcome::Pass, None),
        ];
        let a = assess_run(&critical, scope, &ScoringConfig::default());
        assert_eq!(a.conclusion, Conclusion::SelfTest);
        assert!(a.rule.contains("special deductions"), "{}", a.rule);
        // An unfinished self-test is incomplete like any run.
        let unfinished = RunScope {
            complete: false,
            ..scope
        };
        assert_eq!(
            assess_run(&passing, unfinished, &ScoringConfig::default()).conclusion,
            Conclusion::Incomplete
        );
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
