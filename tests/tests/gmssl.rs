//! The protocol checks against servers no one here wrote: GmSSL's TLCP server (GB/T 38636,
//! dual certificates, ECC_SM4_GCM/CBC_SM3) and its SM-only TLS 1.3 server (RFC 8998:
//! TLS_SM4_GCM_SM3, sm2sig_sm3, curveSM2). Both are conforming ways to carry national
//! cryptography in transit, so SS-019 (versions), CERT-005 (GM suites) and, for TLS 1.3,
//! CERT-006 (RFC 8998) must pass on them. Before this test SS-019 judged both "accepts none of
//! the allowed versions" and CERT-005 failed the TLS 1.3 one.
//!
//! GmSSL comes from ../shared/interop (built by its script, about 30 s the first time); where
//! that folder is absent (a user's machine) the tests say so and skip.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod interop;

use interop::{gmssl, gmssl_tool, interop_or_skip};
use tianping_engine::config::Credentials;
use tianping_engine::{CheckResult, Config, Ctx, Outcome, runner};

/// The certificates of one of GmSSL's PEM files, in order.
fn gmssl_certificates(gmssl: &Path, name: &str) -> Vec<Vec<u8>> {
    let text = std::fs::read_to_string(gmssl.join(name)).unwrap();
    tianping_profile::pem::certificates(&text).unwrap()
}

/// Writes `der` as a PEM certificate into `dir`; its path.
fn write_certificate(dir: &Path, name: &str, der: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, tianping_fixtures::pki::pem("CERTIFICATE", der)).unwrap();
    path
}

/// Asserts that `answer` is GmSSL's `-www` echo of a request for `path`.
fn assert_echoes(answer: &[u8], path: &str, context: &str) {
    let text = String::from_utf8_lossy(answer);
    assert!(
        text.starts_with("HTTP/1.") && text.contains(path),
        "{context}: GmSSL's answer: {text:?}"
    );
}

/// GmSSL's `kind` server behind the multiplexer on a free loopback port; stopped on drop.
struct Served {
    child: Child,
    port: u16,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(interop: &Path, gmssl: &Path, kind: &str) -> Served {
    serve_with(interop, gmssl, kind, &[])
}

/// As [`serve`], with `extra` arguments for each GmSSL server process.
fn serve_with(interop: &Path, gmssl: &Path, kind: &str, extra: &[&str]) -> Served {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("python3")
        .arg(interop.join("gmssl-mux.py"))
        .arg(gmssl)
        .args([kind, &port.to_string(), "--seconds", "180"])
        .args(if extra.is_empty() {
            &[][..]
        } else {
            &["--"][..]
        })
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 runs gmssl-mux.py");
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "gmssl-mux did not listen"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Served { child, port }
}

/// Runs the checks `ids` against `https://127.0.0.1:port`.
fn run(port: u16, ids: &[&str]) -> Vec<CheckResult> {
    run_trusting(port, ids, "127.0.0.1", Vec::new())
}

/// Runs the checks `ids` against `https://host:port`, trusting `roots` (DER).
fn run_trusting(port: u16, ids: &[&str], host: &str, roots: Vec<Vec<u8>>) -> Vec<CheckResult> {
    let mut config = Config::default();
    config.target.base_url = Some(format!("https://{host}:{port}"));
    config.limits.requests_per_second = 1000.0;
    let roots = roots
        .into_iter()
        .map(rustls::pki_types::CertificateDer::from)
        .collect();
    let ctx = Ctx::new(config, Credentials::default(), roots).unwrap();
    let registry = tianping_suites::registry();
    let checks: Vec<_> = registry
        .iter()
        .filter(|c| ids.contains(&c.meta.id))
        .collect();
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(runner::run_checks(
            Arc::new(ctx),
            &checks,
            Vec::new(),
            |_, _, _| {},
        ))
}

fn assert_all_pass(results: &[CheckResult], against: &str) {
    let problems: Vec<String> = results
        .iter()
        .filter(|r| r.outcome != Outcome::Pass)
        .map(|r| r.describe())
        .collect();
    assert!(
        problems.is_empty(),
        "against {against}:\n{}",
        problems.join("\n")
    );
}

#[test]
fn gmssl_tls13_with_sm_suites_only_is_an_allowed_version_with_national_cryptography() {
    let Some(interop) = interop_or_skip() else {
        return;
    };
    let served = serve(&interop, &gmssl(&interop), "tls13");
    let results = run(served.port, &["SS-019", "CERT-005", "CERT-006"]);
    assert_eq!(results.len(), 3);
    assert_all_pass(&results, "GmSSL tls13_server (RFC 8998 only)");
    // CERT-006 completed the handshake, not only read the ServerHello.
    let cert006 = results.iter().find(|r| r.id == "CERT-006").unwrap();
    assert!(
        cert006.summary.contains("handshake completes")
            && cert006.summary.contains("CertificateVerify verifies"),
        "{}",
        cert006.summary
    );
}

#[test]
fn gmssl_tlcp_is_an_allowed_version_with_gm_suites_and_proves_its_keys() {
    let Some(interop) = interop_or_skip() else {
        return;
    };
    let served = serve(&interop, &gmssl(&interop), "tlcp");
    let results = run(
        served.port,
        &["SS-019", "SS-026", "CERT-004", "CERT-005", "CERT-006"],
    );
    assert_eq!(results.len(), 5);
    // RFC 8998 profiles TLS 1.3: a TLCP-only server shows by its completed TLCP handshake
    // that it does not apply.
    let (cert006, rest): (Vec<_>, Vec<_>) = results.into_iter().partition(|r| r.id == "CERT-006");
    assert!(
        matches!(cert006[0].outcome, Outcome::NotApplicable { .. })
            && cert006[0].summary.contains("speaks TLCP"),
        "{}",
        cert006[0].describe()
    );
    let results = rest;
    assert_all_pass(&results, "GmSSL tlcp_server");
    // CERT-004 ran the full handshake with GmSSL: its keys are proven, not assumed.
    let cert004 = results.iter().find(|r| r.id == "CERT-004").unwrap();
    let handshake = cert004
        .evidence
        .iter()
        .find(|e| e.label == "full handshake")
        .unwrap_or_else(|| panic!("{}", cert004.describe()));
    assert!(
        handshake.value.contains("ServerKeyExchange verified")
            && handshake.value.contains("Finished"),
        "{}",
        handshake.value
    );
}

/// The harness's own TLCP client completes a full handshake with GmSSL's TLCP server for each
/// suite it implements: the ServerKeyExchange verifies with GmSSL's signing certificate, the
/// pre-master secret reaches GmSSL under its encryption certificate (both Finished messages
/// verify), and an HTTP request and GmSSL's answer cross the protected records both ways.
/// A TLCP-only endpoint's certificates are judged like any others: GmSSL's signing and
/// encryption certificates both validate to its SM2 root, the signing one for `localhost`
/// (CERT-001). The other certificate checks also read the platform's published certificates
/// through its API, which GmSSL's echo server has not; the reference platform's TLCP
/// certificates go through all of them in every run.
#[test]
fn gmssl_tlcp_certificates_are_judged_like_any_others() {
    let Some(interop) = interop_or_skip() else {
        return;
    };
    let gmssl = gmssl(&interop);
    let served = serve(&interop, &gmssl, "tlcp");
    let root = std::fs::read_to_string(gmssl.join("sm2_root_ca_cert.pem")).unwrap();
    let roots = tianping_profile::pem::certificates(&root).unwrap();
    let ids = ["CERT-001"];
    let results = run_trusting(served.port, &ids, "localhost", roots);
    assert_eq!(results.len(), ids.len());
    assert_all_pass(&results, "GmSSL tlcp_server certificates");
    let cert001 = results.iter().find(|r| r.id == "CERT-001").unwrap();
    assert!(
        cert001
            .evidence
            .iter()
            .any(|e| e.label.starts_with("encryption certificate from TLCP")),
        "{}",
        cert001.describe()
    );
}

#[test]
fn the_tlcp_client_completes_handshakes_with_gmssl_and_exchanges_data() {
    let Some(interop) = interop_or_skip() else {
        return;
    };
    let gmssl = gmssl(&interop);
    let served = serve(&interop, &gmssl, "tlcp");
    let pem = |name: &str| gmssl_certificates(&gmssl, name).remove(0);
    let (sign, enc) = (
        pem("sm2_tlcp_server_sign_cert.pem"),
        pem("sm2_tlcp_server_enc_cert.pem"),
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    for suite in tianping_tlcp::CipherSuite::ECC {
        let config = tianping_tlcp::ClientConfig {
            suites: vec![suite],
            ..Default::default()
        };
        let (info, answer, clean) = runtime.block_on(async {
            let tcp = tokio::net::TcpStream::connect(("127.0.0.1", served.port))
                .await
                .unwrap();
            let mut tlcp = tianping_tlcp::connect(tcp, &config)
                .await
                .unwrap_or_else(|e| panic!("{suite}: {e}"));
            tlcp.write_all(
                b"GET /tlcp-probe HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
            )
            .await
            .unwrap();
            let (answer, clean) = tlcp.read_to_end(1 << 20).await.unwrap();
            (tlcp.info().clone(), answer, clean)
        });
        assert_eq!(info.suite, suite);
        assert_eq!(
            info.signing_certificate(),
            sign,
            "{suite}: signing certificate"
        );
        assert_eq!(
            info.encryption_certificate(),
            enc,
            "{suite}: encryption certificate"
        );
        assert_echoes(
            &answer,
            "/tlcp-probe",
            &format!("{suite} (close_notify: {clean})"),
        );
    }
}

/// RFC 8998 for real: the harness's TLS 1.3 client (rustls with the SM provider) completes a
/// handshake with GmSSL's SM-only TLS 1.3 server, verifies its sm2sig_sm3 CertificateVerify
/// with the certificate it presented, and exchanges HTTP over it.
#[test]
fn the_rfc8998_client_completes_a_tls13_handshake_with_gmssl() {
    let Some(interop) = interop_or_skip() else {
        return;
    };
    let gmssl = gmssl(&interop);
    let served = serve(&interop, &gmssl, "tls13");
    let server_cert = {
        let text = std::fs::read_to_string(gmssl.join("sm2_tls_server_certs.pem")).unwrap();
        tianping_profile::pem::certificates(&text)
            .unwrap()
            .remove(0)
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (handshake, answer) = runtime.block_on(async {
        let tcp = tokio::net::TcpStream::connect(("127.0.0.1", served.port))
            .await
            .unwrap();
        let (mut tls, handshake) =
            tianping_tlcp::rfc8998::connect(tcp, "localhost", &[], Duration::from_secs(10))
                .await
                .unwrap_or_else(|e| panic!("RFC 8998 handshake with GmSSL: {e}"));
        tls.write_all(
            b"GET /rfc8998-probe HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
        )
        .await
        .unwrap();
        let (answer, _clean) = tls.read_to_end(1 << 20).await.unwrap();
        (handshake, answer)
    });
    assert_eq!(handshake.suite, tianping_tlcp::rfc8998::TLS_SM4_GCM_SM3);
    assert_eq!(handshake.certificates[0], server_cert);
    assert_echoes(&answer, "/rfc8998-probe", "RFC 8998");
}

/// The other direction: GmSSL's own TLCP client against the reference platform's TLCP server
/// (the server side of the harness's TLCP code), for each suite, verifying the server's
/// certificates against the reference SM2 root, and fetching the platform's metadata from its
/// API over it.
#[test]
fn gmssl_tlcp_client_completes_handshakes_with_the_reference_server() {
    let Some(interop) = interop_or_skip() else {
        return;
    };
    let gmssl = gmssl(&interop);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime
        .block_on(tianping_fixtures::start_with(
            tianping_fixtures::Faults::none(),
            tianping_fixtures::Dialect::Profile,
            "127.0.0.1:0".parse().unwrap(),
        ))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("sm2-root.pem");
    std::fs::write(&root, server.sm2_root_pem()).unwrap();
    // The API's port: TLCP and TLS share it, told apart by the ClientHello.
    let port = server.base_url.rsplit(':').next().unwrap().to_string();
    for suite in ["TLS_ECC_SM4_GCM_SM3", "TLS_ECC_SM4_CBC_SM3"] {
        let out = gmssl_tool(&gmssl)
            .args([
                "tlcp_client",
                "-host",
                "localhost",
                "-port",
                &port,
                "-cacert",
            ])
            .arg(&root)
            .args(["-cipher_suite", suite, "-get", "/api/v1/platform"])
            .output()
            .expect("gmssl runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains("HTTP/1.1 200") && stdout.contains("\"business_types\""),
            "{suite}: gmssl tlcp_client: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Mutual TLCP and ECDHE against GmSSL's server: asked for client certificates (and trusting
/// the reference SM2 root for them), it completes every suite with the harness's client
/// presenting the reference client pair, the ECDHE ones through the SM2 key exchange.
#[test]
fn the_tlcp_client_completes_ecdhe_and_mutual_handshakes_with_gmssl() {
    let Some(interop) = interop_or_skip() else {
        return;
    };
    let gmssl = gmssl(&interop);
    let pki = tianping_fixtures::pki::ReferencePki::generate(&tianping_fixtures::Faults::none());
    let dir = tempfile::tempdir().unwrap();
    let root = write_certificate(dir.path(), "client-root.pem", &pki.sm2_root_der);
    let root = root.to_str().unwrap().to_string();
    let served = serve_with(
        &interop,
        &gmssl,
        "tlcp",
        &[
            "-cipher_suite",
            "TLS_ECDHE_SM4_GCM_SM3",
            "-cipher_suite",
            "TLS_ECDHE_SM4_CBC_SM3",
            "-cert_request",
            "-cacert",
            &root,
        ],
    );
    let identity = tianping_tlcp::ClientIdentity {
        signing_key: pki.tlcp_client.sign_key.clone(),
        encryption_key: pki.tlcp_client.enc_secret,
        certificates: vec![
            pki.tlcp_client.sign_cert_der.clone(),
            pki.tlcp_client.enc_cert_der.clone(),
        ],
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    for suite in tianping_tlcp::CipherSuite::ALL {
        let config = tianping_tlcp::ClientConfig {
            suites: vec![suite],
            identity: Some(identity.clone()),
            ..Default::default()
        };
        let (info, answer) = runtime.block_on(async {
            let tcp = tokio::net::TcpStream::connect(("127.0.0.1", served.port))
                .await
                .unwrap();
            let mut tlcp = tianping_tlcp::connect(tcp, &config)
                .await
                .unwrap_or_else(|e| panic!("{suite}: {e}"));
            tlcp.write_all(b"GET /mutual HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                .await
                .unwrap();
            let (answer, _) = tlcp.read_to_end(1 << 20).await.unwrap();
            (tlcp.info().clone(), answer)
        });
        assert_eq!(info.suite, suite);
        assert!(info.client_certificate_requested, "{suite}");
        assert_eq!(info.client_certificates, identity.presented_for(suite));
        assert_echoes(&answer, "/mutual", &suite.to_string());
    }
}

/// The other direction: GmSSL's `tlcp_client` with GmSSL's own client certificate pair
/// completes ECC and ECDHE handshakes with the harness's TLCP server, which asks for the pair,
/// checks it against GmSSL's client CA, and verifies its CertificateVerify.
#[test]
fn gmssl_tlcp_client_presents_its_certificates_to_the_tlcp_server() {
    let Some(interop) = interop_or_skip() else {
        return;
    };
    let gmssl = gmssl(&interop);
    let pem = |name: &str| gmssl_certificates(&gmssl, name).remove(0);
    let client_ca = pem("sm2_tls_client_ca_cert.pem");
    let gmssl_root = pem("sm2_root_ca_cert.pem");
    let client_sign = pem("sm2_tlcp_client_certs.pem");
    let pki = tianping_fixtures::pki::ReferencePki::generate(&tianping_fixtures::Faults::none());
    let dir = tempfile::tempdir().unwrap();
    let root = write_certificate(dir.path(), "sm2-root.pem", &pki.sm2_root_der);
    // For the ECC suites GmSSL's client loads an ordinary chain (signing certificate, then its
    // CA) and the signing key; for ECDHE, its double chain and both keys.
    let single_chain = dir.path().join("client-sign-chain.pem");
    std::fs::write(
        &single_chain,
        [
            std::fs::read_to_string(gmssl.join("sm2_tlcp_client_sign_cert.pem")).unwrap(),
            std::fs::read_to_string(gmssl.join("sm2_tls_client_ca_cert.pem")).unwrap(),
        ]
        .concat(),
    )
    .unwrap();
    let single_chain = single_chain.to_str().unwrap().to_string();
    let config = tianping_tlcp::ServerConfig {
        identity: tianping_tlcp::ServerIdentity {
            signing_key: pki.tlcp_sign_key.clone(),
            encryption_key: pki.tlcp_enc_secret,
            certificates: vec![
                pki.tlcp_sign_cert_der.clone(),
                pki.tlcp_enc_cert_der.clone(),
            ],
        },
        suites: tianping_tlcp::CipherSuite::ALL.to_vec(),
        handshake_timeout: Duration::from_secs(10),
        read_timeout: Duration::from_secs(10),
        faults: tianping_tlcp::ServerFaults::default(),
        // GmSSL's client checks that the CertificateRequest names the issuer of the last
        // certificate of its chain (its client CA, issued by its root).
        client_auth: Some(tianping_tlcp::ClientAuth {
            issuers: vec![client_ca, gmssl_root],
            required: true,
        }),
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    // One connection per suite: the handshake's outcome and the client certificate seen.
    let server = runtime.spawn(async move {
        let mut seen = Vec::new();
        for _ in 0..4 {
            let (tcp, _) = listener.accept().await.unwrap();
            let outcome = match tianping_tlcp::accept(tcp, &config).await {
                Ok(mut tlcp) => {
                    let mut request = vec![0u8; 4096];
                    let _ = tlcp.read(&mut request).await;
                    let _ = tlcp
                        .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nmutual")
                        .await;
                    let _ = tlcp.close().await;
                    Ok((tlcp.info().suite, tlcp.info().client_certificates.clone()))
                }
                Err(e) => Err(e.to_string()),
            };
            seen.push(outcome);
        }
        seen
    });
    for suite in [
        "TLS_ECC_SM4_GCM_SM3",
        "TLS_ECC_SM4_CBC_SM3",
        "TLS_ECDHE_SM4_GCM_SM3",
        "TLS_ECDHE_SM4_CBC_SM3",
    ] {
        let (chain, keys) = if suite.contains("ECDHE") {
            ("sm2_tlcp_client_certs.pem", "sm2_tlcp_client_keys.pem")
        } else {
            (single_chain.as_str(), "sm2_tlcp_client_sign_key.pem")
        };
        let out = gmssl_tool(&gmssl)
            .current_dir(&gmssl)
            .args([
                "tlcp_client",
                "-host",
                "localhost",
                "-port",
                &port,
                "-cacert",
            ])
            .arg(&root)
            .args([
                "-cert",
                chain,
                "-key",
                keys,
                "-pass",
                "P@ssw0rd",
                "-cipher_suite",
                suite,
                "-get",
                "/",
            ])
            .output()
            .expect("gmssl runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains("HTTP/1.1 200") && stdout.contains("mutual"),
            "{suite}: gmssl tlcp_client: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let seen = runtime.block_on(server).unwrap();
    for (outcome, suite) in seen.iter().zip(tianping_tlcp::CipherSuite::ALL) {
        let (negotiated, client_certificates) = outcome.as_ref().unwrap();
        assert_eq!(*negotiated, suite);
        assert_eq!(client_certificates[0], client_sign);
    }
}
