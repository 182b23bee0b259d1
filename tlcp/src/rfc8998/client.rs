//! The RFC 8998 client: a TLS 1.3 full handshake (RFC 8446 §2, no PSK, no early data) offering
//! only the SM suites, curveSM2 and sm2sig_sm3, and the connection it yields.
//!
//! Written here rather than on rustls's client: rustls always sends a status_request extension
//! in the RFC 6066 form, which GmSSL's TLS 1.3 server (the independent implementation this is
//! tested against) cannot parse, and it cannot be left out. The server side stays on rustls.

use std::time::Duration;

use tianping_profile::sm2sig;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use x509_parser::prelude::{FromDer, X509Certificate};

use super::primitives::{CURVE_SM2, CurveSm2, Sm4Aead};
use super::schedule::{self, HASH_LEN};
use super::{
    CertificateVerifyProblem, Rfc8998Error, SM2SIG_SM3, TLS_SM4_CCM_SM3, TLS_SM4_GCM_SM3,
    TLS13_SM2_ID, Tls13Handshake,
};
use crate::TlcpError;
use crate::codec::{Reader, put_u16, put_u24, put_vec8, put_vec16};

/// Record content types.
const CHANGE_CIPHER_SPEC: u8 = 20;
const ALERT: u8 = 21;
const HANDSHAKE: u8 = 22;
const APPLICATION_DATA: u8 = 23;

/// Handshake message types (RFC 8446 §4).
const CLIENT_HELLO: u8 = 1;
const SERVER_HELLO: u8 = 2;
const NEW_SESSION_TICKET: u8 = 4;
const ENCRYPTED_EXTENSIONS: u8 = 8;
const CERTIFICATE: u8 = 11;
const CERTIFICATE_REQUEST: u8 = 13;
const CERTIFICATE_VERIFY: u8 = 15;
const FINISHED: u8 = 20;
const KEY_UPDATE: u8 = 24;

/// Extensions (RFC 8446 §4.2).
const SERVER_NAME: u16 = 0;
const SUPPORTED_GROUPS: u16 = 10;
const SIGNATURE_ALGORITHMS: u16 = 13;
const SUPPORTED_VERSIONS: u16 = 43;
const KEY_SHARE: u16 = 51;

const TLS13: u16 = 0x0304;
/// A ServerHello with this random is a HelloRetryRequest (RFC 8446 §4.1.3).
const HELLO_RETRY_RANDOM: [u8; 32] = [
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
];

/// The largest record fragment accepted: 2^14 plus the 256 bytes of expansion RFC 8446 allows.
const MAX_FRAGMENT: usize = (1 << 14) + 256;
/// The largest handshake message accepted (a certificate chain is one message).
const MAX_HANDSHAKE_MESSAGE: usize = 64 * 1024;

impl From<TlcpError> for Rfc8998Error {
    fn from(e: TlcpError) -> Self {
        match e {
            TlcpError::Io(e) => Rfc8998Error::Io(e),
            other => Rfc8998Error::Protocol(other.to_string()),
        }
    }
}

impl From<std::io::Error> for Rfc8998Error {
    fn from(e: std::io::Error) -> Self {
        Rfc8998Error::Io(e)
    }
}

fn protocol(what: impl Into<String>) -> Rfc8998Error {
    Rfc8998Error::Protocol(what.into())
}

/// One direction's record protection: SM4 under a traffic secret, and its sequence number.
struct Protection {
    aead: Sm4Aead,
    secret: [u8; HASH_LEN],
    key: [u8; 16],
    iv: [u8; 12],
    seq: u64,
}

impl Protection {
    fn new(aead: Sm4Aead, secret: [u8; HASH_LEN]) -> Self {
        let (key, iv) = schedule::traffic_keys(&secret);
        Protection {
            aead,
            secret,
            key,
            iv,
            seq: 0,
        }
    }

    fn nonce(&mut self) -> Result<[u8; 12], Rfc8998Error> {
        let mut nonce = self.iv;
        for (n, s) in nonce[4..].iter_mut().zip(self.seq.to_be_bytes()) {
            *n ^= s;
        }
        self.seq = self
            .seq
            .checked_add(1)
            .ok_or_else(|| protocol("sequence number would wrap"))?;
        Ok(nonce)
    }

    /// A whole protected record carrying `plain` as content type `kind`.
    fn seal(&mut self, kind: u8, plain: &[u8]) -> Result<Vec<u8>, Rfc8998Error> {
        let mut data = [plain, &[kind]].concat();
        let len = data.len() + 16;
        let header = [APPLICATION_DATA, 3, 3, (len >> 8) as u8, len as u8];
        let nonce = self.nonce()?;
        if !self.aead.seal(&self.key, &nonce, &header, &mut data) {
            return Err(protocol("SM4 sealing failed"));
        }
        Ok([&header[..], &data].concat())
    }

    /// The content type and plaintext of a protected record; a tag that does not verify is
    /// bad_record_mac.
    fn open(&mut self, header: &[u8; 5], fragment: Vec<u8>) -> Result<(u8, Vec<u8>), Rfc8998Error> {
        let mut data = fragment;
        let nonce = self.nonce()?;
        if !self.aead.open(&self.key, &nonce, header, &mut data) {
            return Err(protocol(
                "a record did not authenticate (bad_record_mac): the keys differ",
            ));
        }
        // The inner plaintext ends with the content type, then zero padding (RFC 8446 §5.2).
        let Some(at) = data.iter().rposition(|b| *b != 0) else {
            return Err(protocol("a record with no content type"));
        };
        let kind = data[at];
        data.truncate(at);
        Ok((kind, data))
    }

    /// The next generation of this direction's keys (KeyUpdate, RFC 8446 §7.2).
    fn update(&mut self) {
        let next: [u8; HASH_LEN] =
            schedule::expand_label(&self.secret, "traffic upd", &[], HASH_LEN)
                .try_into()
                .expect("HASH_LEN");
        *self = Protection::new(self.aead, next);
    }
}

/// Reads one record: header and fragment. `None` at the end of the stream.
async fn read_record<S: AsyncRead + Unpin>(
    io: &mut S,
) -> Result<Option<([u8; 5], Vec<u8>)>, Rfc8998Error> {
    let Some(header) = crate::record::read_header(io).await? else {
        return Ok(None);
    };
    if !(CHANGE_CIPHER_SPEC..=APPLICATION_DATA).contains(&header[0]) {
        return Err(protocol(format!("record of unknown type {}", header[0])));
    }
    if header[1] != 3 {
        return Err(protocol(format!(
            "record version {:#04x}{:02x}, not TLS",
            header[1], header[2]
        )));
    }
    let len = usize::from(u16::from_be_bytes([header[3], header[4]]));
    if len > MAX_FRAGMENT {
        return Err(protocol(format!(
            "record of {len} bytes, over the limit of {MAX_FRAGMENT}"
        )));
    }
    let mut fragment = vec![0u8; len];
    io.read_exact(&mut fragment).await?;
    Ok(Some((header, fragment)))
}

fn alert_error(body: &[u8]) -> Rfc8998Error {
    match body {
        [_, description] => Rfc8998Error::Alert(*description),
        _ => protocol("a malformed alert"),
    }
}

/// The handshake in progress: transport, transcript and reassembly buffer.
struct Handshake<S> {
    io: S,
    transcript: Vec<u8>,
    buffer: Vec<u8>,
    read: Option<Protection>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Handshake<S> {
    /// The next whole handshake message as (type, body), reassembled across records; the
    /// whole message (header included) is added to the transcript.
    async fn next_message(&mut self, what: &str) -> Result<(u8, Vec<u8>), Rfc8998Error> {
        loop {
            if self.buffer.len() >= 4 {
                let len = usize::from(self.buffer[1]) << 16
                    | usize::from(self.buffer[2]) << 8
                    | usize::from(self.buffer[3]);
                if len > MAX_HANDSHAKE_MESSAGE {
                    return Err(protocol(format!(
                        "a {len}-byte handshake message, over the limit of {MAX_HANDSHAKE_MESSAGE}"
                    )));
                }
                if self.buffer.len() >= 4 + len {
                    let message: Vec<u8> = self.buffer.drain(..4 + len).collect();
                    self.transcript.extend_from_slice(&message);
                    return Ok((message[0], message[4..].to_vec()));
                }
            }
            let (header, fragment) = read_record(&mut self.io).await?.ok_or_else(|| {
                protocol(format!(
                    "the server closed the connection before the {what}"
                ))
            })?;
            let (kind, plain) = match (&mut self.read, header[0]) {
                // The compatibility ChangeCipherSpec (RFC 8446 §D.4) is ignored.
                (_, CHANGE_CIPHER_SPEC) if fragment == [1] => continue,
                (Some(keys), APPLICATION_DATA) => keys.open(&header, fragment)?,
                (Some(_), kind) if kind != ALERT => {
                    return Err(protocol(format!(
                        "an unprotected record of type {kind} after the ServerHello"
                    )));
                }
                (_, kind) => (kind, fragment),
            };
            match kind {
                HANDSHAKE if plain.is_empty() => {
                    return Err(protocol("an empty handshake record"));
                }
                HANDSHAKE => self.buffer.extend_from_slice(&plain),
                ALERT => return Err(alert_error(&plain)),
                other => {
                    return Err(protocol(format!(
                        "a record of type {other} where the {what} was expected"
                    )));
                }
            }
        }
    }

    async fn expect(&mut self, kind: u8, what: &str) -> Result<Vec<u8>, Rfc8998Error> {
        let (got, body) = self.next_message(what).await?;
        if got != kind {
            return Err(protocol(format!(
                "handshake message type {got} where the {what} was expected"
            )));
        }
        Ok(body)
    }
}

/// The ClientHello: TLS 1.3 only, the SM suites in `suites`, curveSM2 with `key_share`,
/// sm2sig_sm3, and the server name unless it is an address.
fn client_hello(
    suites: &[u16],
    server_name: &str,
    key_share: &[u8],
) -> Result<Vec<u8>, Rfc8998Error> {
    let mut body = Vec::with_capacity(256);
    put_u16(&mut body, 0x0303);
    body.extend_from_slice(&crate::random::<32>()?);
    // A session id, as middlebox compatibility mode sends (RFC 8446 §D.4).
    put_vec8(&mut body, &crate::random::<32>()?);
    let mut offered = Vec::new();
    for suite in suites {
        put_u16(&mut offered, *suite);
    }
    put_vec16(&mut body, &offered);
    put_vec8(&mut body, &[0]);
    let mut extensions = Vec::new();
    let mut extension = |kind: u16, data: &[u8]| {
        put_u16(&mut extensions, kind);
        put_vec16(&mut extensions, data);
    };
    if server_name.parse::<std::net::IpAddr>().is_err() {
        let mut entry = vec![0u8];
        put_vec16(&mut entry, server_name.as_bytes());
        let mut list = Vec::new();
        put_vec16(&mut list, &entry);
        extension(SERVER_NAME, &list);
    }
    extension(SUPPORTED_VERSIONS, &[2, 0x03, 0x04]);
    extension(SUPPORTED_GROUPS, &[0, 2, 0, CURVE_SM2 as u8]);
    extension(
        SIGNATURE_ALGORITHMS,
        &[0, 2, (SM2SIG_SM3 >> 8) as u8, SM2SIG_SM3 as u8],
    );
    let mut share = Vec::new();
    put_u16(&mut share, CURVE_SM2);
    put_vec16(&mut share, key_share);
    let mut shares = Vec::new();
    put_vec16(&mut shares, &share);
    extension(KEY_SHARE, &shares);
    put_vec16(&mut body, &extensions);
    let mut message = vec![CLIENT_HELLO];
    put_u24(&mut message, body.len());
    message.extend_from_slice(&body);
    Ok(message)
}

/// What the ServerHello chose: the suite and the server's curveSM2 point.
struct ServerChoice {
    suite: u16,
    key_share: Vec<u8>,
}

fn parse_server_hello(
    body: &[u8],
    offered: &[u16],
    session_id: &[u8],
) -> Result<ServerChoice, Rfc8998Error> {
    let mut r = Reader::new(body, "ServerHello");
    let legacy_version = r.u16()?;
    let random = r.take(32)?;
    if random == HELLO_RETRY_RANDOM {
        return Err(protocol(
            "a HelloRetryRequest, though the hello offered a curveSM2 key share and nothing else",
        ));
    }
    if r.vec8()? != session_id {
        return Err(protocol("the ServerHello does not echo the session id"));
    }
    let suite = r.u16()?;
    if r.u8()? != 0 {
        return Err(protocol("a compression method other than null"));
    }
    let mut version = None;
    let mut key_share = None;
    let mut extensions = Reader::new(r.vec16()?, "ServerHello extensions");
    r.end()?;
    while !extensions.is_empty() {
        let kind = extensions.u16()?;
        let mut data = Reader::new(extensions.vec16()?, "ServerHello extension");
        match kind {
            SUPPORTED_VERSIONS => version = Some(data.u16()?),
            KEY_SHARE => {
                let group = data.u16()?;
                if group != CURVE_SM2 {
                    return Err(protocol(format!(
                        "a key share on group {group}, which the client did not offer"
                    )));
                }
                key_share = Some(data.vec16()?.to_vec());
            }
            _ => continue,
        }
        data.end()?;
    }
    match version {
        Some(TLS13) => {}
        Some(other) => {
            return Err(protocol(format!(
                "selected version {other:#06x}, not TLS 1.3"
            )));
        }
        None => {
            return Err(protocol(format!(
                "answered with version {legacy_version:#06x} and no supported_versions: not TLS 1.3"
            )));
        }
    }
    if !offered.contains(&suite) {
        return Err(protocol(format!(
            "selected cipher suite {suite:#06x}, which the client did not offer"
        )));
    }
    let key_share = key_share.ok_or_else(|| protocol("the ServerHello carries no key share"))?;
    Ok(ServerChoice { suite, key_share })
}

/// The server's certificate list, end entity first (extensions ignored).
fn parse_certificate(body: &[u8]) -> Result<Vec<Vec<u8>>, Rfc8998Error> {
    let mut r = Reader::new(body, "Certificate");
    if !r.vec8()?.is_empty() {
        return Err(protocol("a server Certificate with a request context"));
    }
    let mut list = Reader::new(r.vec24()?, "certificate list");
    r.end()?;
    let mut certificates = Vec::new();
    while !list.is_empty() {
        certificates.push(list.vec24()?.to_vec());
        list.vec16()?;
    }
    if certificates.is_empty() {
        return Err(protocol("the server presented no certificate"));
    }
    Ok(certificates)
}

/// Checks the CertificateVerify over `transcript` (through the Certificate) with the end
/// entity certificate's SM2 key (RFC 8446 §4.4.3, RFC 8998 §3.2.1).
fn verify_certificate_verify(
    body: &[u8],
    end_entity: &[u8],
    transcript: &[u8],
) -> Result<(), Rfc8998Error> {
    let mut r = Reader::new(body, "CertificateVerify");
    let scheme = r.u16()?;
    let signature = r.vec16()?;
    r.end()?;
    if scheme != SM2SIG_SM3 {
        return Err(Rfc8998Error::BadCertificateVerify(
            CertificateVerifyProblem::UnofferedScheme(scheme),
        ));
    }
    let key = X509Certificate::from_der(end_entity)
        .map(|(_, c)| c.public_key().subject_public_key.data.to_vec())
        .map_err(|e| {
            Rfc8998Error::BadCertificateVerify(CertificateVerifyProblem::UnreadableKey(
                e.to_string(),
            ))
        })?;
    let mut content = vec![0x20u8; 64];
    content.extend_from_slice(b"TLS 1.3, server CertificateVerify\0");
    content.extend_from_slice(&schedule::sm3(transcript));
    let problem = match sm2sig::verify(&key, TLS13_SM2_ID, &content, signature) {
        Ok(sm2sig::SignatureEncoding::Der) => return Ok(()),
        Ok(sm2sig::SignatureEncoding::RawRs) => CertificateVerifyProblem::RawSignature,
        Err(sm2sig::Sm2Error::BadPublicKey) => {
            CertificateVerifyProblem::UnreadableKey("not an SM2 point".into())
        }
        Err(_) => CertificateVerifyProblem::DoesNotVerify,
    };
    Err(Rfc8998Error::BadCertificateVerify(problem))
}

/// An established RFC 8998 connection: application data both ways, KeyUpdate, alerts and
/// close_notify. Session tickets are read and dropped.
pub struct Tls13Connection<S> {
    io: S,
    read: Protection,
    write: Protection,
    handshake: Tls13Handshake,
    read_timeout: Duration,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Tls13Connection<S> {
    /// What the handshake established.
    pub fn handshake(&self) -> &Tls13Handshake {
        &self.handshake
    }

    /// Sends `data` as application data.
    pub async fn write_all(&mut self, data: &[u8]) -> Result<(), Rfc8998Error> {
        let mut out = Vec::with_capacity(data.len() + 64);
        for chunk in data.chunks(1 << 14) {
            out.extend_from_slice(&self.write.seal(APPLICATION_DATA, chunk)?);
        }
        self.io.write_all(&out).await?;
        self.io.flush().await?;
        Ok(())
    }

    /// Reads application data until close_notify or the end of the connection, at most
    /// `limit` bytes, each record within the read timeout. The flag says whether the server
    /// closed with close_notify.
    pub async fn read_to_end(&mut self, limit: usize) -> Result<(Vec<u8>, bool), Rfc8998Error> {
        let mut out = Vec::new();
        loop {
            let next = tokio::time::timeout(self.read_timeout, read_record(&mut self.io))
                .await
                .map_err(|_| Rfc8998Error::Timeout(self.read_timeout.as_secs()))??;
            let Some((header, fragment)) = next else {
                return Ok((out, false));
            };
            if header[0] == CHANGE_CIPHER_SPEC {
                return Err(protocol("a ChangeCipherSpec after the handshake"));
            }
            if header[0] != APPLICATION_DATA {
                return Err(protocol(format!(
                    "an unprotected record of type {} after the handshake",
                    header[0]
                )));
            }
            let (kind, plain) = self.read.open(&header, fragment)?;
            match kind {
                APPLICATION_DATA => {
                    if out.len() + plain.len() > limit {
                        return Err(protocol(format!(
                            "more than {limit} bytes of application data"
                        )));
                    }
                    out.extend_from_slice(&plain);
                }
                ALERT if plain.get(1) == Some(&0) => return Ok((out, true)),
                ALERT => return Err(alert_error(&plain)),
                HANDSHAKE => self.post_handshake(&plain).await?,
                other => {
                    return Err(protocol(format!(
                        "a record of type {other} after the handshake"
                    )));
                }
            }
        }
    }

    /// NewSessionTicket is dropped (no resumption here); KeyUpdate moves the read keys on and,
    /// when asked, the write keys too.
    async fn post_handshake(&mut self, messages: &[u8]) -> Result<(), Rfc8998Error> {
        let mut r = Reader::new(messages, "post-handshake message");
        while !r.is_empty() {
            let kind = r.u8()?;
            let body = r.vec24()?;
            match kind {
                NEW_SESSION_TICKET => {}
                KEY_UPDATE => {
                    self.read.update();
                    if body == [1] {
                        let answer = self.write.seal(HANDSHAKE, &[KEY_UPDATE, 0, 0, 1, 0])?;
                        self.io.write_all(&answer).await?;
                        self.write.update();
                    }
                }
                other => {
                    return Err(protocol(format!(
                        "handshake message type {other} after the handshake"
                    )));
                }
            }
        }
        Ok(())
    }

    /// Sends close_notify and shuts the transport's write side.
    pub async fn close(&mut self) -> Result<(), Rfc8998Error> {
        let alert = self.write.seal(ALERT, &[1, 0])?;
        self.io.write_all(&alert).await?;
        self.io.shutdown().await?;
        Ok(())
    }
}

/// Tells the server why the client gives up (a decrypt_error alert, RFC 8446 §6.2), briefly
/// and best effort, and hands back the error.
async fn decrypt_error<S: AsyncWrite + Unpin>(
    io: &mut S,
    write: &mut Protection,
    error: Rfc8998Error,
) -> Rfc8998Error {
    if let Ok(alert) = write.seal(ALERT, &[2, 51]) {
        let brief = Duration::from_secs(1);
        let _ = tokio::time::timeout(brief, io.write_all(&alert)).await;
    }
    error
}

/// Runs the handshake over `io`; see [`super::connect`].
pub(super) async fn handshake<S>(
    io: S,
    server_name: &str,
    suites: &[u16],
    read_timeout: Duration,
) -> Result<Tls13Connection<S>, Rfc8998Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let offered: Vec<u16> = if suites.is_empty() {
        vec![TLS_SM4_GCM_SM3, TLS_SM4_CCM_SM3]
    } else {
        suites.to_vec()
    };
    let exchange =
        rustls::crypto::SupportedKxGroup::start(&CurveSm2).map_err(|e| protocol(e.to_string()))?;
    let hello = client_hello(&offered, server_name, exchange.pub_key())?;
    let session_id = hello[4 + 2 + 32 + 1..4 + 2 + 32 + 1 + 32].to_vec();
    let mut hs = Handshake {
        io,
        transcript: hello.clone(),
        buffer: Vec::new(),
        read: None,
    };
    let mut record = vec![HANDSHAKE, 3, 1];
    put_u16(&mut record, hello.len() as u16);
    record.extend_from_slice(&hello);
    hs.io.write_all(&record).await?;
    hs.io.flush().await?;

    let server_hello = hs.expect(SERVER_HELLO, "ServerHello").await?;
    let choice = parse_server_hello(&server_hello, &offered, &session_id)?;
    let aead = if choice.suite == TLS_SM4_CCM_SM3 {
        Sm4Aead::Ccm
    } else {
        Sm4Aead::Gcm
    };
    let shared = exchange
        .complete(&choice.key_share)
        .map_err(|e| protocol(format!("the server's key share: {e}")))?;

    // RFC 8446 §7.1, with SM3.
    let zeros = [0u8; HASH_LEN];
    let early = schedule::extract(&zeros, &zeros);
    let handshake_secret = schedule::extract(
        &schedule::derive_secret(&early, "derived", &[]),
        shared.secret_bytes(),
    );
    let client_hs = schedule::derive_secret(&handshake_secret, "c hs traffic", &hs.transcript);
    let server_hs = schedule::derive_secret(&handshake_secret, "s hs traffic", &hs.transcript);
    hs.read = Some(Protection::new(aead, server_hs));
    let mut write = Protection::new(aead, client_hs);

    hs.expect(ENCRYPTED_EXTENSIONS, "EncryptedExtensions")
        .await?;
    let (mut kind, mut body) = hs.next_message("Certificate").await?;
    let mut certificate_request = None;
    if kind == CERTIFICATE_REQUEST {
        let mut r = Reader::new(&body, "CertificateRequest");
        certificate_request = Some(r.vec8()?.to_vec());
        (kind, body) = hs.next_message("Certificate").await?;
    }
    if kind != CERTIFICATE {
        return Err(protocol(format!(
            "handshake message type {kind} where the Certificate was expected"
        )));
    }
    let certificates = parse_certificate(&body)?;
    let through_certificate = hs.transcript.clone();
    let certificate_verify = hs.expect(CERTIFICATE_VERIFY, "CertificateVerify").await?;
    if let Err(e) =
        verify_certificate_verify(&certificate_verify, &certificates[0], &through_certificate)
    {
        return Err(decrypt_error(&mut hs.io, &mut write, e).await);
    }
    let through_verify = hs.transcript.clone();
    let finished = hs.expect(FINISHED, "Finished").await?;
    if finished != schedule::finished(&server_hs, &through_verify) {
        return Err(decrypt_error(&mut hs.io, &mut write, Rfc8998Error::BadFinished).await);
    }
    let master = schedule::extract(
        &schedule::derive_secret(&handshake_secret, "derived", &[]),
        &zeros,
    );
    let client_ap = schedule::derive_secret(&master, "c ap traffic", &hs.transcript);
    let server_ap = schedule::derive_secret(&master, "s ap traffic", &hs.transcript);

    // The client's flight: an empty Certificate if one was asked for, then Finished.
    let mut flight = Vec::new();
    let client_certificate_requested = certificate_request.is_some();
    if let Some(context) = certificate_request {
        let mut body = Vec::new();
        put_vec8(&mut body, &context);
        put_u24(&mut body, 0);
        let mut message = vec![CERTIFICATE];
        put_u24(&mut message, body.len());
        message.extend_from_slice(&body);
        hs.transcript.extend_from_slice(&message);
        flight.extend_from_slice(&write.seal(HANDSHAKE, &message)?);
    }
    let verify_data = schedule::finished(&client_hs, &hs.transcript);
    let mut message = vec![FINISHED];
    put_u24(&mut message, verify_data.len());
    message.extend_from_slice(&verify_data);
    flight.extend_from_slice(&write.seal(HANDSHAKE, &message)?);
    hs.io.write_all(&flight).await?;
    hs.io.flush().await?;
    if !hs.buffer.is_empty() {
        return Err(protocol(
            "handshake data after the server's Finished in the same flight",
        ));
    }

    Ok(Tls13Connection {
        io: hs.io,
        read: Protection::new(aead, server_ap),
        write: Protection::new(aead, client_ap),
        handshake: Tls13Handshake {
            suite: choice.suite,
            certificates,
            signature_scheme: SM2SIG_SM3,
            client_certificate_requested,
        },
        read_timeout,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server_hello(random: [u8; 32], session_id: &[u8], suite: u16, extensions: &[u8]) -> Vec<u8> {
        let mut body = vec![3, 3];
        body.extend_from_slice(&random);
        put_vec8(&mut body, session_id);
        put_u16(&mut body, suite);
        body.push(0);
        put_vec16(&mut body, extensions);
        body
    }

    fn extensions(version: u16, group: u16) -> Vec<u8> {
        let mut out = Vec::new();
        put_u16(&mut out, SUPPORTED_VERSIONS);
        put_vec16(&mut out, &version.to_be_bytes());
        let mut share = Vec::new();
        put_u16(&mut share, group);
        put_vec16(&mut share, &[4; 65]);
        put_u16(&mut out, KEY_SHARE);
        put_vec16(&mut out, &share);
        out
    }

    /// Each way a ServerHello can break RFC 8446 is a named protocol error, never a panic.
    #[test]
    fn server_hellos_that_break_the_rules_are_refused_by_name() {
        let offered = [TLS_SM4_GCM_SM3];
        let sid = [7u8; 32];
        let good = server_hello(
            [1; 32],
            &sid,
            TLS_SM4_GCM_SM3,
            &extensions(TLS13, CURVE_SM2),
        );
        assert!(parse_server_hello(&good, &offered, &sid).is_ok());
        let cases: [(Vec<u8>, &str); 6] = [
            (
                server_hello(
                    HELLO_RETRY_RANDOM,
                    &sid,
                    TLS_SM4_GCM_SM3,
                    &extensions(TLS13, CURVE_SM2),
                ),
                "HelloRetryRequest",
            ),
            (
                server_hello(
                    [1; 32],
                    &sid,
                    TLS_SM4_CCM_SM3,
                    &extensions(TLS13, CURVE_SM2),
                ),
                "did not offer",
            ),
            (
                server_hello(
                    [1; 32],
                    &sid,
                    TLS_SM4_GCM_SM3,
                    &extensions(0x0303, CURVE_SM2),
                ),
                "not TLS 1.3",
            ),
            (
                server_hello([1; 32], &sid, TLS_SM4_GCM_SM3, &extensions(TLS13, 23)),
                "group 23",
            ),
            (
                server_hello(
                    [1; 32],
                    &[0; 32],
                    TLS_SM4_GCM_SM3,
                    &extensions(TLS13, CURVE_SM2),
                ),
                "session id",
            ),
            (
                server_hello([1; 32], &sid, TLS_SM4_GCM_SM3, &[]),
                "not TLS 1.3",
            ),
        ];
        for (hello, named) in cases {
            let error = parse_server_hello(&hello, &offered, &sid).err().unwrap();
            assert!(error.to_string().contains(named), "{named}: {error}");
        }
        for cut in 0..good.len() {
            assert!(parse_server_hello(&good[..cut], &offered, &sid).is_err());
        }
    }

    /// A record opened under the wrong keys, or replayed, does not authenticate; an empty
    /// record still carries its content type.
    #[test]
    fn records_authenticate_and_carry_their_content_type() {
        let mut sender = Protection::new(Sm4Aead::Gcm, [1; HASH_LEN]);
        let mut receiver = Protection::new(Sm4Aead::Gcm, [1; HASH_LEN]);
        let record = sender.seal(APPLICATION_DATA, b"data").unwrap();
        let header: [u8; 5] = record[..5].try_into().unwrap();
        let (kind, plain) = receiver.open(&header, record[5..].to_vec()).unwrap();
        assert_eq!(
            (kind, plain.as_slice()),
            (APPLICATION_DATA, b"data".as_slice())
        );
        // Replayed: the receiver's sequence number moved on.
        assert!(receiver.open(&header, record[5..].to_vec()).is_err());
        let mut stranger = Protection::new(Sm4Aead::Gcm, [2; HASH_LEN]);
        assert!(stranger.open(&header, record[5..].to_vec()).is_err());
        let mut padded_sender = Protection::new(Sm4Aead::Ccm, [3; HASH_LEN]);
        let mut padded_receiver = Protection::new(Sm4Aead::Ccm, [3; HASH_LEN]);
        let padded = padded_sender.seal(HANDSHAKE, &[]).unwrap();
        let header: [u8; 5] = padded[..5].try_into().unwrap();
        assert_eq!(
            padded_receiver.open(&header, padded[5..].to_vec()).unwrap(),
            (HANDSHAKE, vec![])
        );
    }
}
