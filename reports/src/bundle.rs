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
/// What a folder holds: its regular files, and what else is there (links, FIFOs, devices,
/// empty directories), which is named but never followed or read.
#[derive(Default)]
struct Listing {
    /// Regular files, relative, `/`-separated, the seal's own files left out.
    files: Vec<String>,
    /// Anything that is not a regular file or a directory, with what it is.
    special: Vec<String>,
    /// Directories with nothing in them (a sealed run writes none).
    empty_dirs: Vec<String>,
}

/// More entries than any run folder holds: walking stops there.
const MAX_ENTRIES: usize = 1_000_000;

fn list_folder(dir: &Path) -> Result<Listing, BundleError> {
    let mut listing = Listing::default();
    let mut stack = vec![dir.to_path_buf()];
    let mut seen = 0usize;
    let relative = |p: &Path| {
        p.strip_prefix(dir)
            .expect("below dir")
            .to_string_lossy()
            .replace('\\', "/")
    };
    while let Some(d) = stack.pop() {
        let mut children = 0usize;
        for entry in std::fs::read_dir(&d).map_err(|e| io(&d, e))? {
            let entry = entry.map_err(|e| io(&d, e))?;
            children += 1;
            seen += 1;
            if seen > MAX_ENTRIES {
                return Err(io(dir, format!("more than {MAX_ENTRIES} entries")));
            }
            let p = entry.path();
            // The entry's own type: a symbolic link is never followed.
            let kind = entry.file_type().map_err(|e| io(&p, e))?;
            let rel = relative(&p);
            if kind.is_dir() {
                stack.push(p);
            } else if kind.is_file() {
                if rel != MANIFEST_FILE && rel != SIGNATURE_FILE && rel != TIMESTAMP_FILE {
                    listing.files.push(rel);
                }
            } else if kind.is_symlink() {
                listing.special.push(format!("{rel} (symbolic link)"));
            } else {
                listing
                    .special
                    .push(format!("{rel} (FIFO, socket or device)"));
            }
        }
        if children == 0 && d != dir {
            listing.empty_dirs.push(relative(&d));
        }
    }
    listing.files.sort();
    listing.special.sort();
    listing.empty_dirs.sort();
    Ok(listing)
}

/// A regular file's content, at most `limit` bytes (`None` when it is longer): opened only
/// if it is a regular file, so a link or FIFO put in its place is neither followed nor read.
fn read_regular(path: &Path, limit: u64) -> Result<Option<Vec<u8>>, BundleError> {
    let meta = std::fs::symlink_metadata(path).map_err(|e| io(path, e))?;
    if !meta.is_file() {
        return Err(io(path, "not a regular file"));
    }
    let file = std::fs::File::open(path).map_err(|e| io(path, e))?;
    let mut content = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(file, limit.saturating_add(1)),
        &mut content,
    )
    .map_err(|e| io(path, e))?;
    Ok((content.len() as u64 <= limit).then_some(content))
}

/// The largest manifest, signature or time-stamp token a verifier reads.
const MAX_SEAL_FILE: u64 = 64 << 20;

fn entry(dir: &Path, rel: &str) -> Result<FileEntry, BundleError> {
    let path: PathBuf = dir.join(rel);
    let content = read_regular(&path, u64::MAX)?.unwrap_or_default();
    Ok(FileEntry {
        path: rel.to_string(),
        bytes: content.len() as u64,
        sm3: digest::sm3_hex(&content),
        sha256: digest::sha256_hex(&content),
    })
}

/// Every file of `dir` with its digests (the manifest's entries, before sealing).
pub fn inventory(dir: &Path) -> Result<Vec<FileEntry>, BundleError> {
    list_folder(dir)?
        .files
        .iter()
        .map(|rel| entry(dir, rel))
        .collect()
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

/// The SM2 key a run folder is sealed with.
pub type SigningKey = sm2::dsa::SigningKey;

/// The public half of a sealing key, as manifests and reports write it (uncompressed, hex).
pub fn public_key_hex(key: &sm2::dsa::SigningKey) -> String {
    hex::encode(sm2sig::public_key_bytes(key))
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
        signer_public_key: public_key_hex(key),
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
    let bytes = read_regular(&manifest_path, MAX_SEAL_FILE)?
        .ok_or_else(|| io(&manifest_path, "larger than any manifest"))?;
    let manifest: Manifest = serde_json::from_slice(&bytes).map_err(|e| io(&manifest_path, e))?;
    let mut v = Verification {
        signer_public_key: manifest.signer_public_key.clone(),
        signer_kind: manifest.signer_kind.clone(),
        ..Default::default()
    };
    // Exactly what sealing wrote: base64 and nothing else, not even a trailing newline.
    let signature = read_regular(&dir.join(SIGNATURE_FILE), MAX_SEAL_FILE)
        .ok()
        .flatten()
        .and_then(|s| B64.decode(&s).ok());
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
    // The key as a report prints it (grouped with spaces) or as given on one line.
    let expected_signer: Option<String> =
        expected_signer.map(|k| k.chars().filter(|c| !c.is_whitespace()).collect());
    if let Some(expected) = &expected_signer
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
    let token = read_regular(&dir.join(TIMESTAMP_FILE), MAX_SEAL_FILE)
        .ok()
        .flatten();
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
    let listing = list_folder(dir)?;
    for special in &listing.special {
        v.problems.push(format!(
            "{special}: a sealed folder holds only regular files"
        ));
    }
    for empty in &listing.empty_dirs {
        v.added.push(format!("{empty}/ (an empty directory)"));
    }
    let present = &listing.files;
    for rel in present {
        match listed.get(rel.as_str()) {
            None => v.added.push(rel.clone()),
            Some(f) => {
                // Read no more than the manifest says the file holds (and one byte to see
                // that it grew).
                let unchanged = read_regular(&dir.join(rel), f.bytes)?.is_some_and(|c| {
                    digest::sm3_hex(&c) == f.sm3 && digest::sha256_hex(&c) == f.sha256
                });
                if !unchanged {
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
