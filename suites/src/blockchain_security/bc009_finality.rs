//! BC-009 — Deposits are final: after further blocks are sealed (lab threshold, default 3), a
//! deposit's receipt, its transaction and its block are unchanged: same height, same block
//! hash, the transaction still in that block.

use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, LabThreshold, Mode, Provenance, Severity, Suite,
    ThresholdDefault, Verdict,
};

use crate::common;
use tianping_engine::Problem;

/// Lab threshold: blocks sealed after a deposit before its receipt is re-checked for finality.
pub const FINALITY_BLOCKS: LabThreshold = LabThreshold {
    name: "finality_blocks",
    default: ThresholdDefault::Integer {
        value: 3,
        min: 1,
        max: 10000,
    },
    unit: "blocks",
    meaning: "blocks sealed after a deposit before its receipt is re-checked for finality",
};

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "BC-009",
    suite: Suite::BlockchainSecurity,
    title_zh: "存证交易最终性",
    title_en: "Deposits are final",
    advice_zh: "确保已确认的存证交易在若干区块后不被回滚或改写；检查共识与分叉处理。",
    advice_en: "Make confirmed deposit transactions stay in the same block with the same content after further blocks; review consensus and fork handling.",
    clauses: &[
        Clause {
            source: "JR/T 0193-2020 §8.6 consensus security",
            zh: "JR/T 0193-2020 §8.6 共识安全",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "Re-check after k sealed blocks",
            zh: "在其后 k 个区块出块后复核",
            provenance: Provenance::Policy,
        },
    ],
    tianping_clause: None,
    severity: Severity::Critical,
    weight: 4,
    mode: Mode::Remote,
    active: false,
    faults: &["receipt-rewritten", "stale-chain-head"],
    thresholds: &[FINALITY_BLOCKS],
};

pub const CHECK: CheckDef =
    CheckDef::remote(META, |ctx| Box::pin(run(ctx))).with_applies(common::needs_local_chain);

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let k = ctx.config.thresholds.unsigned(&FINALITY_BLOCKS);
    let (_, receipt) = common::deposit(ctx, &common::lab_content(ctx, "BC-009")).await?;
    let id = ctx.fields.str(&receipt, "evidence_id")?.to_string();
    let height = ctx.fields.u64(&receipt, "block_height")?;
    let block_hash = ctx.fields.str(&receipt, "block_hash")?.to_string();
    let tx_id = ctx.fields.str(&receipt, "tx_id")?.to_string();
    // Wait for k more blocks; on a quiet chain, make them with our own deposits.
    // Wait for k more blocks; on a quiet chain, make them with our own deposits. The fillers'
    // own blocks say how far the chain really is, whatever the head reports.
    let mut head = common::head_height(ctx).await?;
    let mut own_newest = height;
    let mut made = 0;
    while own_newest.max(head) < height + k && made < k * 3 {
        let (_, filler) = common::deposit(ctx, &common::lab_content(ctx, "BC-009 filler")).await?;
        own_newest = own_newest.max(ctx.fields.u64(&filler, "block_height")?);
        made += 1;
        head = common::head_height(ctx).await?;
    }
    if own_newest > head {
        return Ok(Verdict::fail(format!(
            "the chain head the platform reports (block {head}) is behind the block holding \
             the run's own newest deposit (block {own_newest}): a reader of the head would \
             not see deposits the platform has receipted"
        )).zh(format!("平台报告的链头（区块 {head}）落后于本次运行最新存证所在区块（区块 {own_newest}）：读取链头者看不到平台已出具回执的存证"))
        .with("deposit", format!("{id} in block {height} {block_hash}")));
    }
    if head < height + k {
        return Ok(Verdict::inconclusive(format!(
            "the chain did not advance {k} blocks past {height}"
        ))
        .zh(format!("链未在区块 {height} 之后前进 {k} 个区块")));
    }
    let (_, again) = common::receipt(ctx, &id).await?;
    let block = common::fetch_block(ctx, height).await?;
    let mut failures = Vec::new();
    let now_height = ctx.fields.u64(&again, "block_height")?;
    let now_hash = ctx.fields.str(&again, "block_hash")?;
    if now_height != height || *now_hash != *block_hash {
        failures.push(Problem::new(
            format!("receipt now names block {now_height} {now_hash}, not {height} {block_hash}"),
            format!("回执现在给出的区块为 {now_height} {now_hash}，而不是 {height} {block_hash}"),
        ));
    }
    if hex::encode(block.hash) != block_hash {
        let now = hex::encode(block.hash);
        failures.push(Problem::new(
            format!("block {height} now has hash {now}"),
            format!("区块 {height} 的哈希现在为 {now}"),
        ));
    }
    if !block.tx_ids.iter().any(|t| hex::encode(t) == tx_id) {
        failures.push(Problem::new(
            format!("block {height} no longer lists tx {tx_id}"),
            format!("区块 {height} 中已不再包含交易 {tx_id}"),
        ));
    }
    let verdict = if failures.is_empty() {
        Verdict::pass(format!("unchanged after {} further blocks", head - height))
            .zh(format!("其后 {} 个区块内保持不变", head - height))
    } else {
        Verdict::fail_listing(&failures)
    };
    Ok(verdict
        .with("deposit", format!("{id} in block {height} {block_hash}"))
        .with("head when re-checked", head.to_string())
        .with_threshold("finality_blocks", k))
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
