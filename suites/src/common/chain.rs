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

/// The height of the newest block, as the platform's chain head reports it.
pub async fn head_height(ctx: &Ctx) -> Result<u64, CheckError> {
    let (_, head) = ctx.call(Operation::ChainHead).data().await?;
    ctx.fields.u64(&head, "block_number")
}

/// The blocks a chain check examines: the newest `n` (lab threshold `blocks_to_sample`),
/// counted from whichever is higher of the head the platform reports and the block holding
/// the run's own fresh deposit. A head that trails that deposit would otherwise hide every
/// newer block; it is kept here so a check can report it.
#[derive(Debug, Clone)]
pub struct ChainWindow {
    /// Heights to examine, oldest first, contiguous; they include the own deposit's block
    /// unless the head is more than 4n blocks past it.
    pub heights: Vec<u64>,
    /// The head the platform reported.
    pub reported_head: u64,
    /// The block that holds the run's own deposit, by its receipt.
    pub own_block: u64,
}

impl ChainWindow {
    /// The two views of the chain disagreeing, in words: the head behind a block the
    /// platform itself put a fresh deposit in.
    pub fn disagreement(&self) -> Option<String> {
        (self.own_block > self.reported_head).then(|| {
            format!(
                "the chain head the platform reports (block {}) is behind the block holding                  the run's own deposit (block {}): the head hides newer blocks",
                self.reported_head, self.own_block
            )
        })
    }
}

/// The window of `n` blocks to examine (see [`ChainWindow`]). `own_receipt` is a receipt of
/// the run's own deposit when the check has one; otherwise one is made, labelled `label`.
pub async fn chain_window(
    ctx: &Ctx,
    n: u64,
    own_receipt: Option<&Value>,
    label: &str,
) -> Result<ChainWindow, CheckError> {
    // A platform without a chain is told by its missing head operation, before any deposit.
    if !ctx.offers(Operation::ChainHead) {
        return Err(tianping_engine::call::not_offered(
            Operation::ChainHead,
            &ctx.adapter.info.name,
        ));
    }
    let own_block = match own_receipt {
        Some(receipt) => ctx.fields.u64(receipt, "block_height")?,
        None => {
            let (_, receipt) = super::deposit(ctx, &super::lab_content(ctx, label)).await?;
            ctx.fields.u64(&receipt, "block_height")?
        }
    };
    // Read after the deposit: a head read before it could rightly be a block behind.
    let reported_head = head_height(ctx).await?;
    let top = reported_head.max(own_block);
    // Widened down to the own block, unless the head claims to be far ahead of it (a busy
    // chain): then the newest blocks are what is examined.
    let newest_first = (top + 1).saturating_sub(n.max(1));
    let first = newest_first.min(own_block.max(top.saturating_sub(4 * n.max(1))));
    Ok(ChainWindow {
        heights: (first..=top).collect(),
        reported_head,
        own_block,
    })
}
