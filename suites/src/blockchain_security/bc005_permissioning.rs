//! BC-005 — The network is permissioned: a well-formed deposit transaction, correctly signed,
//! but by a key the chain never registered, is refused. (Node admission without CA approval
//! needs the applicant's test network; the lab notes it in the report.)

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::json;
use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite, Verdict,
};
use tianping_profile::{canonical, digest, sm2sig};

use crate::common;
use tianping_engine::Operation;

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "BC-005",
    suite: Suite::BlockchainSecurity,
    title_zh: "联盟链准入控制",
    title_en: "The network is permissioned",
    advice_zh: "仅接受已注册身份签名的交易与经CA批准的节点，拒绝未注册密钥提交的交易。",
    advice_en: "Accept transactions only from registered identities and nodes only with CA approval; refuse transactions signed by unregistered keys.",
    clauses: &[
        Clause {
            source: "JR/T 0193-2020 §6.8/§8.8 membership and identity",
            zh: "JR/T 0193-2020 §6.8/§8.8 成员与身份管理",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "CCID indicators: unauthenticated participants must be refused",
            zh: "赛迪（CCID）评测指标：未经认证的参与方必须被拒绝",
            provenance: Provenance::Verified,
        },
    ],
    tianping_clause: None,
    severity: Severity::Critical,
    weight: 4,
    mode: Mode::Remote,
    active: true,
    faults: &["unregistered-key-accepted"],
    thresholds: &[],
};

pub const CHECK: CheckDef =
    CheckDef::remote(META, |ctx| Box::pin(run(ctx))).with_applies(common::needs_local_chain);

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    // A key made for this probe only: no chain can have registered it.
    let nonce = ctx.nonce();
    let key = sm2sig::signing_key_from_seed(
        sm2sig::DEFAULT_DIST_ID,
        format!("BC-005 probe {nonce}").as_bytes(),
    );
    let submitted_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let (evidence_id, file_hash) = (
        format!("BC005-{}", &nonce[..16]),
        digest::sm3_hex(&common::lab_content(ctx, "BC-005")),
    );
    let depositor_digest = digest::sm3_hex(b"BC-005 probe depositor");
    let fields = canonical::TxFields {
        evidence_id: &evidence_id,
        file_hash: &file_hash,
        business_type: &ctx.config.deposit.business_type,
        depositor_digest: &depositor_digest,
        submitted_at: &submitted_at,
    };
    let tx_id = canonical::tx_id(&fields).map_err(|e| CheckError::protocol(e.to_string()))?;
    let body = json!({
        "evidence_id": evidence_id,
        "file_hash": file_hash,
        "business_type": ctx.config.deposit.business_type,
        "depositor_digest": depositor_digest,
        "submitted_at": submitted_at,
        "signer_public_key": hex::encode(sm2sig::public_key_bytes(&key)),
        "signature": B64.encode(sm2sig::sign_der(&key, &tx_id)),
    });
    let probe = common::DenialProbe {
        operation: Operation::ChainSubmit,
        endpoint: "transaction submission",
        endpoint_zh: "交易提交",
        request: "a transaction signed by an unregistered key",
        request_zh: "由未登记密钥签名的交易",
    };
    let (verdict, ex) = common::expect_denial(ctx, &probe, body).await?;
    Ok(verdict
        .with(
            "submission",
            ex.map_or_else(|| "not sent".into(), |ex| ex.excerpt()),
        )
        .with("probe tx_id", hex::encode(tx_id)))
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
