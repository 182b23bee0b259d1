//! CERT-004 — A TLCP endpoint presents two certificates, as GB/T 38636 requires: a signing
//! certificate and an encryption certificate for the same subject, with different keys and
//! KeyUsage split by role; and, where it negotiates an ECC SM2 suite, it proves it holds both
//! keys in a full handshake (its ServerKeyExchange verifies with the signing certificate, and
//! it decrypts the pre-master secret sent under the encryption certificate, so Finished
//! verifies).

use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Mode, Problem, Provenance, Severity, Suite,
    Verdict,
};
use x509_parser::prelude::*;

use crate::common;
use crate::tls_probe::{self, GM_SUITES, TlcpResult};

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "CERT-004",
    suite: Suite::Certificates,
    title_zh: "TLCP使用签名与加密双证书并持有其密钥",
    title_en: "TLCP presents a signing and an encryption certificate and holds their keys",
    advice_zh: "TLCP服务同时配置签名证书与加密证书，密钥用法各自正确，并使用与证书对应的签名私钥和加密私钥。",
    advice_en: "Configure the TLCP service with both a signing and an encryption certificate, each with the right KeyUsage, and the private keys that belong to them.",
    clauses: &[
        Clause {
            source: "GB/T 38636-2020: TLCP dual-certificate design",
            zh: "GB/T 38636-2020：TLCP 双证书体系",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "GM/T 0015: KeyUsage of signing and encryption certificates",
            zh: "GM/T 0015：签名证书与加密证书的密钥用法",
            provenance: Provenance::Known,
        },
    ],
    tianping_clause: None,
    severity: Severity::Medium,
    weight: 2,
    mode: Mode::Remote,
    active: false,
    faults: &[
        "tlcp-one-certificate",
        "tlcp-key-exchange-wrong-key",
        "tlcp-encryption-key-mismatch",
        "tlcp-certificates-swapped",
        "tlcp-finished-wrong",
    ],
    thresholds: &[],
};

pub const CHECK: CheckDef = CheckDef::remote(META, |ctx| Box::pin(run(ctx))).transport_only();

/// International suites offered beside the GM ones, so the certificates are seen even from
/// a TLCP endpoint without GM suites (that is CERT-005's finding, not this check's).
const FALLBACK_SUITES: [u16; 2] = [0x002F, 0x0035];

fn key_usage(cert: &X509Certificate<'_>) -> Option<KeyUsage> {
    cert.key_usage().ok().flatten().map(|k| *k.value)
}

/// Problems with a TLCP certificate pair (signing first, encryption second).
pub fn dual_certificate_problems(certificates: &[Vec<u8>]) -> Vec<Problem> {
    let [sign, enc, ..] = certificates else {
        let n = certificates.len();
        return vec![Problem::new(
            format!(
                "{n} certificate(s) presented; TLCP needs a signing and an encryption certificate"
            ),
            format!("仅提供 {n} 张证书；TLCP 需要签名证书和加密证书各一张"),
        )];
    };
    let (Ok((_, sign)), Ok((_, enc))) = (
        X509Certificate::from_der(sign),
        X509Certificate::from_der(enc),
    ) else {
        return vec![Problem::new(
            "a presented certificate does not parse",
            "所提供的证书无法解析",
        )];
    };
    let mut problems = Vec::new();
    if sign.subject().as_raw() != enc.subject().as_raw() {
        let (a, b) = (sign.subject(), enc.subject());
        problems.push(Problem::new(
            format!("subjects differ: \"{a}\" and \"{b}\""),
            format!("两张证书的主体不同：\"{a}\" 与 \"{b}\""),
        ));
    }
    if sign.public_key().raw == enc.public_key().raw {
        problems.push(Problem::new(
            "both certificates carry the same key",
            "两张证书使用同一密钥",
        ));
    }
    match key_usage(&sign) {
        Some(ku) if ku.digital_signature() => {}
        _ => problems.push(Problem::new(
            "the signing certificate lacks digitalSignature",
            "签名证书缺少 digitalSignature 密钥用法",
        )),
    }
    match key_usage(&enc) {
        Some(ku) if ku.key_encipherment() || ku.key_agreement() || ku.data_encipherment() => {}
        _ => problems.push(Problem::new(
            "the encryption certificate lacks keyEncipherment, keyAgreement or dataEncipherment",
            "加密证书缺少 keyEncipherment、keyAgreement 或 dataEncipherment 密钥用法",
        )),
    }
    problems
}

/// Whether a full handshake shows the server holds its certificates' keys.
enum Possession {
    /// The handshake completed: the key exchange signature and Finished verified.
    Proven(tianping_tlcp::HandshakeInfo),
    /// The handshake shows it does not.
    Disproved(Problem),
    /// The handshake could not be run to a decision.
    Undecided(String),
    /// Not asked: the suite is one the harness's client does not implement.
    NotExamined(String),
}

/// Runs a full handshake when the endpoint chose an ECC SM2 suite the harness's client
/// implements; ECDHE and non-GM suites (CERT-005's finding) are not examined.
async fn key_possession(ctx: &Ctx, host: &str, port: u16, suite: u16) -> Possession {
    match tianping_tlcp::CipherSuite::from_code(suite) {
        None => {
            return Possession::NotExamined(format!(
                "the endpoint chose suite {suite:#06x}, which the harness's TLCP client does \
                 not implement"
            ));
        }
        // The SM2 key exchange of ECDHE needs the client's certificate pair: without one
        // configured, the run cannot complete it.
        Some(chosen) if chosen.is_ecdhe() && !ctx.http.has_tlcp_identity() => {
            return Possession::NotExamined(format!(
                "the endpoint chose {chosen}, whose key exchange needs a client certificate \
                 pair, and the adapter configures none ([tlcp_client_certificate])"
            ));
        }
        Some(_) => {}
    }
    match ctx
        .http
        .tlcp_handshake(host, port, &tianping_tlcp::CipherSuite::ALL)
        .await
    {
        Ok(Ok(info)) => Possession::Proven(info),
        Ok(Err(e @ tianping_tlcp::TlcpError::BadKeyExchangeSignature(_))) => {
            Possession::Disproved(Problem::new(
                format!("the server does not prove it holds the signing certificate's key: {e}"),
                format!("服务器未能证明其持有签名证书的私钥：“{e}”"),
            ))
        }
        Ok(Err(e @ tianping_tlcp::TlcpError::KeyExchangeNotDecrypted(_))) => {
            Possession::Disproved(Problem::new(
                format!("the server does not hold its encryption certificate's key: {e}"),
                format!("服务器未持有加密证书的私钥：“{e}”"),
            ))
        }
        Ok(Err(tianping_tlcp::TlcpError::BadFinished)) => Possession::Disproved(Problem::new(
            "the server's Finished does not verify: it did not derive its keys from the \
             pre-master secret sent under its encryption certificate, or it computes Finished \
             wrongly; either way the handshake does not prove the keys",
            "服务器的 Finished 消息验证失败：其密钥并非由以加密证书公钥加密的预主密钥导出，或Finished计算错误；握手不能证明其持有密钥",
        )),
        Ok(Err(e)) => Possession::Undecided(e.to_string()),
        Err(e) => Possession::Undecided(e.to_string()),
    }
}

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let (host, port) = (ctx.api_host(), ctx.api_port());
    let offered: Vec<u16> = GM_SUITES
        .iter()
        .map(|(code, _)| *code)
        .chain(FALLBACK_SUITES)
        .collect();
    let (suite, certificates) = match tls_probe::tlcp_probe(ctx, &host, port, &offered).await {
        TlcpResult::Accepted {
            suite,
            certificates,
        } => (suite, certificates),
        TlcpResult::Refused(why) => {
            // "Does not accept TLCP" needs an endpoint that answers TLS at all.
            if let Err(silent) = tls_probe::answers_tls(ctx, &host, port, &host).await {
                return Ok(Verdict::inconclusive(silent.clone()).zh(format!("无法判定：{silent}")));
            }
            return Ok(Verdict::not_applicable(format!(
                "{host}:{port} does not accept TLCP ({why})"
            ))
            .zh(format!("{host}:{port} 不接受TLCP（{why}）")));
        }
        TlcpResult::Inconclusive(why) => {
            return Ok(Verdict::inconclusive(why.clone()).zh(format!("无法判定：{why}")));
        }
    };
    let mut problems = dual_certificate_problems(&certificates);
    let possession = if problems.is_empty() {
        key_possession(ctx, &host, port, suite).await
    } else {
        Possession::NotExamined("the certificates already fail".into())
    };
    if let Possession::Disproved(problem) = &possession {
        problems.push(problem.clone());
    }
    let verdict = match &possession {
        _ if !problems.is_empty() => Verdict::fail_listing(&problems),
        Possession::Undecided(why) => Verdict::inconclusive(format!(
            "the certificates conform, but the full TLCP handshake did not complete, so key \
             possession is not shown: {why}"
        ))
        .zh(format!(
            "证书符合要求，但完整的TLCP握手未能完成，无法证明服务器持有相应私钥：{why}"
        )),
        Possession::Proven(_) => Verdict::pass(
            "TLCP presents a signing and an encryption certificate, same subject, different \
             keys, and a full handshake proves the server holds both keys",
        )
        .zh("TLCP提供签名证书与加密证书，主体相同、密钥不同，完整握手证明服务器持有两把私钥"),
        Possession::NotExamined(why) => Verdict::pass(format!(
            "TLCP presents a signing and an encryption certificate, same subject, different \
             keys (key possession not examined: {why})"
        ))
        .zh(format!(
            "TLCP提供签名证书与加密证书，主体相同、密钥不同（未检验私钥持有：{why}）"
        )),
        Possession::Disproved(_) => unreachable!("a disproof is a problem"),
    };
    let mut verdict = verdict.with("TLCP suite selected", format!("{suite:#06x}"));
    verdict = match &possession {
        Possession::Proven(info) => verdict.with(
            "full handshake",
            if info.suite.is_ecdhe() {
                format!(
                    "{}: ServerKeyExchange (its ephemeral key) verified with the signing \
                     certificate; Finished verified, so the server completed the SM2 key \
                     exchange with the encryption certificate's key (client pair presented)",
                    info.suite
                )
            } else {
                format!(
                    "{}: ServerKeyExchange verified with the signing certificate; Finished \
                     verified, so the server decrypted the pre-master secret sent under the \
                     encryption certificate",
                    info.suite
                )
            },
        ),
        Possession::Disproved(p) => verdict.with("full handshake", p.en.clone()),
        Possession::Undecided(why) | Possession::NotExamined(why) => {
            verdict.with("full handshake", why.clone())
        }
    };
    for (i, der) in certificates.iter().enumerate() {
        let role = if i == 0 { "signing" } else { "encryption" };
        verdict = verdict.with(
            format!("{role} certificate"),
            common::describe_certificate(der),
        );
    }
    Ok(verdict)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_pair_conforms_and_a_lone_or_swapped_certificate_does_not() {
        let pki =
            tianping_fixtures::pki::ReferencePki::generate(&tianping_fixtures::Faults::none());
        let (sign, enc) = (
            pki.tlcp_sign_cert_der.clone(),
            pki.tlcp_enc_cert_der.clone(),
        );
        assert_eq!(
            dual_certificate_problems(&[sign.clone(), enc.clone()]),
            Vec::<Problem>::new()
        );
        assert!(
            dual_certificate_problems(std::slice::from_ref(&sign))[0]
                .en
                .contains("1 certificate")
        );
        let swapped = dual_certificate_problems(&[enc.clone(), sign.clone()]);
        assert!(
            swapped
                .iter()
                .any(|p| p.en.contains("lacks digitalSignature")),
            "{swapped:?}"
        );
        let same = dual_certificate_problems(&[sign.clone(), sign]);
        assert!(same.iter().any(|p| p.en.contains("same key")), "{same:?}");
    }
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
