//! Runs a set of checks against one context: concurrently (bounded), each under a time
//! limit, each result journaled as it lands. A check that errors, times out or panics is
//! inconclusive; a target that cannot be reached makes every remote check inconclusive
//! without running it. Nothing here knows any particular check.

use std::sync::Arc;
use std::time::{Duration, Instant};
use tracing::Instrument;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::check::{Applicability, CheckDef};
use crate::config::{Config, Selection};
use crate::context::Ctx;
use crate::model::{CheckMeta, CheckResult, ClauseRef, Mode, Outcome};
use crate::verdict::Verdict;

/// Whether `pattern` (a check ID or an ID prefix, any case) names `id`.
fn pattern_matches(pattern: &str, id: &str) -> bool {
    !pattern.trim().is_empty()
        && (id.eq_ignore_ascii_case(pattern)
            || id
                .to_ascii_uppercase()
                .starts_with(&pattern.to_ascii_uppercase()))
}

/// The selection's include and exclude patterns that name no check: empty ones, and typos.
/// A run refuses them (a typo must not quietly run less, or everything).
pub fn unmatched_patterns(registry: &[CheckDef], selection: &Selection) -> Vec<String> {
    selection
        .include
        .iter()
        .chain(&selection.exclude)
        .filter(|p| !registry.iter().any(|c| pattern_matches(p, c.meta.id)))
        .map(|p| format!("`{p}`"))
        .collect()
}

/// Checks chosen by the selection, in registry order.
pub fn select<'r>(registry: &'r [CheckDef], selection: &Selection) -> Vec<&'r CheckDef> {
    let matches = |patterns: &[String], id: &str| patterns.iter().any(|p| pattern_matches(p, id));
    registry
        .iter()
        .filter(|c| {
            selection.suites.is_empty() || selection.suites.iter().any(|s| s == c.meta.suite.key())
        })
        .filter(|c| selection.include.is_empty() || matches(&selection.include, c.meta.id))
        .filter(|c| !matches(&selection.exclude, c.meta.id))
        .filter(|c| !(selection.passive && c.meta.active))
        .filter(|c| !(selection.self_test && c.meta.mode == crate::Mode::Manual))
        .collect()
}

/// Builds the result record for a check from its verdict.
pub fn result_of(
    meta: &CheckMeta,
    verdict: Verdict,
    started_at: String,
    elapsed: Duration,
) -> CheckResult {
    let verdict = verdict.no_vacuous_pass();
    CheckResult {
        id: meta.id.to_string(),
        suite: meta.suite,
        title_zh: meta.title_zh.to_string(),
        title_en: meta.title_en.to_string(),
        advice_zh: meta.advice_zh.to_string(),
        advice_en: meta.advice_en.to_string(),
        clauses: meta.clauses.iter().map(ClauseRef::from).collect(),
        tianping_clause: meta.tianping_clause.map(str::to_string),
        severity: meta.severity,
        weight: meta.weight,
        mode: meta.mode,
        outcome: verdict.outcome,
        summary: verdict.summary,
        summary_zh: verdict.summary_zh,
        evidence: verdict.evidence,
        samples: verdict.samples,
        thresholds: verdict.thresholds,
        started_at,
        duration_ms: elapsed.as_millis() as u64,
        waiver: None,
        artefacts: Vec::new(),
    }
}

/// Whether the target answers at TCP level. Checked once so an unreachable target fails
/// fast and closed, instead of every check waiting out its own timeout.
pub async fn reachability(ctx: &Ctx) -> Result<(), Unreachable> {
    match ctx.http.connect_tcp(&ctx.api_host(), ctx.api_port()).await {
        Ok(_) => Ok(()),
        Err(e) => Err(Unreachable(e)),
    }
}

/// The target did not answer at TCP level: every remote check is inconclusive with this.
#[derive(Debug, thiserror::Error)]
#[error("target unreachable: {0}")]
pub struct Unreachable(pub crate::tls::TlsError);

async fn run_one(ctx: Arc<Ctx>, def: CheckDef, unreachable: Option<String>) -> CheckResult {
    let started_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let start = Instant::now();
    if let Some(verdict) = not_applicable(&def, &ctx.config) {
        return result_of(&def.meta, verdict, started_at, start.elapsed());
    }
    if let (Mode::Remote, Some(reason)) = (def.meta.mode, &unreachable) {
        return result_of(
            &def.meta,
            Verdict::inconclusive(reason.clone()),
            started_at,
            start.elapsed(),
        );
    }
    // Manual checks are decided by the lab's record, never by contacting the target.
    if def.meta.mode == Mode::Manual {
        let verdict = scrub_verdict(crate::lab::verdict(&ctx.lab_records, &def.meta), &ctx, &[]);
        return result_of(&def.meta, verdict, started_at, start.elapsed());
    }
    let limit = Duration::from_secs(ctx.config.limits.check_timeout_secs);
    let task_ctx = ctx.clone();
    let recorder = Arc::new(crate::transcript::Recorder::default());
    let task_recorder = recorder.clone();
    // A spawned task isolates panics: one broken check cannot take the run down.
    // Every log event of the check (its requests, its probes) carries the check's ID.
    let span = tracing::info_span!("check", id = def.meta.id);
    tracing::debug!(target: "tianping::check", parent: &span, "check started");
    let handle = tokio::spawn(
        async move { task_recorder.scope((def.run)(&task_ctx)).await }.instrument(span.clone()),
    );
    let verdict = match tokio::time::timeout(limit, handle).await {
        Err(_) => {
            tracing::warn!(target: "tianping::check", parent: &span, limit_secs = limit.as_secs(), "check timed out");
            Verdict::inconclusive(format!("check did not finish within {} s", limit.as_secs()))
                .zh(format!("检查未在 {} 秒内完成", limit.as_secs()))
        }
        Ok(Err(join)) if join.is_panic() => {
            tracing::error!(target: "tianping::check", parent: &span, "check panicked");
            Verdict::inconclusive("check aborted with an internal error (panic); please report it")
                .zh("检查因内部错误（panic）中止，请报告此问题")
        }
        Ok(Err(join)) => Verdict::inconclusive(format!("check was cancelled: {join}"))
            .zh(format!("检查被取消：{join}")),
        Ok(Ok(Err(e))) => Verdict::from_error(&e),
        Ok(Ok(Ok(v))) => v,
    };
    let verdict = scrub_verdict(verdict, &ctx, &recorder.sent_secrets());
    // What the harness could not decide, the lab may have: its record for the check decides
    // it, and the result keeps why the harness could not.
    let verdict = match (&verdict.outcome, ctx.lab_records.get(def.meta.id)) {
        (Outcome::Inconclusive { error }, Some(_)) => {
            let why = error.clone();
            scrub_verdict(crate::lab::verdict(&ctx.lab_records, &def.meta), &ctx, &[])
                .with_labelled(("the harness could not decide", "工具未能判定的原因"), why)
        }
        _ => verdict,
    };
    let mut result = result_of(&def.meta, verdict, started_at, start.elapsed());
    // The outcome only: summaries quote the platform, and the log is not scrubbed twice.
    tracing::info!(
        target: "tianping::check",
        parent: &span,
        outcome = result.outcome.key(),
        elapsed_ms = start.elapsed().as_millis() as u64,
        "check finished"
    );
    if let Some(root) = &ctx.evidence_root {
        let dir = root.join("evidence").join(def.meta.id);
        match recorder.write(&dir, root, &ctx.credentials.secret_values()) {
            Ok(files) => result.artefacts = files,
            Err(e) => result.evidence.push(crate::model::Evidence {
                label: "transcript".into(),
                label_zh: Some("原始记录".into()),
                value: format!("could not be written to {}: {e}", dir.display()),
            }),
        }
    }
    result
}

/// The not-applicable verdict of a check whose applicability rule excludes this target.
fn not_applicable(def: &CheckDef, config: &Config) -> Option<Verdict> {
    match (def.applies)(config) {
        Applicability::Applies => None,
        Applicability::NotApplicable(reason) => {
            let verdict = Verdict::not_applicable(reason.en);
            Some(match reason.zh {
                Some(zh) => verdict.zh(zh),
                None => verdict,
            })
        }
    }
}

/// Last line of defence: no configured secret value, and no credential header value the
/// check sent (`sent`: signatures, tokens, which an echoing server can return), survives into
/// a result.
fn scrub_verdict(mut v: Verdict, ctx: &Ctx, sent: &[String]) -> Verdict {
    let mut secrets = ctx.credentials.secret_values();
    secrets.extend(sent.iter().map(String::as_str));
    let scrubber = crate::redact::Scrubber::new(&secrets);
    let clean = |s: &str| scrubber.scrub(s);
    v.summary = clean(&v.summary);
    v.summary_zh = v.summary_zh.as_deref().map(clean);
    for e in &mut v.evidence {
        e.value = clean(&e.value);
    }
    v.outcome = match v.outcome {
        Outcome::Inconclusive { error } => Outcome::Inconclusive {
            error: clean(&error),
        },
        Outcome::NotApplicable { reason } => Outcome::NotApplicable {
            reason: clean(&reason),
        },
        o => o,
    };
    v
}

/// Runs `checks`, skipping those already in `done` (a resumed run), and calls `on_result`
/// for each new result as it lands (journal, progress). Returns all results in check order.
pub async fn run_checks(
    ctx: Arc<Ctx>,
    checks: &[&CheckDef],
    done: Vec<CheckResult>,
    mut on_result: impl FnMut(&CheckResult, usize, usize),
) -> Vec<CheckResult> {
    let pending: Vec<CheckDef> = checks
        .iter()
        .filter(|c| !done.iter().any(|d| d.id == c.meta.id))
        .map(|c| **c)
        .collect();
    let total = checks.len();
    let mut finished = done.len();
    let mut results = done;
    let unreachable = if pending.iter().any(|c| c.meta.mode == Mode::Remote) {
        reachability(&ctx).await.err().map(|e| e.to_string())
    } else {
        None
    };
    let slots = Arc::new(Semaphore::new(ctx.config.limits.concurrent_checks));
    // Two waves: the checks that judge every answer of the run go once the others are done.
    let (last, first): (Vec<CheckDef>, Vec<CheckDef>) =
        pending.into_iter().partition(|c| c.after_others);
    for wave in [first, last] {
        let mut set = JoinSet::new();
        for def in wave {
            let (ctx, slots, unreachable) = (ctx.clone(), slots.clone(), unreachable.clone());
            set.spawn(async move {
                let _slot = slots.acquire_owned().await.expect("semaphore never closed");
                run_one(ctx, def, unreachable).await
            });
        }
        while let Some(joined) = set.join_next().await {
            // run_one catches check panics itself, so a JoinError here is a harness bug.
            let result = joined.expect("check runner task failed");
            finished += 1;
            on_result(&result, finished, total);
            results.push(result);
        }
    }
    let order = |id: &str| {
        checks
            .iter()
            .position(|c| c.meta.id == id)
            .unwrap_or(usize::MAX)
    };
    results.sort_by_key(|r| order(&r.id));
    results
}

/// Evaluates an exported package: manual checks from the lab's records, checks with a package
/// form in one streaming pass over the records, and the rest not applicable (they need a live
/// platform). Blocking CPU and file work; call it off the async runtime.
pub fn run_package_checks(
    info: &crate::package::PackageInfo,
    config: &Config,
    checks: &[&CheckDef],
    lab_records: &crate::lab::LabRecords,
    workers: usize,
) -> Result<Vec<CheckResult>, crate::package::PackageError> {
    let started_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let start = Instant::now();
    let offline = package_checks(checks, config);
    let tallies = crate::package::tally(info, &offline, workers, crate::package::Slice::ALL)?;
    Ok(package_results(
        config,
        checks,
        lab_records,
        tallies,
        started_at,
        start.elapsed(),
    ))
}

/// The selected checks a package pass counts for: automated, applicable, with a package form.
pub fn package_checks<'a>(
    checks: &[&'a CheckDef],
    config: &Config,
) -> Vec<(&'a str, crate::package::PackageCheck)> {
    checks
        .iter()
        .filter(|c| c.meta.mode != Mode::Manual && not_applicable(c, config).is_none())
        .filter_map(|c| c.package.map(|p| (c.meta.id, p)))
        .collect()
}

/// The results of a package run from its pass's `tallies` (one pass, or merged shards): the
/// package checks judged from them, manual checks from the lab's records, the rest not
/// applicable.
pub fn package_results(
    config: &Config,
    checks: &[&CheckDef],
    lab_records: &crate::lab::LabRecords,
    tallies: crate::package::PackageTallies,
    started_at: String,
    elapsed: std::time::Duration,
) -> Vec<CheckResult> {
    let offline = package_checks(checks, config);
    let verdicts = crate::package::verdicts(&offline, tallies);
    checks
        .iter()
        .map(|c| {
            let verdict = if let Some(verdict) = not_applicable(c, config) {
                verdict
            } else if c.meta.mode == Mode::Manual {
                crate::lab::verdict(lab_records, &c.meta)
            } else if let Some(i) = offline.iter().position(|(id, _)| *id == c.meta.id) {
                verdicts[i].clone()
            } else {
                Verdict::not_applicable(
                    "decided only against a live platform; this run evaluates an exported package",
                )
            };
            result_of(&c.meta, verdict, started_at.clone(), elapsed)
        })
        .collect()
}

/// Evaluates certificates given as files: every selected check with a certificate form judges
/// the set; the others are not applicable (they need a live platform or a package).
pub fn run_cert_checks(
    set: &crate::certset::CertSet,
    checks: &[&CheckDef],
    config: &Config,
) -> Vec<CheckResult> {
    checks
        .iter()
        .map(|c| {
            let started_at =
                chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            let start = Instant::now();
            let verdict = match (not_applicable(c, config), c.certs) {
                (Some(verdict), _) => verdict,
                // A panic in one check's parsing must not lose the others' results.
                (None, Some(judge)) => std::panic::catch_unwind(|| judge(set, &config.thresholds))
                    .unwrap_or_else(|_| {
                        Verdict::inconclusive(
                            "check aborted with an internal error (panic); please report it",
                        )
                    }),
                (None, None) => Verdict::not_applicable(
                    "decided only against a live platform or a package, not from certificate files",
                ),
            };
            result_of(&c.meta, verdict, started_at, start.elapsed())
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::certset::CertSet;
    use crate::check::CheckFuture;
    use crate::model::{Severity, Suite};

    /// A check's metadata for tests that need one.
    pub(crate) const META: CheckMeta = CheckMeta {
        id: "XX-001",
        suite: Suite::Certificates,
        title_zh: "测试",
        title_en: "test",
        advice_zh: "",
        advice_en: "",
        clauses: &[],
        tianping_clause: None,
        severity: Severity::Low,
        weight: 1,
        mode: Mode::Remote,
        active: false,
        faults: &[],
        thresholds: &[],
    };

    fn excluded(_: &Config) -> Applicability {
        Applicability::NotApplicable("the lab declared no such component".into())
    }

    fn must_not_run(_: &Ctx) -> CheckFuture<'_> {
        panic!("a check that does not apply must not run")
    }

    fn must_not_judge(_: &CertSet, _: &crate::config::Thresholds) -> Verdict {
        panic!("a check that does not apply must not judge")
    }

    fn reason(result: &CheckResult) -> &str {
        match &result.outcome {
            Outcome::NotApplicable { reason } => reason,
            other => panic!("expected not applicable, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_check_that_does_not_apply_is_never_run_and_says_why() {
        let def = CheckDef::remote(META, must_not_run)
            .with_applies(excluded)
            .with_certs(must_not_judge);
        // Port 1 on loopback: nothing answers, so only the applicability rule can decide.
        let mut config = Config::default();
        config.target.base_url = Some("https://127.0.0.1:1".into());
        let ctx = Ctx::new(config.clone(), Default::default(), Vec::new()).unwrap();
        let live = run_checks(Arc::new(ctx), &[&def], Vec::new(), |_, _, _| {}).await;
        assert_eq!(reason(&live[0]), "the lab declared no such component");

        let files = run_cert_checks(&CertSet::default(), &[&def], &config);
        assert_eq!(reason(&files[0]), "the lab declared no such component");
    }

    #[tokio::test]
    async fn a_check_that_applies_runs() {
        let def = CheckDef::remote(META, must_not_run).with_certs(|_, _| Verdict::pass("judged"));
        let files = run_cert_checks(&CertSet::default(), &[&def], &Config::default());
        assert_eq!(files[0].outcome, Outcome::Pass);
    }
}
