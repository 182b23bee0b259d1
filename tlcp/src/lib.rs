//! A TLCP 1.1 client (GB/T 38636-2020, the SM2/SM4 dual-certificate protocol) for evaluating
//! platforms that carry national cryptography in transit.
//!
//! It completes the ECC handshake: the pre-master secret is SM2-encrypted to the server's
//! encryption certificate, and the ServerKeyExchange signature over both randoms and that
//! certificate is verified with the signing certificate, which is what proves the server holds
//! both keys. Records are SM4-CBC with HMAC-SM3 or SM4-GCM; the key schedule is the TLS 1.2
//! PRF with HMAC-SM3. Both Finished messages are checked.
//!
//! It is strict about what it receives: every length is bounded, a record of the wrong version
//! or over the size limit ends the connection, a suite it did not offer is a protocol error,
//! and the whole handshake runs under one timeout. What it does not implement (ECDHE suites,
//! client certificates) it does not offer.
//!
//! Written here rather than taken from a crate: no maintained Rust crate speaks TLCP. The
//! primitives are RustCrypto's (`sm2`, `sm3`, `sm4`, `cbc`, `aes-gcm`, `hmac`); the protocol
//! was checked against GmSSL's independent implementation (tests/gmssl.rs in the workspace).

mod client;
mod codec;
mod exchange;
mod handshake;
pub mod prf;
mod record;
pub mod rfc8998;
mod server;
mod stream;
mod suite;

pub use client::{ClientConfig, ClientIdentity, HandshakeInfo, connect};
pub use record::VERSION;
pub use server::{ClientAuth, ServerConfig, ServerFaults, ServerIdentity, accept};
pub use stream::TlcpStream;
pub use suite::CipherSuite;

/// Why a TLCP connection failed.
#[derive(Debug, thiserror::Error)]
pub enum TlcpError {
    /// The transport failed.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The handshake or a read did not finish in time.
    #[error("no answer within {0} s")]
    Timeout(u64),
    /// The peer closed the connection where a message was expected.
    #[error("the server closed the connection during the {0}")]
    Closed(&'static str),
    /// The peer sent an alert.
    #[error("the server sent a {} alert: {} ({description})", if *.fatal { "fatal" } else { "warning" }, alert_name(*.description))]
    Alert {
        /// Whether it was fatal.
        fatal: bool,
        /// The alert description code.
        description: u8,
    },
    /// A message did not decode.
    #[error("malformed {0}")]
    Decode(&'static str),
    /// A message broke the protocol.
    #[error("protocol violation: {0}")]
    Protocol(String),
    /// The server chose a suite the client did not offer.
    #[error("the server chose cipher suite {0:#06x}, which the client did not offer")]
    UnofferedSuite(u16),
    /// The client offered no suite the server accepts.
    #[error("no cipher suite in common")]
    NoCommonSuite,
    /// The client's key exchange could not be decrypted to a TLCP pre-master secret.
    #[error("the ClientKeyExchange does not decrypt to a pre-master secret: {0}")]
    BadKeyExchange(String),
    /// The server answered the client's key exchange with decrypt_error or bad_record_mac:
    /// it could not decrypt the pre-master secret sent under its encryption certificate's key,
    /// so it does not hold that key.
    #[error(
        "the server answered the key exchange with a fatal {} alert: it could not decrypt the \
         pre-master secret sent under its encryption certificate",
        alert_name(*.0)
    )]
    KeyExchangeNotDecrypted(u8),
    /// A certificate the handshake needs is missing or unusable.
    #[error("certificate: {0}")]
    Certificate(String),
    /// The ServerKeyExchange signature does not verify with the signing certificate's key:
    /// the server did not prove it holds the keys of the certificates it presented.
    #[error("the ServerKeyExchange signature does not verify with the signing certificate: {0}")]
    BadKeyExchangeSignature(String),
    /// The client's certificates are missing or not acceptable (server side).
    #[error("client certificate: {0}")]
    ClientCertificate(String),
    /// The client's CertificateVerify does not verify with its signing certificate (server
    /// side).
    #[error("the client's CertificateVerify does not verify with its signing certificate")]
    BadClientCertificateVerify,
    /// The server's Finished does not match the handshake: the keys or the transcript differ.
    #[error("the server's Finished does not verify")]
    BadFinished,
    /// A protected record did not authenticate.
    #[error("a record did not authenticate (bad_record_mac)")]
    BadRecordMac,
    /// The server closed the connection without close_notify after the handshake.
    #[error("the connection ended without close_notify")]
    Truncated,
}

/// The name of an alert description (RFC 5246 §7.2, GB/T 38636 adds none the client sees).
pub fn alert_name(description: u8) -> &'static str {
    match description {
        0 => "close_notify",
        10 => "unexpected_message",
        20 => "bad_record_mac",
        22 => "record_overflow",
        40 => "handshake_failure",
        42 => "bad_certificate",
        43 => "unsupported_certificate",
        44 => "certificate_revoked",
        45 => "certificate_expired",
        46 => "certificate_unknown",
        47 => "illegal_parameter",
        48 => "unknown_ca",
        49 => "access_denied",
        50 => "decode_error",
        51 => "decrypt_error",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        90 => "user_canceled",
        100 => "no_renegotiation",
        _ => "unknown",
    }
}

/// `N` random bytes from the operating system.
pub(crate) fn random<const N: usize>() -> Result<[u8; N], TlcpError> {
    let mut out = [0u8; N];
    sm2::elliptic_curve::common::getrandom::fill(&mut out)
        .map_err(|e| TlcpError::Io(std::io::Error::other(e.to_string())))?;
    Ok(out)
}
