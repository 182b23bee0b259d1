//! SM2 verification for a public key that signs many messages (a platform's receipt key, its
//! TSA, its deposit-certificate signer): Z is computed once, and both the generator and the
//! key get a table of multiples for each 12-bit window of a scalar, so a verification is at
//! most 46 mixed point additions instead of two scalar multiplications.
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

use crate::sm2field::{Affine, CURVE_B, Fe, Jacobian, batch_to_affine, be_limbs, hex32};
use crate::sm2sig::{SignatureEncoding, Sm2Error};

/// A scalar is read in windows of 12 bits, each recoded as a signed digit in [−2047, 2048]:
/// a window's table holds 0..=2048 times its base, and a negative digit adds the negated
/// point. 22 additions per scalar (32 with byte windows) from 2.9 MiB per key, built once
/// from about 45,000 additions. At most `frequent::MAX_TABLES` keys have tables.
const WINDOW_BITS: usize = 12;
const WINDOWS: usize = 256usize.div_ceil(WINDOW_BITS);
const HALF: u64 = 1 << (WINDOW_BITS - 1);
const PER_WINDOW: usize = HALF as usize + 1;
/// Where 2^(12·22) · P sits, for a carry out of the top digit.
const TOP: usize = WINDOWS * PER_WINDOW;

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

/// One table entry on a cache line of its own (an affine point is 64 bytes), so that reading
/// it is one memory access, not two.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Entry(Affine);

/// `j · 2^(12w) · P` at index `w · 2049 + j` for j in 0..=2048, then 2^(12·22) · P at
/// [`TOP`] (index `w · 2049` holds P itself as a placeholder: a zero digit adds nothing and
/// never reads it).
fn window_table(point: Affine) -> Vec<Entry> {
    let mut jacobian = Vec::with_capacity(TOP + 1);
    let mut base = point;
    for _ in 0..WINDOWS {
        let mut multiple = Jacobian::INFINITY;
        for j in 0..PER_WINDOW {
            if j > 0 {
                multiple = multiple.add_affine(&base);
            }
            jacobian.push(multiple);
        }
        // 2^12 · base, the next window's base: finite, as P has prime order n and no power
        // of 2 is a multiple of n.
        base = batch_to_affine(&[multiple.double()])[0].expect("a multiple below n is finite");
    }
    jacobian.push(Jacobian::from_affine(&base));
    batch_to_affine(&jacobian)
        .into_iter()
        .map(|p| Entry(p.unwrap_or(point)))
        .collect()
}

/// Bits `at..at + WINDOW_BITS` of the little-endian limbs.
fn window_bits(limbs: &[u64; 4], at: usize) -> u64 {
    let (limb, shift) = (at / 64, at % 64);
    let mut bits = limbs[limb] >> shift;
    if shift + WINDOW_BITS > 64 && limb + 1 < 4 {
        bits |= limbs[limb + 1] << (64 - shift);
    }
    bits & ((1 << WINDOW_BITS) - 1)
}

/// The most entries a sum of two multiples reads: one per window and one for a carry out
/// of the top window, per scalar.
const MAX_PICKS: usize = 2 * (WINDOWS + 1);

/// A table entry to add: which of the sum's tables, where in it, and whether negated.
#[derive(Clone, Copy, Default)]
struct Pick {
    table: usize,
    index: usize,
    negative: bool,
}

/// The entries of `k`'s signed digits (v = 2^12 · carry_out + digit, digit in [−2047, 2048]),
/// appended to `picks` from `at` on; returns where the next pick goes.
fn pick_digits(k: &Scalar, table: usize, picks: &mut [Pick; MAX_PICKS], mut at: usize) -> usize {
    let limbs = be_limbs(&k.to_bytes().into());
    let mut carry = 0u64;
    for window in 0..WINDOWS {
        let v = window_bits(&limbs, window * WINDOW_BITS) + carry;
        let (magnitude, negative) = if v <= HALF {
            (v, false)
        } else {
            ((1 << WINDOW_BITS) - v, true)
        };
        carry = u64::from(v > HALF);
        if magnitude != 0 {
            picks[at] = Pick {
                table,
                index: window * PER_WINDOW + magnitude as usize,
                negative,
            };
            at += 1;
        }
    }
    if carry == 1 {
        picks[at] = Pick {
            table,
            index: TOP,
            negative: false,
        };
        at += 1;
    }
    at
}

/// `Σ kᵢ · Pᵢ` from each Pᵢ's table (at most two terms): one mixed addition per non-zero
/// signed digit.
fn sum_of_multiples(terms: &[(&[Entry], &Scalar)]) -> Jacobian {
    let mut picks = [Pick::default(); MAX_PICKS];
    let mut count = 0;
    assert!(terms.len() <= 2, "picks has room for two scalars' digits");
    for (table, (_, k)) in terms.iter().enumerate() {
        count = pick_digits(k, table, &mut picks, count);
    }
    let picks = &picks[..count];
    let entry = |pick: &Pick| &terms[pick.table].0[pick.index].0;
    // Every entry is read before any is added: the tables outgrow the core's cache, and
    // reads issued together overlap where reads one addition apart each wait their turn.
    let mut touched = false;
    for pick in picks {
        touched |= entry(pick).x.is_zero();
    }
    std::hint::black_box(touched);
    let mut sum = Jacobian::INFINITY;
    for pick in picks {
        let point = entry(pick);
        sum = if pick.negative {
            sum.add_affine(&Affine {
                x: point.x,
                y: Fe::ZERO.sub(&point.y),
            })
        } else {
            sum.add_affine(point)
        };
    }
    sum
}

fn generator_table() -> &'static [Entry] {
    static TABLE: OnceLock<Vec<Entry>> = OnceLock::new();
    TABLE.get_or_init(|| window_table(Affine::generator()))
}

/// The group order n, and p − n: an affine x in [n, p) is congruent to x − n < p − n.
const N: [u8; 32] = hex32(b"FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123");
const P_MINUS_N: [u8; 32] =
    hex32(b"000000000000000000000000000000008DFC2093DE39FAD5AC440BF6C62ABEDC");

/// A verifier for one public key and distinguishing identifier.
pub struct FixedKeyVerifier {
    z: [u8; 32],
    table: Vec<Entry>,
}

impl FixedKeyVerifier {
    /// Precomputes for `public_key_sec1` under `dist_id` (about 45,000 point additions).
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
        let sum = sum_of_multiples(&[(generator_table(), &s), (&self.table, &t)]);
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
        // Eight keys: each builds its 2.9 MiB table, slow in a debug build; the multiples
        // themselves are held to the crate's in `signed_digits_give_the_same_multiples`.
        let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(8));
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

    /// Scalars whose signed digits reach every edge of the recoding (digits −2047 and 2048,
    /// windows that straddle limbs, carries through runs of ones and into the top window)
    /// give the crate's multiples, alone and summed in pairs.
    #[test]
    fn signed_digits_give_the_same_multiples() {
        use sm2::ProjectivePoint;
        use sm2::elliptic_curve::ops::Reduce;
        let mut scalars: Vec<Scalar> = [
            1u64, 127, 128, 129, 255, 256, 0x8080, 0xFF80, 0x7F81, 0x7FF, 0x800, 0x801, 0xFFF,
            0x1000, 0x800_800,
        ]
        .iter()
        .map(|k| Scalar::from(*k))
        .collect();
        for hex in [
            "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54122", // n − 1
            "8000000000000000000000000000000000000000000000000000000000000000",
            "80808080808080808080808080808080808080808080808080808080808080FF",
            "7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F81",
            "0800800800800800800800800800800800800800800800800800800800800800",
            "0801801801801801801801801801801801801801801801801801801801801801",
            "07FF7FF7FF7FF7FF7FF7FF7FF7FF7FF7FF7FF7FF7FF7FF7FF7FF7FF7FF7FF7FF",
            "0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
        ] {
            scalars.push(<Scalar as Reduce<U256>>::reduce(&U256::from_be_hex(hex)));
        }
        let key = ProjectivePoint::GENERATOR * Scalar::from(7u64);
        let key_affine = key.to_affine();
        let ours = |p: &AffinePoint| {
            Affine::from_sec1_uncompressed(p.to_sec1_point(false).as_bytes()).unwrap()
        };
        let key_table = window_table(ours(&key_affine));
        for k in &scalars {
            for (table, point) in [
                (generator_table(), ProjectivePoint::GENERATOR),
                (key_table.as_slice(), key),
            ] {
                let sum = sum_of_multiples(&[(table, k)]);
                let expected = (point * k).to_affine();
                assert_eq!(batch_to_affine(&[sum])[0], Some(ours(&expected)), "{k:?}");
            }
        }
        // Two terms, as a verification sums them: s·G + t·P.
        for (s, t) in scalars.iter().zip(scalars.iter().rev()) {
            let sum = sum_of_multiples(&[(generator_table(), s), (&key_table, t)]);
            let expected = (ProjectivePoint::GENERATOR * s + key * t).to_affine();
            assert_eq!(
                batch_to_affine(&[sum])[0],
                Some(ours(&expected)),
                "{s:?} {t:?}"
            );
        }
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
