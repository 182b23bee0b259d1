//! The binary as a user runs it: exit codes, default run, flags and configuration errors.

use std::process::Command;

fn harness() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tianping-harness"))
}

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
        .args(["run", "--fault", "sm2-empty-id", "--only", "CERT", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let results: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("results.json")).unwrap()).unwrap();
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
    let out = harness()
        .args([
            "run",
            "--target",
            &format!("https://127.0.0.1:{port}"),
            "--out",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let text = std::fs::read_to_string(dir.path().join("results.json")).unwrap();
    assert!(!text.contains("\"status\": \"pass\""));
}

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

#[test]
fn an_interrupted_run_keeps_what_it_gathered_and_exits_2() {
    // A target that accepts connections and never answers: checks wait on their timeouts.
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
    std::fs::write(&config, format!("[target]\nbase_url = \"https://127.0.0.1:{port}\"\n[limits]\nrequest_timeout_secs = 30\ncheck_timeout_secs = 60\n")).unwrap();
    let out = dir.path().join("run");
    let child = harness()
        .args(["run", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_secs(2));
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let results: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("results.json")).unwrap()).unwrap();
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
        Some(0),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
}

#[test]
fn package_and_quarterly_commands_work_offline_with_meaningful_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let pkg = dir.path().join("pkg");
    let out = harness()
        .args([
            "export-reference-package",
            "--records",
            "6",
            "--record-bytes",
            "64",
            "--fault",
            "receipt-unmasked-id",
            "--out",
        ])
        .arg(&pkg)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The fault shows offline: a nonconformity, so exit 1 even with manual checks unrecorded.
    let run = harness()
        .args(["run", "--package"])
        .arg(&pkg)
        .arg("--out")
        .arg(dir.path().join("run"))
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    let results: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("run/results.json")).unwrap())
            .unwrap();
    assert_eq!(results["target"]["kind"], "package");
    let failed: Vec<&str> = results["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["outcome"]["status"] == "fail")
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(failed, ["DC-007"]);

    let q = harness()
        .args(["quarterly", "--quarter", "2026Q1", "--package"])
        .arg(&pkg)
        .arg("--out")
        .arg(dir.path().join("q"))
        .output()
        .unwrap();
    assert_eq!(q.status.code(), Some(0));
    assert!(
        dir.path().join("q/by-business-type.csv").exists()
            && dir.path().join("q/quarterly.json").exists()
    );
    assert_eq!(
        harness()
            .args(["quarterly", "--quarter", "2026Q9", "--package"])
            .arg(&pkg)
            .output()
            .unwrap()
            .status
            .code(),
        Some(64)
    );
    assert_eq!(
        harness()
            .args(["quarterly", "--quarter", "2026Q1"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(64)
    );
    assert_eq!(
        harness()
            .args(["run", "--package"])
            .arg(dir.path().join("nope"))
            .output()
            .unwrap()
            .status
            .code(),
        Some(78)
    );
}

#[test]
fn a_rectification_retest_reruns_only_the_failures_and_diff_reports_them_fixed() {
    let dir = tempfile::tempdir().unwrap();
    let (before, after) = (dir.path().join("before"), dir.path().join("after"));
    let first = harness()
        .args(["run", "--fault", "cache-control-missing", "--out"])
        .arg(&before)
        .output()
        .unwrap();
    assert_eq!(first.status.code(), Some(1));
    // The fault is switched off (the platform rectified); re-test only what failed.
    let retest = harness()
        .arg("run")
        .arg("--rerun-failed")
        .arg(&before)
        .arg("--out")
        .arg(&after)
        .output()
        .unwrap();
    assert_eq!(
        retest.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&retest.stderr)
    );
    let results: serde_json::Value =
        serde_json::from_slice(&std::fs::read(after.join("results.json")).unwrap()).unwrap();
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
        let results: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("results.json")).unwrap()).unwrap();
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
    assert_eq!(results["assessment"]["conclusion"], "grant");
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
    assert_eq!(results["assessment"]["conclusion"], "rectify");

    std::fs::write(dir.path().join("bad.toml"), "[[waiver]]\nid = \"SS-021\"\njustification = \"\"\napprover = \"x\"\nexpires = \"2099-01-01\"\n").unwrap();
    let cwd = tempfile::tempdir().unwrap();
    assert_eq!(
        harness()
            .args(["run", "--waivers"])
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

#[test]
fn the_sealed_bundle_verifies_and_any_change_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let secret = "3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8";
    std::fs::write(dir.path().join("lab.key"), secret).unwrap();
    std::fs::write(
        dir.path().join("harness.toml"),
        "[lab]\nsigning_key = \"lab.key\"\n",
    )
    .unwrap();
    let bundle = dir.path().join("run");
    let run = harness()
        .args(["run", "--only", "CERT", "--config"])
        .arg(dir.path().join("harness.toml"))
        .arg("--out")
        .arg(&bundle)
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    for f in std::fs::read_dir(&bundle).unwrap() {
        let text = std::fs::read_to_string(f.unwrap().path()).unwrap_or_default();
        assert!(
            !text.contains(secret),
            "the lab's private key leaked into the bundle"
        );
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(bundle.join("manifest.json")).unwrap()).unwrap();
    let signer = manifest["signer_public_key"].as_str().unwrap().to_string();
    assert_eq!(manifest["signer_kind"], "lab");
    let verify = |extra: &[&str]| {
        let o = harness()
            .arg("verify")
            .arg(&bundle)
            .args(extra)
            .arg("--json")
            .output()
            .unwrap();
        (
            o.status.code(),
            serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap(),
        )
    };
    let (code, v) = verify(&["--signer", &signer]);
    assert_eq!(code, Some(0), "{v}");

    // One byte changed in one file: named, nothing else.
    let mut results = std::fs::read(bundle.join("results.json")).unwrap();
    results[10] ^= 0x20;
    std::fs::write(bundle.join("results.json"), &results).unwrap();
    let (code, v) = verify(&[]);
    assert_eq!(code, Some(1));
    assert_eq!(v["changed"], serde_json::json!(["results.json"]));
    assert_eq!(
        (
            v["added"].as_array().unwrap().len(),
            v["removed"].as_array().unwrap().len()
        ),
        (0, 0)
    );
    results[10] ^= 0x20;
    std::fs::write(bundle.join("results.json"), &results).unwrap();

    // A wrong expected signer, and an edited manifest, are both caught.
    let (code, v) = verify(&["--signer", "04deadbeef"]);
    assert_eq!(code, Some(1));
    assert!(
        v["problems"][0]
            .as_str()
            .unwrap()
            .contains("not the expected lab key")
    );
    let text = std::fs::read_to_string(bundle.join("manifest.json"))
        .unwrap()
        .replace("\"lab\"", "\"LAB\"");
    std::fs::write(bundle.join("manifest.json"), text).unwrap();
    let (code, v) = verify(&[]);
    assert_eq!(
        (code, v["signature_valid"].clone()),
        (Some(1), serde_json::json!(false))
    );
    assert_eq!(
        harness()
            .arg("verify")
            .arg(dir.path().join("absent"))
            .output()
            .unwrap()
            .status
            .code(),
        Some(78)
    );
}

#[test]
fn a_configured_tsa_time_stamps_the_manifest_and_verify_checks_the_token() {
    use tianping_fixtures::openssl_tsa::{EC_P256, OpensslTsa};
    let dir = tempfile::tempdir().unwrap();
    let tsa_dir = dir.path().join("tsa");
    std::fs::create_dir(&tsa_dir).unwrap();
    let tsa_url = OpensslTsa::make(&tsa_dir, EC_P256)
        .unwrap()
        .serve()
        .unwrap();
    let config = dir.path().join("harness.toml");
    std::fs::write(&config, format!("[lab]\ntsa_url = \"{tsa_url}\"\n")).unwrap();
    let bundle = dir.path().join("run");
    let run = harness()
        .args(["run", "--only", "CERT-002", "--lang", "none", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(&bundle)
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let verify = || {
        let o = harness()
            .arg("verify")
            .arg(&bundle)
            .arg("--json")
            .output()
            .unwrap();
        (
            o.status.code(),
            serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap(),
        )
    };
    let (code, v) = verify();
    assert_eq!(code, Some(0), "{v}");
    assert!(
        v["timestamp"]["tsa_subject"]
            .as_str()
            .unwrap()
            .contains("OpenSSL Test TSA"),
        "{v}"
    );
    let manifest = std::fs::read(bundle.join("manifest.json")).unwrap();
    assert_eq!(
        v["timestamp"]["imprint_hex"],
        hex_sha256(&manifest),
        "the token stamps the manifest"
    );

    // A changed token, then a removed one: named.
    let token_path = bundle.join("manifest.tsr");
    let token = std::fs::read(&token_path).unwrap();
    let mut altered = token.clone();
    let at = altered.len() - 5;
    altered[at] ^= 0x01;
    std::fs::write(&token_path, &altered).unwrap();
    let (code, v) = verify();
    assert_eq!(code, Some(1));
    assert!(
        v["problems"][0].as_str().unwrap().contains("manifest.tsr"),
        "{v}"
    );
    std::fs::remove_file(&token_path).unwrap();
    let (code, v) = verify();
    assert_eq!(code, Some(1));
    assert!(
        v["problems"][0].as_str().unwrap().contains("missing"),
        "{v}"
    );
}

#[test]
fn an_unreachable_tsa_is_an_error_but_the_bundle_is_still_sealed() {
    let dir = tempfile::tempdir().unwrap();
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = dir.path().join("harness.toml");
    std::fs::write(
        &config,
        format!("[lab]\ntsa_url = \"http://127.0.0.1:{port}/tsa\"\n"),
    )
    .unwrap();
    let bundle = dir.path().join("run");
    let run = harness()
        .args(["run", "--only", "CERT-002", "--lang", "none", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(&bundle)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("time-stamping the manifest"), "{stderr}");
    assert!(bundle.join("results.json").exists() && bundle.join("manifest.sig").exists());
    // verify says the promised token is missing.
    let o = harness().arg("verify").arg(&bundle).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("manifest.tsr is missing"));
}

fn hex_sha256(data: &[u8]) -> String {
    tianping_profile::digest::sha256_hex(data)
}

#[test]
fn certs_evaluates_files_offline_with_run_exit_codes() {
    use tianping_fixtures::pki::{self, KU_SIGNING, Sm2CertSpec};
    use tianping_profile::sm2sig;
    let dir = tempfile::tempdir().unwrap();
    // A conforming SM2 hierarchy as files: root, a signing leaf that names its CRL, the CRL.
    let root_key = sm2sig::signing_key_from_seed(sm2sig::DEFAULT_DIST_ID, b"cli-root");
    let leaf_key = sm2sig::signing_key_from_seed(sm2sig::DEFAULT_DIST_ID, b"cli-leaf");
    let root = pki::sm2_root("CLI Root", &root_key);
    let leaf_public = sm2sig::public_key_bytes(&leaf_key);
    let leaf = pki::sm2_certificate(
        &Sm2CertSpec {
            subject_cn: "CLI Signer",
            holder: None,
            serial: 2,
            public_key: &leaf_public,
            is_ca: false,
            key_usage: Some(KU_SIGNING),
            extended_key_usage: &[],
            crl_url: Some("http://ca.example/root.crl"),
            ocsp_url: None,
        },
        "CLI Root",
        &root_key,
    );
    let file = |name: &str| dir.path().join(name);
    std::fs::write(file("root.pem"), pki::pem("CERTIFICATE", &root)).unwrap();
    std::fs::write(file("leaf.der"), &leaf).unwrap();
    std::fs::write(file("root.crl"), pki::sm2_crl("CLI Root", &root_key, &[7])).unwrap();
    let data =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../suites/testdata/openssl-sm2");
    let run = |files: &[std::path::PathBuf], trust: &std::path::Path, out: &str| {
        harness()
            .arg("certs")
            .args(files)
            .arg("--trust")
            .arg(trust)
            .arg("--crl")
            .arg(file("root.crl"))
            .args(["--lang", "none", "--out"])
            .arg(file(out))
            .output()
            .unwrap()
    };
    let good = run(
        &[file("leaf.der"), file("root.pem")],
        &file("root.pem"),
        "good",
    );
    assert_eq!(
        good.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&good.stdout),
        String::from_utf8_lossy(&good.stderr)
    );
    let results: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("good/results.json")).unwrap())
            .unwrap();
    assert_eq!(results["target"]["kind"], "certificates");
    let bad = run(
        &[data.join("leaf-empty-id.pem")],
        &data.join("root.pem"),
        "bad",
    );
    assert_eq!(bad.status.code(), Some(1));
    let bad_results = std::fs::read_to_string(dir.path().join("bad/results.json")).unwrap();
    assert!(
        bad_results.contains("empty distinguishing ID"),
        "{bad_results}"
    );
    // The run folder is a sealed bundle like any other.
    let verify = harness()
        .arg("verify")
        .arg(dir.path().join("bad"))
        .output()
        .unwrap();
    assert_eq!(verify.status.code(), Some(0));
    // A missing file is an input error; no file at all a usage error.
    let missing = harness()
        .args(["certs", "/nonexistent/cert.pem", "--lang", "none"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(78));
    assert_eq!(
        harness().arg("certs").output().unwrap().status.code(),
        Some(64)
    );
}
