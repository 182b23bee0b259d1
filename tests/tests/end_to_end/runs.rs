//! Whole runs of the reference platform: outputs on disk, JUnit structure, secrets kept out,
//! resume, scoring, passive runs, lab records.

use super::*;

#[tokio::test]
async fn conforming_run_writes_consistent_json_and_structurally_valid_junit() {
    let dir = tempfile::tempdir().unwrap();
    let results = run_reference(Faults::none(), dir.path(), false)
        .await
        .unwrap();
    assert!(results.complete);
    assert_eq!(results.exit_code(), 0);
    assert_eq!(results.counts.pass, tianping_suites::registry().len());

    let from_disk = tianping_reports::json::read(&dir.path().join("results.json")).unwrap();
    assert_eq!(from_disk, results);
    let as_json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("results.json")).unwrap()).unwrap();
    tianping_reports::schema::check(&as_json).expect("results.json keeps to its schema");

    // Raw evidence: each remote check that talked to the platform left its transcript, and
    // the certificate check the chain it was served, as files the results point to.
    for r in results
        .results
        .iter()
        .filter(|r| r.mode == tianping_engine::Mode::Remote)
    {
        for file in &r.artefacts {
            assert!(dir.path().join(file).is_file(), "{}: {file} missing", r.id);
        }
    }
    let artefacts_of = |id: &str| {
        results
            .results
            .iter()
            .find(|r| r.id == id)
            .unwrap()
            .artefacts
            .clone()
    };
    assert_eq!(artefacts_of("DC-001"), vec!["evidence/DC-001/http.txt"]);
    let transcript = std::fs::read_to_string(dir.path().join("evidence/DC-001/http.txt")).unwrap();
    assert!(
        transcript.contains("### POST /api/v1/evidence"),
        "{transcript}"
    );
    assert!(transcript.contains("x-tp-signature: [64 characters masked]"));
    assert!(artefacts_of("CERT-001").contains(&"evidence/CERT-001/chain-1.pem".to_string()));
    let chain = std::fs::read_to_string(dir.path().join("evidence/CERT-001/chain-1.pem")).unwrap();
    assert!(
        !tianping_suites::common::pem_certificates(&chain)
            .unwrap()
            .is_empty(),
        "the chain is PEM a lab can open with openssl"
    );
    assert!(
        artefacts_of("DC-012").is_empty(),
        "manual checks contact nothing"
    );

    let xml = std::fs::read_to_string(dir.path().join("junit.xml")).unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("junit.xml is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let suites: Vec<_> = root
        .children()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    assert_eq!(suites.len(), 4, "one testsuite per harness suite");
    let mut cases = 0;
    for suite in &suites {
        let declared: usize = suite.attribute("tests").unwrap().parse().unwrap();
        let actual: Vec<_> = suite
            .children()
            .filter(|n| n.has_tag_name("testcase"))
            .collect();
        assert_eq!(declared, actual.len());
        assert_eq!(suite.attribute("failures"), Some("0"));
        assert_eq!(suite.attribute("errors"), Some("0"));
        for case in actual {
            // Each check's metadata leads its <system-out>, which CI UIs show.
            let out = case
                .children()
                .find(|n| n.has_tag_name("system-out"))
                .and_then(|n| n.text())
                .unwrap_or_default();
            for key in ["id", "clauses", "severity", "title_zh", "mode"] {
                assert!(
                    out.lines().any(|l| l
                        .strip_prefix(&format!("{key}: "))
                        .is_some_and(|v| !v.is_empty())),
                    "testcase {:?} lacks {key} in its system-out",
                    case.attribute("name")
                );
            }
            cases += 1;
        }
    }
    assert_eq!(cases, results.results.len());
    tianping_reports::junit::check_junit_10(&xml).expect("junit.xml keeps to junit-10.xsd");
}

#[tokio::test]
async fn a_fault_is_named_with_evidence_in_json_and_junit() {
    let dir = tempfile::tempdir().unwrap();
    let results = run_reference(
        Faults::parse(&["replay-accepted"]).unwrap(),
        dir.path(),
        false,
    )
    .await
    .unwrap();
    assert_eq!(results.exit_code(), 1);
    let failed: Vec<_> = results
        .results
        .iter()
        .filter(|r| r.outcome == Outcome::Fail)
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].id, "DC-010");
    assert!(failed[0].evidence.iter().any(|e| e.label == "replay"));

    let xml = std::fs::read_to_string(dir.path().join("junit.xml")).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let failures: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .collect();
    assert_eq!(failures.len(), 1);
    let case = failures[0].parent().unwrap();
    assert!(case.attribute("name").unwrap().starts_with("DC-010"));
    assert!(
        failures[0].text().unwrap_or("").contains("replay"),
        "failure carries the evidence"
    );
}

#[tokio::test]
async fn resume_keeps_finished_checks_and_runs_only_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let first = run_reference(Faults::none(), dir.path(), false)
        .await
        .unwrap();
    // Simulate an interruption after 4 checks: header + 4 results, no results.json.
    let journal = dir.path().join(JOURNAL_FILE);
    let lines: Vec<String> = std::fs::read_to_string(&journal)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    let kept: Vec<String> = lines[..5].to_vec();
    std::fs::write(&journal, kept.join("\n") + "\n{\"kind\":\"result\",\"id\":").unwrap(); // torn last write
    std::fs::remove_file(dir.path().join("results.json")).unwrap();

    let resumed = run_reference(Faults::none(), dir.path(), true)
        .await
        .unwrap();
    assert!(resumed.complete);
    assert_eq!(resumed.results.len(), first.results.len());
    assert_eq!(resumed.run_id, first.run_id);
    let kept_ids: Vec<String> = kept[1..]
        .iter()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    for id in &kept_ids {
        let before = first.results.iter().find(|r| &r.id == id).unwrap();
        let after = resumed.results.iter().find(|r| &r.id == id).unwrap();
        assert_eq!(
            before.started_at, after.started_at,
            "{id} was re-run instead of kept"
        );
    }
    let rerun = resumed
        .results
        .iter()
        .filter(|r| !kept_ids.contains(&r.id))
        .count();
    assert_eq!(rerun, first.results.len() - 4);
}

/// A journal line for a check the run never selected is refused, not carried into results.
#[tokio::test]
async fn a_resume_refuses_a_journal_result_for_a_check_it_does_not_run() {
    let dir = tempfile::tempdir().unwrap();
    run_reference(Faults::none(), dir.path(), false)
        .await
        .unwrap();
    let journal = dir.path().join(JOURNAL_FILE);
    let text = std::fs::read_to_string(&journal).unwrap();
    let mut stranger: serde_json::Value =
        serde_json::from_str(text.lines().nth(1).unwrap()).unwrap();
    stranger["id"] = "XX-999".into();
    std::fs::write(&journal, format!("{text}{stranger}\n")).unwrap();
    let err = run_reference(Faults::none(), dir.path(), true)
        .await
        .unwrap_err();
    assert!(
        err.contains("XX-999") && err.contains("does not select"),
        "{err}"
    );
}

#[tokio::test]
async fn a_new_run_refuses_to_overwrite_an_existing_one() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(JOURNAL_FILE), "{}\n").unwrap();
    let err = run_reference(Faults::none(), dir.path(), false)
        .await
        .unwrap_err();
    assert!(err.contains("--resume"), "{err}");
}

fn conclusion(results: &RunResults) -> (Option<f64>, tianping_engine::Conclusion) {
    let a = results.assessment.as_ref().expect("every run is assessed");
    (a.score, a.conclusion)
}

#[tokio::test]
async fn scoring_gives_grant_rectify_refuse_and_incomplete_as_the_standard_says() {
    use tianping_engine::Conclusion;
    let dir = tempfile::tempdir().unwrap();
    let clean = run_reference(Faults::none(), &dir.path().join("clean"), false)
        .await
        .unwrap();
    assert_eq!(conclusion(&clean), (Some(100.0), Conclusion::Grant));

    // SS-021 is a medium finding: score drops by its weight, conclusion is rectification.
    let minor = run_reference(
        Faults::parse(&["cache-control-missing"]).unwrap(),
        &dir.path().join("minor"),
        false,
    )
    .await
    .unwrap();
    let (score, c) = conclusion(&minor);
    assert_eq!(c, Conclusion::Rectify);
    assert!(
        score.unwrap() < 100.0 && score.unwrap() >= 70.0,
        "{score:?}"
    );

    // DC-001 is critical: a special deduction refuses whatever the score.
    let critical = run_reference(
        Faults::parse(&["digest-sha256"]).unwrap(),
        &dir.path().join("critical"),
        false,
    )
    .await
    .unwrap();
    let (score, c) = conclusion(&critical);
    assert_eq!(c, Conclusion::Refuse);
    assert!(
        score.unwrap() > 90.0,
        "refused although the score is high: {score:?}"
    );
    assert_eq!(
        critical.assessment.as_ref().unwrap().special_deductions,
        ["DC-001"]
    );

    // The same platform without the lab's manual records: no conclusion.
    let embedded = tianping_target::reference::start(loopback_config(), Faults::none())
        .await
        .unwrap();
    let registry = tianping_suites::registry();
    let plan = reference_plan(
        &embedded,
        &registry,
        &dir.path().join("unrecorded"),
        Default::default(),
    );
    let unrecorded = evaluate::evaluate(plan, |_, _, _| {}).await.unwrap();
    assert_eq!(conclusion(&unrecorded), (None, Conclusion::Incomplete));
    assert!(
        unrecorded
            .assessment
            .unwrap()
            .undecided
            .contains(&"DC-012".to_string())
    );
    embedded.stop().await;
}

/// `--passive` leaves out exactly the checks that send attack-like input (guessed and wrong
/// passwords, forged or replayed signatures, injection payloads, privileged calls), and a
/// passive run of the reference platform still decides every check it keeps.
#[tokio::test]
async fn a_passive_run_skips_exactly_the_checks_that_send_attack_like_input() {
    let registry = tianping_suites::registry();
    let mut selection = tianping_engine::config::Selection {
        passive: true,
        ..Default::default()
    };
    let kept: Vec<&str> = runner::select(&registry, &selection)
        .iter()
        .map(|c| c.meta.id)
        .collect();
    let mut skipped: Vec<&str> = registry
        .iter()
        .map(|c| c.meta.id)
        .filter(|id| !kept.contains(id))
        .collect();
    skipped.sort();
    assert_eq!(
        skipped,
        [
            "BC-005", "BC-012", "DC-010", "DC-011", "SS-001", "SS-003", "SS-008", "SS-016",
            "SS-024"
        ]
    );
    selection.passive = false;
    assert_eq!(runner::select(&registry, &selection).len(), registry.len());

    let mut config = loopback_config();
    config.selection.passive = true;
    let embedded = tianping_target::reference::start(config, Faults::none())
        .await
        .unwrap();
    let ctx = std::sync::Arc::new(embedded.context().unwrap());
    let checks = runner::select(&registry, &ctx.config.selection);
    let results = runner::run_checks(ctx, &checks, Vec::new(), |_, _, _| {}).await;
    embedded.stop().await;
    assert_eq!(results.len(), kept.len());
    assert!(
        results.iter().all(|r| r.outcome == Outcome::Pass),
        "{:?}",
        results
            .iter()
            .filter(|r| r.outcome != Outcome::Pass)
            .map(|r| format!("{} {}", r.id, r.summary))
            .collect::<Vec<_>>()
    );
}

/// A check the harness leaves inconclusive is decided by the lab's record for it, and the
/// result keeps why the harness could not: SS-004 told to idle at most 1 s cannot watch a
/// 2 s timeout expire, so the lab's recorded verdict stands in.
#[tokio::test]
async fn a_lab_record_decides_a_remote_check_the_harness_could_not() {
    use tianping_engine::lab::{LabRecord, LabVerdict};
    let mut config = loopback_config();
    config.limits.idle_wait_max_secs = 1;
    config.selection.include = vec!["SS-004".into(), "SS-005".into()];
    let embedded = tianping_target::reference::start(config, Faults::none())
        .await
        .unwrap();
    let undecided = evaluate_embedded(&embedded, Default::default()).await;
    let ss004 = |r: &RunResults| {
        r.results
            .iter()
            .find(|r| r.id == "SS-004")
            .cloned()
            .unwrap()
    };
    assert!(
        matches!(ss004(&undecided).outcome, Outcome::Inconclusive { .. }),
        "{:?}",
        ss004(&undecided)
    );
    let records = tianping_engine::lab::LabRecords {
        source: "lab-records.toml".into(),
        records: vec![
            LabRecord {
                id: "SS-004".into(),
                verdict: LabVerdict::Pass,
                note: "watched a console session expire after 15 minutes idle".into(),
                evaluator: Some("王工".into()),
                recorded_at: None,
                attachments: Vec::new(),
            },
            LabRecord {
                id: "SS-005".into(),
                verdict: LabVerdict::Fail,
                note: "a stale record for a check the harness decides itself".into(),
                evaluator: None,
                recorded_at: None,
                attachments: Vec::new(),
            },
        ],
    };
    let decided = evaluate_embedded(&embedded, records).await;
    embedded.stop().await;
    let r = ss004(&decided);
    assert_eq!(r.outcome, Outcome::Pass, "{r:?}");
    assert!(r.summary.contains("lab verdict"), "{}", r.summary);
    assert!(
        r.evidence
            .iter()
            .any(|e| e.label == "the harness could not decide"
                && e.value.contains("idle_wait_max_secs")),
        "{:?}",
        r.evidence
    );
    // A check the harness decided is not overridden by a record for it.
    let ss005 = decided.results.iter().find(|r| r.id == "SS-005").unwrap();
    assert_eq!(ss005.outcome, Outcome::Pass);
}

/// One attack that succeeds is the whole finding: SS-008 with one vendor default account
/// accepted among the ones it tries loses its whole weight, not that account's share of them.
#[tokio::test]
async fn a_probe_check_that_fails_loses_its_whole_weight() {
    let mut config = loopback_config();
    config.selection.include = vec!["SS-008".into()];
    let embedded = tianping_target::reference::start(
        config,
        Faults::parse(&["default-admin-account"]).unwrap(),
    )
    .await
    .unwrap();
    let run = evaluate_embedded(&embedded, Default::default()).await;
    embedded.stop().await;
    let result = run.results.iter().find(|r| r.id == "SS-008").unwrap();
    assert_eq!(result.outcome, Outcome::Fail, "{result:?}");
    assert!(result.summary.starts_with("1 of "), "{}", result.summary);
    let assessment = run.assessment.expect("assessed");
    let scored = assessment.checks.iter().find(|c| c.id == "SS-008").unwrap();
    assert_eq!(scored.deduction, Some(1.0), "{scored:?}");
    assert_eq!(scored.earned, 0.0);
}
