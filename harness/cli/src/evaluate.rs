//! One evaluation run: the journal, the checks, then one last step ([`finalize`]) that applies
//! waivers, assesses, writes results.json, junit.xml and the reports once, and seals the folder.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::CertificateDer;
use tianping_engine::config::Credentials;
use tianping_engine::journal::{self, Journal, JournalHeader};
use tianping_engine::model::{Counts, RESULTS_SCHEMA, RunResults, TargetSummary};
use tianping_engine::{CheckDef, CheckResult, Config, Ctx, HARNESS_VERSION, runner};

#[derive(Debug, thiserror::Error)]
pub enum EvaluateError {
    #[error("{0}")]
    Config(String),
    #[error("{0}")]
    Output(String),
}

pub struct RunPlan<'a> {
    pub config: Config,
    pub credentials: Credentials,
    pub trust_roots: Vec<CertificateDer<'static>>,
    pub target: TargetSummary,
    pub checks: Vec<&'a CheckDef>,
    pub out_dir: PathBuf,
    pub resume: bool,
    /// The lab's verdicts for manual checks.
    pub lab_records: tianping_engine::lab::LabRecords,
}

impl<'a> RunPlan<'a> {
    /// A plan that runs `checks` against `target`, writing into `out_dir`.
    pub fn for_target(
        target: &tianping_target::Target,
        checks: Vec<&'a CheckDef>,
        out_dir: &Path,
    ) -> RunPlan<'a> {
        RunPlan {
            config: target.config.clone(),
            credentials: target.credentials.clone(),
            trust_roots: target.trust_roots.clone(),
            target: target.summary.clone(),
            checks,
            out_dir: out_dir.to_path_buf(),
            resume: false,
            lab_records: target.lab_records.clone(),
        }
    }
}

/// Why `now` is not the target `before` was, if it is not: another kind of target, another
/// platform URL, or another adapter. (The embedded reference listens on new ports at each
/// start, so two reference runs are the same target.)
pub fn other_target(before: &TargetSummary, now: &TargetSummary) -> Option<String> {
    let url = |s: &str| s.trim_end_matches('/').to_ascii_lowercase();
    if before.kind != now.kind {
        Some(format!("this run's target is a {} target", now.kind))
    } else if now.kind != "reference" && url(&before.base_url) != url(&now.base_url) {
        Some(format!("this run targets {}", now.base_url))
    } else if before.adapter != now.adapter {
        Some(format!(
            "this run uses adapter {}",
            now.adapter.as_deref().unwrap_or("none")
        ))
    } else {
        None
    }
}

/// What a run covered, for its assessment: whether it finished, out of every check the
/// harness has, or in a self-test every automated one (a selection of fewer is a partial run,
/// which never yields a grant).
fn run_scope(complete: bool, self_test: bool) -> tianping_engine::scoring::RunScope {
    let registry = tianping_suites::registry();
    let total_checks = registry
        .iter()
        .filter(|c| !(self_test && c.meta.mode == tianping_engine::Mode::Manual))
        .count();
    tianping_engine::scoring::RunScope {
        complete,
        total_checks,
        self_test,
    }
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Assembles the results file from whatever has been gathered; `complete` only when every
/// selected check has a result.
pub fn assemble(
    header: &JournalHeader,
    checks: &[&CheckDef],
    results: Vec<CheckResult>,
    finished: bool,
    scoring: &tianping_engine::scoring::ScoringConfig,
) -> RunResults {
    let complete = finished
        && checks
            .iter()
            .all(|c| results.iter().any(|r| r.id == c.meta.id));
    let assessment = tianping_engine::scoring::assess_run(
        &results,
        run_scope(complete, header.self_test),
        scoring,
    );
    RunResults {
        schema: RESULTS_SCHEMA.to_string(),
        harness_version: HARNESS_VERSION.to_string(),
        run_id: header.run_id.clone(),
        started_at: header.started_at.clone(),
        finished_at: finished.then(now),
        complete,
        target: header.target.clone(),
        config_sm3: header.config_sm3.clone(),
        selected: checks.iter().map(|c| c.meta.id.to_string()).collect(),
        counts: Counts::of(&results),
        results,
        assessment: Some(assessment),
        retest: None,
        unmatched_waivers: Vec::new(),
        parties: Default::default(),
        self_test: header.self_test,
    }
}

/// Runs the plan, calling `progress` as each check lands. Each result is journalled as it
/// lands; the outputs are written once, by [`finalize`].
pub async fn evaluate(
    plan: RunPlan<'_>,
    mut progress: impl FnMut(&CheckResult, usize, usize),
) -> Result<RunResults, EvaluateError> {
    let out = &plan.out_dir;
    std::fs::create_dir_all(out)
        .map_err(|e| EvaluateError::Output(format!("cannot create {}: {e}", out.display())))?;
    // The embedded reference listens on new ports each start (its API, its plain-HTTP port for
    // SS-007, the database port SS-014 scans and its stand-in Tianping); its URL is recorded in
    // `target`, and the ports are kept out of the digest so a resumed reference run matches.
    let scoring = plan.config.scoring.clone();
    let config_sm3 = if plan.target.kind == "reference" {
        let mut settings = plan.config.clone();
        settings.target.base_url = None;
        settings.target.scan_ports = None;
        settings.target.plain_http_port = None;
        settings.lab.tianping_lookup = None;
        settings.digest()
    } else {
        plan.config.digest()
    };
    let (header, done, mut journal) = open_journal(out, &plan, &config_sm3)?;
    let ctx = Ctx::new(plan.config, plan.credentials, plan.trust_roots)
        .map_err(|e| EvaluateError::Config(e.to_string()))?
        .with_lab_records(plan.lab_records)
        .with_evidence_root(out);
    let mut journal_error = None;
    let results = runner::run_checks(Arc::new(ctx), &plan.checks, done, |r, i, n| {
        if let Err(e) = journal.record(r) {
            journal_error.get_or_insert(e.to_string());
        }
        progress(r, i, n);
    })
    .await;
    if let Some(e) = journal_error {
        return Err(EvaluateError::Output(e));
    }
    Ok(assemble(&header, &plan.checks, results, true, &scoring))
}

fn open_journal(
    out: &Path,
    plan: &RunPlan<'_>,
    config_sm3: &str,
) -> Result<(JournalHeader, Vec<CheckResult>, Journal), EvaluateError> {
    let io = |e: journal::JournalError| EvaluateError::Output(e.to_string());
    // A journal that cannot be read back is a problem with what the user pointed at (78).
    let unreadable = |e: journal::JournalError| match e {
        e @ (journal::JournalError::Corrupt { .. } | journal::JournalError::NoHeader(_)) => {
            EvaluateError::Config(format!("cannot resume: {e}"))
        }
        e => EvaluateError::Output(e.to_string()),
    };
    if plan.resume {
        let (header, done) = journal::load(out).map_err(unreadable)?;
        if header.config_sm3 != config_sm3 {
            return Err(EvaluateError::Config(format!(
                "cannot resume: {} was made with a different configuration (SM3 {}…, now {}…)",
                out.display(),
                &header.config_sm3[..12],
                &config_sm3[..12]
            )));
        }
        // The embedded reference gets a new port every start, so only a live target's URL must match.
        if header.target.kind != "reference" && header.target.base_url != plan.target.base_url {
            return Err(EvaluateError::Config(format!(
                "cannot resume: {} evaluated {}, not {}",
                out.display(),
                header.target.base_url,
                plan.target.base_url
            )));
        }
        // A journal line for a check this run did not select is not carried into its results.
        if let Some(stranger) = done
            .iter()
            .find(|r| !plan.checks.iter().any(|c| c.meta.id == r.id))
        {
            return Err(EvaluateError::Config(format!(
                "cannot resume: {} records a result for {}, which this run does not select",
                out.display(),
                stranger.id
            )));
        }
        let journal = Journal::append_to(out).map_err(io)?;
        Ok((header, done, journal))
    } else {
        if out.join(journal::JOURNAL_FILE).exists() {
            return Err(EvaluateError::Config(format!(
                "{} already holds a run; use --resume to continue it or choose another --out",
                out.display()
            )));
        }
        let started_at = now();
        let run_id = tianping_profile::digest::sm3_hex(
            format!(
                "{started_at}:{}:{}",
                plan.target.base_url,
                std::process::id()
            )
            .as_bytes(),
        )[..16]
            .to_string();
        let header = JournalHeader {
            run_id,
            started_at,
            target: plan.target.clone(),
            config_sm3: config_sm3.to_string(),
            self_test: plan.config.selection.self_test,
        };
        let journal = Journal::create(out, &header).map_err(io)?;
        Ok((header, Vec::new(), journal))
    }
}

/// Writes results for an interrupted run from its journal: never complete, never a pass.
pub fn write_interrupted(out: &Path, checks: &[&CheckDef]) -> Result<RunResults, EvaluateError> {
    let (header, done) = journal::load(out).map_err(|e| EvaluateError::Output(e.to_string()))?;
    let results = assemble(&header, checks, done, false, &Default::default());
    tianping_reports::write_all(out, &results).map_err(|e| EvaluateError::Output(e.to_string()))?;
    Ok(results)
}

/// A package ready to read: a folder, or a zip unpacked to a temporary folder that lives as
/// long as this does.
struct OpenedPackage {
    _unpacked: Option<tempfile::TempDir>,
    info: tianping_engine::package::PackageInfo,
}

fn open_package(config: &Config, package: &Path) -> Result<OpenedPackage, EvaluateError> {
    let (unpacked, root) = if package.is_file() {
        let tmp = tempfile::tempdir()
            .map_err(|e| EvaluateError::Output(format!("temporary folder: {e}")))?;
        let root = tianping_engine::package::unpack_zip(
            package,
            tmp.path(),
            config.limits.max_package_bytes,
        )
        .map_err(|e| EvaluateError::Config(e.to_string()))?;
        (Some(tmp), root)
    } else {
        (None, package.to_path_buf())
    };
    let info = tianping_engine::package::open(&root, config)
        .map_err(|e| EvaluateError::Config(e.to_string()))?;
    Ok(OpenedPackage {
        _unpacked: unpacked,
        info,
    })
}

fn package_target(package: &str) -> TargetSummary {
    TargetSummary {
        base_url: package.to_string(),
        kind: "package".into(),
        reference_faults: Vec::new(),
        adapter: None,
        declarations: Vec::new(),
        transport: None,
    }
}

fn workers() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
}

/// Evaluates an exported evidence package: one streaming pass, no network, journalled like a
/// live run; [`finalize`] writes the outputs.
pub fn evaluate_package(
    config: &Config,
    lab_records: &tianping_engine::lab::LabRecords,
    checks: &[&CheckDef],
    package: &Path,
    out: &Path,
) -> Result<RunResults, EvaluateError> {
    let opened = open_package(config, package)?;
    let target = package_target(&package.display().to_string());
    let (header, journal) = start_offline_run(out, target, config.digest())?;
    let results = runner::run_package_checks(&opened.info, config, checks, lab_records, workers())
        .map_err(|e| EvaluateError::Config(e.to_string()))?;
    journalled(header, journal, checks, results, config)
}

/// Records `results` in the run's journal and assembles the run.
fn journalled(
    header: JournalHeader,
    mut journal: Journal,
    checks: &[&CheckDef],
    results: Vec<tianping_engine::model::CheckResult>,
    config: &Config,
) -> Result<RunResults, EvaluateError> {
    for r in &results {
        journal
            .record(r)
            .map_err(|e| EvaluateError::Output(e.to_string()))?;
    }
    Ok(assemble(&header, checks, results, true, &config.scoring))
}

/// Counts one slice of a package's records (`run --package P --shard i/N`) and writes the
/// counts to `shard.json` in `out`; the caller seals the folder. Nothing is judged yet: the
/// verdicts come from all slices merged ([`evaluate_merged_shards`]).
pub fn evaluate_package_shard(
    config: &Config,
    checks: &[&CheckDef],
    package: &Path,
    slice: tianping_engine::package::Slice,
    out: &Path,
) -> Result<tianping_engine::package::shard::ShardResult, EvaluateError> {
    use tianping_engine::package::shard;
    if out.join(shard::SHARD_FILE).exists() || out.join(journal::JOURNAL_FILE).exists() {
        return Err(EvaluateError::Config(format!(
            "{} already holds a run or a shard; choose another --out",
            out.display()
        )));
    }
    let opened = open_package(config, package)?;
    let header = tianping_engine::files::read_regular(
        &opened.info.root.join(tianping_engine::package::HEADER_FILE),
        tianping_engine::files::MAX_SETTINGS_BYTES,
    )
    .map_err(|e| EvaluateError::Config(format!("package.json: {e}")))?;
    let started_at = now();
    let offline = runner::package_checks(checks, config);
    let tallies = tianping_engine::package::tally(&opened.info, &offline, workers(), slice)
        .map_err(|e| EvaluateError::Config(e.to_string()))?;
    let result = shard::ShardResult {
        schema: shard::SHARD_SCHEMA.into(),
        harness_version: tianping_engine::HARNESS_VERSION.into(),
        package: package.display().to_string(),
        header_sm3: tianping_profile::digest::sm3_hex(&header),
        config_sm3: config.digest(),
        checks: checks.iter().map(|c| c.meta.id.to_string()).collect(),
        started_at,
        finished_at: now(),
        tallies,
    };
    shard::write(out, &result).map_err(|e| {
        EvaluateError::Output(format!("{}: {e}", out.join(shard::SHARD_FILE).display()))
    })?;
    Ok(result)
}

/// One run from the shards of a package (`run --merge-shards DIR…`), judged as the unsharded
/// pass would have judged it; refused unless the shards are every slice of one split, each
/// once, of one package, configuration, selection and harness.
pub fn evaluate_merged_shards(
    config: &Config,
    lab_records: &tianping_engine::lab::LabRecords,
    checks: &[&CheckDef],
    shards: Vec<(PathBuf, tianping_engine::package::shard::ShardResult)>,
    out: &Path,
) -> Result<RunResults, EvaluateError> {
    let ids: Vec<String> = checks.iter().map(|c| c.meta.id.to_string()).collect();
    let merged = tianping_engine::package::shard::merge(shards, &config.digest(), &ids)
        .map_err(|e| EvaluateError::Config(format!("cannot merge the shards: {e}")))?;
    let (header, journal) =
        start_offline_run(out, package_target(&merged.package), config.digest())?;
    let elapsed = chrono::DateTime::parse_from_rfc3339(&merged.finished_at)
        .ok()
        .zip(chrono::DateTime::parse_from_rfc3339(&merged.started_at).ok())
        .and_then(|(end, start)| (end - start).to_std().ok())
        .unwrap_or_default();
    let results = runner::package_results(
        config,
        checks,
        lab_records,
        merged.tallies,
        merged.started_at,
        elapsed,
    );
    journalled(header, journal, checks, results, config)
}

/// A new run folder for an offline evaluation (package or certificate files): no resume, since
/// an offline run takes seconds.
fn start_offline_run(
    out: &Path,
    target: TargetSummary,
    config_sm3: String,
) -> Result<(JournalHeader, Journal), EvaluateError> {
    std::fs::create_dir_all(out)
        .map_err(|e| EvaluateError::Output(format!("cannot create {}: {e}", out.display())))?;
    if out.join(journal::JOURNAL_FILE).exists() {
        return Err(EvaluateError::Config(format!(
            "{} already holds a run; choose another --out",
            out.display()
        )));
    }
    let started_at = now();
    let run_id = tianping_profile::digest::sm3_hex(
        format!("{started_at}:{}:{}", target.base_url, std::process::id()).as_bytes(),
    )[..16]
        .to_string();
    let header = JournalHeader {
        run_id,
        started_at,
        target,
        config_sm3,
        self_test: false,
    };
    let journal =
        Journal::create(out, &header).map_err(|e| EvaluateError::Output(e.to_string()))?;
    Ok((header, journal))
}

/// Evaluates certificates given as files: the certificate checks' offline forms, no network.
pub fn evaluate_certs(
    config: &Config,
    set: &tianping_engine::certset::CertSet,
    files: &[PathBuf],
    checks: &[&CheckDef],
    out: &Path,
) -> Result<RunResults, EvaluateError> {
    let target = TargetSummary {
        base_url: files
            .iter()
            .map(|f| f.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        kind: "certificates".into(),
        reference_faults: Vec::new(),
        adapter: None,
        declarations: Vec::new(),
        transport: None,
    };
    let (header, mut journal) = start_offline_run(out, target, config.digest())?;
    let results = runner::run_cert_checks(set, checks, config);
    for r in &results {
        journal
            .record(r)
            .map_err(|e| EvaluateError::Output(e.to_string()))?;
    }
    Ok(assemble(&header, checks, results, true, &config.scoring))
}

/// Reads certificates from PEM (any number of CERTIFICATE blocks) or DER files.
pub fn read_certificate_files(paths: &[PathBuf]) -> Result<Vec<(String, Vec<u8>)>, EvaluateError> {
    let mut out = Vec::new();
    for path in paths {
        let bytes =
            tianping_engine::files::read_regular(path, tianping_engine::files::MAX_DOCUMENT_BYTES)
                .map_err(|e| EvaluateError::Config(format!("{}: {e}", path.display())))?;
        let name = path.display().to_string();
        let ders = match std::str::from_utf8(&bytes) {
            Ok(text) if text.contains("-----BEGIN") => tianping_profile::pem::certificates(text)
                .map_err(|e| EvaluateError::Config(format!("{name}: {e}")))?,
            _ => vec![bytes],
        };
        if ders.is_empty() {
            return Err(EvaluateError::Config(format!(
                "{name}: no PEM CERTIFICATE block"
            )));
        }
        let count = ders.len();
        for (i, der) in ders.into_iter().enumerate() {
            if x509_parser::parse_x509_certificate(&der).is_err() {
                return Err(EvaluateError::Config(format!(
                    "{name}: certificate {} is neither PEM nor DER X.509",
                    i + 1
                )));
            }
            let source = if count > 1 {
                format!("{name} #{}", i + 1)
            } else {
                name.clone()
            };
            out.push((source, der));
        }
    }
    Ok(out)
}

/// Reads CRLs from PEM (`X509 CRL` blocks) or DER files.
pub fn read_crl_files(paths: &[PathBuf]) -> Result<Vec<Vec<u8>>, EvaluateError> {
    let mut out = Vec::new();
    for path in paths {
        let name = path.display().to_string();
        let bytes =
            tianping_engine::files::read_regular(path, tianping_engine::files::MAX_DOCUMENT_BYTES)
                .map_err(|e| EvaluateError::Config(format!("{name}: {e}")))?;
        let ders: Vec<Vec<u8>> = match std::str::from_utf8(&bytes) {
            Ok(text) if text.contains("-----BEGIN X509 CRL-----") => {
                tianping_profile::pem::blocks(text, "X509 CRL")
                    .map_err(|e| EvaluateError::Config(format!("{name}: {e}")))?
            }
            _ => vec![bytes],
        };
        for der in ders {
            if x509_parser::parse_x509_crl(&der).is_err() {
                return Err(EvaluateError::Config(format!(
                    "{name}: not a CRL (PEM or DER)"
                )));
            }
            out.push(der);
        }
    }
    Ok(out)
}

/// Reads OCSP responses (DER, as `openssl ocsp -respout` writes them).
pub fn read_ocsp_files(paths: &[PathBuf]) -> Result<Vec<Vec<u8>>, EvaluateError> {
    use tianping_profile::der::Tlv;
    paths
        .iter()
        .map(|path| {
            let name = path.display().to_string();
            let der = tianping_engine::files::read_regular(
                path,
                tianping_engine::files::MAX_DOCUMENT_BYTES,
            )
            .map_err(|e| EvaluateError::Config(format!("{name}: {e}")))?;
            let status_first = Tlv::parse(&der)
                .and_then(|t| t.children())
                .is_ok_and(|c| c.first().is_some_and(|s| s.tag == 0x0A));
            if !status_first {
                return Err(EvaluateError::Config(format!(
                    "{name}: not an OCSP response (DER)"
                )));
            }
            Ok(der)
        })
        .collect()
}

/// Reads a previous run's results: a run folder or its results.json.
pub fn read_results(path: &Path) -> Result<RunResults, EvaluateError> {
    let file = if path.is_dir() {
        path.join(tianping_reports::RESULTS_FILE)
    } else {
        path.to_path_buf()
    };
    tianping_reports::json::read(&file).map_err(|e| EvaluateError::Config(e.to_string()))
}

/// Checks a rectification re-test runs again: those that failed or were inconclusive.
pub fn to_rerun(previous: &RunResults) -> Vec<String> {
    previous
        .results
        .iter()
        .filter(|r| {
            matches!(
                r.outcome,
                tianping_engine::Outcome::Fail | tianping_engine::Outcome::Inconclusive { .. }
            )
        })
        .map(|r| r.id.clone())
        .collect()
}

/// The re-test's results: the re-run checks from `new`, every other check carried over from
/// `previous`, assessed together, with the link to the previous run recorded.
pub fn merge_retest(
    previous: &RunResults,
    previous_path: &Path,
    new: RunResults,
    scoring: &tianping_engine::scoring::ScoringConfig,
) -> RunResults {
    let rerun: Vec<String> = new.results.iter().map(|r| r.id.clone()).collect();
    let results: Vec<CheckResult> = previous
        .results
        .iter()
        .map(|old| {
            new.results
                .iter()
                .find(|n| n.id == old.id)
                .cloned()
                .unwrap_or_else(|| old.clone())
        })
        .collect();
    let complete = new.complete
        && previous
            .selected
            .iter()
            .all(|id| results.iter().any(|r| &r.id == id));
    let assessment =
        tianping_engine::scoring::assess_run(&results, run_scope(complete, false), scoring);
    RunResults {
        complete,
        selected: previous.selected.clone(),
        counts: Counts::of(&results),
        results,
        assessment: Some(assessment),
        retest: Some(tianping_engine::model::Retest {
            previous_run_id: previous.run_id.clone(),
            previous_results: previous_path.display().to_string(),
            previous_started_at: previous.started_at.clone(),
            rerun,
        }),
        ..new
    }
}

/// The outputs a run writes besides results.json, junit.xml and the manifest.
#[derive(Debug, Clone, Default)]
pub struct Outputs {
    /// Report languages (`zh`, `en`): a PDF (and an HTML page) for each; empty for none.
    pub languages: Vec<String>,
    /// The report as HTML too, `report-<lang>.html`.
    pub html: bool,
    /// The lab's workpaper, `workpaper.xlsx`.
    pub workpaper: bool,
}

impl Outputs {
    /// No report, no page, no workpaper.
    pub const NONE: Outputs = Outputs {
        languages: Vec::new(),
        html: false,
        workpaper: false,
    };

    /// The files these outputs add to the run folder.
    pub fn files(&self) -> Vec<String> {
        let mut files: Vec<String> = self
            .languages
            .iter()
            .map(|l| format!("report-{l}.pdf"))
            .collect();
        if self.html {
            files.extend(self.languages.iter().map(|l| format!("report-{l}.html")));
        }
        if self.workpaper {
            files.push(tianping_reports::workpaper::WORKPAPER_FILE.to_string());
        }
        files
    }
}

/// What the last step of a run needs besides the results.
pub struct Finish<'a> {
    pub waivers: &'a tianping_engine::waivers::Waivers,
    pub scoring: &'a tianping_engine::scoring::ScoringConfig,
    pub out: &'a Path,
    pub config: &'a Config,
    /// The reports and workpaper to write.
    pub outputs: &'a Outputs,
    /// The run a rectification re-test continues, for the report's comparison.
    pub previous: Option<&'a RunResults>,
}

impl<'a> Finish<'a> {
    /// The last step with the configuration's scoring, no waivers, no PDF report and no
    /// earlier run: what tests and embedded uses need.
    pub fn without_reports(out: &'a Path, config: &'a Config) -> Finish<'a> {
        static NO_WAIVERS: tianping_engine::waivers::Waivers = tianping_engine::waivers::Waivers {
            waivers: Vec::new(),
        };
        static NO_OUTPUTS: Outputs = Outputs::NONE;
        Finish {
            waivers: &NO_WAIVERS,
            scoring: &config.scoring,
            out,
            config,
            outputs: &NO_OUTPUTS,
            previous: None,
        }
    }
}

/// Last step of every run: applies the lab's waivers, assesses the results again, writes
/// results.json, junit.xml and the PDF report(s), and seals the folder. A report that cannot
/// be rendered is an error, but only after the other outputs are written and sealed.
pub async fn finalize(
    mut results: RunResults,
    finish: &Finish<'_>,
) -> Result<RunResults, EvaluateError> {
    let today = chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8"))
        .date_naive();
    results.unmatched_waivers = finish.waivers.apply(&mut results.results, today);
    results.self_test = finish.config.selection.self_test;
    let assessment = tianping_engine::scoring::assess_run(
        &results.results,
        run_scope(results.complete, results.self_test),
        finish.scoring,
    );
    results.assessment = Some(assessment);
    // The key is chosen before anything is written, so the reports name it.
    let (key, kind) = sealing_key(finish.config)?;
    results.parties = finish.config.parties();
    results.parties.sealing_key = Some(tianping_engine::model::SealingKey {
        public_key: tianping_reports::bundle::public_key_hex(&key),
        kind: kind.to_string(),
    });
    let out = finish.out;
    tianping_reports::write_all(out, &results).map_err(|e| EvaluateError::Output(e.to_string()))?;
    let outputs = finish.outputs;
    let workpaper_error = outputs
        .workpaper
        .then(|| {
            let path = out.join(tianping_reports::workpaper::WORKPAPER_FILE);
            tianping_reports::workpaper::render(&results)
                .map_err(|e| e.to_string())
                .and_then(|bytes| {
                    tianping_reports::write_atomic(&path, &bytes).map_err(|e| e.to_string())
                })
                .err()
        })
        .flatten();
    let report_error = crate::pdf::write_reports(
        out,
        &results,
        finish.previous,
        &outputs.languages,
        outputs.html,
    )
    .err()
    .or(workpaper_error);
    seal_with(out, &results.run_id, finish.config, &key, kind).await?;
    match report_error {
        Some(e) => Err(EvaluateError::Output(format!(
            "{e} (results.json and junit.xml are written and sealed)"
        ))),
        None => Ok(results),
    }
}

/// Seals the run folder with the lab's key, or a key made for this run when none is
/// configured, and has the manifest time-stamped when the lab names a TSA.
pub async fn seal_bundle(
    out: &Path,
    run_id: &str,
    config: &Config,
) -> Result<Option<tianping_profile::rfc3161::TimeStamp>, EvaluateError> {
    let (key, kind) = sealing_key(config)?;
    seal_with(out, run_id, config, &key, kind).await
}

/// The lab's key, or a key made for this run when none is configured, and which it is.
fn sealing_key(
    config: &Config,
) -> Result<(tianping_reports::bundle::SigningKey, &'static str), EvaluateError> {
    use tianping_reports::bundle;
    Ok(match &config.lab.signing_key {
        Some(path) => (
            bundle::load_key(Path::new(path)).map_err(|e| EvaluateError::Config(e.to_string()))?,
            "lab",
        ),
        None => (
            bundle::test_key().map_err(|e| EvaluateError::Output(e.to_string()))?,
            "test",
        ),
    })
}

/// Seals `out` with `key` and has the manifest time-stamped when the lab names a TSA.
async fn seal_with(
    out: &Path,
    run_id: &str,
    config: &Config,
    key: &tianping_reports::bundle::SigningKey,
    kind: &str,
) -> Result<Option<tianping_profile::rfc3161::TimeStamp>, EvaluateError> {
    use tianping_reports::bundle;
    let tsa = config.lab.tsa_url.as_deref();
    bundle::seal(out, run_id, key, kind, tsa).map_err(|e| EvaluateError::Output(e.to_string()))?;
    let Some(tsa) = tsa else {
        return Ok(None);
    };
    let request =
        bundle::timestamp_request(out).map_err(|e| EvaluateError::Output(e.to_string()))?;
    let response = ask_tsa(tsa, request, &config.limits)
        .await
        .map_err(|e| EvaluateError::Output(format!("time-stamping the manifest at {tsa}: {e}")))?;
    let stamp = bundle::attach_timestamp(out, &response)
        .map_err(|e| EvaluateError::Output(format!("time-stamp from {tsa}: {e}")))?;
    Ok(Some(stamp))
}

/// One RFC 3161 request over HTTP(S) to the lab's TSA: its host only, no redirects, the
/// usual timeouts and body limit.
async fn ask_tsa(
    tsa: &str,
    request: Vec<u8>,
    limits: &tianping_engine::config::Limits,
) -> Result<Vec<u8>, String> {
    use tianping_engine::http::{HttpClient, Scope};
    let url = url::Url::parse(tsa).map_err(|e| format!("not a URL: {e}"))?;
    let host = url.host_str().ok_or("the URL has no host")?.to_string();
    let client = HttpClient::new(url.clone(), Scope::new([host]), limits.clone())
        .map_err(|e| e.to_string())?;
    let headers = [(
        "content-type".to_string(),
        "application/timestamp-query".to_string(),
    )];
    let answer = client
        .send_url(tianping_engine::Method::POST, url, &headers, Some(request))
        .await
        .map_err(|e| e.to_string())?;
    if answer.status != 200 {
        return Err(format!("the TSA answered HTTP {}", answer.status));
    }
    Ok(answer.body)
}
