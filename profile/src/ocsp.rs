//! RFC 6960 OCSP: the request for one certificate's status, and a reader of the answer that
//! checks its signature (by the issuing CA itself, or by a responder the CA delegated with
//! id-kp-OCSPSigning) and takes the certificate's status from it.

use x509_parser::prelude::*;

use crate::cms::{self, oid};
use crate::der::{DerError, Tlv, encode, encode_oid, encode_unsigned, tag};

const OID_SHA1: &str = "1.3.14.3.2.26";
const OID_BASIC_RESPONSE: &str = "1.3.6.1.5.5.7.48.1.1";
const OID_KP_OCSP_SIGNING: &str = "1.3.6.1.5.5.7.3.9";

/// Why an OCSP response cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum OcspError {
    /// Not well-formed DER.
    #[error("malformed OCSP data: {0}")]
    Der(#[from] DerError),
    /// The responder answered with an error status.
    #[error("the responder answered {0} instead of a status")]
    NotSuccessful(&'static str),
    /// Well-formed, but not a valid basic response, or the signature does not verify.
    #[error("OCSP response: {0}")]
    Invalid(String),
}

fn invalid(msg: impl Into<String>) -> OcspError {
    OcspError::Invalid(msg.into())
}

/// What the responder says of the certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertStatus {
    /// Not revoked.
    Good,
    /// Revoked.
    Revoked {
        /// Revocation time as the response gives it.
        at: String,
        /// CRL reason code, when given.
        reason: Option<u8>,
    },
    /// The responder does not know the certificate.
    Unknown,
}

/// A verified answer about one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The certificate's status.
    pub status: CertStatus,
    /// GeneralizedTime as the responder wrote them.
    pub this_update: String,
    /// When newer information will be available, when given.
    pub next_update: Option<String>,
    /// Subject of the key that signed the answer (the CA, or its delegated responder).
    pub signer: String,
}

fn digest_of(algorithm: &str, data: &[u8]) -> Result<Vec<u8>, OcspError> {
    use aws_lc_rs::digest;
    Ok(match algorithm {
        OID_SHA1 => digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, data)
            .as_ref()
            .to_vec(),
        oid::SHA256 => digest::digest(&digest::SHA256, data).as_ref().to_vec(),
        oid::SM3 => crate::digest::sm3(data).to_vec(),
        other => {
            return Err(invalid(format!(
                "CertID hash algorithm {other} is not supported"
            )));
        }
    })
}

/// The CertID of `cert` (issued by `issuer`) with `hash` (an OID), as DER.
pub fn cert_id(
    cert: &X509Certificate<'_>,
    issuer: &X509Certificate<'_>,
    hash: &str,
) -> Result<Vec<u8>, OcspError> {
    let algorithm = encode(
        tag::SEQUENCE,
        &[encode_oid(hash), encode(tag::NULL, &[])].concat(),
    );
    let parts = [
        algorithm,
        encode(
            tag::OCTET_STRING,
            &digest_of(hash, issuer.subject().as_raw())?,
        ),
        encode(
            tag::OCTET_STRING,
            &digest_of(hash, &issuer.public_key().subject_public_key.data)?,
        ),
        encode_unsigned(cert.raw_serial()),
    ];
    Ok(encode(tag::SEQUENCE, &parts.concat()))
}

/// An OCSPRequest for one certificate, with a SHA-1 CertID as responders universally accept.
pub fn request(cert: &X509Certificate<'_>, issuer: &X509Certificate<'_>) -> Vec<u8> {
    let id = cert_id(cert, issuer, OID_SHA1).expect("SHA-1 is supported");
    let request_list = encode(tag::SEQUENCE, &encode(tag::SEQUENCE, &id));
    encode(tag::SEQUENCE, &encode(tag::SEQUENCE, &request_list))
}

/// The digest an OCSP signature algorithm implies (the SM2 verifier ignores it).
fn signature_digest(signature_algorithm: &str) -> Result<&'static str, OcspError> {
    Ok(match signature_algorithm {
        "1.2.840.113549.1.1.11" | "1.2.840.10045.4.3.2" => oid::SHA256,
        "1.2.840.113549.1.1.12" | "1.2.840.10045.4.3.3" => oid::SHA384,
        "1.2.840.113549.1.1.13" => oid::SHA512,
        "1.2.156.10197.1.501" => oid::SM3,
        other => {
            return Err(invalid(format!(
                "signature algorithm {other} is not accepted (SHA-1 and unknown algorithms are not)"
            )));
        }
    })
}

/// Whether `cert` was issued by `issuer`: names chain and the signature verifies.
fn issued_by(cert: &X509Certificate<'_>, cert_der: &[u8], issuer: &X509Certificate<'_>) -> bool {
    if cert.issuer().as_raw() != issuer.subject().as_raw() {
        return false;
    }
    let Ok(tbs) = Tlv::parse(cert_der).and_then(|c| c.children()) else {
        return false;
    };
    let Ok(digest) = signature_digest(&cert.signature_algorithm.algorithm.to_id_string()) else {
        return false;
    };
    cms::verify_signature(issuer, digest, tbs[0].raw, &cert.signature_value.data).is_ok()
}

fn time_text(t: &Tlv<'_>) -> Result<String, OcspError> {
    let t = t.expect(tag::GENERALIZED_TIME, "GeneralizedTime")?;
    Ok(String::from_utf8_lossy(t.content).into_owned())
}

/// Reads `response` about `cert` (issued by `issuer`): the responder must have answered
/// successfully, signed with the issuer's key or a delegated OCSP-signing certificate, and
/// named the certificate.
pub fn read_response(
    response: &[u8],
    cert: &X509Certificate<'_>,
    issuer: &X509Certificate<'_>,
) -> Result<Answer, OcspError> {
    let top = Tlv::parse(response)?
        .expect(tag::SEQUENCE, "OCSPResponse")?
        .children()?;
    let status = top
        .first()
        .filter(|t| t.tag == 0x0A)
        .ok_or_else(|| invalid("no responseStatus"))?;
    match status.content {
        [0] => {}
        [1] => return Err(OcspError::NotSuccessful("malformedRequest")),
        [2] => return Err(OcspError::NotSuccessful("internalError")),
        [3] => return Err(OcspError::NotSuccessful("tryLater")),
        [5] => return Err(OcspError::NotSuccessful("sigRequired")),
        [6] => return Err(OcspError::NotSuccessful("unauthorized")),
        _ => return Err(OcspError::NotSuccessful("an unknown status")),
    }
    let bytes = Tlv::parse(
        top.get(1)
            .ok_or_else(|| invalid("successful but no responseBytes"))?
            .expect(tag::context(0), "[0] responseBytes")?
            .content,
    )?
    .expect(tag::SEQUENCE, "ResponseBytes")?
    .children()?;
    if bytes.first().map(|t| t.oid()).transpose()?.as_deref() != Some(OID_BASIC_RESPONSE) {
        return Err(invalid("not a basic OCSP response"));
    }
    let basic_der = bytes
        .get(1)
        .ok_or_else(|| invalid("no response"))?
        .expect(tag::OCTET_STRING, "response")?
        .content;
    let basic = Tlv::parse(basic_der)?
        .expect(tag::SEQUENCE, "BasicOCSPResponse")?
        .children()?;
    let [tbs, signature_algorithm, signature, rest @ ..] = basic.as_slice() else {
        return Err(invalid("BasicOCSPResponse is incomplete"));
    };
    let digest = signature_digest(&signature_algorithm.children()?[0].oid()?)?;
    let signature = signature.expect(tag::BIT_STRING, "signature")?.content;
    let signature = signature
        .get(1..)
        .ok_or_else(|| invalid("empty signature"))?;
    let signer = signer_of(tbs.raw, digest, signature, rest, issuer)?;
    single_response(tbs, cert, issuer).map(|(status, this_update, next_update)| Answer {
        status,
        this_update,
        next_update,
        signer,
    })
}

/// Who signed the answer: the issuer, or a certificate it issued for OCSP signing.
fn signer_of(
    tbs: &[u8],
    digest: &str,
    signature: &[u8],
    rest: &[Tlv<'_>],
    issuer: &X509Certificate<'_>,
) -> Result<String, OcspError> {
    if cms::verify_signature(issuer, digest, tbs, signature).is_ok() {
        return Ok(issuer.subject().to_string());
    }
    let certs = match rest.iter().find(|t| t.tag == tag::context(0)) {
        Some(list) => Tlv::parse(list.content)?.children()?,
        None => Vec::new(),
    };
    for der in certs.iter().map(|c| c.raw) {
        let Ok((_, responder)) = X509Certificate::from_der(der) else {
            continue;
        };
        let delegated = matches!(responder.extended_key_usage(),
            Ok(Some(eku)) if eku.value.other.iter().any(|o| o.to_id_string() == OID_KP_OCSP_SIGNING)
                || eku.value.ocsp_signing);
        if delegated
            && issued_by(&responder, der, issuer)
            && cms::verify_signature(&responder, digest, tbs, signature).is_ok()
        {
            return Ok(responder.subject().to_string());
        }
    }
    Err(invalid(
        "the signature is neither the issuer's nor a delegated OCSP signer's",
    ))
}

type SingleStatus = (CertStatus, String, Option<String>);

/// The SingleResponse that names `cert`.
fn single_response(
    tbs: &Tlv<'_>,
    cert: &X509Certificate<'_>,
    issuer: &X509Certificate<'_>,
) -> Result<SingleStatus, OcspError> {
    let data = tbs.children()?;
    // [0] version?, responderID, producedAt, responses, [1] extensions?
    let offset = usize::from(data.first().is_some_and(|t| t.tag == tag::context(0)));
    let responses = data
        .get(offset + 2)
        .ok_or_else(|| invalid("no responses"))?
        .expect(tag::SEQUENCE, "responses")?
        .children()?;
    for single in responses {
        let parts = single.children()?;
        let [id, status, this_update, more @ ..] = parts.as_slice() else {
            return Err(invalid("SingleResponse is incomplete"));
        };
        let hash = id.children()?[0].children()?[0].oid()?;
        if id.raw != cert_id(cert, issuer, &hash)?.as_slice() {
            continue;
        }
        let status = match status.tag {
            0x80 => CertStatus::Good,
            0x82 => CertStatus::Unknown,
            0xA1 => {
                let info = Tlv::parse(status.raw)?.children()?;
                let at = time_text(info.first().ok_or_else(|| invalid("no revocationTime"))?)?;
                let reason = match info.get(1) {
                    Some(r) => Tlv::parse(r.content)?.content.first().copied(),
                    None => None,
                };
                CertStatus::Revoked { at, reason }
            }
            other => return Err(invalid(format!("unknown certStatus tag {other:#x}"))),
        };
        let next_update = more
            .iter()
            .find(|t| t.tag == tag::context(0))
            .map(|t| Tlv::parse(t.content).map(|g| time_text(&g)))
            .transpose()?
            .transpose()?;
        return Ok((status, time_text(this_update)?, next_update));
    }
    Err(invalid(format!(
        "the response does not name the certificate (serial {})",
        cert.raw_serial_as_string()
    )))
}
