//! Results are appended to `journal.jsonl` as each check finishes, so an interrupted run
//! loses nothing and `--resume` can continue it. A torn last line (killed mid-write: no
//! newline after it) is ignored, and cut off before anything is appended, so the next result
//! starts a line of its own; anything else malformed is an error naming its line, never
//! silently dropped.

use std::fs::{File, OpenOptions};
use std::io::{BufReader, Read, Write};
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
    /// An applicant's self-test (`run --self-test`), so results written from the journal of an
    /// interrupted run still say so.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub self_test: bool,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Line {
    Header(Box<JournalHeader>),
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
        journal.write_line(&Line::Header(Box::new(header.clone())))?;
        Ok(journal)
    }

    /// Reopens an existing journal for appending after [`load`], first cutting off a torn
    /// last line (anything after the last newline).
    pub fn append_to(dir: &Path) -> Result<Journal, JournalError> {
        let path = dir.join(JOURNAL_FILE);
        let io = |source| JournalError::Io {
            path: path.display().to_string(),
            source,
        };
        let bytes = std::fs::read(&path).map_err(io)?;
        let complete = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        let file = OpenOptions::new().append(true).open(&path).map_err(io)?;
        if complete < bytes.len() {
            file.set_len(complete as u64).map_err(io)?;
            file.sync_data().map_err(io)?;
        }
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
    let mut bytes = Vec::new();
    BufReader::new(file)
        .read_to_end(&mut bytes)
        .map_err(|source| JournalError::Io {
            path: shown.clone(),
            source,
        })?;
    // Only a last line without its newline can be torn; a complete line must parse.
    let torn_tail = !bytes.is_empty() && !bytes.ends_with(b"\n");
    let text = String::from_utf8_lossy(&bytes);
    let lines: Vec<&str> = text.lines().collect();
    let mut header = None;
    let mut results: Vec<CheckResult> = Vec::new();
    let last = lines.len().saturating_sub(1);
    for (i, text) in lines.iter().enumerate() {
        if text.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Line>(text) {
            Ok(Line::Header(h)) => header = Some(*h),
            Ok(Line::Result(r)) => {
                results.retain(|old| old.id != r.id);
                results.push(*r);
            }
            Err(_) if i == last && torn_tail => break, // torn final write
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

#[cfg(test)]
mod tests {
    use super::*;

    fn result(id: &str) -> CheckResult {
        let mut r = crate::runner::result_of(
            &crate::runner::tests::META,
            crate::Verdict::pass("ok"),
            String::new(),
            std::time::Duration::ZERO,
        );
        r.id = id.to_string();
        r
    }

    fn header() -> JournalHeader {
        JournalHeader {
            run_id: "r".into(),
            started_at: "2026-12-02T00:00:00Z".into(),
            target: TargetSummary {
                base_url: "https://h".into(),
                kind: "live".into(),
                reference_faults: Vec::new(),
                adapter: None,
                declarations: Vec::new(),
                transport: None,
            },
            config_sm3: "0".repeat(64),
            self_test: false,
        }
    }

    /// Appends a torn half line, as a kill mid-write leaves.
    fn tear(dir: &Path) {
        let mut f = OpenOptions::new()
            .append(true)
            .open(dir.join(JOURNAL_FILE))
            .unwrap();
        f.write_all(br#"{"kind":"result","id":"TORN"#).unwrap();
    }

    #[test]
    fn torn_tails_are_cut_before_appending_however_often_a_run_is_interrupted() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = Journal::create(dir.path(), &header()).unwrap();
        journal.record(&result("A")).unwrap();
        for id in ["B", "C", "D"] {
            tear(dir.path());
            let (_, done) = load(dir.path()).unwrap();
            assert!(done.iter().all(|r| r.id != "TORN"));
            Journal::append_to(dir.path())
                .unwrap()
                .record(&result(id))
                .unwrap();
        }
        let (_, done) = load(dir.path()).unwrap();
        let ids: Vec<&str> = done.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["A", "B", "C", "D"]);
    }

    #[test]
    fn a_complete_line_that_does_not_parse_is_corrupt_and_named() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = Journal::create(dir.path(), &header()).unwrap();
        journal.record(&result("A")).unwrap();
        let path = dir.path().join(JOURNAL_FILE);
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str("{not a result}\n");
        std::fs::write(&path, text).unwrap();
        let err = load(dir.path()).unwrap_err();
        assert!(
            matches!(err, JournalError::Corrupt { line: 3, .. }),
            "{err}"
        );
    }
}
