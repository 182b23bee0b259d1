//! The success rule: whether an answer is a success, a refusal, throttling or a failure.
//! Every "was it accepted / refused" decision of every check goes through it.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::exchange::Exchange;

use super::template::text_of;

/// How the platform says yes and no. Business codes are compared by their text, so `0` and
/// `"0"` are the same code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SuccessRule {
    /// HTTP statuses of a successful answer.
    pub statuses: Vec<u16>,
    /// JSON pointer of a business code in every answer, when the platform has one.
    pub code: Option<String>,
    /// Business codes meaning success; required when `code` is set.
    pub ok: Vec<Value>,
    /// Business codes meaning "slow down" (like HTTP 429).
    pub throttled: Vec<Value>,
    /// Business codes meaning the platform failed (like HTTP 5xx): never a refusal.
    pub failed: Vec<Value>,
    /// Business codes meaning "no such object" (like HTTP 404).
    pub not_found: Vec<Value>,
    /// Business codes meaning "not authenticated or not allowed" (like HTTP 401/403).
    pub denied: Vec<Value>,
}

impl Default for SuccessRule {
    fn default() -> Self {
        SuccessRule {
            statuses: vec![200, 201, 202, 204],
            code: None,
            ok: Vec::new(),
            throttled: Vec::new(),
            failed: Vec::new(),
            not_found: Vec::new(),
            denied: Vec::new(),
        }
    }
}

/// Why a request was refused, in the profile's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// Not authenticated, or not allowed (HTTP 401/403 or a declared code).
    Denied,
    /// No such object or operation (HTTP 404/405/410 or a declared code).
    NotFound,
    /// Any other refusal: the request was judged invalid.
    Invalid,
}

/// What an answer means under the adapter's success rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The platform did what was asked.
    Success,
    /// The platform refused: an HTTP 4xx, or a success status carrying a refusal code.
    Refused {
        /// What kind of refusal.
        kind: Refusal,
        /// The HTTP status.
        status: u16,
        /// The business code, when the platform sent one.
        code: Option<String>,
    },
    /// The platform asked the client to slow down: neither success nor refusal.
    Throttled {
        /// The HTTP status.
        status: u16,
        /// The business code, when there is one.
        code: Option<String>,
    },
    /// Neither success nor refusal: a server error, a redirect, or an answer the rule cannot
    /// read. The text says which.
    Failed(String),
}

impl Answer {
    /// Whether the platform did what was asked.
    pub fn is_success(&self) -> bool {
        matches!(self, Answer::Success)
    }

    /// Whether the platform refused (of any kind).
    pub fn is_refusal(&self) -> bool {
        matches!(self, Answer::Refused { .. })
    }

    /// Whether the platform refused with this kind.
    pub fn is_refusal_of(&self, kind: Refusal) -> bool {
        matches!(self, Answer::Refused { kind: k, .. } if *k == kind)
    }

    /// Whether the platform throttled the request.
    pub fn is_throttled(&self) -> bool {
        matches!(self, Answer::Throttled { .. })
    }

    /// A short description for evidence, e.g. `refused (HTTP 200, code 40001)`.
    pub fn describe(&self) -> String {
        self.describe_in(&ANSWER_WORDS_EN)
    }

    /// [`Answer::describe`] in Chinese, for the Chinese finding.
    pub fn describe_zh(&self) -> String {
        self.describe_in(&ANSWER_WORDS_ZH)
    }

    fn describe_in(&self, w: &AnswerWords) -> String {
        let with_code = |status: &u16, code: &Option<String>| match code {
            _ if *status == Exchange::TLS_REFUSED => w.no_client_certificate.to_string(),
            Some(c) => format!("HTTP {status}{}{c}", w.code),
            None => format!("HTTP {status}"),
        };
        let (open, close) = w.parentheses;
        match self {
            Answer::Success => w.success.into(),
            Answer::Refused { kind, status, code } => {
                let kind = match kind {
                    Refusal::Denied => w.denied,
                    Refusal::NotFound => w.not_found,
                    Refusal::Invalid => w.refused,
                };
                format!("{kind}{open}{}{close}", with_code(status, code))
            }
            Answer::Throttled { status, code } => {
                format!("{}{open}{}{close}", w.throttled, with_code(status, code))
            }
            Answer::Failed(why) => format!("{}{why}", w.failed),
        }
    }
}

/// The words of an answer's description in one language.
struct AnswerWords {
    success: &'static str,
    denied: &'static str,
    not_found: &'static str,
    refused: &'static str,
    throttled: &'static str,
    failed: &'static str,
    code: &'static str,
    no_client_certificate: &'static str,
    parentheses: (&'static str, &'static str),
}

const ANSWER_WORDS_EN: AnswerWords = AnswerWords {
    success: "success",
    denied: "denied",
    not_found: "not found",
    refused: "refused",
    throttled: "throttled",
    failed: "failed: ",
    code: ", code ",
    no_client_certificate: "TLS handshake, no client certificate",
    parentheses: (" (", ")"),
};

const ANSWER_WORDS_ZH: AnswerWords = AnswerWords {
    success: "成功",
    denied: "拒绝访问",
    not_found: "未找到",
    refused: "拒绝",
    throttled: "限流",
    failed: "失败：",
    code: "，业务码 ",
    no_client_certificate: "TLS 握手，未提供客户端证书",
    parentheses: ("（", "）"),
};

impl std::fmt::Display for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl SuccessRule {
    /// Checks that a business-code rule is complete.
    pub fn validate(&self) -> Result<(), String> {
        if self.statuses.is_empty() {
            return Err("success.statuses is empty: no answer could ever succeed".into());
        }
        if let Some(p) = &self.code {
            if !p.starts_with('/') {
                return Err(format!(
                    "success.code `{p}` is not a JSON pointer (must start with '/')"
                ));
            }
            if self.ok.is_empty() {
                return Err("success.code is set but success.ok lists no success code".into());
            }
        }
        Ok(())
    }

    /// Whether the answer is a file rather than a JSON document: a success status with a
    /// body that does not say it is JSON and does not parse as JSON (an original, a PDF).
    fn is_file(ex: &Exchange) -> bool {
        let says_json = ex
            .header("content-type")
            .is_some_and(|ct| ct.to_ascii_lowercase().contains("json"));
        !says_json && !ex.body.is_empty() && serde_json::from_slice::<Value>(&ex.body).is_err()
    }

    fn business_code(&self, ex: &Exchange) -> Option<String> {
        let pointer = self.code.as_deref()?;
        let doc: Value = serde_json::from_slice(&ex.body).ok()?;
        doc.pointer(pointer).filter(|v| !v.is_null()).map(text_of)
    }

    /// What `ex` means.
    pub fn judge(&self, ex: &Exchange) -> Answer {
        let status = ex.status;
        if ex.is_tls_refusal() {
            return Answer::Refused {
                kind: Refusal::Denied,
                status,
                code: None,
            };
        }
        let code = self.business_code(ex);
        let listed = |list: &[Value], code: &str| list.iter().any(|v| text_of(v) == code);
        let refusal_of_status = match status {
            401 | 403 => Refusal::Denied,
            404 | 405 | 410 => Refusal::NotFound,
            _ => Refusal::Invalid,
        };
        let by_code = |code: &String, fallback: Refusal| {
            if listed(&self.throttled, code) {
                Answer::Throttled {
                    status,
                    code: Some(code.clone()),
                }
            } else if listed(&self.failed, code) {
                Answer::Failed(format!(
                    "HTTP {status} with business code {code}, which the adapter declares a platform failure"
                ))
            } else {
                let kind = if listed(&self.denied, code) {
                    Refusal::Denied
                } else if listed(&self.not_found, code) {
                    Refusal::NotFound
                } else {
                    fallback
                };
                Answer::Refused {
                    kind,
                    status,
                    code: Some(code.clone()),
                }
            }
        };
        if status == 429 || (status == 503 && ex.header("retry-after").is_some()) {
            return Answer::Throttled { status, code };
        }
        if self.statuses.contains(&status) {
            let Some(pointer) = &self.code else {
                return Answer::Success;
            };
            return match &code {
                // A file carries no business code: its success status says it.
                None if Self::is_file(ex) => Answer::Success,
                Some(c) if listed(&self.ok, c) => Answer::Success,
                Some(c) => by_code(c, Refusal::Invalid),
                None => Answer::Failed(format!(
                    "HTTP {status} without a business code at {pointer}: neither success nor refusal"
                )),
            };
        }
        match status {
            400..=499 => match &code {
                Some(c) if !listed(&self.ok, c) => by_code(c, refusal_of_status),
                _ => Answer::Refused {
                    kind: refusal_of_status,
                    status,
                    code,
                },
            },
            500..=599 => Answer::Failed(format!(
                "HTTP {status}: the platform failed; a server error is not a refusal"
            )),
            other => Answer::Failed(format!("HTTP {other}: neither success nor refusal")),
        }
    }
}

#[cfg(test)]
mod tests {

    /// Both languages describe the same answer with the same parts.
    #[test]
    fn answers_are_described_in_both_languages() {
        let refused = Answer::Refused {
            kind: Refusal::Denied,
            status: 200,
            code: Some("40001".into()),
        };
        assert_eq!(refused.describe(), "denied (HTTP 200, code 40001)");
        assert_eq!(refused.describe_zh(), "拒绝访问（HTTP 200，业务码 40001）");
        let throttled = Answer::Throttled {
            status: 429,
            code: None,
        };
        assert_eq!(throttled.describe(), "throttled (HTTP 429)");
        assert_eq!(throttled.describe_zh(), "限流（HTTP 429）");
        let tls = Answer::Refused {
            kind: Refusal::Invalid,
            status: Exchange::TLS_REFUSED,
            code: None,
        };
        assert_eq!(
            tls.describe(),
            "refused (TLS handshake, no client certificate)"
        );
        assert_eq!(Answer::Failed("reset".into()).describe_zh(), "失败：reset");
        assert_eq!(Answer::Success.describe(), "success");
    }

    use super::*;
    use serde_json::json;

    fn ex(status: u16, body: &str) -> Exchange {
        Exchange {
            method: "POST".into(),
            path: "/x".into(),
            status,
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
            elapsed_ms: 0,
        }
    }

    #[test]
    fn by_status_alone_a_5xx_is_never_a_refusal() {
        let rule = SuccessRule::default();
        assert_eq!(rule.judge(&ex(200, "")), Answer::Success);
        assert!(rule.judge(&ex(403, "")).is_refusal_of(Refusal::Denied));
        assert!(rule.judge(&ex(404, "")).is_refusal_of(Refusal::NotFound));
        assert!(rule.judge(&ex(422, "")).is_refusal_of(Refusal::Invalid));
        assert!(rule.judge(&ex(429, "")).is_throttled());
        assert!(matches!(rule.judge(&ex(500, "")), Answer::Failed(_)));
        assert!(matches!(rule.judge(&ex(302, "")), Answer::Failed(_)));
        assert!(matches!(rule.judge(&ex(206, "")), Answer::Failed(_)));
    }

    #[test]
    fn with_business_codes_an_http_200_error_is_a_refusal() {
        let rule = SuccessRule {
            statuses: vec![200],
            code: Some("/code".into()),
            ok: vec![json!(0)],
            throttled: vec![json!("42900")],
            failed: vec![json!(50000)],
            not_found: vec![json!(40400)],
            denied: vec![json!(40100)],
        };
        assert_eq!(rule.judge(&ex(200, r#"{"code":"0"}"#)), Answer::Success);
        assert_eq!(
            rule.judge(&ex(200, r#"{"code":40001,"msg":"bad"}"#)),
            Answer::Refused {
                kind: Refusal::Invalid,
                status: 200,
                code: Some("40001".into())
            }
        );
        assert!(
            rule.judge(&ex(200, r#"{"code":40100}"#))
                .is_refusal_of(Refusal::Denied)
        );
        assert!(
            rule.judge(&ex(200, r#"{"code":40400}"#))
                .is_refusal_of(Refusal::NotFound)
        );
        assert!(rule.judge(&ex(200, r#"{"code":42900}"#)).is_throttled());
        assert!(matches!(
            rule.judge(&ex(200, r#"{"code":50000}"#)),
            Answer::Failed(_)
        ));
        // No code where one must be: not taken for success.
        assert!(matches!(
            rule.judge(&ex(200, r#"{"data":{}}"#)),
            Answer::Failed(_)
        ));
        // A file (not JSON, not said to be) carries no code: its status decides.
        assert_eq!(rule.judge(&ex(200, "%PDF-1.7 ...")), Answer::Success);
        let mut claimed_json = ex(200, "not json");
        claimed_json.headers = vec![("content-type".into(), "application/json".into())];
        assert!(matches!(rule.judge(&claimed_json), Answer::Failed(_)));
        // A gateway's own 404 without a code is still a refusal.
        assert!(rule.judge(&ex(404, "")).is_refusal_of(Refusal::NotFound));
    }

    #[test]
    fn a_code_rule_without_success_codes_is_refused() {
        let rule = SuccessRule {
            code: Some("/code".into()),
            ..SuccessRule::default()
        };
        assert!(rule.validate().is_err());
    }
}
