//! `adapter check` and `--adapter`: a lab debugging an adapter before a real run.

use super::*;

fn cloud_adapter() -> String {
    format!(
        "{}/../../docs/adapters/cloud-openapi.toml",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn adapter_check_shows_each_operation_and_what_it_understood() {
    let out = harness()
        .args([
            "adapter",
            "check",
            "--reference-dialect",
            "cloud-openapi",
            "--adapter",
        ])
        .arg(cloud_adapter())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    for line in [
        "adapter cloud-openapi",
        "✔ receipt              POST /openapi/v2/evidence/query → success",
        "file_hash",
        "/data/fileHash",
        "✔ verify",
        "agree on every operation called",
    ] {
        assert!(stdout.contains(line), "`{line}` missing from:\n{stdout}");
    }
    // Hex comes back normalised, the way the checks judge it.
    assert!(!stdout.contains("0x"), "{stdout}");
    // The session token is a secret.
    let token_line = stdout
        .lines()
        .find(|l| l.contains("session_token"))
        .unwrap();
    assert!(token_line.contains("characters masked"), "{token_line}");
}

#[test]
fn adapter_check_names_the_operations_an_adapter_gets_wrong() {
    // The profile's own adapter against a platform that speaks another dialect.
    let out = harness()
        .args(["adapter", "check", "--reference-dialect", "cloud-openapi"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(
        stdout.contains("✘ platform             GET /api/v1/platform → not found (HTTP 404)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("disagree on: platform, deposit, chain_head"),
        "{stdout}"
    );
    assert!(
        stdout.contains("- receipt              needs an evidence id"),
        "{stdout}"
    );
}

#[test]
fn a_broken_adapter_stops_the_run_before_anything_is_contacted() {
    let dir = tempfile::tempdir().unwrap();
    let adapter = dir.path().join("ours.toml");
    let text = std::fs::read_to_string(cloud_adapter()).unwrap().replace(
        "evidenceId = \"{evidence_id}\" }",
        "evidenceId = \"{evidence}\" }",
    );
    std::fs::write(&adapter, text).unwrap();
    let run_dir = dir.path().join("run");
    let run = ["run", "--out", run_dir.to_str().unwrap()];
    for command in [&run[..], &["adapter", "check"][..]] {
        let out = harness()
            .args(command)
            .arg("--adapter")
            .arg(&adapter)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(78), "{command:?}: {stderr}");
        assert!(
            stderr.contains("ours.toml: operations.") && stderr.contains("uses `{evidence}`"),
            "{stderr}"
        );
        assert!(!run_dir.exists());
    }
}

#[test]
fn a_legacy_field_map_still_works_and_says_what_to_write_instead() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("lab.toml");
    std::fs::write(&config, "[fields]\nfile_hash = \"/file_hash\"\n").unwrap();
    let out = harness()
        .args(["list", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("legacy field map") && stderr.contains("docs/adapters.md"),
        "{stderr}"
    );
}

#[test]
fn list_shows_what_a_declaration_or_an_adapter_removes_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("lab.toml");
    std::fs::write(&config, "[architecture]\nlocal_chain = false\n").unwrap();
    let bearer = dir.path().join("bearer.toml");
    std::fs::write(
        &bearer,
        "[adapter]\nname = \"bearer-example\"\n[auth]\nscheme = \"bearer\"\ntoken_path = \"/oauth2/token\"\n",
    )
    .unwrap();
    let out = harness()
        .args(["list", "--json", "--config"])
        .arg(&config)
        .arg("--adapter")
        .arg(&bearer)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let row = |id: &str| rows.iter().find(|r| r["id"] == id).unwrap().clone();
    for (id, reason) in [
        ("BC-001", "architecture.local_chain = false"),
        ("DC-015", "architecture.local_chain = false"),
        ("DC-010", "bearer-example"),
    ] {
        let r = row(id);
        assert_eq!(r["applies"], false, "{r}");
        assert!(
            r["applies_reason"].as_str().unwrap().contains(reason),
            "{r}"
        );
    }
    assert_eq!(row("BC-003")["applies"], true);
}
