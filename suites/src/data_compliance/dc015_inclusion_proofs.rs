//! DC-015 — Batch anchoring is provable per item: for a fresh deposit and for sampled
//! transactions of the newest blocks, the platform's inclusion proof (RFC 9162 audit path with
//! SM3) leads from the transaction id to the Merkle root of its block's transaction list.
//! Whether the block states that root correctly is BC-002.

use serde_json::Value;
use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite, Verdict,
};
use tianping_profile::merkle;

use tianping_engine::fields::FieldMap;
use tianping_engine::package::{Judgement, PackageCheck, PackageInfo, Record};

use crate::common;
use crate::thresholds::{BLOCKS_TO_SAMPLE, TRANSACTIONS_TO_SAMPLE};
use tianping_engine::Operation;

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "DC-015",
    suite: Suite::DataCompliance,
    title_zh: "批量锚定可逐条证明",
    title_en: "Batch anchoring is provable for each item",
    advice_zh: "批量锚定时为每一条存证提供以SM3构造、可验证的默克尔包含证明。",
    advice_en: "Provide for every item of a batch anchor a verifiable SM3 Merkle inclusion proof.",
    clauses: &[
        Clause {
            source: "在线诉讼规则 (2021) Art. 16: technical verification",
            zh: "人民法院在线诉讼规则（2021）第十六条：技术核验",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "Per-item Merkle inclusion proof with SM3",
            zh: "基于 SM3 的逐条 Merkle 包含证明",
            provenance: Provenance::Policy,
        },
    ],
    tianping_clause: None,
    severity: Severity::High,
    weight: 3,
    mode: Mode::Remote,
    active: false,
    faults: &["proof-path-wrong"],
    thresholds: &[BLOCKS_TO_SAMPLE, TRANSACTIONS_TO_SAMPLE],
};

pub const CHECK: CheckDef = CheckDef::remote(META, |ctx| Box::pin(run(ctx)))
    .with_package(PackageCheck {
        judge: judge_record,
        what: "inclusion proofs",
        accounts_for_records: false,
    })
    .with_applies(common::needs_local_chain);

/// Fetches and checks the inclusion proof of `tx_id`; `Err` says why it does not prove.
/// A proof as the profile's proof document gives it.
struct Proof {
    leaf: [u8; 32],
    height: u64,
    index: usize,
    size: usize,
    path: Vec<[u8; 32]>,
}

fn parse_proof(fields: &FieldMap, proof: &Value) -> Result<Proof, CheckError> {
    let leaf_hex = fields.str(proof, "tx_id")?;
    let leaf =
        tianping_profile::digest::parse_digest_hex(&leaf_hex).ok_or_else(|| CheckError::Field {
            field: "proof tx_id".into(),
            detail: format!("`{leaf_hex}` is not 64 hex"),
        })?;
    let path = match fields.get(proof, "proof_path").as_deref() {
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .and_then(tianping_profile::digest::parse_digest_hex)
            })
            .collect::<Option<Vec<_>>>(),
        _ => None,
    }
    .ok_or_else(|| CheckError::Field {
        field: "proof_path".into(),
        detail: "not a list of 64-hex hashes".into(),
    })?;
    Ok(Proof {
        leaf,
        height: fields.u64(proof, "block_height")?,
        index: fields.u64(proof, "proof_index")? as usize,
        size: fields.u64(proof, "proof_tree_size")? as usize,
        path,
    })
}

/// The rule, shared by the live and package forms: the proof is about `tx_id`, the block lists
/// it, and the path leads to the Merkle root of the block's transaction ids.
fn proof_problem(p: &Proof, tx_id: &str, block_tx_ids: &[[u8; 32]]) -> Option<String> {
    if hex::encode(p.leaf) != tx_id {
        return Some(format!("proof for {tx_id} is about another transaction"));
    }
    if !block_tx_ids.contains(&p.leaf) {
        return Some(format!("block {} does not list {tx_id}", p.height));
    }
    let root = merkle::root(block_tx_ids);
    (!merkle::verify_inclusion(&p.leaf, p.index, p.size, &p.path, &root)).then(|| {
        format!("tx {tx_id}: proof (index {} of {}, {} hashes) does not lead to the Merkle root of block {}'s transactions", p.index, p.size, p.path.len(), p.height)
    })
}

async fn proof_holds(ctx: &Ctx, tx_id: &str) -> Result<Result<(), String>, CheckError> {
    let (_, doc) = ctx
        .call(Operation::TxProof)
        .param("tx_id", tx_id)
        .data()
        .await?;
    let proof = parse_proof(&ctx.fields, &doc)?;
    let block = common::fetch_block(ctx, proof.height).await?;
    Ok(proof_problem(&proof, tx_id, &block.tx_ids).map_or(Ok(()), Err))
}

/// Offline: the record's proof file carries the proof and its block (docs/profile.md §10).
fn judge_record(info: &PackageInfo, record: &Record) -> Judgement {
    let Some(doc) = &record.proof else {
        return Judgement::NotExamined;
    };
    let Ok(receipt) = record.receipt() else {
        return Judgement::Nonconforming("receipt missing".into());
    };
    let tx_id = info
        .fields
        .opt_str(receipt, "tx_id")
        .ok()
        .flatten()
        .unwrap_or_default();
    let block_ids = common::tx_ids_of(&info.fields, &doc["block"]);
    match (parse_proof(&info.fields, doc), block_ids) {
        (Ok(p), Ok(ids)) => {
            proof_problem(&p, &tx_id, &ids).map_or(Judgement::Conforms, Judgement::Nonconforming)
        }
        (Err(e), _) | (_, Err(e)) => Judgement::Nonconforming(e.to_string()),
    }
}

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let (_, receipt) = common::deposit(ctx, &common::lab_content(ctx, "DC-015")).await?;
    let mut tx_ids = vec![ctx.fields.str(&receipt, "tx_id")?.to_string()];
    let budget = ctx.config.thresholds.unsigned(&TRANSACTIONS_TO_SAMPLE) as usize;
    let n = ctx.config.thresholds.unsigned(&BLOCKS_TO_SAMPLE);
    for h in common::chain_window(ctx, n, Some(&receipt), "DC-015")
        .await?
        .heights
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
    Ok(Verdict::from_samples(
        tx_ids.len() as u64,
        &failures,
        ("inclusion proofs", "包含证明"),
    )
    .with("fresh deposit tx", tx_ids[0].clone())
    .with_threshold("transactions_to_sample", budget))
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
