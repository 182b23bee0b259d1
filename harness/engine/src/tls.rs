//! TLS plumbing shared by the HTTP client and the certificate checks.
//!
//! The harness must keep evaluating a platform whose certificate is wrong (CERT-001 reports
//! that), so its transport accepts any server certificate *and records it*. That lax path is
//! fenced off in [`dangerous`]; the handshake signatures are still verified by rustls.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::pki_types::{CertificateDer, ServerName};
use tokio::net::TcpStream;

/// Why a TLS connection could not be made or recorded.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The host is not among those the user named: nothing was sent.
    #[error("host `{0}` is not in scope")]
    OutOfScope(String),
    /// No TCP connection could be made.
    #[error("TCP connect to {addr} failed: {detail}")]
    Connect {
        /// Host and port.
        addr: String,
        /// What the attempt reported.
        detail: String,
        /// The host answered that nothing listens there (as opposed to no route, no name).
        refused: bool,
    },
    /// The TLS handshake failed.
    #[error("TLS handshake with {addr} failed: {detail}")]
    Handshake {
        /// Host and port.
        addr: String,
        /// What the TLS library reported.
        detail: String,
    },
    /// No handshake within the timeout.
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    /// The host is not a valid server name.
    #[error("invalid server name `{0}`")]
    ServerName(String),
}

/// The crypto provider every TLS connection uses.
pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

pub mod dangerous {
    //! Accept-and-record certificate verification. Never use it to decide trust.
    use super::*;
    use rustls::DigitallySignedStruct;
    use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};

    /// A certificate verifier that accepts any chain and records it, so a check can judge the
    /// chain itself (named `dangerous` because it verifies nothing).
    #[derive(Debug, Default)]
    pub struct RecordingVerifier {
        /// The chain the server presented last.
        pub seen: Mutex<Option<Vec<CertificateDer<'static>>>>,
    }

    impl ServerCertVerifier for RecordingVerifier {
        fn verify_server_cert(
            &self,
            end_entity: &CertificateDer<'_>,
            intermediates: &[CertificateDer<'_>],
            _server_name: &ServerName<'_>,
            _ocsp_response: &[u8],
            _now: rustls::pki_types::UnixTime,
        ) -> Result<ServerCertVerified, rustls::Error> {
            let mut chain = vec![end_entity.clone().into_owned()];
            chain.extend(intermediates.iter().map(|c| c.clone().into_owned()));
            *self.seen.lock().expect("verifier lock") = Some(chain);
            Ok(ServerCertVerified::assertion())
        }

        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls12_signature(
                message,
                cert,
                dss,
                &provider().signature_verification_algorithms,
            )
        }

        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls13_signature(
                message,
                cert,
                dss,
                &provider().signature_verification_algorithms,
            )
        }

        fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
            provider()
                .signature_verification_algorithms
                .supported_schemes()
        }
    }

    /// Client config for API traffic: TLS 1.2/1.3, any certificate accepted and recorded.
    pub fn recording_client_config(verifier: Arc<RecordingVerifier>) -> rustls::ClientConfig {
        let mut config = rustls::ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .expect("aws-lc-rs supports the default versions")
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        config
    }
}

/// What a full TLS handshake with an endpoint showed.
#[derive(Debug, Clone)]
pub struct PeerTls {
    /// The chain the server presented, leaf first.
    pub chain: Vec<CertificateDer<'static>>,
    /// Negotiated protocol version.
    pub protocol: String,
    /// Negotiated cipher suite.
    pub cipher_suite: String,
}

/// Completes a handshake (TLS 1.2/1.3) and returns the chain the server presented.
/// The caller has already checked scope and holds a connection permit.
pub async fn handshake_and_record(
    stream: TcpStream,
    addr: &str,
    server_name: &str,
    timeout: Duration,
) -> Result<PeerTls, TlsError> {
    let verifier = Arc::new(dangerous::RecordingVerifier::default());
    let config = dangerous::recording_client_config(verifier.clone());
    let name = ServerName::try_from(server_name.to_string())
        .map_err(|_| TlsError::ServerName(server_name.to_string()))?;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tls = tokio::time::timeout(timeout, connector.connect(name, stream))
        .await
        .map_err(|_| TlsError::Timeout(timeout))?
        .map_err(|e| TlsError::Handshake {
            addr: addr.to_string(),
            detail: e.to_string(),
        })?;
    let (_, conn) = tls.get_ref();
    let protocol = conn
        .protocol_version()
        .map(|v| format!("{v:?}"))
        .unwrap_or_default();
    let cipher_suite = conn
        .negotiated_cipher_suite()
        .map(|s| format!("{:?}", s.suite()))
        .unwrap_or_default();
    let chain = verifier
        .seen
        .lock()
        .expect("verifier lock")
        .take()
        .unwrap_or_default();
    Ok(PeerTls {
        chain,
        protocol,
        cipher_suite,
    })
}
