//! RFC 8998: TLS 1.3 with SM2, SM3 and SM4, on rustls.
//!
//! rustls runs the TLS 1.3 state machine; this module supplies what RFC 8998 adds as a rustls
//! crypto provider: the suites TLS_SM4_GCM_SM3 (0x00C6) and TLS_SM4_CCM_SM3 (0x00C7), HKDF
//! with HMAC-SM3, ECDHE on curveSM2 (41), and sm2sig_sm3 (0x0708) signatures with the
//! distinguishing identifier RFC 8998 §3.2.1 fixes, `TLSv1.3+GM+Cipher+Suite`.
//!
//! The client is this crate's own (see client.rs for why not rustls's). It verifies the
//! server's CertificateVerify with the key of the certificate it presented, which is what
//! proves the server holds that key, and the server's Finished. It does not judge the
//! certificate path: that is the certificate checks' work, on the chain it hands back.
//!
//! The server side, on rustls, lets the reference platform answer RFC 8998 hellos for real,
//! with a fault that signs the CertificateVerify with another key.

mod client;
mod primitives;
mod schedule;
mod signatures;

use std::sync::Arc;
use std::time::Duration;

use rustls::crypto::CryptoProvider;
use rustls::crypto::tls13::HkdfUsingHmac;
use rustls::pki_types::CertificateDer;
use rustls::{CipherSuite, CipherSuiteCommon, SupportedCipherSuite, Tls13CipherSuite};
use tokio::io::{AsyncRead, AsyncWrite};

pub use client::Tls13Connection;
pub use primitives::CURVE_SM2;
use primitives::{CurveSm2, HmacSm3, Sm3Hash, Sm4Aead};
use signatures::Sm2Signer;
pub use signatures::{SM2SIG_SM3, TLS13_SM2_ID};

/// TLS_SM4_GCM_SM3.
pub const TLS_SM4_GCM_SM3: u16 = 0x00C6;
/// TLS_SM4_CCM_SM3.
pub const TLS_SM4_CCM_SM3: u16 = 0x00C7;

static SM3: Sm3Hash = Sm3Hash;
static HKDF_SM3: HkdfUsingHmac<'static> = HkdfUsingHmac(&HmacSm3);

/// RFC 8446 §5.5's limit for AEADs with 128-bit blocks, which SM4 shares with AES.
const CONFIDENTIALITY_LIMIT: u64 = 1 << 24;

static SM4_GCM_SM3: Tls13CipherSuite = Tls13CipherSuite {
    common: CipherSuiteCommon {
        suite: CipherSuite::Unknown(TLS_SM4_GCM_SM3),
        hash_provider: &SM3,
        confidentiality_limit: CONFIDENTIALITY_LIMIT,
    },
    hkdf_provider: &HKDF_SM3,
    aead_alg: &Sm4Aead::Gcm,
    quic: None,
};

static SM4_CCM_SM3: Tls13CipherSuite = Tls13CipherSuite {
    common: CipherSuiteCommon {
        suite: CipherSuite::Unknown(TLS_SM4_CCM_SM3),
        hash_provider: &SM3,
        confidentiality_limit: CONFIDENTIALITY_LIMIT,
    },
    hkdf_provider: &HKDF_SM3,
    aead_alg: &Sm4Aead::Ccm,
    quic: None,
};

static CURVE_SM2_GROUP: CurveSm2 = CurveSm2;

/// The name of an RFC 8998 suite code.
pub fn suite_name(code: u16) -> &'static str {
    match code {
        TLS_SM4_GCM_SM3 => "TLS_SM4_GCM_SM3",
        TLS_SM4_CCM_SM3 => "TLS_SM4_CCM_SM3",
        _ => "not an RFC 8998 suite",
    }
}

/// A rustls provider that speaks only RFC 8998: the SM4 suites in `suites` (both when
/// empty), curveSM2, and the rest (randomness, key loading) from aws-lc-rs.
pub fn provider(suites: &[u16]) -> CryptoProvider {
    let wanted = |code: u16| suites.is_empty() || suites.contains(&code);
    let mut cipher_suites = Vec::new();
    if wanted(TLS_SM4_GCM_SM3) {
        cipher_suites.push(SupportedCipherSuite::Tls13(&SM4_GCM_SM3));
    }
    if wanted(TLS_SM4_CCM_SM3) {
        cipher_suites.push(SupportedCipherSuite::Tls13(&SM4_CCM_SM3));
    }
    CryptoProvider {
        cipher_suites,
        kx_groups: vec![&CURVE_SM2_GROUP],
        ..rustls::crypto::aws_lc_rs::default_provider()
    }
}

/// Why an RFC 8998 handshake did not complete.
#[derive(Debug, thiserror::Error)]
pub enum Rfc8998Error {
    /// The transport failed.
    #[error("I/O: {0}")]
    Io(std::io::Error),
    /// The handshake did not finish in time.
    #[error("the handshake did not finish within {0} s")]
    Timeout(u64),
    /// The server sent an alert.
    #[error("the server sent a {} alert ({})", crate::alert_name(*.0), .0)]
    Alert(u8),
    /// The server's CertificateVerify does not verify with its certificate's key: it did not
    /// prove that it holds the key of the certificate it presented.
    #[error(
        "the server's CertificateVerify does not verify with the key of the certificate it \
         presented: {0}"
    )]
    BadCertificateVerify(CertificateVerifyProblem),
    /// The server's Finished does not match the handshake: the keys or the transcript differ.
    #[error("the server's Finished does not verify")]
    BadFinished,
    /// The server broke TLS 1.3 in another way.
    #[error("{0}")]
    Protocol(String),
}

/// Why a CertificateVerify failed, in words for either language of a report.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateVerifyProblem {
    /// Signed with a scheme the client did not offer.
    #[error("signed with scheme {0:#06x}, which the client did not offer")]
    UnofferedScheme(u16),
    /// The end-entity certificate, or its key, cannot be read.
    #[error("the certificate's SM2 key cannot be read: {0}")]
    UnreadableKey(String),
    /// The signature verifies only in raw `r || s` form.
    #[error("the signature verifies only as raw r||s, not the DER encoding TLS uses")]
    RawSignature,
    /// The signature does not verify.
    #[error(
        "the SM2 signature (identifier \"TLSv1.3+GM+Cipher+Suite\", RFC 8998 §3.2.1) does not verify"
    )]
    DoesNotVerify,
}

impl CertificateVerifyProblem {
    /// The same, in Chinese.
    pub fn zh(&self) -> String {
        match self {
            CertificateVerifyProblem::UnofferedScheme(scheme) => {
                format!("签名算法 {scheme:#06x} 不在客户端提供的范围内")
            }
            CertificateVerifyProblem::UnreadableKey(_) => "无法读取证书中的SM2公钥".into(),
            CertificateVerifyProblem::RawSignature => {
                "签名仅能按原始r||s格式验证，而非TLS要求的DER编码".into()
            }
            CertificateVerifyProblem::DoesNotVerify => {
                "SM2签名（标识“TLSv1.3+GM+Cipher+Suite”，RFC 8998 §3.2.1）验证失败".into()
            }
        }
    }
}

/// What a completed RFC 8998 handshake showed.
#[derive(Debug, Clone)]
pub struct Tls13Handshake {
    /// The negotiated suite's code.
    pub suite: u16,
    /// The certificates the server presented, end entity first (DER).
    pub certificates: Vec<Vec<u8>>,
    /// The CertificateVerify's signature scheme (always sm2sig_sm3 here).
    pub signature_scheme: u16,
    /// Whether the server asked for a client certificate (an empty one was sent).
    pub client_certificate_requested: bool,
}

impl Tls13Handshake {
    /// The negotiated suite's name.
    pub fn suite_name(&self) -> &'static str {
        suite_name(self.suite)
    }
}

/// Completes a TLS 1.3 handshake over `io` offering only the RFC 8998 `suites` (both when
/// empty), curveSM2 and sm2sig_sm3, within `timeout`; later reads wait as long per record.
/// The server's CertificateVerify is verified with its end-entity certificate's SM2 key, and
/// its Finished with the handshake keys; its chain is returned, not judged.
pub async fn connect<S>(
    io: S,
    server_name: &str,
    suites: &[u16],
    timeout: Duration,
) -> Result<(Tls13Connection<S>, Tls13Handshake), Rfc8998Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    if suites
        .iter()
        .any(|s| !matches!(*s, TLS_SM4_GCM_SM3 | TLS_SM4_CCM_SM3))
    {
        return Err(Rfc8998Error::Protocol(format!(
            "only the RFC 8998 suites can be offered, not {suites:04x?}"
        )));
    }
    let connection =
        tokio::time::timeout(timeout, client::handshake(io, server_name, suites, timeout))
            .await
            .map_err(|_| Rfc8998Error::Timeout(timeout.as_secs()))??;
    let handshake = connection.handshake().clone();
    Ok((connection, handshake))
}

/// How the reference server misbehaves, for the fault matrix.
#[derive(Debug, Clone, Copy, Default)]
pub struct ServerFaults {
    /// Sign the CertificateVerify with a key other than the certificate's.
    pub certificate_verify_by_another_key: bool,
}

/// A rustls server configuration that speaks only RFC 8998, presenting `certificates` (end
/// entity first) and signing with `key` (an SM2 key; its distinguishing identifier is
/// replaced by RFC 8998's).
pub fn server_config(
    certificates: Vec<Vec<u8>>,
    key: &sm2::dsa::SigningKey,
    faults: ServerFaults,
) -> Result<rustls::ServerConfig, rustls::Error> {
    let signer = if faults.certificate_verify_by_another_key {
        Sm2Signer::unrelated_to(key)
    } else {
        Sm2Signer::new(key)
    };
    let chain = certificates.into_iter().map(CertificateDer::from).collect();
    let certified = rustls::sign::CertifiedKey::new(chain, Arc::new(signer));
    Ok(
        rustls::ServerConfig::builder_with_provider(Arc::new(provider(&[])))
            .with_protocol_versions(&[&rustls::version::TLS13])?
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(rustls::sign::SingleCertAndKey::from(certified))),
    )
}

/// Whether a ClientHello's suites are all RFC 8998's: the hello a server would answer with
/// [`server_config`].
pub fn offers_only_rfc8998(suites: &[u16]) -> bool {
    !suites.is_empty()
        && suites
            .iter()
            .all(|s| matches!(*s, TLS_SM4_GCM_SM3 | TLS_SM4_CCM_SM3))
}
