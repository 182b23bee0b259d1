//! The conforming-variations matrix: the reference platform serving valid forms and choices
//! real platforms make that differ from the profile's defaults (no receipt signature, no
//! algorithm name, upper-case `0x` hex, epoch-second times, a ±180 s request window, public
//! verification), each with the adapter line or declaration a lab would write for it. Every
//! check must pass (or be not applicable where a declaration says so): a check that fails
//! here judges our format, not the requirement.

use std::sync::Arc;

use tianping_engine::check::Applicability;
use tianping_engine::{CheckResult, Config, Outcome, runner};
use tianping_fixtures::{Dialect, Faults, Variation};

/// The configuration a lab would write for a platform with `variation`, and the adapter file
/// it needs (kept alive by the returned folder).
fn config_for(variation: Variation) -> (Config, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.limits.requests_per_second = 1000.0;
    let extends = |lines: &str| {
        let path = dir.path().join("adapter.toml");
        std::fs::write(
            &path,
            format!("[adapter]\nname = \"variation\"\nextends = \"tp-profile-1\"\n{lines}"),
        )
        .unwrap();
        Some(path.display().to_string())
    };
    match variation {
        Variation::EpochSecondTimes => {
            config.adapter.file = extends("[formats]\ntx_time = \"epoch_s\"\n");
        }
        Variation::Window180 => config.adapter.file = extends("[auth]\nwindow_secs = 180\n"),
        Variation::PublicVerification => config.architecture.public_verification = true,
        Variation::TlcpOnly | Variation::TlcpMutual => {
            config.target.transport = tianping_engine::config::Transport::Tlcp
        }
        Variation::ReceiptUnsigned
        | Variation::NoHashAlgorithm
        | Variation::UpperCaseHex
        | Variation::LongTermCertificate => {}
    }
    (config, dir)
}

fn run(variation: Variation) -> Vec<CheckResult> {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let (config, _dir) = config_for(variation);
        let faults = Faults::none().with_variation(variation);
        let target = tianping_target::reference::start_with(config, faults, Dialect::Profile)
            .await
            .unwrap();
        let ctx = target.context().unwrap();
        let registry = tianping_suites::registry();
        let checks: Vec<_> = registry.iter().collect();
        let results = runner::run_checks(Arc::new(ctx), &checks, Vec::new(), |_, _, _| {}).await;
        target.stop().await;
        results
    })
}

fn every_check_passes(variation: Variation) {
    let (config, _dir) = config_for(variation);
    let registry = tianping_suites::registry();
    let results = run(variation);
    let problems: Vec<String> = results
        .iter()
        .filter(|r| {
            let applies = registry
                .iter()
                .any(|d| d.meta.id == r.id && (d.applies)(&config) == Applicability::Applies);
            !matches!(
                (&r.outcome, applies),
                (Outcome::Pass, true) | (Outcome::NotApplicable { .. }, false)
            )
        })
        .map(|r| r.describe())
        .collect();
    assert!(
        problems.is_empty(),
        "under the conforming variation `{}`:\n{}",
        variation.name(),
        problems.join("\n")
    );
    // Under mutual TLCP the server prefers ECDHE: CERT-004 completes it with the lab's pair.
    if variation == Variation::TlcpMutual {
        let cert004 = results.iter().find(|r| r.id == "CERT-004").unwrap();
        let handshake = cert004
            .evidence
            .iter()
            .find(|e| e.label == "full handshake")
            .map(|e| e.value.as_str())
            .unwrap_or_default();
        assert!(
            handshake.starts_with("ECDHE_SM4_") && handshake.contains("SM2 key exchange"),
            "{handshake}"
        );
    }
}

macro_rules! variation_tests {
    ($($name:ident => $variation:expr),* $(,)?) => {
        $(#[test]
        fn $name() {
            every_check_passes($variation);
        })*

        #[test]
        fn every_variation_has_its_test() {
            let tested = [$($variation),*];
            for v in Variation::ALL {
                assert!(tested.contains(&v), "{} has no test", v.name());
            }
        }
    };
}

variation_tests! {
    receipt_unsigned => Variation::ReceiptUnsigned,
    no_hash_algorithm => Variation::NoHashAlgorithm,
    upper_case_hex => Variation::UpperCaseHex,
    epoch_second_times => Variation::EpochSecondTimes,
    window_180 => Variation::Window180,
    public_verification => Variation::PublicVerification,
    long_term_certificate => Variation::LongTermCertificate,
    tlcp_only => Variation::TlcpOnly,
    tlcp_mutual => Variation::TlcpMutual,
}
