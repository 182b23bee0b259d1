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
//!
//! A lab without such a service looks transactions up on Tianping itself (the court's
//! verification page, a node it operates) and records what it saw in `[lab] tianping_record`,
//! with the files it kept. Those lookups decide the claims about their transactions; a
//! transaction the record does not hold stays platform-reported, and the verdict names it.
//!
//! ```toml
//! [[lookup]]
//! tianping_tx = "0x5d1c…"            # the transaction looked up
//! evidence_id = "EV-20261130-0007"   # the platform's deposit it belongs to (optional)
//! found = true                       # false: Tianping knows no such transaction
//! digests = ["8e2f…"]                # the digests Tianping shows for it
//! evaluator = "王工"
//! looked_up_at = "2026-11-30 15:20"
//! files = ["tianping/0x5d1c.png"]    # what the lab kept (hashed into the evidence)
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

/// An independent view of Tianping: the lab's verification service, or its record of
/// lookups it made itself.
pub enum TianpingSource {
    /// A service queried during the run (boxed: its client is large).
    Service(Box<TianpingService>),
    /// Lookups the lab made and recorded.
    Record(TianpingRecord),
}

/// The lab's Tianping verification service, reached through its own scoped client.
pub struct TianpingService {
    client: HttpClient,
    template: String,
    digests: String,
    host: String,
}

impl TianpingSource {
    /// The source the lab configured, or `None`. A malformed URL or record, or both kinds
    /// at once, is a configuration error.
    pub fn from_lab(
        lab: &LabConfig,
        limits: &Limits,
    ) -> Result<Option<TianpingSource>, CheckError> {
        match (&lab.tianping_lookup, &lab.tianping_record) {
            (None, None) => Ok(None),
            (Some(_), Some(_)) => Err(CheckError::Config(
                "[lab] names both tianping_lookup and tianping_record: name the one that decides"
                    .into(),
            )),
            (Some(_), None) => Ok(TianpingService::from_lab(lab, limits)?
                .map(|service| Self::Service(Box::new(service)))),
            (None, Some(file)) => TianpingRecord::load(std::path::Path::new(file))
                .map(|record| Some(Self::Record(record)))
                .map_err(|e| CheckError::Config(format!("[lab] tianping_record: {e}"))),
        }
    }

    /// How verdicts name this source for transaction `tx`.
    pub fn describe(&self, tx: &str) -> String {
        match self {
            Self::Service(service) => service.describe(),
            Self::Record(record) => record.describe(tx),
        }
    }

    /// What Tianping says of transaction `tx`; `None` when the source holds no view of it
    /// (a record without a lookup of `tx`).
    pub async fn lookup(&self, tx: &str) -> Result<Option<TianpingView>, CheckError> {
        match self {
            Self::Service(service) => service.lookup(tx).await.map(Some),
            Self::Record(record) => Ok(record.get(tx).map(RecordedLookup::view)),
        }
    }

    /// The lookups the lab recorded (none for a service).
    pub fn recorded(&self) -> &[RecordedLookup] {
        match self {
            Self::Service(_) => &[],
            Self::Record(record) => &record.lookups,
        }
    }
}

/// One transaction the lab looked up on Tianping itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedLookup {
    /// The transaction, normalised.
    pub tianping_tx: String,
    /// The platform's deposit it belongs to, when the lab noted it.
    pub evidence_id: Option<String>,
    /// Whether Tianping knows the transaction.
    pub found: bool,
    /// The digests Tianping shows for it, normalised.
    pub digests: Vec<String>,
    /// Who looked it up.
    pub evaluator: Option<String>,
    /// When.
    pub looked_up_at: Option<String>,
    /// What the lab kept of it, by digest.
    pub attachments: Vec<crate::lab::Attachment>,
}

impl RecordedLookup {
    fn view(&self) -> TianpingView {
        if self.found {
            TianpingView::Carries(self.digests.clone())
        } else {
            TianpingView::Unknown
        }
    }

    /// Who, when and with which files, in one line for the evidence.
    pub fn provenance(&self) -> String {
        let mut parts = vec![format!("tx {}", self.tianping_tx)];
        if let Some(who) = &self.evaluator {
            parts.push(format!("looked up by {who}"));
        }
        if let Some(when) = &self.looked_up_at {
            parts.push(format!("at {when}"));
        }
        for a in &self.attachments {
            parts.push(format!("{} ({} bytes, SM3 {})", a.name, a.bytes, a.sm3));
        }
        parts.join(", ")
    }
}

/// The lab's record of Tianping lookups (`[lab] tianping_record`).
#[derive(Debug, Clone)]
pub struct TianpingRecord {
    /// The record file, as the configuration names it.
    pub source: String,
    /// Its lookups, one per transaction.
    pub lookups: Vec<RecordedLookup>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRecord {
    #[serde(default)]
    lookup: Vec<RawLookup>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLookup {
    tianping_tx: String,
    evidence_id: Option<String>,
    found: bool,
    #[serde(default)]
    digests: Vec<String>,
    evaluator: Option<String>,
    looked_up_at: Option<String>,
    #[serde(default)]
    files: Vec<String>,
}

impl TianpingRecord {
    /// Loads the record; the files each lookup names are read inside its folder and hashed.
    pub fn load(path: &std::path::Path) -> Result<TianpingRecord, String> {
        let shown = path.display().to_string();
        let err = |detail: String| format!("{shown}: {detail}");
        let text = crate::files::read_regular_text(path, crate::files::MAX_SETTINGS_BYTES)
            .map_err(|e| err(e.to_string()))?;
        let raw: RawRecord = toml::from_str(&text).map_err(|e| err(e.to_string()))?;
        let base = crate::lab::folder_of(path).map_err(|e| err(e.to_string()))?;
        let mut lookups: Vec<RecordedLookup> = Vec::new();
        for l in raw.lookup {
            let tx = normalise(&l.tianping_tx);
            if tx.is_empty() {
                return Err(err("a lookup names no tianping_tx".into()));
            }
            if lookups.iter().any(|x| x.tianping_tx == tx) {
                return Err(err(format!("transaction {tx} is recorded twice")));
            }
            if l.found && l.digests.is_empty() {
                return Err(err(format!(
                    "{tx}: found = true needs the digests Tianping shows"
                )));
            }
            let attachments = crate::lab::attachments(&base, &l.files, "the record's folder")
                .map_err(|e| err(format!("{tx}: file {e}")))?;
            lookups.push(RecordedLookup {
                tianping_tx: tx,
                evidence_id: l.evidence_id,
                found: l.found,
                digests: l.digests.iter().map(|d| normalise(d)).collect(),
                evaluator: l.evaluator,
                looked_up_at: l.looked_up_at,
                attachments,
            });
        }
        Ok(TianpingRecord {
            source: shown,
            lookups,
        })
    }

    /// The lookup of `tx`, if the lab made one.
    pub fn get(&self, tx: &str) -> Option<&RecordedLookup> {
        let tx = normalise(tx);
        self.lookups.iter().find(|l| l.tianping_tx == tx)
    }

    fn describe(&self, tx: &str) -> String {
        match self.get(tx) {
            Some(lookup) => format!(
                "looked up on Tianping by the lab, as recorded in {}: {}",
                self.source,
                lookup.provenance()
            ),
            None => format!(
                "platform-reported: the lab's Tianping record {} holds no lookup of {}; look it \
                 up on Tianping and record it to verify",
                self.source,
                normalise(tx)
            ),
        }
    }
}

impl TianpingService {
    /// The service the lab configured, or `None`. A malformed URL is a configuration error.
    pub fn from_lab(
        lab: &LabConfig,
        limits: &Limits,
    ) -> Result<Option<TianpingService>, CheckError> {
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
        Ok(Some(TianpingService {
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

#[cfg(test)]
mod record_tests {
    use super::*;

    fn load(text: &str) -> Result<TianpingRecord, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lookups.toml");
        std::fs::write(&path, text).unwrap();
        TianpingRecord::load(&path)
    }

    #[test]
    fn lookups_are_read_in_one_form_and_decide_only_their_transaction() {
        let record = load(
            "[[lookup]]\ntianping_tx = \"0xABC\"\nfound = true\ndigests = [\"0XDEF\"]\n\
             [[lookup]]\ntianping_tx = \"123\"\nfound = false\n",
        )
        .unwrap();
        assert_eq!(
            record.get("abc").map(RecordedLookup::view),
            Some(TianpingView::Carries(vec!["def".into()]))
        );
        assert_eq!(
            record.get("0x123").map(RecordedLookup::view),
            Some(TianpingView::Unknown)
        );
        assert!(record.get("456").is_none());
        assert!(record.describe("456").contains("holds no lookup of 456"));
        assert!(
            record
                .describe("ABC")
                .starts_with("looked up on Tianping by the lab")
        );
    }

    #[test]
    fn a_record_that_cannot_decide_is_refused_with_the_reason() {
        for (text, why) in [
            (
                "[[lookup]]\ntianping_tx = \"a\"\nfound = false\n[[lookup]]\ntianping_tx = \"0xA\"\nfound = false\n",
                "recorded twice",
            ),
            (
                "[[lookup]]\ntianping_tx = \"a\"\nfound = true\n",
                "needs the digests",
            ),
            (
                "[[lookup]]\ntianping_tx = \" \"\nfound = false\n",
                "names no tianping_tx",
            ),
            ("[[lookup]]\ntianping_tx = \"a\"\n", "missing field `found`"),
            (
                "[[lookup]]\ntianping_tx = \"a\"\nfound = false\nfiles = [\"../x\"]\n",
                "leaves the record's folder",
            ),
        ] {
            let err = load(text).unwrap_err();
            assert!(err.contains(why), "{text}: {err}");
        }
        let lab = LabConfig {
            tianping_lookup: Some("https://v.example/{tianping_tx}".into()),
            tianping_record: Some("x.toml".into()),
            ..Default::default()
        };
        let err = TianpingSource::from_lab(&lab, &Limits::default())
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("both"), "{err}");
    }
}
