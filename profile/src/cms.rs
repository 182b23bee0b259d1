//! CMS SignedData (RFC 5652) as the evaluation meets it: RFC 3161 tokens and PDF signatures.
//! One signer, signed attributes that bind the content through messageDigest, and the signer's
//! certificate carried in the message. The signature is checked with RSA PKCS#1, ECDSA
//! P-256/P-384 or SM2 with SM3 (default ID).

use sha2::Digest;

use crate::der::{DerError, Tlv, tag};
use crate::{digest, sm2sig};

/// Object identifiers the readers compare against.
pub mod oid {
    /// id-data.
    pub const DATA: &str = "1.2.840.113549.1.7.1";
    /// id-signedData.
    pub const SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
    /// The content-type signed attribute.
    pub const CONTENT_TYPE: &str = "1.2.840.113549.1.9.3";
    /// The message-digest signed attribute.
    pub const MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";
    /// The signing-time signed attribute.
    pub const SIGNING_TIME: &str = "1.2.840.113549.1.9.5";
    /// SHA-256.
    pub const SHA256: &str = "2.16.840.1.101.3.4.2.1";
    /// SHA-384.
    pub const SHA384: &str = "2.16.840.1.101.3.4.2.2";
    /// SHA-512.
    pub const SHA512: &str = "2.16.840.1.101.3.4.2.3";
    /// SM3 (GB/T 32905).
    pub const SM3: &str = "1.2.156.10197.1.401";
    /// SM3withSM2 signatures.
    pub const SM3_WITH_SM2: &str = "1.2.156.10197.1.501";
    /// rsaEncryption.
    pub const RSA: &str = "1.2.840.113549.1.1.1";
    /// id-ecPublicKey.
    pub const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
    /// NIST P-256.
    pub const P256: &str = "1.2.840.10045.3.1.7";
    /// NIST P-384.
    pub const P384: &str = "1.3.132.0.34";
    /// The SM2 curve.
    pub const SM2_CURVE: &str = "1.2.156.10197.1.301";
}

/// Why a CMS SignedData cannot be read or does not verify.
#[derive(Debug, thiserror::Error)]
pub enum CmsError {
    /// Not well-formed DER.
    #[error("malformed CMS data: {0}")]
    Der(#[from] DerError),
    /// Well-formed, but not what CMS requires, or the signature does not verify.
    #[error("{0}")]
    Invalid(String),
}

fn bad(msg: impl Into<String>) -> CmsError {
    CmsError::Invalid(msg.into())
}

/// The digest `algorithm_oid` names, of `data`.
pub fn hash(algorithm_oid: &str, data: &[u8]) -> Result<Vec<u8>, CmsError> {
    Ok(match algorithm_oid {
        oid::SHA256 => sha2::Sha256::digest(data).to_vec(),
        oid::SHA384 => sha2::Sha384::digest(data).to_vec(),
        oid::SHA512 => sha2::Sha512::digest(data).to_vec(),
        oid::SM3 => digest::sm3(data).to_vec(),
        other => return Err(bad(format!("digest algorithm {other} is not supported"))),
    })
}

/// A SignedData, read but not yet verified.
pub struct SignedData<'a> {
    /// eContentType: TSTInfo for a time-stamp token, id-data for a detached signature.
    pub content_type: String,
    /// The encapsulated content, or `None` when the signature is detached.
    pub content: Option<&'a [u8]>,
    /// Digest algorithm of the signer, as an OID.
    pub digest_algorithm: String,
    /// The SignerInfo's signatureAlgorithm, which must suit the signer's key.
    pub signature_algorithm: String,
    certificates: Vec<Tlv<'a>>,
    sid: Tlv<'a>,
    signed_attrs: Option<Tlv<'a>>,
    signature: &'a [u8],
}

/// Reads a ContentInfo holding a SignedData. Bytes after the ContentInfo are refused unless
/// they are zeros (a PDF signature's /Contents is zero-padded to its reserved size).
pub fn read(der: &[u8]) -> Result<SignedData<'_>, CmsError> {
    let (content_info, rest) = Tlv::read(der)?;
    if rest.iter().any(|b| *b != 0) {
        return Err(bad("bytes follow the CMS ContentInfo"));
    }
    let ci = content_info
        .expect(tag::SEQUENCE, "ContentInfo")?
        .children()?;
    if ci.len() != 2 {
        return Err(bad(
            "a ContentInfo holds a content type and its content, nothing else",
        ));
    }
    if ci.first().map(|t| t.oid()).transpose()?.as_deref() != Some(oid::SIGNED_DATA) {
        return Err(bad("not a CMS SignedData"));
    }
    let explicit = ci
        .get(1)
        .ok_or(DerError::Invalid("no content"))?
        .expect(tag::context(0), "[0] content")?;
    let signed_data = Tlv::parse(explicit.content)?.expect(tag::SEQUENCE, "SignedData")?;
    let sd = signed_data.children()?;
    // version, digestAlgorithms, encapContentInfo, [0] certificates?, [1] crls?, signerInfos
    // Unsigned fields are held to their form too: a reader that skips them would accept a
    // message changed where the signature does not reach.
    small_integer(sd.first(), "SignedData version", 1..=5)?;
    let digest_algorithms = sd
        .get(1)
        .ok_or(DerError::Invalid("no digestAlgorithms"))?
        .expect(tag::SET, "digestAlgorithms")?
        .children()?
        .iter()
        .map(algorithm_oid)
        .collect::<Result<Vec<String>, CmsError>>()?;
    let encap = sd
        .get(2)
        .ok_or(DerError::Invalid("no encapContentInfo"))?
        .expect(tag::SEQUENCE, "EncapsulatedContentInfo")?
        .children()?;
    let content_type = encap
        .first()
        .ok_or(DerError::Invalid("no eContentType"))?
        .oid()?;
    let content = match encap.get(1) {
        Some(explicit) => Some(
            Tlv::parse(explicit.expect(tag::context(0), "[0] eContent")?.content)?
                .expect(tag::OCTET_STRING, "eContent OCTET STRING")?
                .content,
        ),
        None => None,
    };
    let certificates: Vec<Tlv<'_>> = sd
        .iter()
        .skip(3)
        .find(|t| t.tag == tag::context(0))
        .map(|t| t.children())
        .transpose()?
        .unwrap_or_default();
    let signer_infos = sd
        .last()
        .ok_or(DerError::Invalid("no signerInfos"))?
        .expect(tag::SET, "SignerInfos")?
        .children()?;
    let signer = signer_infos
        .first()
        .ok_or_else(|| bad("no SignerInfo"))?
        .expect(tag::SEQUENCE, "SignerInfo")?
        .children()?;
    // version, sid, digestAlgorithm, [0] signedAttrs?, signatureAlgorithm, signature, …
    let version = small_integer(signer.first(), "SignerInfo version", 1..=3)?;
    let sid = *signer.get(1).ok_or_else(|| bad("no signer identifier"))?;
    match (version, sid.tag) {
        (1, tag::SEQUENCE) => {
            let parts = sid.children()?;
            if parts.len() != 2 || parts[0].tag != tag::SEQUENCE || parts[1].tag != tag::INTEGER {
                return Err(bad("the signer identifier is not an IssuerAndSerialNumber"));
            }
        }
        (3, 0x80) => {}
        _ => {
            return Err(bad(
                "the signer identifier does not match the SignerInfo version",
            ));
        }
    }
    let digest_algorithm = algorithm_oid(signer.get(2).ok_or_else(|| bad("no digestAlgorithm"))?)?;
    if !digest_algorithms.contains(&digest_algorithm) {
        return Err(bad(
            "the signer's digest algorithm is not among the SignedData's digestAlgorithms",
        ));
    }
    let signed_attrs = signer.get(3).filter(|t| t.tag == tag::context(0)).copied();
    let signature_at = if signed_attrs.is_some() { 5 } else { 4 };
    let signature_algorithm = algorithm_oid(
        signer
            .get(signature_at - 1)
            .ok_or_else(|| bad("no signatureAlgorithm"))?,
    )?;
    let signature = signer
        .get(signature_at)
        .ok_or_else(|| bad("no signature"))?
        .expect(tag::OCTET_STRING, "signature")?
        .content;
    Ok(SignedData {
        content_type,
        content,
        digest_algorithm,
        signature_algorithm,
        certificates,
        sid,
        signed_attrs,
        signature,
    })
}

/// An INTEGER in `range`, as a version field must be.
fn small_integer(
    field: Option<&Tlv<'_>>,
    what: &'static str,
    range: std::ops::RangeInclusive<u8>,
) -> Result<u8, CmsError> {
    match field.map(|f| (f.tag, f.content)) {
        Some((tag::INTEGER, [v])) if range.contains(v) => Ok(*v),
        _ => Err(bad(format!("{what} is not an INTEGER in {range:?}"))),
    }
}

/// The OID of an AlgorithmIdentifier (`SEQUENCE { OID, parameters? }`).
fn algorithm_oid(alg: &Tlv<'_>) -> Result<String, CmsError> {
    let parts = alg
        .expect(tag::SEQUENCE, "AlgorithmIdentifier")?
        .children()?;
    if parts.is_empty() || parts.len() > 2 {
        return Err(bad(
            "an AlgorithmIdentifier holds an OID and at most its parameters",
        ));
    }
    Ok(parts[0].oid()?)
}

impl<'a> SignedData<'a> {
    /// Checks that the signature covers `content` (through the messageDigest signed
    /// attribute) and verifies with the certificate the signer identifier names. Returns that
    /// certificate's DER.
    pub fn verify(&self, content: &[u8]) -> Result<&'a [u8], CmsError> {
        self.verify_signer(content).map(|(der, _)| der)
    }

    /// As [`SignedData::verify`], with the signer's certificate parsed as well.
    pub fn verify_signer(
        &self,
        content: &[u8],
    ) -> Result<(&'a [u8], x509_parser::certificate::X509Certificate<'a>), CmsError> {
        let signed_attrs = self
            .signed_attrs
            .ok_or_else(|| bad("the signer has no signed attributes"))?;
        let expected = hash(&self.digest_algorithm, content)?;
        if self.attribute(oid::MESSAGE_DIGEST)?.map(|v| v.content) != Some(expected.as_slice()) {
            return Err(bad(
                "the messageDigest attribute does not match the signed content: it was altered",
            ));
        }
        // RFC 5652 §11.1: with signed attributes, the content type is signed too and must be
        // the one the message states (the eContentType itself is outside the signature).
        let signed_type = self
            .attribute(oid::CONTENT_TYPE)?
            .ok_or_else(|| bad("the signed attributes lack the content-type attribute"))?
            .oid()?;
        if signed_type != self.content_type {
            return Err(bad(format!(
                "the signed content type {signed_type} is not the stated {}: altered",
                self.content_type
            )));
        }
        let (cert_der, cert) = self.signer_certificate()?;
        if !signature_algorithm_fits(cert.public_key(), &self.signature_algorithm) {
            return Err(bad(format!(
                "signatureAlgorithm {} does not suit the signer's {} key",
                self.signature_algorithm,
                key_algorithm(cert.public_key()).0
            )));
        }
        // The signature covers the attributes' DER as a SET, not as the [0] they are stored in.
        let mut signed = signed_attrs.raw.to_vec();
        signed[0] = tag::SET;
        verify_signature(&cert, &self.digest_algorithm, &signed, self.signature)?;
        Ok((cert_der, cert))
    }

    /// The first value of the signed attribute `attr_oid`, if the signer included it.
    pub fn attribute(&self, attr_oid: &str) -> Result<Option<Tlv<'a>>, CmsError> {
        let Some(attrs) = self.signed_attrs else {
            return Ok(None);
        };
        for attr in attrs.children()? {
            let a = attr.children()?;
            if a.first().map(|t| t.oid()).transpose()?.as_deref() == Some(attr_oid) {
                let values = a.get(1).ok_or_else(|| bad("attribute without values"))?;
                return Ok(values.children()?.first().copied());
            }
        }
        Ok(None)
    }

    /// The certificate the signer identifier names, as DER and parsed (once: parsing is a
    /// good part of a verification's cost); a signer that lists it twice is tolerated (a known
    /// quirk of some TSAs).
    fn signer_certificate(
        &self,
    ) -> Result<(&'a [u8], x509_parser::certificate::X509Certificate<'a>), CmsError> {
        let sid = &self.sid;
        // IssuerAndSerialNumber: both must match, byte for byte.
        let issuer_and_serial: Option<(&[u8], Vec<u8>)> = (sid.tag == tag::SEQUENCE)
            .then(|| sid.children().ok())
            .flatten()
            .and_then(|p| Some((p.first()?.raw, p.get(1)?.unsigned().to_vec())));
        let key_id_wanted: Option<&[u8]> = (sid.tag == 0x80).then_some(sid.content);
        for c in &self.certificates {
            let Ok((_, cert)) = x509_parser::parse_x509_certificate(c.raw) else {
                continue;
            };
            let serial_matches = issuer_and_serial.as_ref().is_some_and(|(issuer, serial)| {
                *issuer == cert.issuer().as_raw()
                    && serial
                        == cert
                            .raw_serial()
                            .strip_prefix(&[0])
                            .unwrap_or(cert.raw_serial())
            });
            let key_matches = key_id_wanted.is_some_and(|k| {
                cert.extensions().iter().any(|e| {
                    matches!(e.parsed_extension(),
                        x509_parser::extensions::ParsedExtension::SubjectKeyIdentifier(id) if id.0 == k)
                })
            });
            if serial_matches || key_matches {
                return Ok((c.raw, cert));
            }
        }
        Err(bad("the message does not carry the signer's certificate"))
    }
}

/// Verifies `signature` over `message` with `cert`'s key: SM2 (default ID, digest implied),
/// or RSA PKCS#1 / ECDSA with the digest `digest_alg`.
pub fn verify_signature(
    cert: &x509_parser::certificate::X509Certificate<'_>,
    digest_alg: &str,
    message: &[u8],
    signature: &[u8],
) -> Result<(), CmsError> {
    use aws_lc_rs::signature as sig;
    let spki = cert.public_key();
    let key = spki.subject_public_key.data.as_ref();
    let (key_alg, curve) = key_algorithm(spki);
    let algorithm: &dyn sig::VerificationAlgorithm =
        match (key_alg.as_str(), curve.as_deref(), digest_alg) {
            _ if is_sm2_key(spki) => {
                return sm2sig::verify(key, sm2sig::DEFAULT_DIST_ID, message, signature)
                    .map(|_| ())
                    .map_err(|e| bad(format!("the SM2 signature does not verify: {e}")));
            }
            (oid::RSA, _, oid::SHA256) => &sig::RSA_PKCS1_2048_8192_SHA256,
            (oid::RSA, _, oid::SHA384) => &sig::RSA_PKCS1_2048_8192_SHA384,
            (oid::RSA, _, oid::SHA512) => &sig::RSA_PKCS1_2048_8192_SHA512,
            (oid::EC_PUBLIC_KEY, Some(oid::P256), oid::SHA256) => &sig::ECDSA_P256_SHA256_ASN1,
            (oid::EC_PUBLIC_KEY, Some(oid::P256), oid::SHA384) => &sig::ECDSA_P256_SHA384_ASN1,
            (oid::EC_PUBLIC_KEY, Some(oid::P384), oid::SHA256) => &sig::ECDSA_P384_SHA256_ASN1,
            (oid::EC_PUBLIC_KEY, Some(oid::P384), oid::SHA384) => &sig::ECDSA_P384_SHA384_ASN1,
            (k, c, d) => {
                return Err(bad(format!(
                    "unsupported signature: key {k} (curve {}) with digest {d}",
                    c.unwrap_or("none")
                )));
            }
        };
    sig::UnparsedPublicKey::new(algorithm, key)
        .verify(message, signature)
        .map_err(|_| bad("the signature does not verify: altered, or signed by another key"))
}

/// Whether a SignerInfo's signatureAlgorithm names the algorithm of the signer's key: the key
/// algorithm itself (as RFC 5652 allows), or a signature OID for that key type.
fn signature_algorithm_fits(
    spki: &x509_parser::x509::SubjectPublicKeyInfo<'_>,
    signature_algorithm: &str,
) -> bool {
    const SM2_SIGN: &str = "1.2.156.10197.1.301.1";
    const ECDSA_WITH_SHA: [&str; 3] = [
        "1.2.840.10045.4.3.2",
        "1.2.840.10045.4.3.3",
        "1.2.840.10045.4.3.4",
    ];
    const RSA_WITH_SHA: [&str; 3] = [
        "1.2.840.113549.1.1.11",
        "1.2.840.113549.1.1.12",
        "1.2.840.113549.1.1.13",
    ];
    if is_sm2_key(spki) {
        return [oid::SM3_WITH_SM2, SM2_SIGN, oid::SM2_CURVE].contains(&signature_algorithm);
    }
    match key_algorithm(spki).0.as_str() {
        oid::EC_PUBLIC_KEY => {
            signature_algorithm == oid::EC_PUBLIC_KEY
                || ECDSA_WITH_SHA.contains(&signature_algorithm)
        }
        oid::RSA => signature_algorithm == oid::RSA || RSA_WITH_SHA.contains(&signature_algorithm),
        _ => false,
    }
}

/// A public key's algorithm OID and, for EC keys, its curve OID.
pub fn key_algorithm(
    spki: &x509_parser::x509::SubjectPublicKeyInfo<'_>,
) -> (String, Option<String>) {
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.as_oid().ok())
        .map(|o| o.to_id_string());
    (spki.algorithm.algorithm.to_id_string(), curve)
}

/// An SM2 key in either form in use: id-ecPublicKey with the SM2 curve, or the SM2 OID itself.
pub fn is_sm2_key(spki: &x509_parser::x509::SubjectPublicKeyInfo<'_>) -> bool {
    let (alg, curve) = key_algorithm(spki);
    (alg == oid::EC_PUBLIC_KEY && curve.as_deref() == Some(oid::SM2_CURVE)) || alg == oid::SM2_CURVE
}
