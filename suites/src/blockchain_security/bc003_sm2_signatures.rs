//! BC-003 — What the platform attests is signed and verifiable: the SM2 signature on a
//! fresh receipt verifies under the published receipt-signing certificate's key with the
//! GM/T 0009 default ID, as do the signatures on sampled deposit transactions and the node's
//! signatures on sampled blocks.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite, Verdict,
};
use tianping_profile::{canonical, sm2sig};

use crate::common;

pub const CHECK: CheckDef = CheckDef {
    meta: CheckMeta {
        id: "BC-003",
        suite: Suite::BlockchainSecurity,
        title_zh: "存证回执与交易的SM2签名可验证",
        title_en: "SM2 signatures on receipts and transactions verify",
        clauses: &[
            Clause {
                source: "JR/T 0193-2020 §8.3 cryptography, §8.8 identity",
                provenance: Provenance::Verified,
            },
            Clause {
                source: "GB/T 39786-2021 8.4 h) non-repudiation",
                provenance: Provenance::Verified,
            },
            Clause {
                source: "GM/T 0009 default distinguishing ID 1234567812345678",
                provenance: Provenance::Verified,
            },
        ],
        tianping_clause: None,
        severity: Severity::Critical,
        weight: 5,
        mode: Mode::Remote,
        active: false,
        fault: "receipt-signature-invalid",
    },
    run: |ctx| Box::pin(run(ctx)),
};

/// The SEC1 public key inside a certificate (either SPKI form for SM2).
fn certificate_public_key(der: &[u8]) -> Result<Vec<u8>, CheckError> {
    let (_, cert) = x509_parser::parse_x509_certificate(der)
        .map_err(|e| CheckError::protocol(format!("signing certificate does not parse: {e}")))?;
    Ok(cert.public_key().subject_public_key.data.to_vec())
}

fn receipt_values(ctx: &Ctx, receipt: &serde_json::Value) -> Result<[String; 11], CheckError> {
    let s = |field: &str| -> Result<String, CheckError> {
        Ok(ctx
            .fields
            .opt_str(receipt, field)?
            .unwrap_or("")
            .to_string())
    };
    Ok([
        s("evidence_id")?,
        s("file_hash")?,
        s("hash_algorithm")?,
        s("business_type")?,
        s("tx_id")?,
        ctx.fields.u64(receipt, "block_height")?.to_string(),
        s("block_hash")?,
        s("tx_time")?,
        s("tianping_tx")?,
        s("timestamp_tsa")?,
        s("organization")?,
    ])
}

fn check_signature(public_key: &[u8], message: &[u8], signature_b64: &str) -> Result<(), String> {
    let signature = B64
        .decode(signature_b64)
        .map_err(|_| "signature is not base64".to_string())?;
    match sm2sig::verify(public_key, sm2sig::DEFAULT_DIST_ID, message, &signature) {
        Ok(sm2sig::SignatureEncoding::Der) => Ok(()),
        Ok(sm2sig::SignatureEncoding::RawRs) => {
            Err("verifies, but is raw r||s instead of DER".into())
        }
        Err(e) => Err(e.to_string()),
    }
}

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let info = common::platform_info(ctx).await?;
    let cert_pem = ctx.fields.str(&info, "platform_signing_certificate")?;
    let cert = common::pem_certificates(cert_pem)?
        .into_iter()
        .next()
        .ok_or_else(|| CheckError::protocol("no receipt-signing certificate published"))?;
    let receipt_key = certificate_public_key(&cert)?;
    let node_key = ctx
        .fields
        .opt_str(&info, "platform_node_public_key")?
        .map(hex::decode)
        .transpose()
        .map_err(|_| CheckError::protocol("node_public_key is not hex"))?;

    let mut failures = Vec::new();
    let mut examined = 0u64;

    let (_, receipt) = common::deposit(ctx, &common::lab_content(ctx, "BC-003")).await?;
    let values = receipt_values(ctx, &receipt)?;
    let refs: [&str; 11] = std::array::from_fn(|i| values[i].as_str());
    let signed =
        canonical::receipt_signing_bytes(&refs).map_err(|e| CheckError::protocol(e.to_string()))?;
    examined += 1;
    if let Err(e) = check_signature(
        &receipt_key,
        &signed,
        ctx.fields.str(&receipt, "receipt_signature")?,
    ) {
        failures.push(format!("receipt {}: {e}", values[0]));
    }

    let heights = common::newest_heights(ctx, ctx.config.thresholds.blocks_to_sample).await?;
    let mut tx_budget = ctx.config.thresholds.transactions_to_sample;
    for &h in heights.iter().rev() {
        let block = common::fetch_block(ctx, h).await?;
        if let Some(node_key) = &node_key {
            examined += 1;
            match sm2sig::verify(
                node_key,
                sm2sig::DEFAULT_DIST_ID,
                &block.hash,
                &block.signature,
            ) {
                Ok(sm2sig::SignatureEncoding::Der) => {}
                Ok(_) => failures.push(format!("block {h}: signature is raw r||s, not DER")),
                Err(e) => failures.push(format!("block {h}: node signature {e}")),
            }
        }
        for tx_id in block.tx_ids.iter().take(tx_budget as usize) {
            tx_budget -= 1;
            let tx_hex = hex::encode(tx_id);
            let (_, tx) = ctx.get_json(&common::paths::tx(&tx_hex)).await?;
            let signature = ctx.fields.str(&tx, "tx_signature")?;
            examined += 1;
            if let Err(e) = check_signature(&receipt_key, tx_id, signature) {
                failures.push(format!("tx {tx_hex}: {e}"));
            }
        }
    }
    Ok(Verdict::from_samples(
        examined,
        &failures,
        "signatures (receipt, blocks, transactions)",
    )
    .with(
        "receipt-signing certificate",
        common::describe_certificate(&cert),
    )
    .with("distinguishing ID", sm2sig::DEFAULT_DIST_ID)
    .with_threshold("blocks_to_sample", ctx.config.thresholds.blocks_to_sample)
    .with_threshold(
        "transactions_to_sample",
        ctx.config.thresholds.transactions_to_sample,
    ))
}
