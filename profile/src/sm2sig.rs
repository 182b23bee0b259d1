//! SM2 signatures (GB/T 32918.2) as the profile uses them: SM3withSM2, DER-encoded `(r, s)`,
//! with the GM/T 0009 default distinguishing identifier unless a caller says otherwise.

use sm2::dsa::signature::{Signer, Verifier};
use sm2::dsa::{Signature, SigningKey, VerifyingKey};

/// GM/T 0009 default user ID (16 bytes, ENTL = 0x0080).
pub const DEFAULT_DIST_ID: &str = "1234567812345678";

/// Why an SM2 key or signature cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Sm2Error {
    /// The public key is not a point on the curve.
    #[error("public key is not a valid SM2 curve point")]
    BadPublicKey,
    /// The private key is out of range.
    #[error("private key is not a valid SM2 scalar")]
    BadPrivateKey,
    /// The signature is neither 64 raw bytes nor DER.
    #[error("signature is neither DER SEQUENCE{{r,s}} nor 64-byte r||s")]
    BadEncoding,
    /// The signature does not verify.
    #[error("signature does not verify")]
    Mismatch,
}

/// How a signature verified, so callers can tell a compliant signature from a tolerated one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureEncoding {
    /// The DER signature is malformed.
    Der,
    /// 64 raw bytes `r || s`: verifies, but is not the encoding the profile requires.
    RawRs,
}

/// Derives a signing key from a 32-byte seed; the reference platform uses this so its keys
/// are reproducible between runs. A seed that is not a valid scalar is rehashed.
pub fn signing_key_from_seed(dist_id: &str, seed: &[u8]) -> SigningKey {
    let mut material = crate::digest::sm3(seed);
    loop {
        if let Ok(key) = SigningKey::from_slice(dist_id, &material) {
            return key;
        }
        material = crate::digest::sm3(&material);
    }
}

/// An SM2 signing key from its 32-byte secret, with distinguishing id `dist_id`.
pub fn signing_key_from_bytes(dist_id: &str, secret: &[u8]) -> Result<SigningKey, Sm2Error> {
    SigningKey::from_slice(dist_id, secret).map_err(|_| Sm2Error::BadPrivateKey)
}

/// Uncompressed SEC1 public key, `04 || X || Y` (65 bytes).
pub fn public_key_bytes(key: &SigningKey) -> Vec<u8> {
    key.verifying_key().to_sec1_bytes().to_vec()
}

/// Signs `message` (SM3 with the key's Z value prefixed) and returns the DER signature.
pub fn sign_der(key: &SigningKey, message: &[u8]) -> Vec<u8> {
    let signature: Signature = key.sign(message);
    signature.to_der().to_bytes().to_vec()
}

/// Verifies a DER (or, tolerated, raw `r||s`) SM2 signature with the given identifier. For a
/// key that signs many messages, [`crate::sm2fixed::FixedKeyVerifier`] gives the same verdicts
/// about five times faster.
pub fn verify(
    public_key_sec1: &[u8],
    dist_id: &str,
    message: &[u8],
    signature: &[u8],
) -> Result<SignatureEncoding, Sm2Error> {
    let key = VerifyingKey::from_sec1_bytes(dist_id, public_key_sec1)
        .map_err(|_| Sm2Error::BadPublicKey)?;
    let (parsed, encoding) = parse_signature(signature)?;
    key.verify(message, &parsed)
        .map(|()| encoding)
        .map_err(|_| Sm2Error::Mismatch)
}

/// A signature as DER, or (tolerated, and said so) as 64 raw bytes `r || s`.
pub(crate) fn parse_signature(
    signature: &[u8],
) -> Result<(Signature, SignatureEncoding), Sm2Error> {
    match Signature::from_der(signature) {
        Ok(sig) => Ok((sig, SignatureEncoding::Der)),
        Err(_) if signature.len() == 64 => Ok((
            Signature::from_slice(signature).map_err(|_| Sm2Error::BadEncoding)?,
            SignatureEncoding::RawRs,
        )),
        Err(_) => Err(Sm2Error::BadEncoding),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_then_verify_round_trip_with_default_id() {
        let key = signing_key_from_seed(DEFAULT_DIST_ID, b"unit-test");
        let pk = public_key_bytes(&key);
        assert_eq!(pk.len(), 65);
        let sig = sign_der(&key, b"receipt");
        assert_eq!(
            verify(&pk, DEFAULT_DIST_ID, b"receipt", &sig),
            Ok(SignatureEncoding::Der)
        );
        assert_eq!(
            verify(&pk, DEFAULT_DIST_ID, b"receipt!", &sig),
            Err(Sm2Error::Mismatch)
        );
    }

    #[test]
    fn a_signature_made_with_an_empty_id_fails_under_the_default_id() {
        let key = signing_key_from_seed("", b"unit-test");
        let pk = public_key_bytes(&key);
        let sig = sign_der(&key, b"m");
        assert_eq!(
            verify(&pk, DEFAULT_DIST_ID, b"m", &sig),
            Err(Sm2Error::Mismatch)
        );
        assert_eq!(verify(&pk, "", b"m", &sig), Ok(SignatureEncoding::Der));
    }

    #[test]
    fn garbage_is_an_encoding_error_not_a_panic() {
        let key = signing_key_from_seed(DEFAULT_DIST_ID, b"k");
        let pk = public_key_bytes(&key);
        assert_eq!(
            verify(&pk, DEFAULT_DIST_ID, b"m", b"\x30\x02"),
            Err(Sm2Error::BadEncoding)
        );
        assert_eq!(
            verify(b"\x04", DEFAULT_DIST_ID, b"m", b""),
            Err(Sm2Error::BadPublicKey)
        );
    }
}
