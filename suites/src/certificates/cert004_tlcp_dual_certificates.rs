//! CERT-004 — A TLCP endpoint presents two certificates, as GB/T 38636 requires: a signing
//! certificate and an encryption certificate for the same subject, with different keys and
//! KeyUsage split by role.

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
    title_zh: "TLCP使用签名与加密双证书",
    title_en: "TLCP presents a signing and an encryption certificate",
    advice_zh: "TLCP服务同时配置签名证书与加密证书，密钥用法各自正确。",
    advice_en: "Configure the TLCP service with both a signing and an encryption certificate, each with the right KeyUsage.",
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
    faults: &["tlcp-one-certificate"],
    thresholds: &[],
};

pub const CHECK: CheckDef = CheckDef::remote(META, |ctx| Box::pin(run(ctx)));

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
    let problems = dual_certificate_problems(&certificates);
    let verdict = if problems.is_empty() {
        Verdict::pass(
            "TLCP presents a signing and an encryption certificate, same subject, different keys",
        )
        .zh("TLCP提供签名证书与加密证书，主体相同、密钥不同")
    } else {
        Verdict::fail_listing(&problems)
    };
    let mut verdict = verdict.with("TLCP suite selected", format!("{suite:#06x}"));
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
