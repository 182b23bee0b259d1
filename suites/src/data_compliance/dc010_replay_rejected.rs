//! DC-010 — Signed API requests are fresh: a byte-identical replay is refused, as is a
//! request stamped outside the accepted clock window, while one inside the window is
//! accepted. The ±5 min reference window comes from a court API; the exact width is a lab
//! threshold.

use serde_json::Value;
use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite, Verdict,
};

use crate::common;
use tianping_engine::{LabThreshold, ThresholdDefault};

/// Lab threshold: the request clock window probed when the adapter declares none.
pub const REQUEST_WINDOW_SECS: LabThreshold = LabThreshold {
    name: "request_window_secs",
    default: ThresholdDefault::Integer {
        value: 300,
        min: 1,
        max: 86_400,
    },
    unit: "s",
    meaning: "request clock window probed when the adapter declares none (court API reference: 300)",
};
use tianping_engine::Answer;
use tianping_engine::check::Applicability;
use tianping_engine::{Operation, Probe, Problem};

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "DC-010",
    suite: Suite::DataCompliance,
    title_zh: "请求防重放且时间戳有效",
    title_en: "Replayed and stale requests are rejected",
    advice_zh: "校验请求时间戳与随机数，拒绝重放及超出时间窗口的请求。",
    advice_en: "Check request time-stamps and nonces, refusing replays and requests outside the time window.",
    clauses: &[
        Clause {
            source: "Hangzhou Internet Court API: timestamp within 5 minutes",
            zh: "杭州互联网法院接口：时间戳须在 5 分钟以内",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "Request clock window: the one the adapter declares, else the lab threshold (court API reference ±300 s); probed just outside it in the past and the future, and inside it",
            zh: "请求时间窗：适配器声明的时间窗，否则为测评机构阈值（法院接口参考 ±300 秒）；在窗外（过去与未来）及窗内各探测一次",
            provenance: Provenance::Policy,
        },
    ],
    tianping_clause: None,
    severity: Severity::High,
    weight: 3,
    mode: Mode::Remote,
    active: true,
    faults: &["replay-accepted", "future-requests-accepted"],
    thresholds: &[REQUEST_WINDOW_SECS],
};

pub const CHECK: CheckDef =
    CheckDef::remote(META, |ctx| Box::pin(run(ctx))).with_applies(requests_carry_a_time);

/// Replay and clock-window probes need requests that carry a time (bearer tokens do not: their
/// lifetime is the token endpoint's business, which the lab reviews).
fn requests_carry_a_time(config: &tianping_engine::Config) -> Applicability {
    match config.adapter.load() {
        Ok(adapter) if !adapter.auth.has_timestamp() => Applicability::NotApplicable(
            tianping_engine::check::Reason::new(format!(
                "the adapter's request authentication ({}) puts no time or nonce in requests, so \
                 there is nothing to replay or to stamp outside a window",
                adapter.info.name
            ))
            .zh(format!(
                "适配文件的请求鉴别方式（{}）不在请求中携带时间或随机数，没有可重放或可置于时间窗之外的请求",
                adapter.info.name
            )),
        ),
        _ => Applicability::Applies,
    }
}

/// Sends a deposit signed at `at_ms` with `nonce`; returns the exchange.
async fn deposit_at(
    ctx: &Ctx,
    at_ms: i64,
    nonce: &str,
    body: &Value,
) -> Result<tianping_engine::http::Exchange, CheckError> {
    ctx.call(Operation::Deposit)
        .json(body.clone())
        .probe(Probe::At {
            at_ms,
            nonce: nonce.to_string(),
        })
        .once()
        .send()
        .await
}

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    // The platform's declared window, else the lab's.
    let window = ctx
        .adapter
        .auth
        .window_secs()
        .unwrap_or_else(|| ctx.config.thresholds.integer(&REQUEST_WINDOW_SECS));
    // Just outside the window (in the past and in the future), and well inside it.
    let (outside, inside) = (window + 60, (window * 4 / 5).max(1));
    let body = common::deposit_body(ctx, &common::lab_content(ctx, "DC-010"));
    let nonce = ctx.nonce();
    // The replay repeats the first request exactly: same time, same nonce, same signature.
    let now_ms = chrono::Utc::now().timestamp_millis();
    let first = deposit_at(ctx, now_ms, &nonce, &body).await?;
    if !ctx.answer(&first).is_success() {
        return Err(CheckError::NoControl {
            control: "a freshly signed deposit".into(),
            answer: first.excerpt(),
        });
    }
    let replay = deposit_at(ctx, now_ms, &nonce, &body).await?;
    let stale = deposit_at(ctx, now_ms - outside * 1000, &ctx.nonce(), &body).await?;
    let future = deposit_at(ctx, now_ms + outside * 1000, &ctx.nonce(), &body).await?;
    let in_window = deposit_at(ctx, now_ms - inside * 1000, &ctx.nonce(), &body).await?;

    let mut failures = Vec::new();
    let mut undecided = Vec::new();
    for (what, ex) in [
        (
            Problem::new(
                "an identical replay (same nonce and signature)",
                "完全相同的重放请求（相同随机数与签名）",
            ),
            &replay,
        ),
        (
            Problem::new(
                format!("a request stamped {outside} s in the past"),
                format!("时间戳早于当前 {outside} 秒的请求"),
            ),
            &stale,
        ),
        (
            Problem::new(
                format!("a request stamped {outside} s in the future"),
                format!("时间戳晚于当前 {outside} 秒的请求"),
            ),
            &future,
        ),
    ] {
        match ctx.answer(ex) {
            Answer::Refused { .. } => {}
            Answer::Success => failures.push(Problem::new(
                format!("{} was accepted", what.en),
                format!("{}被接受", what.zh),
            )),
            other => undecided.push(Problem::new(
                format!("{}: {other}", what.en),
                format!("{}：{}", what.zh, other.describe_zh()),
            )),
        }
    }
    match ctx.answer(&in_window) {
        Answer::Success => {}
        refused @ Answer::Refused { .. } => failures.push(Problem::new(
            format!(
                "a request stamped {inside} s in the past, inside the {window} s window, was refused ({refused})"
            ),
            format!(
                "时间戳早于当前 {inside} 秒、在 {window} 秒时间窗内的请求被拒绝（{}）",
                refused.describe_zh()
            ),
        )),
        other => undecided.push(Problem::new(
            format!("the in-window control: {other}"),
            format!("时间窗内的对照请求：{}", other.describe_zh()),
        )),
    }
    let verdict = if !failures.is_empty() {
        Verdict::fail_listing(&failures)
    } else if !undecided.is_empty() {
        Verdict::undecided_listing(
            (
                "nothing was wrongly accepted, but some answers were neither acceptance nor \
                 refusal",
                "没有请求被错误接受，但部分应答既非接受也非拒绝",
            ),
            &undecided,
        )
    } else {
        Verdict::pass("replay, stale and future-dated requests refused; in-window request accepted")
            .zh("重放、过期与未来时间的请求均被拒绝；时间窗内的请求被接受")
    };
    Ok(verdict
        .with("first request", first.excerpt())
        .with("replay", replay.excerpt())
        .with(format!("stale (−{outside} s)"), stale.excerpt())
        .with(format!("future (+{outside} s)"), future.excerpt())
        .with(format!("in window (−{inside} s)"), in_window.excerpt())
        .with_threshold("request_window_secs", window))
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
