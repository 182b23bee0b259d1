//! SM3 and SHA-256 helpers. SM3 is the profile's deposit digest; SHA-256 and MD5-length
//! values are only ever computed to recognise a platform that used the wrong algorithm.

use sha2::Sha256;
use sm3::{Digest, Sm3};

/// SM3 of `data`.
pub fn sm3(data: &[u8]) -> [u8; 32] {
    Sm3::digest(data).into()
}

/// SM3 of `data`, lower-case hex.
pub fn sm3_hex(data: &[u8]) -> String {
    hex::encode(sm3(data))
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// SHA-256 of `data`, lower-case hex.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(sha256(data))
}

/// Parses a 64-character lowercase hex digest; anything else is not a profile digest.
pub fn parse_digest_hex(value: &str) -> Option<[u8; 32]> {
    if value.len() != 64
        || !value
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return None;
    }
    let mut out = [0u8; 32];
    hex::decode_to_slice(value, &mut out).ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    // GB/T 32905-2016 appendix A example 1, and the empty-string value OpenSSL prints.
    #[test]
    fn sm3_known_answers() {
        assert_eq!(
            sm3_hex(b"abc"),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
        assert_eq!(
            sm3_hex(b""),
            "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b"
        );
    }

    #[test]
    fn digest_hex_must_be_lowercase_64() {
        assert!(parse_digest_hex(&sm3_hex(b"x")).is_some());
        assert!(parse_digest_hex(&sm3_hex(b"x").to_uppercase()).is_none());
        assert!(parse_digest_hex("abcd").is_none());
    }
}
