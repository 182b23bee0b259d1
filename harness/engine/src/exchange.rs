//! One HTTP exchange as a check sees it, and the ways a request can fail.
//!
//! Apart from the client in [`crate::http`] so the transcript recorder can read exchanges
//! without depending on the client that records them.

use serde_json::Value;

use crate::redact;

#[derive(Debug, Clone, thiserror::Error)]
pub enum HttpError {
    #[error("refused to contact `{0}`: not among the hosts named in the configuration")]
    OutOfScope(String),
    #[error("cannot connect to {url}: {detail}")]
    Connect { url: String, detail: String },
    #[error("request to {url} timed out after {secs} s")]
    Timeout { url: String, secs: u64 },
    #[error("response from {url} exceeds the body limit of {limit} bytes")]
    BodyTooLarge { url: String, limit: usize },
    #[error("request to {url} failed: {detail}")]
    Other { url: String, detail: String },
    #[error("response from {url} is not JSON: {detail}")]
    NotJson { url: String, detail: String },
}

/// One request and its response, as a check sees it.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub method: String,
    /// Path and query only: never credentials.
    pub path: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub elapsed_ms: u64,
}

impl Exchange {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Result<Value, HttpError> {
        serde_json::from_slice(&self.body).map_err(|e| HttpError::NotJson {
            url: self.path.clone(),
            detail: format!("{e}; body: {}", self.body_excerpt(200)),
        })
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

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
