//! What a check decided ([`Verdict`]) and why it could not decide ([`CheckError`]).
//!
//! Kept apart from [`crate::check`] so the context, the package reader and the lab records can
//! produce verdicts without depending on the check registry.

use crate::model::{Evidence, Outcome, Samples, ThresholdUsed};

/// Why a check could not decide. Becomes an `inconclusive` outcome, never a pass.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The request got no usable answer.
    #[error("{0}")]
    Transport(#[from] crate::exchange::HttpError),
    /// A TLS connection failed.
    #[error("{0}")]
    Tls(#[from] crate::tls::TlsError),
    /// A response field is missing or malformed.
    #[error("response field `{field}` missing or malformed: {detail}")]
    Field {
        /// The logical field name.
        field: String,
        /// What was wrong with it.
        detail: String,
    },
    /// A control (the same operation done right, in the same run) did not succeed, so the
    /// probe that needs it proves nothing: never a pass.
    #[error("{control} did not succeed, so the probe proves nothing: {answer}")]
    NoControl {
        /// The control that should have succeeded.
        control: String,
        /// What the platform answered instead.
        answer: String,
    },
    /// The platform does not offer what the check needs (an endpoint, self-registration):
    /// the lab decides the check with a record.
    #[error("the platform has no {what} ({detail}); a lab record decides this check")]
    NotOffered {
        /// What is missing.
        what: String,
        /// Where it was looked for and what came back.
        detail: String,
    },
    /// PEM text in an answer cannot be read.
    #[error("{0}")]
    Pem(#[from] tianping_profile::pem::PemError),
    /// Something the platform accepted did not complete in the time the adapter allows.
    #[error("{what} did not complete: {detail}")]
    Incomplete {
        /// What did not complete.
        what: String,
        /// Polls made, time waited, the last answer.
        detail: String,
    },
    /// The answer does not follow the protocol.
    #[error("unexpected response: {0}")]
    Protocol(String),
    /// The configuration does not allow the check to run.
    #[error("configuration: {0}")]
    Config(String),
}

impl CheckError {
    /// An unexpected answer, in words.
    pub fn protocol(msg: impl Into<String>) -> Self {
        CheckError::Protocol(msg.into())
    }
}

/// What a check decided, with the evidence that decided it.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// What was decided.
    pub outcome: Outcome,
    /// One sentence a reader can act on.
    pub summary: String,
    /// Labelled evidence, in order.
    pub evidence: Vec<Evidence>,
    /// Items examined and failed, for checks over samples.
    pub samples: Option<Samples>,
    /// Lab thresholds used, with their values.
    pub thresholds: Vec<ThresholdUsed>,
}

impl Verdict {
    fn new(outcome: Outcome, summary: impl Into<String>) -> Self {
        Verdict {
            outcome,
            summary: summary.into(),
            evidence: Vec::new(),
            samples: None,
            thresholds: Vec::new(),
        }
    }

    /// A pass.
    pub fn pass(summary: impl Into<String>) -> Self {
        Self::new(Outcome::Pass, summary)
    }

    /// A nonconformity.
    pub fn fail(summary: impl Into<String>) -> Self {
        Self::new(Outcome::Fail, summary)
    }

    /// Not applicable, for this reason.
    pub fn not_applicable(reason: impl Into<String>) -> Self {
        let reason = reason.into();
        Self::new(
            Outcome::NotApplicable {
                reason: reason.clone(),
            },
            reason,
        )
    }

    /// Undecided, for this reason.
    pub fn inconclusive(error: impl Into<String>) -> Self {
        let error = error.into();
        Self::new(
            Outcome::Inconclusive {
                error: error.clone(),
            },
            error,
        )
    }

    /// Pass when `failures` is empty, otherwise fail listing them; counts as samples. Nothing
    /// examined is nothing to judge: inconclusive, never a pass.
    pub fn from_samples(examined: u64, failures: &[String], what: &str) -> Self {
        let mut v = if examined == 0 && failures.is_empty() {
            Verdict::inconclusive(format!("nothing to examine: no {what} were found"))
        } else if failures.is_empty() {
            Verdict::pass(format!("all {examined} {what} conform"))
        } else {
            Verdict::fail(format!(
                "{} of {examined} {what} do not conform",
                failures.len()
            ))
        };
        for f in failures.iter().take(20) {
            v = v.with("nonconforming", f);
        }
        v.samples = Some(Samples {
            examined,
            failed: failures.len() as u64,
        });
        v
    }

    /// As [`Verdict::from_samples`], for attempts at breaking one requirement (weak passwords,
    /// default accounts, forged or unauthenticated requests, exposed ports): one attempt that
    /// succeeds is the whole finding, not a fraction of it. So no samples are recorded and a
    /// failure loses the check's whole weight in the score.
    pub fn from_probes(sent: u64, findings: &[String], what: &str) -> Self {
        let mut v = Self::from_samples(sent, findings, what);
        v.samples = None;
        v
    }

    /// Adds one labelled piece of evidence.
    pub fn with(mut self, label: impl Into<String>, value: impl Into<String>) -> Self {
        self.evidence.push(Evidence {
            label: label.into(),
            value: value.into(),
        });
        self
    }

    /// Adds labelled evidence lines in order.
    pub fn with_all<K: Into<String>, V: Into<String>>(
        self,
        lines: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        lines.into_iter().fold(self, |v, (k, val)| v.with(k, val))
    }

    /// Discloses a lab threshold and the value used.
    pub fn with_threshold(mut self, name: impl Into<String>, value: impl ToString) -> Self {
        self.thresholds.push(ThresholdUsed {
            name: name.into(),
            value: value.to_string(),
        });
        self
    }

    /// The rule no check escapes: a pass over zero samples is no pass. Applied to every
    /// verdict before it becomes a result.
    pub fn no_vacuous_pass(self) -> Self {
        match (&self.outcome, self.samples) {
            (Outcome::Pass, Some(Samples { examined: 0, .. })) => {
                let mut v = Verdict::inconclusive(format!(
                    "nothing to examine: the check found no samples ({})",
                    self.summary
                ));
                v.evidence = self.evidence;
                v.samples = self.samples;
                v.thresholds = self.thresholds;
                v
            }
            _ => self,
        }
    }

    /// Whether this is a pass.
    pub fn is_pass(&self) -> bool {
        self.outcome == Outcome::Pass
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_samples_is_never_a_pass() {
        let v = Verdict::from_samples(0, &[], "blocks");
        assert!(
            matches!(&v.outcome, Outcome::Inconclusive { error } if error.contains("nothing to examine")),
            "{v:?}"
        );
        let v = Verdict::from_probes(0, &[], "probes");
        assert!(matches!(v.outcome, Outcome::Inconclusive { .. }), "{v:?}");
        // However a verdict was built, the rule applies before it becomes a result.
        let mut hand_made = Verdict::pass("all 0 transactions conform");
        hand_made.samples = Some(Samples {
            examined: 0,
            failed: 0,
        });
        assert!(matches!(
            hand_made.no_vacuous_pass().outcome,
            Outcome::Inconclusive { .. }
        ));
        let v = Verdict::from_samples(3, &[], "blocks").no_vacuous_pass();
        assert_eq!(v.outcome, Outcome::Pass);
    }
}
