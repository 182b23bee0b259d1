//! `cargo test -p tianping-tests --test conformance`: each check is one test, so vendor CI
//! gets libtest's `test result:` line and exit status.
//!
//! Target: `TIANPING_TARGET` (base URL) with `TIANPING_CONFIG` (TOML, optional; relative to
//! the directory cargo was run from) and the credential variables the config names; without
//! `TIANPING_TARGET`, the embedded reference platform. A failed or inconclusive check fails its
//! test; not-applicable, and a failure the lab waived (`[lab] waivers`), pass with a note.
//! All tests share one context, so the configured rate and connection limits hold across
//! them. The resolution is `tianping_harness::vendor`, tested against a served reference.

use libtest_mimic::{Arguments, Failed, Trial};
use tianping_engine::runner;
use tianping_harness::vendor::{self, VendorEnv};

fn main() {
    let args = Arguments::from_args();
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let vendor = runtime
        .block_on(vendor::resolve(&VendorEnv::from_process()))
        .unwrap_or_else(|e| {
            eprintln!("conformance: {e}");
            std::process::exit(2)
        });
    let vendor = std::sync::Arc::new(vendor);
    let registry = tianping_suites::registry();
    let checks: Vec<_> = runner::select(&registry, &vendor.ctx.config.selection)
        .into_iter()
        .copied()
        .collect();
    let handle = runtime.handle().clone();
    let trials = checks
        .into_iter()
        .map(|def| {
            let (vendor, handle) = (vendor.clone(), handle.clone());
            Trial::test(
                format!("{}::{}", def.meta.suite.key(), def.meta.id),
                move || match handle.block_on(vendor::judge(&vendor, &def)) {
                    Ok(Some(note)) => {
                        println!("{note}");
                        Ok(())
                    }
                    Ok(None) => Ok(()),
                    Err(finding) => Err(Failed::from(finding)),
                },
            )
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
