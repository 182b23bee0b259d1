//! Blocks as the profile serves them: fetched, viewed, and the newest heights.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::Value;
use tianping_engine::{CheckError, Ctx, Operation};

use super::*;

/// A block as the chain checks need it.
pub struct BlockView {
    pub height: u64,
    pub hash: [u8; 32],
    pub prev_hash: [u8; 32],
    pub tx_root: [u8; 32],
    pub timestamp_ms: i64,
    pub tx_ids: Vec<[u8; 32]>,
    pub signature: Vec<u8>,
}

/// The transaction ids a block document lists.
pub fn tx_ids_of(
    fields: &tianping_engine::fields::FieldMap,
    block: &Value,
) -> Result<Vec<[u8; 32]>, CheckError> {
    match fields.get(block, "block_tx_ids").as_deref() {
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .and_then(tianping_profile::digest::parse_digest_hex)
            })
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| CheckError::Field {
                field: "block_tx_ids".into(),
                detail: "not a list of 64-hex ids".into(),
            }),
        _ => Err(CheckError::Field {
            field: "block_tx_ids".into(),
            detail: "absent or not a list".into(),
        }),
    }
}

/// Reads a block document into a [`BlockView`].
pub fn block_view(
    fields: &tianping_engine::fields::FieldMap,
    b: &Value,
) -> Result<BlockView, CheckError> {
    let hash = |field: &str| digest_of(fields, b, field);
    let signature = fields
        .opt_str(b, "block_signature")?
        .map(|s| B64.decode(s.as_bytes()).unwrap_or_default())
        .unwrap_or_default();
    Ok(BlockView {
        height: fields.u64(b, "block_number")?,
        hash: hash("block_own_hash")?,
        prev_hash: hash("block_prev_hash")?,
        tx_root: hash("block_tx_root")?,
        timestamp_ms: fields.i64(b, "block_timestamp_ms")?,
        tx_ids: tx_ids_of(fields, b)?,
        signature,
    })
}

/// A chain transaction by its hex id, requiring a success.
pub async fn transaction(ctx: &Ctx, tx_hex: &str) -> Result<Value, CheckError> {
    let (_, tx) = ctx
        .call(Operation::Tx)
        .param("tx_id", tx_hex)
        .data()
        .await?;
    Ok(tx)
}

/// A block by height, read into its parts.
pub async fn fetch_block(ctx: &Ctx, height: u64) -> Result<BlockView, CheckError> {
    let (_, b) = ctx
        .call(Operation::Block)
        .param("height", height)
        .data()
        .await?;
    block_view(&ctx.fields, &b)
}

/// Heights of the newest `n` blocks (lab threshold `blocks_to_sample`), oldest first.
pub async fn newest_heights(ctx: &Ctx, n: u64) -> Result<Vec<u64>, CheckError> {
    let (_, head) = ctx.call(Operation::ChainHead).data().await?;
    let top = ctx.fields.u64(&head, "block_number")?;
    let first = (top + 1).saturating_sub(n.max(1));
    Ok((first..=top).collect())
}
