//! Results are appended to `journal.jsonl` as each check finishes, so an interrupted run
//! loses nothing and `--resume` can continue it. A torn last line (killed mid-write) is
//! ignored; anything else malformed is an error, not silently dropped.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::model::{CheckResult, TargetSummary};

/// The journal's file name in the run folder.
pub const JOURNAL_FILE: &str = "journal.jsonl";

/// First line of a journal: which run, when, against what, with which settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalHeader {
    /// Identifier of the run.
    pub run_id: String,
    /// When it started (RFC 3339).
    pub started_at: String,
    /// What it evaluates.
    pub target: TargetSummary,
    /// SM3 of the configuration; a resume must match it.
    pub config_sm3: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Line {
    Header(JournalHeader),
    Result(Box<CheckResult>),
}

/// Why a journal cannot be written or read.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// Reading or writing failed.
    #[error("journal {path}: {source}")]
    Io {
        /// The journal file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A line cannot be read back.
    #[error("journal {path} line {line} is corrupt: {detail}")]
    Corrupt {
        /// The journal file.
        path: String,
        /// The line number.
        line: usize,
        /// What is wrong with it.
        detail: String,
    },
    /// The journal has no header line.
    #[error("journal {0} has no header line")]
    NoHeader(String),
}

/// An open journal: each result is appended and flushed as it lands.
pub struct Journal {
    path: PathBuf,
    file: File,
}

impl Journal {
    /// Starts a new journal in `dir` with its header.
    pub fn create(dir: &Path, header: &JournalHeader) -> Result<Journal, JournalError> {
        let path = dir.join(JOURNAL_FILE);
        let file = File::create(&path).map_err(|source| JournalError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let mut journal = Journal { path, file };
        journal.write_line(&Line::Header(header.clone()))?;
        Ok(journal)
    }

    /// Reopens an existing journal for appending after [`load`].
    pub fn append_to(dir: &Path) -> Result<Journal, JournalError> {
        let path = dir.join(JOURNAL_FILE);
        let file = OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(|source| JournalError::Io {
                path: path.display().to_string(),
                source,
            })?;
        Ok(Journal { path, file })
    }

    /// Appends one result and flushes it.
    pub fn record(&mut self, result: &CheckResult) -> Result<(), JournalError> {
        self.write_line(&Line::Result(Box::new(result.clone())))
    }

    fn write_line(&mut self, line: &Line) -> Result<(), JournalError> {
        let mut text = serde_json::to_string(line).expect("results serialize");
        text.push('\n');
        let io = |source| JournalError::Io {
            path: self.path.display().to_string(),
            source,
        };
        self.file.write_all(text.as_bytes()).map_err(io)?;
        self.file.sync_data().map_err(io)
    }
}

/// Reads a journal: its header and the results recorded so far (later lines win).
pub fn load(dir: &Path) -> Result<(JournalHeader, Vec<CheckResult>), JournalError> {
    let path = dir.join(JOURNAL_FILE);
    let shown = path.display().to_string();
    let file = File::open(&path).map_err(|source| JournalError::Io {
        path: shown.clone(),
        source,
    })?;
    let lines: Vec<String> = BufReader::new(file)
        .lines()
        .collect::<Result<_, _>>()
        .map_err(|source| JournalError::Io {
            path: shown.clone(),
            source,
        })?;
    let mut header = None;
    let mut results: Vec<CheckResult> = Vec::new();
    let last = lines.len().saturating_sub(1);
    for (i, text) in lines.iter().enumerate() {
        if text.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Line>(text) {
            Ok(Line::Header(h)) => header = Some(h),
            Ok(Line::Result(r)) => {
                results.retain(|old| old.id != r.id);
                results.push(*r);
            }
            Err(_) if i == last => break, // torn final write
            Err(e) => {
                return Err(JournalError::Corrupt {
                    path: shown,
                    line: i + 1,
                    detail: e.to_string(),
                });
            }
        }
    }
    let header = header.ok_or(JournalError::NoHeader(shown))?;
    Ok((header, results))
}
