//! BC-001 — Blocks are hash-linked: over the newest N blocks (lab threshold), each block's
//! hash equals SM3 of its header as the profile encodes it, and each block names its
//! predecessor's hash as `prev_hash`. The window reaches the block holding the run's own
//! fresh deposit; a chain head that trails it (hiding newer blocks) is a finding.

use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite, Verdict,
};
use tianping_profile::canonical;

use crate::common;
use crate::thresholds::BLOCKS_TO_SAMPLE;

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "BC-001",
    suite: Suite::BlockchainSecurity,
    title_zh: "区块哈希链接完整",
    title_en: "Blocks are hash-linked",
    advice_zh: "按链的规则重新计算每个区块头哈希，并保证其与下一区块的前序哈希一致；修复区块生成或存储中破坏哈希链接的环节。",
    advice_en: "Recompute each block header hash by the chain's rule and make every block's previous-hash equal it; fix whatever in block production or storage breaks the link.",
    clauses: &[
        Clause {
            source: "JR/T 0184-2020 ledger data",
            zh: "JR/T 0184-2020 账本数据",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "JR/T 0193-2020 §8.5 ledger data security",
            zh: "JR/T 0193-2020 §8.5 账本数据安全",
            provenance: Provenance::Verified,
        },
    ],
    tianping_clause: None,
    severity: Severity::Critical,
    weight: 5,
    mode: Mode::Remote,
    active: false,
    faults: &["broken-hash-link", "stale-chain-head"],
    thresholds: &[BLOCKS_TO_SAMPLE],
};

pub const CHECK: CheckDef =
    CheckDef::remote(META, |ctx| Box::pin(run(ctx))).with_applies(common::needs_local_chain);

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let n = ctx.config.thresholds.unsigned(&BLOCKS_TO_SAMPLE);
    let window = common::chain_window(ctx, n, None, "BC-001").await?;
    let heights = &window.heights;
    let mut failures: Vec<String> = window.disagreement().into_iter().collect();
    let mut previous: Option<common::BlockView> = None;
    // Fetch the block before the window too, so the first sampled link is checked.
    let first = heights[0];
    if first > 0 {
        previous = Some(common::fetch_block(ctx, first - 1).await?);
    }
    for &h in heights {
        let b = common::fetch_block(ctx, h).await?;
        if b.height != h {
            failures.push(format!(
                "block requested at height {h} reports height {}",
                b.height
            ));
        }
        let recomputed = canonical::block_hash(b.height, &b.prev_hash, &b.tx_root, b.timestamp_ms);
        if recomputed != b.hash {
            failures.push(format!(
                "block {h}: reported hash {} but header hashes to {}",
                hex::encode(b.hash),
                hex::encode(recomputed)
            ));
        }
        match &previous {
            Some(p) if p.hash != b.prev_hash => failures.push(format!(
                "block {h}: prev_hash {} does not equal block {}'s hash {}",
                hex::encode(b.prev_hash),
                p.height,
                hex::encode(p.hash)
            )),
            None if b.prev_hash != [0u8; 32] => {
                failures.push(format!("genesis block {h} has a non-zero prev_hash"))
            }
            _ => {}
        }
        previous = Some(b);
    }
    Ok(
        Verdict::from_samples(heights.len() as u64, &failures, ("blocks", "区块"))
            .with(
                "heights examined",
                format!("{}..={}", heights[0], heights[heights.len() - 1]),
            )
            .with(
                "chain head reported",
                format!(
                    "block {}; the run's own deposit is in block {}",
                    window.reported_head, window.own_block
                ),
            )
            .with_threshold("blocks_to_sample", n),
    )
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
