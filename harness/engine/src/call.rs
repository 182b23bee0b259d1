//! Calling the platform through its adapter: a check names a logical operation, its
//! parameters and its logical body; the adapter turns that into the platform's own request
//! and authenticates it. Probes of authentication ask for a flaw instead of building headers.

use std::collections::BTreeMap;
use std::time::Duration;

use reqwest::Method;
use serde_json::Value;

use crate::adapter::auth::{Secret, SigningInput, SigningKey};
use crate::adapter::operation::path_segment;
use crate::adapter::template::{self, text_of};
use crate::adapter::{Answer, Operation, OperationAuth, OperationSpec};
use crate::context::{Account, Ctx};
use crate::exchange::{Exchange, HttpError};
use crate::http::Presents;
use crate::verdict::CheckError;

/// The longest Retry-After a call waits out before trying once more.
const MAX_POLITE_WAIT_SECS: u64 = 5;

/// How a probe deliberately departs from a correctly authenticated request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Probe {
    /// Authenticated as the adapter says.
    #[default]
    AsDeclared,
    /// No authentication at all.
    Unsigned,
    /// Signed at this time with this nonce (replay and clock-window probes).
    At {
        /// Request time, milliseconds since the epoch.
        at_ms: i64,
        /// The nonce.
        nonce: String,
    },
    /// Signed with a secret that is not the account's.
    WrongSecret,
    /// Signed for the body prepared, then sent with this one instead.
    BodyChangedAfterSigning(Vec<u8>),
    /// Authenticated as declared, over a connection that presents no client certificate
    /// although the adapter declares mutual TLS.
    WithoutClientCertificate,
    /// Signed with the account's own secret, but naming a key id the platform never issued.
    UnknownKeyId,
}

/// The key id the unknown-key probe names.
pub const UNKNOWN_KEY_ID: &str = "tp-harness-probe-unknown-key";

/// What an account signs with, read for one request.
enum Material {
    Shared(String),
    PrivateKey { text: String, env: String },
}

enum Body {
    None,
    Json(Value),
    Raw {
        bytes: Vec<u8>,
        content_type: String,
    },
}

/// One call of a logical operation, built up and then sent.
#[must_use = "a call does nothing until it is sent"]
pub struct Call<'c> {
    ctx: &'c Ctx,
    op: Operation,
    params: BTreeMap<String, Value>,
    body: Body,
    account: Account,
    probe: Probe,
    retry_when_throttled: bool,
}

/// A request ready to authenticate and send.
struct Prepared {
    method: Method,
    url: url::Url,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
}

impl Ctx {
    /// Starts a call of `op`.
    pub fn call(&self, op: Operation) -> Call<'_> {
        Call {
            ctx: self,
            op,
            params: BTreeMap::new(),
            body: Body::None,
            account: Account::Primary,
            probe: Probe::AsDeclared,
            retry_when_throttled: true,
        }
    }

    /// Whether the adapter maps `op`: a platform that does not offer it.
    pub fn offers(&self, op: Operation) -> bool {
        self.adapter.operation(op).is_some()
    }

    /// What an answer means under the adapter's success rule.
    pub fn answer(&self, ex: &Exchange) -> Answer {
        self.adapter.judge(ex)
    }

    /// Nothing when the answer is a success; otherwise the reason, as an error.
    pub fn expect_success(&self, ex: &Exchange) -> Result<(), CheckError> {
        match self.answer(ex) {
            Answer::Success => Ok(()),
            other => Err(CheckError::Protocol(format!(
                "{} {} was not a success: {other}; {}",
                ex.method,
                ex.path,
                ex.excerpt()
            ))),
        }
    }

    /// The answer's JSON when it is a success; otherwise the reason, as an error.
    pub fn success_json(&self, ex: &Exchange) -> Result<Value, CheckError> {
        self.expect_success(ex)?;
        Ok(ex.json()?)
    }
}

/// The error when the adapter does not map an operation a check needs.
pub fn not_offered(op: Operation, adapter: &str) -> CheckError {
    CheckError::NotOffered {
        what: format!("the `{}` operation ({})", op.key(), op.describe()),
        detail: format!("the adapter {adapter} maps no such operation"),
    }
}

impl crate::adapter::Adapter {
    /// The bytes a logical JSON body becomes for `op`: its body template applied.
    pub fn shape_body(&self, op: Operation, logical: &Value) -> Result<Vec<u8>, CheckError> {
        let spec = self
            .operation(op)
            .ok_or_else(|| not_offered(op, &self.info.name))?;
        let shaped = match &spec.body {
            Some(t) => {
                let lookup = |n: &str| match n {
                    "body" => Some(logical.clone()),
                    field => logical.get(field).cloned(),
                };
                self.fill_body(op, t, &lookup)?
            }
            None => logical.clone(),
        };
        Ok(shaped.to_string().into_bytes())
    }

    /// `op`'s JSON body template filled by `lookup`.
    fn fill_body(
        &self,
        op: Operation,
        template: &Value,
        lookup: &dyn Fn(&str) -> Option<Value>,
    ) -> Result<Value, CheckError> {
        template::render_json(template, lookup, &op.template_names())
            .map_err(|e| self.operation_error(op, e))
    }

    /// A configuration error naming the adapter and the operation.
    fn operation_error(&self, op: Operation, what: impl std::fmt::Display) -> CheckError {
        CheckError::Config(format!(
            "adapter {}, operation `{}`: {what}",
            self.info.name,
            op.key()
        ))
    }
}

impl<'c> Call<'c> {
    /// Sets a template parameter (`evidence_id`, `height`, …).
    pub fn param(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.params.insert(name.to_string(), value.into());
        self
    }

    /// The logical JSON body (the profile's shape); the adapter's body template reshapes it.
    pub fn json(mut self, body: Value) -> Self {
        self.body = Body::Json(body);
        self
    }

    /// Bytes sent exactly as given (malformed-input probes, RFC 3161 queries).
    pub fn raw(mut self, bytes: Vec<u8>, content_type: &str) -> Self {
        self.body = Body::Raw {
            bytes,
            content_type: content_type.to_string(),
        };
        self
    }

    /// Authenticates as `account`.
    pub fn as_account(mut self, account: Account) -> Self {
        self.account = account;
        self
    }

    /// Carries this console session token.
    pub fn session(self, token: &str) -> Self {
        self.param("session_token", token)
    }

    /// Departs from a correct request as `probe` says.
    pub fn probe(mut self, probe: Probe) -> Self {
        self.probe = probe;
        self
    }

    /// Sends once, whatever the answer: for checks that probe throttling themselves.
    pub fn once(mut self) -> Self {
        self.retry_when_throttled = false;
        self
    }

    /// Sends the call. A throttled answer asking to wait at most `MAX_POLITE_WAIT_SECS`
    /// (Retry-After) is waited out once and the call authenticated afresh, so a platform's
    /// quota slows a check down instead of deciding it.
    pub async fn send(self) -> Result<Exchange, CheckError> {
        let spec = self
            .ctx
            .adapter
            .operation(self.op)
            .ok_or_else(|| not_offered(self.op, &self.ctx.adapter.info.name))?;
        let mut first = self.send_once(spec).await?;
        // A bearer token the platform no longer takes (a login session that ended, a token
        // revoked early) is fetched afresh, once.
        if self.probe == Probe::AsDeclared
            && spec.auth == OperationAuth::Signed
            && matches!(self.ctx.adapter.auth, crate::adapter::AuthScheme::Bearer(_))
            && self
                .ctx
                .answer(&first)
                .is_refusal_of(crate::adapter::Refusal::Denied)
        {
            self.ctx.forget_token(self.account).await;
            first = self.send_once(spec).await?;
        }
        let wait = first
            .header("retry-after")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|secs| {
                self.retry_when_throttled
                    && self.ctx.answer(&first).is_throttled()
                    && *secs <= MAX_POLITE_WAIT_SECS
            });
        match wait {
            Some(secs) => {
                tokio::time::sleep(Duration::from_secs(secs.max(1))).await;
                self.send_once(spec).await
            }
            None => Ok(first),
        }
    }

    /// Sends the call and requires a success; returns the exchange and its JSON.
    pub async fn data(self) -> Result<(Exchange, Value), CheckError> {
        let ctx = self.ctx;
        let ex = self.send().await?;
        let json = ctx.success_json(&ex)?;
        Ok((ex, json))
    }

    /// Sends the call carrying no authentication of its own: how a login that yields the
    /// run's bearer tokens is made (a login never needs a token, and must not ask for one).
    pub(crate) async fn send_as_login(self) -> Result<Exchange, CheckError> {
        let spec = self
            .ctx
            .adapter
            .operation(self.op)
            .ok_or_else(|| not_offered(self.op, &self.ctx.adapter.info.name))?;
        let Prepared {
            method,
            url,
            headers,
            body,
        } = self.prepare(spec)?;
        Ok(self.ctx.http.send_url(method, url, &headers, body).await?)
    }

    /// The account's key id and what it signs with: the API secret for an HMAC, or the
    /// private key in the variable the adapter names.
    fn signing_material(&self) -> Result<(String, Material), CheckError> {
        let second = self.account == Account::Second;
        match self.ctx.adapter.auth.private_key_env(second) {
            None => {
                let (key_id, secret) = self.ctx.api_key(self.account)?;
                Ok((key_id.to_string(), Material::Shared(secret.to_string())))
            }
            Some(env) => {
                let key_id = self.ctx.key_id(self.account)?;
                let text = std::env::var(env).map_err(|_| {
                    CheckError::Config(format!(
                        "the adapter signs with a private key: set {env} to the account's key"
                    ))
                })?;
                Ok((
                    key_id,
                    Material::PrivateKey {
                        text,
                        env: env.to_string(),
                    },
                ))
            }
        }
    }

    fn lookup(&self, name: &str) -> Option<Value> {
        if let Some(v) = self.params.get(name) {
            return Some(v.clone());
        }
        match (&self.body, name) {
            (Body::Json(body), "body") => Some(body.clone()),
            (Body::Json(body), field) => body.get(field).cloned(),
            _ => None,
        }
    }

    fn config_error(&self, what: String) -> CheckError {
        self.ctx.adapter.operation_error(self.op, what)
    }

    fn prepare(&self, spec: &OperationSpec) -> Result<Prepared, CheckError> {
        let known = self.op.template_names();
        let fill = |t: &str, encode: fn(&str) -> String| {
            template::render(t, |n| self.lookup(n).map(|v| encode(&text_of(&v))), &known)
                .map_err(|e| self.config_error(e.to_string()))
        };
        let path = fill(&spec.path, path_segment)?;
        let mut url = self.ctx.http.url(&path)?;
        if !spec.query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in &spec.query {
                // A parameter whose placeholders this call has no value for is left out.
                let unfilled = template::placeholders(value)
                    .map_err(|e| self.config_error(e.to_string()))?
                    .iter()
                    .any(|n| self.lookup(n).is_none());
                if unfilled {
                    continue;
                }
                pairs.append_pair(&fill(name, str::to_string)?, &fill(value, str::to_string)?);
            }
        }
        let mut headers = Vec::new();
        for (name, value) in &spec.headers {
            headers.push((
                fill(name, str::to_string)?.to_ascii_lowercase(),
                fill(value, str::to_string)?,
            ));
        }
        let json = |value: Value, headers: &mut Vec<(String, String)>| {
            headers.push(("content-type".into(), "application/json".into()));
            Some(value.to_string().into_bytes())
        };
        let body = match (&self.body, &spec.body) {
            (
                Body::Raw {
                    bytes,
                    content_type,
                },
                _,
            ) => {
                headers.push(("content-type".into(), content_type.clone()));
                Some(bytes.clone())
            }
            (Body::Json(logical), None) => json(logical.clone(), &mut headers),
            (_, Some(t)) => {
                let shaped = self
                    .ctx
                    .adapter
                    .fill_body(self.op, t, &|n| self.lookup(n))?;
                json(shaped, &mut headers)
            }
            (Body::None, None) => None,
        };
        let method = Method::from_bytes(spec.method.as_bytes())
            .map_err(|_| self.config_error(format!("`{}` is not an HTTP method", spec.method)))?;
        Ok(Prepared {
            method,
            url,
            headers,
            body,
        })
    }

    async fn send_once(&self, spec: &OperationSpec) -> Result<Exchange, CheckError> {
        let Prepared {
            method,
            url,
            mut headers,
            body,
        } = self.prepare(spec)?;
        let mut sent_body = body.clone();
        match (spec.auth, &self.probe) {
            (_, Probe::Unsigned) | (OperationAuth::None, _) => {}
            (OperationAuth::Session, _) => {
                let session = &self.ctx.adapter.session;
                let value = template::render(
                    &session.value,
                    |n| self.lookup(n).map(|v| text_of(&v)),
                    &["session_token"],
                )
                .map_err(|e| self.config_error(format!("session: {e}")))?;
                headers.push((session.header.to_ascii_lowercase(), value));
            }
            (OperationAuth::Signed, probe)
                if let crate::adapter::AuthScheme::Bearer(scheme) = &self.ctx.adapter.auth =>
            {
                let token = match probe {
                    Probe::WrongSecret => "tp-harness-probe-not-a-token".to_string(),
                    _ => self.ctx.bearer_token(self.account, scheme).await?,
                };
                headers.push(
                    scheme
                        .header_for(&token)
                        .map_err(|e| self.config_error(format!("auth: {e}")))?,
                );
                if let Probe::BodyChangedAfterSigning(other) = probe {
                    sent_body = Some(other.clone());
                }
            }
            (OperationAuth::Signed, probe) => {
                let (mut key_id, material) = self.signing_material()?;
                if *probe == Probe::UnknownKeyId {
                    key_id = UNKNOWN_KEY_ID.to_string();
                }
                let secret = match (probe, &material) {
                    (Probe::WrongSecret, _) => Secret::NotTheAccounts,
                    (_, Material::Shared(s)) => Secret::Shared(s.as_bytes()),
                    (_, Material::PrivateKey { text, env }) => Secret::PrivateKey { text, env },
                };
                let (at_ms, nonce) = match probe {
                    Probe::At { at_ms, nonce } => (*at_ms, nonce.clone()),
                    _ => (self.ctx.request_time_ms(), self.ctx.nonce()),
                };
                let body_bytes = body.clone().unwrap_or_default();
                let input = SigningInput {
                    method: method.as_str(),
                    path: url.path(),
                    query: url.query().unwrap_or_default(),
                    body: &body_bytes,
                    at_ms,
                    nonce: &nonce,
                };
                let signed = self
                    .ctx
                    .adapter
                    .auth
                    .sign(
                        SigningKey {
                            key_id: &key_id,
                            secret,
                        },
                        &input,
                    )
                    .map_err(|e| self.config_error(format!("auth: {e}")))?;
                headers.extend(signed);
                if let Probe::BodyChangedAfterSigning(other) = probe {
                    sent_body = Some(other.clone());
                }
            }
        }
        let presents = match (&self.probe, self.account) {
            (Probe::Unsigned | Probe::WithoutClientCertificate, _) => Presents::NoCertificate,
            (_, Account::Second) => Presents::SecondCertificate,
            (_, Account::Primary) => Presents::LabCertificate,
        };
        let method_name = method.to_string();
        let path = url.path().to_string();
        match self
            .ctx
            .http
            .send_url_presenting(presents, method, url, &headers, sent_body)
            .await
        {
            Ok(ex) => Ok(ex),
            Err(e)
                if presents == Presents::NoCertificate && self.ctx.http.presents_certificates() =>
            {
                match refused_for_want_of_certificate(&e) {
                    Some(detail) => Ok(Exchange::refused_by_tls(&method_name, &path, detail)),
                    None => Err(e.into()),
                }
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// Under mutual TLS, whether a connection that presented no certificate failed because the
/// server refused it at the TLS layer (an alert, or the connection closed during or right
/// after the handshake), as opposed to not being reachable at all or too slow.
fn refused_for_want_of_certificate(error: &HttpError) -> Option<&str> {
    match error {
        HttpError::Connect { detail, .. } | HttpError::Other { detail, .. }
            if !detail.to_ascii_lowercase().contains("connection refused") =>
        {
            Some(detail)
        }
        _ => None,
    }
}
