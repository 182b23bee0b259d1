//! A lab's waiver as it stood when it was applied to a finding.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// How a waiver stood when it was applied to a result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct WaiverNote {
    /// Why the lab accepts the finding.
    pub justification: String,
    /// Who approved the waiver.
    pub approver: String,
    /// Last day the waiver applies (inclusive).
    pub expires: NaiveDate,
    /// False when the waiver had expired: the finding counts again.
    pub active: bool,
}
