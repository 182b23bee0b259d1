//! JUnit XML: one <testsuite> per harness suite, one <testcase> per check. Pass is success,
//! fail is <failure> carrying the evidence, not-applicable is <skipped> with its reason, and
//! inconclusive is <error>, so CI never mistakes "could not decide" for a pass.

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use tianping_engine::{CheckResult, Outcome, RunResults, Suite};

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
        ts.add_test_cases(cases);
        report.add_test_suite(ts);
    }
    report
        .to_string()
        .map_err(|e| ReportError::Junit(e.to_string()))
}
