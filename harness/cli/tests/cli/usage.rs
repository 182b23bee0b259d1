//! The command line itself: usage and configuration errors, help, list, serve-reference.

use super::*;

#[test]
fn usage_errors_exit_64() {
    assert_eq!(
        harness()
            .args(["run", "--no-such-flag"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(64)
    );
    assert_eq!(
        harness().arg("frobnicate").output().unwrap().status.code(),
        Some(64)
    );
    let out = harness()
        .args(["run", "--fault", "no-such-fault"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&out.stderr).contains("known faults"));
    assert_eq!(
        harness()
            .args(["run", "--only", "ZZ-999"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(64)
    );
    assert_eq!(
        harness()
            .args([
                "run",
                "--fault",
                "legacy-tls10",
                "--target",
                "https://127.0.0.1:1"
            ])
            .output()
            .unwrap()
            .status
            .code(),
        Some(64)
    );
}

#[test]
fn configuration_errors_exit_78_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bad.toml");
    std::fs::write(&config, "[limits]\nconections_per_host = 2\n").unwrap();
    let out = harness()
        .args(["run", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(78));
    assert!(String::from_utf8_lossy(&out.stderr).contains("conections_per_host"));
    let out = harness()
        .args(["run", "--config", "/nonexistent/harness.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(78));
    let out = harness()
        .args(["run", "--target", "ftp://example.cn"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(78));
    // Lab thresholds are checked against what the checks declare, before anything runs.
    for (table, key) in [
        ("blocks_to_sampel = 3", "blocks_to_sampel"),
        ("password_min_classes = 9", "password_min_classes"),
        ("allowed_tls_versions = [\"TLS9\"]", "allowed_tls_versions"),
    ] {
        std::fs::write(&config, format!("[thresholds]\n{table}\n")).unwrap();
        let out = harness()
            .args(["list", "--config"])
            .arg(&config)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(78), "{table}: {stderr}");
        assert!(stderr.contains(key), "{table}: {stderr}");
    }
}

#[test]
fn help_exits_0_and_list_shows_every_check_without_contacting_anything() {
    assert_eq!(
        harness().arg("--help").output().unwrap().status.code(),
        Some(0)
    );
    for sub in ["run", "list", "serve-reference"] {
        assert_eq!(
            harness()
                .args([sub, "--help"])
                .output()
                .unwrap()
                .status
                .code(),
            Some(0),
            "{sub} --help"
        );
    }
    // An unroutable target: list must not try to reach it.
    let out = harness()
        .args(["list", "--json", "--target", "https://192.0.2.1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.len(), tianping_suites::registry().len());
    assert!(rows.iter().all(|r| r["clauses"].as_array().is_some_and(|c| !c.is_empty()) && r["applies"] == true));
    // Each check lists the lab thresholds it uses, with the value in force.
    let ss001 = rows.iter().find(|r| r["id"] == "SS-001").unwrap();
    assert!(
        ss001["thresholds"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "password_min_classes" && t["value"] == "3"),
        "{ss001}"
    );
}

#[test]
fn serve_reference_lists_faults_with_the_check_that_catches_each() {
    let out = harness()
        .args(["serve-reference", "--list-faults"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().count(), tianping_fixtures::Fault::ALL.len());
    assert!(
        text.lines().all(|l| !l.contains(" - ")),
        "every fault has a check:\n{text}"
    );
}
