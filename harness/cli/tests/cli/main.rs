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
