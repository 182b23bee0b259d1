//! DC-009 — The platform's clock tracks standard time: the HTTP `Date` of its answers and the
//! on-chain time of a fresh deposit fall inside the harness's send/receive window, widened by a
//! lab threshold (default 1 s; `Date` itself has one-second resolution). The reference is the
//! harness's clock checked against the lab's NTP source (`[lab] ntp_server`) and corrected by
//! its measured offset, the measurement's uncertainty added to the tolerance; without one the
//! evidence says the harness's clock was not checked.

use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite, Verdict,
};

use crate::common;
use crate::thresholds::CLOCK_TOLERANCE_SECS;
use tianping_engine::Operation;

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "DC-009",
    suite: Suite::DataCompliance,
    title_zh: "平台时间与标准时间同步",
    title_en: "Platform clock tracks standard time",
    advice_zh: "平台时钟与国家授时中心等标准时间源同步，偏差控制在阈值以内。",
    advice_en: "Synchronise the platform clock to a standard time source such as NTSC, within the threshold.",
    clauses: &[
        Clause {
            source: "GB/T 20520-2006: time source traceable to national standard time",
            zh: "GB/T 20520-2006：时间源可溯源至国家标准时间",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "Clock offset within the lab threshold (no published number)",
            zh: "时钟偏差不超过测评机构阈值（无公开数值）",
            provenance: Provenance::Policy,
        },
    ],
    tianping_clause: None,
    severity: Severity::Medium,
    weight: 2,
    mode: Mode::Remote,
    active: false,
    faults: &["clock-skew"],
    thresholds: &[CLOCK_TOLERANCE_SECS],
};

pub const CHECK: CheckDef = CheckDef::remote(META, |ctx| Box::pin(run(ctx)));

type Utc = chrono::DateTime<chrono::Utc>;

/// Whether `t` lies in `[sent - tolerance, received + tolerance]` (milliseconds), `sent`
/// floored to the second when `whole_seconds` (an HTTP Date cannot be more precise).
fn within(t: Utc, sent: Utc, received: Utc, tolerance_ms: i64, whole_seconds: bool) -> bool {
    use chrono::{Duration, DurationRound};
    let from = if whole_seconds {
        sent.duration_trunc(Duration::seconds(1)).unwrap_or(sent)
    } else {
        sent
    };
    t >= from - Duration::milliseconds(tolerance_ms)
        && t <= received + Duration::milliseconds(tolerance_ms)
}

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let tolerance = ctx.config.thresholds.integer(&CLOCK_TOLERANCE_SECS);
    let clock = ctx.time_reference().await?;
    let tolerance_ms = tolerance * 1000 + clock.uncertainty_ms();
    let now =
        || chrono::DateTime::from_timestamp_millis(clock.now_ms()).unwrap_or_else(chrono::Utc::now);
    let mut failures = Vec::new();
    let mut lines = Vec::new();
    for _ in 0..3 {
        let sent = now();
        // Any answer carries a Date header; platform metadata is the one every adapter maps.
        let ex = ctx.call(Operation::Platform).send().await?;
        let received = now();
        let date = ex
            .header("date")
            .ok_or_else(|| CheckError::protocol("response has no Date header"))?;
        let parsed = chrono::DateTime::parse_from_rfc2822(date)
            .map_err(|e| CheckError::protocol(format!("Date `{date}`: {e}")))?
            .with_timezone(&chrono::Utc);
        lines.push(format!("Date {date}, sent {sent}, received {received}"));
        if !within(parsed, sent, received, tolerance_ms, true) {
            failures.push(format!(
                "HTTP Date {date} is {} s from standard time",
                (parsed - received).num_seconds()
            ));
        }
    }
    let sent = now();
    let (_, receipt) = common::deposit(ctx, &common::lab_content(ctx, "DC-009")).await?;
    let received = now();
    let tx_time = ctx.fields.str(&receipt, "tx_time")?;
    let on_chain = chrono::DateTime::parse_from_rfc3339(&tx_time)
        .map_err(|e| CheckError::Field {
            field: "tx_time".into(),
            detail: format!("`{tx_time}`: {e}"),
        })?
        .with_timezone(&chrono::Utc);
    lines.push(format!(
        "deposit tx_time {tx_time}, sent {sent}, received {received}"
    ));
    if !within(on_chain, sent, received, tolerance_ms, false) {
        failures.push(format!("on-chain time {tx_time} lies outside the request window [{sent}, {received}] ± {tolerance_ms} ms"));
    }
    let mut verdict = Verdict::from_samples(4, &failures, ("platform times", "平台时间"));
    for (i, l) in lines.into_iter().enumerate() {
        verdict = verdict.with(format!("observation {}", i + 1), l);
    }
    Ok(verdict
        .with("time reference", clock.describe())
        .with_threshold("clock_tolerance_secs", tolerance))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_accounts_for_whole_second_dates() {
        let sent: Utc = "2026-11-22T10:00:00.900Z".parse().unwrap();
        let received: Utc = "2026-11-22T10:00:01.100Z".parse().unwrap();
        let date: Utc = "2026-11-22T10:00:00Z".parse().unwrap();
        assert!(within(date, sent, received, 0, true));
        assert!(!within(date, sent, received, 0, false));
        let fast: Utc = "2026-11-22T10:02:01Z".parse().unwrap();
        assert!(!within(fast, sent, received, 1_000, true));
    }
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
