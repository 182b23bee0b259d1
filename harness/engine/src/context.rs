//! Everything a check may use: the scoped client, the field map, credentials, thresholds.

use std::sync::atomic::{AtomicU64, Ordering};

use reqwest::Method;
use rustls::pki_types::CertificateDer;
use serde_json::Value;
use url::Url;

use crate::config::{Config, Credentials};
use crate::fields::FieldMap;
use crate::http::{Exchange, HttpClient, HttpError, Scope};
use crate::verdict::CheckError;

/// The longest Retry-After a signed request waits out before trying once more.
const MAX_POLITE_WAIT_SECS: u64 = 5;

/// Which of the lab's depositor accounts signs a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Account {
    /// The lab's test account, used by every check.
    Primary,
    /// A second account, for access-control checks (SS-009).
    Second,
}

/// Everything a check may use: the scoped client, the field map, the credentials, the
/// configuration and the lab's records.
pub struct Ctx {
    /// The configuration of the run.
    pub config: Config,
    /// The only way to the network.
    pub http: HttpClient,
    /// Where each logical field sits in the platform's JSON.
    pub fields: FieldMap,
    /// The lab's accounts.
    pub credentials: Credentials,
    /// Trust anchors the lab accepts, DER.
    pub trust_roots: Vec<CertificateDer<'static>>,
    /// Verdicts the lab recorded for manual checks.
    pub lab_records: crate::lab::LabRecords,
    /// Run folder whose `evidence/<check ID>/` receives each check's raw transcript.
    pub evidence_root: Option<std::path::PathBuf>,
    nonce_counter: AtomicU64,
}

impl Ctx {
    /// Builds the context for a live target. The scope is the target's host plus the
    /// configured extra hosts, nothing else.
    pub fn new(
        config: Config,
        credentials: Credentials,
        trust_roots: Vec<CertificateDer<'static>>,
    ) -> Result<Ctx, CheckError> {
        let base = config
            .target
            .base_url
            .as_deref()
            .ok_or_else(|| CheckError::Config("no target.base_url".into()))?;
        let base =
            Url::parse(base).map_err(|e| CheckError::Config(format!("target.base_url: {e}")))?;
        let mut hosts: Vec<String> = vec![base.host_str().unwrap_or_default().to_string()];
        hosts.extend(config.target.extra_hosts.iter().cloned());
        let http = HttpClient::new(base, Scope::new(hosts), config.limits.clone())?;
        Ok(Ctx {
            fields: FieldMap::new(&config.fields),
            http,
            config,
            credentials,
            trust_roots,
            lab_records: Default::default(),
            evidence_root: None,
            nonce_counter: AtomicU64::new(0),
        })
    }

    /// Keeps each check's HTTP transcript and certificate chains under `run_folder/evidence/`.
    pub fn with_evidence_root(mut self, run_folder: &std::path::Path) -> Ctx {
        self.evidence_root = Some(run_folder.to_path_buf());
        self
    }

    /// The same context with the lab's records for manual checks.
    pub fn with_lab_records(mut self, records: crate::lab::LabRecords) -> Ctx {
        self.lab_records = records;
        self
    }

    /// Host of the platform's API.
    pub fn api_host(&self) -> String {
        self.http
            .base()
            .host_str()
            .unwrap_or_default()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string()
    }

    /// Port of the platform's API.
    pub fn api_port(&self) -> u16 {
        self.http.base().port_or_known_default().unwrap_or(443)
    }

    /// `GET path` on the platform, unsigned.
    pub async fn get(&self, path: &str) -> Result<Exchange, HttpError> {
        self.http.send(Method::GET, path, &[], None).await
    }

    /// `GET path`, the answer parsed as JSON.
    pub async fn get_json(&self, path: &str) -> Result<(Exchange, Value), CheckError> {
        let ex = self.get(path).await?;
        expect_success(&ex)?;
        let json = ex.json()?;
        Ok((ex, json))
    }

    /// `POST path` with a JSON body, unsigned; the answer parsed as JSON.
    pub async fn post_json(
        &self,
        path: &str,
        body: &Value,
        extra_headers: &[(String, String)],
    ) -> Result<Exchange, HttpError> {
        let mut headers = vec![("content-type".to_string(), "application/json".to_string())];
        headers.extend_from_slice(extra_headers);
        self.http
            .send(
                Method::POST,
                path,
                &headers,
                Some(body.to_string().into_bytes()),
            )
            .await
    }

    /// A fresh request nonce: unique within the run and across runs.
    pub fn nonce(&self) -> String {
        let n = self.nonce_counter.fetch_add(1, Ordering::Relaxed);
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        let seed = format!("{t}:{n}:{}", std::process::id());
        tianping_profile::digest::sm3_hex(seed.as_bytes())[..32].to_string()
    }

    /// Headers that authenticate a request with HMAC-SM3 (docs/profile.md §3).
    pub fn signing_headers(
        &self,
        method: &str,
        path: &str,
        body: &[u8],
        timestamp: i64,
        nonce: &str,
    ) -> Result<Vec<(String, String)>, CheckError> {
        self.signing_headers_as(Account::Primary, method, path, body, timestamp, nonce)
    }

    /// Whether the config supplies the API key of `account`.
    pub fn has_account(&self, account: Account) -> bool {
        self.api_key(account).is_ok()
    }

    fn api_key(&self, account: Account) -> Result<(&str, &str), CheckError> {
        let (c, vars) = (&self.credentials, &self.config.credentials);
        let (id, secret, id_env, secret_env) = match account {
            Account::Primary => (
                &c.api_key_id,
                &c.api_secret,
                &vars.api_key_id_env,
                &vars.api_secret_env,
            ),
            Account::Second => (
                &c.second_api_key_id,
                &c.second_api_secret,
                &vars.second_api_key_id_env,
                &vars.second_api_secret_env,
            ),
        };
        if id.is_empty() || secret.is_empty() {
            return Err(CheckError::Config(format!(
                "API credentials missing: set {id_env} and {secret_env}"
            )));
        }
        Ok((id, secret.expose()))
    }

    /// Headers that authenticate a request as `account`.
    pub fn signing_headers_as(
        &self,
        account: Account,
        method: &str,
        path: &str,
        body: &[u8],
        timestamp: i64,
        nonce: &str,
    ) -> Result<Vec<(String, String)>, CheckError> {
        let (key_id, secret) = self.api_key(account)?;
        let path_and_query = self.http.url(path)?;
        let shown = match path_and_query.query() {
            Some(q) => format!("{}?{q}", path_and_query.path()),
            None => path_and_query.path().to_string(),
        };
        let ts = timestamp.to_string();
        let to_sign =
            tianping_profile::canonical::request_string_to_sign(method, &shown, &ts, nonce, body)
                .map_err(|e| CheckError::Protocol(e.to_string()))?;
        let mac = tianping_profile::hmac::hmac_sm3(secret.as_bytes(), &to_sign);
        Ok(vec![
            ("x-tp-key-id".into(), key_id.to_string()),
            ("x-tp-timestamp".into(), ts),
            ("x-tp-nonce".into(), nonce.to_string()),
            ("x-tp-signature".into(), hex::encode(mac)),
        ])
    }

    /// Sends a request signed now with a fresh nonce, as the lab's test account.
    pub async fn signed(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Exchange, CheckError> {
        self.signed_as(Account::Primary, method, path, body).await
    }

    /// Sends a request signed now as `account`. A 429 asking to wait at most
    /// `MAX_POLITE_WAIT_SECS` (Retry-After) is honoured once: the request is signed afresh and
    /// sent again, so a platform's quota slows a check down instead of deciding it.
    pub async fn signed_as(
        &self,
        account: Account,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Exchange, CheckError> {
        let first = self
            .signed_once_as(account, method.clone(), path, body)
            .await?;
        let wait = first
            .header("retry-after")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|secs| first.status == 429 && *secs <= MAX_POLITE_WAIT_SECS);
        match wait {
            Some(secs) => {
                tokio::time::sleep(std::time::Duration::from_secs(secs.max(1))).await;
                self.signed_once_as(account, method, path, body).await
            }
            None => Ok(first),
        }
    }

    /// Sends a request signed now as `account`, once, whatever the answer: for checks that
    /// probe the platform's rate limits themselves.
    pub async fn signed_once_as(
        &self,
        account: Account,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Exchange, CheckError> {
        let bytes = body.map(|b| b.to_string().into_bytes());
        let mut headers = self.signing_headers_as(
            account,
            method.as_str(),
            path,
            bytes.as_deref().unwrap_or_default(),
            chrono::Utc::now().timestamp(),
            &self.nonce(),
        )?;
        if bytes.is_some() {
            headers.push(("content-type".into(), "application/json".into()));
        }
        Ok(self.http.send(method, path, &headers, bytes).await?)
    }

    /// Sends `body` (any bytes, JSON or not) signed with the given timestamp and nonce: for
    /// checks that probe freshness, replay or malformed input.
    pub async fn signed_raw(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
        timestamp: i64,
        nonce: &str,
    ) -> Result<Exchange, CheckError> {
        let bytes = body.clone().unwrap_or_default();
        let mut headers = self.signing_headers(method.as_str(), path, &bytes, timestamp, nonce)?;
        if body.is_some() {
            headers.push(("content-type".into(), "application/json".into()));
        }
        Ok(self.http.send(method, path, &headers, body).await?)
    }
}

/// A non-2xx answer where success was required is a protocol problem, reported with an excerpt.
pub fn expect_success(ex: &Exchange) -> Result<(), CheckError> {
    if ex.is_success() {
        Ok(())
    } else {
        Err(CheckError::Protocol(format!(
            "expected 2xx: {}",
            ex.excerpt()
        )))
    }
}
