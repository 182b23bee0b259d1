//! The SM2 key exchange protocol (GB/T 32918.3-2016 §6) as TLCP's ECDHE suites use it: the
//! server is the initiator A, the client the responder B; each side's static key is its
//! encryption certificate's, both identifiers are the GM/T 0009 default, and the shared key is
//! the 48-byte pre-master secret. Written here: the `sm2` crate has signatures and encryption
//! but not the key exchange.

use sm2::elliptic_curve::ff::PrimeField;
use sm2::elliptic_curve::point::AffineCoordinates;
use sm2::elliptic_curve::sec1::ToSec1Point;
use sm2::{AffinePoint, ProjectivePoint, PublicKey, Scalar};
use sm3::{Digest, Sm3};

use crate::TlcpError;

/// Z = SM3(ENTL || ID || a || b || xG || yG || xP || yP), as signatures use it.
pub(crate) fn z_value(id: &[u8], public: &AffinePoint) -> [u8; 32] {
    tianping_profile::sm2fixed::z_value(id, public)
}

/// x̄ = 2^127 + (x mod 2^127), as a scalar (w = 127 for SM2's 256-bit order).
fn x_bar(point: &AffinePoint) -> Scalar {
    let mut bytes: [u8; 32] = point.x().into();
    bytes[..16].fill(0);
    bytes[16] |= 0x80;
    Option::from(Scalar::from_repr(bytes.into())).expect("below 2^128 is below the order")
}

/// The KDF of GB/T 32918.4 §5.4.3: SM3(z || counter) blocks, counter from 1.
fn kdf(z: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 32);
    let mut counter = 1u32;
    while out.len() < len {
        out.extend_from_slice(
            &Sm3::new()
                .chain_update(z)
                .chain_update(counter.to_be_bytes())
                .finalize(),
        );
        counter += 1;
    }
    out.truncate(len);
    out
}

/// One side's keys in an exchange: its static (certificate) key and its ephemeral key.
pub(crate) struct ExchangeKeys {
    pub static_secret: Scalar,
    pub ephemeral_secret: Scalar,
}

impl ExchangeKeys {
    fn public(secret: &Scalar) -> AffinePoint {
        (ProjectivePoint::GENERATOR * secret).to_affine()
    }
}

/// A fresh ephemeral secret and its point (uncompressed, 65 bytes).
pub(crate) fn ephemeral() -> Result<(Scalar, Vec<u8>), TlcpError> {
    loop {
        if let Some(secret) = scalar(&crate::random::<32>()?) {
            let point = ExchangeKeys::public(&secret).to_sec1_point(false);
            return Ok((secret, point.as_bytes().to_vec()));
        }
    }
}

/// A secret scalar from its 32 bytes, if it is one (non-zero, below the order).
pub(crate) fn scalar(bytes: &[u8; 32]) -> Option<Scalar> {
    let secret: Option<Scalar> = Scalar::from_repr((*bytes).into()).into();
    secret.filter(|s| !bool::from(s.is_zero()))
}

/// A point from its uncompressed encoding, refusing anything not on the curve.
pub(crate) fn point(bytes: &[u8], what: &str) -> Result<AffinePoint, TlcpError> {
    if bytes.len() != 65 || bytes[0] != 4 {
        return Err(TlcpError::Protocol(format!(
            "the {what} is not an uncompressed SM2 point"
        )));
    }
    PublicKey::from_sec1_bytes(bytes)
        .map(|k| *k.as_affine())
        .map_err(|_| TlcpError::Protocol(format!("the {what} is not on the SM2 curve")))
}

/// The shared key of `len` bytes, from this side's `keys` and the peer's static and ephemeral
/// public points. `initiator` says which role this side plays (A, the server, in TLCP).
pub(crate) fn shared_key(
    initiator: bool,
    keys: &ExchangeKeys,
    peer_static: &AffinePoint,
    peer_ephemeral: &AffinePoint,
    id: &[u8],
    len: usize,
) -> Result<Vec<u8>, TlcpError> {
    let own_static = ExchangeKeys::public(&keys.static_secret);
    let own_ephemeral = ExchangeKeys::public(&keys.ephemeral_secret);
    // t = (d + x̄ · r) mod n
    let t = keys.static_secret + x_bar(&own_ephemeral) * keys.ephemeral_secret;
    // U = [h · t](P_peer + [x̄_peer] R_peer), h = 1 for SM2.
    let sum = ProjectivePoint::from(*peer_static)
        + ProjectivePoint::from(*peer_ephemeral) * x_bar(peer_ephemeral);
    let shared = sum * t;
    if bool::from(sm2::elliptic_curve::group::Group::is_identity(&shared)) {
        return Err(TlcpError::BadKeyExchange(
            "the SM2 key exchange reached the point at infinity".into(),
        ));
    }
    let (z_a, z_b) = if initiator {
        (z_value(id, &own_static), z_value(id, peer_static))
    } else {
        (z_value(id, peer_static), z_value(id, &own_static))
    };
    let encoded = shared.to_affine().to_sec1_point(false);
    let input = [&encoded.as_bytes()[1..], &z_a[..], &z_b[..]].concat();
    Ok(kdf(&input, len))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sm2::dsa::signature::Signer;

    fn scalar(seed: u8) -> Scalar {
        let mut bytes = [seed; 32];
        bytes[0] = 1;
        Option::from(Scalar::from_repr(bytes.into())).unwrap()
    }

    /// Z is the one the `sm2` crate's signatures hash: a signature it makes verifies by hand
    /// with our Z (GB/T 32918.2 §7).
    #[test]
    fn z_matches_the_one_sm2_signatures_use() {
        let key = sm2::dsa::SigningKey::from_slice("1234567812345678", &[9u8; 32]).unwrap();
        let message = b"key exchange";
        let signature: sm2::dsa::Signature = key.sign(message);
        let public = *key.verifying_key().as_affine();
        let z = z_value(b"1234567812345678", &public);
        let e_bytes: [u8; 32] = Sm3::new()
            .chain_update(z)
            .chain_update(message)
            .finalize()
            .into();
        let reduce = |b: [u8; 32]| {
            <Scalar as sm2::elliptic_curve::ops::Reduce<sm2::U256>>::reduce(
                &sm2::U256::from_be_slice(&b),
            )
        };
        let r = reduce(signature.r_bytes().into());
        let s = reduce(signature.s_bytes().into());
        let point =
            (ProjectivePoint::GENERATOR * s + ProjectivePoint::from(public) * (r + s)).to_affine();
        let x1 = reduce(point.x().into());
        assert_eq!(reduce(e_bytes) + x1, r, "R = e + x1 mod n");
    }

    /// Both roles reach the same key, and it depends on every key involved.
    #[test]
    fn initiator_and_responder_agree() {
        let a = ExchangeKeys {
            static_secret: scalar(2),
            ephemeral_secret: scalar(3),
        };
        let b = ExchangeKeys {
            static_secret: scalar(4),
            ephemeral_secret: scalar(5),
        };
        let public = ExchangeKeys::public;
        let id = b"1234567812345678";
        let k_a = shared_key(
            true,
            &a,
            &public(&b.static_secret),
            &public(&b.ephemeral_secret),
            id,
            48,
        )
        .unwrap();
        let k_b = shared_key(
            false,
            &b,
            &public(&a.static_secret),
            &public(&a.ephemeral_secret),
            id,
            48,
        )
        .unwrap();
        assert_eq!(k_a, k_b);
        assert_eq!(k_a.len(), 48);
        let wrong_static = shared_key(
            false,
            &b,
            &public(&scalar(6)),
            &public(&a.ephemeral_secret),
            id,
            48,
        )
        .unwrap();
        assert_ne!(k_a, wrong_static);
        let wrong_role = shared_key(
            true,
            &b,
            &public(&a.static_secret),
            &public(&a.ephemeral_secret),
            id,
            48,
        )
        .unwrap();
        assert_ne!(k_a, wrong_role, "Z_A and Z_B are ordered by role");
    }

    #[test]
    fn points_off_the_curve_or_compressed_are_refused() {
        let (_, good) = ephemeral().unwrap();
        assert!(point(&good, "key").is_ok());
        let mut off = good.clone();
        off[64] ^= 1;
        assert!(point(&off, "key").is_err());
        assert!(point(&good[..33], "key").is_err());
    }
}
