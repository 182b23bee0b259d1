//! The sealed evidence bundle: verification, tampering, the TSA time-stamp.

use super::*;

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
        .args(["run", "--only", "CERT", "--lang", "none", "--config"])
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

/// `verify` on a folder holding what a sealed run never writes: an empty directory, a
/// trailing newline after the signature, a file replaced by a link to an identical copy, a
/// FIFO, a link to `/`. Each is named, none is followed or read, and verify ends at once.
#[test]
fn verify_names_links_fifos_empty_directories_and_trailing_bytes_and_never_follows_them() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("run");
    let run = harness()
        .args(["run", "--only", "CERT-001", "--lang", "none", "--out"])
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
        let mut child = harness()
            .arg("verify")
            .arg(&bundle)
            .arg("--json")
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let started = std::time::Instant::now();
        while child.try_wait().unwrap().is_none() {
            if started.elapsed() > std::time::Duration::from_secs(30) {
                let _ = child.kill();
                panic!("verify hung");
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let o = child.wait_with_output().unwrap();
        (
            o.status.code(),
            serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap(),
        )
    };
    // Without a pinned signer a clean folder verifies with "signer not established" (2).
    let (clean_code, clean) = verify();
    assert_eq!(clean_code, Some(2), "{clean}");

    std::fs::create_dir(bundle.join("evidence-extra")).unwrap();
    let (code, v) = verify();
    assert_eq!(code, Some(1), "{v}");
    assert_eq!(
        v["added"],
        serde_json::json!(["evidence-extra/ (an empty directory)"])
    );
    std::fs::remove_dir(bundle.join("evidence-extra")).unwrap();

    let sig = std::fs::read(bundle.join("manifest.sig")).unwrap();
    std::fs::write(bundle.join("manifest.sig"), [&sig[..], b"\n"].concat()).unwrap();
    let (code, v) = verify();
    assert_eq!(
        (code, v["signature_valid"].clone()),
        (Some(1), serde_json::json!(false)),
        "{v}"
    );
    std::fs::write(bundle.join("manifest.sig"), &sig).unwrap();

    let copy = dir.path().join("results-copy.json");
    std::fs::rename(bundle.join("results.json"), &copy).unwrap();
    std::os::unix::fs::symlink(&copy, bundle.join("results.json")).unwrap();
    let (code, v) = verify();
    assert_eq!(code, Some(1), "{v}");
    assert!(
        v["problems"]
            .to_string()
            .contains("results.json (symbolic link)"),
        "{v}"
    );
    assert_eq!(v["removed"], serde_json::json!(["results.json"]), "{v}");
    std::fs::remove_file(bundle.join("results.json")).unwrap();
    std::fs::rename(&copy, bundle.join("results.json")).unwrap();

    let fifo = bundle.join("trap");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    std::os::unix::fs::symlink("/", bundle.join("root")).unwrap();
    let (code, v) = verify();
    assert_eq!(code, Some(1), "{v}");
    let problems = v["problems"].to_string();
    assert!(
        problems.contains("trap (FIFO, socket or device)")
            && problems.contains("root (symbolic link)"),
        "{v}"
    );
    std::fs::remove_file(&fifo).unwrap();
    std::fs::remove_file(bundle.join("root")).unwrap();
    assert_eq!(verify().0, clean_code, "restored, it verifies as before");
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
    assert_eq!(code, Some(2), "intact, signer not given: {v}");
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
