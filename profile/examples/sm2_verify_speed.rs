//! SM2 signature verifications per second on one core: `sm2_verify_speed [SECONDS]`.
//!
//! Each verification is what package verification does for a receipt: the public key read
//! from its SEC1 bytes, Z computed for the default identifier, SM3 over Z and a 512-byte
//! message, and the DER signature checked. `scripts/bench-sm2.sh` runs it (release build)
//! beside OpenSSL's and GmSSL's rates for BENCHMARKS.md.

use std::time::{Duration, Instant};

use tianping_profile::sm2fixed::FixedKeyVerifier;
use tianping_profile::sm2sig::{self, DEFAULT_DIST_ID};

fn main() {
    let seconds: f64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(3.0);
    let key = sm2sig::signing_key_from_seed(DEFAULT_DIST_ID, b"bench");
    let public = sm2sig::public_key_bytes(&key);
    let message = [0x42u8; 512];
    let signature = sm2sig::sign_der(&key, &message);
    let limit = Duration::from_secs_f64(seconds);
    rate("tianping (sm2 crate)", limit, || {
        sm2sig::verify_once(&public, DEFAULT_DIST_ID, &message, &signature).is_ok()
    });
    let started = Instant::now();
    let fixed = FixedKeyVerifier::new(&public, DEFAULT_DIST_ID).expect("an SM2 key");
    // The generator's table is built on first use; one verification builds it.
    assert!(fixed.verify(&message, &signature).is_ok());
    println!(
        "tianping fixed-key tables built in {:.1} ms (the key's, and once per process the generator's)",
        started.elapsed().as_secs_f64() * 1e3
    );
    rate("tianping (fixed-key tables)", limit, || {
        fixed.verify(&message, &signature).is_ok()
    });
}

/// Runs `verify` for `limit` and prints its rate.
fn rate(name: &str, limit: Duration, verify: impl Fn() -> bool) {
    let started = Instant::now();
    let mut done = 0u64;
    while started.elapsed() < limit {
        for _ in 0..64 {
            assert!(verify(), "the signature verifies");
        }
        done += 64;
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "{name} SM2 verify, 512-byte message with Z: {done} in {elapsed:.2} s, {:.0}/s, {:.1} µs each",
        done as f64 / elapsed,
        elapsed * 1e6 / done as f64
    );
}
