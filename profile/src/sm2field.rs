//! Arithmetic on the SM2 curve (GB/T 32918.5) for verification only: the prime field in
//! Montgomery form on four 64-bit limbs, and points in Jacobian coordinates with the a = −3
//! formulas (dbl-2001-b, madd-2007-bl from the Explicit-Formulas Database).
//!
//! Why our own and not the `sm2` crate's: that crate's points keep their coordinates private,
//! so every verification pays a field inversion to reach affine x (about a third of a
//! table-driven verification), and its complete addition formulas cost more than mixed
//! Jacobian ones. Comparing r in Jacobian coordinates (X = x·Z²) needs no inversion.
//!
//! Everything here is variable-time: it handles public keys, signatures and messages only,
//! never a secret. Every result is held to the `sm2` crate's in the tests.

/// p = 2^256 − 2^224 − 2^96 + 2^64 − 1, little-endian limbs.
const P: [u64; 4] = [
    0xFFFF_FFFF_FFFF_FFFF,
    0xFFFF_FFFF_0000_0000,
    0xFFFF_FFFF_FFFF_FFFF,
    0xFFFF_FFFE_FFFF_FFFF,
];
/// R² mod p with R = 2^256: multiplying by it enters the Montgomery domain.
const R2: [u64; 4] = [
    0x0000_0002_0000_0003,
    0x0000_0002_FFFF_FFFF,
    0x0000_0001_0000_0001,
    0x0000_0004_0000_0002,
];

/// The curve's b in y² = x³ − 3x + b, big-endian.
pub(crate) const CURVE_B: [u8; 32] =
    hex32(b"28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93");

/// An element of GF(p) in Montgomery form (a·R mod p), always fully reduced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Fe([u64; 4]);

/// A big-endian 256-bit integer as little-endian 64-bit limbs.
pub(crate) fn be_limbs(bytes: &[u8; 32]) -> [u64; 4] {
    std::array::from_fn(|i| {
        let at = 32 - 8 * (i + 1);
        u64::from_be_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
    })
}

fn geq_p(a: &[u64; 4]) -> bool {
    for i in (0..4).rev() {
        if a[i] != P[i] {
            return a[i] > P[i];
        }
    }
    true
}

/// `a + b` on four limbs, with the carry out of 256 bits.
fn add_limbs(a: &[u64; 4], b: &[u64; 4]) -> ([u64; 4], bool) {
    let mut sum = [0u64; 4];
    let mut carry = false;
    for (i, limb) in sum.iter_mut().enumerate() {
        let (s, c1) = a[i].overflowing_add(b[i]);
        let (s, c2) = s.overflowing_add(u64::from(carry));
        *limb = s;
        carry = c1 || c2;
    }
    (sum, carry)
}

/// `a − b` on four limbs, with the borrow out of 256 bits.
fn sub_limbs(a: &[u64; 4], b: &[u64; 4]) -> ([u64; 4], bool) {
    let mut diff = [0u64; 4];
    let mut borrow = false;
    for (i, limb) in diff.iter_mut().enumerate() {
        let (d, b1) = a[i].overflowing_sub(b[i]);
        let (d, b2) = d.overflowing_sub(u64::from(borrow));
        *limb = d;
        borrow = b1 || b2;
    }
    (diff, borrow)
}

/// `a − p` (the caller knows a ≥ p, or that a carried out of 256 bits).
fn minus_p(a: &[u64; 4]) -> [u64; 4] {
    sub_limbs(a, &P).0
}

impl Fe {
    /// Zero (also zero in Montgomery form).
    pub const ZERO: Fe = Fe([0; 4]);
    /// One, in Montgomery form (R mod p).
    pub const ONE: Fe = Fe([
        0x0000_0000_0000_0001,
        0x0000_0000_FFFF_FFFF,
        0x0000_0000_0000_0000,
        0x0000_0001_0000_0000,
    ]);

    /// The big-endian 32-byte integer as a field element, or `None` when it is not below p.
    pub fn from_be_bytes(bytes: &[u8; 32]) -> Option<Fe> {
        let limbs = be_limbs(bytes);
        if geq_p(&limbs) {
            return None;
        }
        Some(Fe(limbs).mul(&Fe(R2)))
    }

    /// The canonical big-endian encoding.
    pub fn to_be_bytes(self) -> [u8; 32] {
        let plain = self.mul(&Fe([1, 0, 0, 0])).0;
        let mut out = [0u8; 32];
        for (i, limb) in plain.iter().enumerate() {
            let at = 32 - 8 * (i + 1);
            out[at..at + 8].copy_from_slice(&limb.to_be_bytes());
        }
        out
    }

    /// Whether this is zero.
    pub fn is_zero(&self) -> bool {
        self.0 == [0; 4]
    }

    /// self + other mod p.
    pub fn add(&self, other: &Fe) -> Fe {
        let (sum, carry) = add_limbs(&self.0, &other.0);
        if carry || geq_p(&sum) {
            Fe(minus_p(&sum))
        } else {
            Fe(sum)
        }
    }

    /// self − other mod p.
    pub fn sub(&self, other: &Fe) -> Fe {
        let (diff, borrow) = sub_limbs(&self.0, &other.0);
        if borrow {
            // Wrapped below zero: add p back (the carry out cancels the wrap).
            Fe(add_limbs(&diff, &P).0)
        } else {
            Fe(diff)
        }
    }

    /// 2·self mod p.
    pub fn double(&self) -> Fe {
        self.add(self)
    }

    /// Montgomery product a·b·R⁻¹ mod p (CIOS). −p⁻¹ mod 2^64 is 1 for this p, so each
    /// round's reduction multiplier is the low limb itself.
    pub fn mul(&self, other: &Fe) -> Fe {
        let (a, b) = (&self.0, &other.0);
        let mut t = [0u64; 6];
        for &bi in b {
            let mut carry = 0u64;
            for j in 0..4 {
                let uv = u128::from(t[j]) + u128::from(a[j]) * u128::from(bi) + u128::from(carry);
                t[j] = uv as u64;
                carry = (uv >> 64) as u64;
            }
            let uv = u128::from(t[4]) + u128::from(carry);
            t[4] = uv as u64;
            t[5] = (uv >> 64) as u64;
            let m = t[0];
            let uv = u128::from(t[0]) + u128::from(m) * u128::from(P[0]);
            let mut carry = (uv >> 64) as u64;
            for j in 1..4 {
                let uv = u128::from(t[j]) + u128::from(m) * u128::from(P[j]) + u128::from(carry);
                t[j - 1] = uv as u64;
                carry = (uv >> 64) as u64;
            }
            let uv = u128::from(t[4]) + u128::from(carry);
            t[3] = uv as u64;
            t[4] = t[5] + ((uv >> 64) as u64);
        }
        let low = [t[0], t[1], t[2], t[3]];
        if t[4] != 0 || geq_p(&low) {
            Fe(minus_p(&low))
        } else {
            Fe(low)
        }
    }

    /// self² mod p.
    pub fn square(&self) -> Fe {
        self.mul(self)
    }

    /// a^(p−2) = a⁻¹ for a ≠ 0 (Fermat); zero for zero. Used only when building tables.
    pub fn invert(&self) -> Fe {
        // p − 2, little-endian limbs.
        const E: [u64; 4] = [
            0xFFFF_FFFF_FFFF_FFFD,
            0xFFFF_FFFF_0000_0000,
            0xFFFF_FFFF_FFFF_FFFF,
            0xFFFF_FFFE_FFFF_FFFF,
        ];
        let mut result = Fe::ONE;
        for limb in E.iter().rev() {
            for bit in (0..64).rev() {
                result = result.square();
                if (limb >> bit) & 1 == 1 {
                    result = result.mul(self);
                }
            }
        }
        result
    }
}

/// A point in affine coordinates (never the point at infinity).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Affine {
    /// x coordinate.
    pub x: Fe,
    /// y coordinate.
    pub y: Fe,
}

impl Affine {
    /// The curve's base point G.
    pub fn generator() -> Affine {
        const GX: [u8; 32] =
            hex32(b"32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7");
        const GY: [u8; 32] =
            hex32(b"BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0");
        Affine {
            x: Fe::from_be_bytes(&GX).expect("below p"),
            y: Fe::from_be_bytes(&GY).expect("below p"),
        }
    }

    /// An uncompressed SEC1 point `04 || X || Y` on the curve, or `None`.
    pub fn from_sec1_uncompressed(bytes: &[u8]) -> Option<Affine> {
        if bytes.len() != 65 || bytes[0] != 4 {
            return None;
        }
        let x = Fe::from_be_bytes(bytes[1..33].try_into().expect("32 bytes"))?;
        let y = Fe::from_be_bytes(bytes[33..65].try_into().expect("32 bytes"))?;
        let point = Affine { x, y };
        point.is_on_curve().then_some(point)
    }

    /// y² = x³ − 3x + b.
    pub fn is_on_curve(&self) -> bool {
        let b = Fe::from_be_bytes(&CURVE_B).expect("below p");
        let x3 = self.x.square().mul(&self.x);
        let three_x = self.x.double().add(&self.x);
        self.y.square() == x3.sub(&three_x).add(&b)
    }
}

/// A point in Jacobian coordinates (x = X/Z², y = Y/Z³); Z = 0 is the point at infinity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Jacobian {
    /// X = x·Z².
    pub x: Fe,
    /// Y = y·Z³.
    pub y: Fe,
    /// Z, zero at infinity.
    pub z: Fe,
}

impl Jacobian {
    /// The point at infinity (the group's identity).
    pub const INFINITY: Jacobian = Jacobian {
        x: Fe::ONE,
        y: Fe::ONE,
        z: Fe::ZERO,
    };

    /// The same point with Z = 1.
    pub fn from_affine(p: &Affine) -> Jacobian {
        Jacobian {
            x: p.x,
            y: p.y,
            z: Fe::ONE,
        }
    }

    /// Whether this is the point at infinity.
    pub fn is_infinity(&self) -> bool {
        self.z.is_zero()
    }

    /// 2·self (dbl-2001-b, a = −3).
    pub fn double(&self) -> Jacobian {
        if self.is_infinity() || self.y.is_zero() {
            return Jacobian::INFINITY;
        }
        let delta = self.z.square();
        let gamma = self.y.square();
        let beta = self.x.mul(&gamma);
        let t = self.x.sub(&delta).mul(&self.x.add(&delta));
        let alpha = t.double().add(&t);
        let beta4 = beta.double().double();
        let x3 = alpha.square().sub(&beta4.double());
        let z3 = self.y.add(&self.z).square().sub(&gamma).sub(&delta);
        let gamma_sq8 = gamma.square().double().double().double();
        let y3 = alpha.mul(&beta4.sub(&x3)).sub(&gamma_sq8);
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// self + q for an affine q (madd-2007-bl), with the doubling and inverse cases.
    pub fn add_affine(&self, q: &Affine) -> Jacobian {
        if self.is_infinity() {
            return Jacobian::from_affine(q);
        }
        let z1z1 = self.z.square();
        let u2 = q.x.mul(&z1z1);
        let s2 = q.y.mul(&self.z).mul(&z1z1);
        let h = u2.sub(&self.x);
        let r = s2.sub(&self.y).double();
        if h.is_zero() {
            return if r.is_zero() {
                self.double()
            } else {
                Jacobian::INFINITY
            };
        }
        let hh = h.square();
        let i = hh.double().double();
        let j = h.mul(&i);
        let v = self.x.mul(&i);
        let x3 = r.square().sub(&j).sub(&v.double());
        let y3 = r.mul(&v.sub(&x3)).sub(&self.y.mul(&j).double());
        let z3 = self.z.add(&h).square().sub(&z1z1).sub(&hh);
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// Whether the affine x of this (finite) point, as an integer, equals `x`.
    pub fn has_affine_x(&self, x: &Fe) -> bool {
        self.x == x.mul(&self.z.square())
    }
}

/// Affine forms of finite points with one inversion (Montgomery's trick); `None` where a
/// point is at infinity.
pub fn batch_to_affine(points: &[Jacobian]) -> Vec<Option<Affine>> {
    let mut prefix = Vec::with_capacity(points.len());
    let mut acc = Fe::ONE;
    for p in points {
        prefix.push(acc);
        if !p.is_infinity() {
            acc = acc.mul(&p.z);
        }
    }
    let mut inv = acc.invert();
    let mut out = vec![None; points.len()];
    for (k, p) in points.iter().enumerate().rev() {
        if p.is_infinity() {
            continue;
        }
        let z_inv = inv.mul(&prefix[k]);
        inv = inv.mul(&p.z);
        let z_inv2 = z_inv.square();
        out[k] = Some(Affine {
            x: p.x.mul(&z_inv2),
            y: p.y.mul(&z_inv2).mul(&z_inv),
        });
    }
    out
}

/// A 64-digit hex constant as 32 bytes, at compile time.
pub(crate) const fn hex32(s: &[u8; 64]) -> [u8; 32] {
    const fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => c - b'A' + 10,
        }
    }
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = (nibble(s[2 * i]) << 4) | nibble(s[2 * i + 1]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_bigint::BigUint;
    use proptest::prelude::*;
    use sm2::elliptic_curve::point::AffineCoordinates;
    use sm2::elliptic_curve::sec1::ToSec1Point;
    use sm2::{ProjectivePoint, Scalar};

    fn crate_point(k: u64) -> sm2::AffinePoint {
        (ProjectivePoint::GENERATOR * Scalar::from(k)).to_affine()
    }

    fn ours(point: &sm2::AffinePoint) -> Affine {
        Affine::from_sec1_uncompressed(point.to_sec1_point(false).as_bytes()).unwrap()
    }

    #[test]
    fn constants_are_what_they_claim() {
        // R² really is R² mod p: 1 enters Montgomery form as R mod p.
        let one = Fe::from_be_bytes(&{
            let mut b = [0u8; 32];
            b[31] = 1;
            b
        })
        .unwrap();
        assert_eq!(one, Fe::ONE);
        assert!(Affine::generator().is_on_curve());
        assert_eq!(ours(&sm2::AffinePoint::GENERATOR), Affine::generator());
        let p_bytes = hex32(b"FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF");
        assert!(
            Fe::from_be_bytes(&p_bytes).is_none(),
            "p itself is not a field element"
        );
    }

    /// The same integer as a `BigUint`, for arithmetic no one here wrote.
    fn big(fe: &Fe) -> BigUint {
        BigUint::from_bytes_be(&fe.to_be_bytes())
    }

    fn prime() -> BigUint {
        BigUint::from_bytes_be(&hex32(
            b"FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF",
        ))
    }

    /// Random bytes reduced below p, biased towards values near 0 and near p.
    fn element(bytes: [u8; 32], near: u8) -> Fe {
        let p = prime();
        let n = BigUint::from_bytes_be(&bytes[..4]);
        let value = match near % 3 {
            0 => BigUint::from_bytes_be(&bytes) % &p,
            1 => n % &p,
            _ => &p - 1u32 - n,
        };
        let mut be = [0u8; 32];
        let raw = value.to_bytes_be();
        be[32 - raw.len()..].copy_from_slice(&raw);
        Fe::from_be_bytes(&be).expect("below p")
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Addition, subtraction, multiplication and inversion agree with plain integer
        /// arithmetic mod p, including values next to 0 and to p.
        #[test]
        fn field_agrees_with_integer_arithmetic(
            a in any::<[u8; 32]>(),
            b in any::<[u8; 32]>(),
            near in any::<(u8, u8)>(),
        ) {
            let p = prime();
            let (x, y) = (element(a, near.0), element(b, near.1));
            let (xi, yi) = (big(&x), big(&y));
            prop_assert_eq!(big(&x.add(&y)), (&xi + &yi) % &p);
            prop_assert_eq!(big(&x.sub(&y)), (&xi + &p - &yi) % &p);
            prop_assert_eq!(big(&x.mul(&y)), (&xi * &yi) % &p);
            prop_assert_eq!(big(&x.square()), (&xi * &xi) % &p);
            if !x.is_zero() {
                prop_assert_eq!(x.mul(&x.invert()), Fe::ONE);
            }
        }

        /// Doubling and mixed addition agree with the crate's points, normalised through
        /// the batch inversion.
        #[test]
        fn points_agree_with_the_crate(a in 1u64..1_000_000, b in 1u64..1_000_000) {
            let (pa, pb) = (crate_point(a), crate_point(b));
            let sum = Jacobian::from_affine(&ours(&pa)).add_affine(&ours(&pb));
            let doubled = Jacobian::from_affine(&ours(&pa)).double().add_affine(&ours(&pb));
            let back = batch_to_affine(&[sum, doubled, Jacobian::INFINITY]);
            prop_assert_eq!(back[0], Some(ours(&crate_point(a + b))));
            prop_assert_eq!(back[1], Some(ours(&crate_point(2 * a + b))));
            prop_assert_eq!(back[2], None);
            let x = Fe::from_be_bytes(&crate_point(a + b).x().into()).unwrap();
            prop_assert!(sum.has_affine_x(&x));
        }
    }

    /// Products of the extreme elements (0, 1, 2, p − 1, p − 2, 2^255, 2^224, 2^64 − 1),
    /// where the reduction's carries and its final subtraction are all exercised.
    #[test]
    fn products_of_extreme_elements_agree_with_integer_arithmetic() {
        let p = prime();
        let values: Vec<BigUint> = vec![
            0u32.into(),
            1u32.into(),
            2u32.into(),
            &p - 1u32,
            &p - 2u32,
            BigUint::from(1u32) << 255,
            BigUint::from(1u32) << 224,
            (BigUint::from(1u32) << 64) - 1u32,
        ];
        let fe = |v: &BigUint| {
            let mut be = [0u8; 32];
            let raw = v.to_bytes_be();
            be[32 - raw.len()..].copy_from_slice(&raw);
            Fe::from_be_bytes(&be).expect("below p")
        };
        for x in &values {
            assert_eq!(big(&fe(x).square()), x * x % &p, "{x}²");
            for y in &values {
                assert_eq!(big(&fe(x).mul(&fe(y))), x * y % &p, "{x} · {y}");
            }
        }
    }

    #[test]
    fn the_special_cases_of_addition() {
        let p = ours(&crate_point(7));
        let jp = Jacobian::from_affine(&p);
        // P + P doubles; P + (−P) is infinity; ∞ + P is P.
        let twice = jp.add_affine(&p);
        assert_eq!(batch_to_affine(&[twice])[0], Some(ours(&crate_point(14))));
        let minus = Affine {
            x: p.x,
            y: Fe::ZERO.sub(&p.y),
        };
        assert!(jp.add_affine(&minus).is_infinity());
        assert_eq!(Jacobian::INFINITY.add_affine(&p), jp);
        assert!(Jacobian::INFINITY.double().is_infinity());
    }
}
