//! DC-003 — The off-chain original and the chain agree: the original the platform hands back
//! is byte for byte what was deposited, and the local-chain transaction named by the receipt
//! carries the receipt's digest. With DC-001 (the receipt's digest is SM3 of what was
//! deposited) this closes original = receipt = chain; the Tianping leg is BC-010.

use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Method, Mode, Provenance, Severity, Suite,
    Verdict,
};
use tianping_profile::digest;

use crate::common;

pub const CHECK: CheckDef = CheckDef {
    meta: CheckMeta {
        id: "DC-003",
        suite: Suite::DataCompliance,
        title_zh: "链下原文与链上存证一致",
        title_en: "Off-chain original agrees with the chain",
        clauses: &[
            Clause {
                source: "在线诉讼规则 (2021) Art. 16: technical verification shows consistency",
                provenance: Provenance::Verified,
            },
            Clause {
                source: "SPC 2022 Opinions on blockchain judicial application: evidence verification",
                provenance: Provenance::Verified,
            },
        ],
        tianping_clause: None,
        severity: Severity::Critical,
        weight: 5,
        mode: Mode::Remote,
        active: false,
        fault: "original-altered",
    },
    run: |ctx| Box::pin(run(ctx)),
};

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let content = common::lab_content(ctx, "DC-003");
    let (_, receipt) = common::deposit(ctx, &content).await?;
    let id = ctx.fields.str(&receipt, "evidence_id")?;
    let receipt_hash = ctx.fields.str(&receipt, "file_hash")?.to_string();
    let tx_id = ctx.fields.str(&receipt, "tx_id")?.to_string();
    let fetched = ctx
        .signed(
            Method::GET,
            &format!("{}/original", common::paths::evidence(id)),
            None,
        )
        .await?;
    tianping_engine::context::expect_success(&fetched)?;
    let (_, tx) = ctx.get_json(&common::paths::tx(&tx_id)).await?;
    let chain_hash = ctx.fields.str(&tx, "tx_file_hash")?.to_string();

    let deposited = digest::sm3_hex(&content);
    let returned = digest::sm3_hex(&fetched.body);
    let mut failures = Vec::new();
    if fetched.body != content {
        failures.push(format!("the original returned ({} bytes, SM3 {returned}) is not what was deposited ({} bytes, SM3 {deposited})", fetched.body.len(), content.len()));
    }
    if chain_hash != receipt_hash {
        failures.push(format!(
            "chain transaction {tx_id} carries {chain_hash} ≠ receipt file_hash {receipt_hash}"
        ));
    }
    let verdict = if failures.is_empty() {
        Verdict::pass(
            "the original comes back unchanged and the chain carries the receipt's digest",
        )
    } else {
        Verdict::fail(failures.join("; "))
    };
    Ok(verdict
        .with("SM3 of deposited content", deposited)
        .with("SM3 of returned original", returned)
        .with("receipt file_hash", receipt_hash)
        .with("chain tx file_hash", chain_hash))
}
