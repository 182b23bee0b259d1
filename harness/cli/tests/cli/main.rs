//! The binary as a user runs it: exit codes, default run, flags and configuration errors.

mod adapters;
mod bundle;
mod logs;
mod offline;
mod preflight;
mod runs;
mod shards;
mod usage;
mod vendor;

use std::process::Command;

/// The binary in an English locale, whatever the developer's (the console follows the locale).
fn harness() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tianping-harness"));
    command.env("LC_ALL", "C.UTF-8");
    command
}

/// Writes a configuration into `dir` that lifts the request rate limit: the reference
/// platform on loopback needs no politeness, and at the default 50 requests/s each run of the
/// whole registry waits ~13 s.
fn unthrottled_config(dir: &std::path::Path) -> std::path::PathBuf {
    let config = dir.join("unthrottled.toml");
    std::fs::write(&config, "[limits]\nrequests_per_second = 1000.0\n").unwrap();
    config
}

/// Writes a reference package of `records` records of `bytes` bytes, with `fault` switched
/// on, into `pkg`.
fn export_package(pkg: &std::path::Path, records: &str, bytes: &str, fault: &str) {
    let out = harness()
        .args(["export-reference-package", "--records", records])
        .args(["--record-bytes", bytes, "--fault", fault, "--out"])
        .arg(pkg)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A run folder's results.json, held to the published JSON Schema on the way.
fn read_results(dir: &std::path::Path) -> serde_json::Value {
    let results: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("results.json")).unwrap()).unwrap();
    if let Err(problems) = tianping_reports::schema::check(&results) {
        panic!(
            "{} breaks docs/results.schema.json: {problems:?}",
            dir.display()
        );
    }
    results
}

fn hex_sha256(data: &[u8]) -> String {
    tianping_profile::digest::sha256_hex(data)
}
