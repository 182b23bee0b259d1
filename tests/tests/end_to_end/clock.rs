//! The harness judges a platform's clock against standard time, not against its own clock:
//! with `[lab] ntp_server` it measures its own offset first and corrects for it.

use super::*;
use std::sync::Arc;

/// DC-009 and BC-016 on the conforming reference (whose clock is this machine's) with the
/// lab's NTP source `ntp`.
async fn clock_checks(ntp: Option<String>) -> Vec<tianping_engine::CheckResult> {
    let mut config = loopback_config();
    config.lab.ntp_server = ntp;
    config.selection.include = vec!["DC-009".into(), "BC-016".into()];
    let target = tianping_target::reference::start(config, Faults::none())
        .await
        .unwrap();
    let ctx = target.context().unwrap();
    let registry = tianping_suites::registry();
    let checks = runner::select(&registry, &target.config.selection);
    let results = runner::run_checks(Arc::new(ctx), &checks, Vec::new(), |_, _, _| {}).await;
    target.stop().await;
    results
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn platform_clocks_are_judged_against_the_labs_ntp_source() {
    // Standard time agrees with this machine: both pass, and say what they judged against.
    let agreeing = tianping_fixtures::sntp::serve(0).await.unwrap();
    for r in clock_checks(Some(format!("127.0.0.1:{agreeing}"))).await {
        assert_eq!(r.outcome, Outcome::Pass, "{}", r.describe());
        assert!(
            r.describe().contains("checked against NTP source"),
            "{}",
            r.describe()
        );
    }
    // This machine runs 2 minutes slow: the platform, on the same clock, is 2 minutes off
    // standard time, which only a harness that checked its own clock can see.
    let ahead = tianping_fixtures::sntp::serve(120_000).await.unwrap();
    for r in clock_checks(Some(format!("127.0.0.1:{ahead}"))).await {
        assert_eq!(r.outcome, Outcome::Fail, "{}", r.describe());
    }
    // A source that does not answer leaves the judgement open, never passed.
    let silent = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let port = silent.local_addr().unwrap().port();
    for r in clock_checks(Some(format!("127.0.0.1:{port}"))).await {
        assert!(
            matches!(&r.outcome, Outcome::Inconclusive { error } if error.contains("NTP")),
            "{}",
            r.describe()
        );
    }
    // None configured: judged on the harness's own clock, and the evidence says so.
    for r in clock_checks(None).await {
        assert_eq!(r.outcome, Outcome::Pass, "{}", r.describe());
        assert!(
            r.describe().contains("not checked against NTP"),
            "{}",
            r.describe()
        );
    }
}
