//! Targets that never answer properly: closed ports, garbage, stalls, resets, half records.
//! Nothing passes, nothing hangs.

use super::*;

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
            adapter: None,
            declarations: Vec::new(),
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_and_stalling_servers_give_inconclusive_never_pass_never_hang() {
    for reply in [&b"\x00\xffnot tls at all\r\n\r\n"[..], b""] {
        let port = replying_server(reply).await.unwrap();
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
    for how in Misbehaviour::ALL {
        let port = misbehaving_server(how).await.unwrap();
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
