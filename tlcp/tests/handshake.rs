//! Client and server of this crate against each other over an in-memory pipe: each suite
//! completes and carries data both ways; each way a server can fail to prove its keys, or a
//! client and server can fail to agree, ends the handshake with the error that names it, on a
//! timeout rather than a hang, and never with a panic.

use std::time::Duration;

use tianping_fixtures::{Faults, pki::ReferencePki};
use tianping_tlcp::{
    CipherSuite, ClientAuth, ClientConfig, ClientIdentity, ServerConfig, ServerFaults,
    ServerIdentity, TlcpError, accept, connect,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt, duplex};

fn server_config(pki: &ReferencePki) -> ServerConfig {
    ServerConfig {
        identity: ServerIdentity {
            signing_key: pki.tlcp_sign_key.clone(),
            encryption_key: pki.tlcp_enc_secret,
            certificates: vec![
                pki.tlcp_sign_cert_der.clone(),
                pki.tlcp_enc_cert_der.clone(),
            ],
        },
        suites: CipherSuite::ALL.to_vec(),
        handshake_timeout: Duration::from_secs(5),
        read_timeout: Duration::from_secs(5),
        faults: ServerFaults::default(),
        client_auth: None,
    }
}

fn client_config(suites: &[CipherSuite]) -> ClientConfig {
    ClientConfig {
        suites: suites.to_vec(),
        handshake_timeout: Duration::from_secs(5),
        read_timeout: Duration::from_secs(5),
        ..Default::default()
    }
}

/// Runs a handshake between a client offering `suites` and `server`; both ends' results.
async fn handshake(
    suites: &[CipherSuite],
    server: ServerConfig,
) -> (
    Result<tianping_tlcp::TlcpStream<tokio::io::DuplexStream>, TlcpError>,
    Result<tianping_tlcp::TlcpStream<tokio::io::DuplexStream>, TlcpError>,
) {
    let (client_io, server_io) = duplex(64 * 1024);
    let server = tokio::spawn(async move { accept(server_io, &server).await });
    let client = connect(client_io, &client_config(suites)).await;
    (client, server.await.unwrap())
}

/// The reference client pair, and a server that asks for it, issued by the SM2 root.
fn mutual(pki: &ReferencePki) -> (ClientIdentity, ClientAuth) {
    (
        ClientIdentity {
            signing_key: pki.tlcp_client.sign_key.clone(),
            encryption_key: pki.tlcp_client.enc_secret,
            certificates: vec![
                pki.tlcp_client.sign_cert_der.clone(),
                pki.tlcp_client.enc_cert_der.clone(),
            ],
        },
        ClientAuth {
            issuers: vec![pki.sm2_root_der.clone()],
            required: true,
        },
    )
}

/// Runs a handshake between `client` and `server` over a pipe; both ends' results.
async fn handshake_with(
    client: ClientConfig,
    server: ServerConfig,
) -> (
    Result<tianping_tlcp::TlcpStream<tokio::io::DuplexStream>, TlcpError>,
    Result<tianping_tlcp::TlcpStream<tokio::io::DuplexStream>, TlcpError>,
) {
    let (client_io, server_io) = duplex(64 * 1024);
    let server = tokio::spawn(async move { accept(server_io, &server).await });
    let client = connect(client_io, &client).await;
    (client, server.await.unwrap())
}

/// Every suite, ECC and ECDHE, with the client's certificates asked for, sent and checked.
#[tokio::test]
async fn each_suite_completes_and_carries_data_both_ways() {
    let pki = ReferencePki::generate(&Faults::none());
    let (identity, auth) = mutual(&pki);
    for suite in CipherSuite::ALL {
        let client = ClientConfig {
            identity: Some(identity.clone()),
            ..client_config(&[suite])
        };
        let server = ServerConfig {
            client_auth: Some(auth.clone()),
            ..server_config(&pki)
        };
        let (client, server) = handshake_with(client, server).await;
        let (mut client, mut server) = (
            client.unwrap_or_else(|e| panic!("{suite}: {e}")),
            server.unwrap_or_else(|e| panic!("{suite}: {e}")),
        );
        assert!(client.info().client_certificate_requested);
        let sent = identity.presented_for(suite);
        assert_eq!(sent.len(), if suite.is_ecdhe() { 2 } else { 1 });
        assert_eq!(client.info().client_certificates, sent);
        assert_eq!(server.info().client_certificates, sent);
        assert_eq!(client.info().suite, suite);
        assert_eq!(client.info().signing_certificate(), pki.tlcp_sign_cert_der);
        assert_eq!(
            client.info().encryption_certificate(),
            pki.tlcp_enc_cert_der
        );
        // More than one record's worth, to cross the fragment limit.
        let request = vec![0x42u8; 40_000];
        client.write_all(&request).await.unwrap();
        let mut got = vec![0u8; request.len()];
        let mut at = 0;
        while at < got.len() {
            at += server.read(&mut got[at..]).await.unwrap();
        }
        assert_eq!(got, request);
        server.write_all(b"answer").await.unwrap();
        server.close().await.unwrap();
        let (answer, clean) = client.read_to_end(1 << 20).await.unwrap();
        assert_eq!(
            (answer.as_slice(), clean),
            (b"answer".as_slice(), true),
            "{suite}"
        );
    }
}

#[tokio::test]
async fn a_key_exchange_signed_by_another_key_is_caught() {
    let pki = ReferencePki::generate(&Faults::none());
    let mut server = server_config(&pki);
    server.faults.key_exchange_signed_by_another_key = true;
    let (client, server) = handshake(&CipherSuite::ALL, server).await;
    assert!(
        matches!(client, Err(TlcpError::BadKeyExchangeSignature(_))),
        "{:?}",
        client.err()
    );
    // The client says why: the server sees decrypt_error, not a silent close.
    assert!(
        matches!(
            server,
            Err(TlcpError::Alert {
                fatal: true,
                description: 51
            })
        ),
        "{:?}",
        server.err()
    );
}

#[tokio::test]
async fn swapped_certificates_are_caught() {
    let pki = ReferencePki::generate(&Faults::none());
    let mut server = server_config(&pki);
    server.identity.certificates.swap(0, 1);
    let (client, _) = handshake(&CipherSuite::ALL, server).await;
    assert!(
        matches!(client, Err(TlcpError::BadKeyExchangeSignature(_))),
        "{:?}",
        client.err()
    );
}

/// An encryption certificate whose key the server does not hold: the pre-master secret
/// cannot be decrypted, and the handshake fails on both ends.
#[tokio::test]
async fn an_encryption_certificate_without_its_key_fails_the_handshake() {
    let pki = ReferencePki::generate(&Faults::none());
    let mut server = server_config(&pki);
    server.identity.encryption_key = pki.tlcp_sign_key.to_bytes().into();
    let (client, server) = handshake(&CipherSuite::ALL, server).await;
    assert!(
        matches!(server, Err(TlcpError::BadKeyExchange(_))),
        "{:?}",
        server.err()
    );
    // The client knows what the server's decrypt_error after its key exchange means.
    assert!(
        matches!(client, Err(TlcpError::KeyExchangeNotDecrypted(51))),
        "{:?}",
        client.err()
    );
    // The same through the server's fault switch.
    let mut server = server_config(&pki);
    server.faults.encryption_key_mismatch = true;
    let (client, _) = handshake(&CipherSuite::ALL, server).await;
    assert!(
        matches!(client, Err(TlcpError::KeyExchangeNotDecrypted(51))),
        "{:?}",
        client.err()
    );
}

#[tokio::test]
async fn no_suite_in_common_is_a_handshake_failure() {
    let pki = ReferencePki::generate(&Faults::none());
    let mut server = server_config(&pki);
    server.suites = vec![CipherSuite::EccSm4GcmSm3];
    let (client, server) = handshake(&[CipherSuite::EccSm4CbcSm3], server).await;
    assert!(
        matches!(server, Err(TlcpError::NoCommonSuite)),
        "{:?}",
        server.err()
    );
    assert!(
        matches!(
            client,
            Err(TlcpError::Alert {
                fatal: true,
                description: 40
            })
        ),
        "{:?}",
        client.err()
    );
}

/// A server that says nothing, one that sends garbage, one that closes at once, and one that
/// announces a record over the size limit: each is an error within the timeout.
#[tokio::test]
async fn hostile_servers_are_errors_not_hangs_or_panics() {
    let replies: [(&str, Option<Vec<u8>>); 4] = [
        ("silent", None),
        (
            "garbage",
            Some(b"HTTP/1.1 400 Bad Request\r\n\r\n".to_vec()),
        ),
        ("closed", Some(Vec::new())),
        ("oversized", Some(vec![22, 1, 1, 0xff, 0xff])),
    ];
    for (what, reply) in replies {
        let (client_io, mut server_io) = duplex(64 * 1024);
        let server = tokio::spawn(async move {
            let mut hello = [0u8; 512];
            let _ = server_io.read(&mut hello).await;
            match reply {
                None => tokio::time::sleep(Duration::from_secs(5)).await,
                Some(bytes) => {
                    let _ = server_io.write_all(&bytes).await;
                    let _ = server_io.shutdown().await;
                    tokio::time::sleep(Duration::from_secs(5)).await;
                }
            }
        });
        let config = ClientConfig {
            handshake_timeout: Duration::from_millis(500),
            ..Default::default()
        };
        let started = std::time::Instant::now();
        let result = connect(client_io, &config).await;
        assert!(result.is_err(), "{what}: a handshake with nothing");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{what}: took too long"
        );
        server.abort();
    }
}

/// The connection is a tokio stream: written in small pieces through `AsyncWrite` and read
/// through `AsyncRead`, what arrives is what was sent, and shutdown is close_notify.
#[tokio::test]
async fn the_connection_is_an_async_read_and_write_stream() {
    let pki = ReferencePki::generate(&Faults::none());
    let (client, server) = handshake(&[CipherSuite::EccSm4CbcSm3], server_config(&pki)).await;
    let (mut client, mut server) = (client.unwrap(), server.unwrap());
    let message: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();
    let sent = message.clone();
    let writer = tokio::spawn(async move {
        for piece in sent.chunks(977) {
            tokio::io::AsyncWriteExt::write_all(&mut client, piece)
                .await
                .unwrap();
        }
        tokio::io::AsyncWriteExt::shutdown(&mut client)
            .await
            .unwrap();
        client
    });
    let mut received = Vec::new();
    tokio::io::AsyncReadExt::read_to_end(&mut server, &mut received)
        .await
        .unwrap();
    assert_eq!(received.len(), message.len());
    assert!(received == message, "the bytes differ");
    writer.await.unwrap();
}

/// A record that does not authenticate ends the read with bad_record_mac.
#[tokio::test]
async fn a_tampered_record_is_an_error_to_the_reader() {
    let pki = ReferencePki::generate(&Faults::none());
    // client <-> relay <-> server; the relay flips one bit of the first application-data
    // record the server sends.
    let (client_end, relay_client_side) = duplex(64 * 1024);
    let (relay_server_side, server_end) = duplex(64 * 1024);
    let config = server_config(&pki);
    let server = tokio::spawn(async move {
        let mut s = accept(server_end, &config).await.unwrap();
        s.write_all(b"hello, tampered").await.unwrap();
        s
    });
    let relay = tokio::spawn(async move {
        let (mut from_client, mut to_client) = tokio::io::split(relay_client_side);
        let (mut from_server, mut to_server) = tokio::io::split(relay_server_side);
        let up = async { tokio::io::copy(&mut from_client, &mut to_server).await };
        let down = async {
            let mut flipped = false;
            loop {
                let mut header = [0u8; 5];
                if from_server.read_exact(&mut header).await.is_err() {
                    break;
                }
                let len = usize::from(u16::from_be_bytes([header[3], header[4]]));
                let mut fragment = vec![0u8; len];
                if from_server.read_exact(&mut fragment).await.is_err() {
                    break;
                }
                if header[0] == 23 && !flipped {
                    *fragment.last_mut().unwrap() ^= 1;
                    flipped = true;
                }
                if to_client.write_all(&header).await.is_err()
                    || to_client.write_all(&fragment).await.is_err()
                {
                    break;
                }
            }
        };
        let _ = tokio::join!(up, down);
    });
    let mut client = connect(client_end, &client_config(&CipherSuite::ALL))
        .await
        .unwrap();
    let mut buf = [0u8; 64];
    let read = client.read(&mut buf).await;
    assert!(matches!(read, Err(TlcpError::BadRecordMac)), "{read:?}");
    server.abort();
    relay.abort();
}

/// Mutual TLCP refused the ways it should be: no certificates where they are required, a
/// pair from a CA the server does not accept, and ECDHE offered without a pair at all. An
/// ECDHE server using another encryption key cannot read the client's Finished.
#[tokio::test]
async fn client_certificates_are_required_and_checked() {
    let pki = ReferencePki::generate(&Faults::none());
    let (identity, auth) = mutual(&pki);
    let requiring = || ServerConfig {
        client_auth: Some(auth.clone()),
        ..server_config(&pki)
    };

    let (client, server) = handshake_with(client_config(&CipherSuite::ECC), requiring()).await;
    assert!(
        matches!(server, Err(TlcpError::ClientCertificate(_))),
        "{:?}",
        server.err()
    );
    assert!(
        matches!(
            client,
            Err(TlcpError::Alert {
                description: 42,
                ..
            })
        ),
        "the client hears bad_certificate: {:?}",
        client.err()
    );

    let foreign = ReferencePki::generate(&Faults::none());
    let stranger = ServerConfig {
        client_auth: Some(ClientAuth {
            issuers: vec![foreign.tls_ca_der.to_vec()],
            required: true,
        }),
        ..server_config(&pki)
    };
    let client = ClientConfig {
        identity: Some(identity.clone()),
        ..client_config(&CipherSuite::ALL)
    };
    let (_, server) = handshake_with(client, stranger).await;
    assert!(
        matches!(&server, Err(TlcpError::ClientCertificate(why)) if why.contains("not issued")),
        "{:?}",
        server.err()
    );

    let alone = connect(
        duplex(1024).0,
        &client_config(&[CipherSuite::EcdheSm4GcmSm3]),
    )
    .await;
    assert!(
        matches!(alone, Err(TlcpError::Protocol(_))),
        "{:?}",
        alone.err()
    );

    let mut wrong_key = requiring();
    wrong_key.faults.encryption_key_mismatch = true;
    let client = ClientConfig {
        identity: Some(identity),
        ..client_config(&[CipherSuite::EcdheSm4CbcSm3])
    };
    let (client, server) = handshake_with(client, wrong_key).await;
    // Different keys: the client's Finished record does not even authenticate.
    assert!(
        matches!(
            server,
            Err(TlcpError::BadRecordMac | TlcpError::BadFinished)
        ),
        "{:?}",
        server.err()
    );
    assert!(client.is_err());
}
