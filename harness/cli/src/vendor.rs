//! `cargo test` mode for vendors (`tests/tests/conformance.rs`): the target, configuration,
//! lab records and waivers a vendor's CI names through the environment, resolved the way
//! `run` resolves them, and each check's result turned into a test's pass or failure.
//!
//! `cargo test` runs a test binary in its package's folder, not where the vendor typed the
//! command: a relative `TIANPING_CONFIG` is taken from the shell's working directory (`PWD`),
//! as the vendor meant it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tianping_engine::config::{Config, Credentials};
use tianping_engine::model::{CheckResult, Outcome};
use tianping_engine::waivers::Waivers;
use tianping_engine::{CheckDef, Ctx, runner};
use tianping_target::Target;

/// Reads one environment variable.
type Lookup<'a> = Box<dyn Fn(&str) -> Option<String> + 'a>;

/// What the vendor's environment says: each variable through one lookup, so a test can give
/// its own.
pub struct VendorEnv<'a> {
    lookup: Lookup<'a>,
}

impl<'a> VendorEnv<'a> {
    /// The process environment.
    pub fn from_process() -> VendorEnv<'static> {
        VendorEnv {
            lookup: Box::new(|name| std::env::var(name).ok()),
        }
    }

    /// Variables from `lookup` (a test's map).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String> + 'a) -> VendorEnv<'a> {
        VendorEnv {
            lookup: Box::new(lookup),
        }
    }

    fn get(&self, name: &str) -> Option<String> {
        (self.lookup)(name).filter(|v| !v.is_empty())
    }

    /// `TIANPING_CONFIG` as the vendor meant it: relative to the shell's working directory.
    fn config_path(&self) -> Option<PathBuf> {
        let path = PathBuf::from(self.get("TIANPING_CONFIG")?);
        match (path.is_relative(), self.get("PWD")) {
            (true, Some(cwd)) => Some(Path::new(&cwd).join(path)),
            _ => Some(path),
        }
    }
}

/// The resolved target with its context and the lab's waivers.
pub struct Vendor {
    /// The context every check runs in: one HTTP client, so the rate and connection limits
    /// hold across all tests of the run.
    pub ctx: Arc<Ctx>,
    /// The target (holds the embedded reference platform alive when that is the target).
    pub target: Target,
    /// The lab's waivers from `[lab] waivers`.
    pub waivers: Waivers,
}

/// Resolves `TIANPING_TARGET`, `TIANPING_CONFIG` and the credential variables the
/// configuration names; without `TIANPING_TARGET`, the embedded reference platform.
pub async fn resolve(env: &VendorEnv<'_>) -> Result<Vendor, String> {
    let mut config = match env.config_path() {
        Some(path) => Config::load(&path).map_err(|e| e.to_string())?,
        None => Config::default(),
    };
    if let Some(url) = env.get("TIANPING_TARGET") {
        config.target.base_url = Some(url);
    }
    config.validate().map_err(|e| e.to_string())?;
    tianping_suites::validate_thresholds(&config.thresholds).map_err(|e| e.to_string())?;
    let waivers = match &config.lab.waivers {
        Some(path) => Waivers::load(Path::new(path)).map_err(|e| e.to_string())?,
        None => Waivers::default(),
    };
    let target = if config.target.base_url.is_some() {
        let credentials = Credentials::from_lookup(&config.credentials, |n| env.get(n));
        tianping_target::target::live_with(config, credentials).map_err(|e| e.to_string())?
    } else {
        tianping_target::resolve(config, tianping_fixtures::Faults::none())
            .await
            .map_err(|e| e.to_string())?
    };
    let ctx = Arc::new(target.context().map_err(|e| e.to_string())?);
    Ok(Vendor {
        ctx,
        target,
        waivers,
    })
}

/// Runs one check and says what its test shows: `Ok` with a note to print (not applicable,
/// or a failure the lab waived), or `Err` with the finding and its evidence.
pub async fn judge(vendor: &Vendor, def: &CheckDef) -> Result<Option<String>, String> {
    let mut results =
        runner::run_checks(vendor.ctx.clone(), &[def], Vec::new(), |_, _, _| {}).await;
    let today = chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8"))
        .date_naive();
    vendor.waivers.apply(&mut results, today);
    let result = results.remove(0);
    verdict_of(&result)
}

fn verdict_of(result: &CheckResult) -> Result<Option<String>, String> {
    let evidence: Vec<String> = result
        .evidence
        .iter()
        .map(|e| format!("  {}: {}", e.label, e.value))
        .collect();
    match &result.outcome {
        Outcome::Pass => Ok(None),
        Outcome::NotApplicable { reason } => {
            Ok(Some(format!("{}: not applicable: {reason}", result.id)))
        }
        Outcome::Fail if result.waived() => Ok(Some(format!(
            "{}: nonconformity waived by the lab: {}",
            result.id, result.summary
        ))),
        Outcome::Fail => Err(format!(
            "{} nonconformity: {}\n{}",
            result.id,
            result.summary,
            evidence.join("\n")
        )),
        Outcome::Inconclusive { error } => Err(format!(
            "{} inconclusive: {error}\n{}",
            result.id,
            evidence.join("\n")
        )),
    }
}
