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

use tianping_engine::fields::FieldMap;
use tianping_engine::package::{Judgement, PackageCheck, PackageInfo, Record};

use crate::common;
use crate::thresholds::{BLOCKS_TO_SAMPLE, RECEIPT_SIGNATURE_REQUIRED, TRANSACTIONS_TO_SAMPLE};

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "BC-003",
    suite: Suite::BlockchainSecurity,
    title_zh: "存证回执与交易的SM2签名可验证",
    title_en: "SM2 signatures on receipts and transactions verify",
    advice_zh: "回执与交易均以平台声明的SM2签名证书签名（Z值使用默认ID 1234567812345678），并确保签名可用该证书公钥验证。",
    advice_en: "Sign receipts and transactions with the platform's declared SM2 signing certificate (Z computed with the default ID 1234567812345678) so they verify with its public key.",
    clauses: &[
        Clause {
            source: "JR/T 0193-2020 §8.3 cryptography, §8.8 identity",
            zh: "JR/T 0193-2020 §8.3 密码，§8.8 身份",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "GB/T 39786-2021 8.4 h) non-repudiation",
            zh: "GB/T 39786-2021 8.4 h) 不可否认性",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "GM/T 0009 default distinguishing ID 1234567812345678",
            zh: "GM/T 0009 默认用户标识 1234567812345678",
            provenance: Provenance::Verified,
        },
    ],
    tianping_clause: None,
    severity: Severity::Critical,
    weight: 5,
    mode: Mode::Remote,
    active: false,
    faults: &["receipt-signature-invalid"],
    thresholds: &[
        BLOCKS_TO_SAMPLE,
        TRANSACTIONS_TO_SAMPLE,
        RECEIPT_SIGNATURE_REQUIRED,
    ],
};

pub const CHECK: CheckDef =
    CheckDef::remote(META, |ctx| Box::pin(run(ctx))).with_package(PackageCheck {
        judge: judge_record,
        what: "receipt signatures",
        accounts_for_records: false,
    });

/// The SEC1 public key inside a certificate (either SPKI form for SM2).
/// The SEC1 public key of the first certificate in `pem` (either SPKI form for SM2).
pub fn certificate_public_key(pem: &str) -> Result<(Vec<u8>, Vec<u8>), CheckError> {
    let der = common::pem_certificates(pem)?
        .into_iter()
        .next()
        .ok_or_else(|| CheckError::protocol("no certificate in the PEM text"))?;
    let (_, cert) = x509_parser::parse_x509_certificate(&der)
        .map_err(|e| CheckError::protocol(format!("certificate does not parse: {e}")))?;
    let key = cert.public_key().subject_public_key.data.to_vec();
    Ok((key, der))
}

fn receipt_values(
    fields: &FieldMap,
    receipt: &serde_json::Value,
) -> Result<[String; 11], CheckError> {
    let s = |field: &str| -> Result<String, CheckError> {
        Ok(fields
            .opt_str(receipt, field)?
            .map(|v| v.into_owned())
            .unwrap_or_default())
    };
    Ok([
        s("evidence_id")?,
        s("file_hash")?,
        // The canonical form names the algorithm; a receipt that leaves it out means SM3,
        // the only one the profile has.
        fields
            .opt_str(receipt, "hash_algorithm")?
            .map_or_else(|| "SM3".to_string(), |a| a.into_owned()),
        s("business_type")?,
        s("tx_id")?,
        // Absent (no local chain): signed as empty, like any absent field.
        match fields.get(receipt, "block_height") {
            Some(_) => fields.u64(receipt, "block_height")?.to_string(),
            None => String::new(),
        },
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

/// The receipt rule, shared by the live and package forms: the platform's SM2 signature over
/// the canonical receipt bytes (docs/profile.md §4.3) verifies under `key`.
pub fn verify_receipt(
    fields: &FieldMap,
    receipt: &serde_json::Value,
    key: &[u8],
) -> Result<(), String> {
    let values = receipt_values(fields, receipt).map_err(|e| e.to_string())?;
    let refs: [&str; 11] = std::array::from_fn(|i| values[i].as_str());
    let signed = canonical::receipt_signing_bytes(&refs).map_err(|e| e.to_string())?;
    let signature = fields
        .str(receipt, "receipt_signature")
        .map_err(|e| e.to_string())?;
    check_signature(key, &signed, &signature)
}

fn judge_record(info: &PackageInfo, record: &Record) -> Judgement {
    let receipt = match record.receipt() {
        Ok(r) => r,
        Err(e) => return Judgement::Nonconforming(e),
    };
    let key = info.memo("BC-003 platform signing key", || {
        info.fields
            .str(info.platform(), "platform_signing_certificate")
            .map_err(|e| e.to_string())
            .and_then(|pem| certificate_public_key(&pem).map_err(|e| e.to_string()))
    });
    let required = info.config.thresholds.unsigned(&RECEIPT_SIGNATURE_REQUIRED) == 1;
    if !required && info.fields.get(receipt, "receipt_signature").is_none() {
        return Judgement::NotExamined;
    }
    let verified = match key.as_ref() {
        Ok((key, _)) => verify_receipt(&info.fields, receipt, key),
        Err(e) => Err(e.clone()),
    };
    match verified {
        Ok(()) => Judgement::Conforms,
        Err(e) => Judgement::Nonconforming(format!("receipt signature: {e}")),
    }
}

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let info = common::platform_info(ctx).await?;
    let (receipt_key, cert) =
        certificate_public_key(&ctx.fields.str(&info, "platform_signing_certificate")?)?;
    let node_key = ctx
        .fields
        .opt_str(&info, "platform_node_public_key")?
        .map(|k| hex::decode(k.as_bytes()))
        .transpose()
        .map_err(|_| CheckError::Field {
            field: "node_public_key".into(),
            detail: "not hex".into(),
        })?;

    let mut failures = Vec::new();
    let mut examined = 0u64;

    let (_, receipt) = common::deposit(ctx, &common::lab_content(ctx, "BC-003")).await?;
    // A receipt signature is judged when the receipt carries one, or when the lab requires it.
    let required = ctx.config.thresholds.unsigned(&RECEIPT_SIGNATURE_REQUIRED) == 1;
    let signed = ctx.fields.get(&receipt, "receipt_signature").is_some();
    if signed || required {
        examined += 1;
        if let Err(e) = verify_receipt(&ctx.fields, &receipt, &receipt_key) {
            failures.push(format!(
                "receipt {}: {e}",
                ctx.fields
                    .opt_str(&receipt, "evidence_id")?
                    .unwrap_or("?".into())
            ));
        }
    }

    // Without a local chain there are no blocks or transactions of the platform's own.
    let heights = if ctx.config.architecture.local_chain {
        let n = ctx.config.thresholds.unsigned(&BLOCKS_TO_SAMPLE);
        common::chain_window(ctx, n, Some(&receipt), "BC-003")
            .await?
            .heights
    } else {
        Vec::new()
    };
    let mut tx_budget = ctx.config.thresholds.unsigned(&TRANSACTIONS_TO_SAMPLE);
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
            let tx = common::transaction(ctx, &tx_hex).await?;
            let signature = ctx.fields.str(&tx, "tx_signature")?;
            examined += 1;
            if let Err(e) = check_signature(&receipt_key, tx_id, &signature) {
                failures.push(format!("tx {tx_hex}: {e}"));
            }
        }
    }
    Ok(Verdict::from_samples(
        examined,
        &failures,
        (
            "signatures (receipt, blocks, transactions)",
            "签名（回执、区块、交易）",
        ),
    )
    .with(
        "receipt-signing certificate",
        common::describe_certificate(&cert),
    )
    .with("distinguishing ID", sm2sig::DEFAULT_DIST_ID)
    .with_threshold(
        "blocks_to_sample",
        ctx.config.thresholds.unsigned(&BLOCKS_TO_SAMPLE),
    )
    .with_threshold(
        "transactions_to_sample",
        ctx.config.thresholds.unsigned(&TRANSACTIONS_TO_SAMPLE),
    ))
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
