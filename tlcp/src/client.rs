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
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            suites: CipherSuite::ALL.to_vec(),
            handshake_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(10),
            max_handshake_message: 64 * 1024,
        }
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
    /// Whether the server asked for a client certificate (none was sent).
    pub client_certificate_requested: bool,
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
    if config.suites.is_empty() {
        return Err(TlcpError::Protocol("no cipher suite to offer".into()));
    }
    let mut hs = Handshake::new(io, config.max_handshake_message);
    let outcome = within(config.handshake_timeout, hs.run_client(config)).await;
    hs.alert_on_error(&outcome).await;
    outcome.map(|info| TlcpStream::established(hs, info, config.read_timeout))
}

impl<S: AsyncRead + AsyncWrite + Unpin> Handshake<S> {
    async fn run_client(&mut self, config: &ClientConfig) -> Result<HandshakeInfo, TlcpError> {
        let client_random = crate::random::<32>()?;
        self.send(
            msg::CLIENT_HELLO,
            &client_hello(&client_random, &config.suites),
        )
        .await?;

        let hello = self.expect(msg::SERVER_HELLO, "ServerHello").await?;
        let (server_random, suite) = server_hello(&hello, &config.suites)?;

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
        let signature = r.vec16()?.to_vec();
        r.end()?;
        verify_key_exchange(
            signing,
            encryption,
            &client_random,
            &server_random,
            &signature,
        )?;

        let (kind, body) = self.next_message("ServerHelloDone").await?;
        let client_certificate_requested = kind == msg::CERTIFICATE_REQUEST;
        if client_certificate_requested {
            self.expect(msg::SERVER_HELLO_DONE, "ServerHelloDone")
                .await?;
        } else if kind != msg::SERVER_HELLO_DONE {
            return Err(unexpected(kind, "ServerHelloDone"));
        } else if !body.is_empty() {
            return Err(TlcpError::Decode("ServerHelloDone"));
        }

        // The pre-master secret: the version, then 46 random bytes, SM2-encrypted to the
        // encryption certificate's key (GM/T 0009 DER ciphertext).
        let mut pre_master = VERSION.to_be_bytes().to_vec();
        pre_master.extend_from_slice(&crate::random::<46>()?);
        let encrypted = encryption_key(encryption)?
            .encrypt_der(
                &mut sm2::elliptic_curve::common::getrandom::SysRng,
                &pre_master,
            )
            .map_err(|e| TlcpError::Certificate(format!("SM2 encryption failed: {e}")))?;
        if client_certificate_requested {
            // No client certificate: an empty list, and the server decides.
            self.send(msg::CERTIFICATE, &[0, 0, 0]).await?;
        }
        let mut cke = Vec::new();
        put_vec16(&mut cke, &encrypted);
        self.send(msg::CLIENT_KEY_EXCHANGE, &cke).await?;

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
            ) => return Err(TlcpError::KeyExchangeNotDecrypted(description)),
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
            key_exchange_signature: signature,
        })
    }
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
fn certificate_list(body: &[u8]) -> Result<Vec<Vec<u8>>, TlcpError> {
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
fn public_key(der: &[u8], role: &str) -> Result<Vec<u8>, TlcpError> {
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

/// The ServerKeyExchange of an ECC suite: an SM2 signature (default ID, DER) by the signing
/// key over both randoms and the encryption certificate with its 3-byte length.
fn verify_key_exchange(
    signing: &[u8],
    encryption: &[u8],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
    signature: &[u8],
) -> Result<(), TlcpError> {
    let key = public_key(signing, "signing")?;
    let mut signed = Vec::with_capacity(64 + 3 + encryption.len());
    signed.extend_from_slice(client_random);
    signed.extend_from_slice(server_random);
    put_u24(&mut signed, encryption.len());
    signed.extend_from_slice(encryption);
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
