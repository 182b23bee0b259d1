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
    /// With --package: count only slice i of N of the records into a sealed shard folder
    /// (--out) for `quarterly --merge-shards`.
    #[arg(long, requires = "package", value_name = "i/N", value_parser = tianping_engine::package::Slice::parse)]
    shard: Option<tianping_engine::package::Slice>,
    /// Add up the shard folders of one package (every slice of one split, each once) into
    /// the quarter's figures, the same as counting the whole package at once.
    #[arg(long, num_args = 1.., value_name = "SHARD_DIR", conflicts_with_all = ["package", "target"])]
    merge_shards: Vec<PathBuf>,
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
    let figures = match (&args.package, &config.target.base_url) {
        _ if !args.merge_shards.is_empty() => {
            for dir in &args.merge_shards {
                let sealed = tianping_reports::bundle::verify(dir, None).map_err(config_error)?;
                if !sealed.ok() {
                    return Err(config_error(format!(
                        "shard {} is not intact as sealed",
                        dir.display()
                    )));
                }
            }
            let figures = quarterly::merge_shards(&args.merge_shards).map_err(config_error)?;
            if !figures.quarter.eq_ignore_ascii_case(&args.quarter) {
                return Err(config_error(format!(
                    "the shards count {}, not {}",
                    figures.quarter, args.quarter
                )));
            }
            figures
        }
        (Some(dir), _) => {
            let fields = tianping_engine::fields::FieldMap::new(&config.fields);
            let slice = args.shard.unwrap_or(tianping_engine::package::Slice::ALL);
            let (figures, manifest_sm3) =
                quarterly::package_figures(dir, &fields, &args.quarter, slice)
                    .map_err(config_error)?;
            if let Some(slice) = args.shard {
                let out = args
                    .out
                    .clone()
                    .ok_or_else(|| usage("--shard needs --out"))?;
                quarterly::QuarterlyShard::new(figures, manifest_sm3, slice)
                    .write(&out)
                    .map_err(|e| undecided(format!("{}: {e}", out.display())))?;
                let run_id = format!("quarterly-shard-{}-of-{}", slice.index, slice.count);
                tianping_harness::evaluate::seal_bundle(&out, &run_id, &config).await?;
                tianping_harness::outln!(
                    "quarterly shard {slice} written to {}; add all {} up with \
                     `quarterly --merge-shards`",
                    out.display(),
                    slice.count
                );
                return Ok(0);
            }
            figures
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
            quarterly::tabulate(&args.quarter, &format!("live export of {url}"), deposits)
                .map_err(usage)?
        }
        (None, None) => {
            return Err(usage(
                "give --package DIR, or a live platform with --target/--config",
            ));
        }
    };
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
