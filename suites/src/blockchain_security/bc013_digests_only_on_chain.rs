//! BC-013 — Only digests go on chain: transactions carry no unmasked ID or mobile number,
//! their depositor field is an SM3 digest, and no value is large enough to be plaintext
//! content. The transaction of the check's own deposit is always examined (made with the lab's
//! test depositor, so personal data the platform puts on chain is there to be seen), then the
//! newest blocks' transactions up to the sample size. Without its own deposit the check could
//! pass on whatever older transactions happen to be on chain.

use serde_json::Value;
use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite, Verdict,
};

use crate::common;
use crate::thresholds::{BLOCKS_TO_SAMPLE, TRANSACTIONS_TO_SAMPLE};

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "BC-013",
    suite: Suite::BlockchainSecurity,
    title_zh: "链上仅存摘要不存个人信息",
    title_en: "Only digests, no personal data, on chain",
    advice_zh: "链上只存摘要与非敏感元数据，存证人等字段以SM3摘要上链，不得写入身份证号、手机号或原文。",
    advice_en: "Put only digests and non-sensitive metadata on chain: depositor fields as SM3 digests, never ID numbers, mobile numbers or content.",
    clauses: &[
        Clause {
            source: "JR/T 0184-2020 privacy protection",
            zh: "JR/T 0184-2020 隐私保护",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "个人信息保护法 (minimisation)",
            zh: "个人信息保护法（最小必要）",
            provenance: Provenance::Known,
        },
    ],
    tianping_clause: None,
    severity: Severity::High,
    weight: 3,
    mode: Mode::Remote,
    active: false,
    faults: &["depositor-on-chain"],
    thresholds: &[BLOCKS_TO_SAMPLE, TRANSACTIONS_TO_SAMPLE],
};

pub const CHECK: CheckDef =
    CheckDef::remote(META, |ctx| Box::pin(run(ctx))).with_applies(common::needs_local_chain);

/// Longest string a transaction may carry before it looks like content rather than metadata.
const MAX_VALUE_CHARS: usize = 1024;

fn largest_string(v: &Value) -> usize {
    match v {
        Value::String(s) => s.chars().count(),
        Value::Array(items) => items.iter().map(largest_string).max().unwrap_or(0),
        Value::Object(map) => map.values().map(largest_string).max().unwrap_or(0),
        _ => 0,
    }
}

/// What is wrong with one transaction as the chain serves it; empty when it holds digests only.
async fn judge_transaction(ctx: &Ctx, tx_hex: &str) -> Result<Vec<String>, CheckError> {
    let tx = common::transaction(ctx, tx_hex).await?;
    let mut problems = Vec::new();
    for token in common::personal_data_tokens(&tx) {
        problems.push(format!("tx {tx_hex}: {token} in clear"));
    }
    if let Some(d) = ctx.fields.opt_str(&tx, "tx_depositor_digest")?
        && tianping_profile::digest::parse_digest_hex(&d).is_none()
    {
        problems.push(format!("tx {tx_hex}: depositor field is not an SM3 digest"));
    }
    let largest = largest_string(&tx);
    if largest > MAX_VALUE_CHARS {
        problems.push(format!("tx {tx_hex}: carries a {largest}-character value"));
    }
    Ok(problems)
}

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let (_, receipt) = common::deposit(ctx, &common::lab_content(ctx, "BC-013")).await?;
    let own_tx = ctx.fields.str(&receipt, "tx_id")?.to_ascii_lowercase();
    let mut failures = judge_transaction(ctx, &own_tx).await?;
    let mut examined = 1u64;
    let mut budget = ctx.config.thresholds.unsigned(&TRANSACTIONS_TO_SAMPLE);
    let n = ctx.config.thresholds.unsigned(&BLOCKS_TO_SAMPLE);
    for h in common::chain_window(ctx, n, Some(&receipt), "BC-013")
        .await?
        .heights
        .into_iter()
        .rev()
    {
        let block = common::fetch_block(ctx, h).await?;
        for tx_id in block.tx_ids.iter().take(budget as usize) {
            budget -= 1;
            let tx_hex = hex::encode(tx_id);
            if tx_hex == own_tx {
                continue;
            }
            examined += 1;
            failures.extend(judge_transaction(ctx, &tx_hex).await?);
        }
        if budget == 0 {
            break;
        }
    }
    Ok(
        Verdict::from_samples(examined, &failures, ("transactions", "交易"))
            .with("own deposit's transaction", own_tx)
            .with_threshold(
                "transactions_to_sample",
                ctx.config.thresholds.unsigned(&TRANSACTIONS_TO_SAMPLE),
            ),
    )
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
