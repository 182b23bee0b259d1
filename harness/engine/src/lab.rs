//! Manual checks are decided by the lab, not by the harness: documents sighted, an operator
//! action watched. The lab records each verdict in a TOML file, with the files it relied on;
//! the harness hashes those files into the evidence so the record is tied to what was seen.
//!
//! ```toml
//! [[record]]
//! id = "DC-012"
//! verdict = "pass"                  # pass | fail | not_applicable
//! note = "Cleanliness report dated before capture"
//! files = ["docs/dc012-cleanliness.pdf"]
//! evaluator = "王工"
//! recorded_at = "2026-11-20"
//! ```

use std::path::Path;

use serde::Deserialize;

use crate::model::CheckMeta;
use crate::verdict::Verdict;

/// The most an attachment (a scan, a screenshot, a recording) may hold.
pub const MAX_ATTACHMENT_BYTES: u64 = 1 << 30;

/// The lab's verdict on a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LabVerdict {
    /// The requirement is met.
    Pass,
    /// A nonconformity.
    Fail,
    /// The requirement does not apply; the note says why.
    NotApplicable,
}

/// A file the lab relied on, with its digests taken when the records were loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// File name as the record gives it.
    pub name: String,
    /// Size in bytes.
    pub bytes: usize,
    /// SM3 of the content, hex.
    pub sm3: String,
    /// SHA-256 of the content, hex.
    pub sha256: String,
}

impl Attachment {
    /// An attachment's digests from the regular file at `path`, streamed (a scan or a video
    /// may be large), at most [`MAX_ATTACHMENT_BYTES`].
    pub fn of_file(name: impl Into<String>, path: &Path) -> std::io::Result<Attachment> {
        use sha2::Digest as _;
        use std::io::Read as _;
        let file = crate::files::open_regular(path)?.take(MAX_ATTACHMENT_BYTES + 1);
        let (mut sm3, mut sha256) = (sm3::Sm3::new(), sha2::Sha256::new());
        let bytes = crate::files::for_each_chunk(file, |chunk| {
            sm3.update(chunk);
            sha256.update(chunk);
        })?;
        if bytes > MAX_ATTACHMENT_BYTES {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("larger than {MAX_ATTACHMENT_BYTES} bytes"),
            ));
        }
        Ok(Attachment {
            name: name.into(),
            bytes: bytes as usize,
            sm3: hex::encode(sm3.finalize()),
            sha256: hex::encode(sha256.finalize()),
        })
    }

    /// An attachment's digests from its content.
    pub fn of(name: impl Into<String>, content: &[u8]) -> Attachment {
        Attachment {
            name: name.into(),
            bytes: content.len(),
            sm3: tianping_profile::digest::sm3_hex(content),
            sha256: tianping_profile::digest::sha256_hex(content),
        }
    }
}

/// One verdict the lab recorded, with its note and attachments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabRecord {
    /// The check it decides.
    pub id: String,
    /// The lab's verdict.
    pub verdict: LabVerdict,
    /// What the lab saw.
    pub note: String,
    /// Who recorded it.
    pub evaluator: Option<String>,
    /// When.
    pub recorded_at: Option<String>,
    /// Documents the verdict rests on, by digest.
    pub attachments: Vec<Attachment>,
}

/// The lab's records for a run.
#[derive(Debug, Clone, Default)]
pub struct LabRecords {
    /// Where they came from (a file, or the reference's simulation).
    pub source: String,
    /// The records.
    pub records: Vec<LabRecord>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    record: Vec<RawRecord>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRecord {
    id: String,
    verdict: LabVerdict,
    #[serde(default)]
    note: String,
    #[serde(default)]
    files: Vec<String>,
    evaluator: Option<String>,
    recorded_at: Option<String>,
}

/// Why the records cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    /// The file is unreadable or a record is incomplete.
    #[error("lab records {path}: {detail}")]
    Invalid {
        /// The records file.
        path: String,
        /// What is wrong in it.
        detail: String,
    },
}

impl LabRecords {
    /// Loads a record file; evidence files are read relative to it and hashed now.
    pub fn load(path: &Path) -> Result<LabRecords, LabError> {
        let shown = path.display().to_string();
        let err = |detail: String| LabError::Invalid {
            path: shown.clone(),
            detail,
        };
        let text = crate::files::read_regular_text(path, crate::files::MAX_SETTINGS_BYTES)
            .map_err(|e| err(e.to_string()))?;
        let raw: RawFile = toml::from_str(&text).map_err(|e| err(e.to_string()))?;
        let base = folder_of(path).map_err(|e| err(e.to_string()))?;
        let mut records = Vec::new();
        for r in raw.record {
            if r.verdict == LabVerdict::NotApplicable && r.note.trim().is_empty() {
                return Err(err(format!(
                    "{}: not_applicable needs a note giving the reason",
                    r.id
                )));
            }
            if records
                .iter()
                .any(|x: &LabRecord| x.id.eq_ignore_ascii_case(&r.id))
            {
                return Err(err(format!("{} is recorded twice", r.id)));
            }
            let attachments = attachments(&base, &r.files, "the lab records' folder")
                .map_err(|e| err(format!("{}: evidence file {e}", r.id)))?;
            records.push(LabRecord {
                id: r.id,
                verdict: r.verdict,
                note: r.note,
                evaluator: r.evaluator,
                recorded_at: r.recorded_at,
                attachments,
            });
        }
        Ok(LabRecords {
            source: shown,
            records,
        })
    }

    /// The record for check `id`, if any.
    pub fn get(&self, id: &str) -> Option<&LabRecord> {
        self.records.iter().find(|r| r.id.eq_ignore_ascii_case(id))
    }

    /// Record ids that name no known check: reported, since they are likely typos.
    pub fn unmatched<'a>(&'a self, known: &[&str]) -> Vec<&'a str> {
        self.records
            .iter()
            .map(|r| r.id.as_str())
            .filter(|id| !known.iter().any(|k| k.eq_ignore_ascii_case(id)))
            .collect()
    }
}

/// The folder a lab file sits in, canonical: the files it names are read inside it.
pub(crate) fn folder_of(path: &Path) -> std::io::Result<std::path::PathBuf> {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .canonicalize()
}

/// The `files` a lab file names, read inside `base` (`folder` names it in errors) and hashed;
/// an error names the file.
pub(crate) fn attachments(
    base: &Path,
    files: &[String],
    folder: &str,
) -> Result<Vec<Attachment>, String> {
    files
        .iter()
        .map(|f| {
            crate::files::inside(base, f, folder)
                .and_then(|file| Attachment::of_file(f.clone(), &file).map_err(|e| e.to_string()))
                .map_err(|e| format!("{f}: {e}"))
        })
        .collect()
}

/// The outcome of a manual check: the lab's recorded verdict, or inconclusive until there is one.
pub fn verdict(records: &LabRecords, meta: &CheckMeta) -> Verdict {
    let Some(r) = records.get(meta.id) else {
        return Verdict::inconclusive(
            "manual check: awaiting the lab's recorded verdict (see [lab] records in the config)",
        )
        .zh("人工核查项：等待测评机构记录结论（见配置中的 [lab] records）");
    };
    // The note is the evaluator's own words, quoted in either language.
    let note = &r.note;
    let mut v = match r.verdict {
        LabVerdict::Pass => Verdict::pass(format!("lab verdict: pass — {note}"))
            .zh(format!("测评机构记录：符合 — “{note}”")),
        LabVerdict::Fail => Verdict::fail(format!("lab verdict: fail — {note}"))
            .zh(format!("测评机构记录：不符合 — “{note}”")),
        LabVerdict::NotApplicable => {
            Verdict::not_applicable(format!("lab verdict: not applicable — {note}"))
                .zh(format!("测评机构记录：不适用 — “{note}”"))
        }
    };
    v = v.with_labelled(("recorded in", "记录来源"), records.source.clone());
    if let Some(e) = &r.evaluator {
        v = v.with_labelled(("evaluator", "测评人员"), e.clone());
    }
    if let Some(t) = &r.recorded_at {
        v = v.with_labelled(("recorded at", "记录时间"), t.clone());
    }
    for a in &r.attachments {
        v = v.with_labelled(
            (
                &format!("evidence file {}", a.name),
                &format!("证据文件 {}", a.name),
            ),
            format!("{} bytes, SM3 {}, SHA-256 {}", a.bytes, a.sm3, a.sha256),
        );
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;

    const META: CheckMeta = CheckMeta {
        id: "DC-012",
        suite: Suite::DataCompliance,
        title_zh: "t",
        title_en: "t",
        advice_zh: "",
        advice_en: "",
        clauses: &[],
        tianping_clause: None,
        severity: Severity::Medium,
        weight: 1,
        mode: Mode::Manual,
        active: false,
        faults: &[],
        thresholds: &[],
    };

    fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn a_recorded_verdict_decides_and_its_files_are_hashed() {
        let dir = tempdir();
        write(&dir, "report.txt", "abc");
        let file = write(
            &dir,
            "lab.toml",
            "[[record]]\nid = \"DC-012\"\nverdict = \"pass\"\nnote = \"sighted\"\nfiles = [\"report.txt\"]\n",
        );
        let records = LabRecords::load(&file).unwrap();
        let v = verdict(&records, &META);
        assert!(v.is_pass());
        assert!(v.evidence.iter().any(|e| {
            e.value
                .contains("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")
        }));
    }

    #[test]
    fn no_record_is_inconclusive_not_a_pass() {
        let v = verdict(&LabRecords::default(), &META);
        assert!(matches!(v.outcome, Outcome::Inconclusive { .. }));
    }

    #[test]
    fn bad_records_are_refused_with_the_reason() {
        let dir = tempdir();
        let f = write(
            &dir,
            "a.toml",
            "[[record]]\nid = \"DC-012\"\nverdict = \"not_applicable\"\n",
        );
        assert!(
            LabRecords::load(&f)
                .unwrap_err()
                .to_string()
                .contains("needs a note")
        );
        let f = write(
            &dir,
            "b.toml",
            "[[record]]\nid = \"DC-012\"\nverdict = \"pass\"\nfiles = [\"missing.pdf\"]\n",
        );
        assert!(
            LabRecords::load(&f)
                .unwrap_err()
                .to_string()
                .contains("missing.pdf")
        );
        let f = write(
            &dir,
            "c.toml",
            "[[record]]\nid = \"DC-012\"\nverdict = \"maybe\"\n",
        );
        assert!(LabRecords::load(&f).is_err());
    }

    #[test]
    fn records_for_unknown_checks_are_reported() {
        let dir = tempdir();
        let f = write(
            &dir,
            "lab.toml",
            "[[record]]\nid = \"DC-999\"\nverdict = \"pass\"\n",
        );
        let records = LabRecords::load(&f).unwrap();
        assert_eq!(records.unmatched(&["DC-012"]), vec!["DC-999"]);
    }

    #[test]
    fn evidence_files_outside_the_records_folder_or_not_regular_are_refused() {
        let dir = tempdir();
        let outside = tempdir();
        write(&outside, "secret.txt", "not the lab's");
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(outside.join("secret.txt"), dir.join("link.txt")).unwrap();
            std::os::unix::fs::symlink("/dev/zero", dir.join("zero")).unwrap();
        }
        let escape = format!("{}/secret.txt", outside.display());
        for (file, why) in [
            ("../x.txt", "leaves the lab records' folder"),
            (escape.as_str(), "leaves the lab records' folder"),
            ("link.txt", "through a link"),
            ("zero", "leads outside"),
            (".", "leaves"),
        ] {
            let records = write(
                &dir,
                "lab.toml",
                &format!(
                    "[[record]]\nid = \"DC-012\"\nverdict = \"pass\"\nnote = \"n\"\nfiles = [\"{file}\"]\n"
                ),
            );
            let err = LabRecords::load(&records).unwrap_err().to_string();
            assert!(err.contains(why), "{file}: {err}");
        }
    }

    fn tempdir() -> std::path::PathBuf {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let d = std::env::temp_dir().join(format!(
            "tp-lab-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&d).unwrap();
        d
    }
}
