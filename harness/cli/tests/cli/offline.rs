//! Offline commands: packages, the quarterly figures, certificate files.

use super::*;

#[test]
fn package_and_quarterly_commands_work_offline_with_meaningful_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let pkg = dir.path().join("pkg");
    export_package(&pkg, "6", "64", "receipt-unmasked-id");
    // The fault shows offline: a nonconformity, so exit 1 even with manual checks unrecorded.
    let run = harness()
        .args(["run", "--lang", "none", "--package"])
        .arg(&pkg)
        .arg("--out")
        .arg(dir.path().join("run"))
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    let results: serde_json::Value = read_results(&dir.path().join("run"));
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
            .args(["run", "--lang", "none", "--package"])
            .arg(dir.path().join("nope"))
            .output()
            .unwrap()
            .status
            .code(),
        Some(78)
    );
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
            dns_names: &[],
            omit_basic_constraints: false,
            valid_days: None,
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
    let results: serde_json::Value = read_results(&dir.path().join("good"));
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
    assert_eq!(
        verify.status.code(),
        Some(2),
        "intact, but without --signer the signer is not established"
    );
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

/// A device given as a certificate or a trust root is refused at once, not read forever.
#[test]
fn devices_given_as_certificates_or_trust_roots_are_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let certs = harness()
        .args(["certs", "/dev/zero", "--lang", "none", "--out"])
        .arg(dir.path().join("certs"))
        .output()
        .unwrap();
    assert_eq!(certs.status.code(), Some(78));
    assert!(String::from_utf8_lossy(&certs.stderr).contains("not a regular file"));
    let run = run_with_config(
        dir.path(),
        "[target]\nbase_url = \"https://127.0.0.1:1\"\ntrust_roots = [\"/dev/zero\"]\n",
    );
    assert_eq!(run.status.code(), Some(78));
    assert!(String::from_utf8_lossy(&run.stderr).contains("not a regular file"));
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

/// An unusable lab signing key stops the run before anything is evaluated.
#[test]
fn a_garbage_signing_key_is_found_before_the_run() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("lab.key"), "not a key\n").unwrap();
    let started = std::time::Instant::now();
    let run = run_with_config(dir.path(), "[lab]\nsigning_key = \"lab.key\"\n");
    assert_eq!(
        run.status.code(),
        Some(78),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        !dir.path().join("run").join("journal.jsonl").exists(),
        "nothing was evaluated"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

/// `run` with a config of `text` written in `dir`, its output folder `dir/run`.
fn run_with_config(dir: &std::path::Path, text: &str) -> std::process::Output {
    let config = dir.join("harness.toml");
    std::fs::write(&config, text).unwrap();
    harness()
        .args(["run", "--lang", "none", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(dir.join("run"))
        .output()
        .unwrap()
}
