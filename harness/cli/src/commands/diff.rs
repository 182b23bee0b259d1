//! `diff`: what changed between two runs: nonconformities fixed, still open and new.

use std::path::PathBuf;

use tianping_engine::model::exit;
use tianping_harness::evaluate;

use super::Failure;

#[derive(clap::Args)]
/// Arguments of the command.
pub struct Args {
    /// The earlier run (its folder or results.json).
    old: PathBuf,
    /// The later run.
    new: PathBuf,
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
}

/// Prints the comparison; exits 1 while any nonconformity is open or new.
pub fn run(args: Args) -> Result<i32, Failure> {
    let old = evaluate::read_results(&args.old)?;
    let new = evaluate::read_results(&args.new)?;
    let d = tianping_reports::diff::diff(&old, &new);
    if args.json {
        tianping_harness::outln!(
            "{}",
            serde_json::to_string_pretty(&d).expect("diff serializes")
        );
    } else {
        tianping_harness::out!("{}", tianping_reports::diff::render_text(&d));
    }
    Ok(
        if d.still_open.is_empty() && d.new_nonconformities.is_empty() {
            0
        } else {
            exit::NONCONFORMITY
        },
    )
}
