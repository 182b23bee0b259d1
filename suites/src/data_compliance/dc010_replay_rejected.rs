//! DC-010 — Signed API requests are fresh: a byte-identical replay is refused, as is a
//! request stamped outside the accepted clock window, while one inside the window is
//! accepted. The ±5 min reference window comes from a court API; the exact width is a lab
//! threshold.

use serde_json::Value;
use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite, Verdict,
};

use crate::common;
use tianping_engine::{Operation, Probe};

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "DC-010",
    suite: Suite::DataCompliance,
    title_zh: "请求防重放且时间戳有效",
    title_en: "Replayed and stale requests are rejected",
    clauses: &[
        Clause {
            source: "Hangzhou Internet Court API: timestamp within 5 minutes",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "Reference window ±300 s; probes at −360 s and −240 s",
            provenance: Provenance::Policy,
        },
    ],
    tianping_clause: None,
    severity: Severity::High,
    weight: 3,
    mode: Mode::Remote,
    active: true,
    faults: &["replay-accepted"],
    thresholds: &[],
};

pub const CHECK: CheckDef = CheckDef::remote(META, |ctx| Box::pin(run(ctx)));

/// Sends a deposit signed at `now + skew_secs` with `nonce`; returns the exchange.
async fn deposit_at(
    ctx: &Ctx,
    skew_secs: i64,
    nonce: &str,
    body: &Value,
) -> Result<tianping_engine::http::Exchange, CheckError> {
    let at_ms = chrono::Utc::now().timestamp_millis() + skew_secs * 1000;
    ctx.call(Operation::Deposit)
        .json(body.clone())
        .probe(Probe::At {
            at_ms,
            nonce: nonce.to_string(),
        })
        .send()
        .await
}

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let body = common::deposit_body(ctx, &common::lab_content(ctx, "DC-010"));
    let nonce = ctx.nonce();
    let first = deposit_at(ctx, 0, &nonce, &body).await?;
    if !ctx.answer(&first).is_success() {
        return Err(CheckError::NoControl {
            control: "a freshly signed deposit".into(),
            answer: first.excerpt(),
        });
    }
    let replay = deposit_at(ctx, 0, &nonce, &body).await?;
    let stale = deposit_at(ctx, -360, &ctx.nonce(), &body).await?;
    let in_window = deposit_at(ctx, -240, &ctx.nonce(), &body).await?;

    let mut failures = Vec::new();
    if ctx.answer(&replay).is_success() {
        failures.push("an identical replay (same nonce and signature) was accepted".to_string());
    }
    if ctx.answer(&stale).is_success() {
        failures.push("a request stamped 360 s in the past was accepted".to_string());
    }
    if !ctx.answer(&in_window).is_success() {
        failures.push(format!(
            "a request stamped 240 s in the past was refused ({})",
            ctx.answer(&in_window)
        ));
    }
    let verdict = if failures.is_empty() {
        Verdict::pass("replay and stale requests refused; in-window request accepted")
    } else {
        Verdict::fail(failures.join("; "))
    };
    Ok(verdict
        .with("first request", first.excerpt())
        .with("replay", replay.excerpt())
        .with("stale (−360 s)", stale.excerpt())
        .with("in window (−240 s)", in_window.excerpt())
        .with_threshold("request_window_secs", 300))
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
