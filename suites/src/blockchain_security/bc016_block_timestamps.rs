//! BC-016 — Block timestamps are sane: over the newest N blocks they never go backwards, the
//! head block is not stamped in the future of the harness clock, and the block holding the
//! run's own deposit is stamped within the time that deposit took (beyond the lab's clock
//! tolerance either way: a stamp in seconds, 1970, is not plausible however well it orders).

use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite, Verdict,
};

use crate::common;
use crate::thresholds::{BLOCKS_TO_SAMPLE, CLOCK_TOLERANCE_SECS};

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "BC-016",
    suite: Suite::BlockchainSecurity,
    title_zh: "区块时间戳合理",
    title_en: "Block timestamps are sane",
    advice_zh: "区块时间戳使用毫秒或规定单位的标准时间，保持单调递增且不超前于标准时间。",
    advice_en: "Stamp blocks with standard time in the declared unit, monotonic and never ahead of standard time.",
    clauses: &[Clause {
        source: "Monotonic block time; head not ahead of the harness clock",
        zh: "区块时间单调递增；链头时间不超前于测评工具时钟",
        provenance: Provenance::Policy,
    }],
    tianping_clause: None,
    severity: Severity::Medium,
    weight: 2,
    mode: Mode::Remote,
    active: false,
    faults: &["block-time-regression", "block-time-in-seconds"],
    thresholds: &[BLOCKS_TO_SAMPLE, CLOCK_TOLERANCE_SECS],
};

pub const CHECK: CheckDef =
    CheckDef::remote(META, |ctx| Box::pin(run(ctx))).with_applies(common::needs_local_chain);

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let clock = ctx.time_reference().await?;
    let tolerance_ms =
        ctx.config.thresholds.integer(&CLOCK_TOLERANCE_SECS) * 1000 + clock.uncertainty_ms();
    let n = ctx.config.thresholds.unsigned(&BLOCKS_TO_SAMPLE);
    // The window's own deposit is made between these two instants, so its block must be
    // stamped between them (give or take the clock tolerance): a stamp in the wrong unit or
    // from a wrong clock is implausible, however well it orders.
    let before = clock.now_ms();
    let window = common::chain_window(ctx, n, None, "BC-016").await?;
    let after = clock.now_ms();
    let heights = window.heights;
    let mut failures = Vec::new();
    let mut previous: Option<(u64, i64)> = None;
    let mut head_time = 0;
    for &h in &heights {
        let b = common::fetch_block(ctx, h).await?;
        if let Some((ph, pt)) = previous
            && b.timestamp_ms < pt
        {
            failures.push(format!(
                "block {h} is stamped {} ms before block {ph}",
                pt - b.timestamp_ms
            ));
        }
        if h == window.own_block
            && (b.timestamp_ms < before - tolerance_ms || b.timestamp_ms > after + tolerance_ms)
        {
            failures.push(format!(
                "block {h}, which holds the run's own deposit made between {} and {}, is stamped {} ({} ms): implausible",
                rfc3339(before),
                rfc3339(after),
                rfc3339(b.timestamp_ms),
                b.timestamp_ms
            ));
        }
        previous = Some((h, b.timestamp_ms));
        head_time = b.timestamp_ms;
    }
    let now = clock.now_ms();
    if head_time > now + tolerance_ms {
        failures.push(format!(
            "head block is stamped {} ms in the future",
            head_time - now
        ));
    }
    Ok(Verdict::from_samples(
        heights.len() as u64,
        &failures,
        ("block timestamps", "区块时间戳"),
    )
    .with(
        "heights examined",
        format!("{}..={}", heights[0], heights[heights.len() - 1]),
    )
    .with("time reference", clock.describe())
    .with_threshold(
        "blocks_to_sample",
        ctx.config.thresholds.unsigned(&BLOCKS_TO_SAMPLE),
    )
    .with_threshold(
        "clock_tolerance_secs",
        ctx.config.thresholds.integer(&CLOCK_TOLERANCE_SECS),
    ))
}

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_else(|| format!("{ms} ms"))
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
