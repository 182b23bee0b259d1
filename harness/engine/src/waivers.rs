//! Waivers: the lab accepts a finding, with a justification, an approver and an expiry date.
//! A waived finding stays in every output, marked as waived; an expired waiver no longer
//! applies; a waiver that matches no failed check is reported, since it is likely stale.
//!
//! ```toml
//! [[waiver]]
//! id = "SS-021"
//! justification = "CDN adds no-store at the edge; origin fix scheduled"
//! approver = "李工 (lab technical lead)"
//! expires = "2027-01-31"
//! ```

use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::model::{CheckResult, Outcome, WaiverNote};

/// A finding the lab accepts, with a justification, an approver and an expiry date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    /// The check whose finding is accepted.
    pub id: String,
    /// Why.
    pub justification: String,
    /// Who approved it.
    pub approver: String,
    /// Last day the waiver applies (inclusive).
    pub expires: NaiveDate,
}

/// The lab's waivers for a run.
#[derive(Debug, Clone, Default)]
pub struct Waivers {
    /// The waivers.
    pub waivers: Vec<Waiver>,
}

/// Why a waivers file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum WaiverError {
    /// The file cannot be read.
    #[error("waivers {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid TOML or has an unknown key.
    #[error("waivers {path}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// What the TOML parser said.
        message: String,
    },
    /// A waiver lacks its justification or its approver.
    #[error("waivers {path}: {id} needs a justification and an approver")]
    Incomplete {
        /// The file.
        path: String,
        /// The check the waiver names.
        id: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    waiver: Vec<Waiver>,
}

impl Waivers {
    /// Reads a waivers file; a waiver without justification or approver is an error.
    pub fn load(path: &Path) -> Result<Waivers, WaiverError> {
        let shown = || path.display().to_string();
        let text = crate::files::read_regular_text(path, crate::files::MAX_SETTINGS_BYTES)
            .map_err(|source| WaiverError::Read {
                path: shown(),
                source,
            })?;
        let file: File = toml::from_str(&text).map_err(|e| WaiverError::Parse {
            path: shown(),
            message: e.to_string(),
        })?;
        for w in &file.waiver {
            if w.justification.trim().is_empty() || w.approver.trim().is_empty() {
                return Err(WaiverError::Incomplete {
                    path: shown(),
                    id: w.id.clone(),
                });
            }
        }
        Ok(Waivers {
            waivers: file.waiver,
        })
    }

    /// Marks the failed results a waiver covers; returns descriptions of waivers that match
    /// no failed check.
    pub fn apply(&self, results: &mut [CheckResult], today: NaiveDate) -> Vec<String> {
        let mut unmatched = Vec::new();
        for w in &self.waivers {
            match results
                .iter_mut()
                .find(|r| r.id.eq_ignore_ascii_case(&w.id))
            {
                Some(r) if r.outcome == Outcome::Fail => {
                    r.waiver = Some(WaiverNote {
                        justification: w.justification.clone(),
                        approver: w.approver.clone(),
                        expires: w.expires,
                        active: today <= w.expires,
                    });
                }
                Some(r) => unmatched.push(format!(
                    "{}: the check did not fail ({}); the waiver is not needed",
                    w.id,
                    r.outcome.key()
                )),
                None => unmatched.push(format!("{}: no such check in this run", w.id)),
            }
        }
        unmatched
    }
}
