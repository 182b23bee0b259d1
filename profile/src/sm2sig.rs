//! SM2 signatures (GB/T 32918.2) as the profile uses them: SM3withSM2, DER-encoded `(r, s)`,
//! with the GM/T 0009 default distinguishing identifier unless a caller says otherwise.

use sm2::dsa::signature::{Signer, Verifier};
use sm2::dsa::{Signature, SigningKey, VerifyingKey};

/// GM/T 0009 default user ID (16 bytes, ENTL = 0x0080).
pub const DEFAULT_DIST_ID: &str = "1234567812345678";

/// Why an SM2 key or signature cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Sm2Error {
    /// The public key is not a point on the curve.
    #[error("public key is not a valid SM2 curve point")]
    BadPublicKey,
    /// The private key is out of range.
    #[error("private key is not a valid SM2 scalar")]
    BadPrivateKey,
    /// The signature is neither 64 raw bytes nor DER.
    #[error("signature is neither DER SEQUENCE{{r,s}} nor 64-byte r||s")]
    BadEncoding,
    /// The signature does not verify.
    #[error("signature does not verify")]
    Mismatch,
}

/// How a signature verified, so callers can tell a compliant signature from a tolerated one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureEncoding {
    /// The DER signature is malformed.
    Der,
    /// 64 raw bytes `r || s`: verifies, but is not the encoding the profile requires.
    RawRs,
}

/// Derives a signing key from a 32-byte seed; the reference platform uses this so its keys
/// are reproducible between runs. A seed that is not a valid scalar is rehashed.
pub fn signing_key_from_seed(dist_id: &str, seed: &[u8]) -> SigningKey {
    let mut material = crate::digest::sm3(seed);
    loop {
        if let Ok(key) = SigningKey::from_slice(dist_id, &material) {
            return key;
        }
        material = crate::digest::sm3(&material);
    }
}

/// An SM2 signing key from its 32-byte secret, with distinguishing id `dist_id`.
pub fn signing_key_from_bytes(dist_id: &str, secret: &[u8]) -> Result<SigningKey, Sm2Error> {
    SigningKey::from_slice(dist_id, secret).map_err(|_| Sm2Error::BadPrivateKey)
}

/// Uncompressed SEC1 public key, `04 || X || Y` (65 bytes).
pub fn public_key_bytes(key: &SigningKey) -> Vec<u8> {
    key.verifying_key().to_sec1_bytes().to_vec()
}

/// Signs `message` (SM3 with the key's Z value prefixed) and returns the DER signature.
pub fn sign_der(key: &SigningKey, message: &[u8]) -> Vec<u8> {
    let signature: Signature = key.sign(message);
    signature.to_der().to_bytes().to_vec()
}

/// Verifies a DER (or, tolerated, raw `r||s`) SM2 signature with the given identifier.
///
/// On a thread that has asked for them ([`KeyTables::on_this_thread`], as the package scan's
/// workers do), a key that keeps coming back (a platform's receipt or TSA key) gets
/// precomputed tables after a few uses ([`crate::sm2fixed`]), about fifteen times faster; the
/// verdict is the same either way.
pub fn verify(
    public_key_sec1: &[u8],
    dist_id: &str,
    message: &[u8],
    signature: &[u8],
) -> Result<SignatureEncoding, Sm2Error> {
    if KEY_TABLES.with(std::cell::Cell::get)
        && let Some(fixed) = frequent::verifier(public_key_sec1, dist_id)
    {
        return fixed.verify(message, signature);
    }
    verify_once(public_key_sec1, dist_id, message, signature)
}

thread_local! {
    /// Whether [`verify`] may build and use per-key tables on this thread.
    static KEY_TABLES: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Per-key tables for [`verify`] on the calling thread, while this guard lives. Building a
/// key's tables takes one verification about 50 ms (more in a debug build), so only threads
/// that may wait that long ask: never an async runtime's workers, whose other tasks would
/// stall.
pub struct KeyTables {
    before: bool,
}

impl KeyTables {
    /// Turns the tables on for this thread until the guard is dropped.
    pub fn on_this_thread() -> KeyTables {
        KeyTables {
            before: KEY_TABLES.with(|on| on.replace(true)),
        }
    }
}

impl Drop for KeyTables {
    fn drop(&mut self) {
        KEY_TABLES.with(|on| on.set(self.before));
    }
}

/// Which keys have earned tables: counted per (key, identifier), bounded in number and size.
/// Tables are built outside the lock, by the one thread whose use earned them; the others go
/// on without tables meanwhile.
mod frequent {
    use std::collections::{HashMap, HashSet};
    use std::sync::{Arc, Mutex, OnceLock};

    use crate::recent::Recent;
    use crate::sm2fixed::FixedKeyVerifier;

    /// Uses of a key before its tables are built (about 50 ms of work, and then repaid).
    const USES_BEFORE_TABLES: u32 = 32;
    /// Keys with tables at once, about 2.9 MiB each: memory stays flat however large a package.
    const MAX_TABLES: usize = 8;
    /// Keys counted at once; the counts start again when full (many one-off keys).
    const MAX_COUNTED: usize = 4096;

    type KeyId = (Vec<u8>, String);

    #[derive(Default)]
    struct Frequent {
        uses: HashMap<KeyId, u32>,
        building: HashSet<KeyId>,
        tables: HashMap<KeyId, Arc<FixedKeyVerifier>>,
    }

    fn state() -> &'static Mutex<Frequent> {
        static STATE: OnceLock<Mutex<Frequent>> = OnceLock::new();
        STATE.get_or_init(Mutex::default)
    }

    fn lock() -> std::sync::MutexGuard<'static, Frequent> {
        state().lock().unwrap_or_else(|e| e.into_inner())
    }

    thread_local! {
        /// Tables this thread used last, looked up before the shared state: no lock, no
        /// allocation, no hashing for the few keys a package keeps coming back to.
        static RECENT: std::cell::RefCell<Recent<KeyId, Arc<FixedKeyVerifier>>> =
            const { std::cell::RefCell::new(Recent::new(4)) };
    }

    /// The key's tables, once it has been used often enough and there is room.
    pub(super) fn verifier(public_key_sec1: &[u8], dist_id: &str) -> Option<Arc<FixedKeyVerifier>> {
        let is_key = |(key, id): &KeyId| key == public_key_sec1 && id == dist_id;
        let near = RECENT.with_borrow(|recent| recent.find(is_key));
        if near.is_some() {
            return near;
        }
        let found = shared_verifier(public_key_sec1, dist_id);
        if let Some(fixed) = &found {
            let id = (public_key_sec1.to_vec(), dist_id.to_string());
            RECENT.with_borrow_mut(|recent| recent.keep(id, fixed.clone()));
        }
        found
    }

    /// [`verifier`] through the state all threads share.
    fn shared_verifier(public_key_sec1: &[u8], dist_id: &str) -> Option<Arc<FixedKeyVerifier>> {
        let id = (public_key_sec1.to_vec(), dist_id.to_string());
        {
            let mut state = lock();
            if let Some(fixed) = state.tables.get(&id) {
                return Some(fixed.clone());
            }
            if state.tables.len() + state.building.len() >= MAX_TABLES
                || state.building.contains(&id)
            {
                return None;
            }
            if state.uses.len() >= MAX_COUNTED {
                state.uses.clear();
            }
            let uses = state.uses.entry(id.clone()).or_insert(0);
            *uses += 1;
            if *uses < USES_BEFORE_TABLES {
                return None;
            }
            state.uses.remove(&id);
            state.building.insert(id.clone());
        }
        // A key that is not a point gets no tables; the ordinary path reports it.
        let built = FixedKeyVerifier::new(public_key_sec1, dist_id)
            .ok()
            .map(Arc::new);
        let mut state = lock();
        state.building.remove(&id);
        if let Some(fixed) = &built {
            state.tables.insert(id, fixed.clone());
        }
        built
    }
}

/// [`verify`] without tables: the `sm2` crate's verification.
pub fn verify_once(
    public_key_sec1: &[u8],
    dist_id: &str,
    message: &[u8],
    signature: &[u8],
) -> Result<SignatureEncoding, Sm2Error> {
    let key = VerifyingKey::from_sec1_bytes(dist_id, public_key_sec1)
        .map_err(|_| Sm2Error::BadPublicKey)?;
    let (parsed, encoding) = parse_signature(signature)?;
    key.verify(message, &parsed)
        .map(|()| encoding)
        .map_err(|_| Sm2Error::Mismatch)
}

/// A signature as DER, or (tolerated, and said so) as 64 raw bytes `r || s`.
pub(crate) fn parse_signature(
    signature: &[u8],
) -> Result<(Signature, SignatureEncoding), Sm2Error> {
    match Signature::from_der(signature) {
        Ok(sig) => Ok((sig, SignatureEncoding::Der)),
        Err(_) if signature.len() == 64 => Ok((
            Signature::from_slice(signature).map_err(|_| Sm2Error::BadEncoding)?,
            SignatureEncoding::RawRs,
        )),
        Err(_) => Err(Sm2Error::BadEncoding),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_key_tables_a_frequent_key_gets_the_same_verdicts_and_others_threads_none() {
        let key = signing_key_from_seed(DEFAULT_DIST_ID, b"frequent key");
        let pk = public_key_bytes(&key);
        let tables = KeyTables::on_this_thread();
        for i in 0..80u32 {
            let message = i.to_be_bytes();
            let signature = sign_der(&key, &message);
            assert_eq!(
                verify(&pk, DEFAULT_DIST_ID, &message, &signature),
                Ok(SignatureEncoding::Der)
            );
            assert_eq!(
                verify(&pk, DEFAULT_DIST_ID, b"other", &signature),
                Err(Sm2Error::Mismatch)
            );
            assert_eq!(
                verify(&pk, "another id", &message, &signature),
                Err(Sm2Error::Mismatch)
            );
        }
        assert!(
            frequent::verifier(&pk, DEFAULT_DIST_ID).is_some(),
            "the key earned its tables"
        );
        drop(tables);
        assert!(
            !KEY_TABLES.with(std::cell::Cell::get),
            "the guard restores the thread"
        );
        let elsewhere = std::thread::spawn(|| KEY_TABLES.with(std::cell::Cell::get));
        assert!(!elsewhere.join().unwrap(), "other threads never asked");
    }

    #[test]
    fn sign_then_verify_round_trip_with_default_id() {
        let key = signing_key_from_seed(DEFAULT_DIST_ID, b"unit-test");
        let pk = public_key_bytes(&key);
        assert_eq!(pk.len(), 65);
        let sig = sign_der(&key, b"receipt");
        assert_eq!(
            verify(&pk, DEFAULT_DIST_ID, b"receipt", &sig),
            Ok(SignatureEncoding::Der)
        );
        assert_eq!(
            verify(&pk, DEFAULT_DIST_ID, b"receipt!", &sig),
            Err(Sm2Error::Mismatch)
        );
    }

    #[test]
    fn a_signature_made_with_an_empty_id_fails_under_the_default_id() {
        let key = signing_key_from_seed("", b"unit-test");
        let pk = public_key_bytes(&key);
        let sig = sign_der(&key, b"m");
        assert_eq!(
            verify(&pk, DEFAULT_DIST_ID, b"m", &sig),
            Err(Sm2Error::Mismatch)
        );
        assert_eq!(verify(&pk, "", b"m", &sig), Ok(SignatureEncoding::Der));
    }

    #[test]
    fn garbage_is_an_encoding_error_not_a_panic() {
        let key = signing_key_from_seed(DEFAULT_DIST_ID, b"k");
        let pk = public_key_bytes(&key);
        assert_eq!(
            verify(&pk, DEFAULT_DIST_ID, b"m", b"\x30\x02"),
            Err(Sm2Error::BadEncoding)
        );
        assert_eq!(
            verify(b"\x04", DEFAULT_DIST_ID, b"m", b""),
            Err(Sm2Error::BadPublicKey)
        );
    }
}
