//! SS-023 — Errors do not leak internals: the answers to an unknown path, a malformed body and
//! a malformed block height carry no stack trace, source path, SQL or parser internals; and
//! neither does any other answer the run received that was not a success (the check runs
//! after every other one and reads them all).

use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite, Verdict,
};

use tianping_engine::Operation;

use crate::common;

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "SS-023",
    suite: Suite::SystemSecurity,
    title_zh: "错误信息不泄露内部细节",
    title_en: "Errors do not leak internals",
    advice_zh: "错误响应只返回通用信息，不包含堆栈、源文件路径或SQL语句。",
    advice_en: "Answer errors with generic messages, never stack traces, source paths or SQL.",
    clauses: &[
        Clause {
            source: "GB/T 22239-2019 8.1.4.4 d) (error handling follows from input checking)",
            zh: "GB/T 22239-2019 8.1.4.4 d)（错误处理是输入校验的延伸）",
            provenance: Provenance::Known,
        },
        Clause {
            source: "No stack traces, source paths or SQL in error answers",
            zh: "错误应答中不得出现堆栈、源码路径或 SQL 语句",
            provenance: Provenance::Policy,
        },
    ],
    tianping_clause: None,
    severity: Severity::Medium,
    weight: 2,
    mode: Mode::Remote,
    active: false,
    faults: &["verbose-errors", "trace-in-auth-errors"],
    thresholds: &[],
};

pub const CHECK: CheckDef = CheckDef::remote(META, |ctx| Box::pin(run(ctx))).after_others();

/// Text that only internals produce: traces, source locations, SQL engines, runtime paths.
const MARKERS: [&str; 14] = [
    "stack backtrace",
    "panicked at",
    "traceback (most recent call last)",
    "exception in thread",
    "at java.",
    ".rs:",
    ".py\", line",
    ".go:",
    "sqlstate",
    "ora-0",
    "syntax error at or near",
    "/home/",
    "/usr/src/",
    "serde_json::",
];

/// The internal markers found in a body, case-insensitively.
pub fn leaks(body: &[u8]) -> Vec<&'static str> {
    let text = String::from_utf8_lossy(body).to_lowercase();
    MARKERS
        .iter()
        .copied()
        .filter(|m| text.contains(m))
        .collect()
}

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    // Every answer of the run so far: the error answers other checks provoked are error
    // answers too. Taken first, so this check's own are judged once, below.
    let (seen, not_kept) = ctx.http.answers_seen();
    // A well-formed deposit goes through, so the malformed one below reaches the code that
    // parses deposits rather than a gateway's generic refusal.
    common::deposit(ctx, &common::lab_content(ctx, "SS-023 control"))
        .await
        .map_err(|e| CheckError::NoControl {
            control: "a well-formed deposit".into(),
            answer: e.to_string(),
        })?;
    let malformed = ctx
        .call(Operation::Deposit)
        .raw(b"{\"business_type\": ".to_vec(), "application/json")
        .send()
        .await?;
    // A path beside the platform's own metadata path that no platform serves.
    let platform_path = ctx
        .adapter
        .operation(Operation::Platform)
        .map_or("/", |spec| spec.path.as_str());
    let unknown = format!(
        "{}/tp-harness-no-such-endpoint",
        platform_path.trim_end_matches('/')
    );
    let mut cases = vec![
        ("unknown path", ctx.get(&unknown).await?),
        ("malformed deposit body", malformed),
    ];
    if ctx.offers(Operation::Block) {
        let bad_height = ctx
            .call(Operation::Block)
            .param("height", "not-a-number")
            .send()
            .await?;
        cases.push(("malformed block height", bad_height));
    } else {
        let bad_id = ctx
            .call(Operation::Receipt)
            .param("evidence_id", "\u{0}'\"<>")
            .send()
            .await?;
        cases.push(("malformed evidence id", bad_id));
    }
    let mut failures = Vec::new();
    let mut lines = Vec::new();
    // Every other answer of the run that was not a success (taken before this check's own).
    let others: Vec<_> = seen
        .iter()
        .map(|a| a.to_exchange())
        .filter(|ex| !ctx.answer(ex).is_success())
        .collect();
    for ex in &others {
        let found = leaks(&ex.body);
        if !found.is_empty() {
            failures.push(format!(
                "{} {} (HTTP {}): shows {}",
                ex.method,
                ex.path,
                ex.status,
                found.join(", ")
            ));
        }
    }
    lines.push((
        "other error answers of the run".to_string(),
        common::answers_judged(others.len(), "answer(s) that were not a success", not_kept),
    ));
    for (label, ex) in &cases {
        let found = leaks(&ex.body);
        if !found.is_empty() {
            failures.push(format!(
                "{label} (HTTP {}): shows {}",
                ex.status,
                found.join(", ")
            ));
        }
        lines.push((label.to_string(), ex.excerpt()));
    }
    let mut verdict = Verdict::from_probes(
        (cases.len() + others.len()) as u64,
        &failures,
        ("error answers", "错误应答"),
    );
    for (k, v) in lines {
        verdict = verdict.with(k, v);
    }
    Ok(verdict)
}

#[cfg(test)]
mod tests {
    #[test]
    fn markers_are_found_case_insensitively_and_plain_errors_pass() {
        assert_eq!(
            super::leaks(b"{\"code\":\"INVALID_ARGUMENT\",\"message\":\"body is not valid JSON\"}"),
            Vec::<&str>::new()
        );
        assert_eq!(
            super::leaks(b"Stack Backtrace: at src/main.rs:12"),
            vec!["stack backtrace", ".rs:"]
        );
    }
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
