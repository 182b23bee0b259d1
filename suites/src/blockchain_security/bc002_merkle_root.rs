//! BC-002 — Each block's transaction root is the SM3 Merkle root (RFC 6962 shape) of its
//! transaction ids, and a fresh deposit's inclusion proof leads to that root.

use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite, Verdict,
};
use tianping_profile::merkle;

use crate::common;

pub const CHECK: CheckDef = CheckDef {
    meta: CheckMeta {
        id: "BC-002",
        suite: Suite::BlockchainSecurity,
        title_zh: "交易默克尔根正确",
        title_en: "Transaction Merkle roots are correct",
        clauses: &[Clause {
            source: "JR/T 0193-2020 §8.5 ledger data security",
            provenance: Provenance::Verified,
        }],
        tianping_clause: None,
        severity: Severity::High,
        weight: 4,
        mode: Mode::Remote,
        active: false,
        fault: "merkle-root-sha256",
    },
    run: |ctx| Box::pin(run(ctx)),
};

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let (_, receipt) = common::deposit(ctx, &common::lab_content(ctx, "BC-002")).await?;
    let tx_id = ctx.fields.str(&receipt, "tx_id")?.to_string();
    let n = ctx.config.thresholds.blocks_to_sample;
    let heights = common::newest_heights(ctx, n).await?;
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
    // The proof for our own deposit: leaf, index, size and path must lead to the block root.
    let (_, proof) = ctx.get_json(&common::paths::tx_proof(&tx_id)).await?;
    let leaf = common::hex32(ctx, &proof, "tx_id")?;
    let height = ctx.fields.u64(&proof, "block_height")?;
    let index = ctx.fields.u64(&proof, "proof_index")? as usize;
    let size = ctx.fields.u64(&proof, "proof_tree_size")? as usize;
    let path = match ctx.fields.get(&proof, "proof_path") {
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .and_then(tianping_profile::digest::parse_digest_hex)
            })
            .collect::<Option<Vec<_>>>(),
        _ => None,
    }
    .ok_or_else(|| CheckError::protocol("proof `path` is not a list of 64-hex hashes"))?;
    let block = common::fetch_block(ctx, height).await?;
    let proved = merkle::verify_inclusion(&leaf, index, size, &path, &block.tx_root);
    if !proved {
        failures.push(format!(
            "inclusion proof for tx {tx_id} does not lead to block {height}'s tx_root"
        ));
    }
    Ok(
        Verdict::from_samples(heights.len() as u64 + 1, &failures, "blocks and proofs")
            .with("deposit tx", tx_id)
            .with(
                "inclusion proof",
                format!(
                    "block {height}, index {index} of {size}, {} path hashes: {}",
                    path.len(),
                    if proved {
                        "verifies"
                    } else {
                        "does not verify"
                    }
                ),
            )
            .with_threshold("blocks_to_sample", n),
    )
}
