//! SM2 verification held to OpenSSL's and GmSSL's: the example of GB/T 32918.5 (GM/T 0003.5)
//! on the recommended curve, signatures at the edges of the scalar range (r or s of 0, 1,
//! n−1, n), and encodings that are not canonical DER. Each is given to `openssl pkeyutl
//! -verify`, to `gmssl sm2verify` (when ../shared/interop is beside this checkout) and to the
//! harness twice: the `sm2` crate's path and the per-key tables. All must agree.
//!
//! One difference is deliberate and asserted apart: 64 raw bytes `r || s`, which the harness
//! tolerates and names (BC-003 says so), and both tools refuse.

mod interop;

use std::path::Path;
use std::process::Command;

use tianping_profile::sm2fixed::FixedKeyVerifier;
use tianping_profile::sm2sig::{self, DEFAULT_DIST_ID, SignatureEncoding};

/// The order n of the recommended curve.
const N: &str = "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123";

/// GB/T 32918.5 annex A: the signature example on the recommended curve, ID 1234567812345678.
const EXAMPLE_X: &str = "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020";
const EXAMPLE_Y: &str = "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13";
const EXAMPLE_R: &str = "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3";
const EXAMPLE_S: &str = "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA";
const EXAMPLE_MESSAGE: &[u8] = b"message digest";

fn unhex(h: &str) -> Vec<u8> {
    hex::decode(h).unwrap()
}

/// A minimal DER INTEGER for a big-endian magnitude.
fn integer(magnitude: &[u8]) -> Vec<u8> {
    tianping_profile::der::encode_unsigned(magnitude)
}

fn sequence(parts: &[Vec<u8>]) -> Vec<u8> {
    tianping_profile::der::encode(0x30, &parts.concat())
}

fn signature(r: &[u8], s: &[u8]) -> Vec<u8> {
    sequence(&[integer(r), integer(s)])
}

/// The public key as a PEM SubjectPublicKeyInfo, for the tools.
fn public_key_pem(dir: &Path, sec1: &[u8]) -> std::path::PathBuf {
    let mut spki = unhex("3059301306072a8648ce3d020106082a811ccf5501822d034200");
    spki.extend_from_slice(sec1);
    let path = dir.join("public.pem");
    std::fs::write(&path, tianping_fixtures::pki::pem("PUBLIC KEY", &spki)).unwrap();
    path
}

/// Each verifier's verdict on one case.
#[derive(Debug, PartialEq, Eq)]
struct Verdicts {
    openssl: bool,
    gmssl: Option<bool>,
    crate_path: bool,
    tables: bool,
}

struct Verifiers<'a> {
    dir: &'a Path,
    public_pem: std::path::PathBuf,
    sec1: Vec<u8>,
    tables: FixedKeyVerifier,
    gmssl: Option<std::path::PathBuf>,
}

impl Verifiers<'_> {
    fn judge(&self, message: &[u8], sig: &[u8]) -> Verdicts {
        let (msg, sig_file) = (self.dir.join("message"), self.dir.join("signature"));
        std::fs::write(&msg, message).unwrap();
        std::fs::write(&sig_file, sig).unwrap();
        let openssl = Command::new("openssl")
            .args(["pkeyutl", "-verify", "-pubin", "-rawin", "-digest", "sm3"])
            .args(["-pkeyopt", &format!("distid:{DEFAULT_DIST_ID}"), "-inkey"])
            .arg(&self.public_pem)
            .arg("-in")
            .arg(&msg)
            .arg("-sigfile")
            .arg(&sig_file)
            .output()
            .expect("openssl runs: ./scripts/setup.sh installs it")
            .status
            .success();
        let gmssl = self.gmssl.as_ref().map(|g| {
            interop::gmssl_tool(g)
                .args(["sm2verify", "-id", DEFAULT_DIST_ID, "-pubkey"])
                .arg(&self.public_pem)
                .arg("-in")
                .arg(&msg)
                .arg("-sig")
                .arg(&sig_file)
                .output()
                .unwrap()
                .status
                .success()
        });
        Verdicts {
            openssl,
            gmssl,
            crate_path: sm2sig::verify_once(&self.sec1, DEFAULT_DIST_ID, message, sig).is_ok(),
            tables: self.tables.verify(message, sig).is_ok(),
        }
    }

    fn assert_agree(&self, what: &str, message: &[u8], sig: &[u8], expected: bool) {
        let v = self.judge(message, sig);
        let all = [Some(v.openssl), v.gmssl, Some(v.crate_path), Some(v.tables)];
        assert!(
            all.iter().flatten().all(|accepted| *accepted == expected),
            "{what}: expected {} by every verifier, got {v:?} (signature {})",
            if expected { "acceptance" } else { "refusal" },
            hex::encode(sig)
        );
    }
}

fn verifiers<'a>(dir: &'a Path, sec1: Vec<u8>) -> Verifiers<'a> {
    Verifiers {
        dir,
        public_pem: public_key_pem(dir, &sec1),
        tables: FixedKeyVerifier::new(&sec1, DEFAULT_DIST_ID).unwrap(),
        sec1,
        gmssl: interop::interop_or_skip().map(|i| interop::gmssl(&i)),
    }
}

#[test]
fn the_standards_example_verifies_everywhere_and_a_changed_input_nowhere() {
    let dir = tempfile::tempdir().unwrap();
    let sec1 = [vec![4], unhex(EXAMPLE_X), unhex(EXAMPLE_Y)].concat();
    let v = verifiers(dir.path(), sec1);
    let example = signature(&unhex(EXAMPLE_R), &unhex(EXAMPLE_S));
    v.assert_agree("GB/T 32918.5 example", EXAMPLE_MESSAGE, &example, true);
    v.assert_agree("another message", b"message digesT", &example, false);
    let mut s = unhex(EXAMPLE_S);
    s[31] ^= 1;
    v.assert_agree(
        "s changed",
        EXAMPLE_MESSAGE,
        &signature(&unhex(EXAMPLE_R), &s),
        false,
    );
    // Under another distinguishing ID the same signature is not valid (Z differs).
    assert!(sm2sig::verify_once(&v.sec1, "ALICE123@YAHOO.COM", EXAMPLE_MESSAGE, &example).is_err());
}

#[test]
fn edge_scalars_and_non_canonical_encodings_are_judged_as_openssl_and_gmssl_judge_them() {
    let dir = tempfile::tempdir().unwrap();
    let key = sm2sig::signing_key_from_seed(DEFAULT_DIST_ID, b"edge cases");
    let sec1 = sm2sig::public_key_bytes(&key);
    let v = verifiers(dir.path(), sec1);
    let message = b"receipt bytes";
    let good = sm2sig::sign_der(&key, message);
    v.assert_agree("a valid signature", message, &good, true);

    let (r, s) = {
        let parts = tianping_profile::der::Tlv::parse(&good)
            .unwrap()
            .children()
            .unwrap();
        (parts[0].unsigned().to_vec(), parts[1].unsigned().to_vec())
    };
    let n = unhex(N);
    let minus = |k: u8| {
        let mut out = n.clone();
        out[31] -= k;
        out
    };
    let (zero, one, n_minus_1) = (vec![0u8], vec![1u8], minus(1));
    for (what, r2, s2) in [
        ("r = 1, s = 1", &one, &one),
        ("r = 1", &one, &s),
        ("s = 1", &r, &one),
        ("r = n−1", &n_minus_1, &s),
        ("s = n−1", &r, &n_minus_1),
        ("r = s = n−1", &n_minus_1, &n_minus_1),
        ("r = 0", &zero, &s),
        ("s = 0", &r, &zero),
        ("r = n", &n, &s),
        ("s = n", &r, &n),
    ] {
        v.assert_agree(what, message, &signature(r2, s2), false);
    }
    // r + s = n: the verification's t is 0, which GB/T 32918.2 §7.1 B5 refuses.
    let r32 = [vec![0; 32 - r.len()], r.clone()].concat();
    let mut complement = vec![0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let d = i16::from(n[i]) - i16::from(r32[i]) - borrow;
        borrow = i16::from(d < 0);
        complement[i] = d.rem_euclid(256) as u8;
    }
    v.assert_agree("r + s = n", message, &signature(&r, &complement), false);

    // Encodings of the valid signature that are not canonical DER.
    let padded_r = [vec![0x02, (r.len() + 2) as u8, 0, 0], r.clone()].concat();
    let mut long_length = vec![0x30, 0x81, (good.len() - 2) as u8];
    long_length.extend_from_slice(&good[2..]);
    let mut trailing = good.clone();
    trailing.push(0);
    let mut indefinite = vec![0x30, 0x80];
    indefinite.extend_from_slice(&good[2..]);
    indefinite.extend([0, 0]);
    for (what, sig) in [
        (
            "r with leading zero bytes",
            sequence(&[padded_r, integer(&s)]),
        ),
        ("a long-form length where the short form fits", long_length),
        ("a byte after the signature", trailing),
        ("an indefinite length", indefinite),
        (
            "r as a negative INTEGER",
            sequence(&[
                tianping_profile::der::encode(0x02, &[0x80 | r[0]]),
                integer(&s),
            ]),
        ),
    ] {
        v.assert_agree(what, message, &sig, false);
    }

    // Raw r || s: refused by both tools, tolerated and named by the harness.
    let raw = [
        vec![0; 32 - r.len()],
        r.clone(),
        vec![0; 32 - s.len()],
        s.clone(),
    ]
    .concat();
    let verdicts = v.judge(message, &raw);
    assert!(
        !verdicts.openssl && verdicts.gmssl != Some(true),
        "{verdicts:?}"
    );
    assert_eq!(
        sm2sig::verify_once(&v.sec1, DEFAULT_DIST_ID, message, &raw),
        Ok(SignatureEncoding::RawRs)
    );
    assert_eq!(v.tables.verify(message, &raw), Ok(SignatureEncoding::RawRs));
}

#[test]
fn public_keys_off_the_curve_or_at_its_limits_are_refused() {
    let key = sm2sig::signing_key_from_seed(DEFAULT_DIST_ID, b"limits");
    let good = sm2sig::public_key_bytes(&key);
    let message = b"m";
    let sig = sm2sig::sign_der(&key, message);
    let p = unhex("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF");
    let mut off_curve = good.clone();
    off_curve[64] ^= 1;
    let x_is_p = [vec![4], p.clone(), good[33..].to_vec()].concat();
    let zeros = [vec![4], vec![0; 64]].concat();
    for (what, sec1) in [
        ("a point off the curve", off_curve),
        ("x = p", x_is_p),
        ("(0, 0)", zeros),
        ("the point at infinity", vec![0]),
        ("a truncated key", good[..40].to_vec()),
    ] {
        assert_eq!(
            sm2sig::verify_once(&sec1, DEFAULT_DIST_ID, message, &sig),
            Err(sm2sig::Sm2Error::BadPublicKey),
            "{what}"
        );
        assert!(
            FixedKeyVerifier::new(&sec1, DEFAULT_DIST_ID).is_err(),
            "{what}"
        );
        // OpenSSL will not even load such a key.
        let dir = tempfile::tempdir().unwrap();
        let mut spki = unhex("3059301306072a8648ce3d020106082a811ccf5501822d034200");
        spki.extend_from_slice(&sec1);
        std::fs::write(dir.path().join("k.der"), &spki).unwrap();
        let loads = Command::new("openssl")
            .args([
                "pkey",
                "-pubin",
                "-inform",
                "DER",
                "-check",
                "-pubcheck",
                "-noout",
                "-in",
            ])
            .arg(dir.path().join("k.der"))
            .output()
            .unwrap()
            .status
            .success();
        assert!(!loads, "{what}: openssl accepted the key");
    }
}
