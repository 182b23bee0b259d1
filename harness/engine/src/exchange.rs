//! One HTTP exchange as a check sees it, and the ways a request can fail.
//!
//! Apart from the client in [`crate::http`] so the transcript recorder can read exchanges
//! without depending on the client that records them.

use serde_json::Value;

use crate::redact;

/// Why a request got no usable answer.
#[derive(Debug, Clone, thiserror::Error)]
pub enum HttpError {
    /// The host is not among those the user named: nothing was sent.
    #[error("refused to contact `{0}`: not among the hosts named in the configuration")]
    OutOfScope(String),
    /// No connection could be made.
    #[error("cannot connect to {url}: {detail}")]
    Connect {
        /// The URL (secret query values masked).
        url: String,
        /// What the connection attempt reported.
        detail: String,
    },
    /// No whole answer within the timeout.
    #[error("request to {url} timed out after {secs} s")]
    Timeout {
        /// The URL (secret query values masked).
        url: String,
        /// The timeout that passed.
        secs: u64,
    },
    /// The answer is larger than the body limit.
    #[error("response from {url} exceeds the body limit of {limit} bytes")]
    BodyTooLarge {
        /// The URL (secret query values masked).
        url: String,
        /// The body limit in bytes.
        limit: usize,
    },
    /// The request failed otherwise.
    #[error("request to {url} failed: {detail}")]
    Other {
        /// The URL (secret query values masked).
        url: String,
        /// What failed.
        detail: String,
    },
    /// The answer should be JSON and is not.
    #[error("response from {url} is not JSON: {detail}")]
    NotJson {
        /// The URL (secret query values masked).
        url: String,
        /// The parser's complaint and an excerpt of the body.
        detail: String,
    },
}

/// One request and its response, as a check sees it.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// Request method.
    pub method: String,
    /// Path and query only: never credentials.
    pub path: String,
    /// Response status.
    pub status: u16,
    /// Response headers, in order.
    pub headers: Vec<(String, String)>,
    /// Response body, at most the body limit.
    pub body: Vec<u8>,
    /// Time from request to whole answer.
    pub elapsed_ms: u64,
}

impl Exchange {
    /// The status of an exchange that never reached HTTP because the TLS layer refused a
    /// connection that presented no client certificate (mutual TLS).
    pub const TLS_REFUSED: u16 = 0;

    /// The record of a request refused at the TLS layer for want of a client certificate:
    /// no status, no headers, the TLS library's words as the body.
    pub fn refused_by_tls(method: &str, path: &str, detail: &str) -> Exchange {
        Exchange {
            method: method.to_string(),
            path: path.to_string(),
            status: Exchange::TLS_REFUSED,
            headers: Vec::new(),
            body: format!("TLS connection without a client certificate refused: {detail}")
                .into_bytes(),
            elapsed_ms: 0,
        }
    }

    /// Whether the TLS layer refused the connection before any HTTP answer.
    pub fn is_tls_refusal(&self) -> bool {
        self.status == Exchange::TLS_REFUSED
    }

    /// The first response header of this name, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON.
    pub fn json(&self) -> Result<Value, HttpError> {
        serde_json::from_slice(&self.body).map_err(|e| HttpError::NotJson {
            url: self.path.clone(),
            detail: format!("{e}; body: {}", self.body_excerpt(200)),
        })
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as text, secret JSON fields masked, cut at `max` characters.
    pub fn body_excerpt(&self, max: usize) -> String {
        match serde_json::from_slice::<Value>(&self.body) {
            Ok(v) => redact::truncate(&redact::redact_json(&v).to_string(), max),
            Err(_) => redact::truncate(&String::from_utf8_lossy(&self.body), max),
        }
    }

    /// `POST /api/v1/evidence → 200 {…}`, with secret fields masked.
    pub fn excerpt(&self) -> String {
        format!(
            "{} {} → {} {}",
            self.method,
            self.path,
            self.status,
            self.body_excerpt(600)
        )
    }
}
