//! BC-004 — The chain uses the national cryptographic suite: the platform declares SM3 and
//! SM3withSM2, and the certificates behind its signatures are SM2 certificates signed with
//! SM3withSM2.

use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite, Verdict,
};
use x509_parser::prelude::*;

use crate::common;
use tianping_engine::Problem;

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "BC-004",
    suite: Suite::BlockchainSecurity,
    title_zh: "采用国密算法体系",
    title_en: "The chain uses the national crypto suite",
    advice_zh: "链上签名、哈希与节点证书统一采用SM2/SM3（加密采用SM4），停止使用非国密算法。",
    advice_en: "Use SM2/SM3 (and SM4 for encryption) for on-chain signatures, hashes and node certificates; stop using non-national algorithms.",
    clauses: &[
        Clause {
            source: "JR/T 0184-2020 cryptographic algorithms",
            zh: "JR/T 0184-2020 密码算法",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "GB/T 39786-2021 general rule: national cryptographic algorithms",
            zh: "GB/T 39786-2021 通用要求：采用国产密码算法",
            provenance: Provenance::Known,
        },
    ],
    tianping_clause: None,
    severity: Severity::High,
    weight: 4,
    mode: Mode::Remote,
    active: false,
    faults: &["declares-non-sm-crypto"],
    thresholds: &[],
};

pub const CHECK: CheckDef = CheckDef::remote(META, |ctx| Box::pin(run(ctx)));

const SM3_WITH_SM2: &str = "1.2.156.10197.1.501";

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let info = common::platform_info(ctx).await?;
    let hash = ctx.fields.str(&info, "platform_hash_algorithm")?;
    let signature = ctx.fields.str(&info, "platform_signature_algorithm")?;
    let mut failures = Vec::new();
    if !hash.eq_ignore_ascii_case("SM3") {
        failures.push(Problem::new(
            format!("declared hash algorithm is {hash}, not SM3"),
            format!("声明的哈希算法为 {hash}，不是 SM3"),
        ));
    }
    if !signature.eq_ignore_ascii_case("SM3withSM2") {
        failures.push(Problem::new(
            format!("declared signature algorithm is {signature}, not SM3withSM2"),
            format!("声明的签名算法为 {signature}，不是 SM3withSM2"),
        ));
    }
    let certs = common::platform_sm2_certificates(ctx).await?;
    for (role, der) in &certs {
        let role_zh = common::certificate_role_zh(role);
        match X509Certificate::from_der(der) {
            Ok((_, c)) if c.signature_algorithm.algorithm.to_id_string() == SM3_WITH_SM2 => {}
            Ok((_, c)) => {
                let alg = c.signature_algorithm.algorithm.to_id_string();
                failures.push(Problem::new(
                    format!("{role} certificate is signed with {alg}, not SM3withSM2"),
                    format!("{role_zh}证书的签名算法为 {alg}，不是 SM3withSM2"),
                ))
            }
            Err(e) => failures.push(Problem::new(
                format!("{role} certificate does not parse: {e}"),
                format!("{role_zh}证书无法解析：{e}"),
            )),
        }
    }
    let verdict = if failures.is_empty() {
        Verdict::pass(format!(
            "SM3 and SM3withSM2 declared; {} certificates signed with SM3withSM2",
            certs.len()
        ))
        .zh(format!(
            "已声明SM3与SM3withSM2；{} 张证书以SM3withSM2签名",
            certs.len()
        ))
    } else {
        Verdict::fail_listing(&failures)
    };
    Ok(verdict
        .with("declared hash algorithm", hash)
        .with("declared signature algorithm", signature))
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
