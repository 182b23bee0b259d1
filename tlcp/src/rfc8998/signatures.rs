//! sm2sig_sm3 in TLS 1.3 (RFC 8998 §3.2.1): the server's signer, for rustls.

use rustls::sign::{Signer, SigningKey};
use rustls::{Error, SignatureAlgorithm, SignatureScheme};
use tianping_profile::sm2sig;

/// sm2sig_sm3's code point (RFC 8998 §2.1).
pub const SM2SIG_SM3: u16 = 0x0708;

/// The SM2 distinguishing identifier TLS 1.3 signatures use (RFC 8998 §3.2.1).
pub const TLS13_SM2_ID: &str = "TLSv1.3+GM+Cipher+Suite";

/// The server's sm2sig_sm3 signer.
pub(super) struct Sm2Signer {
    key: sm2::dsa::SigningKey,
}

impl std::fmt::Debug for Sm2Signer {
    // Never the key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sm2Signer(sm2sig_sm3)")
    }
}

impl Sm2Signer {
    /// Signs with `key`'s secret under RFC 8998's identifier.
    pub(super) fn new(key: &sm2::dsa::SigningKey) -> Self {
        Sm2Signer {
            key: sm2::dsa::SigningKey::from_nonzero_scalar(TLS13_SM2_ID, *key.as_nonzero_scalar())
                .expect("a valid SM2 key stays valid under another identifier"),
        }
    }

    /// A signer whose key is derived from `key` but is not it: the reference fault of a
    /// CertificateVerify signed by another key.
    pub(super) fn unrelated_to(key: &sm2::dsa::SigningKey) -> Self {
        let seed = [b"rfc8998-other-key".as_slice(), &key.to_bytes()].concat();
        Sm2Signer {
            key: sm2sig::signing_key_from_seed(TLS13_SM2_ID, &seed),
        }
    }
}

impl SigningKey for Sm2Signer {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn Signer>> {
        offered
            .contains(&SignatureScheme::Unknown(SM2SIG_SM3))
            .then(|| {
                Box::new(Sm2Signer {
                    key: self.key.clone(),
                }) as Box<dyn Signer>
            })
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        // TLS 1.2's SignatureAlgorithm registry has no SM2; TLS 1.3 does not use this value.
        SignatureAlgorithm::Unknown(0)
    }
}

impl Signer for Sm2Signer {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        Ok(sm2sig::sign_der(&self.key, message))
    }

    fn scheme(&self) -> SignatureScheme {
        SignatureScheme::Unknown(SM2SIG_SM3)
    }
}
