//! BC-002 — Each block's transaction root is the SM3 Merkle root (RFC 6962 shape) of its
//! transaction ids. (Per-item inclusion proofs are DC-015.)

use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite, Verdict,
};
use tianping_profile::merkle;

use tianping_engine::package::{Judgement, PackageCheck, PackageInfo, Record};

use crate::common;
use crate::thresholds::BLOCKS_TO_SAMPLE;

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "BC-002",
    suite: Suite::BlockchainSecurity,
    title_zh: "交易默克尔根正确",
    title_en: "Transaction Merkle roots are correct",
    advice_zh: "以SM3按链的规则重新计算交易默克尔根，修正打包或序列化中使默克尔根与交易不符的环节。",
    advice_en: "Recompute the transaction Merkle root with SM3 by the chain's rule and fix the packing or serialisation step that makes it disagree with the transactions.",
    clauses: &[Clause {
        source: "JR/T 0193-2020 §8.5 ledger data security",
        zh: "JR/T 0193-2020 §8.5 账本数据安全",
        provenance: Provenance::Verified,
    }],
    tianping_clause: None,
    severity: Severity::High,
    weight: 4,
    mode: Mode::Remote,
    active: false,
    faults: &["merkle-root-sha256"],
    thresholds: &[BLOCKS_TO_SAMPLE],
};

pub const CHECK: CheckDef = CheckDef::remote(META, |ctx| Box::pin(run(ctx)))
    .with_package(PackageCheck {
        judge: judge_record,
        what: "blocks of the records",
        accounts_for_records: false,
    })
    .with_applies(common::needs_local_chain);

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let n = ctx.config.thresholds.unsigned(&BLOCKS_TO_SAMPLE);
    let heights = common::chain_window(ctx, n, None, "BC-002").await?.heights;
    let mut failures = Vec::new();
    for &h in &heights {
        let b = common::fetch_block(ctx, h).await?;
        let root = merkle::root(&b.tx_ids);
        if root != b.tx_root {
            failures.push(format!(
                "block {h}: tx_root {} but the SM3 Merkle root of its {} tx ids is {}",
                hex::encode(b.tx_root),
                b.tx_ids.len(),
                hex::encode(root)
            ));
        }
    }
    Ok(
        Verdict::from_samples(heights.len() as u64, &failures, ("blocks", "区块"))
            .with(
                "heights examined",
                format!("{}..={}", heights[0], heights[heights.len() - 1]),
            )
            .with_threshold("blocks_to_sample", n),
    )
}

/// Offline: the block carried with each record's proof states the Merkle root of its own
/// transaction ids.
fn judge_record(info: &PackageInfo, record: &Record) -> Judgement {
    let Some(doc) = &record.proof else {
        return Judgement::NotExamined;
    };
    match common::block_view(&info.fields, &doc["block"]) {
        Ok(b) => {
            let root = merkle::root(&b.tx_ids);
            if root == b.tx_root {
                Judgement::Conforms
            } else {
                Judgement::Nonconforming(format!(
                    "block {}: tx_root {} but the SM3 Merkle root of its {} tx ids is {}",
                    b.height,
                    hex::encode(b.tx_root),
                    b.tx_ids.len(),
                    hex::encode(root)
                ))
            }
        }
        Err(e) => Judgement::Nonconforming(e.to_string()),
    }
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
