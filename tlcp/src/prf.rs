//! The TLCP key schedule: the TLS 1.2 PRF (RFC 5246 §5) with HMAC-SM3, as GB/T 38636-2020
//! §6.5 specifies, and what it derives: the master secret, the key block and Finished.

use hmac::{Hmac, KeyInit, Mac};
use sm3::{Digest, Sm3};

type HmacSm3 = Hmac<Sm3>;

fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = <HmacSm3 as KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

/// PRF(secret, label, seed) truncated to `len` bytes: P_SM3(secret, label + seed).
pub fn prf(secret: &[u8], label: &str, seed: &[u8], len: usize) -> Vec<u8> {
    let label_seed = [label.as_bytes(), seed].concat();
    let mut out = Vec::with_capacity(len + 32);
    let mut a = hmac(secret, &[&label_seed]);
    while out.len() < len {
        out.extend_from_slice(&hmac(secret, &[&a, &label_seed]));
        a = hmac(secret, &[&a]);
    }
    out.truncate(len);
    out
}

/// The 48-byte master secret from the pre-master secret and both randoms.
pub fn master_secret(
    pre_master: &[u8],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
) -> Vec<u8> {
    prf(
        pre_master,
        "master secret",
        &[&client_random[..], server_random].concat(),
        48,
    )
}

/// The key block: note the server random comes first here.
pub fn key_block(
    master: &[u8],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
    len: usize,
) -> Vec<u8> {
    prf(
        master,
        "key expansion",
        &[&server_random[..], client_random].concat(),
        len,
    )
}

/// Finished's verify_data over the handshake messages so far.
pub fn verify_data(master: &[u8], label: &str, handshake_messages: &[u8]) -> Vec<u8> {
    prf(master, label, &Sm3::digest(handshake_messages), 12)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// P_hash is HMAC(secret, A(i) + seed) with A(0) = seed: its first block is checked
    /// against a direct computation, and longer outputs extend shorter ones.
    #[test]
    fn prf_follows_p_hash() {
        let (secret, label, seed) = (b"secret".as_slice(), "test label", b"seed".as_slice());
        let label_seed = [label.as_bytes(), seed].concat();
        let a1 = hmac(secret, &[&label_seed]);
        let first = hmac(secret, &[&a1, &label_seed]);
        let out = prf(secret, label, seed, 100);
        assert_eq!(&out[..32], &first);
        assert_eq!(&prf(secret, label, seed, 40)[..], &out[..40]);
        assert_ne!(prf(secret, "other", seed, 32), out[..32]);
    }
}
