//! The server side of the same handshake, for the reference platform: it lets the default
//! run and the fault matrix exercise a full TLCP handshake, with faults a real server could
//! have.

use std::time::Duration;

use sm2::dsa::SigningKey;
use sm2::pke::DecryptingKey;
use tianping_profile::sm2sig;
use tokio::io::{AsyncRead, AsyncWrite};

use crate::client::protections;
use crate::codec::{Reader, put_u16, put_u24, put_vec8, put_vec16};
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

        let mut list = Vec::new();
        for der in &identity.certificates {
            put_u24(&mut list, der.len());
            list.extend_from_slice(der);
        }
        let mut body = Vec::new();
        put_u24(&mut body, list.len());
        body.extend_from_slice(&list);
        self.send(msg::CERTIFICATE, &body).await?;
        // A server configured with one certificate presents it, as a broken one would, and
        // goes no further: without an encryption certificate there is no ECC key exchange.
        let [_, encryption, ..] = identity.certificates.as_slice() else {
            self.flush().await?;
            return Err(TlcpError::Certificate(
                "the server needs a signing and an encryption certificate".into(),
            ));
        };

        let mut signed = Vec::with_capacity(64 + 3 + encryption.len());
        signed.extend_from_slice(&client_random);
        signed.extend_from_slice(&server_random);
        put_u24(&mut signed, encryption.len());
        signed.extend_from_slice(encryption);
        let signature = if config.faults.key_exchange_signed_by_another_key {
            let other =
                sm2sig::signing_key_from_seed(sm2sig::DEFAULT_DIST_ID, b"not the signing key");
            sm2sig::sign_der(&other, &signed)
        } else {
            sm2sig::sign_der(&identity.signing_key, &signed)
        };
        let mut body = Vec::new();
        put_vec16(&mut body, &signature);
        self.send(msg::SERVER_KEY_EXCHANGE, &body).await?;
        self.send(msg::SERVER_HELLO_DONE, &[]).await?;
        self.flush().await?;

        let cke = self
            .expect(msg::CLIENT_KEY_EXCHANGE, "ClientKeyExchange")
            .await?;
        let mut r = Reader::new(&cke, "ClientKeyExchange");
        let encrypted = r.vec16()?;
        r.end()?;
        let secret: [u8; 32] = if config.faults.encryption_key_mismatch {
            sm2sig::signing_key_from_seed(sm2sig::DEFAULT_DIST_ID, b"not the encryption key")
                .to_bytes()
                .into()
        } else {
            identity.encryption_key
        };
        let key = DecryptingKey::from_slice(&secret)
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
        let finished = prf::verify_data(&master, "server finished", &self.transcript);
        self.send(msg::FINISHED, &finished).await?;
        self.flush().await?;
        Ok(HandshakeInfo {
            suite,
            certificates: identity.certificates.clone(),
            client_certificate_requested: false,
            key_exchange_signature: signature,
        })
    }
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
