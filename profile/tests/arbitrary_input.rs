//! The readers of bytes a platform, a TSA or a file sends, fed arbitrary input: CMS
//! SignedData, RFC 3161 responses and tokens, PEM, SM2 signatures and keys. Each must answer
//! (a value or an error) and never panic; inputs are bounded so each case is quick.

use proptest::collection::vec;
use proptest::prelude::*;
use tianping_profile::{cms, der, pem, rfc3161, sm2sig};

/// Noise, or a SEQUENCE of random elements: the second reaches past the readers' first check.
fn der_like() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        vec(any::<u8>(), 0..512),
        vec((any::<u8>(), vec(any::<u8>(), 0..64)), 0..8).prop_map(|items| {
            let mut body = Vec::new();
            for (tag, content) in items {
                body.push(tag);
                body.extend(der::length(content.len()));
                body.extend(content);
            }
            der::encode(der::tag::SEQUENCE, &body)
        }),
    ]
}

proptest! {
    #[test]
    fn the_cms_reader_never_panics(bytes in der_like()) {
        let _ = cms::read(&bytes);
    }

    #[test]
    fn the_rfc3161_readers_never_panic(bytes in der_like()) {
        let _ = rfc3161::token_of_response(&bytes);
        let _ = rfc3161::verify_token(&bytes);
        let _ = rfc3161::verify_for(&bytes, b"data");
    }

    #[test]
    fn the_pem_reader_never_panics(text in "(-----(BEGIN|END) CERTIFICATE-----\n|[A-Za-z0-9+/=\n ]{0,80}){0,6}") {
        let _ = pem::certificates(&text);
    }

    #[test]
    fn sm2_verification_never_panics(key in vec(any::<u8>(), 0..80), signature in der_like(), message in vec(any::<u8>(), 0..64)) {
        let _ = sm2sig::verify(&key, sm2sig::DEFAULT_DIST_ID, &message, &signature);
    }

    #[test]
    fn a_signature_over_other_bytes_never_verifies(message in vec(any::<u8>(), 1..64), flip in any::<usize>()) {
        let key = sm2sig::signing_key_from_seed(sm2sig::DEFAULT_DIST_ID, b"property");
        let signature = sm2sig::sign_der(&key, &message);
        let public = sm2sig::public_key_bytes(&key);
        prop_assert!(sm2sig::verify(&public, sm2sig::DEFAULT_DIST_ID, &message, &signature).is_ok());
        let mut other = message.clone();
        other[flip % message.len()] ^= 1;
        prop_assert!(sm2sig::verify(&public, sm2sig::DEFAULT_DIST_ID, &other, &signature).is_err());
    }
}
