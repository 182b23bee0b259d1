//! RFC 3161 time-stamp protocol: the request the harness sends, and a lenient reader of the
//! token that comes back (a TSA that lists its certificate twice is still read), with the
//! token's signature checked (RSA, ECDSA P-256/P-384, SM2 with SM3).

use crate::cms::{self, CmsError};
use crate::der::{DerError, Tlv, encode, encode_oid, encode_unsigned, tag};
use crate::digest;

/// Object identifiers of RFC 3161.
pub mod oid {
    pub use crate::cms::oid::{SHA256, SHA384, SHA512, SIGNED_DATA, SM3};
    /// id-ct-TSTInfo.
    pub const TST_INFO: &str = "1.2.840.113549.1.9.16.1.4";
}

/// Why a time-stamp response cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TsError {
    /// Not well-formed DER.
    #[error("malformed time-stamp data: {0}")]
    Der(#[from] DerError),
    /// The TSA refused the request.
    #[error("the TSA refused the request (PKIStatus {status}{text})")]
    Refused {
        /// PKIStatus.
        status: u32,
        /// The status text, when given.
        text: String,
    },
    /// Granted, but no token in the response.
    #[error("the TSA granted the request but sent no token")]
    NoToken,
    /// The token is not a valid TSTInfo in a SignedData.
    #[error("time-stamp token: {0}")]
    Token(String),
    /// The token's signature does not verify.
    #[error("time-stamp token: {0}")]
    Cms(#[from] CmsError),
}

/// A time-stamp token, read and checked.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct TimeStamp {
    /// TSTInfo version (1 in RFC 3161).
    pub version: u32,
    /// Whether the TSA stated the accuracy of genTime.
    pub accuracy_present: bool,
    /// GeneralizedTime as the TSA wrote it, e.g. `20261122130501Z`.
    pub gen_time: String,
    /// TSA policy OID.
    pub policy: String,
    /// Serial number, hex.
    pub serial_hex: String,
    /// Hash algorithm of the imprint, as an OID.
    pub imprint_algorithm: String,
    /// The message imprint, hex.
    pub imprint_hex: String,
    /// The nonce, hex, when the request had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce_hex: Option<String>,
    /// Subject of the certificate that signed the token.
    pub tsa_subject: String,
    /// SHA-256 of that certificate's DER.
    pub tsa_certificate_sha256: String,
    /// That certificate, for checks of its own (kept out of JSON).
    #[serde(skip)]
    pub tsa_certificate_der: Vec<u8>,
}

impl TimeStamp {
    /// genTime as RFC 3339 (`2026-11-22T13:05:01.123Z`), when it is a UTC GeneralizedTime of
    /// the form RFC 3161 requires (`YYYYMMDDhhmmss[.f…]Z`).
    pub fn gen_time_rfc3339(&self) -> Option<String> {
        let t = self.gen_time.strip_suffix('Z')?;
        let (whole, fraction) = match t.split_once('.') {
            Some((w, f)) if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => (w, f),
            Some(_) => return None,
            None => (t, ""),
        };
        if whole.len() != 14 || !whole.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let d = |a: usize, b: usize| &whole[a..b];
        let fraction = if fraction.is_empty() {
            String::new()
        } else {
            format!(".{fraction}")
        };
        Some(format!(
            "{}-{}-{}T{}:{}:{}{fraction}Z",
            d(0, 4),
            d(4, 6),
            d(6, 8),
            d(8, 10),
            d(10, 12),
            d(12, 14)
        ))
    }
}

/// A TimeStampReq for `digest` (SHA-256 or SM3 by its length and `algorithm`), asking for
/// the TSA's certificate in the token.
pub fn request(algorithm_oid: &str, digest: &[u8], nonce: &[u8]) -> Vec<u8> {
    let imprint = message_imprint(algorithm_oid, digest);
    let nonce = encode_unsigned(nonce);
    let body = [
        encode(tag::INTEGER, &[1]),
        imprint,
        nonce,
        encode(tag::BOOLEAN, &[0xFF]),
    ]
    .concat();
    encode(tag::SEQUENCE, &body)
}

/// A MessageImprint: the digest algorithm (with NULL parameters) and the digest.
pub fn message_imprint(algorithm_oid: &str, digest: &[u8]) -> Vec<u8> {
    let algorithm = encode(
        tag::SEQUENCE,
        &[encode_oid(algorithm_oid), encode(tag::NULL, &[])].concat(),
    );
    encode(
        tag::SEQUENCE,
        &[algorithm, encode(tag::OCTET_STRING, digest)].concat(),
    )
}

/// Reads a TimeStampResp: the token's DER when the TSA granted the request.
/// A response in BER is read as its DER form.
pub fn token_of_response(response: &[u8]) -> Result<Vec<u8>, TsError> {
    let response = crate::der::der_form(response)?;
    let resp = Tlv::parse(&response)?.expect(tag::SEQUENCE, "TimeStampResp")?;
    let parts = resp.children()?;
    let status_info = parts
        .first()
        .ok_or(DerError::Invalid("empty TimeStampResp"))?
        .expect(tag::SEQUENCE, "PKIStatusInfo")?;
    let fields = status_info.children()?;
    let status_tlv = fields
        .first()
        .ok_or(DerError::Invalid("empty PKIStatusInfo"))?
        .expect(tag::INTEGER, "PKIStatus")?;
    let status = status_tlv
        .content
        .iter()
        .fold(0u32, |a, b| a.saturating_mul(256).saturating_add(*b as u32));
    // 0 granted, 1 granted with modifications; anything else is a refusal.
    if status > 1 {
        let text = fields
            .get(1)
            .filter(|t| t.tag == tag::SEQUENCE)
            .and_then(|t| t.children().ok())
            .map(|texts| {
                texts
                    .iter()
                    .map(|t| String::from_utf8_lossy(t.content).into_owned())
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .filter(|s| !s.is_empty())
            .map(|s| format!(": {s}"))
            .unwrap_or_default();
        return Err(TsError::Refused { status, text });
    }
    parts.get(1).map(|t| t.raw.to_vec()).ok_or(TsError::NoToken)
}

fn bad(msg: impl Into<String>) -> TsError {
    TsError::Token(msg.into())
}

/// Reads a token (CMS SignedData over a TSTInfo), checks that its signature verifies with the
/// certificate it carries, and returns what it states. A token in BER (as BouncyCastle-based
/// TSAs may write it) is read as its DER form.
pub fn verify_token(token: &[u8]) -> Result<TimeStamp, TsError> {
    // A package's DC-008 and CERT-010 judge the same record's token one after the other on
    // one thread: the second gets the result the first verified (the same bytes verify the
    // same way; only successes are kept, the last few per thread).
    thread_local! {
        static VERIFIED: std::cell::RefCell<crate::recent::Recent<Vec<u8>, TimeStamp>> =
            const { std::cell::RefCell::new(crate::recent::Recent::new(4)) };
    }
    if let Some(ts) = VERIFIED.with_borrow(|v| v.find(|bytes| bytes == token)) {
        return Ok(ts);
    }
    let ts = verify_token_once(token)?;
    VERIFIED.with_borrow_mut(|v| v.keep(token.to_vec(), ts.clone()));
    Ok(ts)
}

fn verify_token_once(token: &[u8]) -> Result<TimeStamp, TsError> {
    let token = crate::der::der_form(token)?;
    let signed = cms::read(&token)?;
    if signed.content_type != oid::TST_INFO {
        return Err(bad("the signed content is not a TSTInfo"));
    }
    let tst_info = signed
        .content
        .ok_or_else(|| bad("the token holds no TSTInfo"))?;
    let (cert_der, cert) = signed.verify_signer(tst_info)?;
    let tst = read_tst_info(tst_info)?;
    let (tsa_subject, tsa_certificate_sha256) = tsa_identity(cert_der, &cert);
    Ok(TimeStamp {
        tsa_subject,
        tsa_certificate_sha256,
        tsa_certificate_der: cert_der.to_vec(),
        ..tst
    })
}

/// A TSA certificate's subject and SHA-256 (hex).
type TsaIdentity = (String, String);

/// The TSA certificate's subject and SHA-256, kept for the last certificate on this thread:
/// a package's tokens nearly all come from one TSA.
fn tsa_identity(
    cert_der: &[u8],
    cert: &x509_parser::certificate::X509Certificate<'_>,
) -> TsaIdentity {
    thread_local! {
        static LAST: std::cell::RefCell<crate::recent::Recent<Vec<u8>, TsaIdentity>> =
            const { std::cell::RefCell::new(crate::recent::Recent::new(1)) };
    }
    if let Some(identity) = LAST.with_borrow(|last| last.find(|seen| seen == cert_der)) {
        return identity;
    }
    let identity = (cert.subject().to_string(), digest::sha256_hex(cert_der));
    LAST.with_borrow_mut(|last| last.keep(cert_der.to_vec(), identity.clone()));
    identity
}

fn read_tst_info(der: &[u8]) -> Result<TimeStamp, TsError> {
    let tst = Tlv::parse(der)?.expect(tag::SEQUENCE, "TSTInfo")?;
    let f = tst.children()?;
    // version, policy, messageImprint, serialNumber, genTime, accuracy?, ordering?, nonce?, ...
    let version = f
        .first()
        .ok_or_else(|| bad("no version"))?
        .expect(tag::INTEGER, "version")?
        .content
        .iter()
        .fold(0u32, |a, b| a.saturating_mul(256).saturating_add(*b as u32));
    let policy = f.get(1).ok_or_else(|| bad("no policy"))?.oid()?;
    let imprint = f
        .get(2)
        .ok_or_else(|| bad("no messageImprint"))?
        .expect(tag::SEQUENCE, "MessageImprint")?
        .children()?;
    let imprint_algorithm = imprint
        .first()
        .ok_or_else(|| bad("no imprint algorithm"))?
        .children()?
        .first()
        .ok_or_else(|| bad("empty imprint algorithm"))?
        .oid()?;
    let imprint_hex = hex::encode(
        imprint
            .get(1)
            .ok_or_else(|| bad("no hashedMessage"))?
            .expect(tag::OCTET_STRING, "hashedMessage")?
            .content,
    );
    let serial_hex = hex::encode(
        f.get(3)
            .ok_or_else(|| bad("no serialNumber"))?
            .expect(tag::INTEGER, "serialNumber")?
            .unsigned(),
    );
    let gen_time = String::from_utf8_lossy(
        f.get(4)
            .ok_or_else(|| bad("no genTime"))?
            .expect(tag::GENERALIZED_TIME, "genTime")?
            .content,
    )
    .into_owned();
    let nonce_hex = f
        .iter()
        .skip(5)
        .find(|t| t.tag == tag::INTEGER)
        .map(|t| hex::encode(t.unsigned()));
    // accuracy is the only optional SEQUENCE after genTime.
    let accuracy_present = f.iter().skip(5).any(|t| t.tag == tag::SEQUENCE);
    Ok(TimeStamp {
        version,
        accuracy_present,
        gen_time,
        policy,
        serial_hex,
        imprint_algorithm,
        imprint_hex,
        nonce_hex,
        tsa_subject: String::new(),
        tsa_certificate_sha256: String::new(),
        tsa_certificate_der: Vec::new(),
    })
}

/// A nonce as the token states it: an INTEGER's magnitude in hex, so leading zero bytes of
/// the sent value are not significant.
pub fn nonce_hex(nonce: &[u8]) -> String {
    let start = nonce
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(nonce.len().saturating_sub(1));
    hex::encode(&nonce[start..])
}

/// Checks that `token` time-stamps exactly `data`, and returns what it states.
pub fn verify_for(token: &[u8], data: &[u8]) -> Result<TimeStamp, TsError> {
    let ts = verify_token(token)?;
    let expected = hex::encode(cms::hash(&ts.imprint_algorithm, data)?);
    if ts.imprint_hex != expected {
        return Err(bad(format!(
            "the token's imprint {} is not the digest of the time-stamped data ({expected})",
            ts.imprint_hex
        )));
    }
    Ok(ts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamped_at(gen_time: &str) -> TimeStamp {
        TimeStamp {
            version: 1,
            accuracy_present: true,
            gen_time: gen_time.into(),
            policy: String::new(),
            serial_hex: String::new(),
            imprint_algorithm: oid::SM3.into(),
            imprint_hex: String::new(),
            nonce_hex: None,
            tsa_subject: String::new(),
            tsa_certificate_sha256: String::new(),
            tsa_certificate_der: Vec::new(),
        }
    }

    /// Certificates taking turns on one thread each get their own subject and fingerprint.
    #[test]
    fn each_tsa_certificate_keeps_its_own_identity() {
        use x509_parser::prelude::FromDer;
        let ders: Vec<Vec<u8>> = [
            include_str!("../../suites/testdata/openssl-sm2/root.pem"),
            include_str!("../../suites/testdata/openssl-sm2/leaf-default-id.pem"),
        ]
        .iter()
        .map(|pem| crate::pem::certificates(pem).unwrap().remove(0))
        .collect();
        for _ in 0..2 {
            for der in &ders {
                let (_, cert) = x509_parser::certificate::X509Certificate::from_der(der).unwrap();
                let (subject, sha256) = tsa_identity(der, &cert);
                assert_eq!(subject, cert.subject().to_string());
                assert_eq!(sha256, digest::sha256_hex(der));
            }
        }
        assert_ne!(ders[0], ders[1]);
    }

    #[test]
    fn gen_time_reads_as_rfc3339_only_in_the_utc_form() {
        let read = |t: &str| stamped_at(t).gen_time_rfc3339();
        assert_eq!(
            read("20261122130501Z").as_deref(),
            Some("2026-11-22T13:05:01Z")
        );
        assert_eq!(
            read("20261122130501.120Z").as_deref(),
            Some("2026-11-22T13:05:01.120Z")
        );
        for not_utc in [
            "20261122130501",
            "20261122130501+0800",
            "2026112213050Z",
            "20261122130501.Z",
        ] {
            assert_eq!(read(not_utc), None, "{not_utc}");
        }
    }
}
