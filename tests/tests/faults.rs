//! The fault matrix: every check passes on the conforming reference platform, and for the
//! fault it names, that check fails (with evidence) while every other check still passes.
//! One test per check and direction, so a regression names the check. The whole matrix runs
//! on the profile's own API, and through the `cloud-openapi`, `esign-async` and `mutual-tls`
//! dialects with their adapter files (docs/adapters/), so every check works through an adapter
//! too.

use std::sync::{Arc, OnceLock};

use libtest_mimic::{Arguments, Failed, Trial};
use tianping_engine::check::Applicability;
use tianping_engine::{CheckDef, CheckResult, Outcome, runner};
use tianping_fixtures::{Dialect, Fault, Faults};

/// How the reference platform speaks, and the adapter (and declarations) the harness uses.
#[derive(Clone, Copy)]
enum Speech {
    Profile,
    CloudOpenapi,
    EsignAsync,
    MutualTls,
}

impl Speech {
    fn prefix(self) -> &'static str {
        match self {
            Speech::Profile => "",
            Speech::CloudOpenapi => "cloud_openapi::",
            Speech::EsignAsync => "esign_async::",
            Speech::MutualTls => "mutual_tls::",
        }
    }

    fn dialect(self) -> Dialect {
        match self {
            Speech::Profile => Dialect::Profile,
            Speech::CloudOpenapi => Dialect::CloudOpenapi,
            Speech::EsignAsync => Dialect::EsignAsync,
            Speech::MutualTls => Dialect::MutualTls,
        }
    }

    fn config(self) -> tianping_engine::Config {
        let mut config = loopback_config();
        let adapter = |name: &str| {
            Some(format!(
                "{}/../docs/adapters/{name}.toml",
                env!("CARGO_MANIFEST_DIR")
            ))
        };
        match self {
            Speech::Profile => {}
            Speech::CloudOpenapi => config.adapter.file = adapter("cloud-openapi"),
            Speech::EsignAsync => {
                config.adapter.file = adapter("esign-async");
                config.architecture.local_chain = false;
            }
            Speech::MutualTls => config.adapter.file = adapter("mutual-tls"),
        }
        config
    }

    /// Whether `check` applies to a platform speaking this way.
    fn applies(self, check: &CheckDef) -> bool {
        (check.applies)(&self.config()) == Applicability::Applies
    }

    /// Whether a platform speaking this way can have `fault` at all.
    fn can_have(self, fault: &str) -> bool {
        let needs = |what: fn(Fault) -> bool| {
            Faults::parse(&[fault]).is_ok_and(|f| Fault::ALL.iter().any(|x| f.has(*x) && what(*x)))
        };
        (!needs(Fault::needs_local_chain) || self.config().architecture.local_chain)
            && (!needs(Fault::needs_mutual_tls) || self.dialect().requires_client_certificate())
            && !(needs(Fault::hidden_by_mutual_tls) && self.dialect().requires_client_certificate())
            && !(needs(Fault::needs_http_error_statuses)
                && self.dialect().answers_errors_with_http_200())
    }
}

fn run_all(faults: Faults, speech: Speech) -> Result<Vec<CheckResult>, String> {
    run_some(faults, speech, None)
}

/// Runs the checks named in `only` (all when `None`) against the reference platform speaking
/// `speech` with `faults` on.
fn run_some(
    faults: Faults,
    speech: Speech,
    only: Option<&[&str]>,
) -> Result<Vec<CheckResult>, String> {
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let embedded =
            tianping_target::reference::start_with(speech.config(), faults, speech.dialect())
                .await
                .map_err(|e| e.to_string())?;
        let ctx = embedded.context().map_err(|e| e.to_string())?;
        let registry = tianping_suites::registry();
        let checks: Vec<_> = registry
            .iter()
            .filter(|c| only.is_none_or(|ids| ids.contains(&c.meta.id)))
            .collect();
        let results = runner::run_checks(Arc::new(ctx), &checks, Vec::new(), |_, _, _| {}).await;
        embedded.stop().await;
        Ok(results)
    })
}

/// On loopback the politeness rate limit only slows the test down; what is asserted does not
/// depend on it.
fn loopback_config() -> tianping_engine::Config {
    let mut config = tianping_engine::Config::default();
    config.limits.requests_per_second = 1000.0;
    config
}

/// The result's Chinese finding is there and reads as Chinese.
fn reads_as_chinese(r: &CheckResult) -> Result<(), Failed> {
    match r.summary_zh.as_deref().map(english_phrase) {
        Some(None) => Ok(()),
        Some(Some(phrase)) => Err(format!(
            "{}'s Chinese finding has English in it (`{phrase}`): {:?}",
            r.id, r.summary_zh
        )
        .into()),
        None => Err(format!("{} has no Chinese finding", r.id).into()),
    }
}

/// Three English words in a row outside quotes and backticks, if the text has them: a
/// Chinese finding may quote evidence, names and identifiers, not English sentences.
fn english_phrase(text: &str) -> Option<String> {
    let mut unquoted = String::new();
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match (quote, c) {
            (None, '`' | '"' | '“') => quote = Some(if c == '“' { '”' } else { c }),
            (Some(q), c) if c == q => quote = None,
            (None, c) => unquoted.push(c),
            (Some(_), _) => {}
        }
    }
    let is_word = |w: &str| w.len() >= 2 && w.chars().all(|c| c.is_ascii_lowercase());
    let words: Vec<&str> = unquoted
        .split(|c: char| c.is_whitespace() || "，。；：、（）,;:()".contains(c))
        .collect();
    words
        .windows(3)
        .find(|w| w.iter().all(|x| is_word(x)))
        .map(|w| w.join(" "))
}

fn describe(r: &CheckResult) -> String {
    r.describe()
}

static CONFORMING: OnceLock<Result<Vec<CheckResult>, String>> = OnceLock::new();
static CONFORMING_CLOUD: OnceLock<Result<Vec<CheckResult>, String>> = OnceLock::new();
static CONFORMING_ESIGN: OnceLock<Result<Vec<CheckResult>, String>> = OnceLock::new();
static CONFORMING_MUTUAL_TLS: OnceLock<Result<Vec<CheckResult>, String>> = OnceLock::new();

fn main() {
    let mut args = Arguments::from_args();
    // A run spends most of its time waiting on the reference platform's timers (idle
    // sessions, lockouts, rate windows), so more runs than cores keep the cores busy.
    if args.test_threads.is_none() && std::env::var_os("RUST_TEST_THREADS").is_none() {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        args.test_threads = Some(4 * cores);
    }
    let mut trials = Vec::new();
    for speech in [
        Speech::Profile,
        Speech::CloudOpenapi,
        Speech::EsignAsync,
        Speech::MutualTls,
    ] {
        add_trials(&mut trials, speech);
    }
    libtest_mimic::run(&args, trials).exit();
}

fn add_trials(trials: &mut Vec<Trial>, speech: Speech) {
    let prefix = speech.prefix();
    let conforming = match speech {
        Speech::Profile => &CONFORMING,
        Speech::CloudOpenapi => &CONFORMING_CLOUD,
        Speech::EsignAsync => &CONFORMING_ESIGN,
        Speech::MutualTls => &CONFORMING_MUTUAL_TLS,
    };
    for def in tianping_suites::registry() {
        let id = def.meta.id;
        let applies = speech.applies(&def);
        trials.push(Trial::test(
            format!("{prefix}{id}::passes_on_reference"),
            move || {
                let results = conforming
                    .get_or_init(|| run_all(Faults::none(), speech))
                    .as_ref()
                    .map_err(|e| Failed::from(e.clone()))?;
                let r = results.iter().find(|r| r.id == id).ok_or("no result")?;
                match (&r.outcome, applies) {
                    (Outcome::Pass, true) | (Outcome::NotApplicable { .. }, false) => {
                        reads_as_chinese(r)
                    }
                    _ => Err(describe(r).into()),
                }
            },
        ));
        if def.meta.mode == tianping_engine::Mode::Manual || !applies {
            continue; // decided by the lab's record, or removed by a declaration
        }
        if def.meta.faults.is_empty() {
            trials.push(Trial::test(
                format!("{prefix}{id}::has_a_reference_fault"),
                move || Err(format!("{id} is automated but names no reference fault").into()),
            ));
        }
        for &fault in def.meta.faults {
            if !speech.can_have(fault) {
                continue;
            }
            trials.push(Trial::test(
                format!("{prefix}{id}::fails_on_{fault}"),
                move || fails_on(fault, speech),
            ));
        }
    }
}

/// With `fault` switched on, every check that names it (and applies) fails with evidence, and
/// on the profile's own API every other check is as on the conforming platform. Through a
/// dialect only the checks that name the fault run: that no other check is affected is a
/// property of the platform, which the profile's matrix establishes; the dialect's matrix
/// shows each fault is still caught through the adapter.
fn fails_on(fault: &'static str, speech: Speech) -> Result<(), Failed> {
    let faults = Faults::parse(&[fault]).map_err(Failed::from)?;
    let registry = tianping_suites::registry();
    let catchers: Vec<&str> = registry
        .iter()
        .filter(|d| d.meta.catches(fault) && speech.applies(d))
        .map(|d| d.meta.id)
        .collect();
    // A catcher that judges every answer of the run needs the whole run around it.
    let judges_the_run = registry
        .iter()
        .any(|d| d.after_others && catchers.contains(&d.meta.id));
    let only = match speech {
        Speech::Profile => None,
        _ if judges_the_run => None,
        _ => Some(catchers.as_slice()),
    };
    let results = run_some(faults, speech, only).map_err(Failed::from)?;
    let catches = |id: &str| {
        registry
            .iter()
            .any(|d| d.meta.id == id && d.meta.catches(fault) && speech.applies(d))
    };
    let applies = |id: &str| {
        registry
            .iter()
            .any(|d| d.meta.id == id && speech.applies(d))
    };
    let mut problems = Vec::new();
    for r in &results {
        match (&r.outcome, catches(&r.id)) {
            (Outcome::Fail, true) if r.evidence.is_empty() => {
                problems.push(format!("{} failed without evidence", r.id))
            }
            (Outcome::Fail, true) => {
                if let Err(e) = reads_as_chinese(r) {
                    problems.push(e.message().unwrap_or_default().to_string())
                }
            }
            (_, true) => problems.push(format!("fault `{fault}` was not caught:\n{}", describe(r))),
            (Outcome::Pass, false) => {}
            (Outcome::NotApplicable { .. }, false) if !applies(&r.id) => {}
            (_, false) => problems.push(format!(
                "fault `{fault}` also affected another check:\n{}",
                describe(r)
            )),
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}
