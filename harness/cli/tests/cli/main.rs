//! The binary as a user runs it: exit codes, default run, flags and configuration errors.

mod adapters;
mod bundle;
mod offline;
mod runs;
mod usage;

use std::process::Command;

fn harness() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tianping-harness"))
}

fn hex_sha256(data: &[u8]) -> String {
    tianping_profile::digest::sha256_hex(data)
}
