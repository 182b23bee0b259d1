//! An independent view of Tianping. The platform's own API reports its anchors and Tianping
//! transaction ids; a check that takes those on trust says so ("platform-reported"). When the
//! lab names a Tianping verification service (`[lab] tianping_lookup`), chain-side claims are
//! looked up there instead, and the verdict says which source decided.
//!
//! ```toml
//! [lab]
//! tianping_lookup = "https://verify.example/api/tx/{tianping_tx}"  # {tianping_tx}: the id
//! tianping_digests = "/data/digests"   # JSON pointer: a digest, or an array of digests
//! ```

use reqwest::Method;
use serde_json::Value;
use url::Url;

use crate::CheckError;
use crate::config::{LabConfig, Limits};
use crate::http::{HttpClient, Scope};

/// Where the lookup puts the transaction id.
const PLACEHOLDER: &str = "{tianping_tx}";
/// The pointer read when the lab names none.
const DEFAULT_DIGESTS: &str = "/digests";

/// What Tianping says of one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TianpingView {
    /// The transaction exists and carries these digests (lower-case hex, no `0x`).
    Carries(Vec<String>),
    /// Tianping knows no such transaction (HTTP 404).
    Unknown,
}

/// The lab's Tianping verification service, reached through its own scoped client.
pub struct TianpingSource {
    client: HttpClient,
    template: String,
    digests: String,
    host: String,
}

impl TianpingSource {
    /// The source the lab configured, or `None`. A malformed URL is a configuration error.
    pub fn from_lab(
        lab: &LabConfig,
        limits: &Limits,
    ) -> Result<Option<TianpingSource>, CheckError> {
        let Some(template) = &lab.tianping_lookup else {
            return Ok(None);
        };
        let bad = |why: String| CheckError::Config(format!("[lab] tianping_lookup: {why}"));
        if !template.contains(PLACEHOLDER) {
            return Err(bad(format!("the URL must hold {PLACEHOLDER}")));
        }
        let url =
            Url::parse(&template.replace(PLACEHOLDER, "x")).map_err(|e| bad(e.to_string()))?;
        if !matches!(url.scheme(), "https" | "http") || !url.username().is_empty() {
            return Err(bad("an http(s) URL without credentials".into()));
        }
        let host = url.host_str().unwrap_or_default().to_string();
        let client = HttpClient::new(url, Scope::new([host.clone()]), limits.clone())
            .map_err(|e| bad(e.to_string()))?;
        let digests = lab
            .tianping_digests
            .clone()
            .unwrap_or_else(|| DEFAULT_DIGESTS.to_string());
        if !digests.is_empty() && !digests.starts_with('/') {
            return Err(CheckError::Config(format!(
                "[lab] tianping_digests: `{digests}` is not a JSON pointer"
            )));
        }
        Ok(Some(TianpingSource {
            client,
            template: template.clone(),
            digests,
            host,
        }))
    }

    /// How verdicts name this source.
    pub fn describe(&self) -> String {
        format!(
            "looked up on Tianping through the lab's verification service at {}",
            self.host
        )
    }

    /// What Tianping says of transaction `tx`. An answer that is neither the transaction nor
    /// a 404 leaves the question undecided (a protocol error naming what came back).
    pub async fn lookup(&self, tx: &str) -> Result<TianpingView, CheckError> {
        let id: String = url::form_urlencoded::byte_serialize(tx.trim().as_bytes()).collect();
        let url = Url::parse(&self.template.replace(PLACEHOLDER, &id))
            .map_err(|e| CheckError::protocol(format!("Tianping lookup of `{tx}`: {e}")))?;
        let answer = self.client.send_url(Method::GET, url, &[], None).await?;
        match answer.status {
            404 => return Ok(TianpingView::Unknown),
            200..=299 => {}
            status => {
                return Err(CheckError::protocol(format!(
                    "the Tianping lookup of {tx} answered HTTP {status}: Tianping's view is unknown"
                )));
            }
        }
        let body: Value = serde_json::from_slice(&answer.body).map_err(|e| {
            CheckError::protocol(format!("the Tianping lookup of {tx} is not JSON: {e}"))
        })?;
        let found = body.pointer(&self.digests).ok_or_else(|| {
            CheckError::protocol(format!(
                "the Tianping lookup of {tx} has nothing at {}",
                self.digests
            ))
        })?;
        let digests = match found {
            Value::String(one) => vec![normalise(one.as_str())],
            Value::Array(many) => many
                .iter()
                .filter_map(Value::as_str)
                .map(normalise)
                .collect(),
            other => {
                return Err(CheckError::protocol(format!(
                    "the Tianping lookup of {tx} holds {other} at {}, not digests",
                    self.digests
                )));
            }
        };
        Ok(TianpingView::Carries(digests))
    }
}

/// Hex as Tianping or a platform may write it (`0x`, upper case), in one form.
pub fn normalise(hex: &str) -> String {
    let hex = hex.trim();
    hex.strip_prefix("0x")
        .or_else(|| hex.strip_prefix("0X"))
        .unwrap_or(hex)
        .to_ascii_lowercase()
}
