//! SM2 verification for a public key that signs many messages (a platform's receipt key, its
//! TSA, its deposit-certificate signer): Z is computed once, and both the generator and the
//! key get a table of every byte-sized multiple in each of the 32 byte positions, so a
//! verification is at most 64 mixed point additions instead of two scalar multiplications.
//! The sum stays in Jacobian coordinates: r is compared as X = (r − e)·Z², with no inversion
//! ([`crate::sm2field`]).
//!
//! The result is the same as [`crate::sm2sig::verify`]'s, which the tests hold it to on random
//! and tampered inputs. Verification handles public data only, so variable time is fine.

use std::sync::OnceLock;

use sm2::elliptic_curve::ops::Reduce;
use sm2::elliptic_curve::sec1::ToSec1Point;
use sm2::{AffinePoint, PublicKey, Scalar, U256};
use sm3::{Digest, Sm3};

use crate::sm2field::{Affine, CURVE_B, Fe, Jacobian, batch_to_affine, hex32};
use crate::sm2sig::{SignatureEncoding, Sm2Error};

/// Byte positions in a 256-bit scalar, and multiples per position.
const WINDOWS: usize = 32;
const PER_WINDOW: usize = 256;

/// Z = SM3(ENTL || ID || a || b || xG || yG || xP || yP) (GB/T 32918.2 §5.5).
pub fn z_value(id: &[u8], public: &AffinePoint) -> [u8; 32] {
    const CURVE_A: [u8; 32] =
        hex32(b"FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC");
    let generator = AffinePoint::GENERATOR.to_sec1_point(false);
    let point = public.to_sec1_point(false);
    let mut h = Sm3::new();
    h.update(((id.len() * 8) as u16).to_be_bytes());
    h.update(id);
    h.update(CURVE_A);
    h.update(CURVE_B);
    h.update(&generator.as_bytes()[1..]);
    h.update(&point.as_bytes()[1..]);
    h.finalize().into()
}

/// `j · 256^w · P` at index `w · 256 + j`, affine (index `w · 256` holds P itself as a
/// placeholder: a zero byte adds nothing and never reads it).
fn window_table(point: Affine) -> Vec<Affine> {
    let mut jacobian = Vec::with_capacity(WINDOWS * PER_WINDOW);
    let mut base = point;
    for _ in 0..WINDOWS {
        let mut multiple = Jacobian::INFINITY;
        for _ in 0..PER_WINDOW {
            jacobian.push(multiple);
            multiple = multiple.add_affine(&base);
        }
        // 256 · base, the next window's base: finite, as P has prime order n and no power
        // of 256 is a multiple of n.
        base = batch_to_affine(&[multiple])[0].expect("a multiple below n is finite");
    }
    batch_to_affine(&jacobian)
        .into_iter()
        .map(|p| p.unwrap_or(point))
        .collect()
}

/// `k · P` from `P`'s table: one mixed addition per non-zero byte of `k`, added to `sum`.
fn add_multiple(mut sum: Jacobian, table: &[Affine], k: &Scalar) -> Jacobian {
    let bytes: [u8; 32] = k.to_bytes().into();
    for (window, byte) in bytes.iter().rev().enumerate() {
        if *byte != 0 {
            sum = sum.add_affine(&table[window * PER_WINDOW + usize::from(*byte)]);
        }
    }
    sum
}

fn generator_table() -> &'static [Affine] {
    static TABLE: OnceLock<Vec<Affine>> = OnceLock::new();
    TABLE.get_or_init(|| window_table(Affine::generator()))
}

/// The group order n, and p − n: an affine x in [n, p) is congruent to x − n < p − n.
const N: [u8; 32] = hex32(b"FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123");
const P_MINUS_N: [u8; 32] =
    hex32(b"000000000000000000000000000000008DFC2093DE39FAD5AC440BF6C62ABEDC");

/// A verifier for one public key and distinguishing identifier.
pub struct FixedKeyVerifier {
    z: [u8; 32],
    table: Vec<Affine>,
}

impl FixedKeyVerifier {
    /// Precomputes for `public_key_sec1` under `dist_id` (about 8,000 point additions).
    pub fn new(public_key_sec1: &[u8], dist_id: &str) -> Result<FixedKeyVerifier, Sm2Error> {
        let public = *PublicKey::from_sec1_bytes(public_key_sec1)
            .map_err(|_| Sm2Error::BadPublicKey)?
            .as_affine();
        let point = Affine::from_sec1_uncompressed(public.to_sec1_point(false).as_bytes())
            .ok_or(Sm2Error::BadPublicKey)?;
        Ok(FixedKeyVerifier {
            z: z_value(dist_id.as_bytes(), &public),
            table: window_table(point),
        })
    }

    /// Verifies a DER (or, tolerated, raw `r||s`) signature over `message`, exactly as
    /// [`crate::sm2sig::verify`] does (GB/T 32918.2 §7.1).
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<SignatureEncoding, Sm2Error> {
        let (parsed, encoding) = crate::sm2sig::parse_signature(signature)?;
        let (r, s) = (*parsed.r(), *parsed.s());
        let digest: [u8; 32] = Sm3::new()
            .chain_update(self.z)
            .chain_update(message)
            .finalize()
            .into();
        let e = <Scalar as Reduce<U256>>::reduce(&U256::from_be_slice(&digest));
        let t = r + s;
        if bool::from(t.is_zero()) {
            return Err(Sm2Error::Mismatch);
        }
        let sum = add_multiple(Jacobian::INFINITY, generator_table(), &s);
        let sum = add_multiple(sum, &self.table, &t);
        if sum.is_infinity() {
            return Err(Sm2Error::Mismatch);
        }
        // Valid when (e + x1) mod n = r, i.e. x1 ≡ r − e (mod n), with x1 < p < 2n: x1 is
        // r − e itself, or r − e + n when that is still below p.
        let wanted: [u8; 32] = (r - e).to_bytes().into();
        let candidate = Fe::from_be_bytes(&wanted).expect("below n, so below p");
        if sum.has_affine_x(&candidate) {
            return Ok(encoding);
        }
        if wanted < P_MINUS_N {
            let plus_n = Fe::from_be_bytes(&N).expect("n is below p").add(&candidate);
            if sum.has_affine_x(&plus_n) {
                return Ok(encoding);
            }
        }
        Err(Sm2Error::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sm2sig::{self, DEFAULT_DIST_ID};
    use proptest::prelude::*;
    use sm2::dsa::Signature;

    /// The same verdict as the `sm2` crate's verification, for good, tampered and foreign
    /// signatures, over random keys and messages.
    #[test]
    fn agrees_with_the_sm2_crate() {
        let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(24));
        runner
            .run(
                &(
                    any::<[u8; 32]>(),
                    proptest::collection::vec(any::<u8>(), 0..300),
                    any::<u16>(),
                ),
                |(seed, message, flip)| {
                    let key = sm2sig::signing_key_from_seed(DEFAULT_DIST_ID, &seed);
                    let public = sm2sig::public_key_bytes(&key);
                    let fixed = FixedKeyVerifier::new(&public, DEFAULT_DIST_ID).unwrap();
                    let signature = sm2sig::sign_der(&key, &message);
                    let raw = Signature::from_der(&signature).unwrap().to_bytes().to_vec();
                    let mut tampered = message.clone();
                    tampered.push(flip as u8);
                    let mut bent = signature.clone();
                    let at = usize::from(flip) % bent.len();
                    bent[at] ^= 1 << (flip % 8);
                    for (m, sig) in [
                        (&message, &signature),
                        (&message, &raw),
                        (&tampered, &signature),
                        (&message, &bent),
                    ] {
                        prop_assert_eq!(
                            fixed.verify(m, sig),
                            sm2sig::verify_once(&public, DEFAULT_DIST_ID, m, sig)
                        );
                    }
                    Ok(())
                },
            )
            .unwrap();
    }

    /// A signature by another key, or under another identifier, does not verify.
    #[test]
    fn other_keys_and_identifiers_do_not_verify() {
        let key = sm2sig::signing_key_from_seed(DEFAULT_DIST_ID, b"one");
        let other = sm2sig::signing_key_from_seed(DEFAULT_DIST_ID, b"two");
        let fixed =
            FixedKeyVerifier::new(&sm2sig::public_key_bytes(&key), DEFAULT_DIST_ID).unwrap();
        assert_eq!(
            fixed.verify(b"m", &sm2sig::sign_der(&key, b"m")),
            Ok(SignatureEncoding::Der)
        );
        assert_eq!(
            fixed.verify(b"m", &sm2sig::sign_der(&other, b"m")),
            Err(Sm2Error::Mismatch)
        );
        let empty_id = sm2sig::signing_key_from_seed("", b"one");
        assert_eq!(
            fixed.verify(b"m", &sm2sig::sign_der(&empty_id, b"m")),
            Err(Sm2Error::Mismatch)
        );
        assert!(FixedKeyVerifier::new(&[4; 65], DEFAULT_DIST_ID).is_err());
    }
}
