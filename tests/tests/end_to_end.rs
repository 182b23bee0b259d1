//! End-to-end runs through the same path as `tianping-harness run`: outputs on disk, JUnit
//! structure, secrets kept out, resume after an interruption, fail-closed targets.

use std::path::Path;
use std::time::Duration;

use tianping_engine::config::{Config, Credentials, Secret};
use tianping_engine::journal::JOURNAL_FILE;
use tianping_engine::model::{Outcome, RunResults, TargetSummary};
use tianping_engine::runner;
use tianping_fixtures::Faults;
use tianping_harness::evaluate::{self, Finish, RunPlan};
use tianping_harness::target::Target;
use tokio::io::AsyncWriteExt;

/// The default configuration with the politeness rate limit lifted: loopback only.
fn loopback_config() -> Config {
    let mut config = Config::default();
    config.limits.requests_per_second = 1000.0;
    config
}

/// A plan for the embedded reference target with every check the configuration selects, as
/// `run` builds it, with `lab_records` in place of the reference's simulated ones.
fn reference_plan<'r>(
    embedded: &Target,
    registry: &'r [tianping_engine::CheckDef],
    out: &Path,
    lab_records: tianping_engine::lab::LabRecords,
) -> RunPlan<'r> {
    let mut plan = embedded.plan(runner::select(registry, &embedded.config.selection), out);
    plan.lab_records = lab_records;
    plan
}

/// Evaluates a running embedded reference with `records`, writing into a folder dropped after.
async fn evaluate_embedded(
    embedded: &Target,
    records: tianping_engine::lab::LabRecords,
) -> RunResults {
    let registry = tianping_suites::registry();
    let dir = tempfile::tempdir().unwrap();
    evaluate::evaluate(
        reference_plan(embedded, &registry, dir.path(), records),
        |_, _, _| {},
    )
    .await
    .unwrap()
}

async fn run_reference(faults: Faults, out: &Path, resume: bool) -> Result<RunResults, String> {
    let embedded = tianping_harness::reference::start(loopback_config(), faults.clone())
        .await
        .map_err(|e| e.to_string())?;
    let registry = tianping_suites::registry();
    let mut plan = reference_plan(&embedded, &registry, out, embedded.lab_records.clone());
    plan.resume = resume;
    let results = match evaluate::evaluate(plan, |_, _, _| {}).await {
        Ok(results) => {
            evaluate::finalize(results, &Finish::without_reports(out, &embedded.config)).await
        }
        Err(e) => Err(e),
    }
    .map_err(|e| e.to_string());
    let secrets = (
        embedded.credentials.api_secret.expose().to_string(),
        embedded.credentials.password.expose().to_string(),
    );
    embedded.stop().await;
    assert_no_secret_in(out, &[&secrets.0, &secrets.1]);
    results
}

/// Every file of the run folder, raw transcripts included.
fn assert_no_secret_in(dir: &Path, secrets: &[&str]) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            assert_no_secret_in(&path, secrets);
            continue;
        }
        let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        for s in secrets {
            assert!(
                !text.contains(s),
                "a secret value appears in {}",
                path.display()
            );
        }
    }
}

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
            let props: Vec<(String, String)> = case
                .descendants()
                .filter(|n| n.has_tag_name("property"))
                .map(|p| {
                    (
                        p.attribute("name").unwrap().to_string(),
                        p.attribute("value").unwrap().to_string(),
                    )
                })
                .collect();
            for key in ["id", "clauses", "severity", "title_zh", "mode"] {
                assert!(
                    props.iter().any(|(k, v)| k == key && !v.is_empty()),
                    "testcase {:?} lacks property {key}",
                    case.attribute("name")
                );
            }
            cases += 1;
        }
    }
    assert_eq!(cases, results.results.len());
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

#[tokio::test]
async fn a_new_run_refuses_to_overwrite_an_existing_one() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(JOURNAL_FILE), "{}\n").unwrap();
    let err = run_reference(Faults::none(), dir.path(), false)
        .await
        .unwrap_err();
    assert!(err.contains("--resume"), "{err}");
}

fn live_plan(base_url: String, out: &Path, limits_timeout: u64) -> RunPlan<'static> {
    let mut config = Config::default();
    config.target.base_url = Some(base_url.clone());
    config.limits.request_timeout_secs = limits_timeout;
    config.limits.connect_timeout_secs = limits_timeout;
    config.limits.check_timeout_secs = limits_timeout * 6;
    let registry: &'static [tianping_engine::CheckDef] =
        Box::leak(tianping_suites::registry().into_boxed_slice());
    RunPlan {
        checks: runner::select(registry, &config.selection),
        config,
        credentials: Credentials {
            api_key_id: "k".into(),
            api_secret: Secret::new("secret-value-1234"),
            username: "u".into(),
            password: Secret::new("password-value-1234"),
            ..Default::default()
        },
        trust_roots: Vec::new(),
        target: TargetSummary {
            base_url,
            kind: "live".into(),
            reference_faults: Vec::new(),
        },
        out_dir: out.to_path_buf(),
        resume: false,
        lab_records: Default::default(),
    }
}

#[tokio::test]
async fn a_closed_port_is_inconclusive_everywhere_and_exits_2() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let dir = tempfile::tempdir().unwrap();
    let results = evaluate::evaluate(
        live_plan(format!("https://127.0.0.1:{port}"), dir.path(), 2),
        |_, _, _| {},
    )
    .await
    .unwrap();
    assert_eq!(results.exit_code(), 2);
    assert_eq!(results.counts.pass, 0);
    for r in &results.results {
        // Remote checks never ran; manual ones wait for the lab's record (none given here).
        let expected = if r.mode == tianping_engine::Mode::Manual {
            "awaiting"
        } else {
            "unreachable"
        };
        assert!(
            matches!(&r.outcome, Outcome::Inconclusive { error } if error.contains(expected)),
            "{}: {:?}",
            r.id,
            r.outcome
        );
    }
}

/// A server that answers every connection with `reply` and then holds it open, or stalls.
async fn hostile_server(reply: &'static [u8]) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let _ = s.write_all(reply).await;
                tokio::time::sleep(Duration::from_secs(30)).await;
            });
        }
    });
    port
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_and_stalling_servers_give_inconclusive_never_pass_never_hang() {
    for reply in [&b"\x00\xffnot tls at all\r\n\r\n"[..], b""] {
        let port = hostile_server(reply).await;
        let dir = tempfile::tempdir().unwrap();
        let run = evaluate::evaluate(
            live_plan(format!("https://127.0.0.1:{port}"), dir.path(), 1),
            |_, _, _| {},
        );
        let results = tokio::time::timeout(Duration::from_secs(90), run)
            .await
            .expect("run finished within its bound")
            .unwrap();
        let decided: Vec<String> = results
            .results
            .iter()
            .filter(|r| !matches!(r.outcome, Outcome::Inconclusive { .. }))
            .map(|r| {
                format!(
                    "{} {}: {} {:?}",
                    r.id,
                    r.outcome.key(),
                    r.summary,
                    r.evidence
                )
            })
            .collect();
        assert!(
            decided.is_empty(),
            "against a hostile server every check is inconclusive: {decided:?}"
        );
        assert_eq!(results.exit_code(), 2);
        assert!(results.complete, "every check has a result");
    }
}

/// Runs every check against the reference platform speaking `dialect`, with `config`.
async fn run_dialect(
    config: Config,
    dialect: tianping_fixtures::Dialect,
) -> Vec<tianping_engine::CheckResult> {
    let embedded = tianping_harness::reference::start_with(
        Config {
            limits: loopback_config().limits,
            ..config
        },
        Faults::none(),
        dialect,
    )
    .await
    .unwrap();
    let ctx = std::sync::Arc::new(embedded.context().unwrap());
    let registry = tianping_suites::registry();
    let checks: Vec<_> = registry.iter().collect();
    let results = runner::run_checks(ctx, &checks, Vec::new(), |_, _, _| {}).await;
    embedded.stop().await;
    results
}

#[tokio::test]
async fn a_platform_with_other_json_shapes_is_evaluated_through_the_field_map_alone() {
    // This platform wraps every answer in {"code":0,"message":"ok","data":{...}}.
    let mut config = Config::default();
    for (field, pointer) in tianping_engine::fields::DEFAULT_POINTERS {
        // Fields of an audit entry are read inside each entry, which no envelope wraps.
        if field.starts_with("audit_") && *field != "audit_entries" {
            continue;
        }
        config
            .fields
            .insert(field.to_string(), format!("/data{pointer}"));
    }
    let results = run_dialect(config, tianping_fixtures::Dialect::Enveloped).await;
    let not_passed: Vec<String> = results
        .iter()
        .filter(|r| r.outcome != Outcome::Pass)
        .map(|r| format!("{} {}: {}", r.id, r.outcome.key(), r.summary))
        .collect();
    assert!(not_passed.is_empty(), "{not_passed:?}");
}

/// Checks that read no JSON field: TLS and TLCP probes, the RFC 3161 exchange (CERT-010), a
/// response header and login status codes (SS-007), a port scan (SS-014), and checks that judge a refusal or a limit by its HTTP status or
/// error text (SS-001/003/008/016/023/024, DC-005/006/010/011, BC-005/012).
const DECIDED_WITHOUT_JSON: [&str; 21] = [
    "SS-001", "SS-003", "SS-014", "SS-007", "SS-008", "SS-016", "SS-019", "SS-023", "SS-024",
    "SS-026", "CERT-001", "CERT-004", "CERT-005", "CERT-006", "CERT-010", "DC-005", "DC-006",
    "DC-010", "DC-011", "BC-005", "BC-012",
];

#[tokio::test]
async fn without_the_field_map_such_a_platform_is_inconclusive_never_failed_or_passed_by_guess() {
    let results = run_dialect(Config::default(), tianping_fixtures::Dialect::Enveloped).await;
    for r in &results {
        match r.outcome {
            Outcome::Pass => assert!(
                r.mode == tianping_engine::Mode::Manual
                    || DECIDED_WITHOUT_JSON.contains(&r.id.as_str()),
                "{} passed without its fields: {}",
                r.id,
                r.summary
            ),
            Outcome::Inconclusive { ref error } => assert!(
                error.contains("missing or malformed") || error.contains("absent"),
                "{}: {error}",
                r.id
            ),
            _ => panic!("{} {}: {}", r.id, r.outcome.key(), r.summary),
        }
    }
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
    let embedded = tianping_harness::reference::start(loopback_config(), Faults::none())
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

/// How a hostile TLS endpoint treats each connection.
#[derive(Clone, Copy, Debug)]
enum Misbehaviour {
    /// Closes as soon as the hello arrives.
    Drop,
    /// Resets the connection (RST, linger 0).
    Reset,
    /// Reads the hello and never answers.
    Stall,
    /// Answers bytes that are not TLS.
    Garbage,
    /// Sends the first half of a ServerHello record, then stalls.
    HalfRecord,
}

impl Misbehaviour {
    const ALL: [Misbehaviour; 5] = [
        Misbehaviour::Drop,
        Misbehaviour::Reset,
        Misbehaviour::Stall,
        Misbehaviour::Garbage,
        Misbehaviour::HalfRecord,
    ];
}

/// A context aimed at `https://127.0.0.1:port` that waits at most 1 s for anything.
fn impatient_ctx(port: u16) -> tianping_engine::Ctx {
    let mut config = loopback_config();
    config.target.base_url = Some(format!("https://127.0.0.1:{port}"));
    config.limits.request_timeout_secs = 1;
    config.limits.connect_timeout_secs = 1;
    tianping_engine::Ctx::new(config, Credentials::default(), Vec::new()).unwrap()
}

async fn misbehaving_tls_server(how: Misbehaviour) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                use tokio::io::AsyncReadExt;
                let mut hello = [0u8; 512];
                let _ = s.read(&mut hello).await;
                match how {
                    Misbehaviour::Drop => drop(s),
                    Misbehaviour::Reset => {
                        let _ = s.set_zero_linger();
                        drop(s);
                    }
                    Misbehaviour::Stall => tokio::time::sleep(Duration::from_secs(30)).await,
                    Misbehaviour::Garbage => {
                        let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
                        tokio::time::sleep(Duration::from_secs(30)).await;
                    }
                    Misbehaviour::HalfRecord => {
                        // A handshake record announcing 80 bytes, of which 10 arrive.
                        let _ = s
                            .write_all(&[0x16, 0x03, 0x03, 0x00, 0x50, 0x02, 0, 0, 0x4c, 3, 3])
                            .await;
                        tokio::time::sleep(Duration::from_secs(30)).await;
                    }
                }
            });
        }
    });
    port
}

/// The raw TLS prober against endpoints that drop, reset, stall, answer garbage or stop
/// mid-record: every version and suite probe ends within its timeout, none is a pass, and
/// the ones that got no answer at all say so rather than guess.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tls_prober_never_passes_or_hangs_on_a_misbehaving_endpoint() {
    use tianping_suites::tls_probe::{self, ProbeResult, Version};
    for how in Misbehaviour::ALL {
        let port = misbehaving_tls_server(how).await;
        let ctx = impatient_ctx(port);
        let started = std::time::Instant::now();
        let mut results = Vec::new();
        for version in Version::ALL {
            results.push(tls_probe::probe(&ctx, "127.0.0.1", port, "localhost", version).await);
        }
        results.push(
            tls_probe::suite_probe(&ctx, "127.0.0.1", port, "localhost", Version::Tls12, 0x000A)
                .await,
        );
        let elapsed = started.elapsed();
        // Six probes of at most 1 s each, with slack for a loaded machine.
        assert!(
            elapsed < Duration::from_secs(12),
            "{how:?} took {elapsed:?}"
        );
        for r in &results {
            assert_ne!(r, &ProbeResult::Accepted, "{how:?}: {results:?}");
            let expected_inconclusive = matches!(
                how,
                Misbehaviour::Stall | Misbehaviour::Garbage | Misbehaviour::HalfRecord
            );
            if expected_inconclusive {
                assert!(
                    matches!(r, ProbeResult::Inconclusive(_)),
                    "{how:?}: {results:?}"
                );
            }
        }
    }
}

/// SS-007's plain-HTTP request against the same endpoints: it ends within its timeout, and only
/// a real HTTP answer counts as one (the garbage server's `400` line is a well-formed head).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_plain_http_probe_never_hangs_and_reads_only_real_answers() {
    use tianping_suites::plain_http::{self, PlainAnswer};
    for how in Misbehaviour::ALL {
        let port = misbehaving_tls_server(how).await;
        let ctx = impatient_ctx(port);
        let started = std::time::Instant::now();
        let answer = plain_http::post(&ctx, "127.0.0.1", port, "/api/v1/auth/login", b"{}")
            .await
            .unwrap();
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{how:?} took {:?}",
            started.elapsed()
        );
        match how {
            Misbehaviour::Garbage => assert_eq!(
                answer,
                PlainAnswer::Http {
                    status: 400,
                    location: None
                }
            ),
            Misbehaviour::HalfRecord => assert!(
                matches!(&answer, PlainAnswer::NotServed(why) if why.contains("no complete HTTP answer")),
                "{answer:?}"
            ),
            _ => assert!(
                matches!(answer, PlainAnswer::NotServed(_)),
                "{how:?}: {answer:?}"
            ),
        }
    }
    // Nothing listening: refused, said so.
    let free = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = free.local_addr().unwrap().port();
    drop(free);
    let ctx = impatient_ctx(port);
    let answer = plain_http::post(&ctx, "127.0.0.1", port, "/", b"{}")
        .await
        .unwrap();
    assert!(
        matches!(&answer, PlainAnswer::NotServed(why) if why.contains("refused")),
        "{answer:?}"
    );
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
    let embedded = tianping_harness::reference::start(config, Faults::none())
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
    let embedded = tianping_harness::reference::start(config, Faults::none())
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

/// Without self-registration the harness has no account of its own to put in a URL or to
/// try weak passwords on: SS-001 and SS-007 are inconclusive and say why, never passed; a lab
/// record decides SS-007 then; and an HSTS finding still fails SS-007 without the URL half.
#[tokio::test]
async fn without_self_registration_the_account_probes_wait_for_the_lab() {
    use tianping_engine::lab::{LabRecord, LabRecords, LabVerdict};
    let mut config = loopback_config();
    config.selection.include = vec!["SS-001".into(), "SS-007".into()];
    let record = LabRecords {
        source: "lab-records.toml".into(),
        records: vec![LabRecord {
            id: "SS-007".into(),
            verdict: LabVerdict::Pass,
            note: "login with credentials in the query string refused; none in the access logs"
                .into(),
            evaluator: None,
            recorded_at: None,
            attachments: Vec::new(),
        }],
    };
    let mut runs = Vec::new();
    for (faults, records) in [
        (Faults::none(), LabRecords::default()),
        (Faults::none(), record),
        (
            Faults::parse(&["hsts-missing"]).unwrap(),
            LabRecords::default(),
        ),
    ] {
        let embedded = tianping_harness::reference::start_with(
            config.clone(),
            faults,
            tianping_fixtures::Dialect::WithoutRegistration,
        )
        .await
        .unwrap();
        let run = evaluate_embedded(&embedded, records).await;
        embedded.stop().await;
        runs.push(run);
    }
    let result =
        |run: &RunResults, id: &str| run.results.iter().find(|r| r.id == id).cloned().unwrap();
    for id in ["SS-001", "SS-007"] {
        let r = result(&runs[0], id);
        assert!(
            matches!(&r.outcome, Outcome::Inconclusive { error } if error.contains("self-registration")),
            "{r:?}"
        );
    }
    let decided = result(&runs[1], "SS-007");
    assert_eq!(decided.outcome, Outcome::Pass, "{decided:?}");
    assert!(
        decided
            .evidence
            .iter()
            .any(|e| e.label == "the harness could not decide"
                && e.value.contains("plain HTTP conform")),
        "{:?}",
        decided.evidence
    );
    let hsts = result(&runs[2], "SS-007");
    assert_eq!(hsts.outcome, Outcome::Fail, "{hsts:?}");
    assert!(
        hsts.evidence
            .iter()
            .any(|e| e.label == "credentials in URLs" && e.value.starts_with("not decided")),
        "{:?}",
        hsts.evidence
    );
}

/// One attack that succeeds is the whole finding: SS-008 with one vendor default account
/// accepted among the ones it tries loses its whole weight, not that account's share of them.
#[tokio::test]
async fn a_probe_check_that_fails_loses_its_whole_weight() {
    let mut config = loopback_config();
    config.selection.include = vec!["SS-008".into()];
    let embedded = tianping_harness::reference::start(
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

/// The chain a TLS 1.0 endpoint serves is read from the raw handshake, and it is the chain the
/// same server presents to a TLS 1.2/1.3 client; a server that refuses TLS 1.0 gives none.
#[tokio::test]
async fn the_raw_handshake_reads_the_chain_a_legacy_endpoint_serves() {
    use tianping_suites::tls_probe::{Version, served_chain};
    for (faults, legacy) in [
        (Faults::parse(&["legacy-tls10"]).unwrap(), true),
        (Faults::none(), false),
    ] {
        let embedded = tianping_harness::reference::start(loopback_config(), faults)
            .await
            .unwrap();
        let ctx = embedded.context().unwrap();
        let (host, port) = (ctx.api_host(), ctx.api_port());
        let modern = ctx.http.peer_tls(&host, port, &host).await.unwrap();
        let raw = served_chain(&ctx, &host, port, &host, Version::Tls10).await;
        embedded.stop().await;
        if legacy {
            let raw = raw.unwrap();
            let expected: Vec<Vec<u8>> = modern.chain.iter().map(|c| c.to_vec()).collect();
            assert_eq!(raw, expected);
        } else {
            assert!(raw.is_err(), "{raw:?}");
        }
    }
}

/// An endpoint that answers every hello as TLS 1.0 with a ServerHello and its chain, as an
/// old stack configured for TLS 1.0 only would.
async fn tls10_only_server(chain: Vec<Vec<u8>>) -> u16 {
    fn record(msg_type: u8, body: &[u8]) -> Vec<u8> {
        let mut hs = vec![msg_type];
        hs.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
        hs.extend_from_slice(body);
        let mut out = vec![0x16, 0x03, 0x01];
        out.extend_from_slice(&(hs.len() as u16).to_be_bytes());
        out.extend(hs);
        out
    }
    let mut hello = vec![0x03, 0x01];
    hello.extend_from_slice(&[7u8; 32]);
    hello.extend_from_slice(&[0x00, 0xC0, 0x13, 0x00]);
    let mut list = Vec::new();
    for der in &chain {
        list.extend_from_slice(&(der.len() as u32).to_be_bytes()[1..]);
        list.extend_from_slice(der);
    }
    let mut certs = (list.len() as u32).to_be_bytes()[1..].to_vec();
    certs.extend(list);
    let mut flight = record(0x02, &hello);
    flight.extend(record(0x0b, &certs));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let flight = flight.clone();
            tokio::spawn(async move {
                use tokio::io::AsyncReadExt;
                let mut buf = [0u8; 1024];
                let _ = s.read(&mut buf).await;
                let _ = s.write_all(&flight).await;
            });
        }
    });
    port
}

/// The certificate checks still see the chain of an endpoint their TLS library cannot talk to:
/// it comes from the raw TLS 1.0 handshake, and says so.
#[tokio::test]
async fn certificate_checks_read_a_tls10_only_endpoint_through_the_raw_handshake() {
    let pki = tianping_fixtures::pki::ReferencePki::generate(&Faults::none());
    let chain: Vec<Vec<u8>> = pki.tls_chain.iter().map(|c| c.to_vec()).collect();
    let port = tls10_only_server(chain.clone()).await;
    let mut config = loopback_config();
    config.target.base_url = Some(format!("https://localhost:{port}"));
    let ctx = tianping_engine::Ctx::new(config, Credentials::default(), Vec::new()).unwrap();
    let set = tianping_suites::common::live_certificates(
        &ctx,
        tianping_suites::common::CertSources::Served,
    )
    .await
    .unwrap();
    let seen: Vec<Vec<u8>> = set.certs.iter().map(|c| c.der.clone()).collect();
    assert_eq!(seen, chain);
    assert!(
        set.certs[0].source.contains("TLS1.0, raw handshake"),
        "{}",
        set.certs[0].source
    );
}
