//! `cargo test -p tianping-tests --test conformance`: each check is one test, so vendor CI
//! gets libtest's `test result:` line and exit status.
//!
//! Target: `TIANPING_TARGET` (base URL) with `TIANPING_CONFIG` (TOML, optional) and the
//! credential variables the config names; without `TIANPING_TARGET`, the embedded reference
//! platform. A failed or inconclusive check fails its test; not-applicable passes with its
//! reason printed.

use std::sync::Arc;

use libtest_mimic::{Arguments, Failed, Trial};
use tianping_engine::config::Config;
use tianping_engine::{Ctx, Outcome, runner};
use tianping_target::Target;

fn main() {
    let args = Arguments::from_args();
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let (ctx, _target) = runtime.block_on(target()).unwrap_or_else(|e| {
        eprintln!("conformance: {e}");
        std::process::exit(2)
    });
    let ctx = Arc::new(ctx);
    let registry = tianping_suites::registry();
    let checks: Vec<_> = runner::select(&registry, &ctx.config.selection)
        .into_iter()
        .copied()
        .collect();
    let handle = runtime.handle().clone();
    let trials = checks
        .into_iter()
        .map(|def| {
            let (ctx, handle) = (ctx.clone(), handle.clone());
            Trial::test(
                format!("{}::{}", def.meta.suite.key(), def.meta.id),
                move || {
                    let result = handle
                        .block_on(runner::run_checks(ctx, &[&def], Vec::new(), |_, _, _| {}))
                        .remove(0);
                    let evidence: Vec<String> = result
                        .evidence
                        .iter()
                        .map(|e| format!("  {}: {}", e.label, e.value))
                        .collect();
                    match result.outcome {
                        Outcome::Pass => Ok(()),
                        Outcome::NotApplicable { reason } => {
                            println!("{}: not applicable: {reason}", result.id);
                            Ok(())
                        }
                        Outcome::Fail => Err(Failed::from(format!(
                            "{} nonconformity: {}\n{}",
                            result.id,
                            result.summary,
                            evidence.join("\n")
                        ))),
                        Outcome::Inconclusive { error } => Err(Failed::from(format!(
                            "{} inconclusive: {error}\n{}",
                            result.id,
                            evidence.join("\n")
                        ))),
                    }
                },
            )
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}

/// The target `run` would evaluate with this environment, resolved the same way.
async fn target() -> Result<(Ctx, Target), String> {
    let mut config = match std::env::var("TIANPING_CONFIG") {
        Ok(path) => Config::load(std::path::Path::new(&path)).map_err(|e| e.to_string())?,
        Err(_) => Config::default(),
    };
    if let Ok(url) = std::env::var("TIANPING_TARGET") {
        config.target.base_url = Some(url);
    }
    config.validate().map_err(|e| e.to_string())?;
    tianping_suites::validate_thresholds(&config.thresholds).map_err(|e| e.to_string())?;
    let target = tianping_target::resolve(config, tianping_fixtures::Faults::none())
        .await
        .map_err(|e| e.to_string())?;
    let ctx = target.context().map_err(|e| e.to_string())?;
    Ok((ctx, target))
}
