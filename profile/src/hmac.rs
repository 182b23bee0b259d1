//! HMAC-SM3 (RFC 2104 with SM3, block size 64), used to authenticate API requests.
//! Written out rather than pulled in: it is eight lines and pinned by a vector from OpenSSL.

use crate::digest::sm3;

const BLOCK: usize = 64;

/// HMAC-SM3 (RFC 2104 over SM3) of `message` under `key`.
pub fn hmac_sm3(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block_key = [0u8; BLOCK];
    if key.len() > BLOCK {
        block_key[..32].copy_from_slice(&sm3(key));
    } else {
        block_key[..key.len()].copy_from_slice(key);
    }
    let mut inner = Vec::with_capacity(BLOCK + message.len());
    inner.extend(block_key.iter().map(|b| b ^ 0x36));
    inner.extend_from_slice(message);
    let mut outer = Vec::with_capacity(BLOCK + 32);
    outer.extend(block_key.iter().map(|b| b ^ 0x5c));
    outer.extend_from_slice(&sm3(&inner));
    sm3(&outer)
}

/// Constant-time comparison, so a server built on this does not leak signature prefixes.
pub fn equal_ct(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    // `printf 'what do ya want for nothing?' | openssl mac -digest SM3 -macopt key:Jefe HMAC`
    #[test]
    fn matches_openssl() {
        assert_eq!(
            hex::encode(hmac_sm3(b"Jefe", b"what do ya want for nothing?")),
            OPENSSL_JEFE
        );
    }

    const OPENSSL_JEFE: &str = "2e87f1d16862e6d964b50a5200bf2b10b764faa9680a296a2405f24bec39f882";

    #[test]
    fn long_keys_are_hashed_first() {
        let long = [7u8; 100];
        assert_eq!(hmac_sm3(&long, b"m"), hmac_sm3(&sm3(&long), b"m"));
    }
}
