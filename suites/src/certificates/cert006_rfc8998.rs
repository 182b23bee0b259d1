//! CERT-006 — Offered only the RFC 8998 suites (TLS_SM4_GCM_SM3, TLS_SM4_CCM_SM3) with
//! sm2sig_sm3 and curveSM2, the endpoint either negotiates TLS 1.3 with one of them or refuses
//! cleanly. Support is optional; a reply that breaks the protocol is the finding.

use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite, Verdict,
};

use crate::tls_probe::{self, Rfc8998Result};

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "CERT-006",
    suite: Suite::Certificates,
    title_zh: "TLS 1.3国密套件（如提供）行为正确",
    title_en: "TLS 1.3 with GM algorithms, if offered, behaves correctly",
    advice_zh: "TLS 1.3国密套件要么按RFC 8998正确协商并以证书对应私钥签署CertificateVerify，要么以标准告警明确拒绝，不得选择客户端未提供的套件。",
    advice_en: "Either negotiate the RFC 8998 suites correctly in TLS 1.3, signing the CertificateVerify with the key of the certificate presented, or refuse them with a proper alert; never select a suite the client did not offer.",
    clauses: &[
        Clause {
            source: "RFC 8998: TLS_SM4_GCM_SM3 0x00C6, TLS_SM4_CCM_SM3 0x00C7",
            zh: "RFC 8998：套件 TLS_SM4_GCM_SM3 0x00C6 与 TLS_SM4_CCM_SM3 0x00C7",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "RFC 8446 §4.1.3: a server selects only a suite the client offered",
            zh: "RFC 8446 §4.1.3：服务器只能选择客户端提供的密码套件",
            provenance: Provenance::Known,
        },
        Clause {
            source: "RFC 8998 §3.2.1 with RFC 8446 §4.4.3: the CertificateVerify is an sm2sig_sm3 signature, identifier \"TLSv1.3+GM+Cipher+Suite\", by the key of the certificate presented",
            zh: "RFC 8998 §3.2.1及RFC 8446 §4.4.3：CertificateVerify为sm2sig_sm3签名（标识“TLSv1.3+GM+Cipher+Suite”），由所出示证书的私钥签署",
            provenance: Provenance::Known,
        },
        Clause {
            source: "RFC 8446 §4.4.4: the Finished MAC over the handshake verifies",
            zh: "RFC 8446 §4.4.4：Finished消息对握手过程的MAC校验通过",
            provenance: Provenance::Known,
        },
    ],
    tianping_clause: None,
    severity: Severity::Low,
    weight: 1,
    mode: Mode::Remote,
    active: false,
    faults: &[
        "rfc8998-wrong-suite",
        "rfc8998-certificate-verify-wrong-key",
    ],
    thresholds: &[],
};

pub const CHECK: CheckDef = CheckDef::remote(META, |ctx| Box::pin(run(ctx)))
    .with_applies(speaks_tls)
    .transport_only();

/// RFC 8998 profiles TLS 1.3: an API the lab configured as TLCP-only has none to examine.
fn speaks_tls(config: &tianping_engine::Config) -> tianping_engine::check::Applicability {
    use tianping_engine::check::{Applicability, Reason};
    if config.target.transport == tianping_engine::config::Transport::Tlcp {
        Applicability::NotApplicable(
            Reason::new(
                "the API is served over TLCP (target.transport = \"tlcp\"): RFC 8998's TLS 1.3 \
                 suites do not apply, and national cryptography in transit is CERT-005's",
            )
            .zh("接口经TLCP提供（target.transport = \"tlcp\"）：RFC 8998的TLS 1.3套件不适用，传输中的国密算法由CERT-005判定"),
        )
    } else {
        Applicability::Applies
    }
}

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let (host, port) = (ctx.api_host(), ctx.api_port());
    let verdict = match tls_probe::rfc8998_probe(ctx, &host, port, &host).await {
        Rfc8998Result::Accepted(suite) => full_handshake(ctx, &host, port, suite).await,
        // A refusal counts only from an endpoint that completes an ordinary TLS handshake in
        // the same run: one that speaks no TLS at all refuses everything.
        Rfc8998Result::Refused(how) => match ctx.http.peer_tls(&host, port, &host).await {
            Ok(peer) => Verdict::pass(format!(
                "RFC 8998 suites are not offered, and the endpoint refuses them cleanly ({how})"
            ))
            .zh(format!("未提供RFC 8998套件，端点正确拒绝（{how}）"))
            .with(
                "control",
                format!(
                    "an ordinary handshake completes ({} {})",
                    peer.protocol, peer.cipher_suite
                ),
            ),
            // An endpoint that speaks TLCP instead of TLS: RFC 8998 profiles TLS 1.3, so it
            // does not apply, and a completed TLCP handshake is the proof of what it speaks.
            Err(e) => match ctx
                .http
                .tlcp_handshake(&host, port, &tianping_tlcp::CipherSuite::ALL)
                .await
            {
                Ok(Ok(info)) => Verdict::not_applicable(format!(
                    "the endpoint speaks TLCP, not TLS (a TLCP handshake completes with {}; TLS \
                     is refused: {e}): RFC 8998's TLS 1.3 suites do not apply, and national \
                     cryptography in transit is CERT-005's",
                    info.suite
                ))
                .zh(format!(
                    "该端点使用TLCP而非TLS（TLCP握手以 {} 完成；TLS被拒绝：{e}）：RFC 8998的TLS 1.3套件不适用，传输中的国密算法由CERT-005判定",
                    info.suite
                )),
                _ => Verdict::inconclusive(format!(
                    "the RFC 8998 hello was refused ({how}), but no ordinary TLS handshake \
                     completes either ({e}), so the refusal proves nothing"
                )).zh(format!("RFC 8998的ClientHello被拒绝（{how}），但普通TLS握手也无法完成（{e}），该拒绝不能说明问题")),
            },
        },
        Rfc8998Result::Violation(what) => Verdict::fail_listing(std::slice::from_ref(&what)),
        Rfc8998Result::Inconclusive(why) => Verdict::inconclusive(why.clone()).zh(format!("无法判定：{why}")),
    };
    Ok(verdict.with(
        "offered",
        "TLS 1.3 only; suites 0x00C6, 0x00C7; sm2sig_sm3 (0x0708); curveSM2 (41)",
    ))
}

/// The server's ServerHello chose an RFC 8998 suite: a full handshake decides whether it
/// proves its key (CertificateVerify) and agrees on the keys (Finished).
async fn full_handshake(ctx: &Ctx, host: &str, port: u16, hello_suite: u16) -> Verdict {
    use tianping_tlcp::rfc8998::{Rfc8998Error, suite_name};
    let why_not = match ctx.http.rfc8998_handshake(host, port, host).await {
        Ok(Ok(handshake)) => {
            return Verdict::pass(format!(
                "a TLS 1.3 handshake completes with RFC 8998 suite {} ({:#06x}) on curveSM2; \
                 the server's sm2sig_sm3 CertificateVerify verifies with the key of the \
                 certificate it presented, and its Finished verifies",
                handshake.suite_name(),
                handshake.suite
            ))
            .zh(format!(
                "TLS 1.3握手以RFC 8998套件 {}（{:#06x}）在curveSM2上完成；服务器的sm2sig_sm3 CertificateVerify经其所出示证书的公钥验证通过，Finished校验通过",
                handshake.suite_name(),
                handshake.suite
            ))
            .with("suite", handshake.suite_name())
            .with("certificates presented", handshake.certificates.len().to_string());
        }
        Ok(Err(Rfc8998Error::BadCertificateVerify(why))) => {
            return Verdict::fail(format!(
                "the server does not prove it holds the key of the certificate it presents: \
                 {why}"
            ))
            .zh(format!(
                "服务器未能证明其持有所出示证书的私钥：CertificateVerify未通过（{}）",
                why.zh()
            ));
        }
        Ok(Err(Rfc8998Error::BadFinished)) => {
            return Verdict::fail(
                "the server's Finished does not verify: its handshake keys or transcript differ \
                 from the client's",
            )
            .zh("服务器的Finished校验失败：其握手密钥或握手记录与客户端不一致");
        }
        Ok(Err(e)) => e.to_string(),
        Err(e) => e.to_string(),
    };
    Verdict::inconclusive(format!(
        "the ServerHello chose RFC 8998 suite {hello_suite:#06x}, but a full handshake did not \
         complete ({why_not}), so whether the server proves its key is undecided"
    ))
    .zh(format!(
        "ServerHello选择了RFC 8998套件 {hello_suite:#06x}，但完整握手未能完成（{why_not}），无法判定服务器是否证明持有私钥"
    ))
    .with("suite chosen", suite_name(hello_suite))
}

#[cfg(test)]
mod tests {
    use crate::tls_probe::{Rfc8998Result, classify_rfc8998};

    fn server_hello(version: [u8; 2], suite: [u8; 2], tls13: bool) -> Vec<u8> {
        let mut body = version.to_vec();
        body.extend([9u8; 32]);
        body.push(0);
        body.extend(suite);
        body.push(0);
        let exts: Vec<u8> = if tls13 {
            vec![0, 0x2b, 0, 2, 3, 4]
        } else {
            vec![]
        };
        body.extend((exts.len() as u16).to_be_bytes());
        body.extend(exts);
        let mut hs = vec![0x02, 0, 0, body.len() as u8];
        hs.extend(body);
        let mut rec = vec![0x16, 3, 3, 0, hs.len() as u8];
        rec.extend(hs);
        rec
    }

    #[test]
    fn replies_are_judged_by_rfc_8446_rules() {
        assert_eq!(
            classify_rfc8998(&server_hello([3, 3], [0, 0xC6], true)),
            Rfc8998Result::Accepted(0xC6)
        );
        assert!(matches!(
            classify_rfc8998(&server_hello([3, 3], [0xC0, 0x2F], false)),
            Rfc8998Result::Violation(_)
        ));
        assert!(matches!(
            classify_rfc8998(&server_hello([3, 3], [0, 0xC6], false)),
            Rfc8998Result::Violation(_)
        ));
        assert!(matches!(
            classify_rfc8998(&[0x15, 3, 3, 0, 2, 2, 40]),
            Rfc8998Result::Refused(_)
        ));
        assert!(matches!(classify_rfc8998(b""), Rfc8998Result::Refused(_)));
        assert!(matches!(
            classify_rfc8998(b"HTTP/1.1 400"),
            Rfc8998Result::Inconclusive(_)
        ));
    }
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
