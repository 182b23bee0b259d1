//! RFC 8998 client and server (rustls with this crate's provider) against each other over an
//! in-memory pipe: each suite completes and carries data; a CertificateVerify by another key
//! and a server that speaks only ordinary TLS end in the errors that name them.
//! GmSSL's TLS 1.3 server is the independent check (tests/gmssl.rs in the workspace).

use std::sync::Arc;
use std::time::Duration;

use tianping_fixtures::{Faults, pki::ReferencePki};
use tianping_tlcp::rfc8998::{
    self, CertificateVerifyProblem, Rfc8998Error, SM2SIG_SM3, ServerFaults, TLS_SM4_CCM_SM3,
    TLS_SM4_GCM_SM3,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt, duplex};

const TIMEOUT: Duration = Duration::from_secs(5);

/// A server on one end of a pipe answering one line with its echo; the client's result.
async fn exchange(
    suites: &[u16],
    config: rustls::ServerConfig,
) -> Result<(rfc8998::Tls13Handshake, Vec<u8>), Rfc8998Error> {
    let (client_io, server_io) = duplex(64 * 1024);
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let server = tokio::spawn(async move {
        let mut tls = acceptor.accept(server_io).await?;
        let mut line = [0u8; 5];
        tls.read_exact(&mut line).await?;
        tls.write_all(&[b"echo ".as_slice(), &line].concat())
            .await?;
        tls.shutdown().await
    });
    let outcome = async {
        let (mut tls, handshake) =
            rfc8998::connect(client_io, "localhost", suites, TIMEOUT).await?;
        tls.write_all(b"hello").await?;
        let (answer, clean) = tls.read_to_end(1024).await?;
        assert!(clean, "rustls ends with close_notify");
        Ok((handshake, answer))
    }
    .await;
    let _ = server.await;
    outcome
}

fn reference_config(pki: &ReferencePki, faults: ServerFaults) -> rustls::ServerConfig {
    rfc8998::server_config(
        vec![pki.tlcp_sign_cert_der.clone(), pki.sm2_root_der.clone()],
        &pki.tlcp_sign_key,
        faults,
    )
    .unwrap()
}

#[tokio::test]
async fn each_suite_completes_and_carries_data() {
    let pki = ReferencePki::generate(&Faults::none());
    for suite in [TLS_SM4_GCM_SM3, TLS_SM4_CCM_SM3] {
        let (handshake, answer) =
            exchange(&[suite], reference_config(&pki, ServerFaults::default()))
                .await
                .unwrap_or_else(|e| panic!("{}: {e}", rfc8998::suite_name(suite)));
        assert_eq!(handshake.suite, suite);
        assert_eq!(handshake.signature_scheme, SM2SIG_SM3);
        assert_eq!(handshake.certificates[0], pki.tlcp_sign_cert_der);
        assert_eq!(handshake.certificates.len(), 2);
        assert_eq!(answer, b"echo hello");
    }
}

#[tokio::test]
async fn a_certificate_verify_by_another_key_is_named() {
    let pki = ReferencePki::generate(&Faults::none());
    let faults = ServerFaults {
        certificate_verify_by_another_key: true,
    };
    match exchange(&[], reference_config(&pki, faults)).await {
        Err(Rfc8998Error::BadCertificateVerify(why)) => {
            assert_eq!(why, CertificateVerifyProblem::DoesNotVerify)
        }
        other => panic!(
            "expected BadCertificateVerify, got {:?}",
            other.map(|o| o.1)
        ),
    }
}

/// A server with only the ordinary suites and groups refuses the SM-only hello with an alert.
#[tokio::test]
async fn a_server_without_the_sm_suites_refuses_with_an_alert() {
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["localhost".into()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::try_from(key.serialize_der()).unwrap(),
        )
        .unwrap();
    match exchange(&[], config).await {
        Err(Rfc8998Error::Alert(40)) => {}
        other => panic!(
            "expected a handshake_failure alert, got {:?}",
            other.map(|o| o.1)
        ),
    }
}

#[tokio::test]
async fn a_silent_server_is_a_timeout_not_a_hang() {
    let (client_io, _server_io) = duplex(1024);
    let started = std::time::Instant::now();
    match rfc8998::connect(client_io, "localhost", &[], Duration::from_millis(300)).await {
        Err(Rfc8998Error::Timeout(_)) => {}
        other => panic!("expected a timeout, got {:?}", other.map(|o| o.1)),
    }
    assert!(started.elapsed() < Duration::from_secs(3));
}
