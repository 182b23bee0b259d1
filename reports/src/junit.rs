//! JUnit XML: one <testsuite> per harness suite, one <testcase> per check. Pass is success,
//! fail is <failure> carrying the evidence, not-applicable is <skipped> with its reason, and
//! inconclusive is <error>, so CI never mistakes "could not decide" for a pass.

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use tianping_model::{CheckResult, Outcome, RunResults, Suite};

use crate::ReportError;

fn evidence_text(r: &CheckResult) -> String {
    let mut text = String::new();
    for e in &r.evidence {
        text.push_str(&format!("{}: {}\n", e.label, e.value));
    }
    if let Some(s) = r.samples {
        text.push_str(&format!(
            "samples: {} examined, {} failed\n",
            s.examined, s.failed
        ));
    }
    for t in &r.thresholds {
        text.push_str(&format!("lab threshold {} = {}\n", t.name, t.value));
    }
    text
}

fn test_case(r: &CheckResult) -> TestCase {
    let status = match &r.outcome {
        Outcome::Pass => TestCaseStatus::success(),
        // An accepted finding must not break CI, but stays visible with its waiver.
        Outcome::Fail if r.waived() => {
            let w = r
                .waiver
                .as_ref()
                .expect("waived results carry their waiver");
            let mut s = TestCaseStatus::skipped();
            s.set_message(format!(
                "waived finding: {} — {} (approved by {}, until {})",
                r.summary, w.justification, w.approver, w.expires
            ));
            s.set_description(evidence_text(r));
            s
        }
        Outcome::Fail => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            s.set_message(r.summary.clone())
                .set_type(format!("nonconformity/{}", r.severity.key()))
                .set_description(evidence_text(r));
            s
        }
        Outcome::NotApplicable { reason } => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(format!("not applicable: {reason}"));
            s
        }
        Outcome::Inconclusive { error } => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
            s.set_message(format!("inconclusive: {error}"))
                .set_type("inconclusive")
                .set_description(evidence_text(r));
            s
        }
    };
    let mut case = TestCase::new(format!("{} {}", r.id, r.title_en), status);
    case.set_classname(format!("tianping.{}", r.suite.key()));
    case.set_time(std::time::Duration::from_millis(r.duration_ms));
    let clauses: Vec<String> = r
        .clauses
        .iter()
        .map(|c| format!("{} [{}]", c.source, c.provenance.tag()))
        .collect();
    case.add_property(("id", r.id.as_str()))
        .add_property(("title_zh", r.title_zh.as_str()))
        .add_property(("title_en", r.title_en.as_str()))
        .add_property(("clauses", clauses.join("; ").as_str()))
        .add_property((
            "tianping_clause",
            r.tianping_clause.as_deref().unwrap_or(""),
        ))
        .add_property(("severity", r.severity.key()))
        .add_property(("weight", r.weight.to_string().as_str()))
        .add_property(("mode", r.mode.key()))
        .add_property(("outcome", r.outcome.key()));
    if let Some(w) = &r.waiver {
        case.add_property(("waiver", if w.active { "active" } else { "expired" }))
            .add_property(("waiver_approver", w.approver.as_str()))
            .add_property(("waiver_expires", w.expires.to_string().as_str()));
    }
    for t in &r.thresholds {
        case.add_property((
            format!("lab_threshold.{}", t.name).as_str(),
            t.value.as_str(),
        ));
    }
    if matches!(r.outcome, Outcome::Pass) && !r.evidence.is_empty() {
        case.set_system_out(evidence_text(r));
    }
    case
}

pub fn render(results: &RunResults) -> Result<String, ReportError> {
    let mut report = Report::new("tianping-harness");
    for suite in Suite::ALL {
        let cases: Vec<TestCase> = results.by_suite(suite).map(test_case).collect();
        if cases.is_empty() {
            continue;
        }
        let mut ts = TestSuite::new(suite.key());
        ts.add_property(("title_zh", suite.title_zh()))
            .add_property(("title_en", suite.title_en()))
            .add_property(("target", results.target.base_url.as_str()))
            .add_property(("run_id", results.run_id.as_str()))
            .add_property(("harness_version", results.harness_version.as_str()))
            .add_property(("config_sm3", results.config_sm3.as_str()))
            .add_property(("complete", if results.complete { "true" } else { "false" }));
        if let Some(a) = &results.assessment {
            ts.add_property((
                "score",
                a.score
                    .map(|s| format!("{s:.2}"))
                    .unwrap_or_default()
                    .as_str(),
            ))
            .add_property((
                "conclusion",
                serde_json::to_value(a.conclusion)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()
                    .as_str(),
            ))
            .add_property(("conclusion_rule", a.rule.as_str()));
        }
        ts.add_test_cases(cases);
        report.add_test_suite(ts);
    }
    report
        .to_string()
        .map_err(|e| ReportError::Junit(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tianping_model::*;

    fn result(id: &str, suite: Suite, outcome: Outcome) -> CheckResult {
        CheckResult {
            id: id.into(),
            suite,
            title_zh: "标题".into(),
            title_en: "Title".into(),
            clauses: vec![ClauseRef {
                source: "GB/T 22239-2019 8.1.4.1".into(),
                provenance: Provenance::Verified,
            }],
            tianping_clause: None,
            severity: Severity::High,
            weight: 3,
            mode: Mode::Remote,
            outcome,
            summary: format!("summary of {id}"),
            evidence: vec![Evidence {
                label: "expected".into(),
                value: "abc <&> 天平".into(),
            }],
            samples: Some(Samples {
                examined: 4,
                failed: 1,
            }),
            thresholds: vec![ThresholdUsed {
                name: "blocks_to_sample".into(),
                value: "64".into(),
            }],
            started_at: "2026-11-22T00:00:00.000Z".into(),
            duration_ms: 12,
            waiver: None,
            artefacts: Vec::new(),
        }
    }

    fn results(rs: Vec<CheckResult>) -> RunResults {
        RunResults {
            schema: RESULTS_SCHEMA.into(),
            harness_version: "test".into(),
            run_id: "r".into(),
            started_at: "2026-11-22T00:00:00.000Z".into(),
            finished_at: None,
            complete: true,
            target: TargetSummary {
                base_url: "https://x".into(),
                kind: "live".into(),
                reference_faults: vec![],
                adapter: None,
                declarations: Vec::new(),
            },
            config_sm3: "00".into(),
            selected: rs.iter().map(|r| r.id.clone()).collect(),
            counts: Counts::of(&rs),
            results: rs,
            assessment: None,
            retest: None,
            unmatched_waivers: vec![],
            parties: Default::default(),
        }
    }

    #[test]
    fn each_outcome_maps_to_its_junit_element() {
        let xml = render(&results(vec![
            result("DC-001", Suite::DataCompliance, Outcome::Pass),
            result("DC-002", Suite::DataCompliance, Outcome::Fail),
            result(
                "SS-001",
                Suite::SystemSecurity,
                Outcome::NotApplicable {
                    reason: "no registration endpoint".into(),
                },
            ),
            result(
                "BC-001",
                Suite::BlockchainSecurity,
                Outcome::Inconclusive {
                    error: "timed out".into(),
                },
            ),
        ]))
        .unwrap();
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let case = |id: &str| {
            doc.descendants()
                .find(|n| {
                    n.has_tag_name("testcase") && n.attribute("name").unwrap().starts_with(id)
                })
                .unwrap()
        };
        assert!(case("DC-001").children().all(|c| !c.is_element()
            || c.has_tag_name("properties")
            || c.has_tag_name("system-out")));
        let failure = case("DC-002")
            .children()
            .find(|c| c.has_tag_name("failure"))
            .unwrap();
        assert_eq!(failure.attribute("message"), Some("summary of DC-002"));
        assert!(
            failure.text().unwrap().contains("abc <&> 天平"),
            "evidence survives escaping"
        );
        assert!(
            failure
                .text()
                .unwrap()
                .contains("lab threshold blocks_to_sample = 64")
        );
        let skipped = case("SS-001")
            .children()
            .find(|c| c.has_tag_name("skipped"))
            .unwrap();
        assert!(
            skipped
                .attribute("message")
                .unwrap()
                .contains("no registration endpoint")
        );
        let error = case("BC-001")
            .children()
            .find(|c| c.has_tag_name("error"))
            .unwrap();
        assert!(
            error
                .attribute("message")
                .unwrap()
                .contains("inconclusive: timed out")
        );
        // Suites without results are left out rather than written empty.
        assert_eq!(
            doc.descendants()
                .filter(|n| n.has_tag_name("testsuite"))
                .count(),
            3
        );
    }

    #[test]
    fn exit_code_is_fail_closed() {
        let pass = result("A", Suite::DataCompliance, Outcome::Pass);
        let inconclusive = result(
            "B",
            Suite::DataCompliance,
            Outcome::Inconclusive { error: "x".into() },
        );
        let fail = result("C", Suite::DataCompliance, Outcome::Fail);
        assert_eq!(results(vec![pass.clone()]).exit_code(), 0);
        assert_eq!(
            results(vec![pass.clone(), inconclusive.clone()]).exit_code(),
            2
        );
        assert_eq!(results(vec![inconclusive, fail]).exit_code(), 1);
        assert_eq!(results(vec![]).exit_code(), 2, "an empty run is not a pass");
        let mut incomplete = results(vec![pass]);
        incomplete.complete = false;
        assert_eq!(incomplete.exit_code(), 2);
    }
}
