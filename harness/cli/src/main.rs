//! `tianping-harness`: conformance evaluation of a platform applying to connect to Tianping
//! Chain. See README.md for the commands, outputs and exit codes.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tianping_engine::config::{Config, Credentials};
use tianping_engine::lab::LabRecords;
use tianping_engine::model::{Outcome, TargetSummary, exit};
use tianping_engine::{CheckDef, CheckResult, runner};
use tianping_fixtures::{Fault, Faults};
use tianping_harness::evaluate::{self, RunPlan};
use tianping_harness::reference;

#[derive(Parser)]
#[command(
    name = "tianping-harness",
    version,
    about = "Conformance test harness for platforms applying to connect to Tianping Chain (天平链)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Evaluate a platform. With no target: the built-in reference platform on loopback.
    Run(RunArgs),
    /// List every check with its ID, suite, clauses and mode, without contacting anything.
    List(ListArgs),
    /// Serve the reference platform until interrupted.
    ServeReference(ServeArgs),
    /// Write an evidence package from the reference platform (for tests and benchmarks).
    ExportReferencePackage(ExportArgs),
    /// Deposit volume of one quarter by business type and organisation (JSON and CSV).
    Quarterly(QuarterlyArgs),
    /// Compare two runs: nonconformities fixed, still open and new; score and conclusion.
    Diff(DiffArgs),
    /// Check a run folder's signed manifest offline: names any file added, removed or changed.
    Verify(VerifyArgs),
    /// Evaluate certificate files offline (PEM or DER, chains in any order) with the
    /// certificate checks; exit codes as for `run`.
    Certs(CertsArgs),
}

#[derive(clap::Args)]
struct CertsArgs {
    /// Certificate files: PEM (one or more certificates) or DER.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Trust anchors the lab accepts (PEM or DER files; repeatable). Adds to target.trust_roots.
    #[arg(long = "trust")]
    trust: Vec<PathBuf>,
    /// Host name the server certificate must match.
    #[arg(long)]
    host: Option<String>,
    /// CRLs to decide revocation with (PEM or DER files; repeatable).
    #[arg(long = "crl")]
    crls: Vec<PathBuf>,
    /// OCSP responses to decide revocation with (DER files; repeatable).
    #[arg(long = "ocsp")]
    ocsp: Vec<PathBuf>,
    /// TOML configuration (thresholds, scoring, lab).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Folder for this run's files (default: a new dated folder).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Languages of the PDF report: zh (default), en, zh,en, or none.
    #[arg(long = "lang", value_delimiter = ',', default_value = "zh", value_parser = parse_lang)]
    languages: Vec<String>,
}

#[derive(clap::Args)]
struct RunArgs {
    /// Base URL of the platform's profile API (overrides target.base_url in the config).
    #[arg(long, conflicts_with = "package")]
    target: Option<String>,
    /// Evaluate an exported evidence package (a directory) offline instead of a live platform.
    #[arg(long)]
    package: Option<PathBuf>,
    /// TOML configuration file.
    #[arg(long)]
    config: Option<PathBuf>,
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
    /// Switch on a fault in the built-in reference platform (repeatable; no --target).
    #[arg(long = "fault", value_delimiter = ',')]
    faults: Vec<String>,
    /// Languages of the PDF report: zh (default), en, zh,en, or none.
    #[arg(long = "lang", value_delimiter = ',', default_value = "zh", value_parser = parse_lang)]
    languages: Vec<String>,
}

fn parse_lang(s: &str) -> Result<String, String> {
    let s = s.trim().to_ascii_lowercase();
    if s == "none" || tianping_harness::pdf::LANGUAGES.contains(&s.as_str()) {
        Ok(s)
    } else {
        Err(format!("unknown report language `{s}` (zh, en or none)"))
    }
}

fn report_languages(languages: &[String]) -> Vec<String> {
    let mut langs: Vec<String> = languages.iter().filter(|l| *l != "none").cloned().collect();
    langs.dedup();
    langs
}

#[derive(clap::Args)]
struct ExportArgs {
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

#[derive(clap::Args)]
struct QuarterlyArgs {
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
    /// Output folder (default: tianping-quarterly-<QUARTER>).
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(clap::Args)]
struct VerifyArgs {
    /// The run folder (evidence bundle).
    bundle: PathBuf,
    /// The lab's public key (hex) the bundle must be signed with.
    #[arg(long)]
    signer: Option<String>,
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
struct DiffArgs {
    /// The earlier run (its folder or results.json).
    old: PathBuf,
    /// The later run.
    new: PathBuf,
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
struct ListArgs {
    #[arg(long)]
    config: Option<PathBuf>,
    #[arg(long)]
    target: Option<String>,
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on (loopback by default).
    #[arg(long, default_value = "127.0.0.1:8443")]
    bind: std::net::SocketAddr,
    /// Faults to switch on (repeatable, or comma-separated).
    #[arg(long = "fault", value_delimiter = ',')]
    faults: Vec<String>,
    /// Print the known faults and exit.
    #[arg(long)]
    list_faults: bool,
    /// API variant: `profile`, `enveloped` ({"code":0,"data":{...}}, to try a field map), or
    /// `without-registration` (no self-registration, as where the lab creates accounts).
    #[arg(long, default_value = "profile")]
    dialect: String,
    /// Folder where the CA certificate, credentials and a harness config are written.
    #[arg(long, default_value = "reference-target")]
    state_dir: PathBuf,
}

/// An error that decides the exit code.
struct Failure(i32, String);

fn usage(msg: impl Into<String>) -> Failure {
    Failure(exit::USAGE, msg.into())
}

fn config_error(msg: impl ToString) -> Failure {
    Failure(exit::CONFIG, msg.to_string())
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { exit::USAGE } else { 0 };
            let _ = e.print();
            return ExitCode::from(code as u8);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let outcome = runtime.block_on(async {
        match cli.command {
            Command::Run(args) => run(args).await,
            Command::List(args) => list(args),
            Command::ServeReference(args) => serve(args).await,
            Command::ExportReferencePackage(args) => export_package(args),
            Command::Quarterly(args) => quarterly(args).await,
            Command::Diff(args) => diff_runs(args),
            Command::Verify(args) => verify_bundle(args),
            Command::Certs(args) => certs(args).await,
        }
    });
    match outcome {
        Ok(code) => ExitCode::from(code as u8),
        Err(Failure(code, msg)) => {
            eprintln!("tianping-harness: {msg}");
            ExitCode::from(code as u8)
        }
    }
}

fn load_config(path: Option<&PathBuf>, target: Option<&String>) -> Result<Config, Failure> {
    let mut config = match path {
        Some(p) => Config::load(p).map_err(config_error)?,
        None => Config::default(),
    };
    if let Some(t) = target {
        config.target.base_url = Some(t.clone());
    }
    config.validate().map_err(config_error)?;
    for unknown in tianping_engine::fields::FieldMap::unknown_overrides(&config.fields) {
        eprintln!("warning: [fields] names unknown field `{unknown}`; it is ignored");
    }
    Ok(config)
}

fn apply_selection(config: &mut Config, args: &RunArgs) -> Result<(), Failure> {
    config.selection.include.extend(args.only.iter().cloned());
    config.selection.suites.extend(args.suites.iter().cloned());
    config.selection.passive |= args.passive;
    if let Some(w) = &args.waivers {
        config.lab.waivers = Some(w.display().to_string());
    }
    if let Some(records) = &args.lab_records {
        config.lab.records = Some(records.display().to_string());
    }
    config.validate().map_err(config_error)
}

async fn run(args: RunArgs) -> Result<i32, Failure> {
    let mut config = load_config(args.config.as_ref(), args.target.as_ref())?;
    apply_selection(&mut config, &args)?;
    let faults = Faults::parse(&args.faults).map_err(usage)?;
    let previous = match &args.rerun_failed {
        Some(path) => {
            let previous = evaluate::read_results(path).map_err(|e| config_error(e.to_string()))?;
            let ids = evaluate::to_rerun(&previous);
            if ids.is_empty() {
                println!(
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
    let checks = runner::select(&registry, &config.selection);
    if checks.is_empty() {
        return Err(usage(
            "the selection matches no check (see `tianping-harness list`)",
        ));
    }
    if let Some(package) = &args.package {
        return run_package(&config, &args, &checks, package, &registry).await;
    }
    let out_dir = args.out.clone().unwrap_or_else(|| {
        PathBuf::from(format!(
            "tianping-run-{}",
            chrono::Local::now().format("%Y%m%d-%H%M%S")
        ))
    });

    // Keep the embedded server alive for the whole run.
    let mut _embedded = None;
    let (config, credentials, trust_roots, target, lab_records) =
        if config.target.base_url.is_none() {
            let embedded = reference::start(config, faults.clone())
                .await
                .map_err(|e| {
                    Failure(
                        exit::INCONCLUSIVE,
                        format!("cannot start the reference platform: {e}"),
                    )
                })?;
            let target = TargetSummary {
                base_url: embedded.server.base_url.clone(),
                kind: "reference".into(),
                reference_faults: faults.names(),
            };
            let parts = (
                embedded.config.clone(),
                embedded.credentials.clone(),
                embedded.trust_roots.clone(),
                target,
                embedded.lab_records.clone(),
            );
            _embedded = Some(embedded);
            parts
        } else {
            if !args.faults.is_empty() {
                return Err(usage(
                    "--fault applies to the built-in reference platform only; drop --target",
                ));
            }
            let roots = evaluate::load_trust_roots(&config.target.trust_roots)
                .map_err(|e| config_error(e.to_string()))?;
            let credentials = Credentials::from_env(&config.credentials);
            let target = TargetSummary {
                base_url: config.target.base_url.clone().unwrap_or_default(),
                kind: "live".into(),
                reference_faults: Vec::new(),
            };
            let lab_records = match &config.lab.records {
                Some(path) => LabRecords::load(std::path::Path::new(path)).map_err(config_error)?,
                None => LabRecords::default(),
            };
            (config, credentials, roots, target, lab_records)
        };
    let known: Vec<&str> = registry.iter().map(|c| c.meta.id).collect();
    for unknown in lab_records.unmatched(&known) {
        eprintln!("warning: lab record `{unknown}` names no check; it is ignored");
    }

    eprintln!(
        "tianping-harness {}: evaluating {} ({} checks) → {}",
        tianping_engine::HARNESS_VERSION,
        target.base_url,
        checks.len(),
        out_dir.display()
    );
    let scoring = config.scoring.clone();
    let waivers = load_waivers(&config)?;
    let finish_config = config.clone();
    let plan = RunPlan {
        config,
        credentials,
        trust_roots,
        target,
        checks: checks.clone(),
        out_dir: out_dir.clone(),
        resume: args.resume,
        lab_records,
    };
    let progress = Progress::new(checks.len());
    let evaluation = evaluate::evaluate(plan, |r, i, n| progress.report(r, i, n));
    let results = tokio::select! {
        r = evaluation => r.map_err(|e| match e {
            evaluate::EvaluateError::Config(m) => config_error(m),
            evaluate::EvaluateError::Output(m) => Failure(exit::INCONCLUSIVE, m),
        })?,
        _ = tokio::signal::ctrl_c() => {
            progress.finish();
            let partial = evaluate::write_interrupted(&out_dir, &checks).map_err(|e| Failure(exit::INCONCLUSIVE, e.to_string()))?;
            // Sealed as it stands, so what was gathered can be shown unaltered; --resume seals again.
            evaluate::seal_bundle(&out_dir, &partial.run_id, &finish_config)
                .await
                .map_err(|e| Failure(exit::INCONCLUSIVE, e.to_string()))?;
            eprintln!("interrupted: {} of {} checks recorded; continue with --resume --out {}", partial.results.len(), checks.len(), out_dir.display());
            return Ok(exit::INCONCLUSIVE);
        }
    };
    progress.finish();
    let results = match &previous {
        Some((prev, path)) => evaluate::merge_retest(prev, path, results, &scoring),
        None => results,
    };
    let languages = report_languages(&args.languages);
    let results = evaluate::finalize(
        results,
        &evaluate::Finish {
            waivers: &waivers,
            scoring: &scoring,
            out: &out_dir,
            config: &finish_config,
            languages: &languages,
            previous: previous.as_ref().map(|(p, _)| p),
        },
    )
    .await
    .map_err(|e| Failure(exit::INCONCLUSIVE, e.to_string()))?;
    report_unmatched_waivers(&results);
    print_summary(&results);
    let c = &results.counts;
    println!(
        "\n{} pass, {} fail, {} not applicable, {} inconclusive{}",
        c.pass,
        c.fail,
        c.not_applicable,
        c.inconclusive,
        if results.complete {
            ""
        } else {
            " (incomplete)"
        }
    );
    print_outputs(&out_dir, &languages);
    Ok(results.exit_code())
}

/// Where the run's files are: results, JUnit, the report(s), and the sealed manifest.
fn print_outputs(out_dir: &std::path::Path, languages: &[String]) {
    let mut files = vec![
        tianping_reports::RESULTS_FILE.to_string(),
        tianping_reports::JUNIT_FILE.to_string(),
    ];
    files.extend(languages.iter().map(|l| format!("report-{l}.pdf")));
    files.push(tianping_reports::bundle::MANIFEST_FILE.to_string());
    println!("outputs in {}: {}", out_dir.display(), files.join(", "));
}

fn print_summary(run: &tianping_engine::RunResults) {
    for r in &run.results {
        let mark = match &r.outcome {
            Outcome::Pass => "PASS",
            Outcome::Fail if r.waived() => "WAIVED",
            Outcome::Fail => "FAIL",
            Outcome::NotApplicable { .. } => "N/A ",
            Outcome::Inconclusive { .. } => "INCONCLUSIVE",
        };
        println!("{mark:<12} {:<9} {} — {}", r.id, r.title_zh, r.summary);
    }
    if let Some(a) = &run.assessment {
        let score = a
            .score
            .map(|s| format!("{s:.2}"))
            .unwrap_or_else(|| "—".into());
        println!(
            "\nscore {score}  grade {}  conclusion: {} ({})",
            a.grade.as_deref().unwrap_or("—"),
            a.conclusion.title_zh(),
            serde_json::to_value(a.conclusion)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        );
        println!("rule: {}", a.rule);
    }
}

/// A progress bar on a terminal, one plain line per finished check otherwise.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    fn new(total: usize) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(total as u64);
            bar.set_style(
                indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
                    .expect("static template"),
            );
            bar
        });
        Progress { bar }
    }

    fn report(&self, r: &CheckResult, i: usize, n: usize) {
        match &self.bar {
            Some(bar) => {
                bar.set_position(i as u64);
                bar.set_message(format!("{} {}", r.id, r.outcome.key()));
            }
            None => eprintln!(
                "[{i}/{n}] {} {} ({} ms)",
                r.id,
                r.outcome.key(),
                r.duration_ms
            ),
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn list(args: ListArgs) -> Result<i32, Failure> {
    let config = load_config(args.config.as_ref(), args.target.as_ref())?;
    let registry = tianping_suites::registry();
    let selected: Vec<&str> = runner::select(&registry, &config.selection)
        .iter()
        .map(|c| c.meta.id)
        .collect();
    let live = config.target.base_url.is_some();
    let applies = |c: &CheckDef| -> (bool, &'static str) {
        if !selected.contains(&c.meta.id) {
            (false, "not selected by the configuration")
        } else {
            match c.meta.mode {
                tianping_engine::Mode::Remote => (
                    true,
                    if live {
                        "remote check of the configured target"
                    } else {
                        "remote check of the built-in reference platform"
                    },
                ),
                tianping_engine::Mode::Package => (false, "needs an evidence package"),
                tianping_engine::Mode::Manual => (true, "the lab records the verdict"),
            }
        }
    };
    if args.json {
        let rows: Vec<serde_json::Value> = registry
            .iter()
            .map(|c| {
                let m = &c.meta;
                let (applies, why) = applies(c);
                serde_json::json!({
                    "id": m.id, "suite": m.suite.key(), "title_zh": m.title_zh, "title_en": m.title_en,
                    "clauses": m.clauses.iter().map(|cl| serde_json::json!({"source": cl.source, "provenance": cl.provenance.tag()})).collect::<Vec<_>>(),
                    "severity": m.severity.key(), "weight": m.weight, "mode": m.mode.key(), "active": m.active,
                    "reference_faults": m.faults, "applies": applies, "applies_reason": why,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows).expect("json"));
        return Ok(0);
    }
    for c in &registry {
        let m = &c.meta;
        let (applies, why) = applies(c);
        println!(
            "{:<9} {:<20} {:<7} {:<9} w{} {} {}",
            m.id,
            m.suite.key(),
            m.mode.key(),
            m.severity.key(),
            m.weight,
            if applies { "applies" } else { "skipped" },
            m.title_en
        );
        println!("          {}  ({why})", m.title_zh);
        for cl in m.clauses {
            println!("          [{}] {}", cl.provenance.tag(), cl.source);
        }
    }
    println!(
        "\n{} checks; clause tags: [V] verified source, [K] known standard text (not retrieved), [P] lab threshold",
        registry.len()
    );
    Ok(0)
}

async fn serve(args: ServeArgs) -> Result<i32, Failure> {
    if args.list_faults {
        for f in Fault::ALL {
            let check = tianping_suites::registry()
                .into_iter()
                .find(|c| c.meta.catches(f.name()))
                .map(|c| c.meta.id)
                .unwrap_or("-");
            println!("{:<28} {:<9} {}", f.name(), check, f.description());
        }
        return Ok(0);
    }
    let faults = Faults::parse(&args.faults).map_err(usage)?;
    let dialect = tianping_fixtures::Dialect::from_name(&args.dialect).ok_or_else(|| {
        usage(format!(
            "unknown dialect `{}` (profile, enveloped, without-registration)",
            args.dialect
        ))
    })?;
    let server = tianping_fixtures::start_with(faults.clone(), dialect, args.bind)
        .await
        .map_err(|e| {
            Failure(
                exit::INCONCLUSIVE,
                format!("cannot listen on {}: {e}", args.bind),
            )
        })?;
    let dir = &args.state_dir;
    std::fs::create_dir_all(dir).map_err(|e| config_error(format!("{}: {e}", dir.display())))?;
    let ca = dir.join("tls-ca.pem");
    std::fs::write(&ca, server.tls_ca_pem()).map_err(|e| config_error(e.to_string()))?;
    std::fs::write(dir.join("sm2-root.pem"), server.sm2_root_pem())
        .map_err(|e| config_error(e.to_string()))?;
    let c = &server.credentials;
    let env = dir.join("env.sh");
    write_private(
        &env,
        &format!(
            "export TIANPING_API_KEY_ID='{}'\nexport TIANPING_API_SECRET='{}'\nexport TIANPING_USERNAME='{}'\nexport TIANPING_PASSWORD='{}'\nexport TIANPING_SECOND_API_KEY_ID='{}'\nexport TIANPING_SECOND_API_SECRET='{}'\nexport TIANPING_LOCKOUT_USERNAME='{}'\nexport TIANPING_LOCKOUT_PASSWORD='{}'\n",
            c.api_key_id,
            c.api_secret,
            c.username,
            c.password,
            c.second_api_key_id,
            c.second_api_secret,
            c.lockout_username,
            c.lockout_password
        ),
    )?;
    let config = dir.join("harness.toml");
    std::fs::write(
        &config,
        format!(
            // The ports SS-014 and SS-007 try are the reference's own, as in an embedded run:
            // on loopback the machine's other services would answer too.
            "[target]\nbase_url = \"{}\"\ntrust_roots = [\"tls-ca.pem\", \"sm2-root.pem\"]\nscan_ports = [{}]\nplain_http_port = {}\n",
            server.base_url, server.service_port, server.plain_http_port,
        ),
    )
    .map_err(|e| config_error(e.to_string()))?;
    println!("reference platform listening on {}", server.base_url);
    println!(
        "faults: {}",
        if faults.names().is_empty() {
            "none (conforming)".to_string()
        } else {
            faults.names().join(", ")
        }
    );
    println!(
        "evaluate it with:\n  . {} && tianping-harness run --config {}",
        env.display(),
        config.display()
    );
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| Failure(exit::INCONCLUSIVE, e.to_string()))?;
    server.stop().await;
    Ok(0)
}

/// The reference credentials go to a file only the user can read, never to the terminal.
fn write_private(path: &std::path::Path, text: &str) -> Result<(), Failure> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut f = options
        .open(path)
        .map_err(|e| config_error(format!("{}: {e}", path.display())))?;
    f.write_all(text.as_bytes())
        .map_err(|e| config_error(e.to_string()))
}

fn default_out_dir() -> PathBuf {
    PathBuf::from(format!(
        "tianping-run-{}",
        chrono::Local::now().format("%Y%m%d-%H%M%S")
    ))
}

async fn run_package(
    config: &Config,
    args: &RunArgs,
    checks: &[&CheckDef],
    package: &std::path::Path,
    registry: &[CheckDef],
) -> Result<i32, Failure> {
    if !args.faults.is_empty() || args.resume {
        return Err(usage("--fault and --resume do not apply to --package"));
    }
    let lab_records = match &config.lab.records {
        Some(path) => LabRecords::load(std::path::Path::new(path)).map_err(config_error)?,
        None => LabRecords::default(),
    };
    let known: Vec<&str> = registry.iter().map(|c| c.meta.id).collect();
    for unknown in lab_records.unmatched(&known) {
        eprintln!("warning: lab record `{unknown}` names no check; it is ignored");
    }
    let out_dir = args.out.clone().unwrap_or_else(default_out_dir);
    eprintln!(
        "tianping-harness {}: evaluating package {} offline ({} checks) → {}",
        tianping_engine::HARNESS_VERSION,
        package.display(),
        checks.len(),
        out_dir.display()
    );
    let results = evaluate::evaluate_package(config, &lab_records, checks, package, &out_dir)
        .map_err(|e| match e {
            evaluate::EvaluateError::Config(m) => config_error(m),
            evaluate::EvaluateError::Output(m) => Failure(exit::INCONCLUSIVE, m),
        })?;
    let languages = report_languages(&args.languages);
    let results = evaluate::finalize(
        results,
        &evaluate::Finish {
            waivers: &load_waivers(config)?,
            scoring: &config.scoring,
            out: &out_dir,
            config,
            languages: &languages,
            previous: None,
        },
    )
    .await
    .map_err(|e| Failure(exit::INCONCLUSIVE, e.to_string()))?;
    report_unmatched_waivers(&results);
    print_summary(&results);
    let c = &results.counts;
    println!(
        "\n{} pass, {} fail, {} not applicable, {} inconclusive",
        c.pass, c.fail, c.not_applicable, c.inconclusive
    );
    print_outputs(&out_dir, &languages);
    Ok(results.exit_code())
}

fn export_package(args: ExportArgs) -> Result<i32, Failure> {
    let faults = Faults::parse(&args.faults).map_err(usage)?;
    let stats =
        tianping_fixtures::package::export(&args.out, faults, args.records, args.record_bytes)
            .map_err(|e| {
                Failure(
                    exit::CONFIG,
                    format!("export to {}: {e}", args.out.display()),
                )
            })?;
    println!(
        "wrote {} records, {} bytes of originals, to {}",
        stats.records,
        stats.original_bytes,
        args.out.display()
    );
    Ok(0)
}

async fn quarterly(args: QuarterlyArgs) -> Result<i32, Failure> {
    use tianping_harness::quarterly;
    let (from, to) = quarterly::quarter_bounds(&args.quarter).map_err(usage)?;
    let config = load_config(args.config.as_ref(), args.target.as_ref())?;
    let (source, deposits) = match (&args.package, &config.target.base_url) {
        (Some(dir), _) => {
            let fields = tianping_engine::fields::FieldMap::new(&config.fields);
            (
                format!("package {}", dir.display()),
                quarterly::package_deposits(dir, &fields).map_err(config_error)?,
            )
        }
        (None, Some(url)) => {
            let roots = evaluate::load_trust_roots(&config.target.trust_roots)
                .map_err(|e| config_error(e.to_string()))?;
            let ctx = tianping_engine::Ctx::new(
                config.clone(),
                Credentials::from_env(&config.credentials),
                roots,
            )
            .map_err(config_error)?;
            let deposits = quarterly::live_deposits(&ctx, &from, &to)
                .await
                .map_err(|e| Failure(exit::INCONCLUSIVE, format!("live export from {url}: {e}")))?;
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
    quarterly::write(&out, &figures).map_err(|e| Failure(exit::INCONCLUSIVE, e))?;
    println!(
        "{} ({} to {}): {} deposits, {} bytes",
        figures.quarter,
        figures.from,
        figures.to_exclusive,
        figures.total.deposits,
        figures.total.bytes
    );
    for (t, v) in &figures.by_business_type {
        println!("  {t:<20} {:>10} deposits", v.deposits);
    }
    println!("written to {}", out.display());
    if figures.unreadable > 0 {
        eprintln!(
            "warning: {} records had no readable on-chain time; the figures are incomplete",
            figures.unreadable
        );
        return Ok(exit::INCONCLUSIVE);
    }
    Ok(0)
}

fn diff_runs(args: DiffArgs) -> Result<i32, Failure> {
    let old = evaluate::read_results(&args.old).map_err(|e| config_error(e.to_string()))?;
    let new = evaluate::read_results(&args.new).map_err(|e| config_error(e.to_string()))?;
    let d = tianping_reports::diff::diff(&old, &new);
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&d).expect("diff serializes")
        );
    } else {
        print!("{}", tianping_reports::diff::render_text(&d));
    }
    Ok(
        if d.still_open.is_empty() && d.new_nonconformities.is_empty() {
            0
        } else {
            exit::NONCONFORMITY
        },
    )
}

fn load_waivers(config: &Config) -> Result<tianping_engine::waivers::Waivers, Failure> {
    match &config.lab.waivers {
        Some(path) => tianping_engine::waivers::Waivers::load(std::path::Path::new(path))
            .map_err(config_error),
        None => Ok(Default::default()),
    }
}

fn report_unmatched_waivers(results: &tianping_engine::RunResults) {
    for w in &results.unmatched_waivers {
        eprintln!("warning: waiver {w}");
    }
}

async fn certs(args: CertsArgs) -> Result<i32, Failure> {
    use tianping_engine::certset::{CertRole, CertSet};
    let config = load_config(args.config.as_ref(), None)?;
    let files =
        evaluate::read_certificate_files(&args.files).map_err(|e| config_error(e.to_string()))?;
    let mut set = CertSet {
        host: args.host.clone(),
        crls: evaluate::read_crl_files(&args.crls).map_err(|e| config_error(e.to_string()))?,
        ocsp_responses: evaluate::read_ocsp_files(&args.ocsp)
            .map_err(|e| config_error(e.to_string()))?,
        ..CertSet::default()
    };
    for (source, der) in files {
        let role = CertRole::infer(&der);
        set.push(der, role, source);
    }
    let root_files: Vec<PathBuf> = config
        .target
        .trust_roots
        .iter()
        .map(PathBuf::from)
        .chain(args.trust.iter().cloned())
        .collect();
    set.trust_roots = evaluate::read_certificate_files(&root_files)
        .map_err(|e| config_error(e.to_string()))?
        .into_iter()
        .map(|(_, der)| der)
        .collect();
    let registry = tianping_suites::registry();
    let checks: Vec<&CheckDef> = registry
        .iter()
        .filter(|c| c.meta.suite == tianping_engine::Suite::Certificates)
        .collect();
    let out_dir = args.out.clone().unwrap_or_else(default_out_dir);
    eprintln!(
        "tianping-harness {}: evaluating {} certificate(s) offline against {} trust anchor(s) → {}",
        tianping_engine::HARNESS_VERSION,
        set.certs.len(),
        set.trust_roots.len(),
        out_dir.display()
    );
    let results = evaluate::evaluate_certs(&config, &set, &args.files, &checks, &out_dir).map_err(
        |e| match e {
            evaluate::EvaluateError::Config(m) => config_error(m),
            evaluate::EvaluateError::Output(m) => Failure(exit::INCONCLUSIVE, m),
        },
    )?;
    let languages = report_languages(&args.languages);
    let results = evaluate::finalize(
        results,
        &evaluate::Finish {
            waivers: &load_waivers(&config)?,
            scoring: &config.scoring,
            out: &out_dir,
            config: &config,
            languages: &languages,
            previous: None,
        },
    )
    .await
    .map_err(|e| Failure(exit::INCONCLUSIVE, e.to_string()))?;
    print_summary(&results);
    print_outputs(&out_dir, &languages);
    Ok(results.exit_code())
}

fn verify_bundle(args: VerifyArgs) -> Result<i32, Failure> {
    let v = tianping_reports::bundle::verify(&args.bundle, args.signer.as_deref())
        .map_err(config_error)?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&v).expect("verification serializes")
        );
    } else {
        println!(
            "signature: {} (signer {} key {})",
            if v.signature_valid {
                "valid"
            } else {
                "INVALID"
            },
            v.signer_kind,
            v.signer_public_key
        );
        if let Some(t) = &v.timestamp {
            println!(
                "time-stamp: {} by {} (token signature valid; TSA certificate SHA-256 {}; the lab decides whether it trusts this TSA)",
                t.gen_time, t.tsa_subject, t.tsa_certificate_sha256
            );
        }
        for (what, list) in [
            ("added", &v.added),
            ("removed", &v.removed),
            ("changed", &v.changed),
        ] {
            for f in list.iter() {
                println!("{what}: {f}");
            }
        }
        for p in &v.problems {
            println!("problem: {p}");
        }
        for w in &v.warnings {
            println!("warning: {w}");
        }
        println!(
            "{}",
            if v.ok() {
                "bundle intact"
            } else {
                "bundle NOT intact"
            }
        );
    }
    Ok(if v.ok() { 0 } else { exit::NONCONFORMITY })
}
