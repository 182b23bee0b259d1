//! The TLS 1.3 key schedule (RFC 8446 §7.1) with SM3: HKDF-SM3, HKDF-Expand-Label and
//! Derive-Secret, and the traffic keys of one direction.

use hmac::{Hmac, KeyInit, Mac};
use sm3::{Digest, Sm3};

type HmacSm3 = Hmac<Sm3>;

/// SM3's output, the size of every secret in the schedule.
pub(crate) const HASH_LEN: usize = 32;

/// HMAC-SM3 of the concatenated `parts` under `key`.
pub(crate) fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; HASH_LEN] {
    let mut mac = <HmacSm3 as KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// SM3 of `data`.
pub(crate) fn sm3(data: &[u8]) -> [u8; HASH_LEN] {
    Sm3::digest(data).into()
}

/// HKDF-Extract (RFC 5869 §2.2).
pub(crate) fn extract(salt: &[u8], ikm: &[u8]) -> [u8; HASH_LEN] {
    hmac(salt, &[ikm])
}

/// HKDF-Expand (RFC 5869 §2.3); `len` is at most 255 blocks.
fn expand(prk: &[u8], info: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    let mut block: Vec<u8> = Vec::new();
    let mut counter = 1u8;
    while out.len() < len {
        block = hmac(prk, &[&block, info, &[counter]]).to_vec();
        out.extend_from_slice(&block);
        counter += 1;
    }
    out.truncate(len);
    out
}

/// HKDF-Expand-Label (RFC 8446 §7.1).
pub(crate) fn expand_label(secret: &[u8], label: &str, context: &[u8], len: usize) -> Vec<u8> {
    let full = [b"tls13 ".as_slice(), label.as_bytes()].concat();
    let mut info = Vec::with_capacity(4 + full.len() + context.len());
    info.extend_from_slice(&(len as u16).to_be_bytes());
    info.push(full.len() as u8);
    info.extend_from_slice(&full);
    info.push(context.len() as u8);
    info.extend_from_slice(context);
    expand(secret, &info, len)
}

/// Derive-Secret (RFC 8446 §7.1) over the transcript `messages`.
pub(crate) fn derive_secret(secret: &[u8], label: &str, messages: &[u8]) -> [u8; HASH_LEN] {
    expand_label(secret, label, &sm3(messages), HASH_LEN)
        .try_into()
        .expect("HASH_LEN bytes")
}

/// The verify_data of a Finished message sent with `base_key` over `messages`.
pub(crate) fn finished(base_key: &[u8], messages: &[u8]) -> [u8; HASH_LEN] {
    let finished_key = expand_label(base_key, "finished", &[], HASH_LEN);
    hmac(&finished_key, &[&sm3(messages)])
}

/// One direction's SM4 key and IV, from its traffic secret (RFC 8446 §7.3).
pub(crate) fn traffic_keys(secret: &[u8]) -> ([u8; 16], [u8; 12]) {
    (
        expand_label(secret, "key", &[], 16).try_into().expect("16"),
        expand_label(secret, "iv", &[], 12).try_into().expect("12"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 5869's construction, checked against HMAC directly: T(1) and T(2).
    #[test]
    fn expand_chains_blocks_as_rfc_5869_says() {
        let prk = [3u8; 32];
        let out = expand(&prk, b"info", 40);
        let t1 = hmac(&prk, &[b"info", &[1]]);
        let t2 = hmac(&prk, &[&t1, b"info", &[2]]);
        assert_eq!(&out[..32], &t1);
        assert_eq!(&out[32..], &t2[..8]);
    }

    /// HKDF-Expand-Label's HkdfLabel: length, "tls13 " + label, context, each length-prefixed.
    #[test]
    fn expand_label_encodes_the_hkdf_label() {
        let secret = [5u8; 32];
        let mut info = vec![0, 16, 9];
        info.extend_from_slice(b"tls13 key");
        info.push(0);
        assert_eq!(
            expand_label(&secret, "key", &[], 16),
            expand(&secret, &info, 16)
        );
    }
}
