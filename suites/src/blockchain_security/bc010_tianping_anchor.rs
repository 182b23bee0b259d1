//! BC-010 — Blocks holding deposits are anchored to Tianping: the anchor record of a fresh
//! deposit's block names that block's hash, agrees with the receipt's `tianping_tx`, and was
//! made within the declared delay (lab threshold, default 600 s). Where the lab names a Tianping
//! verification service, Tianping's own record must carry the block's hash (or, without a
//! local chain, the file's digest); otherwise the verdict says the anchor is platform-reported.

use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, LabThreshold, Mode, Provenance, Severity, Suite,
    ThresholdDefault, Verdict,
};

use crate::common::{self, tianping, tianping::OnTianping};
use tianping_engine::{Operation, Problem};

/// Lab threshold: longest accepted delay between sealing a block and anchoring it to Tianping.
pub const ANCHOR_DELAY_SECS: LabThreshold = LabThreshold {
    name: "anchor_delay_secs",
    default: ThresholdDefault::Integer {
        value: 600,
        min: 0,
        max: 604800,
    },
    unit: "s",
    meaning: "longest accepted delay between sealing a block and anchoring it to Tianping",
};

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "BC-010",
    suite: Suite::BlockchainSecurity,
    title_zh: "跨链锚定天平链一致",
    title_en: "Anchoring to Tianping is present and consistent",
    advice_zh: "按约定将存证摘要锚定到天平链，平台记录的锚定交易须在天平链上可查且摘要一致。",
    advice_en: "Anchor deposit digests to Tianping as agreed; every anchor the platform records must be found on Tianping with the same digest.",
    clauses: &[
        Clause {
            source: "Beijing Internet Court: cross-chain access nodes of Tianping",
            zh: "北京互联网法院：天平链跨链接入节点",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "Connected platforms return the Tianping tx id (tianping_tx)",
            zh: "接入平台返回天平链交易号（tianping_tx）",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "Anchor delay within the declared service level",
            zh: "锚定延迟不超过声明的服务水平",
            provenance: Provenance::Policy,
        },
    ],
    tianping_clause: None,
    severity: Severity::Critical,
    weight: 4,
    mode: Mode::Remote,
    active: false,
    faults: &[
        "anchor-mismatch",
        "receipt-missing-tianping-tx",
        "block-time-in-seconds",
        "anchor-not-on-tianping",
    ],
    thresholds: &[ANCHOR_DELAY_SECS],
};

pub const CHECK: CheckDef = CheckDef::remote(META, |ctx| Box::pin(run(ctx)));

fn time(s: &str) -> Result<chrono::DateTime<chrono::FixedOffset>, CheckError> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map_err(|e| CheckError::protocol(format!("time `{s}`: {e}")))
}

/// Without a local chain the deposit itself is the Tianping transaction: judged on the
/// Tianping transaction id the receipt names, and, where the lab names a verification
/// service, on Tianping's own record that it carries the file's digest.
async fn anchored_directly(ctx: &Ctx, receipt: &serde_json::Value) -> Result<Verdict, CheckError> {
    let verdict = match ctx.fields.opt_str(receipt, "tianping_tx")? {
        Some(tx) if !tx.trim().is_empty() => {
            let file_hash = ctx.fields.str(receipt, "file_hash")?;
            let what = ("the file's digest", "文件摘要");
            match tianping::confirm(ctx, &tx, &file_hash, what).await? {
                Some(OnTianping::Contradicted(why)) => Verdict::fail_listing(&[why]),
                Some(OnTianping::Confirmed { en, zh }) => Verdict::pass(format!(
                    "the deposit was written to Tianping as transaction {tx}: {en}"
                ))
                .zh(format!("存证已写入天平链，交易 {tx}：{zh}")),
                None => Verdict::pass(format!(
                    "the deposit was written to Tianping as transaction {tx} (no local chain \
                     declared: judged on the Tianping transaction id alone)"
                ))
                .zh(format!(
                    "存证已写入天平链，交易 {tx}（已声明无本地链：仅依据天平链交易号判定）"
                )),
            }
        }
        _ => Verdict::fail(format!(
            "the completed deposit's receipt names no Tianping transaction (at {}); without a \
             local chain that id is the only anchor",
            ctx.fields.pointer("tianping_tx")
        ))
        .zh(format!(
            "已完成存证的回执未给出天平链交易号（位置 {}）；无本地链时该交易号是唯一的锚定",
            ctx.fields.pointer("tianping_tx")
        )),
    };
    Ok(verdict
        .with("declared", common::NO_LOCAL_CHAIN)
        .with("source", tianping::source(ctx)))
}

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let limit = ctx.config.thresholds.integer(&ANCHOR_DELAY_SECS);
    let (_, receipt) = common::deposit(ctx, &common::lab_content(ctx, "BC-010")).await?;
    if !ctx.config.architecture.local_chain {
        return Ok(anchored_directly(ctx, &receipt)
            .await?
            .with_threshold("anchor_delay_secs", limit));
    }
    let height = ctx.fields.u64(&receipt, "block_height")?;
    let block = common::fetch_block(ctx, height).await?;
    let (_, anchor) = ctx
        .call(Operation::Anchor)
        .param("height", height)
        .data()
        .await?;
    let anchored_hash = ctx.fields.str(&anchor, "anchor_block_hash")?;
    let anchor_tx = ctx.fields.str(&anchor, "anchor_tianping_tx")?;
    let mut failures = Vec::new();
    if *anchored_hash != hex::encode(block.hash) {
        let hash = hex::encode(block.hash);
        failures.push(Problem::new(
            format!(
                "anchor of block {height} names hash {anchored_hash}, the block's hash is {hash}"
            ),
            format!("区块 {height} 的锚定记录给出的哈希为 {anchored_hash}，而区块哈希为 {hash}"),
        ));
    }
    // The receipt is what the depositor keeps: it must name the anchor's Tianping tx.
    match ctx.fields.opt_str(&receipt, "tianping_tx")? {
        Some(in_receipt) if in_receipt == anchor_tx => {}
        Some(in_receipt) => failures.push(Problem::new(
            format!("receipt names Tianping tx {in_receipt}, the anchor record {anchor_tx}"),
            format!("回执给出的天平链交易为 {in_receipt}，锚定记录给出的为 {anchor_tx}"),
        )),
        None => {
            let at = ctx.fields.pointer("tianping_tx");
            failures.push(Problem::new(
                format!("the receipt names no Tianping transaction (at {at}); the anchor record names {anchor_tx}"),
                format!("回执未给出天平链交易（位置 {at}）；锚定记录给出的为 {anchor_tx}"),
            ))
        }
    }
    let sealed = chrono::DateTime::from_timestamp_millis(block.timestamp_ms)
        .ok_or_else(|| CheckError::protocol("block timestamp out of range"))?;
    let delay = (time(&ctx.fields.str(&anchor, "anchor_time")?)?.with_timezone(&chrono::Utc)
        - sealed)
        .num_seconds();
    if delay > limit {
        failures.push(Problem::new(
            format!("block {height} was anchored {delay} s after it was sealed"),
            format!("区块 {height} 在出块 {delay} 秒后才锚定"),
        ));
    }
    // Tianping's own record is asked only when the platform's account holds together: a
    // finding already made stands whatever the service answers.
    let on_tianping = if failures.is_empty() {
        tianping::confirm(
            ctx,
            &anchor_tx,
            &hex::encode(block.hash),
            ("the block's hash", "区块哈希"),
        )
        .await?
    } else {
        None
    };
    let verdict = match on_tianping {
        _ if !failures.is_empty() => Verdict::fail_listing(&failures),
        Some(OnTianping::Contradicted(why)) => Verdict::fail_listing(&[why]),
        Some(OnTianping::Confirmed { en, zh }) => Verdict::pass(format!(
            "block {height} anchored as Tianping tx {anchor_tx} after {delay} s: {en}"
        ))
        .zh(format!(
            "区块 {height} 在 {delay} 秒后锚定为天平链交易 {anchor_tx}：{zh}"
        )),
        None => Verdict::pass(format!(
            "block {height} anchored as Tianping tx {anchor_tx} after {delay} s (platform-reported)"
        ))
        .zh(format!(
            "区块 {height} 在 {delay} 秒后锚定为天平链交易 {anchor_tx}（平台自报）"
        )),
    };
    Ok(verdict
        .with("block hash", hex::encode(block.hash))
        .with("anchor record", anchor.to_string())
        .with("source", tianping::source(ctx))
        .with_threshold("anchor_delay_secs", limit))
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
