//! `quarterly`: deposit volume of one quarter for the quarterly declaration, from a package or
//! the platform's live export.

use std::path::PathBuf;

use tianping_engine::config::Credentials;
use tianping_engine::model::exit;

use super::{Failure, config_error, load_config, undecided, usage};

#[derive(clap::Args)]
/// Arguments of the command.
pub struct Args {
    /// The quarter, e.g. 2026Q3 (calendar quarters in China Standard Time).
    #[arg(long)]
    quarter: String,
    /// Count the deposits of an exported package.
    #[arg(long, conflicts_with = "target")]
    package: Option<PathBuf>,
    /// Count the deposits of the platform's live export (or give target.base_url in --config).
    #[arg(long)]
    target: Option<String>,
    #[arg(long)]
    config: Option<PathBuf>,
    /// The platform's adapter file (overrides [adapter] file in the config).
    #[arg(long)]
    adapter: Option<PathBuf>,
    /// Output folder (default: tianping-quarterly-<QUARTER>).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Counts and writes the quarter's figures.
pub async fn run(args: Args) -> Result<i32, Failure> {
    use tianping_harness::quarterly;
    let (from, to) = quarterly::quarter_bounds(&args.quarter).map_err(usage)?;
    let config = load_config(
        args.config.as_ref(),
        args.target.as_ref(),
        args.adapter.as_ref(),
    )?;
    let (source, deposits) = match (&args.package, &config.target.base_url) {
        (Some(dir), _) => {
            let fields = tianping_engine::fields::FieldMap::new(&config.fields);
            (
                format!("package {}", dir.display()),
                quarterly::package_deposits(dir, &fields).map_err(config_error)?,
            )
        }
        (None, Some(url)) => {
            let roots = tianping_target::target::load_trust_roots(&config.target.trust_roots)?;
            let ctx = tianping_engine::Ctx::new(
                config.clone(),
                Credentials::from_env(&config.credentials),
                roots,
            )
            .map_err(config_error)?;
            let deposits = quarterly::live_deposits(&ctx, &from, &to)
                .await
                .map_err(|e| undecided(format!("live export from {url}: {e}")))?;
            (format!("live export of {url}"), deposits)
        }
        (None, None) => {
            return Err(usage(
                "give --package DIR, or a live platform with --target/--config",
            ));
        }
    };
    let figures = quarterly::tabulate(&args.quarter, &source, deposits).map_err(usage)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("tianping-quarterly-{}", figures.quarter)));
    quarterly::write(&out, &figures).map_err(undecided)?;
    tianping_harness::outln!(
        "{} ({} to {}): {} deposits, {} bytes",
        figures.quarter,
        figures.from,
        figures.to_exclusive,
        figures.total.deposits,
        figures.total.bytes
    );
    for (t, v) in &figures.by_business_type {
        tianping_harness::outln!("  {t:<20} {:>10} deposits", v.deposits);
    }
    tianping_harness::outln!("written to {}", out.display());
    if figures.unreadable > 0 {
        eprintln!(
            "warning: {} records had no readable on-chain time; the figures are incomplete",
            figures.unreadable
        );
        return Ok(exit::INCONCLUSIVE);
    }
    Ok(0)
}
