//! Runs of the reference platform: exit codes, interruption, re-tests and waivers.

use super::*;

#[test]
fn run_with_no_arguments_evaluates_the_reference_platform_and_exits_0() {
    let cwd = tempfile::tempdir().unwrap();
    let out = harness()
        .arg("run")
        .current_dir(cwd.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The dated output folder was created in the working directory.
    let runs: Vec<_> = std::fs::read_dir(cwd.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(runs.len(), 1);
    assert!(
        runs[0]
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("tianping-run-")
    );
    for file in ["results.json", "junit.xml", "journal.jsonl"] {
        assert!(runs[0].join(file).exists(), "{file} missing");
    }
    assert!(stdout.contains("0 fail"), "{stdout}");
}

#[test]
fn one_fault_exits_1_and_names_the_check() {
    let dir = tempfile::tempdir().unwrap();
    let out = harness()
        .args([
            "run",
            "--fault",
            "sm2-empty-id",
            "--only",
            "CERT",
            "--lang",
            "none",
            "--out",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let results = read_results(dir.path());
    let failed: Vec<&str> = results["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["outcome"]["status"] == "fail")
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(failed, ["CERT-003"]);
}

#[test]
fn a_closed_port_exits_2_with_nothing_passed() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| {
        harness()
            .args([
                "run",
                "--target",
                &format!("https://127.0.0.1:{port}"),
                "--out",
            ])
            .arg(dir.path())
            .args(extra)
            .output()
            .unwrap()
    };
    // The pre-flight stops the run before any check: one message, nothing written.
    let stopped = run(&[]);
    assert_eq!(stopped.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&stopped.stderr);
    assert!(
        stderr.contains("pre-flight: MISSING target") && stderr.contains("no check was run"),
        "{stderr}"
    );
    assert!(!dir.path().join("results.json").exists());
    // Asked to, it records the attempt, sealed, with nothing passed.
    let out = run(&["--ignore-preflight"]);
    assert_eq!(out.status.code(), Some(2));
    let text = std::fs::read_to_string(dir.path().join("results.json")).unwrap();
    assert!(!text.contains("\"status\": \"pass\""));
    // One pre-flight message and one grouped line, not the same reason on every check.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("pre-flight: MISSING target"), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let unreachable_lines = stdout
        .lines()
        .filter(|l| l.contains("target unreachable"))
        .count();
    assert_eq!(unreachable_lines, 1, "{stdout}");
}

#[test]
fn an_interrupted_run_keeps_what_it_gathered_and_exits_2() {
    interrupted_run_keeps_what_it_gathered(&[]);
}

/// An interrupted self-test's partial results still say it is a self-test.
#[test]
fn an_interrupted_self_test_still_says_so() {
    let results = interrupted_run_keeps_what_it_gathered(&["--self-test"]);
    assert_eq!(results["self_test"], true, "{results}");
}

/// Interrupts a run (with `flags`) against a target that never answers: exit 2, what was
/// gathered sealed as it stands, nothing passed. Returns the partial results.
fn interrupted_run_keeps_what_it_gathered(flags: &[&str]) -> serde_json::Value {
    // A target that accepts connections and never answers: checks wait on their timeouts
    // (3 s per request: some ninety checks, four at a time, cannot finish before the signal).
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().flatten() {
            held.push(s);
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("slow.toml");
    std::fs::write(&config, format!("[target]\nbase_url = \"https://127.0.0.1:{port}\"\n[limits]\nrequest_timeout_secs = 3\ncheck_timeout_secs = 60\n")).unwrap();
    let out = dir.path().join("run");
    let child = harness()
        .args(["run", "--ignore-preflight", "--lang", "none", "--config"])
        .arg(&config)
        .args(flags)
        .arg("--out")
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // The pre-flight finds nothing answering (a few seconds); then the checks start.
    let journal = out.join("journal.jsonl");
    let started = std::time::Instant::now();
    while !journal.exists() && started.elapsed() < std::time::Duration::from_secs(60) {
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    std::thread::sleep(std::time::Duration::from_secs(1));
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let results: serde_json::Value = read_results(&out);
    assert_eq!(results["complete"], false);
    assert!(results["finished_at"].is_null());
    assert!(
        results["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["outcome"]["status"] != "pass")
    );
    assert!(out.join("journal.jsonl").exists());
    // What was gathered is sealed as it stands.
    let verify = harness().arg("verify").arg(&out).output().unwrap();
    assert_eq!(
        verify.status.code(),
        Some(2),
        "intact, signer not established: {}",
        String::from_utf8_lossy(&verify.stdout)
    );
    assert!(String::from_utf8_lossy(&verify.stderr).contains("SIGNER NOT ESTABLISHED"));
    results
}

#[test]
fn a_rectification_retest_reruns_only_the_failures_and_diff_reports_them_fixed() {
    let dir = tempfile::tempdir().unwrap();
    let (before, after) = (dir.path().join("before"), dir.path().join("after"));
    let first = harness()
        .args([
            "run",
            "--fault",
            "cache-control-missing",
            "--lang",
            "none",
            "--config",
        ])
        .arg(unthrottled_config(dir.path()))
        .arg("--out")
        .arg(&before)
        .output()
        .unwrap();
    assert_eq!(first.status.code(), Some(1));
    // The fault is switched off (the platform rectified); re-test only what failed.
    let retest = harness()
        .arg("run")
        .arg("--rerun-failed")
        .arg(&before)
        .arg("--config")
        .arg(unthrottled_config(dir.path()))
        .args(["--lang", "none", "--out"])
        .arg(&after)
        .output()
        .unwrap();
    assert_eq!(
        retest.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&retest.stderr)
    );
    let results: serde_json::Value = read_results(&after);
    assert_eq!(results["retest"]["rerun"], serde_json::json!(["SS-021"]));
    assert_eq!(
        results["results"].as_array().unwrap().len(),
        tianping_suites::registry().len(),
        "carried-over results are kept"
    );
    assert_eq!(results["assessment"]["conclusion"], "grant");
    let journal = std::fs::read_to_string(after.join("journal.jsonl")).unwrap();
    assert_eq!(
        journal.lines().count(),
        2,
        "header plus the one re-run check"
    );

    // A re-test of another platform than the run it re-tests is refused before anything runs.
    let elsewhere = harness()
        .args(["run", "--target", "https://127.0.0.1:1", "--rerun-failed"])
        .arg(&before)
        .arg("--out")
        .arg(dir.path().join("elsewhere"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&elsewhere.stderr);
    assert_eq!(elsewhere.status.code(), Some(64), "{stderr}");
    assert!(
        stderr.contains("a re-test evaluates the same target"),
        "{stderr}"
    );
    assert!(!dir.path().join("elsewhere").join("results.json").exists());

    let diff = harness()
        .arg("diff")
        .arg(&before)
        .arg(&after)
        .output()
        .unwrap();
    assert_eq!(diff.status.code(), Some(0));
    let text = String::from_utf8_lossy(&diff.stdout);
    assert!(
        text.contains("fixed (1)") && text.contains("SS-021") && text.contains("rectify → grant"),
        "{text}"
    );
    let same = harness()
        .arg("diff")
        .arg(&before)
        .arg(before.join("results.json"))
        .arg("--json")
        .output()
        .unwrap();
    assert_eq!(same.status.code(), Some(1), "a nonconformity still open");
    let d: serde_json::Value = serde_json::from_slice(&same.stdout).unwrap();
    assert_eq!(d["still_open"][0]["id"], "SS-021");
    assert_eq!(
        harness()
            .arg("diff")
            .arg(dir.path().join("nope"))
            .arg(&after)
            .output()
            .unwrap()
            .status
            .code(),
        Some(78)
    );
}

#[test]
fn waivers_accept_a_finding_until_they_expire_and_stale_ones_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, expires: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, format!(
            "[[waiver]]\nid = \"SS-021\"\njustification = \"edge proxy adds no-store\"\napprover = \"李工\"\nexpires = \"{expires}\"\n\n[[waiver]]\nid = \"DC-001\"\njustification = \"not needed\"\napprover = \"李工\"\nexpires = \"2099-01-01\"\n"
        )).unwrap();
        p
    };
    let run = |waivers: &std::path::Path, out: &str| {
        let out = dir.path().join(out);
        let o = harness()
            .args([
                "run",
                "--fault",
                "cache-control-missing",
                "--only",
                "SS-021,DC-001",
                "--waivers",
            ])
            .arg(waivers)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        let results: serde_json::Value = read_results(&out);
        (
            o,
            results,
            std::fs::read_to_string(out.join("junit.xml")).unwrap(),
        )
    };
    let (active, results, junit) = run(&write("active.toml", "2099-12-31"), "active");
    assert_eq!(
        active.status.code(),
        Some(0),
        "a waived finding does not fail the run"
    );
    let ss021 = results["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "SS-021")
        .unwrap()
        .clone();
    assert_eq!(
        ss021["outcome"]["status"], "fail",
        "the finding itself is kept"
    );
    assert_eq!(ss021["waiver"]["active"], true);
    // A waiver keeps CI green but changes no score: the standard knows no waivers.
    let scored = results["assessment"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "SS-021")
        .unwrap()
        .clone();
    assert_eq!(
        (scored["deduction"].as_f64(), &scored["waived"]),
        (Some(1.0), &serde_json::json!(true))
    );
    assert_eq!(
        results["assessment"]["conclusion"], "incomplete",
        "two checks of the harness's are a partial run: no conclusion"
    );
    assert_eq!(results["assessment"]["coverage"]["ran"], 2);
    assert!(
        junit.contains("waived finding") && !junit.contains("<failure"),
        "{junit}"
    );
    assert!(String::from_utf8_lossy(&active.stdout).contains("WAIVED"));
    assert!(
        results["unmatched_waivers"][0]
            .as_str()
            .unwrap()
            .starts_with("DC-001"),
        "a waiver for a passing check is reported"
    );
    assert!(String::from_utf8_lossy(&active.stderr).contains("warning: waiver DC-001"));

    let (expired, results, _) = run(&write("expired.toml", "2020-01-01"), "expired");
    assert_eq!(
        expired.status.code(),
        Some(1),
        "an expired waiver no longer applies"
    );
    assert_eq!(results["assessment"]["conclusion"], "incomplete");

    std::fs::write(dir.path().join("bad.toml"), "[[waiver]]\nid = \"SS-021\"\njustification = \"\"\napprover = \"x\"\nexpires = \"2099-01-01\"\n").unwrap();
    let cwd = tempfile::tempdir().unwrap();
    assert_eq!(
        harness()
            .args(["run", "--lang", "none", "--waivers"])
            .arg(dir.path().join("bad.toml"))
            .current_dir(cwd.path())
            .output()
            .unwrap()
            .status
            .code(),
        Some(78)
    );
    assert_eq!(
        std::fs::read_dir(cwd.path()).unwrap().count(),
        0,
        "a broken waivers file stops the run before anything is evaluated"
    );
}

/// A selection typo must not quietly run less, or everything.
#[test]
fn an_unknown_or_empty_selection_is_a_usage_error() {
    for only in ["DC-001,ZZ-999", ""] {
        let o = harness()
            .args(["run", "--only", only, "--lang", "none"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(64), "--only {only:?}: {stderr}");
        assert!(stderr.contains("no check is named"), "{stderr}");
    }
}

/// `run | head -1`: the reader goes away after the first line. The run does not panic on the
/// closed pipe, finishes, seals its folder and exits with its verdict's code.
#[test]
fn a_closed_stdout_pipe_neither_panics_nor_loses_the_run() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let mut child = harness()
        .args(["run", "--only", "DC", "--lang", "none", "--out"])
        .arg(&out)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    // The reader is gone: every later write to stdout fails with EPIPE.
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let verify = harness().arg("verify").arg(&out).output().unwrap();
    assert_eq!(
        verify.status.code(),
        Some(2),
        "sealed and intact, signer not pinned"
    );
}

/// `[target] transport = "tlcp"` carries every API request over the harness's TLCP client:
/// the reference platform's API answers over TLCP as over HTTPS, the checks pass, the
/// transcripts record the TLCP certificates, and results.json says how traffic was carried.
#[test]
fn api_traffic_runs_over_tlcp_when_the_config_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("tlcp.toml");
    std::fs::write(&config, "[target]\ntransport = \"tlcp\"\n").unwrap();
    let out = dir.path().join("run");
    let ids = "DC-001,DC-002,DC-011,SS-021,SS-024,BC-001,CERT-004";
    let run = harness()
        .args([
            "run",
            "--no-html",
            "--no-workpaper",
            "--only",
            ids,
            "--config",
        ])
        .arg(&config)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let results = read_results(&out);
    let outcomes: Vec<(String, String)> = results["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                r["outcome"]["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        outcomes.iter().all(|(_, s)| s == "pass"),
        "{outcomes:?}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(results["target"]["transport"], "tlcp");
    let chain = std::fs::read_to_string(out.join("evidence/DC-001/chain-1.pem")).unwrap();
    assert!(chain.contains("(TLCP)"), "{chain}");
}
