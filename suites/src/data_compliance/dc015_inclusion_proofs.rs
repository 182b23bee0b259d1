//! DC-015 — Batch anchoring is provable per item: for a fresh deposit and for sampled
//! transactions of the newest blocks, the platform's inclusion proof (RFC 9162 audit path with
//! SM3) leads from the transaction id to the Merkle root of its block's transaction list.
//! Whether the block states that root correctly is BC-002.

use serde_json::Value;
use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite, Verdict,
};
use tianping_profile::merkle;

use crate::common;

pub const CHECK: CheckDef = CheckDef {
    meta: CheckMeta {
        id: "DC-015",
        suite: Suite::DataCompliance,
        title_zh: "批量锚定可逐条证明",
        title_en: "Batch anchoring is provable for each item",
        clauses: &[
            Clause {
                source: "在线诉讼规则 (2021) Art. 16: technical verification",
                provenance: Provenance::Verified,
            },
            Clause {
                source: "Per-item Merkle inclusion proof with SM3",
                provenance: Provenance::Policy,
            },
        ],
        tianping_clause: None,
        severity: Severity::High,
        weight: 3,
        mode: Mode::Remote,
        active: false,
        fault: "proof-path-wrong",
    },
    run: |ctx| Box::pin(run(ctx)),
    package: None,
};

/// Fetches and checks the inclusion proof of `tx_id`; `Err` says why it does not prove.
async fn proof_holds(ctx: &Ctx, tx_id: &str) -> Result<Result<(), String>, CheckError> {
    let (_, proof) = ctx.get_json(&common::paths::tx_proof(tx_id)).await?;
    let leaf = common::hex32(ctx, &proof, "tx_id")?;
    let height = ctx.fields.u64(&proof, "block_height")?;
    let index = ctx.fields.u64(&proof, "proof_index")? as usize;
    let size = ctx.fields.u64(&proof, "proof_tree_size")? as usize;
    let path = match ctx.fields.get(&proof, "proof_path") {
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .and_then(tianping_profile::digest::parse_digest_hex)
            })
            .collect::<Option<Vec<_>>>(),
        _ => None,
    }
    .ok_or_else(|| CheckError::protocol("proof path is not a list of 64-hex hashes"))?;
    let block = common::fetch_block(ctx, height).await?;
    if leaf.to_vec() != hex::decode(tx_id).unwrap_or_default() {
        return Ok(Err(format!(
            "proof for {tx_id} is about another transaction"
        )));
    }
    if !block.tx_ids.contains(&leaf) {
        return Ok(Err(format!("block {height} does not list {tx_id}")));
    }
    let root = merkle::root(&block.tx_ids);
    Ok(
        if merkle::verify_inclusion(&leaf, index, size, &path, &root) {
            Ok(())
        } else {
            Err(format!(
                "tx {tx_id}: proof (index {index} of {size}, {} hashes) does not lead to the Merkle root of block {height}'s transactions",
                path.len()
            ))
        },
    )
}

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let (_, receipt) = common::deposit(ctx, &common::lab_content(ctx, "DC-015")).await?;
    let mut tx_ids = vec![ctx.fields.str(&receipt, "tx_id")?.to_string()];
    let budget = ctx.config.thresholds.transactions_to_sample as usize;
    for h in common::newest_heights(ctx, ctx.config.thresholds.blocks_to_sample)
        .await?
        .into_iter()
        .rev()
    {
        if tx_ids.len() >= budget {
            break;
        }
        let block = common::fetch_block(ctx, h).await?;
        tx_ids.extend(
            block
                .tx_ids
                .iter()
                .map(hex::encode)
                .take(budget - tx_ids.len()),
        );
    }
    let mut failures = Vec::new();
    for tx in &tx_ids {
        if let Err(why) = proof_holds(ctx, tx).await? {
            failures.push(why);
        }
    }
    Ok(
        Verdict::from_samples(tx_ids.len() as u64, &failures, "inclusion proofs")
            .with("fresh deposit tx", tx_ids[0].clone())
            .with_threshold("transactions_to_sample", budget),
    )
}
