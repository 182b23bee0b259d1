//! Structured logs: `-vvv --log-format json` writes one JSON object per event on standard
//! error, each check's outcome and each request carry the check's ID, and no credential the
//! run used appears in them.

use std::path::{Path, PathBuf};
use std::process::Output;

use tianping_fixtures::{Dialect, Faults, ReferenceServer};

use super::harness;

/// The reference platform with `faults`, served on loopback as a live target.
async fn served(faults: Faults) -> ReferenceServer {
    tianping_fixtures::start_with(faults, Dialect::Profile, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

/// `run` with `flags` against `server` as a lab would: its URL, the accounts it issued in the
/// environment, the checks `only`, the run folder under `dir`. The output and that folder.
async fn run_live(
    server: &ReferenceServer,
    dir: &Path,
    only: &str,
    flags: &[&str],
) -> (Output, PathBuf) {
    let issued = server.credentials.clone();
    let base = server.base_url.clone();
    let out_dir = dir.join("run");
    let folder = out_dir.clone();
    let flags: Vec<String> = flags.iter().map(|f| f.to_string()).collect();
    let only = only.to_string();
    let output = tokio::task::spawn_blocking(move || {
        harness()
            .args(["run", "--lang", "none", "--no-workpaper"])
            .args(&flags)
            .args(["--target", &base, "--only", &only, "--out"])
            .arg(&out_dir)
            .env("TIANPING_API_KEY_ID", &issued.api_key_id)
            .env("TIANPING_API_SECRET", &issued.api_secret)
            .env("TIANPING_USERNAME", &issued.username)
            .env("TIANPING_PASSWORD", &issued.password)
            .env_remove("TIANPING_LOG")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    (output, folder)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_carry_each_check_and_request_and_no_secret() {
    let server = served(Faults::none()).await;
    let dir = tempfile::tempdir().unwrap();
    let (output, _) = run_live(
        &server,
        dir.path(),
        "DC-001,DC-011",
        &["-vvv", "--log-format", "json"],
    )
    .await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    let events: Vec<serde_json::Value> = stderr
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let finished = |id: &str| {
        events
            .iter()
            .find(|e| e["message"] == "check finished" && e["span"]["id"] == id)
    };
    for id in ["DC-001", "DC-011"] {
        let e = finished(id).unwrap_or_else(|| panic!("no `check finished` for {id}: {stderr}"));
        assert_eq!(e["outcome"], "pass", "{e}");
        assert_eq!(e["level"], "INFO");
        assert_eq!(e["target"], "tianping::check");
    }
    let requests: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e["target"] == "tianping::http" && e["span"]["id"] == "DC-011")
        .collect();
    assert!(
        requests.len() >= 3
            && requests
                .iter()
                .all(|e| e["status"].is_u64() && e["path"].is_string()),
        "{requests:?}"
    );
    for secret in [&server.credentials.api_secret, &server.credentials.password] {
        assert!(
            !stderr.contains(secret.as_str()),
            "a credential in the logs"
        );
    }
    assert!(
        !stderr.to_ascii_lowercase().contains("signature\":"),
        "a signature field in the logs"
    );
}

/// A platform that refuses TLS and answers TLCP is evaluated over TLCP without being told:
/// the run says so on the console and in results.json, and the checks pass over it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tlcp_only_platform_is_evaluated_over_tlcp_without_being_told() {
    let server =
        served(Faults::none().with_variation(tianping_fixtures::Variation::TlcpOnly)).await;
    let dir = tempfile::tempdir().unwrap();
    let (output, results_dir) =
        run_live(&server, dir.path(), "DC-001,DC-011,SS-021,CERT-004", &[]).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("goes over TLCP"), "{stderr}");
    let results = super::read_results(&results_dir);
    assert_eq!(results["target"]["transport"], "tlcp-auto", "{stderr}");
    for r in results["results"].as_array().unwrap() {
        assert_eq!(r["outcome"]["status"], "pass", "{r}");
    }
}
