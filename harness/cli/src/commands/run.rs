//! `run`: evaluate a live platform (or, with no target, the built-in reference platform), an
//! exported evidence package, or re-test what an earlier run found.

use std::path::{Path, PathBuf};

use tianping_engine::config::Config;
use tianping_engine::model::{RunResults, exit};
use tianping_engine::{CheckDef, runner};
use tianping_fixtures::Faults;
use tianping_harness::evaluate::{self, RunPlan};

use super::console::Progress;
use tianping_engine::waivers::Waivers;

use super::{Failure, config_error, default_out_dir, finish_run, load_config, load_waivers, usage};

/// Arguments of `run`.
#[derive(clap::Args)]
pub struct Args {
    /// Base URL of the platform's profile API (overrides target.base_url in the config).
    #[arg(long, conflicts_with = "package")]
    target: Option<String>,
    /// Evaluate an exported evidence package (a directory) offline instead of a live platform.
    #[arg(long)]
    package: Option<PathBuf>,
    /// With --package: count only slice i of N of the records and write the counts, sealed,
    /// to --out (shard.json) for `run --merge-shards` (one machine or pod per slice).
    #[arg(long, requires = "package", value_name = "i/N", value_parser = parse_slice)]
    shard: Option<tianping_engine::package::Slice>,
    /// Merge the shard folders of one package (every slice of one split, each once) into one
    /// run, judged as a single pass over the package would be; same configuration and
    /// selection as the shards.
    #[arg(
        long,
        num_args = 1..,
        value_name = "SHARD_DIR",
        conflicts_with_all = ["target", "package", "resume", "rerun_failed", "dry_run", "faults"]
    )]
    merge_shards: Vec<PathBuf>,
    /// TOML configuration file.
    #[arg(long)]
    config: Option<PathBuf>,
    /// The platform's adapter file (overrides [adapter] file in the config; docs/adapters.md).
    #[arg(long)]
    adapter: Option<PathBuf>,
    /// Folder for this run's files (default: a new dated folder in the working directory).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Continue the interrupted run in --out without repeating finished checks.
    #[arg(long, requires = "out")]
    resume: bool,
    /// Only these check IDs or ID prefixes (repeatable, or comma-separated).
    #[arg(long = "only", value_delimiter = ',')]
    only: Vec<String>,
    /// Only these suites (data_compliance, system_security, blockchain_security, certificates).
    #[arg(long = "suite", value_delimiter = ',')]
    suites: Vec<String>,
    /// Skip checks that send attack-like input.
    #[arg(long)]
    passive: bool,
    /// The lab's verdicts for manual checks (TOML; overrides [lab] records in the config).
    #[arg(long)]
    lab_records: Option<PathBuf>,
    /// Findings the lab accepts (TOML; overrides [lab] waivers in the config).
    #[arg(long)]
    waivers: Option<PathBuf>,
    /// Rectification re-test: re-run only what failed or was inconclusive in this earlier run
    /// (folder or results.json); the results combine both runs.
    #[arg(long, conflicts_with_all = ["resume", "package", "only"])]
    rerun_failed: Option<PathBuf>,
    /// An applicant's self-test: every automated check, the manual ones left out; the score
    /// is of what a machine can decide, and every output says it is a self-test, not a lab
    /// evaluation.
    #[arg(long, conflicts_with_all = ["rerun_failed", "only", "suites"])]
    self_test: bool,
    /// Print the plan (target, scope, checks, outputs) and the pre-flight (credentials set,
    /// target reachable, TLS trust, the adapter's platform and receipt operations answering),
    /// then stop without running a check or writing a file. Exits 0 when the run has what it
    /// needs, 2 when not.
    #[arg(long, conflicts_with_all = ["package", "resume"])]
    dry_run: bool,
    /// Run even when the pre-flight finds something the run needs missing (an account, the
    /// target): every check it affects is recorded as inconclusive, and the run is sealed
    /// as a record of the attempt. Without it such a run stops before any check.
    #[arg(long, conflicts_with = "dry_run")]
    ignore_preflight: bool,
    /// Switch on a fault in the built-in reference platform (repeatable; no --target).
    #[arg(long = "fault", value_delimiter = ',')]
    faults: Vec<String>,
    #[command(flatten)]
    reports: super::ReportArgs,
}

fn parse_slice(text: &str) -> Result<tianping_engine::package::Slice, String> {
    tianping_engine::package::Slice::parse(text)
}

/// The configuration with the command line's selection, waivers and lab records applied.
fn configure(args: &Args) -> Result<Config, Failure> {
    let mut config = load_config(
        args.config.as_ref(),
        args.target.as_ref(),
        args.adapter.as_ref(),
    )?;
    config.selection.include.extend(args.only.iter().cloned());
    config.selection.suites.extend(args.suites.iter().cloned());
    config.selection.passive |= args.passive;
    config.selection.self_test |= args.self_test;
    if let Some(w) = &args.waivers {
        config.lab.waivers = Some(w.display().to_string());
    }
    if let Some(records) = &args.lab_records {
        config.lab.records = Some(records.display().to_string());
    }
    config.validate().map_err(config_error)?;
    Ok(config)
}

/// Evaluates what the arguments name and returns the exit code.
pub async fn run(args: Args) -> Result<i32, Failure> {
    let mut config = configure(&args)?;
    let waivers = load_waivers(&config)?;
    let faults = Faults::parse(&args.faults).map_err(usage)?;
    let previous = match &args.rerun_failed {
        Some(path) => {
            let previous = evaluate::read_results(path)?;
            let ids = evaluate::to_rerun(&previous);
            if ids.is_empty() {
                tianping_harness::outln!(
                    "nothing to re-test: run {} has no failed or inconclusive check",
                    previous.run_id
                );
                return Ok(previous.exit_code());
            }
            eprintln!(
                "re-testing {} check(s) of run {}: {}",
                ids.len(),
                previous.run_id,
                ids.join(", ")
            );
            config.selection.include = ids;
            Some((previous, path.clone()))
        }
        None => None,
    };
    let registry = tianping_suites::registry();
    let unmatched = runner::unmatched_patterns(&registry, &config.selection);
    if !unmatched.is_empty() {
        return Err(usage(format!(
            "no check is named {} (see `tianping-harness list`)",
            unmatched.join(", ")
        )));
    }
    let checks = runner::select(&registry, &config.selection);
    if checks.is_empty() {
        return Err(usage(
            "the selection matches no check (see `tianping-harness list`)",
        ));
    }
    let out_dir = args.out.clone().unwrap_or_else(default_out_dir);
    if let Some(package) = &args.package {
        if !args.faults.is_empty() || args.resume {
            return Err(usage("--fault and --resume do not apply to --package"));
        }
        if let Some(slice) = args.shard {
            return run_shard(&config, &checks, package, slice, &out_dir).await;
        }
        return run_package(&config, &waivers, &checks, package, &out_dir, &args.reports).await;
    }
    if !args.merge_shards.is_empty() {
        return merge_shards(
            &config,
            &waivers,
            &checks,
            &args.merge_shards,
            &out_dir,
            &args.reports,
        )
        .await;
    }

    // Keeps the embedded reference serving for the whole run.
    let mut target = tianping_target::resolve(config, faults).await?;
    if target.choose_transport().await {
        eprintln!(
            "the API refuses TLS and completes a TLCP handshake: its traffic goes over TLCP \
             (GB/T 38636), and the results and report say so"
        );
    }
    if let Some((prev, _)) = &previous
        && let Some(why) = evaluate::other_target(&prev.target, &target.summary)
    {
        target.stop().await;
        return Err(usage(format!(
            "--rerun-failed: run {} evaluated {}, {why}: a re-test evaluates the same target",
            prev.run_id, prev.target.base_url
        )));
    }
    super::warn_unmatched_lab_records(&target.lab_records);
    eprintln!(
        "tianping-harness {}: evaluating {} ({} checks) → {}",
        tianping_engine::HARNESS_VERSION,
        target.summary.base_url,
        checks.len(),
        out_dir.display()
    );
    if let Some(adapter) = &target.summary.adapter {
        eprintln!("through adapter {adapter}");
    }
    for declared in &target.summary.declarations {
        eprintln!("declared by the applicant and accepted: {declared}");
    }
    let preflight = tianping_harness::preflight::check(&target).await;
    if args.dry_run {
        print_plan(&target, &checks, &out_dir, &args.reports);
        tianping_harness::outln!("pre-flight:");
        for line in tianping_harness::preflight::lines(&preflight) {
            tianping_harness::outln!("  {line}");
        }
        target.stop().await;
        return Ok(if preflight.iter().all(|i| i.ready) {
            exit::ALL_PASS
        } else {
            exit::INCONCLUSIVE
        });
    }
    let to_show: Vec<_> = preflight
        .into_iter()
        .filter(|i| !i.ready || i.warning)
        .collect();
    for line in tianping_harness::preflight::lines(&to_show) {
        eprintln!("pre-flight: {line}");
    }
    if to_show.iter().any(|i| !i.ready) && !args.ignore_preflight {
        eprintln!(
            "pre-flight: the run lacks what is marked MISSING, so no check was run and nothing \
             was written; fix it (`run --dry-run` shows the whole pre-flight), or pass \
             --ignore-preflight to record the attempt with those checks inconclusive"
        );
        target.stop().await;
        return Ok(exit::INCONCLUSIVE);
    }
    let mut plan = RunPlan::for_target(&target, checks.clone(), &out_dir);
    plan.resume = args.resume;
    let progress = Progress::new(checks.len());
    let evaluation = evaluate::evaluate(plan, |r, i, n| progress.report(r, i, n));
    let results = tokio::select! {
        r = evaluation => r?,
        _ = tokio::signal::ctrl_c() => {
            progress.finish();
            return interrupted(&out_dir, &checks, &target.config).await;
        }
    };
    progress.finish();
    let results = match &previous {
        Some((prev, path)) => evaluate::merge_retest(prev, path, results, &target.config.scoring),
        None => results,
    };
    finish_run(
        results,
        &target.config,
        &waivers,
        &out_dir,
        &args.reports,
        previous.as_ref().map(|(p, _)| p),
    )
    .await
}

/// `--dry-run`: what the run would do, without doing it.
fn print_plan(
    target: &tianping_target::Target,
    checks: &[&CheckDef],
    out_dir: &Path,
    reports: &super::ReportArgs,
) {
    use tianping_engine::check::Applicability;
    let summary = &target.summary;
    tianping_harness::outln!(
        "plan: evaluate {} ({}) through {}",
        summary.base_url,
        summary.kind,
        summary
            .adapter
            .as_deref()
            .unwrap_or("tp-profile-1 (built in)")
    );
    let mut hosts = vec![
        url::Url::parse(&summary.base_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default(),
    ];
    hosts.extend(target.config.target.extra_hosts.iter().cloned());
    tianping_harness::outln!("  hosts it may contact: {}", hosts.join(", "));
    let mut files = vec![
        tianping_reports::RESULTS_FILE.to_string(),
        tianping_reports::JUNIT_FILE.to_string(),
    ];
    files.extend(reports.outputs().files());
    tianping_harness::outln!("  writes into {}: {}", out_dir.display(), files.join(", "));
    tianping_harness::outln!("  checks: {}", checks.len());
    for c in checks {
        let applies = match (c.applies)(&target.config) {
            Applicability::Applies => String::new(),
            Applicability::NotApplicable(why) => format!(" (not applicable: {why})"),
        };
        tianping_harness::outln!(
            "    {:<9} {:<7} {}{applies}",
            c.meta.id,
            c.meta.mode.key(),
            c.meta.title_zh
        );
    }
}

/// Ctrl-C: the folder is sealed as it stands, so what was gathered can be shown unaltered;
/// `--resume` seals it again when the run finishes.
async fn interrupted(
    out_dir: &Path,
    checks: &[&CheckDef],
    config: &Config,
) -> Result<i32, Failure> {
    let partial: RunResults = evaluate::write_interrupted(out_dir, checks)?;
    evaluate::seal_bundle(out_dir, &partial.run_id, config).await?;
    eprintln!(
        "interrupted: {} of {} checks recorded; continue with --resume --out {}",
        partial.results.len(),
        checks.len(),
        out_dir.display()
    );
    Ok(exit::INCONCLUSIVE)
}

/// Counts one slice of a package and seals the shard folder.
async fn run_shard(
    config: &Config,
    checks: &[&CheckDef],
    package: &Path,
    slice: tianping_engine::package::Slice,
    out_dir: &Path,
) -> Result<i32, Failure> {
    eprintln!(
        "tianping-harness {}: counting shard {slice} of package {} offline ({} checks) → {}",
        tianping_engine::HARNESS_VERSION,
        package.display(),
        checks.len(),
        out_dir.display()
    );
    let shard = evaluate::evaluate_package_shard(config, checks, package, slice, out_dir)?;
    let run_id = format!("shard-{}-of-{}", slice.index, slice.count);
    evaluate::seal_bundle(out_dir, &run_id, config).await?;
    tianping_harness::outln!(
        "shard {slice}: {} of the package's records counted; merge all {} shards with \
         `run --merge-shards`",
        shard.tallies.account_lines(),
        slice.count
    );
    // Nothing is judged yet: a shard that was counted and sealed ends like a clean run.
    Ok(exit::ALL_PASS)
}

/// Checks each shard folder's seal, then merges the shards into one run.
async fn merge_shards(
    config: &Config,
    waivers: &Waivers,
    checks: &[&CheckDef],
    dirs: &[PathBuf],
    out_dir: &Path,
    reports: &super::ReportArgs,
) -> Result<i32, Failure> {
    let lab_records = load_lab_records(config)?;
    // With the lab's key configured, every shard must be sealed by it, not by a key of its own.
    let lab_key = match &config.lab.signing_key {
        Some(path) => Some(tianping_reports::bundle::public_key_hex(
            &tianping_reports::bundle::load_key(Path::new(path)).map_err(config_error)?,
        )),
        None => None,
    };
    let mut shards = Vec::new();
    for dir in dirs {
        let sealed =
            tianping_reports::bundle::verify(dir, lab_key.as_deref()).map_err(config_error)?;
        if !sealed.ok() {
            let mut why = sealed.problems.clone();
            why.extend(sealed.added.iter().map(|f| format!("{f} added")));
            why.extend(sealed.removed.iter().map(|f| format!("{f} removed")));
            why.extend(sealed.changed.iter().map(|f| format!("{f} changed")));
            return Err(config_error(format!(
                "shard {} is not intact as sealed: {}",
                dir.display(),
                why.join("; ")
            )));
        }
        let shard = tianping_engine::package::shard::read(dir).map_err(config_error)?;
        shards.push((dir.clone(), shard));
    }
    eprintln!(
        "tianping-harness {}: merging {} shard(s) → {}",
        tianping_engine::HARNESS_VERSION,
        shards.len(),
        out_dir.display()
    );
    let results = evaluate::evaluate_merged_shards(config, &lab_records, checks, shards, out_dir)?;
    finish_run(results, config, waivers, out_dir, reports, None).await
}

/// The lab's records for manual checks named in the configuration, if any.
fn load_lab_records(config: &Config) -> Result<tianping_engine::lab::LabRecords, Failure> {
    let lab_records = match &config.lab.records {
        Some(path) => {
            tianping_engine::lab::LabRecords::load(Path::new(path)).map_err(config_error)?
        }
        None => Default::default(),
    };
    super::warn_unmatched_lab_records(&lab_records);
    Ok(lab_records)
}

/// Evaluates an exported evidence package offline.
async fn run_package(
    config: &Config,
    waivers: &Waivers,
    checks: &[&CheckDef],
    package: &Path,
    out_dir: &Path,
    reports: &super::ReportArgs,
) -> Result<i32, Failure> {
    let lab_records = load_lab_records(config)?;
    eprintln!(
        "tianping-harness {}: evaluating package {} offline ({} checks) → {}",
        tianping_engine::HARNESS_VERSION,
        package.display(),
        checks.len(),
        out_dir.display()
    );
    let results = evaluate::evaluate_package(config, &lab_records, checks, package, out_dir)?;
    finish_run(results, config, waivers, out_dir, reports, None).await
}
