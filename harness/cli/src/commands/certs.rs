//! `certs`: certificate files judged offline by the certificate checks.

use std::path::PathBuf;

use tianping_engine::CheckDef;
use tianping_harness::evaluate;

use super::{Failure, default_out_dir, finish_run, load_config, load_waivers};

#[derive(clap::Args)]
/// Arguments of the command.
pub struct Args {
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
    #[command(flatten)]
    reports: super::ReportArgs,
}

/// Evaluates the files and writes a run folder as `run` does.
pub async fn run(args: Args) -> Result<i32, Failure> {
    use tianping_engine::certset::{CertRole, CertSet};
    let config = load_config(args.config.as_ref(), None, None)?;
    let waivers = load_waivers(&config)?;
    let files = evaluate::read_certificate_files(&args.files)?;
    let mut set = CertSet {
        host: args.host.clone(),
        crls: evaluate::read_crl_files(&args.crls)?,
        ocsp_responses: evaluate::read_ocsp_files(&args.ocsp)?,
        ..CertSet::default()
    };
    for (source, der) in files {
        let role = CertRole::infer_for(&der, args.host.as_deref());
        set.push(der, role, source);
    }
    let root_files: Vec<PathBuf> = config
        .target
        .trust_roots
        .iter()
        .map(PathBuf::from)
        .chain(args.trust.iter().cloned())
        .collect();
    set.trust_roots = evaluate::read_certificate_files(&root_files)?
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
    let results = evaluate::evaluate_certs(&config, &set, &args.files, &checks, &out_dir)?;
    finish_run(results, &config, &waivers, &out_dir, &args.reports, None).await
}
