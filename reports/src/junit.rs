//! JUnit XML in the form strict consumers validate: Jenkins' xunit plugin checks `junit-10.xsd`,
//! which allows `<properties>` on a `<testsuite>` only and no `skipped` on `<testsuites>`. One
//! `<testsuite>` per harness suite, one `<testcase>` per check. Pass is success, fail is
//! `<failure>` (type `nonconformity/<severity>`) carrying the evidence, not-applicable and a
//! waived finding are `<skipped>` with the reason, and inconclusive is `<error>`, so CI never
//! mistakes "could not decide" for a pass. Each check's ID, titles, clauses, severity and mode
//! are the first lines of its `<system-out>`, which every CI UI shows.
//!
//! Written with quick-xml rather than quick-junit, whose output puts properties inside test
//! cases and a `skipped` count on the root, which junit-10.xsd refuses.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
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

/// What the check is, one `key: value` per line, for `<system-out>`.
fn metadata_text(r: &CheckResult) -> String {
    let clauses: Vec<String> = r
        .clauses
        .iter()
        .map(|c| format!("{} [{}]", c.source, c.provenance.tag()))
        .collect();
    let mut text = format!(
        "id: {}\ntitle_zh: {}\ntitle_en: {}\nseverity: {}\nweight: {}\nmode: {}\noutcome: {}\nclauses: {}\n",
        r.id,
        r.title_zh,
        r.title_en,
        r.severity.key(),
        r.weight,
        r.mode.key(),
        r.outcome.key(),
        clauses.join("; ")
    );
    if let Some(t) = &r.tianping_clause {
        text.push_str(&format!("tianping_clause: {t}\n"));
    }
    if let Some(w) = &r.waiver {
        text.push_str(&format!(
            "waiver: {} (approved by {}, until {})\n",
            if w.active { "active" } else { "expired" },
            w.approver,
            w.expires
        ));
    }
    text
}

/// Seconds with milliseconds, in the form junit-10.xsd's SUREFIRE_TIME accepts.
fn seconds(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// The outcome's element (`failure`, `error`, `skipped`), with its message, type and text.
fn outcome_element(r: &CheckResult) -> Option<(&'static str, String, Option<String>, String)> {
    match &r.outcome {
        Outcome::Pass => None,
        // An accepted finding must not break CI, but stays visible with its waiver.
        Outcome::Fail if r.waived() => {
            let w = r
                .waiver
                .as_ref()
                .expect("waived results carry their waiver");
            Some((
                "skipped",
                format!(
                    "waived finding: {} — {} (approved by {}, until {})",
                    r.summary, w.justification, w.approver, w.expires
                ),
                None,
                evidence_text(r),
            ))
        }
        Outcome::Fail => Some((
            "failure",
            r.summary.clone(),
            Some(format!("nonconformity/{}", r.severity.key())),
            evidence_text(r),
        )),
        Outcome::NotApplicable { reason } => Some((
            "skipped",
            format!("not applicable: {reason}"),
            None,
            String::new(),
        )),
        Outcome::Inconclusive { error } => Some((
            "error",
            format!("inconclusive: {error}"),
            Some("inconclusive".into()),
            evidence_text(r),
        )),
    }
}

type Xml = Writer<Vec<u8>>;

fn xml_error(e: impl std::fmt::Display) -> ReportError {
    ReportError::Junit(e.to_string())
}

fn start(w: &mut Xml, name: &str, attributes: &[(&str, &str)]) -> Result<(), ReportError> {
    let mut element = BytesStart::new(name);
    for (k, v) in attributes {
        element.push_attribute((*k, *v));
    }
    w.write_event(Event::Start(element)).map_err(xml_error)
}

fn end(w: &mut Xml, name: &str) -> Result<(), ReportError> {
    w.write_event(Event::End(BytesEnd::new(name)))
        .map_err(xml_error)
}

fn empty(w: &mut Xml, name: &str, attributes: &[(&str, &str)]) -> Result<(), ReportError> {
    let mut element = BytesStart::new(name);
    for (k, v) in attributes {
        element.push_attribute((*k, *v));
    }
    w.write_event(Event::Empty(element)).map_err(xml_error)
}

fn text_element(
    w: &mut Xml,
    name: &str,
    attributes: &[(&str, &str)],
    text: &str,
) -> Result<(), ReportError> {
    if text.is_empty() {
        return empty(w, name, attributes);
    }
    start(w, name, attributes)?;
    w.write_event(Event::Text(BytesText::new(&xml_safe(text))))
        .map_err(xml_error)?;
    end(w, name)
}

/// Characters XML 1.0 cannot carry (control characters from a target's answers) as `\u{..}`.
fn xml_safe(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c.to_string(),
            c if (c as u32) < 0x20 || matches!(c, '\u{FFFE}' | '\u{FFFF}') => {
                format!("\\u{{{:x}}}", c as u32)
            }
            c => c.to_string(),
        })
        .collect()
}

fn test_case(w: &mut Xml, r: &CheckResult) -> Result<(), ReportError> {
    let name = format!("{} {}", r.id, r.title_en);
    let classname = format!("tianping.{}", r.suite.key());
    let time = seconds(r.duration_ms);
    start(
        w,
        "testcase",
        &[
            ("name", &xml_safe(&name)),
            ("classname", &classname),
            ("time", &time),
        ],
    )?;
    let mut out = metadata_text(r);
    if let Some((element, message, kind, text)) = outcome_element(r) {
        let message = xml_safe(&message);
        let mut attributes = vec![("message", message.as_str())];
        if let Some(kind) = &kind {
            attributes.push(("type", kind.as_str()));
        }
        text_element(w, element, &attributes, &text)?;
    } else {
        out.push_str(&evidence_text(r));
    }
    text_element(w, "system-out", &[], &out)?;
    end(w, "testcase")
}

/// The run as JUnit XML.
pub fn render(results: &RunResults) -> Result<String, ReportError> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
        .map_err(xml_error)?;
    let count = |rs: &[&CheckResult], pred: fn(&CheckResult) -> bool| {
        rs.iter().filter(|r| pred(r)).count().to_string()
    };
    let failed = |r: &CheckResult| r.outcome == Outcome::Fail && !r.waived();
    let errored = |r: &CheckResult| matches!(r.outcome, Outcome::Inconclusive { .. });
    let skipped =
        |r: &CheckResult| matches!(r.outcome, Outcome::NotApplicable { .. }) || r.waived();
    let all: Vec<&CheckResult> = results.results.iter().collect();
    let total_ms: u64 = all.iter().map(|r| r.duration_ms).sum();
    start(
        &mut w,
        "testsuites",
        &[
            ("name", "tianping-harness"),
            ("tests", &all.len().to_string()),
            ("failures", &count(&all, failed)),
            ("errors", &count(&all, errored)),
            ("time", &seconds(total_ms)),
        ],
    )?;
    for suite in Suite::ALL {
        let cases: Vec<&CheckResult> = results.by_suite(suite).collect();
        if cases.is_empty() {
            continue;
        }
        let suite_ms: u64 = cases.iter().map(|r| r.duration_ms).sum();
        start(
            &mut w,
            "testsuite",
            &[
                ("name", suite.key()),
                ("tests", &cases.len().to_string()),
                ("failures", &count(&cases, failed)),
                ("errors", &count(&cases, errored)),
                ("skipped", &count(&cases, skipped)),
                ("time", &seconds(suite_ms)),
                ("timestamp", &results.started_at),
            ],
        )?;
        start(&mut w, "properties", &[])?;
        let mut properties: Vec<(&str, String)> = vec![
            ("title_zh", suite.title_zh().to_string()),
            ("title_en", suite.title_en().to_string()),
            ("target", results.target.base_url.clone()),
            ("run_id", results.run_id.clone()),
            ("harness_version", results.harness_version.clone()),
            ("config_sm3", results.config_sm3.clone()),
            ("complete", results.complete.to_string()),
        ];
        if results.self_test {
            properties.push(("self_test", "true: not a lab evaluation".to_string()));
        }
        if let Some(a) = &results.assessment {
            properties.push((
                "score",
                a.score.map(|s| format!("{s:.2}")).unwrap_or_default(),
            ));
            properties.push((
                "conclusion",
                serde_json::to_value(a.conclusion)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
            ));
            properties.push(("conclusion_rule", a.rule.clone()));
        }
        for (name, value) in &properties {
            empty(
                &mut w,
                "property",
                &[("name", name), ("value", &xml_safe(value))],
            )?;
        }
        end(&mut w, "properties")?;
        for r in cases {
            test_case(&mut w, r)?;
        }
        end(&mut w, "testsuite")?;
    }
    end(&mut w, "testsuites")?;
    String::from_utf8(w.into_inner()).map_err(xml_error)
}

/// Checks `xml` against the rules of Jenkins xunit's `junit-10.xsd` (the schema strict JUnit
/// consumers validate): which elements may sit where, the required attributes, the attributes
/// each element may carry, and the time format. Returns every breach found.
pub fn check_junit_10(xml: &str) -> Result<(), Vec<String>> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| vec![format!("not XML: {e}")])?;
    let mut problems = Vec::new();
    let root = doc.root_element();
    let allowed_children = |name: &str| -> Option<&'static [&'static str]> {
        Some(match name {
            "testsuites" => &["testsuite"],
            "testsuite" => &[
                "testsuite",
                "properties",
                "testcase",
                "system-out",
                "system-err",
            ],
            "properties" => &["property"],
            "testcase" => &[
                "skipped",
                "error",
                "failure",
                "rerunFailure",
                "rerunError",
                "flakyFailure",
                "flakyError",
                "system-out",
                "system-err",
            ],
            "failure" | "error" | "skipped" | "property" | "system-out" | "system-err" => &[],
            _ => return None,
        })
    };
    let allowed_attributes = |name: &str| -> &'static [&'static str] {
        match name {
            "testsuites" => &["name", "time", "tests", "failures", "errors"],
            "testsuite" => &[
                "name",
                "tests",
                "failures",
                "errors",
                "group",
                "time",
                "skipped",
                "timestamp",
                "hostname",
                "id",
                "package",
                "file",
                "log",
                "url",
            ],
            "testcase" => &["name", "time", "classname", "group"],
            "failure" | "error" | "skipped" => &["type", "message"],
            "property" => &["name", "value"],
            _ => &[],
        }
    };
    let required = |name: &str| -> &'static [&'static str] {
        match name {
            "testsuite" => &["name", "tests", "failures", "errors"],
            "testcase" => &["name"],
            "property" => &["name", "value"],
            _ => &[],
        }
    };
    if root.tag_name().name() != "testsuites" && root.tag_name().name() != "testsuite" {
        problems.push(format!("root element <{}>", root.tag_name().name()));
    }
    let time_ok = |t: &str| {
        let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
        !whole.is_empty()
            && whole.chars().all(|c| c.is_ascii_digit() || c == ',')
            && frac.chars().all(|c| c.is_ascii_digit())
    };
    for node in root.descendants().filter(|n| n.is_element()) {
        let name = node.tag_name().name();
        let Some(children) = allowed_children(name) else {
            problems.push(format!("<{name}> is not a junit-10 element"));
            continue;
        };
        for child in node.children().filter(|c| c.is_element()) {
            if !children.contains(&child.tag_name().name()) {
                problems.push(format!("<{}> inside <{name}>", child.tag_name().name()));
            }
        }
        for attribute in node.attributes() {
            if !allowed_attributes(name).contains(&attribute.name()) {
                problems.push(format!("attribute {} on <{name}>", attribute.name()));
            }
        }
        for attribute in required(name) {
            if node.attribute(*attribute).is_none() {
                problems.push(format!("<{name}> without {attribute}"));
            }
        }
        if matches!(name, "testsuite" | "testsuites")
            && let Some(t) = node.attribute("time")
            && !time_ok(t)
        {
            problems.push(format!("time `{t}` on <{name}> is not a SUREFIRE_TIME"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tianping_model::*;

    use crate::test_data::{result, results};

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
        assert!(
            case("DC-001")
                .children()
                .all(|c| !c.is_element() || c.has_tag_name("system-out"))
        );
        let out = case("DC-002")
            .children()
            .find(|c| c.has_tag_name("system-out"))
            .unwrap()
            .text()
            .unwrap();
        for key in [
            "id: DC-002",
            "severity: high",
            "clauses: GB/T 22239",
            "title_zh: 标题",
        ] {
            assert!(out.contains(key), "{key} in {out}");
        }
        check_junit_10(&xml).unwrap();
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

    /// Every kind of run writes JUnit that keeps to junit-10.xsd: passing, failing, waived,
    /// incomplete, and one whose evidence holds characters XML cannot carry.
    #[test]
    fn every_kind_of_run_keeps_to_junit_10() {
        let pass = result("DC-001", Suite::DataCompliance, Outcome::Pass);
        let fail = result("DC-002", Suite::DataCompliance, Outcome::Fail);
        let mut waived = result("SS-007", Suite::SystemSecurity, Outcome::Fail);
        waived.waiver = Some(WaiverNote {
            justification: "accepted risk".into(),
            approver: "王工".into(),
            expires: chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
            active: true,
        });
        let mut hostile = result("SS-023", Suite::SystemSecurity, Outcome::Fail);
        hostile.evidence[0].value = "a\u{0}b\u{1b}[31m\u{FFFF}".into();
        let mut incomplete = results(vec![pass.clone()]);
        incomplete.complete = false;
        for (what, run) in [
            ("passing", results(vec![pass.clone()])),
            ("failing", results(vec![pass.clone(), fail])),
            ("waived", results(vec![waived])),
            ("hostile evidence", results(vec![hostile])),
            ("incomplete", incomplete),
        ] {
            let xml = render(&run).unwrap();
            if let Err(problems) = check_junit_10(&xml) {
                panic!("{what}: {problems:?}\n{xml}");
            }
        }
        // The checker itself refuses what quick-junit used to write.
        let old = r#"<testsuites name="x" tests="1" failures="0" errors="0" skipped="0"><testsuite name="s" tests="1" failures="0" errors="0"><testcase name="c"><properties><property name="id" value="DC-001"/></properties></testcase></testsuite></testsuites>"#;
        let problems = check_junit_10(old).unwrap_err();
        assert!(
            problems
                .iter()
                .any(|p| p.contains("attribute skipped on <testsuites>"))
                && problems
                    .iter()
                    .any(|p| p.contains("<properties> inside <testcase>")),
            "{problems:?}"
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
