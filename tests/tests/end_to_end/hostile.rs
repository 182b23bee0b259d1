//! Targets that never answer properly: closed ports, garbage, stalls, resets, half records.
//! Nothing passes, nothing hangs.

use super::*;

fn live_plan(base_url: String, out: &Path, limits_timeout: u64) -> RunPlan<'static> {
    let mut config = Config::default();
    config.target.base_url = Some(base_url.clone());
    config.limits.request_timeout_secs = limits_timeout;
    config.limits.connect_timeout_secs = limits_timeout;
    config.limits.check_timeout_secs = limits_timeout * 6;
    // Against a silent server the checks only wait: all of them side by side wait as long as
    // one, and the test takes seconds instead of minutes.
    config.limits.concurrent_checks = 64;
    config.limits.connections_per_host = 64;
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
            adapter: None,
            declarations: Vec::new(),
            transport: None,
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

/// The whole harness against `https://127.0.0.1:port`, waiting 1 s for anything, and bounded.
async fn impatient_run(port: u16) -> RunResults {
    let dir = tempfile::tempdir().unwrap();
    let run = evaluate::evaluate(
        live_plan(format!("https://127.0.0.1:{port}"), dir.path(), 1),
        |_, _, _| {},
    );
    tokio::time::timeout(Duration::from_secs(90), run)
        .await
        .expect("run finished within its bound")
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_and_stalling_servers_give_inconclusive_never_pass_never_hang() {
    let mut ports = Vec::new();
    for reply in [&b"\x00\xffnot tls at all\r\n\r\n"[..], b""] {
        ports.push(replying_server(reply).await.unwrap());
    }
    // Closed at once without a word, reset, half a ServerHello: through the whole harness
    // too. (Before the silent-endpoint control, SS-019 and CERT-005 failed the first two and
    // CERT-004 called them "not applicable".)
    for how in [
        Misbehaviour::Drop,
        Misbehaviour::Reset,
        Misbehaviour::HalfRecord,
    ] {
        ports.push(misbehaving_server(how).await.unwrap());
    }
    // The runs mostly wait out their timeouts: side by side they take the time of one.
    let mut runs = tokio::task::JoinSet::new();
    for port in ports {
        runs.spawn(impatient_run(port));
    }
    while let Some(results) = runs.join_next().await {
        let results = results.expect("run task");
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

/// An endpoint that answers every hello with a fatal alert does speak TLS, and refuses every
/// version explicitly: SS-019 and CERT-005 may find that, but nothing passes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_that_alerts_on_every_hello_passes_nothing() {
    let port = misbehaving_server(Misbehaviour::Alert).await.unwrap();
    let results = impatient_run(port).await;
    assert_eq!(results.counts.pass, 0, "{:?}", results.counts);
    assert_eq!(results.exit_code(), 1);
    let ss019 = results.results.iter().find(|r| r.id == "SS-019").unwrap();
    assert!(
        ss019
            .summary
            .contains("accepts none of the allowed versions"),
        "{}",
        ss019.describe()
    );
}

/// A context aimed at `https://127.0.0.1:port` that waits at most 1 s for anything.
fn impatient_ctx(port: u16) -> tianping_engine::Ctx {
    let mut config = loopback_config();
    config.target.base_url = Some(format!("https://127.0.0.1:{port}"));
    config.limits.request_timeout_secs = 1;
    config.limits.connect_timeout_secs = 1;
    tianping_engine::Ctx::new(config, Credentials::default(), Vec::new()).unwrap()
}

/// The raw TLS prober against endpoints that drop, reset, stall, answer garbage or stop
/// mid-record: every version and suite probe ends within its timeout, none is a pass, and
/// the ones that got no answer at all say so rather than guess.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tls_prober_never_passes_or_hangs_on_a_misbehaving_endpoint() {
    use tianping_suites::tls_probe::{self, ProbeResult, Version};
    // One endpoint per misbehaviour, probed side by side (each probe mostly waits).
    let mut probes = tokio::task::JoinSet::new();
    for how in Misbehaviour::ALL {
        let port = misbehaving_server(how).await.unwrap();
        probes.spawn(async move {
            let ctx = impatient_ctx(port);
            let started = std::time::Instant::now();
            let mut results = Vec::new();
            for version in Version::ALL {
                results.push(tls_probe::probe(&ctx, "127.0.0.1", port, "localhost", version).await);
            }
            results.push(
                tls_probe::suite_probe(
                    &ctx,
                    "127.0.0.1",
                    port,
                    "localhost",
                    Version::Tls12,
                    0x000A,
                )
                .await,
            );
            (how, started.elapsed(), results)
        });
    }
    while let Some(probed) = probes.join_next().await {
        let (how, elapsed, results) = probed.expect("probe task");
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
        let port = misbehaving_server(how).await.unwrap();
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

/// CERT-006 passes an endpoint that refuses the RFC 8998 hello cleanly, but only when an
/// ordinary handshake completes in the same run: an endpoint that drops or resets every
/// connection refuses everything, and is inconclusive.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_from_an_endpoint_that_speaks_no_tls_is_no_pass() {
    let cert006 = tianping_suites::registry()
        .into_iter()
        .find(|c| c.meta.id == "CERT-006")
        .unwrap();
    for how in [Misbehaviour::Drop, Misbehaviour::Reset] {
        let port = misbehaving_server(how).await.unwrap();
        let ctx = std::sync::Arc::new(impatient_ctx(port));
        let r = runner::run_checks(ctx, &[&cert006], Vec::new(), |_, _, _| {})
            .await
            .remove(0);
        assert!(
            matches!(&r.outcome, Outcome::Inconclusive { error } if error.contains("proves nothing")),
            "{how:?}: {}",
            r.describe()
        );
    }
}

/// The Chinese report of `results`, rendered into `dir` and read back by poppler, with the
/// whitespace its layout adds taken out (a long value wraps across lines).
fn report_text(results: &RunResults, dir: &Path) -> String {
    let fonts = tianping_report_pdf::FontSet::discover().expect("fonts: ./scripts/setup.sh");
    let input = tianping_report_pdf::ReportInput {
        results,
        previous: None,
        artefacts: &[],
    };
    let pdf = tianping_report_pdf::render(&input, tianping_report_pdf::Lang::Zh, &fonts)
        .expect("the report renders");
    let path = dir.join("report-zh.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext: ./scripts/setup.sh installs poppler-utils");
    let mut text: String = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect();
    // The HTML report is plain text in the folder; the workpaper's strings are compressed
    // inside it, so they are read out here.
    let page = tianping_report_pdf::render_html(&input, tianping_report_pdf::Lang::Zh, &fonts)
        .expect("the HTML report renders");
    std::fs::write(dir.join("report-zh.html"), page).unwrap();
    let book = tianping_reports::workpaper::render(results).expect("the workpaper renders");
    std::fs::write(dir.join("workpaper.xlsx"), &book).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(book)).unwrap();
    let mut strings = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/sharedStrings.xml").unwrap(),
        &mut strings,
    )
    .unwrap();
    text.push_str(&strings);
    text
}

/// Every file under `dir`, as bytes, with its path.
fn every_output(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.display().to_string(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out
}

/// Application-level hostility behind sound TLS, through the whole harness: the run ends in
/// bounded time and exits 1 or 2; no data-compliance or blockchain check passes (each needs
/// a platform that answers its operations, and none did); the conclusion is no grant; and
/// no secret — the password and API secret the lab configured, or any signature or token
/// header the harness sent — appears in any output in any encoding an echo can use.
async fn through_the_whole_harness(how: tianping_fixtures::hostile::HttpMisbehaviour) {
    let (port, ca, received) = tianping_fixtures::hostile::hostile_https(how)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut plan = live_plan(format!("https://localhost:{port}"), dir.path(), 2);
    plan.config.limits.requests_per_second = 1000.0;
    plan.trust_roots = vec![ca];
    let secrets: Vec<String> = [
        plan.credentials.api_secret.expose(),
        plan.credentials.password.expose(),
    ]
    .into_iter()
    .map(str::to_string)
    .collect();
    let started = std::time::Instant::now();
    let results = tokio::time::timeout(
        Duration::from_secs(300),
        evaluate::evaluate(plan, |_, _, _| {}),
    )
    .await
    .unwrap_or_else(|_| panic!("{how:?}: the run did not end"))
    .unwrap();
    let elapsed = started.elapsed();
    tianping_reports::write_all(dir.path(), &results).unwrap();
    // The report too, read back as text: a secret in it would be in the PDF's text, not its
    // (compressed) bytes.
    let report_text = report_text(&results, dir.path());
    assert!(
        matches!(results.exit_code(), 1 | 2),
        "{how:?}: exit {}",
        results.exit_code()
    );
    let semantic_passes: Vec<String> = results
        .results
        .iter()
        .filter(|r| {
            r.outcome == Outcome::Pass && (r.id.starts_with("DC-") || r.id.starts_with("BC-"))
        })
        .filter(|r| !decided_on_well_formed_answers(how, &r.id))
        .map(|r| r.describe())
        .collect();
    assert!(
        semantic_passes.is_empty(),
        "{how:?} ({elapsed:?}): {semantic_passes:#?}"
    );
    let conclusion = results.assessment.as_ref().map(|a| a.conclusion);
    assert!(
        !matches!(
            conclusion,
            Some(
                tianping_engine::model::Conclusion::Grant
                    | tianping_engine::model::Conclusion::Rectify
            )
        ),
        "{how:?}: {conclusion:?}"
    );
    let mut looked_for: Vec<String> = secrets
        .iter()
        .flat_map(|s| tianping_engine::redact::secret_forms(s))
        .collect();
    // Credential headers the harness sent, in the forms the echo returns them.
    for value in received.values() {
        let token = value.split_once(' ').map_or(value.as_str(), |(_, t)| t);
        for v in [value.as_str(), token] {
            if v.len() >= 8 {
                looked_for.extend(tianping_engine::redact::secret_forms(v));
            }
        }
    }
    let outputs = every_output(dir.path()).into_iter().chain([(
        "report-zh.pdf and workpaper.xlsx (text)".to_string(),
        report_text.into_bytes(),
    )]);
    // One pass per output for every form at once (a naive search per form took most of the
    // test's time).
    let finder = aho_corasick::AhoCorasick::new(&looked_for).unwrap();
    for (path, content) in outputs {
        if let Some(found) = finder.find(&content) {
            let form = &looked_for[found.pattern().as_usize()];
            panic!("{how:?}: {path} holds a secret (as `{form}`)");
        }
    }
    assert_eq!(
        received.connections_elsewhere(),
        0,
        "{how:?}: a redirect was followed out of scope"
    );
    // Memory stays bounded: the whole test process's peak, every hostile run in it included,
    // is far below what an unbounded endless body or drip would take in its timeout.
    let peak_kib: u64 = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        })
        .unwrap_or(0);
    assert!(
        peak_kib < 1 << 20,
        "{how:?}: the test process peaked at {peak_kib} KiB"
    );
    eprintln!(
        "{how:?}: {elapsed:?}, exit {}, {} passes, {} credential values sent",
        results.exit_code(),
        results.counts.pass,
        received.values().len()
    );
}

/// The checks a hostile mode's answers do decide, rightly. A plausible receipt to every
/// request is well-formed and timely: DC-009 judges the clock in its `Date` headers and
/// `tx_time` (correct, so it passes), and DC-007 scans what the platform shows for unmasked
/// personal data (it shows none). Every other data or chain check needs the operations to
/// mean something, and must not pass.
fn decided_on_well_formed_answers(
    how: tianping_fixtures::hostile::HttpMisbehaviour,
    id: &str,
) -> bool {
    use tianping_fixtures::hostile::HttpMisbehaviour::PlausibleReceipt;
    matches!((how, id), (PlausibleReceipt, "DC-007" | "DC-009"))
}

macro_rules! hostile_https_tests {
    ($($name:ident => $how:ident),* $(,)?) => {
        $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            through_the_whole_harness(tianping_fixtures::hostile::HttpMisbehaviour::$how).await;
        })*

        #[test]
        fn every_hostile_https_mode_has_its_test() {
            use tianping_fixtures::hostile::HttpMisbehaviour;
            let tested = [$(HttpMisbehaviour::$how),*];
            assert_eq!(tested.len(), HttpMisbehaviour::ALL.len());
        }
    };
}

hostile_https_tests! {
    an_echoing_server_gets_no_secret_back_into_any_output => Echo,
    an_empty_object_to_everything_passes_nothing => EmptyObject,
    a_redirect_to_another_host_is_not_followed => RedirectAway,
    a_permanent_redirect_to_another_host_is_not_followed => RedirectPermanentAway,
    a_redirect_to_plain_http_is_not_followed => RedirectDowngrade,
    a_see_other_redirect_on_the_same_host_is_not_followed => RedirectSeeOther,
    a_redirect_loop_ends => RedirectLoop,
    json_cut_off_is_no_answer => InvalidJson,
    an_endless_body_is_cut_at_the_limit => EndlessBody,
    a_dripping_answer_times_out => Drip,
    invalid_utf8_is_no_answer => InvalidUtf8,
    deeply_nested_json_is_no_answer => DeepJson,
    huge_numbers_are_no_answer => HugeNumbers,
    a_plausible_unsigned_receipt_to_everything_passes_nothing => PlausibleReceipt,
}
