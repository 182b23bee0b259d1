//! SS-024 — Login resists automated guessing: failed logins for one account are rate limited
//! (HTTP 429, or 503 with Retry-After) within the lab's number of attempts. The probe account
//! is a name made for this run, so no real account is slowed down or locked.

use serde_json::json;
use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite, Verdict,
};

use crate::common::paths;

pub const CHECK: CheckDef = CheckDef {
    meta: CheckMeta {
        id: "SS-024",
        suite: Suite::SystemSecurity,
        title_zh: "登录防自动化猜测",
        title_en: "Login attempts are rate limited",
        clauses: &[
            Clause {
                source: "GB/T 22239-2019 8.1.3.3 a) detect and limit attacks from outside",
                provenance: Provenance::Known,
            },
            Clause {
                source: "rate limited (429 or Retry-After) within the lab's attempt budget",
                provenance: Provenance::Policy,
            },
        ],
        tianping_clause: None,
        severity: Severity::Medium,
        weight: 2,
        mode: Mode::Remote,
        active: true,
        fault: "login-not-rate-limited",
    },
    run: |ctx| Box::pin(run(ctx)),
    package: None,
    certs: None,
};

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let budget = ctx.config.thresholds.login_burst_attempts;
    let user = format!("tianping-probe-{}", ctx.nonce());
    let mut answers: Vec<u16> = Vec::new();
    for attempt in 1..=budget {
        let ex = ctx
            .post_json(
                paths::LOGIN,
                &json!({"username": user, "password": format!("wrong-{attempt}")}),
                &[],
            )
            .await?;
        answers.push(ex.status);
        if ex.is_success() {
            return Ok(Verdict::fail(format!(
                "login as the made-up account `{user}` with a made-up password succeeded (HTTP {})",
                ex.status
            )));
        }
        let limited = ex.status == 429 || (ex.status == 503 && ex.header("retry-after").is_some());
        if limited {
            return Ok(Verdict::pass(format!(
                "failed logins for one account were limited after {attempt} attempts"
            ))
            .with("limited by", format!("HTTP {}", ex.status))
            .with("retry-after", ex.header("retry-after").unwrap_or("absent"))
            .with_threshold("login_burst_attempts", budget));
        }
    }
    let mut counts = std::collections::BTreeMap::new();
    for status in &answers {
        *counts.entry(status).or_insert(0) += 1;
    }
    Ok(Verdict::fail(format!(
        "{budget} failed logins for one account in a row were all answered without limiting"
    ))
    .with(
        "answers",
        counts
            .iter()
            .map(|(s, n)| format!("HTTP {s} ×{n}"))
            .collect::<Vec<_>>()
            .join(", "),
    )
    .with_threshold("login_burst_attempts", budget))
}
