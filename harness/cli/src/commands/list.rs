//! `list`: every check with its ID, suite, clauses and mode, and whether it applies to the
//! configured target, without contacting anything.

use std::path::PathBuf;

use tianping_engine::check::Applicability;
use tianping_engine::{CheckDef, LabThreshold, Mode, ThresholdDefault, runner};

use super::{Failure, load_config};

#[derive(clap::Args)]
/// Arguments of the command.
pub struct Args {
    #[arg(long)]
    config: Option<PathBuf>,
    #[arg(long)]
    target: Option<String>,
    /// The platform's adapter file: what applies can depend on its authentication scheme.
    #[arg(long)]
    adapter: Option<PathBuf>,
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
}

/// Prints the checks.
pub fn run(args: Args) -> Result<i32, Failure> {
    let config = load_config(
        args.config.as_ref(),
        args.target.as_ref(),
        args.adapter.as_ref(),
    )?;
    let registry = tianping_suites::registry();
    let selected: Vec<&str> = runner::select(&registry, &config.selection)
        .iter()
        .map(|c| c.meta.id)
        .collect();
    let live = config.target.base_url.is_some();
    let applies = |c: &CheckDef| -> (bool, String) {
        if !selected.contains(&c.meta.id) {
            return (false, "not selected by the configuration".into());
        }
        if let Applicability::NotApplicable(reason) = (c.applies)(&config) {
            return (false, reason.en);
        }
        let why = match c.meta.mode {
            Mode::Remote if live => "remote check of the configured target",
            Mode::Remote => "remote check of the built-in reference platform",
            Mode::Package => "needs an evidence package",
            Mode::Manual => "the lab records the verdict",
        };
        (c.meta.mode != Mode::Package, why.into())
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
                    "thresholds": m.thresholds.iter().map(|t| serde_json::json!({
                        "name": t.name, "value": value_in_force(&config, t), "default": t.default_text(),
                        "unit": t.unit, "meaning": t.meaning,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        tianping_harness::outln!("{}", serde_json::to_string_pretty(&rows).expect("json"));
        return Ok(0);
    }
    for c in &registry {
        let m = &c.meta;
        let (applies, why) = applies(c);
        tianping_harness::outln!(
            "{:<9} {:<20} {:<7} {:<9} w{} {} {}",
            m.id,
            m.suite.key(),
            m.mode.key(),
            m.severity.key(),
            m.weight,
            if applies { "applies" } else { "skipped" },
            m.title_en
        );
        tianping_harness::outln!("          {}  ({why})", m.title_zh);
        for cl in m.clauses {
            tianping_harness::outln!("          [{}] {}", cl.provenance.tag(), cl.source);
        }
        for t in m.thresholds {
            tianping_harness::outln!(
                "          threshold {} = {} {} ({})",
                t.name,
                value_in_force(&config, t),
                t.unit,
                t.meaning
            );
        }
    }
    tianping_harness::outln!(
        "\n{} checks; clause tags: [V] verified source, [K] known standard text (not retrieved), [P] lab threshold",
        registry.len()
    );
    Ok(0)
}

/// The value of `t` this configuration sets, or its default, as text.
fn value_in_force(config: &tianping_engine::Config, t: &LabThreshold) -> String {
    match t.default {
        ThresholdDefault::Integer { .. } => config.thresholds.integer(t).to_string(),
        ThresholdDefault::Names { .. } => config.thresholds.names(t).join(", "),
    }
}
