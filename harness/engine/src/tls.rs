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

/// A client certificate chain and its private key, presented for mutual TLS. Debug output
/// never shows the key.
pub struct ClientIdentity {
    chain: Vec<CertificateDer<'static>>,
    key: rustls::pki_types::PrivateKeyDer<'static>,
}

impl std::fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientIdentity")
            .field("certificates", &self.chain.len())
            .finish_non_exhaustive()
    }
}

impl Clone for ClientIdentity {
    fn clone(&self) -> Self {
        ClientIdentity {
            chain: self.chain.clone(),
            key: self.key.clone_key(),
        }
    }
}

/// The certificates the lab's accounts present under mutual TLS.
#[derive(Debug, Clone)]
pub struct ClientCertificates {
    /// The lab account's.
    pub lab: ClientIdentity,
    /// The second account's, when the platform tells accounts apart by certificate.
    pub second: Option<ClientIdentity>,
}

/// Why a client certificate or key cannot be used; never shows key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    /// The variable holds no PEM certificate.
    #[error("{env} holds no PEM certificate")]
    NoCertificate {
        /// The environment variable.
        env: String,
    },
    /// The variable holds no PEM private key.
    #[error("{env} holds no PEM private key (PKCS#8, SEC1 or PKCS#1)")]
    NoKey {
        /// The environment variable.
        env: String,
    },
    /// The key does not belong to the certificate, or rustls cannot use it.
    #[error("the key in {key_env} cannot be used with the certificate in {certificate_env}: {why}")]
    Mismatch {
        /// The certificate's variable.
        certificate_env: String,
        /// The key's variable.
        key_env: String,
        /// What rustls said (no key material).
        why: String,
    },
}

/// Where a TLCP client pair comes from: each certificate and key in its own variable.
#[derive(Debug, Clone, Copy)]
pub struct TlcpPairSources<'a> {
    /// (PEM, variable name) of the signing certificate, then any CA certificates.
    pub signing_certificate: (&'a str, &'a str),
    /// (PEM, variable name) of the signing key.
    pub signing_key: (&'a str, &'a str),
    /// (PEM, variable name) of the encryption certificate.
    pub encryption_certificate: (&'a str, &'a str),
    /// (PEM, variable name) of the encryption key.
    pub encryption_key: (&'a str, &'a str),
}

/// A TLCP client certificate pair from PEM: each key must be an SM2 key (PKCS#8 or SEC1,
/// unencrypted) belonging to its certificate. Errors name the variable, never key material.
pub fn tlcp_identity_from_pem(
    sources: TlcpPairSources<'_>,
) -> Result<tianping_tlcp::ClientIdentity, IdentityError> {
    use rustls::pki_types::PrivateKeyDer;
    use rustls::pki_types::pem::PemObject;
    let certificates = |(pem, env): (&str, &str)| {
        let chain: Vec<Vec<u8>> = CertificateDer::pem_slice_iter(pem.as_bytes())
            .filter_map(Result::ok)
            .map(|c| c.to_vec())
            .collect();
        if chain.is_empty() {
            Err(IdentityError::NoCertificate {
                env: env.to_string(),
            })
        } else {
            Ok(chain)
        }
    };
    let key = |(pem, env): (&str, &str), (_, certificate_env): (&str, &str), certificate: &[u8]| {
        let no_key = || IdentityError::NoKey {
            env: env.to_string(),
        };
        let der = PrivateKeyDer::from_pem_slice(pem.as_bytes()).map_err(|_| no_key())?;
        let secret = match &der {
            PrivateKeyDer::Pkcs8(k) => {
                use sm2::pkcs8::DecodePrivateKey;
                sm2::SecretKey::from_pkcs8_der(k.secret_pkcs8_der()).ok()
            }
            PrivateKeyDer::Sec1(k) => sm2::SecretKey::from_sec1_der(k.secret_sec1_der()).ok(),
            _ => None,
        }
        .ok_or_else(|| IdentityError::Mismatch {
            certificate_env: certificate_env.to_string(),
            key_env: env.to_string(),
            why: "not an unencrypted SM2 key (PKCS#8 or SEC1)".into(),
        })?;
        let public = secret.public_key().to_sec1_bytes();
        let in_certificate = x509_parser::parse_x509_certificate(certificate)
            .map(|(_, c)| c.public_key().subject_public_key.data.to_vec())
            .unwrap_or_default();
        if in_certificate != public.as_ref() {
            return Err(IdentityError::Mismatch {
                certificate_env: certificate_env.to_string(),
                key_env: env.to_string(),
                why: "the key does not belong to the certificate".into(),
            });
        }
        Ok(secret)
    };
    let signing_chain = certificates(sources.signing_certificate)?;
    let encryption = certificates(sources.encryption_certificate)?.remove(0);
    let signing_secret = key(
        sources.signing_key,
        sources.signing_certificate,
        &signing_chain[0],
    )?;
    let encryption_secret = key(
        sources.encryption_key,
        sources.encryption_certificate,
        &encryption,
    )?;
    let signing_key =
        sm2::dsa::SigningKey::new(tianping_profile::sm2sig::DEFAULT_DIST_ID, &signing_secret)
            .map_err(|_| no_usable_key(sources.signing_key.1))?;
    let mut chain = vec![signing_chain[0].clone(), encryption];
    chain.extend(signing_chain.into_iter().skip(1));
    Ok(tianping_tlcp::ClientIdentity {
        signing_key,
        encryption_key: encryption_secret.to_bytes().into(),
        certificates: chain,
    })
}

fn no_usable_key(env: &str) -> IdentityError {
    IdentityError::NoKey {
        env: env.to_string(),
    }
}

impl ClientIdentity {
    /// Reads a PEM chain and key; the variable names are for messages only.
    pub fn from_pem(
        certificate_pem: &str,
        certificate_env: &str,
        key_pem: &str,
        key_env: &str,
    ) -> Result<ClientIdentity, IdentityError> {
        use rustls::pki_types::PrivateKeyDer;
        use rustls::pki_types::pem::PemObject;
        let chain: Vec<CertificateDer<'static>> =
            CertificateDer::pem_slice_iter(certificate_pem.as_bytes())
                .filter_map(Result::ok)
                .collect();
        if chain.is_empty() {
            return Err(IdentityError::NoCertificate {
                env: certificate_env.to_string(),
            });
        }
        let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).map_err(|_| {
            IdentityError::NoKey {
                env: key_env.to_string(),
            }
        })?;
        let identity = ClientIdentity { chain, key };
        // Building a config now catches a key that does not match its certificate before
        // anything is contacted.
        rustls::ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .expect("aws-lc-rs supports the default versions")
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_client_auth_cert(identity.chain.clone(), identity.key.clone_key())
            .map_err(|e| IdentityError::Mismatch {
                certificate_env: certificate_env.to_string(),
                key_env: key_env.to_string(),
                why: e.to_string(),
            })?;
        Ok(identity)
    }

    /// The leaf certificate, DER.
    pub fn leaf(&self) -> &CertificateDer<'static> {
        &self.chain[0]
    }
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

    /// Client config for API traffic: TLS 1.2/1.3, any certificate accepted and recorded,
    /// presenting `identity` when the platform asks for a client certificate.
    pub fn recording_client_config(
        verifier: Arc<RecordingVerifier>,
        identity: Option<&ClientIdentity>,
    ) -> rustls::ClientConfig {
        let builder = rustls::ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .expect("aws-lc-rs supports the default versions")
            .dangerous()
            .with_custom_certificate_verifier(verifier);
        let mut config = match identity {
            Some(id) => builder
                .with_client_auth_cert(id.chain.clone(), id.key.clone_key())
                .expect("checked when the identity was read"),
            None => builder.with_no_client_auth(),
        };
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
    identity: Option<&ClientIdentity>,
) -> Result<PeerTls, TlsError> {
    let verifier = Arc::new(dangerous::RecordingVerifier::default());
    let config = dangerous::recording_client_config(verifier.clone(), identity);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn issued() -> (String, String) {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["lab".to_string()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        (cert.pem(), key.serialize_pem())
    }

    #[test]
    fn a_client_identity_is_read_from_pem_and_never_shows_its_key() {
        let (cert, key) = issued();
        let id = ClientIdentity::from_pem(&cert, "C", &key, "K").unwrap();
        let body: String = key.lines().filter(|l| !l.starts_with("-----")).collect();
        let shown = format!("{id:?}");
        assert!(!shown.contains(&body[..20]), "{shown}");
        assert_eq!(id.leaf().as_ref(), id.clone().leaf().as_ref());
    }

    #[test]
    fn unusable_material_is_named_by_variable_without_its_content() {
        let (cert, key) = issued();
        let (_, other_key) = issued();
        assert_eq!(
            ClientIdentity::from_pem("not pem", "CERT_VAR", &key, "KEY_VAR").unwrap_err(),
            IdentityError::NoCertificate {
                env: "CERT_VAR".into()
            }
        );
        assert_eq!(
            ClientIdentity::from_pem(&cert, "CERT_VAR", &cert, "KEY_VAR").unwrap_err(),
            IdentityError::NoKey {
                env: "KEY_VAR".into()
            }
        );
        let err = ClientIdentity::from_pem(&cert, "CERT_VAR", &other_key, "KEY_VAR").unwrap_err();
        assert!(matches!(err, IdentityError::Mismatch { .. }), "{err}");
        let text = err.to_string();
        assert!(
            text.contains("KEY_VAR") && text.contains("CERT_VAR"),
            "{text}"
        );
        assert!(!text.contains("PRIVATE KEY"), "{text}");
    }

    /// A TLCP pair reads from PKCS#8 PEM; a key that belongs to the other certificate, or a
    /// variable without a certificate, is an error naming the variable, never the key.
    #[test]
    fn a_tlcp_pair_reads_from_pem_and_mismatches_are_named() {
        use sm2::pkcs8::EncodePrivateKey;
        use tianping_fixtures::pki::{ReferencePki, pem};
        let pki = ReferencePki::generate(&tianping_fixtures::Faults::none());
        let pair = &pki.tlcp_client;
        let key_pem =
            |secret: &sm2::SecretKey| pem("PRIVATE KEY", secret.to_pkcs8_der().unwrap().as_bytes());
        let sign_secret = sm2::SecretKey::from(*pair.sign_key.as_nonzero_scalar());
        let enc_secret = sm2::SecretKey::from_slice(&pair.enc_secret).unwrap();
        let sign_cert = [
            pem("CERTIFICATE", &pair.sign_cert_der),
            pem("CERTIFICATE", &pki.sm2_root_der),
        ]
        .concat();
        let enc_cert = pem("CERTIFICATE", &pair.enc_cert_der);
        let (sign_key, enc_key) = (key_pem(&sign_secret), key_pem(&enc_secret));
        let sources = |sign_key: &str, enc_cert: &str| {
            tlcp_identity_from_pem(TlcpPairSources {
                signing_certificate: (&sign_cert, "SIGN_CERT"),
                signing_key: (sign_key, "SIGN_KEY"),
                encryption_certificate: (enc_cert, "ENC_CERT"),
                encryption_key: (&enc_key, "ENC_KEY"),
            })
        };
        let identity = sources(&sign_key, &enc_cert).unwrap();
        assert_eq!(
            identity.certificates,
            vec![
                pair.sign_cert_der.clone(),
                pair.enc_cert_der.clone(),
                pki.sm2_root_der.clone()
            ]
        );
        assert_eq!(identity.encryption_key, pair.enc_secret);

        let swapped = sources(&enc_key, &enc_cert).unwrap_err();
        let text = swapped.to_string();
        assert!(
            text.contains("SIGN_KEY") && text.contains("does not belong"),
            "{text}"
        );
        assert!(!text.contains("PRIVATE KEY"), "{text}");

        let missing = sources(&sign_key, "no pem here").unwrap_err();
        assert_eq!(
            missing,
            IdentityError::NoCertificate {
                env: "ENC_CERT".into()
            }
        );
    }
}
