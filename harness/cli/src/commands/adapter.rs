//! `adapter check`: exercises each mapped operation once against a target and prints what it
//! sent and what it understood, so a lab can debug an adapter before a real run.

use std::path::PathBuf;

use tianping_engine::model::exit;
use tianping_fixtures::{Dialect, Faults};
use tianping_harness::adapter_check::{self, OperationReport};

use super::{Failure, config_error, load_config, undecided, usage};

#[derive(clap::Subcommand)]
/// What to do with an adapter.
pub enum Command {
    /// Call each mapped operation once and show what was sent and understood.
    Check(CheckArgs),
}

#[derive(clap::Args)]
/// Arguments of `adapter check`.
pub struct CheckArgs {
    /// Base URL of the platform (overrides target.base_url in the config). Without one, the
    /// built-in reference platform on loopback, speaking --reference-dialect.
    #[arg(long)]
    target: Option<String>,
    /// TOML configuration file.
    #[arg(long)]
    config: Option<PathBuf>,
    /// The adapter file (overrides [adapter] file in the config).
    #[arg(long)]
    adapter: Option<PathBuf>,
    /// Dialect of the built-in reference platform when there is no target: profile,
    /// enveloped, without-registration or cloud-openapi.
    #[arg(long, default_value = "profile", conflicts_with = "target")]
    reference_dialect: String,
}

/// Runs the subcommand.
pub async fn run(command: Command) -> Result<i32, Failure> {
    match command {
        Command::Check(args) => check(args).await,
    }
}

async fn check(args: CheckArgs) -> Result<i32, Failure> {
    let config = load_config(
        args.config.as_ref(),
        args.target.as_ref(),
        args.adapter.as_ref(),
    )?;
    let target = if config.target.base_url.is_some() {
        tianping_target::target::live(config)?
    } else {
        let dialect = Dialect::from_name(&args.reference_dialect).ok_or_else(|| {
            usage(format!(
                "unknown reference dialect `{}` (profile, enveloped, without-registration, cloud-openapi, esign-async, mutual-tls)",
                args.reference_dialect
            ))
        })?;
        tianping_target::reference::start_with(config, Faults::none(), dialect)
            .await
            .map_err(|e| undecided(format!("cannot start the reference platform: {e}")))?
    };
    let ctx = target.context().map_err(config_error)?;
    tianping_harness::outln!(
        "adapter {} ({}) against {}",
        ctx.adapter.info.name,
        config_source(&ctx),
        target.summary.base_url
    );
    let reports = tokio::time::timeout(adapter_check::TIMEOUT, adapter_check::check(&ctx))
        .await
        .map_err(|_| {
            undecided(format!(
                "the check did not finish within {} s",
                adapter_check::TIMEOUT.as_secs()
            ))
        })?;
    for report in &reports {
        print_report(report);
    }
    target.stop().await;
    let disagreements: Vec<&str> = reports
        .iter()
        .filter(|r| !r.agrees())
        .map(|r| r.operation.key())
        .collect();
    if disagreements.is_empty() {
        tianping_harness::outln!("\nthe adapter and the platform agree on every operation called");
        Ok(0)
    } else {
        tianping_harness::outln!(
            "\nthe adapter and the platform disagree on: {}",
            disagreements.join(", ")
        );
        Ok(exit::INCONCLUSIVE)
    }
}

fn config_source(ctx: &tianping_engine::Ctx) -> String {
    match &ctx.config.adapter.file {
        Some(file) => file.clone(),
        None => "built in".into(),
    }
}

fn print_report(r: &OperationReport) {
    let mark = if r.skipped {
        "-"
    } else if r.agrees() {
        "✔"
    } else {
        "✘"
    };
    let answer = match &r.answer {
        Ok(a) => a.clone(),
        Err(why) => why.clone(),
    };
    if r.request.is_empty() {
        tianping_harness::outln!("{mark} {:<20} {answer}", r.operation.key());
    } else {
        tianping_harness::outln!("{mark} {:<20} {} → {answer}", r.operation.key(), r.request);
    }
    for f in &r.fields {
        match &f.value {
            Ok(v) => tianping_harness::outln!("      {:<30} {:<28} {v}", f.field, f.pointer),
            Err(why) => tianping_harness::outln!("    ✘ {:<30} {:<28} {why}", f.field, f.pointer),
        }
    }
}
