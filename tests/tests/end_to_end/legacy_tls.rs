//! Endpoints that speak only TLS 1.0: the chain comes from the raw handshake.

use super::*;

/// The chain a TLS 1.0 endpoint serves is read from the raw handshake, and it is the chain the
/// same server presents to a TLS 1.2/1.3 client; a server that refuses TLS 1.0 gives none.
#[tokio::test]
async fn the_raw_handshake_reads_the_chain_a_legacy_endpoint_serves() {
    use tianping_suites::tls_probe::{Version, served_chain};
    for (faults, legacy) in [
        (Faults::parse(&["legacy-tls10"]).unwrap(), true),
        (Faults::none(), false),
    ] {
        let embedded = tianping_target::reference::start(loopback_config(), faults)
            .await
            .unwrap();
        let ctx = embedded.context().unwrap();
        let (host, port) = (ctx.api_host(), ctx.api_port());
        let modern = ctx.http.peer_tls(&host, port, &host).await.unwrap();
        let raw = served_chain(&ctx, &host, port, &host, Version::Tls10).await;
        embedded.stop().await;
        if legacy {
            let raw = raw.unwrap();
            let expected: Vec<Vec<u8>> = modern.chain.iter().map(|c| c.to_vec()).collect();
            assert_eq!(raw, expected);
        } else {
            assert!(raw.is_err(), "{raw:?}");
        }
    }
}

/// The certificate checks still see the chain of an endpoint their TLS library cannot talk to:
/// it comes from the raw TLS 1.0 handshake, and says so.
#[tokio::test]
async fn certificate_checks_read_a_tls10_only_endpoint_through_the_raw_handshake() {
    let pki = tianping_fixtures::pki::ReferencePki::generate(&Faults::none());
    let chain: Vec<Vec<u8>> = pki.tls_chain.iter().map(|c| c.to_vec()).collect();
    let port = tls10_only_server(chain.clone()).await.unwrap();
    let mut config = loopback_config();
    config.target.base_url = Some(format!("https://localhost:{port}"));
    let ctx = tianping_engine::Ctx::new(config, Credentials::default(), Vec::new()).unwrap();
    let set = tianping_suites::common::live_certificates(
        &ctx,
        tianping_suites::common::CertSources::Served,
    )
    .await
    .unwrap();
    let seen: Vec<Vec<u8>> = set.certs.iter().map(|c| c.der.clone()).collect();
    assert_eq!(seen, chain);
    assert!(
        set.certs[0].source.contains("TLS1.0, raw handshake"),
        "{}",
        set.certs[0].source
    );
}
