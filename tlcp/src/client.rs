//! The client handshake (GB/T 38636-2020 §6.4, ECC key exchange) and the connection it yields.

use std::time::Duration;

use sm2::pke::EncryptingKey;
use tianping_profile::sm2sig;
use tokio::io::{AsyncRead, AsyncWrite};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::codec::{Reader, put_u16, put_u24, put_vec8, put_vec16};
use crate::handshake::{Handshake, msg, unexpected, within};
use crate::record::{Protection, VERSION};
use crate::stream::TlcpStream;
use crate::{CipherSuite, TlcpError, prf};

/// What the client offers and how long it waits.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The suites offered, in order of preference.
    pub suites: Vec<CipherSuite>,
    /// The whole handshake must finish within this.
    pub handshake_timeout: Duration,
    /// Each read after the handshake must see a record within this.
    pub read_timeout: Duration,
    /// The largest handshake message accepted (a certificate chain is one message).
    pub max_handshake_message: usize,
    /// The client's certificate pair, presented when the server asks; without it the ECDHE
    /// suites are not offered and an empty certificate list answers a request.
    pub identity: Option<ClientIdentity>,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            suites: CipherSuite::ALL.to_vec(),
            handshake_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(10),
            max_handshake_message: 64 * 1024,
            identity: None,
        }
    }
}

impl ClientConfig {
    /// The suites actually offered: the ECDHE ones only with a certificate pair.
    fn offered(&self) -> Vec<CipherSuite> {
        self.suites
            .iter()
            .copied()
            .filter(|s| self.identity.is_some() || !s.is_ecdhe())
            .collect()
    }
}

/// A TLCP client's dual certificates and keys (mutual TLCP, and the ECDHE suites).
#[derive(Clone)]
pub struct ClientIdentity {
    /// The signing key (default distinguishing ID), which signs CertificateVerify.
    pub signing_key: sm2::dsa::SigningKey,
    /// The encryption key's secret scalar (32 bytes), which enters the ECDHE key exchange.
    pub encryption_key: [u8; 32],
    /// The certificates presented: signing, encryption, then any CA certificates.
    pub certificates: Vec<Vec<u8>>,
}

impl ClientIdentity {
    /// The chain sent for `suite`: under ECDHE both certificates (the key exchange uses the
    /// encryption key), otherwise the signing certificate and any CA certificates, as GmSSL
    /// sends them and verifies them (an ordinary chain, where an encryption certificate in
    /// second place would be taken for the issuer).
    pub fn presented_for(&self, suite: CipherSuite) -> Vec<Vec<u8>> {
        if suite.is_ecdhe() {
            self.certificates.clone()
        } else {
            self.certificates
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != 1)
                .map(|(_, c)| c.clone())
                .collect()
        }
    }
}

impl std::fmt::Debug for ClientIdentity {
    // Never the keys.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ClientIdentity({} certificates)",
            self.certificates.len()
        )
    }
}

/// What the handshake established.
#[derive(Debug, Clone)]
pub struct HandshakeInfo {
    /// The suite the server chose.
    pub suite: CipherSuite,
    /// The certificates as presented: signing certificate first, encryption second, then any
    /// CA certificates.
    pub certificates: Vec<Vec<u8>>,
    /// Whether the server asked for a client certificate.
    pub client_certificate_requested: bool,
    /// The client's certificates as presented (empty when none were sent or asked for).
    pub client_certificates: Vec<Vec<u8>>,
    /// The ServerKeyExchange signature, verified with the signing certificate's key.
    pub key_exchange_signature: Vec<u8>,
}

impl HandshakeInfo {
    /// The signing certificate (DER).
    pub fn signing_certificate(&self) -> &[u8] {
        &self.certificates[0]
    }

    /// The encryption certificate (DER). The server's Finished verified, so it decrypted the
    /// pre-master secret sent under this certificate's key: it holds that key.
    pub fn encryption_certificate(&self) -> &[u8] {
        &self.certificates[1]
    }
}

/// Runs the client handshake over `io` (a connected transport) under `config`.
pub async fn connect<S>(io: S, config: &ClientConfig) -> Result<TlcpStream<S>, TlcpError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    if config.offered().is_empty() {
        return Err(TlcpError::Protocol(
            "no cipher suite to offer (the ECDHE suites need a client certificate pair)".into(),
        ));
    }
    let mut hs = Handshake::new(io, config.max_handshake_message);
    let outcome = within(config.handshake_timeout, hs.run_client(config)).await;
    hs.alert_on_error(&outcome).await;
    outcome.map(|info| TlcpStream::established(hs, info, config.read_timeout))
}

impl<S: AsyncRead + AsyncWrite + Unpin> Handshake<S> {
    async fn run_client(&mut self, config: &ClientConfig) -> Result<HandshakeInfo, TlcpError> {
        let offered = config.offered();
        let client_random = crate::random::<32>()?;
        self.send(msg::CLIENT_HELLO, &client_hello(&client_random, &offered))
            .await?;

        let hello = self.expect(msg::SERVER_HELLO, "ServerHello").await?;
        let (server_random, suite) = server_hello(&hello, &offered)?;

        let certificates = certificate_list(&self.expect(msg::CERTIFICATE, "Certificate").await?)?;
        let [signing, encryption, ..] = certificates.as_slice() else {
            return Err(TlcpError::Certificate(format!(
                "{} certificate(s) presented; TLCP needs a signing and an encryption certificate",
                certificates.len()
            )));
        };
        let ske = self
            .expect(msg::SERVER_KEY_EXCHANGE, "ServerKeyExchange")
            .await?;
        let mut r = Reader::new(&ske, "ServerKeyExchange");
        // ECDHE: the server's ephemeral point comes first, and the signature covers it.
        let server_params = if suite.is_ecdhe() {
            let params = ecdhe_params(&mut r, "ServerKeyExchange")?;
            Some(params)
        } else {
            None
        };
        let signature = r.vec16()?.to_vec();
        r.end()?;
        let signed_material = match &server_params {
            Some((raw, _)) => SignedMaterial::EcdheParams(raw),
            None => SignedMaterial::EncryptionCertificate(encryption),
        };
        verify_key_exchange(
            signing,
            signed_material,
            &client_random,
            &server_random,
            &signature,
        )?;

        let (kind, body) = self.next_message("ServerHelloDone").await?;
        let client_certificate_requested = kind == msg::CERTIFICATE_REQUEST;
        if client_certificate_requested {
            certificate_request(&body)?;
            self.expect(msg::SERVER_HELLO_DONE, "ServerHelloDone")
                .await?;
        } else if kind != msg::SERVER_HELLO_DONE {
            return Err(unexpected(kind, "ServerHelloDone"));
        } else if !body.is_empty() {
            return Err(TlcpError::Decode("ServerHelloDone"));
        } else if suite.is_ecdhe() {
            return Err(TlcpError::Protocol(
                "an ECDHE suite without a CertificateRequest: the key exchange needs the \
                 client's encryption key"
                    .into(),
            ));
        }

        // The client's certificates, when asked: the pair if there is one, else none.
        let identity = config
            .identity
            .as_ref()
            .filter(|_| client_certificate_requested);
        let presented = identity.map(|i| i.presented_for(suite)).unwrap_or_default();
        if client_certificate_requested {
            self.send(msg::CERTIFICATE, &encode_certificate_list(&presented))
                .await?;
        }

        let (pre_master, cke) = match (&server_params, identity) {
            (Some((_, server_point)), Some(identity)) => {
                ecdhe_key_exchange(identity, encryption, server_point)?
            }
            (Some(_), None) => {
                return Err(TlcpError::Protocol(
                    "the server chose an ECDHE suite, which needs a client certificate pair".into(),
                ));
            }
            (None, _) => ecc_key_exchange(encryption)?,
        };
        self.send(msg::CLIENT_KEY_EXCHANGE, &cke).await?;
        if let Some(identity) = identity {
            // CertificateVerify: the signing key's SM2 signature over every handshake message
            // so far.
            let signature = sm2sig::sign_der(&identity.signing_key, &self.transcript);
            let mut body = Vec::new();
            put_vec16(&mut body, &signature);
            self.send(msg::CERTIFICATE_VERIFY, &body).await?;
        }

        let master = prf::master_secret(&pre_master, &client_random, &server_random);
        let (client_keys, server_keys) =
            protections(suite, &master, &client_random, &server_random);

        let finished_sent = async {
            self.send_change_cipher_spec().await?;
            self.write.protect(client_keys);
            let finished = prf::verify_data(&master, "client finished", &self.transcript);
            self.send(msg::FINISHED, &finished).await?;
            self.flush().await?;
            Ok::<(), TlcpError>(())
        }
        .await;
        // A server that could not decrypt the key exchange may have sent its alert and closed
        // while Finished was still being written: its alert, not the broken pipe, says why.
        let answered = self.expect_change_cipher_spec().await;
        match (finished_sent, answered) {
            (
                _,
                Err(TlcpError::Alert {
                    fatal: true,
                    description: description @ (20 | 51),
                }),
            ) if !suite.is_ecdhe() => return Err(TlcpError::KeyExchangeNotDecrypted(description)),
            (Err(e), _) | (Ok(()), Err(e)) => return Err(e),
            (Ok(()), Ok(())) => {}
        }
        self.read.protect(server_keys);
        let expected = prf::verify_data(&master, "server finished", &self.transcript);
        let theirs = self.expect(msg::FINISHED, "Finished").await?;
        if theirs != expected {
            return Err(TlcpError::BadFinished);
        }
        if !self.buffer.is_empty() {
            return Err(TlcpError::Protocol("handshake data after Finished".into()));
        }
        Ok(HandshakeInfo {
            suite,
            certificates,
            client_certificate_requested,
            client_certificates: presented,
            key_exchange_signature: signature,
        })
    }
}

/// The named curve TLCP's ECDHE parameters use: sm2p256v1 (41, as in RFC 8998).
pub(crate) const SM2_CURVE: u16 = 41;

/// ECParameters and an ECPoint (RFC 4492 §5.4): named curve sm2p256v1, an uncompressed point.
/// Returns the raw bytes read (what the signature covers) and the point.
pub(crate) fn ecdhe_params(
    r: &mut Reader<'_>,
    what: &'static str,
) -> Result<(Vec<u8>, sm2::AffinePoint), TlcpError> {
    let curve_type = r.u8()?;
    let curve = r.u16()?;
    if curve_type != 3 || curve != SM2_CURVE {
        return Err(TlcpError::Protocol(format!(
            "the {what} names curve type {curve_type}, curve {curve}: not the named curve sm2p256v1 (41)"
        )));
    }
    let encoded = r.vec8()?;
    let point = crate::exchange::point(encoded, what)?;
    let mut raw = vec![curve_type];
    put_u16(&mut raw, curve);
    put_vec8(&mut raw, encoded);
    Ok((raw, point))
}

/// The ECParameters and point of this side's ephemeral key.
pub(crate) fn encode_ecdhe_params(point: &[u8]) -> Vec<u8> {
    let mut raw = vec![3];
    put_u16(&mut raw, SM2_CURVE);
    put_vec8(&mut raw, point);
    raw
}

/// A Certificate message's body for `certificates`.
pub(crate) fn encode_certificate_list(certificates: &[Vec<u8>]) -> Vec<u8> {
    let mut list = Vec::new();
    for der in certificates {
        put_u24(&mut list, der.len());
        list.extend_from_slice(der);
    }
    let mut body = Vec::new();
    put_u24(&mut body, list.len());
    body.extend_from_slice(&list);
    body
}

/// A CertificateRequest (types, then CA names), read within bounds and otherwise not used:
/// the client has one certificate pair to offer.
fn certificate_request(body: &[u8]) -> Result<(), TlcpError> {
    let mut r = Reader::new(body, "CertificateRequest");
    if r.vec8()?.is_empty() {
        return Err(TlcpError::Decode("CertificateRequest"));
    }
    r.vec16()?;
    r.end()
}

/// ECC: a fresh pre-master secret (the version, then 46 random bytes), SM2-encrypted to the
/// encryption certificate's key (GM/T 0009 DER ciphertext). The secret and the message body.
fn ecc_key_exchange(encryption: &[u8]) -> Result<(Vec<u8>, Vec<u8>), TlcpError> {
    let mut pre_master = VERSION.to_be_bytes().to_vec();
    pre_master.extend_from_slice(&crate::random::<46>()?);
    let encrypted = encryption_key(encryption)?
        .encrypt_der(
            &mut sm2::elliptic_curve::common::getrandom::SysRng,
            &pre_master,
        )
        .map_err(|e| TlcpError::Certificate(format!("SM2 encryption failed: {e}")))?;
    let mut cke = Vec::new();
    put_vec16(&mut cke, &encrypted);
    Ok((pre_master, cke))
}

/// ECDHE: the SM2 key exchange as responder (the server initiates), between the client's
/// encryption key with a fresh ephemeral key and the server's encryption certificate with
/// its ephemeral point; 48 bytes of pre-master secret.
fn ecdhe_key_exchange(
    identity: &ClientIdentity,
    server_encryption: &[u8],
    server_point: &sm2::AffinePoint,
) -> Result<(Vec<u8>, Vec<u8>), TlcpError> {
    let (ephemeral, point) = crate::exchange::ephemeral()?;
    let static_secret = crate::exchange::scalar(&identity.encryption_key).ok_or_else(|| {
        TlcpError::Certificate("the client's encryption key is not an SM2 key".into())
    })?;
    let server_static = crate::exchange::point(
        &public_key(server_encryption, "encryption")?,
        "server's encryption key",
    )?;
    let keys = crate::exchange::ExchangeKeys {
        static_secret,
        ephemeral_secret: ephemeral,
    };
    let pre_master = crate::exchange::shared_key(
        false,
        &keys,
        &server_static,
        server_point,
        sm2sig::DEFAULT_DIST_ID.as_bytes(),
        48,
    )?;
    let mut cke = Vec::new();
    put_vec16(&mut cke, &encode_ecdhe_params(&point));
    Ok((pre_master, cke))
}

/// ClientHello: TLCP's version, the random, no session, the suites, no compression.
fn client_hello(random: &[u8; 32], suites: &[CipherSuite]) -> Vec<u8> {
    let mut body = Vec::new();
    put_u16(&mut body, VERSION);
    body.extend_from_slice(random);
    put_vec8(&mut body, &[]);
    let codes: Vec<u8> = suites.iter().flat_map(|s| s.code().to_be_bytes()).collect();
    put_vec16(&mut body, &codes);
    put_vec8(&mut body, &[0]);
    body
}

/// The server's random and chosen suite, holding it to what was offered.
fn server_hello(
    body: &[u8],
    offered: &[CipherSuite],
) -> Result<([u8; 32], CipherSuite), TlcpError> {
    let mut r = Reader::new(body, "ServerHello");
    let version = r.u16()?;
    if version != VERSION {
        return Err(TlcpError::Protocol(format!(
            "ServerHello version {version:#06x}, not TLCP's 0x0101"
        )));
    }
    let random: [u8; 32] = r.take(32)?.try_into().expect("32");
    if r.vec8()?.len() > 32 {
        return Err(TlcpError::Decode("ServerHello session id"));
    }
    let code = r.u16()?;
    let suite = CipherSuite::from_code(code)
        .filter(|s| offered.contains(s))
        .ok_or(TlcpError::UnofferedSuite(code))?;
    if r.u8()? != 0 {
        return Err(TlcpError::Protocol(
            "the server chose a compression method".into(),
        ));
    }
    if !r.is_empty() {
        // Extensions, which TLCP does not define: read within bounds, then ignored.
        let mut extensions = Reader::new(r.vec16()?, "ServerHello extensions");
        while !extensions.is_empty() {
            extensions.u16()?;
            extensions.vec16()?;
        }
        r.end()?;
    }
    Ok((random, suite))
}

/// The certificates of a Certificate message, in order.
pub(crate) fn certificate_list(body: &[u8]) -> Result<Vec<Vec<u8>>, TlcpError> {
    let mut r = Reader::new(body, "Certificate");
    let mut list = Reader::new(r.vec24()?, "Certificate list");
    r.end()?;
    let mut certificates = Vec::new();
    while !list.is_empty() {
        certificates.push(list.vec24()?.to_vec());
    }
    Ok(certificates)
}

/// The SM2 public key (uncompressed point) of a certificate.
pub(crate) fn public_key(der: &[u8], role: &str) -> Result<Vec<u8>, TlcpError> {
    let (_, cert) = X509Certificate::from_der(der).map_err(|e| {
        TlcpError::Certificate(format!("the {role} certificate does not parse: {e}"))
    })?;
    Ok(cert.public_key().subject_public_key.data.to_vec())
}

fn encryption_key(der: &[u8]) -> Result<EncryptingKey, TlcpError> {
    EncryptingKey::from_sec1_bytes(&public_key(der, "encryption")?).map_err(|_| {
        TlcpError::Certificate("the encryption certificate's key is not an SM2 point".into())
    })
}

/// What a ServerKeyExchange signs besides both randoms.
pub(crate) enum SignedMaterial<'a> {
    /// ECC: the encryption certificate, with its 3-byte length.
    EncryptionCertificate(&'a [u8]),
    /// ECDHE: the ECParameters and point, as sent.
    EcdheParams(&'a [u8]),
}

/// The bytes a ServerKeyExchange signature covers.
pub(crate) fn key_exchange_signed(
    client_random: &[u8; 32],
    server_random: &[u8; 32],
    material: SignedMaterial<'_>,
) -> Vec<u8> {
    let mut signed = Vec::with_capacity(64 + 3 + 1024);
    signed.extend_from_slice(client_random);
    signed.extend_from_slice(server_random);
    match material {
        SignedMaterial::EncryptionCertificate(der) => {
            put_u24(&mut signed, der.len());
            signed.extend_from_slice(der);
        }
        SignedMaterial::EcdheParams(raw) => signed.extend_from_slice(raw),
    }
    signed
}

/// The ServerKeyExchange signature: SM2 (default ID, DER) by the signing key over both
/// randoms and the suite's material.
fn verify_key_exchange(
    signing: &[u8],
    material: SignedMaterial<'_>,
    client_random: &[u8; 32],
    server_random: &[u8; 32],
    signature: &[u8],
) -> Result<(), TlcpError> {
    let key = public_key(signing, "signing")?;
    let signed = key_exchange_signed(client_random, server_random, material);
    match sm2sig::verify(&key, sm2sig::DEFAULT_DIST_ID, &signed, signature) {
        Ok(sm2sig::SignatureEncoding::Der) => Ok(()),
        Ok(other) => Err(TlcpError::BadKeyExchangeSignature(format!(
            "the signature verifies only as {other:?}, not the DER SM2Signature GB/T 38636 uses"
        ))),
        Err(e) => Err(TlcpError::BadKeyExchangeSignature(e.to_string())),
    }
}

/// The client's and the server's record protection from the key block.
pub(crate) fn protections(
    suite: CipherSuite,
    master: &[u8],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
) -> (Protection, Protection) {
    let take = |b: &[u8], at: usize, n: usize| b[at..at + n].to_vec();
    if suite.is_gcm() {
        let b = prf::key_block(master, client_random, server_random, 40);
        let gcm = |key: Vec<u8>, iv: Vec<u8>| Protection::Gcm {
            key: key.try_into().expect("16"),
            fixed_iv: iv.try_into().expect("4"),
        };
        (
            gcm(take(&b, 0, 16), take(&b, 32, 4)),
            gcm(take(&b, 16, 16), take(&b, 36, 4)),
        )
    } else {
        let b = prf::key_block(master, client_random, server_random, 96);
        let cbc = |mac: Vec<u8>, key: Vec<u8>| Protection::Cbc {
            mac_key: mac.try_into().expect("32"),
            key: key.try_into().expect("16"),
        };
        (
            cbc(take(&b, 0, 32), take(&b, 64, 16)),
            cbc(take(&b, 32, 32), take(&b, 80, 16)),
        )
    }
}
