//! DC-003 — The off-chain original and the chain agree: the original the platform hands back
//! is byte for byte what was deposited, and the local-chain transaction named by the receipt
//! carries the receipt's digest. With DC-001 (the receipt's digest is SM3 of what was
//! deposited) this closes original = receipt = chain; the Tianping leg is BC-010. Without a
//! local chain the receipt's Tianping transaction is the chain: where the lab names a Tianping
//! verification service, it must carry the receipt's digest.

use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite, Verdict,
};
use tianping_profile::digest;

use tianping_engine::package::{Judgement, PackageCheck, PackageInfo, Record};

use crate::common::{self, tianping, tianping::OnTianping};
use tianping_engine::{Operation, Problem};

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "DC-003",
    suite: Suite::DataCompliance,
    title_zh: "链下原文与链上存证一致",
    title_en: "Off-chain original agrees with the chain",
    advice_zh: "链下保存的原文须与链上摘要一致，查询链上数据应来自链本身。",
    advice_en: "Keep off-chain originals that hash to the on-chain digest, and serve chain data from the chain itself.",
    clauses: &[
        Clause {
            source: "在线诉讼规则 (2021) Art. 16: technical verification shows consistency",
            zh: "人民法院在线诉讼规则（2021）第十六条：技术核验一致",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "SPC 2022 Opinions on blockchain judicial application: evidence verification",
            zh: "最高人民法院 2022 年《关于加强区块链司法应用的意见》：证据核验",
            provenance: Provenance::Verified,
        },
    ],
    tianping_clause: None,
    severity: Severity::Critical,
    weight: 5,
    mode: Mode::Remote,
    active: false,
    faults: &["original-altered"],
    thresholds: &[],
};

pub const CHECK: CheckDef = CheckDef::remote(META, |ctx| Box::pin(run(ctx)))
    .with_package(PackageCheck {
        judge: judge_record,
        what: "records",
        accounts_for_records: false,
    })
    .with_applies(common::needs_originals_or_local_chain);

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let content = common::lab_content(ctx, "DC-003");
    let (_, receipt) = common::deposit(ctx, &content).await?;
    let id = ctx.fields.str(&receipt, "evidence_id")?;
    let receipt_hash = ctx.fields.str(&receipt, "file_hash")?.to_string();
    let architecture = &ctx.config.architecture;
    let deposited = digest::sm3_hex(&content);
    let mut failures = Vec::new();
    let mut verdict_lines = vec![
        ("SM3 of deposited content", deposited.clone()),
        ("receipt file_hash", receipt_hash.clone()),
    ];
    let mut judged = Vec::new();
    // Each half applies unless a declaration removed it (the check is not applicable when
    // both are removed).
    if architecture.originals_kept {
        let fetched = ctx
            .call(Operation::Original)
            .param("evidence_id", &*id)
            .send()
            .await?;
        ctx.expect_success(&fetched)?;
        let returned = digest::sm3_hex(&fetched.body);
        if fetched.body != content {
            let (got, sent) = (fetched.body.len(), content.len());
            failures.push(Problem::new(
                format!("the original returned ({got} bytes, SM3 {returned}) is not what was deposited ({sent} bytes, SM3 {deposited})"),
                format!("取回的原文（{got} 字节，SM3 {returned}）不是存证时提交的内容（{sent} 字节，SM3 {deposited}）"),
            ));
        }
        verdict_lines.push(("SM3 of returned original", returned));
        judged.push(("the original comes back unchanged", "原文取回后未改变"));
    } else {
        verdict_lines.push(("original", common::NO_ORIGINALS.to_string()));
    }
    if architecture.local_chain {
        let tx_id = ctx.fields.str(&receipt, "tx_id")?.to_string();
        let tx = common::transaction(ctx, &tx_id).await?;
        let chain_hash = ctx.fields.str(&tx, "tx_file_hash")?.to_string();
        if chain_hash != receipt_hash {
            failures.push(Problem::new(
                format!("chain transaction {tx_id} carries {chain_hash} ≠ receipt file_hash {receipt_hash}"),
                format!("链上交易 {tx_id} 记录的摘要 {chain_hash} 与回执 file_hash {receipt_hash} 不一致"),
            ));
        }
        verdict_lines.push(("chain tx file_hash", chain_hash));
        judged.push((
            "the chain carries the receipt's digest",
            "链上记录与回执摘要一致",
        ));
        verdict_lines.push((
            "source",
            "the local chain as the platform's API reports it; that its block is on Tianping is \
             BC-010's"
                .to_string(),
        ));
    } else {
        verdict_lines.push(("chain", common::NO_LOCAL_CHAIN.to_string()));
        // Without a chain of its own the platform writes the digest to Tianping: where the lab
        // can ask Tianping, the transaction the receipt names must carry it.
        if let Some(tx) = ctx.fields.opt_str(&receipt, "tianping_tx")? {
            let what = ("the receipt's file_hash", "回执中的 file_hash");
            match tianping::confirm(ctx, &tx, &receipt_hash, what).await? {
                Some(OnTianping::Confirmed { en: how, .. }) => {
                    judged.push((
                        "Tianping carries the receipt's digest",
                        "天平链记录与回执摘要一致",
                    ));
                    verdict_lines.push(("Tianping", how));
                }
                Some(OnTianping::Contradicted(why)) => failures.push(why),
                None => {}
            }
            verdict_lines.push(("source", tianping::source(ctx, Some(&tx))));
        }
    }
    let mut verdict = if failures.is_empty() {
        let (en, zh): (Vec<&str>, Vec<&str>) = judged.into_iter().unzip();
        Verdict::pass(en.join("; ")).zh(zh.join("；"))
    } else {
        Verdict::fail_listing(&failures)
    };
    for (label, value) in verdict_lines {
        verdict = verdict.with(label, value);
    }
    Ok(verdict)
}

/// Offline: the original named by the manifest is present, is what the manifest describes, and
/// hashes to the receipt's digest. (A digest that is the original's SHA-256 is consistent data
/// under the wrong algorithm: DC-001's finding, not this one.)
fn judge_record(info: &PackageInfo, record: &Record) -> Judgement {
    if let Some(why) = &record.unreadable {
        return Judgement::Nonconforming(why.clone());
    }
    let Ok(receipt) = record.receipt() else {
        return Judgement::Nonconforming("receipt missing".into());
    };
    let listed = record.entry["file_hash"].as_str().unwrap_or("(absent)");
    let in_receipt = info
        .fields
        .opt_str(receipt, "file_hash")
        .ok()
        .flatten()
        .unwrap_or("(absent)".into());
    let mut problems = Vec::new();
    if *in_receipt != *listed {
        problems.push(format!(
            "receipt file_hash {in_receipt} ≠ manifest file_hash {listed}"
        ));
    }
    if let (Some(sm3), Some(path)) = (record.original_sm3, &record.original_path) {
        let computed = hex::encode(sm3);
        let manifest_sm3 = record.entry["original_sm3"].as_str().unwrap_or("(absent)");
        if manifest_sm3 != computed {
            problems.push(format!(
                "original hashes to {computed}, the manifest lists {manifest_sm3}"
            ));
        }
        if record.entry["original_bytes"]
            .as_u64()
            .is_some_and(|n| n != record.original_bytes)
        {
            problems.push(format!(
                "original has {} bytes, the manifest lists {}",
                record.original_bytes, record.entry["original_bytes"]
            ));
        }
        let consistent = computed == in_receipt
            || tianping_engine::package::sha256_file(path).is_ok_and(|s| s == in_receipt);
        if !consistent {
            problems.push(format!("the original in the package (SM3 {computed}) does not match the receipt's digest {in_receipt}"));
        }
    }
    Judgement::from_problems(problems)
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
