//! Everything a check may use: the scoped client, the field map, credentials, thresholds.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use reqwest::Method;
use rustls::pki_types::CertificateDer;
use url::Url;

use crate::adapter::Adapter;
use crate::config::{Config, Credentials};
use crate::fields::FieldMap;
use crate::http::{Exchange, HttpClient, HttpError, Scope};
use crate::tls::{ClientCertificates, ClientIdentity};
use crate::verdict::CheckError;

/// Which of the lab's depositor accounts signs a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
    /// How the platform performs each operation, says yes and no, and authenticates.
    pub adapter: Adapter,
    /// Where each logical field sits in the platform's JSON, and how values are normalised.
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
    last_request_ms: AtomicI64,
    /// The harness's clock checked against the lab's NTP source, once per run.
    time_reference: tokio::sync::OnceCell<Result<crate::clock::TimeReference, String>>,
    /// The lab's Tianping verification service, if it named one.
    pub tianping: Option<crate::tianping::TianpingSource>,
    /// Bearer tokens fetched this run, per account, with when they stop being used.
    tokens: tokio::sync::Mutex<std::collections::HashMap<Account, (String, std::time::Instant)>>,
}

/// The client certificates the adapter's `[client_certificate]` names, read from their
/// environment variables; a missing or unusable one is a configuration error naming the
/// variable, before anything is contacted.
fn client_certificates_from_env(
    spec: &crate::adapter::ClientCertificateSpec,
) -> Result<ClientCertificates, CheckError> {
    let read = |certificate_env: &str, key_env: &str| {
        let var = |name: &str| {
            std::env::var(name).map_err(|_| {
                CheckError::Config(format!(
                    "the adapter uses mutual TLS: set {name} (PEM) for the client certificate"
                ))
            })
        };
        ClientIdentity::from_pem(
            &var(certificate_env)?,
            certificate_env,
            &var(key_env)?,
            key_env,
        )
        .map_err(|e| CheckError::Config(format!("client_certificate: {e}")))
    };
    let lab = read(&spec.certificate_env, &spec.private_key_env)?;
    let second = match (&spec.second_certificate_env, &spec.second_private_key_env) {
        (Some(c), Some(k)) => Some(read(c, k)?),
        _ => None,
    };
    Ok(ClientCertificates { lab, second })
}

/// The TLCP pair the adapter's `[tlcp_client_certificate]` names, read from its variables; a
/// missing or unusable one is a configuration error naming the variable.
fn tlcp_identity_from_env(
    spec: &crate::adapter::TlcpClientCertificateSpec,
) -> Result<tianping_tlcp::ClientIdentity, CheckError> {
    let var = |name: &str| {
        std::env::var(name).map_err(|_| {
            CheckError::Config(format!(
                "the adapter uses mutual TLCP: set {name} (PEM) for the TLCP client pair"
            ))
        })
    };
    let (sc, sk, ec, ek) = (
        var(&spec.signing_certificate_env)?,
        var(&spec.signing_key_env)?,
        var(&spec.encryption_certificate_env)?,
        var(&spec.encryption_key_env)?,
    );
    crate::tls::tlcp_identity_from_pem(crate::tls::TlcpPairSources {
        signing_certificate: (&sc, &spec.signing_certificate_env),
        signing_key: (&sk, &spec.signing_key_env),
        encryption_certificate: (&ec, &spec.encryption_certificate_env),
        encryption_key: (&ek, &spec.encryption_key_env),
    })
    .map_err(|e| CheckError::Config(format!("tlcp_client_certificate: {e}")))
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
        let adapter = config
            .adapter
            .load()
            .map_err(|e| CheckError::Config(e.to_string()))?;
        let mut masked = adapter.auth.signature_headers();
        masked.push(adapter.session.header.to_ascii_lowercase());
        let mut http = HttpClient::new(base, Scope::new(hosts), config.limits.clone())?
            .with_masked_headers(masked)
            .with_transport(config.target.transport);
        if let Some(spec) = &adapter.client_certificate {
            let ClientCertificates { lab, second } = match &credentials.client_certificates {
                Some(given) => given.clone(),
                None => client_certificates_from_env(spec)?,
            };
            http = http.with_client_certificates(lab, second)?;
        }
        let tlcp_identity = match (&credentials.tlcp_client, &adapter.tlcp_client_certificate) {
            (Some(given), _) => Some(given.clone()),
            (None, Some(spec)) => Some(tlcp_identity_from_env(spec)?),
            (None, None) => None,
        };
        if let Some(identity) = tlcp_identity {
            http = http.with_tlcp_identity(identity);
        }
        let tianping = crate::tianping::TianpingSource::from_lab(&config.lab, &config.limits)?;
        Ok(Ctx {
            tianping,
            fields: FieldMap::from_adapter(&adapter, &config.fields),
            adapter,
            http,
            config,
            credentials,
            trust_roots,
            lab_records: Default::default(),
            evidence_root: None,
            nonce_counter: AtomicU64::new(0),
            last_request_ms: AtomicI64::new(0),
            time_reference: Default::default(),
            tokens: Default::default(),
        })
    }

    /// How the harness knows standard time: its clock checked against `[lab] ntp_server`
    /// (measured once per run), or unchecked when the lab names none. A source that does not
    /// answer leaves the checks that need it undecided.
    pub async fn time_reference(&self) -> Result<crate::clock::TimeReference, CheckError> {
        use crate::clock::{TimeReference, check_against};
        let measured = self
            .time_reference
            .get_or_init(|| async {
                match &self.config.lab.ntp_server {
                    None => Ok(TimeReference::Unchecked),
                    Some(server) => {
                        let timeout =
                            std::time::Duration::from_secs(self.config.limits.connect_timeout_secs);
                        check_against(server, timeout)
                            .await
                            .map(|check| TimeReference::Checked {
                                source: server.clone(),
                                check,
                            })
                            .map_err(|e| e.to_string())
                    }
                }
            })
            .await;
        measured.clone().map_err(|answer| CheckError::NoControl {
            control:
                "the lab's NTP source (the harness's clock must be checked to judge another's)"
                    .into(),
            answer,
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

    /// `GET path` on the platform, unsigned and outside any operation: for probes of paths no
    /// platform serves. Checks otherwise call operations ([`Ctx::call`]).
    pub async fn get(&self, path: &str) -> Result<Exchange, HttpError> {
        self.http.send(Method::GET, path, &[], None).await
    }

    /// The time to sign a request with, in epoch milliseconds: now, but never the same as an
    /// earlier request's, so that under a scheme without a nonce two requests of the run are
    /// never byte-identical (a platform would rightly take the second for a replay).
    pub fn request_time_ms(&self) -> i64 {
        let now = chrono::Utc::now().timestamp_millis();
        let mut last = self.last_request_ms.load(Ordering::Relaxed);
        loop {
            let next = now.max(last + 1);
            match self.last_request_ms.compare_exchange_weak(
                last,
                next,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return next,
                Err(seen) => last = seen,
            }
        }
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

    /// The bearer token `account` uses now: fetched once and kept until shortly before it
    /// expires (or until the platform refuses it, see [`Ctx::forget_token`]).
    pub(crate) async fn bearer_token(
        &self,
        account: Account,
        scheme: &crate::adapter::auth::BearerScheme,
    ) -> Result<String, CheckError> {
        use crate::adapter::auth::TokenSource;
        let mut tokens = self.tokens.lock().await;
        if let Some((token, until)) = tokens.get(&account)
            && std::time::Instant::now() < *until
        {
            return Ok(token.clone());
        }
        let (token, lifetime) = match (scheme.token_from, &scheme.token_path) {
            (TokenSource::ClientCredentials, Some(path)) => {
                self.client_credentials_token(account, scheme, path).await?
            }
            // Validation makes the token path present for client credentials.
            (TokenSource::ClientCredentials, None) | (TokenSource::Login, _) => {
                self.login_token(account).await?
            }
        };
        // Renewed a minute before it expires; a token without a lifetime lasts until refused.
        let until = std::time::Instant::now()
            + std::time::Duration::from_secs(lifetime.saturating_sub(60).max(1));
        tokens.insert(account, (token.clone(), until));
        Ok(token)
    }

    /// Drops `account`'s bearer token, so the next call fetches a new one: after the platform
    /// refused it (a session that ended, a token revoked early).
    pub(crate) async fn forget_token(&self, account: Account) {
        self.tokens.lock().await.remove(&account);
    }

    /// A token from an OAuth2 token endpoint (client credentials), and its lifetime in seconds.
    async fn client_credentials_token(
        &self,
        account: Account,
        scheme: &crate::adapter::auth::BearerScheme,
        token_path: &str,
    ) -> Result<(String, u64), CheckError> {
        use base64::Engine;
        let (client_id, secret) = self.api_key(account)?;
        let mut headers = vec![(
            "content-type".to_string(),
            "application/x-www-form-urlencoded".to_string(),
        )];
        let form = {
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            form.append_pair("grant_type", "client_credentials");
            if let Some(scope) = &scheme.scope {
                form.append_pair("scope", scope);
            }
            match scheme.client_auth {
                crate::adapter::auth::ClientAuth::Body => {
                    form.append_pair("client_id", client_id);
                    form.append_pair("client_secret", secret);
                }
                crate::adapter::auth::ClientAuth::Basic => headers.push((
                    "authorization".into(),
                    format!(
                        "Basic {}",
                        base64::engine::general_purpose::STANDARD
                            .encode(format!("{client_id}:{secret}"))
                    ),
                )),
            }
            form.finish()
        };
        let ex = self
            .http
            .send(Method::POST, token_path, &headers, Some(form.into_bytes()))
            .await?;
        let refused = |why: &str| CheckError::NoControl {
            control: format!("a bearer token from {token_path}"),
            answer: format!("{why} (HTTP {})", ex.status),
        };
        if !(200..300).contains(&ex.status) {
            return Err(refused(
                "the token endpoint refused the lab's client credentials",
            ));
        }
        let doc: serde_json::Value = ex.json()?;
        let token = doc["access_token"]
            .as_str()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| refused("the answer has no access_token"))?
            .to_string();
        Ok((token, doc["expires_in"].as_u64().unwrap_or(24 * 3600)))
    }

    /// A token from the adapter's `login` operation, with the account's key id and secret
    /// as user name and password; it lasts until the platform refuses it.
    async fn login_token(&self, account: Account) -> Result<(String, u64), CheckError> {
        let (username, password) = self.api_key(account)?;
        let ex = self
            .call(crate::adapter::Operation::Login)
            .json(serde_json::json!({"username": username, "password": password}))
            .send_as_login()
            .await?;
        let refused = |why: String| CheckError::NoControl {
            control: "a bearer token from the login operation".into(),
            answer: why,
        };
        let answer = self.answer(&ex);
        if !answer.is_success() {
            return Err(refused(format!(
                "the login refused the lab's account: {answer}"
            )));
        }
        let doc = ex.json()?;
        let token = self
            .fields
            .str(&doc, "session_token")
            .map_err(|e| refused(format!("the login answer has no session token: {e}")))?
            .into_owned();
        // A day: in effect the run; a session that ends sooner is renewed when refused.
        Ok((token, 24 * 3600))
    }

    /// The key id of `account`, for schemes that sign with a private key (no API secret).
    pub(crate) fn key_id(&self, account: Account) -> Result<String, CheckError> {
        let (c, vars) = (&self.credentials, &self.config.credentials);
        let (id, env) = match account {
            Account::Primary => (&c.api_key_id, &vars.api_key_id_env),
            Account::Second => (&c.second_api_key_id, &vars.second_api_key_id_env),
        };
        if id.is_empty() {
            return Err(CheckError::Config(format!("API key id missing: set {env}")));
        }
        Ok(id.clone())
    }

    /// Whether the config supplies the API key of `account`.
    pub fn has_account(&self, account: Account) -> bool {
        self.api_key(account).is_ok()
    }

    pub(crate) fn api_key(&self, account: Account) -> Result<(&str, &str), CheckError> {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutual_tls_without_its_certificate_stops_before_anything_is_contacted() {
        let mut config = Config::default();
        config.target.base_url = Some("https://127.0.0.1:1".into());
        let adapter = std::env::temp_dir().join(format!("tp-mtls-{}.toml", std::process::id()));
        std::fs::write(
            &adapter,
            "[adapter]\nname = \"m\"\nextends = \"tp-profile-1\"\n[client_certificate]\n\
             certificate_env = \"TP_TEST_UNSET_CERT_4711\"\nprivate_key_env = \"TP_TEST_UNSET_KEY_4711\"\n",
        )
        .unwrap();
        config.adapter.file = Some(adapter.display().to_string());
        let err = Ctx::new(config, Credentials::default(), Vec::new())
            .err()
            .expect("no certificate, no context");
        std::fs::remove_file(&adapter).unwrap();
        assert!(
            matches!(&err, CheckError::Config(m) if m.contains("TP_TEST_UNSET_CERT_4711")),
            "{err}"
        );
    }

    #[test]
    fn request_times_never_repeat_even_within_a_millisecond() {
        let mut config = Config::default();
        config.target.base_url = Some("https://127.0.0.1:1".into());
        let ctx = Ctx::new(config, Credentials::default(), Vec::new()).unwrap();
        let times: Vec<i64> = (0..1000).map(|_| ctx.request_time_ms()).collect();
        assert!(times.windows(2).all(|w| w[1] > w[0]));
        // And they stay close to the clock.
        let drift = times[999] - chrono::Utc::now().timestamp_millis();
        assert!(drift < 1000, "{drift} ms ahead");
    }
}
