//! `export-reference-package`: an evidence package from the reference platform, for trying the
//! offline mode and for the benchmarks.

use std::path::PathBuf;

use tianping_engine::model::exit;
use tianping_fixtures::Faults;

use super::{Failure, usage};

#[derive(clap::Args)]
/// Arguments of the command.
pub struct Args {
    /// Folder to create (must be empty or absent).
    #[arg(long)]
    out: PathBuf,
    /// Number of records.
    #[arg(long, default_value_t = 100)]
    records: usize,
    /// Size of each original in bytes.
    #[arg(long, default_value_t = 4096)]
    record_bytes: usize,
    /// Faults of the reference platform to export with (repeatable, or comma-separated).
    #[arg(long = "fault", value_delimiter = ',')]
    faults: Vec<String>,
}

/// Writes the package.
pub fn run(args: Args) -> Result<i32, Failure> {
    let faults = Faults::parse(&args.faults).map_err(usage)?;
    let stats =
        tianping_fixtures::package::export(&args.out, faults, args.records, args.record_bytes)
            .map_err(|e| {
                Failure(
                    exit::CONFIG,
                    format!("export to {}: {e}", args.out.display()),
                )
            })?;
    tianping_harness::outln!(
        "wrote {} records, {} bytes of originals, to {}",
        stats.records,
        stats.original_bytes,
        args.out.display()
    );
    Ok(0)
}
