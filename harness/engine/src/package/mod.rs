//! Offline evaluation of an exported evidence package (docs/profile.md §10).
//!
//! A package is read in one streaming pass: `manifest.jsonl` line by line, each original hashed
//! in 1 MiB chunks, each record handed to every selected check's per-record judge. Records are
//! spread over worker threads through a bounded queue, and only counts and the first few
//! failures are kept per check, so memory does not grow with the package.

pub mod shard;

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sm3::{Digest, Sm3};

use crate::config::Config;
use crate::fields::FieldMap;
use crate::model::Samples;
use crate::verdict::Verdict;

/// The package's header file.
pub const HEADER_FILE: &str = "package.json";
/// The package's manifest, one JSON record per line.
pub const MANIFEST_FILE: &str = "manifest.jsonl";
/// Failure descriptions kept per check; the count is always complete.
const KEPT_FAILURES: usize = 20;

/// What every judge may read about the package as a whole.
pub struct PackageInfo {
    /// The package folder.
    pub root: PathBuf,
    /// `package.json`: profile version, generation time and the platform metadata.
    pub header: Value,
    /// Where the logical fields sit in the package's JSON.
    pub fields: FieldMap,
    /// The configuration of the run.
    pub config: Config,
    /// Values derived once from the package as a whole (the platform's parsed signing key),
    /// which every record's judgement needs.
    memo: Mutex<std::collections::HashMap<&'static str, Arc<dyn std::any::Any + Send + Sync>>>,
}

impl PackageInfo {
    /// The value `make` derives from the package as a whole, made once per package under
    /// `key` (a name the check owns) and shared by every record's judgement.
    pub fn memo<T: Send + Sync + 'static>(
        &self,
        key: &'static str,
        make: impl FnOnce() -> T,
    ) -> Arc<T> {
        let found = self.memo.lock().expect("memo lock").get(key).cloned();
        if let Some(Ok(value)) = found.map(|f| f.downcast::<T>()) {
            return value;
        }
        // Made outside the lock; two threads may both make it the first time, which is harmless.
        let value = Arc::new(make());
        self.memo
            .lock()
            .expect("memo lock")
            .insert(key, value.clone());
        value
    }

    /// The platform metadata recorded in the package (same shape as `/api/v1/platform`).
    pub fn platform(&self) -> &Value {
        &self.header["platform"]
    }
}

/// One record, with the facts the pass computed about it.
pub struct Record {
    /// Line of the manifest (1-based).
    pub line: usize,
    /// The manifest line as JSON.
    pub entry: Value,
    /// The record's evidence id.
    pub evidence_id: String,
    /// The receipt, when the package holds one.
    pub receipt: Option<Value>,
    /// The record's inclusion proof with its block, when the package has one.
    pub proof: Option<Value>,
    /// Where the original file is, when the package holds one.
    pub original_path: Option<PathBuf>,
    /// SM3 of the original file as read, when it could be read.
    pub original_sm3: Option<[u8; 32]>,
    /// Size of the original file.
    pub original_bytes: u64,
    /// Why the record's files could not be read, if they could not.
    pub unreadable: Option<String>,
}

impl Record {
    /// The bytes of the file the manifest entry names under `key` (a path inside the
    /// package), at most `max_bytes` of it: `None` when the entry names no such file.
    pub fn named_file(
        &self,
        info: &PackageInfo,
        key: &str,
        max_bytes: u64,
    ) -> Option<Result<Vec<u8>, String>> {
        let rel = self.entry[key].as_str()?;
        Some(crate::files::read_inside(
            &info.root, rel, PACKAGE, max_bytes,
        ))
    }

    /// The receipt, or the reason it is missing, for judges that need it.
    pub fn receipt(&self) -> Result<&Value, String> {
        self.receipt.as_ref().ok_or_else(|| {
            self.unreadable
                .clone()
                .unwrap_or_else(|| "receipt missing".into())
        })
    }
}

/// What a check concluded about one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Judgement {
    /// The record conforms.
    Conforms,
    /// The record does not conform, for this reason.
    Nonconforming(String),
    /// The record holds nothing this check can judge (e.g. deposited by digest, no original).
    NotExamined,
    /// The record holds what the check judges, but the harness could not decide (why).
    Undecided(String),
}

impl Judgement {
    /// Conforms when `problems` is empty, otherwise nonconforming with all of them.
    pub fn from_problems(problems: Vec<String>) -> Judgement {
        if problems.is_empty() {
            Judgement::Conforms
        } else {
            Judgement::Nonconforming(problems.join("; "))
        }
    }
}

/// A check's offline form: a judgement per record.
#[derive(Clone, Copy)]
pub struct PackageCheck {
    /// Judges one record.
    pub judge: fn(&PackageInfo, &Record) -> Judgement,
    /// What the samples are, for the summary ("records", "receipt signatures").
    pub what: &'static str,
    /// Whether this check also owns the package's account of its records: the manifest
    /// holds as many records as `package.json` declares, each once. Every other check shows
    /// the account as evidence.
    pub accounts_for_records: bool,
}

/// How the manifest accounted for the package's records (of one slice, or of all).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordAccount {
    /// Non-empty manifest lines read (each one a record, readable or not).
    lines: u64,
    /// Records whose evidence id an earlier record already had, by name (the first few in
    /// sorted order, so any split of the work keeps the same ones).
    duplicates: Vec<String>,
    /// How many duplicates in all.
    duplicate_count: u64,
}

impl RecordAccount {
    /// Adds another slice's account.
    fn merge(&mut self, other: RecordAccount) {
        self.lines += other.lines;
        self.duplicate_count += other.duplicate_count;
        keep_first(&mut self.duplicates, other.duplicates);
    }

    /// What is wrong with the account against what `package.json` declares.
    fn problems(&self, declared: Option<u64>) -> Vec<String> {
        let mut problems = Vec::new();
        match declared {
            Some(n) if n != self.lines => problems.push(format!(
                "package.json declares {n} records, the manifest holds {}",
                self.lines
            )),
            Some(_) => {}
            None => problems.push("package.json declares no record count (`records`)".into()),
        }
        if self.duplicate_count > 0 {
            problems.push(format!(
                "{} record(s) repeat an evidence id: {}",
                self.duplicate_count,
                self.duplicates.join(", ")
            ));
        }
        problems
    }

    fn describe(&self, declared: Option<u64>) -> String {
        format!(
            "{} manifest record(s) read; package.json declares {}",
            self.lines,
            declared.map_or("no count".to_string(), |n| n.to_string())
        )
    }
}

/// Why a package cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    /// A file is missing, unreadable or malformed.
    #[error("package {path}: {detail}")]
    Invalid {
        /// The file or folder.
        path: String,
        /// What is wrong.
        detail: String,
    },
}

fn invalid(path: &Path, detail: impl Into<String>) -> PackageError {
    PackageError::Invalid {
        path: path.display().to_string(),
        detail: detail.into(),
    }
}

/// Opens a package folder and reads its header.
pub fn open(root: &Path, config: &Config) -> Result<PackageInfo, PackageError> {
    if !root.is_dir() {
        return Err(invalid(root, "not a directory or a zip file"));
    }
    // Canonical, so paths inside it can be checked not to leave it through a link.
    let root = &root
        .canonicalize()
        .map_err(|e| invalid(root, e.to_string()))?;
    let text =
        crate::files::read_regular_text(&root.join(HEADER_FILE), crate::files::MAX_SETTINGS_BYTES)
            .map_err(|e| invalid(root, format!("{HEADER_FILE}: {e}")))?;
    let header: Value = serde_json::from_str(&text)
        .map_err(|e| invalid(root, format!("{HEADER_FILE} is not JSON: {e}")))?;
    if !header["platform"].is_object() {
        return Err(invalid(
            root,
            format!("{HEADER_FILE} has no `platform` object"),
        ));
    }
    let manifest = root.join(MANIFEST_FILE);
    if !manifest.exists() {
        return Err(invalid(root, format!("{MANIFEST_FILE} is missing")));
    }
    if !manifest.is_file() {
        return Err(invalid(
            root,
            format!("{MANIFEST_FILE} is not a regular file (a FIFO or device is not read)"),
        ));
    }
    Ok(PackageInfo {
        root: root.to_path_buf(),
        header,
        fields: FieldMap::new(&config.fields),
        config: config.clone(),
        memo: Default::default(),
    })
}

/// Unpacks a zip package into `into`, streaming entry by entry (memory does not grow with the
/// number of entries, unlike reading the central directory). Entries whose names would leave
/// the folder are refused, and unpacking stops at `max_bytes` (a zip bomb is an error, not a
/// full disk). Returns the package root: `into`, or its single top-level folder.
pub fn unpack_zip(zip: &Path, into: &Path, max_bytes: u64) -> Result<PathBuf, PackageError> {
    let free = fs4::available_space(into).ok();
    let (max_bytes, which) = unpack_budget(max_bytes, free);
    let file = crate::files::open_regular(zip).map_err(|e| invalid(zip, e.to_string()))?;
    let mut reader = std::io::BufReader::new(file);
    let mut written = 0u64;
    loop {
        let entry = zip::read::read_zipfile_from_stream(&mut reader)
            .map_err(|e| invalid(zip, format!("not a readable zip: {e}")))?;
        let Some(mut entry) = entry else { break };
        let name = entry.name().map(|n| n.to_string()).unwrap_or_default();
        let rel = entry
            .enclosed_name()
            .ok_or_else(|| invalid(zip, format!("entry `{name}` would leave the package")))?;
        let target = into.join(rel);
        if entry.is_dir() {
            std::fs::create_dir_all(&target).map_err(|e| invalid(zip, e.to_string()))?;
            continue;
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| invalid(zip, e.to_string()))?;
        }
        let mut out = File::create(&target).map_err(|e| invalid(zip, e.to_string()))?;
        let budget = max_bytes.saturating_sub(written);
        let copied = std::io::copy(&mut (&mut entry).take(budget + 1), &mut out)
            .map_err(|e| invalid(zip, format!("entry `{name}`: {e}")))?;
        written += copied;
        if written > max_bytes {
            return Err(invalid(
                zip,
                format!("unpacks to more than {max_bytes} bytes ({which})"),
            ));
        }
    }
    if into.join(HEADER_FILE).is_file() {
        return Ok(into.to_path_buf());
    }
    let dirs: Vec<PathBuf> = std::fs::read_dir(into)
        .map_err(|e| invalid(zip, e.to_string()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    match dirs.as_slice() {
        [only] if only.join(HEADER_FILE).is_file() => Ok(only.clone()),
        _ => Err(invalid(
            zip,
            format!("no {HEADER_FILE} at the top of the zip or of its single folder"),
        )),
    }
}

/// SHA-256 of a file, streamed: only computed to tell a wrong-algorithm digest apart.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    use sha2::Sha256;
    let mut hasher = Sha256::new();
    crate::files::for_each_chunk(File::open(path)?, |chunk| {
        sha2::Digest::update(&mut hasher, chunk)
    })?;
    Ok(hex::encode(sha2::Digest::finalize(hasher)))
}

/// How paths that leave the package are reported.
const PACKAGE: &str = "the package";

fn hash_file(file: File) -> std::io::Result<([u8; 32], u64)> {
    let mut hasher = Sm3::new();
    let total = crate::files::for_each_chunk(file, |chunk| hasher.update(chunk))?;
    Ok((hasher.finalize().into(), total))
}

/// A record for a manifest line that could not be read at all.
fn unreadable_record(line: usize, why: String) -> Record {
    Record {
        unreadable: Some(why),
        ..empty_record(line)
    }
}

fn empty_record(line: usize) -> Record {
    Record {
        line,
        entry: Value::Null,
        evidence_id: String::new(),
        receipt: None,
        proof: None,
        original_path: None,
        original_sm3: None,
        original_bytes: 0,
        unreadable: None,
    }
}

/// Reads the files a manifest line names; never fails, records what went wrong instead.
fn load_record(info: &PackageInfo, line: usize, text: &str) -> Record {
    let mut record = empty_record(line);
    let entry: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            record.unreadable = Some(format!("manifest line {line} is not JSON: {e}"));
            return record;
        }
    };
    record.evidence_id = entry["evidence_id"].as_str().unwrap_or("").to_string();
    let mut problems = Vec::new();
    let json_file = |name: &str, rel: &str| {
        crate::files::read_inside(&info.root, rel, PACKAGE, crate::files::MAX_DOCUMENT_BYTES)
            .and_then(|b| serde_json::from_slice(&b).map_err(|e| format!("{rel}: {e}")))
            .map_err(|e| format!("{name} {e}"))
    };
    match entry["receipt"].as_str().map(|r| json_file("receipt", r)) {
        Some(Ok(v)) => record.receipt = Some(v),
        Some(Err(e)) => problems.push(e),
        None => problems.push("manifest entry names no receipt".into()),
    }
    match entry["proof"].as_str().map(|r| json_file("proof", r)) {
        Some(Ok(v)) => record.proof = Some(v),
        Some(Err(e)) => problems.push(e),
        None => {}
    }
    match entry["original"]
        .as_str()
        .map(|r| crate::files::open_inside(&info.root, r, PACKAGE))
    {
        Some(Ok((path, file, _))) => {
            match hash_file(file) {
                Ok((digest, bytes)) => {
                    record.original_sm3 = Some(digest);
                    record.original_bytes = bytes;
                }
                Err(e) => problems.push(format!("original {}: {e}", path.display())),
            }
            record.original_path = Some(path);
        }
        Some(Err(e)) => problems.push(format!("original {e}")),
        None => {} // deposited by digest: no original in the package
    }
    record.entry = entry;
    if !problems.is_empty() {
        record.unreadable = Some(problems.join("; "));
    }
    record
}

/// One check's counts over the records judged, with the first few failures and undecided
/// records in sorted order: however the records are split (threads, shards), the same ones
/// are kept.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    examined: u64,
    failed: u64,
    failures: Vec<String>,
    undecided: u64,
    undecided_reasons: Vec<String>,
}

/// Adds `more` to `kept`, keeping the first [`KEPT_FAILURES`] in sorted order.
fn keep_first(kept: &mut Vec<String>, more: impl IntoIterator<Item = String>) {
    kept.extend(more);
    kept.sort();
    kept.dedup();
    kept.truncate(KEPT_FAILURES);
}

/// Adds one to `kept`, sorting only now and then (a package may fail every record).
fn keep_one(kept: &mut Vec<String>, one: String) {
    kept.push(one);
    if kept.len() > 4 * KEPT_FAILURES {
        keep_first(kept, []);
    }
}

impl Tally {
    /// Counts one record's judgement.
    fn add(&mut self, record: &Record, judgement: Judgement) {
        match judgement {
            Judgement::NotExamined => {}
            Judgement::Undecided(why) => {
                self.examined += 1;
                self.undecided += 1;
                keep_one(
                    &mut self.undecided_reasons,
                    format!("{}: {why}", record_name(record)),
                );
            }
            Judgement::Conforms => self.examined += 1,
            Judgement::Nonconforming(why) => {
                self.examined += 1;
                self.failed += 1;
                keep_one(
                    &mut self.failures,
                    format!("{}: {why}", record_name(record)),
                );
            }
        }
    }

    /// Adds another worker's tally.
    fn merge(&mut self, other: Tally) {
        self.examined += other.examined;
        self.failed += other.failed;
        keep_first(&mut self.failures, other.failures);
        self.undecided += other.undecided;
        keep_first(&mut self.undecided_reasons, other.undecided_reasons);
    }
}

/// How findings name a record: its evidence id, or its manifest line when it has none.
fn record_name(record: &Record) -> String {
    if record.evidence_id.is_empty() {
        format!("line {}", record.line)
    } else {
        record.evidence_id.clone()
    }
}

/// The most slices a package may be split into.
pub const MAX_SLICES: u32 = 100_000;

/// Which records a pass reads: all of them, or the `index`-th of `count` deterministic slices
/// (`run --package … --shard i/N`). A record with an evidence id goes to the slice its id's
/// SM3 names, so every repeat of an id lands in the slice that finds it; a record without
/// one goes by its manifest line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slice {
    /// Which slice, from 1.
    pub index: u32,
    /// Of how many.
    pub count: u32,
}

impl Slice {
    /// Every record.
    pub const ALL: Slice = Slice { index: 1, count: 1 };

    /// Reads `i/N` (1 ≤ i ≤ N ≤ [`MAX_SLICES`]).
    pub fn parse(text: &str) -> Result<Slice, String> {
        let bad = || format!("`{text}` is not a shard i/N with 1 ≤ i ≤ N ≤ {MAX_SLICES}");
        let (index, count) = text.split_once('/').ok_or_else(bad)?;
        let (index, count): (u32, u32) = (
            index.trim().parse().map_err(|_| bad())?,
            count.trim().parse().map_err(|_| bad())?,
        );
        if index == 0 || index > count || count > MAX_SLICES {
            return Err(bad());
        }
        Ok(Slice { index, count })
    }

    /// Whether the record on manifest `line` with `evidence_id` is in this slice.
    pub fn holds(&self, evidence_id: Option<&str>, line: usize) -> bool {
        if self.count == 1 {
            return true;
        }
        let position = match evidence_id {
            Some(id) => {
                let digest = tianping_profile::digest::sm3(id.as_bytes());
                u64::from_be_bytes(digest[..8].try_into().expect("8 of 32 bytes"))
            }
            None => line as u64,
        };
        position % u64::from(self.count) == u64::from(self.index - 1)
    }
}

impl std::fmt::Display for Slice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// What one pass over a package (or a slice of it) found: per check, counts and the first
/// failures; the manifest's account; and the manifest's SM3 (all of it, whatever the slice),
/// which says which package this was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageTallies {
    /// The slice read.
    pub slice: Slice,
    /// SM3 of `manifest.jsonl`, hex.
    pub manifest_sm3: String,
    /// Its size.
    pub manifest_bytes: u64,
    /// The records `package.json` declares, if it does.
    pub declared: Option<u64>,
    /// The records of the slice, accounted for.
    pub account: RecordAccount,
    /// Per check, in the order given: its ID and tally.
    pub checks: Vec<(String, Tally)>,
}

impl PackageTallies {
    /// The manifest records this pass read (of its slice).
    pub fn account_lines(&self) -> u64 {
        self.account.lines
    }

    /// Adds another slice of the same package and checks (the caller has made sure of that).
    pub fn merge(&mut self, other: PackageTallies) {
        self.account.merge(other.account);
        for ((_, mine), (_, theirs)) in self.checks.iter_mut().zip(other.checks) {
            mine.merge(theirs);
        }
    }
}

/// Runs `checks` (id, package form) over every record of the package with `workers` threads.
/// Returns one verdict per check, in the order given. Every manifest line is accounted for:
/// a line that is not text is an unreadable record (a finding of every check that needs it),
/// never a place the pass stops; the records read are compared with the count `package.json`
/// declares, and evidence ids that repeat are reported (by the check that owns the account).
pub fn scan(
    info: &PackageInfo,
    checks: &[(&str, PackageCheck)],
    workers: usize,
) -> Result<Vec<Verdict>, PackageError> {
    let tallies = tally(info, checks, workers, Slice::ALL)?;
    Ok(verdicts(checks, tallies))
}

/// The pass itself over `slice` of the records: counts, not yet verdicts, so that slices
/// read on different machines can be merged ([`PackageTallies::merge`]) before judging.
pub fn tally(
    info: &PackageInfo,
    checks: &[(&str, PackageCheck)],
    workers: usize,
    slice: Slice,
) -> Result<PackageTallies, PackageError> {
    let (locals, read) = fold_lines(
        &info.root,
        workers,
        slice,
        || vec![Tally::default(); checks.len()],
        |local, line, text| {
            let record = match text {
                Ok(text) => load_record(info, line, &text),
                Err(why) => unreadable_record(line, why),
            };
            for (tally, (_, check)) in local.iter_mut().zip(checks) {
                tally.add(&record, (check.judge)(info, &record));
            }
        },
    )?;
    let mut total = vec![Tally::default(); checks.len()];
    for local in locals {
        for (t, l) in total.iter_mut().zip(local) {
            t.merge(l);
        }
    }
    Ok(PackageTallies {
        slice,
        manifest_sm3: read.manifest_sm3,
        manifest_bytes: read.manifest_bytes,
        declared: info.header["records"].as_u64(),
        account: read.account,
        checks: checks
            .iter()
            .zip(total)
            .map(|((id, _), t)| (id.to_string(), t))
            .collect(),
    })
}

/// What every pass over a package shares: the manifest of the package at `root` read line by
/// line (hashed whole, its repeated evidence ids found, the lines of `slice` accounted for)
/// and each line of `slice` handed, as text or as why it is not text, to `step` on one of
/// `workers` threads, each with its own state from `make`. Returns every worker's state.
pub fn fold_lines<T: Send>(
    root: &Path,
    workers: usize,
    slice: Slice,
    make: impl Fn() -> T + Sync,
    step: impl Fn(&mut T, usize, Result<String, String>) + Sync,
) -> Result<(Vec<T>, ManifestRead), PackageError> {
    let manifest = crate::files::open_regular(&root.join(MANIFEST_FILE))
        .map_err(|e| invalid(root, format!("{MANIFEST_FILE}: {e}")))?;
    let (tx, rx) = mpsc::sync_channel::<Vec<Line>>(workers * 4);
    let rx = Arc::new(Mutex::new(rx));
    let (states, fed) = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers.max(1))
            .map(|_| {
                let (rx, make, step) = (rx.clone(), &make, &step);
                scope.spawn(move || {
                    // A package holds thousands of signatures by the same few keys (receipts,
                    // time-stamps, certificates): these threads may build their tables.
                    let _tables = tianping_profile::sm2sig::KeyTables::on_this_thread();
                    let mut state = make();
                    loop {
                        let next = rx.lock().expect("queue lock").recv();
                        let Ok(batch) = next else { break };
                        for (line, text) in batch {
                            step(&mut state, line, text);
                        }
                    }
                    state
                })
            })
            .collect();
        let fed = feed_lines(manifest, &tx, slice, workers);
        drop(tx);
        let states: Vec<T> = handles
            .into_iter()
            .map(|h| h.join().expect("package worker panicked"))
            .collect();
        (states, fed)
    });
    if let Some(e) = fed.read_error {
        return Err(invalid(root, e));
    }
    Ok((
        states,
        ManifestRead {
            account: fed.account,
            manifest_sm3: fed.manifest_sm3,
            manifest_bytes: fed.manifest_bytes,
        },
    ))
}

/// What reading the manifest found, whatever was done with its lines.
#[derive(Debug, Clone)]
pub struct ManifestRead {
    /// The slice's records, accounted for.
    pub account: RecordAccount,
    /// SM3 of the whole manifest, hex: which package this was.
    pub manifest_sm3: String,
    /// Its size.
    pub manifest_bytes: u64,
}

/// The verdicts of a whole package's tallies (one slice of all, or all slices merged).
pub fn verdicts(checks: &[(&str, PackageCheck)], tallies: PackageTallies) -> Vec<Verdict> {
    let account = tallies.account;
    let declared = tallies.declared;
    let account_problems = account.problems(declared);
    checks
        .iter()
        .zip(tallies.checks)
        .map(|((_, check), (_, mut t))| {
            keep_first(&mut t.failures, []);
            keep_first(&mut t.undecided_reasons, []);
            let mut verdict = verdict_of(t, check.what);
            if check.accounts_for_records && !account_problems.is_empty() {
                verdict.outcome = crate::model::Outcome::Fail;
                verdict.summary = format!(
                    "the package does not account for its records: {}; {}",
                    account_problems.join("; "),
                    verdict.summary
                );
            }
            verdict.with("records", account.describe(declared))
        })
        .collect()
}

/// What the reader of the manifest saw: the slice's account, the whole manifest's digest,
/// and the I/O error that ended the reading early, if any.
struct Fed {
    account: RecordAccount,
    manifest_sm3: String,
    manifest_bytes: u64,
    read_error: Option<String>,
}

/// A manifest line for the workers: its number, and its text or why it is not text.
type Line = (usize, Result<String, String>);

/// The most lines handed to a worker at a time: one hand-over per record cost a lock and, on
/// one core, a switch between the reader and the worker for each 512-byte record.
const LINES_PER_BATCH: usize = 32;

/// Lines per hand-over once `fed` lines have gone to `workers`: one at first, growing to
/// [`LINES_PER_BATCH`] as the manifest proves long, so that a short manifest of large records
/// still keeps every worker busy.
fn batch_size(fed: usize, workers: usize) -> usize {
    (fed / (workers.max(1) * 8)).clamp(1, LINES_PER_BATCH)
}

/// Only the evidence id of a manifest line, for placing it in a slice and finding repeats.
#[derive(Deserialize)]
struct IdOnly<'a> {
    #[serde(default, borrow)]
    evidence_id: Option<std::borrow::Cow<'a, str>>,
}

/// Sends every non-empty manifest line of `slice` to the workers, as text or as why it is not
/// text, in manifest order; hashes the whole manifest and finds repeated evidence ids on the
/// way (in order, so the later record is always the one named).
fn feed_lines(
    manifest: File,
    tx: &mpsc::SyncSender<Vec<Line>>,
    slice: Slice,
    workers: usize,
) -> Fed {
    let mut reader = BufReader::new(manifest);
    let mut bytes = Vec::new();
    let mut hasher = Sm3::new();
    let mut manifest_bytes = 0u64;
    let mut account = RecordAccount::default();
    // Evidence ids seen, by a 128-bit digest (16 bytes per record of the slice).
    let mut seen = std::collections::HashSet::<[u8; 16]>::new();
    let mut read_error = None;
    let mut batch = Vec::new();
    let mut fed = 0usize;
    let mut workers_gone = false;
    for line in 1.. {
        bytes.clear();
        let length = match read_line_bounded(&mut reader, &mut bytes, MAX_LINE_BYTES, &mut hasher) {
            Ok(0) => break,
            Ok(length) => length,
            Err(e) => {
                read_error = Some(format!("{MANIFEST_FILE} line {line} cannot be read: {e}"));
                break;
            }
        };
        manifest_bytes += length as u64;
        let text = if length > MAX_LINE_BYTES {
            Err(format!(
                "manifest line {line} is {length} bytes long, over the {MAX_LINE_BYTES} a \
                 record's line may hold: not read"
            ))
        } else {
            match std::str::from_utf8(&bytes) {
                Ok(t) if t.trim().is_empty() => continue,
                Ok(t) => Ok(t.trim_end_matches(['\n', '\r']).to_string()),
                Err(e) => Err(format!("manifest line {line} is not UTF-8 text: {e}")),
            }
        };
        let id = text
            .as_ref()
            .ok()
            .and_then(|t| serde_json::from_str::<IdOnly>(t).ok())
            .and_then(|i| i.evidence_id.map(|id| id.into_owned()))
            .filter(|id| !id.is_empty());
        if !slice.holds(id.as_deref(), line) {
            continue;
        }
        account.lines += 1;
        if let Some(id) = &id {
            let digest = tianping_profile::digest::sm3(id.as_bytes());
            if !seen.insert(digest[..16].try_into().expect("16 of 32 bytes")) {
                account.duplicate_count += 1;
                keep_one(&mut account.duplicates, format!("{id} (line {line})"));
            }
        }
        batch.push((line, text));
        if batch.len() >= batch_size(fed, workers) {
            fed += batch.len();
            if tx.send(std::mem::take(&mut batch)).is_err() {
                workers_gone = true;
                break;
            }
        }
    }
    if !batch.is_empty() && !workers_gone {
        let _ = tx.send(batch); // workers gone: nothing more to judge either way
    }
    // The digest is of the whole manifest: read on to its end past a slice's last record.
    if read_error.is_none() {
        let mut rest = [0u8; 1 << 16];
        loop {
            match reader.read(&mut rest) {
                Ok(0) => break,
                Ok(n) => {
                    hasher.update(&rest[..n]);
                    manifest_bytes += n as u64;
                }
                Err(e) => {
                    read_error = Some(format!("{MANIFEST_FILE} cannot be read: {e}"));
                    break;
                }
            }
        }
    }
    keep_first(&mut account.duplicates, []);
    Fed {
        account,
        manifest_sm3: hex::encode(hasher.finalize()),
        manifest_bytes,
        read_error,
    }
}

/// The most a zip may unpack to: the configured limit, and never more than three quarters
/// of the free space where it is unpacked (a zip bomb stops before the disk is full), with
/// which of the two it is, in words.
fn unpack_budget(configured: u64, free: Option<u64>) -> (u64, String) {
    match free {
        Some(free) if free / 4 * 3 < configured => (
            free / 4 * 3,
            format!("three quarters of the {free} bytes free on the disk it unpacks to"),
        ),
        _ => (configured, "limits.max_package_bytes".to_string()),
    }
}

/// The longest manifest line read: a record's line names a few files and digests, so this is
/// far more than any holds, and a line longer than this costs no more memory than this.
const MAX_LINE_BYTES: usize = 64 * 1024;

/// Reads one line (through its `\n`) into `into`, keeping at most `max` bytes of it; returns
/// the line's whole length (0 at the end), which is over `max` when the rest was skipped.
fn read_line_bounded(
    reader: &mut impl BufRead,
    into: &mut Vec<u8>,
    max: usize,
    hasher: &mut Sm3,
) -> std::io::Result<usize> {
    let mut length = 0;
    loop {
        let available = reader.fill_buf()?;
        if available.is_empty() {
            return Ok(length);
        }
        let (chunk, done) = match available.iter().position(|b| *b == b'\n') {
            Some(at) => (&available[..=at], true),
            None => (available, false),
        };
        hasher.update(chunk);
        let room = max.saturating_sub(into.len());
        into.extend_from_slice(&chunk[..chunk.len().min(room)]);
        let used = chunk.len();
        length += used;
        reader.consume(used);
        if done {
            return Ok(length);
        }
    }
}

fn verdict_of(t: Tally, what: &str) -> Verdict {
    let mut v = if t.examined == 0 {
        Verdict::inconclusive(format!("the package holds no {what}"))
    } else if t.failed == 0 && t.undecided > 0 {
        Verdict::inconclusive(format!(
            "{} of {} {what} in the package could not be judged",
            t.undecided, t.examined
        ))
    } else if t.failed == 0 {
        Verdict::pass(format!("all {} {what} in the package conform", t.examined))
    } else {
        Verdict::fail(format!(
            "{} of {} {what} in the package do not conform",
            t.failed, t.examined
        ))
    };
    for f in t.failures {
        v = v.with_labelled(crate::verdict::NONCONFORMING, f);
    }
    for u in t.undecided_reasons {
        v = v.with("not judged", u);
    }
    v.samples = Some(Samples {
        examined: t.examined,
        failed: t.failed,
    });
    v
}

#[cfg(test)]
mod slice_tests {
    use super::*;

    #[test]
    fn slices_parse_and_split_every_record_exactly_once() {
        assert_eq!(Slice::parse("2/5"), Ok(Slice { index: 2, count: 5 }));
        for bad in ["0/3", "4/3", "3", "a/b", "1/0", "1/100001", "-1/2"] {
            assert!(Slice::parse(bad).is_err(), "{bad}");
        }
        let slices: Vec<Slice> = (1..=4).map(|index| Slice { index, count: 4 }).collect();
        for line in 1..200usize {
            let id = format!("EV-{line}");
            for record in [Some(id.as_str()), None] {
                let holders = slices.iter().filter(|s| s.holds(record, line)).count();
                assert_eq!(holders, 1, "{record:?} on line {line}");
            }
        }
        // A repeated id lands where its first use did, whatever its line.
        let first = slices.iter().position(|s| s.holds(Some("EV-7"), 7));
        assert_eq!(
            first,
            slices.iter().position(|s| s.holds(Some("EV-7"), 150))
        );
    }

    #[test]
    fn hand_overs_start_single_and_grow_to_a_batch() {
        assert_eq!(batch_size(0, 64), 1);
        assert_eq!(
            batch_size(1_000, 64),
            1,
            "a short manifest keeps 64 workers busy"
        );
        assert_eq!(batch_size(160, 2), 10);
        assert_eq!(batch_size(50_000, 1), LINES_PER_BATCH);
        assert_eq!(batch_size(50_000, 0), LINES_PER_BATCH);
    }

    #[test]
    fn kept_failures_do_not_depend_on_the_order_they_arrive_in() {
        let names: Vec<String> = (0..100).map(|i| format!("EV-{i:03}: bad")).collect();
        let mut forward = Vec::new();
        for n in &names {
            keep_one(&mut forward, n.clone());
        }
        let mut backward = Vec::new();
        for n in names.iter().rev() {
            keep_one(&mut backward, n.clone());
        }
        keep_first(&mut forward, []);
        keep_first(&mut backward, []);
        assert_eq!(forward, backward);
        assert_eq!(forward, names[..KEPT_FAILURES]);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_zip_unpacks_to_no_more_than_the_limit_or_three_quarters_of_the_free_disk() {
        assert_eq!(unpack_budget(100, Some(1000)).0, 100);
        let (budget, why) = unpack_budget(256 << 30, Some(40 << 30));
        assert_eq!(budget, 30 << 30);
        assert!(why.contains("free on the disk"), "{why}");
        assert_eq!(unpack_budget(100, None).0, 100);
    }

    use super::*;

    #[test]
    fn records_that_could_not_be_judged_make_the_verdict_inconclusive_unless_one_fails() {
        let undecided = Tally {
            examined: 3,
            undecided: 1,
            undecided_reasons: vec!["EV-1: unreadable text".into()],
            ..Tally::default()
        };
        let v = verdict_of(undecided.clone(), "certificates");
        assert!(
            matches!(v.outcome, crate::model::Outcome::Inconclusive { .. }),
            "{v:?}"
        );
        assert_eq!(
            v.summary,
            "1 of 3 certificates in the package could not be judged"
        );
        assert!(
            v.evidence
                .iter()
                .any(|e| e.value == "EV-1: unreadable text")
        );
        let with_failure = Tally {
            failed: 1,
            failures: vec!["EV-2: not signed".into()],
            ..undecided
        };
        let v = verdict_of(with_failure, "certificates");
        assert_eq!(v.outcome, crate::model::Outcome::Fail);
        assert_eq!(v.evidence.len(), 2);
    }

    #[test]
    fn manifest_paths_cannot_leave_the_package() {
        let root = Path::new("/pkg");
        assert!(crate::files::inside(root, "originals/a", PACKAGE).is_ok());
        assert!(crate::files::inside(root, "../etc/passwd", PACKAGE).is_err());
        assert!(crate::files::inside(root, "/etc/passwd", PACKAGE).is_err());
        assert!(crate::files::inside(root, "originals/../../x", PACKAGE).is_err());
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Any manifest line, with names pointing anywhere (out of the folder included): the
        /// record reader answers with a record, never panics, and reads nothing outside the
        /// package folder.
        #[test]
        fn any_manifest_line_becomes_a_record(
            line in prop_oneof![
                ".{0,200}",
                ("[a-z./]{0,20}", "[a-z./]{0,20}", "[a-z./]{0,20}").prop_map(|(r, o, p)| {
                    serde_json::json!({"evidence_id": "EV-1", "receipt": r, "original": o, "proof": p}).to_string()
                }),
            ]
        ) {
            let dir = std::env::temp_dir().join(format!("tp-prop-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join(HEADER_FILE), r#"{"platform": {}}"#).unwrap();
            std::fs::write(dir.join(MANIFEST_FILE), "").unwrap();
            let info = open(&dir, &Config::default()).unwrap();
            let record = load_record(&info, 1, &line);
            prop_assert_eq!(record.line, 1);
            prop_assert!(record.original_path.as_ref().is_none_or(|p| p.starts_with(&dir)));
        }
    }
}
