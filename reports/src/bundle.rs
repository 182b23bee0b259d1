//! The evidence bundle: a run folder sealed by a manifest listing every file with its SM3 and
//! SHA-256 digests, signed with the lab's SM2 key, so the secretariat can check offline that
//! nothing was added, removed or changed since the lab signed it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use tianping_profile::{digest, rfc3161, sm2sig};

pub const MANIFEST_FILE: &str = "manifest.json";
pub const SIGNATURE_FILE: &str = "manifest.sig";
/// RFC 3161 token over manifest.json, when the lab configured a time-stamping service.
pub const TIMESTAMP_FILE: &str = "manifest.tsr";
pub const BUNDLE_SCHEMA: &str = "tianping-harness/bundle/v1";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub path: String,
    pub bytes: u64,
    pub sm3: String,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub schema: String,
    pub run_id: String,
    pub sealed_at: String,
    /// SEC1 public key of the signer (hex) and the SM2 distinguishing ID used.
    pub signer_public_key: String,
    pub signer_dist_id: String,
    /// `lab` for a configured lab key, `test` for a key generated for this run only.
    pub signer_kind: String,
    /// The time-stamping service asked to stamp this manifest (signed here, so a removed
    /// token is noticed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp_authority: Option<String>,
    pub files: Vec<FileEntry>,
}

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("bundle {path}: {detail}")]
    Io { path: String, detail: String },
}

fn io(path: &Path, e: impl std::fmt::Display) -> BundleError {
    BundleError::Io {
        path: path.display().to_string(),
        detail: e.to_string(),
    }
}

/// Every regular file below `dir`, as sorted relative paths, except the seal itself.
fn list_files(dir: &Path) -> Result<Vec<String>, BundleError> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).map_err(|e| io(&d, e))? {
            let p = entry.map_err(|e| io(&d, e))?.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .expect("below dir")
                    .to_string_lossy()
                    .replace('\\', "/");
                if rel != MANIFEST_FILE && rel != SIGNATURE_FILE && rel != TIMESTAMP_FILE {
                    out.push(rel);
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

fn entry(dir: &Path, rel: &str) -> Result<FileEntry, BundleError> {
    let path: PathBuf = dir.join(rel);
    let content = std::fs::read(&path).map_err(|e| io(&path, e))?;
    Ok(FileEntry {
        path: rel.to_string(),
        bytes: content.len() as u64,
        sm3: digest::sm3_hex(&content),
        sha256: digest::sha256_hex(&content),
    })
}

/// Every file of `dir` with its digests (the manifest's entries, before sealing).
pub fn inventory(dir: &Path) -> Result<Vec<FileEntry>, BundleError> {
    list_files(dir)?.iter().map(|rel| entry(dir, rel)).collect()
}

fn random_bytes<const N: usize>() -> Result<[u8; N], BundleError> {
    let mut bytes = [0u8; N];
    let random = Path::new("/dev/urandom");
    std::io::Read::read_exact(
        &mut std::fs::File::open(random).map_err(|e| io(random, e))?,
        &mut bytes,
    )
    .map_err(|e| io(random, e))?;
    Ok(bytes)
}

/// Reads a lab signing key: a file holding the 32-byte SM2 private key as 64 hex characters.
pub fn load_key(path: &Path) -> Result<sm2::dsa::SigningKey, BundleError> {
    let text = std::fs::read_to_string(path).map_err(|e| io(path, e))?;
    let bytes = hex::decode(text.trim()).map_err(|_| io(path, "not 64 hex characters"))?;
    sm2sig::signing_key_from_bytes(sm2sig::DEFAULT_DIST_ID, &bytes).map_err(|e| io(path, e))
}

/// A key for this run only, when the lab configured none; its private half is never stored.
pub fn test_key() -> Result<sm2::dsa::SigningKey, BundleError> {
    let seed: [u8; 32] = random_bytes()?;
    Ok(sm2sig::signing_key_from_seed(
        sm2sig::DEFAULT_DIST_ID,
        &seed,
    ))
}

/// Seals `dir`: writes manifest.json and manifest.sig.
pub fn seal(
    dir: &Path,
    run_id: &str,
    key: &sm2::dsa::SigningKey,
    signer_kind: &str,
    timestamp_authority: Option<&str>,
) -> Result<Manifest, BundleError> {
    let files = inventory(dir)?;
    let manifest = Manifest {
        schema: BUNDLE_SCHEMA.into(),
        run_id: run_id.into(),
        sealed_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        signer_public_key: hex::encode(sm2sig::public_key_bytes(key)),
        signer_dist_id: sm2sig::DEFAULT_DIST_ID.into(),
        signer_kind: signer_kind.into(),
        timestamp_authority: timestamp_authority.map(str::to_string),
        files,
    };
    let bytes = serde_json::to_vec_pretty(&manifest).expect("manifest serializes");
    let signature = sm2sig::sign_der(key, &bytes);
    std::fs::write(dir.join(MANIFEST_FILE), &bytes).map_err(|e| io(dir, e))?;
    std::fs::write(dir.join(SIGNATURE_FILE), B64.encode(signature)).map_err(|e| io(dir, e))?;
    let _ = std::fs::remove_file(dir.join(TIMESTAMP_FILE));
    Ok(manifest)
}

/// Stores the TSA's answer for the sealed manifest, after checking that it stamps exactly
/// that manifest and that its signature verifies.
pub fn attach_timestamp(dir: &Path, response: &[u8]) -> Result<rfc3161::TimeStamp, BundleError> {
    let manifest_path = dir.join(MANIFEST_FILE);
    let manifest = std::fs::read(&manifest_path).map_err(|e| io(&manifest_path, e))?;
    let token = rfc3161::token_of_response(response).map_err(|e| io(&manifest_path, e))?;
    let stamp = rfc3161::verify_for(&token, &manifest).map_err(|e| io(&manifest_path, e))?;
    std::fs::write(dir.join(TIMESTAMP_FILE), token).map_err(|e| io(dir, e))?;
    Ok(stamp)
}

/// The TimeStampReq for a sealed manifest (SHA-256 imprint, random nonce).
pub fn timestamp_request(dir: &Path) -> Result<Vec<u8>, BundleError> {
    let manifest_path = dir.join(MANIFEST_FILE);
    let manifest = std::fs::read(&manifest_path).map_err(|e| io(&manifest_path, e))?;
    let nonce: [u8; 8] = random_bytes()?;
    Ok(rfc3161::request(
        rfc3161::oid::SHA256,
        &digest::sha256(&manifest),
        &nonce,
    ))
}

#[derive(Debug, Default, Serialize)]
pub struct Verification {
    pub signature_valid: bool,
    pub signer_public_key: String,
    pub signer_kind: String,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
    pub problems: Vec<String>,
    /// Worth knowing, but not a failed check (e.g. a test key).
    pub warnings: Vec<String>,
    /// The manifest's RFC 3161 time-stamp, when it has one that verifies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<rfc3161::TimeStamp>,
}

impl Verification {
    pub fn ok(&self) -> bool {
        self.signature_valid
            && self.added.is_empty()
            && self.removed.is_empty()
            && self.changed.is_empty()
            && self.problems.is_empty()
    }
}

/// Checks a sealed folder offline. `expected_signer` pins the lab's public key (hex).
pub fn verify(dir: &Path, expected_signer: Option<&str>) -> Result<Verification, BundleError> {
    let manifest_path = dir.join(MANIFEST_FILE);
    let bytes = std::fs::read(&manifest_path).map_err(|e| io(&manifest_path, e))?;
    let manifest: Manifest = serde_json::from_slice(&bytes).map_err(|e| io(&manifest_path, e))?;
    let mut v = Verification {
        signer_public_key: manifest.signer_public_key.clone(),
        signer_kind: manifest.signer_kind.clone(),
        ..Default::default()
    };
    let signature = std::fs::read_to_string(dir.join(SIGNATURE_FILE))
        .ok()
        .and_then(|s| B64.decode(s.trim()).ok());
    let key = hex::decode(&manifest.signer_public_key).unwrap_or_default();
    v.signature_valid = match signature {
        Some(sig) => sm2sig::verify(&key, &manifest.signer_dist_id, &bytes, &sig).is_ok(),
        None => {
            v.problems
                .push(format!("{SIGNATURE_FILE} is missing or not base64"));
            false
        }
    };
    if !v.signature_valid && v.problems.is_empty() {
        v.problems.push("the manifest signature does not verify: the manifest was changed or signed by another key".into());
    }
    if let Some(expected) = expected_signer
        && !expected.eq_ignore_ascii_case(&manifest.signer_public_key)
    {
        v.problems.push(format!(
            "signed by key {}, not the expected lab key",
            manifest.signer_public_key
        ));
    }
    if manifest.signer_kind == "test" {
        v.warnings.push("sealed with a key generated for this run (no lab key was configured): integrity holds, but it does not prove who sealed it".into());
    }
    let token = std::fs::read(dir.join(TIMESTAMP_FILE)).ok();
    match (&manifest.timestamp_authority, token) {
        (_, Some(token)) => match rfc3161::verify_for(&token, &bytes) {
            Ok(stamp) => v.timestamp = Some(stamp),
            Err(e) => v.problems.push(format!("{TIMESTAMP_FILE}: {e}")),
        },
        (Some(tsa), None) => v.problems.push(format!(
            "{TIMESTAMP_FILE} is missing: the manifest was to be time-stamped by {tsa}"
        )),
        (None, None) => {}
    }
    let listed: BTreeMap<&str, &FileEntry> = manifest
        .files
        .iter()
        .map(|f| (f.path.as_str(), f))
        .collect();
    let present = list_files(dir)?;
    for rel in &present {
        match listed.get(rel.as_str()) {
            None => v.added.push(rel.clone()),
            Some(f) => {
                let now = entry(dir, rel)?;
                if now.sm3 != f.sm3 || now.sha256 != f.sha256 || now.bytes != f.bytes {
                    v.changed.push(rel.clone());
                }
            }
        }
    }
    v.removed = listed
        .keys()
        .filter(|k| !present.iter().any(|p| p == *k))
        .map(|k| k.to_string())
        .collect();
    Ok(v)
}
