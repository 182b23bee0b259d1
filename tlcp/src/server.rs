//! The server side of the same handshake, for the reference platform: it lets the default
//! run and the fault matrix exercise a full TLCP handshake, with faults a real server could
//! have.

use std::time::Duration;

use sm2::dsa::SigningKey;
use sm2::pke::DecryptingKey;
use tianping_profile::sm2sig;
use tokio::io::{AsyncRead, AsyncWrite};

use x509_parser::prelude::{FromDer, X509Certificate};

use crate::client::{
    SignedMaterial, certificate_list, ecdhe_params, encode_certificate_list, encode_ecdhe_params,
    key_exchange_signed, protections, public_key,
};
use crate::codec::{Reader, put_u16, put_vec8, put_vec16};
use crate::handshake::{Handshake, msg, within};
use crate::record::VERSION;
use crate::stream::TlcpStream;
use crate::{CipherSuite, HandshakeInfo, TlcpError, prf};

/// The server's dual keys and the certificates it presents.
#[derive(Clone)]
pub struct ServerIdentity {
    /// The signing key (default distinguishing ID), which signs ServerKeyExchange.
    pub signing_key: SigningKey,
    /// The encryption key's secret scalar (32 bytes), which decrypts the pre-master secret.
    pub encryption_key: [u8; 32],
    /// The certificates presented: signing, encryption, then any CA certificates.
    pub certificates: Vec<Vec<u8>>,
}

/// Ways the reference server can be wrong, each one a fault a check should catch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ServerFaults {
    /// ServerKeyExchange is signed by a key other than the signing certificate's: the server
    /// cannot prove it holds the key of the certificate it presents.
    pub key_exchange_signed_by_another_key: bool,
    /// The pre-master secret is decrypted with a key other than the encryption
    /// certificate's: the server does not hold the key of the certificate it presents.
    pub encryption_key_mismatch: bool,
    /// The server's Finished is corrupted: it does not match the handshake.
    pub finished_wrong: bool,
}

/// Mutual TLCP: the server asks for the client's certificate pair and checks it was issued
/// by one of `issuers`, and that the client's CertificateVerify verifies with it.
#[derive(Clone, Debug, Default)]
pub struct ClientAuth {
    /// CA certificates (DER) that may have issued the client's certificates; their subjects
    /// are named in the CertificateRequest.
    pub issuers: Vec<Vec<u8>>,
    /// Whether a client without certificates is refused (ECDHE always needs them).
    pub required: bool,
}

/// What the server accepts and how long it waits.
#[derive(Clone)]
pub struct ServerConfig {
    /// Keys and certificates.
    pub identity: ServerIdentity,
    /// The suites accepted, in the server's order of preference.
    pub suites: Vec<CipherSuite>,
    /// The whole handshake must finish within this.
    pub handshake_timeout: Duration,
    /// Each read after the handshake must see a record within this.
    pub read_timeout: Duration,
    /// Faults switched on.
    pub faults: ServerFaults,
    /// Client certificates asked for, if any; the ECDHE suites are chosen only with them.
    pub client_auth: Option<ClientAuth>,
}

/// Runs the server handshake over `io` (a connection whose first bytes are a TLCP
/// ClientHello).
pub async fn accept<S>(io: S, config: &ServerConfig) -> Result<TlcpStream<S>, TlcpError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut hs = Handshake::new(io, 64 * 1024);
    let outcome = within(config.handshake_timeout, hs.run_server(config)).await;
    hs.alert_on_error(&outcome).await;
    outcome.map(|info| TlcpStream::established(hs, info, config.read_timeout))
}

impl<S: AsyncRead + AsyncWrite + Unpin> Handshake<S> {
    async fn run_server(&mut self, config: &ServerConfig) -> Result<HandshakeInfo, TlcpError> {
        let hello = self.expect(msg::CLIENT_HELLO, "ClientHello").await?;
        let (client_random, offered) = client_hello(&hello)?;
        let suite = config
            .suites
            .iter()
            .copied()
            .filter(|s| config.client_auth.is_some() || !s.is_ecdhe())
            .find(|s| offered.contains(&s.code()))
            .ok_or(TlcpError::NoCommonSuite)?;
        let identity = &config.identity;

        let server_random = crate::random::<32>()?;
        let mut body = Vec::new();
        put_u16(&mut body, VERSION);
        body.extend_from_slice(&server_random);
        put_vec8(&mut body, &crate::random::<32>()?);
        put_u16(&mut body, suite.code());
        body.push(0);
        self.send(msg::SERVER_HELLO, &body).await?;
        self.send(
            msg::CERTIFICATE,
            &encode_certificate_list(&identity.certificates),
        )
        .await?;
        // A server configured with one certificate presents it, as a broken one would, and
        // goes no further: without an encryption certificate there is no key exchange.
        let [_, encryption, ..] = identity.certificates.as_slice() else {
            self.flush().await?;
            return Err(TlcpError::Certificate(
                "the server needs a signing and an encryption certificate".into(),
            ));
        };

        // ECDHE: a fresh ephemeral key, whose point the signature covers.
        let ephemeral = if suite.is_ecdhe() {
            Some(crate::exchange::ephemeral()?)
        } else {
            None
        };
        let params = ephemeral
            .as_ref()
            .map(|(_, point)| encode_ecdhe_params(point));
        let material = match &params {
            Some(raw) => SignedMaterial::EcdheParams(raw),
            None => SignedMaterial::EncryptionCertificate(encryption),
        };
        let signed = key_exchange_signed(&client_random, &server_random, material);
        let signature = if config.faults.key_exchange_signed_by_another_key {
            let other =
                sm2sig::signing_key_from_seed(sm2sig::DEFAULT_DIST_ID, b"not the signing key");
            sm2sig::sign_der(&other, &signed)
        } else {
            sm2sig::sign_der(&identity.signing_key, &signed)
        };
        let mut body = params.clone().unwrap_or_default();
        put_vec16(&mut body, &signature);
        self.send(msg::SERVER_KEY_EXCHANGE, &body).await?;
        if let Some(auth) = &config.client_auth {
            self.send(msg::CERTIFICATE_REQUEST, &certificate_request(auth)?)
                .await?;
        }
        self.send(msg::SERVER_HELLO_DONE, &[]).await?;
        self.flush().await?;

        let client_certificates = match &config.client_auth {
            Some(auth) => {
                let list = certificate_list(&self.expect(msg::CERTIFICATE, "Certificate").await?)?;
                check_client_certificates(&list, auth, suite)?;
                list
            }
            None => Vec::new(),
        };

        let cke = self
            .expect(msg::CLIENT_KEY_EXCHANGE, "ClientKeyExchange")
            .await?;
        let encryption_secret: [u8; 32] = if config.faults.encryption_key_mismatch {
            sm2sig::signing_key_from_seed(sm2sig::DEFAULT_DIST_ID, b"not the encryption key")
                .to_bytes()
                .into()
        } else {
            identity.encryption_key
        };
        let mut r = Reader::new(&cke, "ClientKeyExchange");
        let exchanged = r.vec16()?;
        r.end()?;
        let pre_master = match &ephemeral {
            Some((ephemeral_secret, _)) => {
                let mut p = Reader::new(exchanged, "ClientKeyExchange");
                let (_, client_point) = ecdhe_params(&mut p, "ClientKeyExchange")?;
                p.end()?;
                let client_static = crate::exchange::point(
                    &public_key(&client_certificates[1], "client encryption")?,
                    "client's encryption key",
                )?;
                let keys = crate::exchange::ExchangeKeys {
                    static_secret: crate::exchange::scalar(&encryption_secret).ok_or_else(
                        || TlcpError::Certificate("the encryption key is not an SM2 key".into()),
                    )?,
                    ephemeral_secret: *ephemeral_secret,
                };
                crate::exchange::shared_key(
                    true,
                    &keys,
                    &client_static,
                    &client_point,
                    sm2sig::DEFAULT_DIST_ID.as_bytes(),
                    48,
                )?
            }
            None => decrypt_pre_master(&encryption_secret, exchanged)?,
        };

        if !client_certificates.is_empty() {
            // CertificateVerify signs every handshake message before it.
            let signed = self.transcript.clone();
            let body = self
                .expect(msg::CERTIFICATE_VERIFY, "CertificateVerify")
                .await?;
            let mut r = Reader::new(&body, "CertificateVerify");
            let signature = r.vec16()?;
            r.end()?;
            let key = public_key(&client_certificates[0], "client signing")?;
            if sm2sig::verify(&key, sm2sig::DEFAULT_DIST_ID, &signed, signature)
                != Ok(sm2sig::SignatureEncoding::Der)
            {
                return Err(TlcpError::BadClientCertificateVerify);
            }
        }

        let master = prf::master_secret(&pre_master, &client_random, &server_random);
        let (client_keys, server_keys) =
            protections(suite, &master, &client_random, &server_random);
        self.expect_change_cipher_spec().await?;
        self.read.protect(client_keys);
        let expected = prf::verify_data(&master, "client finished", &self.transcript);
        if self.expect(msg::FINISHED, "Finished").await? != expected {
            return Err(TlcpError::BadFinished);
        }
        self.send_change_cipher_spec().await?;
        self.write.protect(server_keys);
        let mut finished = prf::verify_data(&master, "server finished", &self.transcript);
        if config.faults.finished_wrong {
            finished[0] ^= 0x01;
        }
        self.send(msg::FINISHED, &finished).await?;
        self.flush().await?;
        Ok(HandshakeInfo {
            suite,
            certificates: identity.certificates.clone(),
            client_certificate_requested: config.client_auth.is_some(),
            client_certificates,
            key_exchange_signature: signature,
        })
    }
}

/// ECC: the pre-master secret decrypted with the encryption key; it must be 48 bytes and
/// start with TLCP's version.
fn decrypt_pre_master(secret: &[u8; 32], encrypted: &[u8]) -> Result<Vec<u8>, TlcpError> {
    let key = DecryptingKey::from_slice(secret)
        .map_err(|_| TlcpError::Certificate("the encryption key is not an SM2 key".into()))?;
    let pre_master = key
        .decrypt_der(encrypted)
        .map_err(|e| TlcpError::BadKeyExchange(e.to_string()))?;
    if pre_master.len() != 48 || pre_master[..2] != VERSION.to_be_bytes() {
        return Err(TlcpError::BadKeyExchange(format!(
            "{} bytes, version {:02x?}",
            pre_master.len(),
            pre_master.get(..2)
        )));
    }
    Ok(pre_master)
}

/// The CertificateRequest: ecdsa_sign (64), the type GB/T 38636 uses for SM2, and the
/// subjects of the issuers the server accepts.
fn certificate_request(auth: &ClientAuth) -> Result<Vec<u8>, TlcpError> {
    let mut names = Vec::new();
    for issuer in &auth.issuers {
        let (_, cert) = X509Certificate::from_der(issuer)
            .map_err(|e| TlcpError::Certificate(format!("an issuer does not parse: {e}")))?;
        put_vec16(&mut names, cert.subject().as_raw());
    }
    let mut body = Vec::new();
    put_vec8(&mut body, &[64]);
    put_vec16(&mut body, &names);
    Ok(body)
}

/// The client's certificates: a signing and an encryption certificate issued by one of the
/// accepted issuers, or none where that is allowed.
fn check_client_certificates(
    list: &[Vec<u8>],
    auth: &ClientAuth,
    suite: crate::CipherSuite,
) -> Result<(), TlcpError> {
    if list.is_empty() {
        if auth.required || suite.is_ecdhe() {
            return Err(TlcpError::ClientCertificate(
                "the client sent no certificate".into(),
            ));
        }
        return Ok(());
    }
    let needed = if suite.is_ecdhe() { 2 } else { 1 };
    if list.len() < needed {
        return Err(TlcpError::ClientCertificate(format!(
            "{} certificate(s); {} needs a signing and an encryption certificate",
            list.len(),
            suite.name()
        )));
    }
    for (role, der) in ["signing", "encryption"].iter().zip(list).take(needed) {
        if !auth.issuers.iter().any(|issuer| issued_by(der, issuer)) {
            return Err(TlcpError::ClientCertificate(format!(
                "the client's {role} certificate was not issued by an accepted CA"
            )));
        }
    }
    Ok(())
}

/// Whether `issuer`'s SM2 key (default ID) signed `der`.
fn issued_by(der: &[u8], issuer: &[u8]) -> bool {
    let (Ok((_, cert)), Ok((_, ca))) = (
        X509Certificate::from_der(der),
        X509Certificate::from_der(issuer),
    ) else {
        return false;
    };
    cert.issuer() == ca.subject()
        && sm2sig::verify(
            &ca.public_key().subject_public_key.data,
            sm2sig::DEFAULT_DIST_ID,
            cert.tbs_certificate.as_ref(),
            &cert.signature_value.data,
        )
        .is_ok()
}

/// The client's random and the suite codes it offered; TLCP's version and no compression
/// other than null are required.
fn client_hello(body: &[u8]) -> Result<([u8; 32], Vec<u16>), TlcpError> {
    let mut r = Reader::new(body, "ClientHello");
    let version = r.u16()?;
    if version != VERSION {
        return Err(TlcpError::Protocol(format!(
            "ClientHello version {version:#06x}, not TLCP's 0x0101"
        )));
    }
    let random: [u8; 32] = r.take(32)?.try_into().expect("32");
    r.vec8()?;
    let codes = r.vec16()?;
    if codes.len() % 2 != 0 {
        return Err(TlcpError::Decode("ClientHello cipher suites"));
    }
    let offered = codes
        .chunks(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    if !r.vec8()?.contains(&0) {
        return Err(TlcpError::Protocol(
            "the client offers no null compression".into(),
        ));
    }
    if !r.is_empty() {
        r.vec16()?;
        r.end()?;
    }
    Ok((random, offered))
}
