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

    /// The same reason in Chinese, for the Chinese report. What the platform or the network
    /// said is quoted as it came.
    pub fn zh(&self) -> String {
        match self {
            CheckError::Transport(e) => format!("请求未得到可用的应答：{e}"),
            CheckError::Tls(e) => format!("TLS 连接失败：{e}"),
            CheckError::Field { field, detail } => {
                format!("应答字段 `{field}` 缺失或格式错误：{detail}")
            }
            CheckError::NoControl { control, answer } => {
                format!("对照操作（{control}）未成功，本项探测不能说明任何问题：{answer}")
            }
            CheckError::NotOffered { what, detail } => {
                format!("平台未提供所需功能（{what}；{detail}），本项由测评机构记录判定")
            }
            CheckError::Pem(e) => format!("应答中的 PEM 文本无法读取：{e}"),
            CheckError::Incomplete { what, detail } => {
                format!("{what} 未在允许的时间内完成：{detail}")
            }
            CheckError::Protocol(msg) => format!("意外的应答：{msg}"),
            CheckError::Config(msg) => format!("配置不允许运行本检查：{msg}"),
        }
    }
}

/// What a verdict over samples or probes counts, in both languages: `("transactions",
/// "交易")`. A bare `&str` is English only.
#[derive(Debug, Clone, Copy)]
pub struct Counted<'a> {
    /// The English plural noun.
    pub en: &'a str,
    /// The Chinese noun, when the check gives one.
    pub zh: Option<&'a str>,
}

impl<'a> From<&'a str> for Counted<'a> {
    fn from(en: &'a str) -> Self {
        Counted { en, zh: None }
    }
}

impl<'a> From<(&'a str, &'a str)> for Counted<'a> {
    fn from((en, zh): (&'a str, &'a str)) -> Self {
        Counted { en, zh: Some(zh) }
    }
}

/// One thing found wrong, in both languages with the same parameters, so a failing verdict
/// that lists problems reads the same in `report-en` and `report-zh`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The problem in English.
    pub en: String,
    /// The same problem in Chinese.
    pub zh: String,
}

impl Problem {
    /// A problem in English and Chinese.
    pub fn new(en: impl Into<String>, zh: impl Into<String>) -> Self {
        Problem {
            en: en.into(),
            zh: zh.into(),
        }
    }
}

/// The English texts of `problems`, for callers that list them as sample failures.
pub fn problems_en(problems: &[Problem]) -> Vec<String> {
    problems.iter().map(|p| p.en.clone()).collect()
}

/// The label of each item a verdict over samples lists as failing.
pub const NONCONFORMING: (&str, &str) = ("nonconforming", "不符合项");

/// What a check decided, with the evidence that decided it.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// What was decided.
    pub outcome: Outcome,
    /// One sentence a reader can act on.
    pub summary: String,
    /// The same sentence in Chinese, when the check writes one ([`Verdict::zh`]).
    pub summary_zh: Option<String>,
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
            summary_zh: None,
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

    /// The finding in Chinese, with the same parameters as the English one.
    pub fn zh(mut self, summary: impl Into<String>) -> Self {
        self.summary_zh = Some(summary.into());
        self
    }

    /// A nonconformity listing `problems`, in both languages.
    pub fn fail_listing(problems: &[Problem]) -> Self {
        let en: Vec<&str> = problems.iter().map(|p| p.en.as_str()).collect();
        let zh: Vec<&str> = problems.iter().map(|p| p.zh.as_str()).collect();
        Verdict::fail(en.join("; ")).zh(format!("不符合：{}", zh.join("；")))
    }

    /// Undecided: `lead` (English, Chinese) followed by the `reasons`, in both languages.
    pub fn undecided_listing(lead: (&str, &str), reasons: &[Problem]) -> Self {
        let en: Vec<&str> = reasons.iter().map(|p| p.en.as_str()).collect();
        let zh: Vec<&str> = reasons.iter().map(|p| p.zh.as_str()).collect();
        Verdict::inconclusive(format!("{}: {}", lead.0, en.join("; "))).zh(format!(
            "{}：{}",
            lead.1,
            zh.join("；")
        ))
    }

    /// An inconclusive verdict for `error`, in both languages.
    pub fn from_error(error: &CheckError) -> Self {
        Verdict::inconclusive(error.to_string()).zh(error.zh())
    }

    /// Pass when `failures` is empty, otherwise fail listing them; counts as samples. Nothing
    /// examined is nothing to judge: inconclusive, never a pass.
    pub fn from_samples<'a>(
        examined: u64,
        failures: &[String],
        what: impl Into<Counted<'a>>,
    ) -> Self {
        let what = what.into();
        let (en, zh) = (what.en, what.zh);
        let failed = failures.len();
        let mut v = if examined == 0 && failures.is_empty() {
            Verdict::inconclusive(format!("nothing to examine: no {en} were found"))
                .zh_with(zh, |w| format!("没有可检查的对象：未发现{w}"))
        } else if failures.is_empty() {
            Verdict::pass(format!("all {examined} {en} conform"))
                .zh_with(zh, |w| format!("检查{w} {examined} 个，全部符合"))
        } else {
            Verdict::fail(format!("{failed} of {examined} {en} do not conform")).zh_with(zh, |w| {
                format!("检查{w} {examined} 个，其中 {failed} 个不符合")
            })
        };
        for f in failures.iter().take(20) {
            v = v.with_labelled(NONCONFORMING, f);
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
    pub fn from_probes<'a>(sent: u64, findings: &[String], what: impl Into<Counted<'a>>) -> Self {
        let mut v = Self::from_samples(sent, findings, what);
        v.samples = None;
        v
    }

    /// Sets the Chinese finding made from `noun`, when there is one.
    fn zh_with(self, noun: Option<&str>, sentence: impl FnOnce(&str) -> String) -> Self {
        match noun {
            Some(w) => self.zh(sentence(w)),
            None => self,
        }
    }

    /// Adds one labelled piece of evidence.
    pub fn with(mut self, label: impl Into<String>, value: impl Into<String>) -> Self {
        self.evidence.push(Evidence {
            label: label.into(),
            label_zh: None,
            value: value.into(),
        });
        self
    }

    /// Adds one piece of evidence labelled in English and Chinese.
    pub fn with_labelled(mut self, (en, zh): (&str, &str), value: impl Into<String>) -> Self {
        self.evidence.push(Evidence {
            label: en.into(),
            label_zh: Some(zh.into()),
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
                ))
                .zh("没有可检查的对象：本检查未取得任何样本");
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

    #[test]
    fn a_finding_over_samples_is_written_in_both_languages_when_the_noun_is() {
        let v = Verdict::from_samples(5, &["block 3: bad link".into()], ("blocks", "区块"));
        assert_eq!(v.summary, "1 of 5 blocks do not conform");
        assert_eq!(
            v.summary_zh.as_deref(),
            Some("检查区块 5 个，其中 1 个不符合")
        );
        let v = Verdict::from_samples(0, &[], ("blocks", "区块"));
        assert_eq!(
            v.summary_zh.as_deref(),
            Some("没有可检查的对象：未发现区块")
        );
        assert_eq!(Verdict::from_samples(2, &[], "blocks").summary_zh, None);
        let e = CheckError::Field {
            field: "tx_id".into(),
            detail: "absent".into(),
        };
        let v = Verdict::from_error(&e);
        assert!(matches!(v.outcome, Outcome::Inconclusive { .. }));
        assert_eq!(
            v.summary_zh.as_deref(),
            Some("应答字段 `tx_id` 缺失或格式错误：absent")
        );
    }
}
