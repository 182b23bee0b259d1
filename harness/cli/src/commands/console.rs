//! What a run prints: a progress line while it runs, then each check's outcome, the score and
//! conclusion, and where the files are.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::OnceLock;

use tianping_engine::model::{CheckResult, Outcome, RunResults};

/// Everything a finished run prints: waivers that matched nothing, each check, the counts,
/// the assessment and the output files.
pub fn print_results(
    results: &RunResults,
    out_dir: &Path,
    outputs: &tianping_harness::evaluate::Outputs,
) {
    for w in &results.unmatched_waivers {
        eprintln!("warning: waiver {w}");
    }
    print_summary(results);
    let c = &results.counts;
    let counts = [c.pass, c.fail, c.not_applicable, c.inconclusive];
    let line = if style().chinese {
        let [pass, fail, na, undecided] = counts;
        let unfinished = if results.complete {
            ""
        } else {
            "（未完成）"
        };
        format!("符合 {pass}，不符合 {fail}，不适用 {na}，无法判定 {undecided}{unfinished}")
    } else {
        let [pass, fail, na, undecided] = counts;
        let unfinished = if results.complete {
            ""
        } else {
            " (incomplete)"
        };
        format!(
            "{pass} pass, {fail} fail, {na} not applicable, {undecided} inconclusive{unfinished}"
        )
    };
    tianping_harness::outln!("\n{line}");
    print_outputs(out_dir, outputs);
}

/// Where the run's files are: results, JUnit, the report(s), and the sealed manifest.
fn print_outputs(out_dir: &Path, outputs: &tianping_harness::evaluate::Outputs) {
    let mut files = vec![
        tianping_reports::RESULTS_FILE.to_string(),
        tianping_reports::JUNIT_FILE.to_string(),
    ];
    files.extend(outputs.files());
    files.push(tianping_reports::bundle::MANIFEST_FILE.to_string());
    let label = if style().chinese {
        "输出文件位于"
    } else {
        "outputs in"
    };
    tianping_harness::outln!("{label} {}: {}", out_dir.display(), files.join(", "));
}

/// When to colour the console: `--color auto` (a terminal, and `NO_COLOR` unset), `always`
/// or `never`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    /// On a terminal unless `NO_COLOR` is set.
    Auto,
    /// Always, e.g. for a CI log that shows colour.
    Always,
    /// Never.
    Never,
}

/// How much the console says: set once from the global flags.
#[derive(Debug, Clone, Copy)]
struct Style {
    color: bool,
    quiet: bool,
    verbose: bool,
    /// The locale asks for Chinese (`LC_ALL`, `LC_MESSAGES` or `LANG` starting with `zh`).
    chinese: bool,
}

/// Whether the user's locale is Chinese: the first of `LC_ALL`, `LC_MESSAGES`, `LANG` that is
/// set decides, as POSIX orders them.
fn locale_is_chinese() -> bool {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .is_some_and(|l| l.to_ascii_lowercase().starts_with("zh"))
}

static STYLE: OnceLock<Style> = OnceLock::new();

/// How log events are written to standard error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One readable line per event.
    Text,
    /// One JSON object per line (timestamp, level, target, fields, the check's span).
    Json,
}

/// The variable that sets the log filter in `tracing` syntax, e.g. `tianping::http=debug`.
pub const LOG_ENV: &str = "TIANPING_LOG";

/// Starts structured logging to standard error: warnings by default, errors only with `-q`,
/// information (each check's outcome) with `-vv`, every request with `-vvv`, or the filter in
/// `TIANPING_LOG`. Requests are logged by method, masked path and status only.
pub fn init_logs(format: LogFormat, quiet: bool, verbose: u8) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0 | 1) => "warn",
        (false, 2) => "info",
        (false, _) => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env(LOG_ENV)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let logs_progress = filter
        .max_level_hint()
        .is_some_and(|l| l >= tracing::level_filters::LevelFilter::INFO);
    let _ = LOGS_INFO.set(logs_progress);
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(style().color);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

/// Whether informational logs are on: then they, not a progress bar, show the run's progress.
static LOGS_INFO: OnceLock<bool> = OnceLock::new();

/// Sets the console style from `--color`, `-q` and `-v` (once, at start-up).
pub fn configure(color: ColorWhen, quiet: bool, verbose: u8) {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let color = match color {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => std::io::stdout().is_terminal() && !no_color,
    };
    let _ = STYLE.set(Style {
        color,
        quiet,
        verbose: verbose > 0,
        chinese: locale_is_chinese(),
    });
}

fn style() -> Style {
    STYLE.get().copied().unwrap_or(Style {
        color: false,
        quiet: false,
        verbose: false,
        chinese: false,
    })
}

/// A check's outcome mark, coloured by outcome (and a critical failure in bold).
fn mark(r: &CheckResult) -> String {
    let (text, code) = match &r.outcome {
        Outcome::Pass => ("PASS", "32"),
        Outcome::Fail if r.waived() => ("WAIVED", "33"),
        Outcome::Fail if r.severity == tianping_engine::Severity::Critical => ("FAIL", "1;31"),
        Outcome::Fail => ("FAIL", "31"),
        Outcome::NotApplicable { .. } => ("N/A", "2"),
        Outcome::Inconclusive { .. } => ("INCONCLUSIVE", "33"),
    };
    if style().color {
        format!("\x1b[{code}m{text:<12}\x1b[0m")
    } else {
        format!("{text:<12}")
    }
}

/// Checks undecided for one and the same reason (an unreachable target, a missing
/// credential) are printed as one line, not one line each.
const GROUP_AT: usize = 3;

fn print_summary(run: &RunResults) {
    let mut by_reason: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for r in &run.results {
        if let Outcome::Inconclusive { error } = &r.outcome {
            by_reason.entry(error.as_str()).or_default().push(&r.id);
        }
    }
    by_reason.retain(|_, ids| ids.len() >= GROUP_AT);
    let style = style();
    for r in &run.results {
        if let Outcome::Inconclusive { error } = &r.outcome
            && by_reason.contains_key(error.as_str())
        {
            continue;
        }
        // -q: only what needs attention.
        if style.quiet && matches!(r.outcome, Outcome::Pass | Outcome::NotApplicable { .. }) {
            continue;
        }
        let summary = match (&r.summary_zh, style.chinese) {
            (Some(zh), true) => zh,
            _ => &r.summary,
        };
        tianping_harness::outln!("{} {:<9} {} — {summary}", mark(r), r.id, r.title_zh);
        // -v: the evidence under everything that is not a pass.
        if style.verbose && r.outcome != Outcome::Pass {
            for e in &r.evidence {
                tianping_harness::outln!("             {}: {}", e.label, e.value);
            }
        }
    }
    for (reason, ids) in &by_reason {
        tianping_harness::outln!(
            "INCONCLUSIVE {} checks ({}) — {reason}",
            ids.len(),
            ids.join(", ")
        );
    }
    if let Some(a) = &run.assessment {
        let score = a
            .score
            .map(|s| format!("{s:.2}"))
            .unwrap_or_else(|| "—".into());
        if style.chinese {
            tianping_harness::outln!(
                "\n得分 {score}  等级 {}  建议结论：{}",
                a.grade.as_deref().unwrap_or("—"),
                a.conclusion.title_zh()
            );
            tianping_harness::outln!("判定依据：{}", a.rule_zh);
        } else {
            tianping_harness::outln!(
                "\nscore {score}  grade {}  conclusion: {} ({})",
                a.grade.as_deref().unwrap_or("—"),
                a.conclusion.title_zh(),
                serde_json::to_value(a.conclusion)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()
            );
            tianping_harness::outln!("rule: {}", a.rule);
        }
    }
    if run.self_test {
        tianping_harness::outln!(
            "SELF-TEST (自测): manual checks left out; not a lab evaluation, no access conclusion"
        );
    }
}

/// A progress bar on a terminal, one plain line per finished check otherwise.
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    /// A progress display for `total` checks.
    pub fn new(total: usize) -> Progress {
        let logging = LOGS_INFO.get().copied().unwrap_or(false);
        let bar = (std::io::stderr().is_terminal() && !logging).then(|| {
            let bar = indicatif::ProgressBar::new(total as u64);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:30} {pos}/{len} {msg}  (about {eta} left)",
                )
                .expect("static template"),
            );
            bar
        });
        Progress { bar }
    }

    /// One more check finished.
    pub fn report(&self, r: &CheckResult, i: usize, n: usize) {
        match &self.bar {
            Some(bar) => {
                bar.set_position(i as u64);
                bar.set_message(format!("{} {}", r.id, r.outcome.key()));
            }
            None if style().quiet => {}
            None => eprintln!(
                "[{i}/{n}] {} {} ({} ms)",
                r.id,
                r.outcome.key(),
                r.duration_ms
            ),
        }
    }

    /// Clears the bar before the summary prints.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
