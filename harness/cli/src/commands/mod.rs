//! One module per subcommand: its arguments and its body. What several share (loading the
//! configuration, the last step of a run, the console summary) is here.

pub mod adapter;
pub mod certs;
pub mod diff;
pub mod export;
pub mod init;
pub mod list;
pub mod quarterly;
pub mod run;
pub mod serve;
pub mod verify;

pub mod console;

use std::path::{Path, PathBuf};

use tianping_engine::config::Config;
use tianping_engine::model::{RunResults, exit};
use tianping_engine::waivers::Waivers;
use tianping_harness::evaluate::{self, EvaluateError};
use tianping_target::TargetError;

/// An error that decides the exit code.
pub struct Failure(pub i32, pub String);

/// A command line that cannot be carried out (exit 64).
pub fn usage(msg: impl ToString) -> Failure {
    Failure(exit::USAGE, msg.to_string())
}

/// A configuration, or a file it names, that is wrong (exit 78).
pub fn config_error(msg: impl ToString) -> Failure {
    Failure(exit::CONFIG, msg.to_string())
}

/// Something went wrong while evaluating or writing: nothing is decided (exit 2).
pub fn undecided(msg: impl ToString) -> Failure {
    Failure(exit::INCONCLUSIVE, msg.to_string())
}

impl From<EvaluateError> for Failure {
    fn from(e: EvaluateError) -> Failure {
        match e {
            EvaluateError::Config(m) => config_error(m),
            EvaluateError::Output(m) => undecided(m),
        }
    }
}

impl From<TargetError> for Failure {
    fn from(e: TargetError) -> Failure {
        match e {
            TargetError::Usage(m) => usage(m),
            TargetError::Config(m) => config_error(m),
            e @ TargetError::LabRecords(_) => config_error(e),
            e @ TargetError::Start(_) => undecided(e),
        }
    }
}

/// Reads the configuration (or the defaults), with `--target` taking the place of
/// `target.base_url` and `--adapter` that of `[adapter] file`, and validates it, the adapter
/// included: a broken adapter stops the command before anything is contacted.
pub fn load_config(
    path: Option<&PathBuf>,
    target: Option<&String>,
    adapter: Option<&PathBuf>,
) -> Result<Config, Failure> {
    let mut config = match path {
        Some(p) => Config::load(p).map_err(config_error)?,
        None => Config::default(),
    };
    if let Some(t) = target {
        config.target.base_url = Some(t.clone());
    }
    if let Some(a) = adapter {
        config.adapter.file = Some(a.display().to_string());
    }
    config.validate().map_err(config_error)?;
    tianping_suites::validate_thresholds(&config.thresholds).map_err(config_error)?;
    // The key that seals the run folder is read now, not found unusable after the whole run.
    if let Some(key) = &config.lab.signing_key {
        tianping_reports::bundle::load_key(std::path::Path::new(key)).map_err(config_error)?;
    }
    let loaded = config.adapter.load().map_err(config_error)?;
    if !config.fields.is_empty() {
        eprintln!(
            "warning: [fields] in the config is the legacy field map: its pointers are applied on \
             top of adapter `{}`; move them into an adapter file (docs/adapters.md)",
            loaded.info.name
        );
    }
    for unknown in tianping_engine::fields::FieldMap::unknown_overrides(&config.fields) {
        eprintln!("warning: [fields] names unknown field `{unknown}`; it is ignored");
    }
    Ok(config)
}

/// `--lang` values: a report language, or `none`.
pub fn parse_lang(s: &str) -> Result<String, String> {
    let s = s.trim().to_ascii_lowercase();
    if s == "none" || tianping_harness::pdf::LANGUAGES.contains(&s.as_str()) {
        Ok(s)
    } else {
        Err(format!("unknown report language `{s}` (zh, en or none)"))
    }
}

/// The reports a run writes besides results.json and junit.xml, shared by `run` and `certs`.
#[derive(clap::Args, Debug, Clone)]
pub struct ReportArgs {
    /// Languages of the PDF and HTML reports: zh (default), en, zh,en, or none.
    #[arg(long = "lang", value_delimiter = ',', default_value = "zh", value_parser = parse_lang)]
    languages: Vec<String>,
    /// Write no HTML report (report-<lang>.html).
    #[arg(long)]
    no_html: bool,
    /// Write no lab workpaper (workpaper.xlsx).
    #[arg(long)]
    no_workpaper: bool,
}

impl ReportArgs {
    /// What to write, `none` left out of the languages.
    pub fn outputs(&self) -> evaluate::Outputs {
        evaluate::Outputs {
            languages: report_languages(&self.languages),
            html: !self.no_html,
            workpaper: !self.no_workpaper,
        }
    }
}

/// The report languages to render, `none` left out.
fn report_languages(languages: &[String]) -> Vec<String> {
    let mut langs: Vec<String> = languages.iter().filter(|l| *l != "none").cloned().collect();
    langs.dedup();
    langs
}

/// A new dated folder in the working directory.
pub fn default_out_dir() -> PathBuf {
    PathBuf::from(format!(
        "tianping-run-{}",
        chrono::Local::now().format("%Y%m%d-%H%M%S")
    ))
}

/// The lab's waivers named in the configuration, if any. Loaded before anything is evaluated,
/// so a broken waivers file stops the command before the run, not after it.
pub fn load_waivers(config: &Config) -> Result<Waivers, Failure> {
    match &config.lab.waivers {
        Some(path) => Waivers::load(Path::new(path)).map_err(config_error),
        None => Ok(Waivers::default()),
    }
}

/// Warns about lab records that name no check.
pub fn warn_unmatched_lab_records(records: &tianping_engine::lab::LabRecords) {
    let registry = tianping_suites::registry();
    let known: Vec<&str> = registry.iter().map(|c| c.meta.id).collect();
    for unknown in records.unmatched(&known) {
        eprintln!("warning: lab record `{unknown}` names no check; it is ignored");
    }
}

/// The last step every evaluating command shares: waivers, assessment, outputs written once
/// and sealed, then the console summary. Returns the run's exit code.
pub async fn finish_run(
    results: RunResults,
    config: &Config,
    waivers: &Waivers,
    out: &Path,
    reports: &ReportArgs,
    previous: Option<&RunResults>,
) -> Result<i32, Failure> {
    let outputs = reports.outputs();
    let results = evaluate::finalize(
        results,
        &evaluate::Finish {
            waivers,
            scoring: &config.scoring,
            out,
            config,
            outputs: &outputs,
            previous,
        },
    )
    .await?;
    console::print_results(&results, out, &outputs);
    Ok(results.exit_code())
}
