//! The client handshake (GB/T 38636-2020 §6.4, ECC key exchange) and the connection it yields.

use std::time::Duration;

use sm2::pke::EncryptingKey;
use tianping_profile::sm2sig;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::codec::{Reader, put_u16, put_u24, put_vec8, put_vec16};
use crate::record::{
    ContentType, Direction, MAX_PLAINTEXT, Protection, VERSION, read_record, write_record,
};
use crate::{CipherSuite, TlcpError, prf};

/// Handshake message types (RFC 5246 §7.4, as TLCP keeps them).
mod msg {
    pub const HELLO_REQUEST: u8 = 0;
    pub const CLIENT_HELLO: u8 = 1;
    pub const SERVER_HELLO: u8 = 2;
    pub const CERTIFICATE: u8 = 11;
    pub const SERVER_KEY_EXCHANGE: u8 = 12;
    pub const CERTIFICATE_REQUEST: u8 = 13;
    pub const SERVER_HELLO_DONE: u8 = 14;
    pub const CLIENT_KEY_EXCHANGE: u8 = 16;
    pub const FINISHED: u8 = 20;
}

/// Alert descriptions the client sends when it gives up.
mod alert {
    pub const CLOSE_NOTIFY: u8 = 0;
    pub const UNEXPECTED_MESSAGE: u8 = 10;
    pub const BAD_RECORD_MAC: u8 = 20;
    pub const HANDSHAKE_FAILURE: u8 = 40;
    pub const BAD_CERTIFICATE: u8 = 42;
    pub const ILLEGAL_PARAMETER: u8 = 47;
    pub const DECODE_ERROR: u8 = 50;
    pub const DECRYPT_ERROR: u8 = 51;
}

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

/// An established TLCP connection.
pub struct TlcpStream<S> {
    io: S,
    read: Direction,
    write: Direction,
    pending: Vec<u8>,
    info: HandshakeInfo,
    read_timeout: Duration,
    peer_closed: bool,
}

/// Runs the client handshake over `io` (a connected transport) under `config`.
pub async fn connect<S>(io: S, config: &ClientConfig) -> Result<TlcpStream<S>, TlcpError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    if config.suites.is_empty() {
        return Err(TlcpError::Protocol("no cipher suite to offer".into()));
    }
    let mut hs = Handshake {
        io,
        read: Direction::plain(),
        write: Direction::plain(),
        transcript: Vec::new(),
        buffer: Vec::new(),
        max_message: config.max_handshake_message,
    };
    let secs = config.handshake_timeout.as_secs();
    let outcome = match tokio::time::timeout(config.handshake_timeout, hs.run(config)).await {
        Ok(outcome) => outcome,
        Err(_) => Err(TlcpError::Timeout(secs)),
    };
    match outcome {
        Ok(info) => Ok(TlcpStream {
            io: hs.io,
            read: hs.read,
            write: hs.write,
            pending: Vec::new(),
            info,
            read_timeout: config.read_timeout,
            peer_closed: false,
        }),
        Err(e) => {
            if let Some(code) = alert_for(&e) {
                // Best effort, briefly: the error is what the caller needs.
                let _ = tokio::time::timeout(Duration::from_secs(1), hs.send_alert(code)).await;
            }
            Err(e)
        }
    }
}

/// The alert that tells the server why the client gave up, where one applies.
fn alert_for(e: &TlcpError) -> Option<u8> {
    Some(match e {
        TlcpError::Decode(_) => alert::DECODE_ERROR,
        TlcpError::Protocol(_) => alert::UNEXPECTED_MESSAGE,
        TlcpError::UnofferedSuite(_) => alert::ILLEGAL_PARAMETER,
        TlcpError::Certificate(_) => alert::BAD_CERTIFICATE,
        TlcpError::BadKeyExchangeSignature(_) | TlcpError::BadFinished => alert::DECRYPT_ERROR,
        TlcpError::BadRecordMac => alert::BAD_RECORD_MAC,
        TlcpError::Timeout(_) => alert::HANDSHAKE_FAILURE,
        TlcpError::Io(_)
        | TlcpError::Closed(_)
        | TlcpError::Alert { .. }
        | TlcpError::Truncated => {
            return None;
        }
    })
}

/// An alert record's body, as the error it is.
fn alert_error(body: &[u8]) -> TlcpError {
    match body {
        [level, description] => TlcpError::Alert {
            fatal: *level == 2,
            description: *description,
        },
        _ => TlcpError::Decode("alert"),
    }
}

struct Handshake<S> {
    io: S,
    read: Direction,
    write: Direction,
    /// Every handshake message so far, as Finished hashes them.
    transcript: Vec<u8>,
    /// Handshake bytes received and not yet taken as a whole message.
    buffer: Vec<u8>,
    max_message: usize,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Handshake<S> {
    async fn run(&mut self, config: &ClientConfig) -> Result<HandshakeInfo, TlcpError> {
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

        let ccs = self.write.seal(ContentType::ChangeCipherSpec, &[1])?;
        write_record(&mut self.io, ContentType::ChangeCipherSpec, &ccs).await?;
        self.write.protect(client_keys);
        let finished = prf::verify_data(&master, "client finished", &self.transcript);
        self.send(msg::FINISHED, &finished).await?;
        self.io.flush().await?;

        self.expect_change_cipher_spec().await?;
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

    /// Sends one handshake message and adds it to the transcript.
    async fn send(&mut self, kind: u8, body: &[u8]) -> Result<(), TlcpError> {
        let mut message = vec![kind];
        put_u24(&mut message, body.len());
        message.extend_from_slice(body);
        self.transcript.extend_from_slice(&message);
        for chunk in message.chunks(MAX_PLAINTEXT) {
            let fragment = self.write.seal(ContentType::Handshake, chunk)?;
            write_record(&mut self.io, ContentType::Handshake, &fragment).await?;
        }
        Ok(())
    }

    /// The next handshake message, which must be of `kind`.
    async fn expect(&mut self, kind: u8, what: &'static str) -> Result<Vec<u8>, TlcpError> {
        let (got, body) = self.next_message(what).await?;
        if got != kind {
            return Err(unexpected(got, what));
        }
        Ok(body)
    }

    /// The next whole handshake message (type, body), reassembled across records. A
    /// HelloRequest is skipped, as RFC 5246 §7.4.1.1 asks during a handshake.
    async fn next_message(&mut self, what: &'static str) -> Result<(u8, Vec<u8>), TlcpError> {
        loop {
            if self.buffer.len() >= 4 {
                let len = usize::from(self.buffer[1]) << 16
                    | usize::from(self.buffer[2]) << 8
                    | usize::from(self.buffer[3]);
                if len > self.max_message {
                    return Err(TlcpError::Protocol(format!(
                        "a {len}-byte handshake message, over the limit of {}",
                        self.max_message
                    )));
                }
                if self.buffer.len() >= 4 + len {
                    let message: Vec<u8> = self.buffer.drain(..4 + len).collect();
                    if message[0] == msg::HELLO_REQUEST {
                        continue;
                    }
                    self.transcript.extend_from_slice(&message);
                    return Ok((message[0], message[4..].to_vec()));
                }
            }
            let record = read_record(&mut self.io)
                .await?
                .ok_or(TlcpError::Closed(what))?;
            let plain = self.read.open(record.kind, &record.fragment)?;
            match record.kind {
                ContentType::Handshake if plain.is_empty() => {
                    return Err(TlcpError::Protocol("an empty handshake record".into()));
                }
                ContentType::Handshake => self.buffer.extend_from_slice(&plain),
                ContentType::Alert => return Err(alert_error(&plain)),
                other => {
                    return Err(TlcpError::Protocol(format!(
                        "a {other:?} record where the {what} was expected"
                    )));
                }
            }
        }
    }

    /// The server's ChangeCipherSpec, on a message boundary.
    async fn expect_change_cipher_spec(&mut self) -> Result<(), TlcpError> {
        if !self.buffer.is_empty() {
            return Err(TlcpError::Protocol(
                "ChangeCipherSpec inside a handshake message".into(),
            ));
        }
        let record = read_record(&mut self.io)
            .await?
            .ok_or(TlcpError::Closed("ChangeCipherSpec"))?;
        let plain = self.read.open(record.kind, &record.fragment)?;
        match record.kind {
            ContentType::ChangeCipherSpec if plain == [1] => Ok(()),
            ContentType::ChangeCipherSpec => Err(TlcpError::Decode("ChangeCipherSpec")),
            ContentType::Alert => Err(alert_error(&plain)),
            other => Err(TlcpError::Protocol(format!(
                "a {other:?} record where ChangeCipherSpec was expected"
            ))),
        }
    }

    async fn send_alert(&mut self, description: u8) -> Result<(), TlcpError> {
        let fragment = self.write.seal(ContentType::Alert, &[2, description])?;
        write_record(&mut self.io, ContentType::Alert, &fragment).await?;
        self.io.flush().await?;
        Ok(())
    }
}

fn unexpected(kind: u8, what: &str) -> TlcpError {
    TlcpError::Protocol(format!(
        "handshake message type {kind} where the {what} was expected"
    ))
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
fn protections(
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

impl<S: AsyncRead + AsyncWrite + Unpin> TlcpStream<S> {
    /// What the handshake established.
    pub fn info(&self) -> &HandshakeInfo {
        &self.info
    }

    /// Sends `data` as application data.
    pub async fn write_all(&mut self, data: &[u8]) -> Result<(), TlcpError> {
        for chunk in data.chunks(MAX_PLAINTEXT) {
            let fragment = self.write.seal(ContentType::ApplicationData, chunk)?;
            write_record(&mut self.io, ContentType::ApplicationData, &fragment).await?;
        }
        self.io.flush().await?;
        Ok(())
    }

    /// Reads application data into `buf`: 0 once the server sent close_notify. The end of the
    /// connection without close_notify is [`TlcpError::Truncated`].
    pub async fn read(&mut self, buf: &mut [u8]) -> Result<usize, TlcpError> {
        loop {
            if !self.pending.is_empty() {
                let n = buf.len().min(self.pending.len());
                buf[..n].copy_from_slice(&self.pending[..n]);
                self.pending.drain(..n);
                return Ok(n);
            }
            if self.peer_closed {
                return Ok(0);
            }
            let secs = self.read_timeout.as_secs();
            let record = tokio::time::timeout(self.read_timeout, read_record(&mut self.io))
                .await
                .map_err(|_| TlcpError::Timeout(secs))??
                .ok_or(TlcpError::Truncated)?;
            let plain = self.read.open(record.kind, &record.fragment)?;
            match record.kind {
                ContentType::ApplicationData => self.pending = plain,
                ContentType::Alert => match alert_error(&plain) {
                    TlcpError::Alert { description: 0, .. } => self.peer_closed = true,
                    other => return Err(other),
                },
                other => {
                    return Err(TlcpError::Protocol(format!(
                        "a {other:?} record after the handshake (renegotiation is not supported)"
                    )));
                }
            }
        }
    }

    /// Reads until close_notify or the end of the connection, at most `limit` bytes. The flag
    /// says whether the server closed with close_notify.
    pub async fn read_to_end(&mut self, limit: usize) -> Result<(Vec<u8>, bool), TlcpError> {
        let mut out = Vec::new();
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            match self.read(&mut buf).await {
                Ok(0) => return Ok((out, true)),
                Ok(n) => {
                    if out.len() + n > limit {
                        return Err(TlcpError::Protocol(format!(
                            "more than {limit} bytes of application data"
                        )));
                    }
                    out.extend_from_slice(&buf[..n]);
                }
                Err(TlcpError::Truncated) => return Ok((out, false)),
                Err(e) => return Err(e),
            }
        }
    }

    /// Sends close_notify and shuts the transport's write side.
    pub async fn close(&mut self) -> Result<(), TlcpError> {
        let fragment = self
            .write
            .seal(ContentType::Alert, &[1, alert::CLOSE_NOTIFY])?;
        write_record(&mut self.io, ContentType::Alert, &fragment).await?;
        self.io.shutdown().await?;
        Ok(())
    }

    /// Whether the connection's records are protected (always, once established).
    pub fn is_protected(&self) -> bool {
        self.read.is_protected() && self.write.is_protected()
    }
}
