//! The only way checks reach the network. Every connection passes the scope guard (hosts the
//! user named), a per-host connection cap and a request-rate limit; every request has a
//! timeout and a body-size limit; redirects are never followed (a check sees the 3xx).

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::Method;
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use url::Url;

use crate::config::Limits;
pub use crate::exchange::{Exchange, HttpError};
use crate::redact;
use crate::tls::{self, PeerTls, TlsError};

/// Hosts the harness may talk to, lower-cased. A URL or socket outside it is refused.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    hosts: BTreeSet<String>,
}

impl Scope {
    /// The scope of these hosts (case and trailing dots ignored).
    pub fn new<I: IntoIterator<Item = S>, S: AsRef<str>>(hosts: I) -> Scope {
        Scope {
            hosts: hosts
                .into_iter()
                .map(|h| normalize_host(h.as_ref()))
                .collect(),
        }
    }

    /// Whether `host` is in scope.
    pub fn allows(&self, host: &str) -> bool {
        self.hosts.contains(&normalize_host(host))
    }

    /// The hosts in scope.
    pub fn hosts(&self) -> impl Iterator<Item = &String> {
        self.hosts.iter()
    }
}

fn normalize_host(host: &str) -> String {
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

/// Spaces requests evenly: at most `rate` per second across the run.
#[derive(Debug)]
struct RateLimiter {
    interval: Duration,
    next: Mutex<Instant>,
}

impl RateLimiter {
    fn new(per_second: f64) -> Self {
        RateLimiter {
            interval: Duration::from_secs_f64(1.0 / per_second),
            next: Mutex::new(Instant::now()),
        }
    }

    async fn wait(&self) {
        let slot = {
            let mut next = self.next.lock().expect("rate lock");
            let now = Instant::now();
            let slot = (*next).max(now);
            *next = slot + self.interval;
            slot
        };
        tokio::time::sleep_until(slot.into()).await;
    }
}

/// Answers kept for the checks that judge every answer of the run (headers, error bodies):
/// at most this many, each body cut to [`SEEN_BODY_BYTES`].
const SEEN_ANSWERS_KEPT: usize = 20_000;
const SEEN_BODY_BYTES: usize = 2048;

/// One answer the run received, as kept for run-wide judgements.
#[derive(Debug, Clone)]
pub struct SeenAnswer {
    /// `https` or `http`.
    pub scheme: String,
    /// The host it came from.
    pub host: String,
    /// Request method.
    pub method: String,
    /// Path and query as evidence shows them (secret values masked).
    pub path: String,
    /// Response status.
    pub status: u16,
    /// Response headers.
    pub headers: Vec<(String, String)>,
    /// The first bytes of the body.
    pub body_head: Vec<u8>,
}

impl SeenAnswer {
    /// The first response header of this name, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The answer as an exchange (its body cut to the kept head), for rules written over
    /// exchanges.
    pub fn to_exchange(&self) -> Exchange {
        Exchange {
            method: self.method.clone(),
            path: self.path.clone(),
            status: self.status,
            headers: self.headers.clone(),
            body: self.body_head.clone(),
            elapsed_ms: 0,
        }
    }

    /// `GET /path → 404`, for evidence.
    pub fn describe(&self) -> String {
        format!("{} {} → {}", self.method, self.path, self.status)
    }
}

/// Every answer of the run, up to the cap, and how many were not kept.
#[derive(Debug, Default)]
struct SeenAnswers {
    kept: Vec<SeenAnswer>,
    not_kept: usize,
}

/// Which client certificate a request's connection presents, when the platform uses mutual
/// TLS. Without one declared, every connection presents none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Presents {
    /// The lab account's certificate.
    #[default]
    LabCertificate,
    /// The second account's certificate (the lab's when it has none of its own).
    SecondCertificate,
    /// No certificate: probes of unauthenticated access.
    NoCertificate,
}

/// The scoped HTTP client every check uses: scope guard, per-host connection cap, request
/// rate limit, timeouts, body limit, no redirects followed.
pub struct HttpClient {
    client: reqwest::Client,
    /// Under mutual TLS: connections presenting the second account's certificate, and none.
    second: Option<reqwest::Client>,
    anonymous: Option<reqwest::Client>,
    identity: Option<tls::ClientIdentity>,
    seen: Mutex<SeenAnswers>,
    base: Url,
    scope: Scope,
    per_host: Mutex<HashMap<String, Arc<Semaphore>>>,
    rate: RateLimiter,
    limits: Limits,
    masked_headers: Vec<String>,
    transport: crate::config::Transport,
    /// Idle TLCP connections by `host:port`, kept alive between requests as a TLS client's
    /// pool keeps its own: a handshake per request would slow bursts (SS-024) and the run.
    tlcp_idle: Mutex<HashMap<String, Vec<TlcpConnection>>>,
    /// The lab's TLCP certificate pair, presented when a TLCP server asks (mutual TLCP, and
    /// the ECDHE suites).
    tlcp_identity: Option<tianping_tlcp::ClientIdentity>,
}

/// An HTTP/1.1 connection over TLCP: the request sender and the task driving the connection.
struct TlcpConnection {
    sender: hyper::client::conn::http1::SendRequest<http_body_util::Full<bytes::Bytes>>,
    driver: tokio::task::JoinHandle<()>,
    /// The certificates the server presented on it (DER).
    certificates: Vec<Vec<u8>>,
}

impl Drop for TlcpConnection {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

impl HttpClient {
    /// A client for `base`, limited to `scope`.
    pub fn new(base: Url, scope: Scope, limits: Limits) -> Result<HttpClient, HttpError> {
        let client = build_client(&base, &limits, None)?;
        Ok(HttpClient {
            client,
            second: None,
            anonymous: None,
            identity: None,
            seen: Mutex::default(),
            base,
            scope,
            per_host: Mutex::new(HashMap::new()),
            rate: RateLimiter::new(limits.requests_per_second),
            limits,
            masked_headers: Vec::new(),
            transport: crate::config::Transport::Tls,
            tlcp_idle: Mutex::default(),
            tlcp_identity: None,
        })
    }

    /// Presents `identity` to TLCP servers that ask for a client certificate pair.
    pub fn with_tlcp_identity(mut self, identity: tianping_tlcp::ClientIdentity) -> HttpClient {
        self.tlcp_identity = Some(identity);
        self
    }

    /// Whether a TLCP client pair is configured (so the ECDHE suites can be completed).
    pub fn has_tlcp_identity(&self) -> bool {
        self.tlcp_identity.is_some()
    }

    /// The same client, carrying `https` requests over `transport`.
    pub fn with_transport(mut self, transport: crate::config::Transport) -> HttpClient {
        self.transport = transport;
        self
    }

    /// The same client, masking these request headers' values in transcripts (besides the
    /// secret-looking names always masked): an adapter's signature and session headers.
    pub fn with_masked_headers(mut self, names: Vec<String>) -> HttpClient {
        self.masked_headers = names;
        self
    }

    /// The same client under mutual TLS: every connection presents `lab` (or `second` for the
    /// second account's requests), except those asked to present none.
    pub fn with_client_certificates(
        mut self,
        lab: tls::ClientIdentity,
        second: Option<tls::ClientIdentity>,
    ) -> Result<HttpClient, HttpError> {
        let anonymous = std::mem::replace(
            &mut self.client,
            build_client(&self.base, &self.limits, Some(&lab))?,
        );
        self.second = match &second {
            Some(id) => Some(build_client(&self.base, &self.limits, Some(id))?),
            None => None,
        };
        self.anonymous = Some(anonymous);
        self.identity = Some(lab);
        Ok(self)
    }

    fn keep_seen(&self, scheme: &str, host: &str, ex: &Exchange) {
        let mut seen = self.seen.lock().expect("seen answers lock");
        if seen.kept.len() >= SEEN_ANSWERS_KEPT {
            seen.not_kept += 1;
            return;
        }
        seen.kept.push(SeenAnswer {
            scheme: scheme.to_string(),
            host: host.to_string(),
            method: ex.method.clone(),
            path: ex.path.clone(),
            status: ex.status,
            headers: ex.headers.clone(),
            body_head: ex.body[..ex.body.len().min(SEEN_BODY_BYTES)].to_vec(),
        });
    }

    /// Every answer this client has received so far (up to a cap), and how many more were
    /// received but not kept: for checks that judge a header or body rule on every answer.
    pub fn answers_seen(&self) -> (Vec<SeenAnswer>, usize) {
        let seen = self.seen.lock().expect("seen answers lock");
        (seen.kept.clone(), seen.not_kept)
    }

    /// Whether connections present a client certificate (mutual TLS).
    pub fn presents_certificates(&self) -> bool {
        self.identity.is_some()
    }

    /// The base URL requests are relative to.
    pub fn base(&self) -> &Url {
        &self.base
    }

    /// The hosts this client may contact.
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    fn permit_pool(&self, host: &str) -> Arc<Semaphore> {
        let mut map = self.per_host.lock().expect("per-host lock");
        map.entry(normalize_host(host))
            .or_insert_with(|| Arc::new(Semaphore::new(self.limits.connections_per_host)))
            .clone()
    }

    async fn permit(&self, host: &str) -> OwnedSemaphorePermit {
        self.permit_pool(host)
            .acquire_owned()
            .await
            .expect("semaphore never closed")
    }

    /// Resolves `path` against the base URL and checks it stays in scope.
    pub fn url(&self, path: &str) -> Result<Url, HttpError> {
        let url = self.base.join(path).map_err(|e| HttpError::Other {
            url: path.to_string(),
            detail: e.to_string(),
        })?;
        let host = url.host_str().unwrap_or_default().to_string();
        if !self.scope.allows(&host) {
            return Err(HttpError::OutOfScope(host));
        }
        Ok(url)
    }

    /// Sends a request to `path` under the base URL.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(String, String)],
        body: Option<Vec<u8>>,
    ) -> Result<Exchange, HttpError> {
        let url = self.url(path)?;
        self.send_url(method, url, headers, body).await
    }

    /// Sends a request to an absolute URL, which must be in scope.
    pub async fn send_url(
        &self,
        method: Method,
        url: Url,
        headers: &[(String, String)],
        body: Option<Vec<u8>>,
    ) -> Result<Exchange, HttpError> {
        self.send_url_presenting(Presents::LabCertificate, method, url, headers, body)
            .await
    }

    /// Sends a request to an absolute URL, which must be in scope, over a connection that
    /// presents `presents` under mutual TLS.
    pub async fn send_url_presenting(
        &self,
        presents: Presents,
        method: Method,
        url: Url,
        headers: &[(String, String)],
        body: Option<Vec<u8>>,
    ) -> Result<Exchange, HttpError> {
        let shown_method = method.clone();
        let shown = display_path(&url);
        let sent = self.send_once(presents, method, url, headers, body).await;
        // The method, the masked path and the status: never headers or bodies, which carry
        // signatures, tokens and the platform's data.
        match &sent {
            Ok(ex) => tracing::debug!(
                target: "tianping::http",
                method = %shown_method,
                path = %shown,
                status = ex.status,
                bytes = ex.body.len(),
                elapsed_ms = ex.elapsed_ms,
                "answered"
            ),
            Err(e) => tracing::info!(
                target: "tianping::http",
                method = %shown_method,
                path = %shown,
                error = %e,
                "no usable answer"
            ),
        }
        sent
    }

    async fn send_once(
        &self,
        presents: Presents,
        method: Method,
        url: Url,
        headers: &[(String, String)],
        body: Option<Vec<u8>>,
    ) -> Result<Exchange, HttpError> {
        let client = match presents {
            Presents::LabCertificate => &self.client,
            Presents::SecondCertificate => self.second.as_ref().unwrap_or(&self.client),
            Presents::NoCertificate => self.anonymous.as_ref().unwrap_or(&self.client),
        };
        let host = url.host_str().unwrap_or_default().to_string();
        if !self.scope.allows(&host) {
            return Err(HttpError::OutOfScope(host));
        }
        let shown = display_path(&url);
        let _permit = self.permit(&host).await;
        self.rate.wait().await;
        let started = Instant::now();
        let mut request = client.request(method.clone(), url.clone());
        for (k, v) in headers {
            request = request.header(k, v);
        }
        let recorded_body = body.clone();
        if let Some(body) = body {
            request = request.body(body);
        }
        let total = Duration::from_secs(self.limits.request_timeout_secs);
        let timeout = || HttpError::Timeout {
            url: shown.clone(),
            secs: self.limits.request_timeout_secs,
        };
        let (status, response_headers, body) = if self.transport == crate::config::Transport::Tlcp
            && url.scheme() == "https"
        {
            tokio::time::timeout(
                total,
                self.send_over_tlcp(&host, &method, &url, headers, recorded_body.clone(), &shown),
            )
            .await
            .map_err(|_| timeout())??
        } else {
            let response = tokio::time::timeout(total, request.send())
                .await
                .map_err(|_| timeout())?
                .map_err(|e| classify(&shown, e, self.limits.request_timeout_secs))?;
            let status = response.status().as_u16();
            let response_headers = header_pairs(response.headers());
            let body = tokio::time::timeout(
                total,
                read_limited(response, self.limits.max_body_bytes, &shown),
            )
            .await
            .map_err(|_| timeout())??;
            (status, response_headers, body)
        };
        let exchange = Exchange {
            method: method.to_string(),
            path: shown,
            status,
            headers: response_headers,
            body,
            elapsed_ms: started.elapsed().as_millis() as u64,
        };
        crate::transcript::record_http(
            &host,
            &self.masked_headers,
            headers,
            recorded_body.as_deref(),
            &exchange,
        );
        self.keep_seen(url.scheme(), &host, &exchange);
        Ok(exchange)
    }

    /// One HTTP/1.1 exchange over a fresh TLCP connection (hyper over the harness's TLCP
    /// client): status, headers and a body no larger than the limit. The caller holds the
    /// host's permit and bounds the whole exchange by the request timeout.
    async fn send_over_tlcp(
        &self,
        host: &str,
        method: &Method,
        url: &Url,
        headers: &[(String, String)],
        body: Option<Vec<u8>>,
        shown: &str,
    ) -> Result<(u16, Vec<(String, String)>, Vec<u8>), HttpError> {
        let failed = |detail: String| HttpError::Other {
            url: shown.to_string(),
            detail,
        };
        let port = url.port_or_known_default().unwrap_or(443);
        let key = format!("{host}:{port}");
        let idle = self
            .tlcp_idle
            .lock()
            .expect("pool lock")
            .get_mut(&key)
            .and_then(|v| v.pop());
        let mut connection = match idle {
            Some(c) if !c.sender.is_closed() => c,
            _ => self.open_tlcp(host, port, shown).await?,
        };
        // The check this request belongs to sees the certificates of the connection it
        // used, whichever check opened it.
        record_presented(host, port, "TLCP", &connection.certificates);
        connection
            .sender
            .ready()
            .await
            .map_err(|e| failed(e.to_string()))?;
        let target = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        };
        let mut request = hyper::Request::builder()
            .method(method.as_str())
            .uri(target)
            .header(
                hyper::header::HOST,
                match url.port() {
                    Some(p) => format!("{}:{p}", bracket_ipv6(host)),
                    None => bracket_ipv6(host),
                },
            )
            .header(
                hyper::header::USER_AGENT,
                concat!("tianping-harness/", env!("CARGO_PKG_VERSION")),
            );
        for (k, v) in headers {
            request = request.header(k.as_str(), v.as_str());
        }
        let request = request
            .body(http_body_util::Full::new(bytes::Bytes::from(
                body.unwrap_or_default(),
            )))
            .map_err(|e| failed(e.to_string()))?;
        let response = connection
            .sender
            .send_request(request)
            .await
            .map_err(|e| failed(e.to_string()))?;
        let status = response.status().as_u16();
        let response_headers = header_pairs(response.headers());
        let limit = self.limits.max_body_bytes;
        if response
            .headers()
            .get(hyper::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<usize>().ok())
            .is_some_and(|n| n > limit)
        {
            return Err(HttpError::BodyTooLarge {
                url: shown.to_string(),
                limit,
            });
        }
        let mut incoming = response.into_body();
        let mut body = Vec::new();
        while let Some(frame) = http_body_util::BodyExt::frame(&mut incoming).await {
            let frame = frame.map_err(|e| failed(e.to_string()))?;
            if let Some(data) = frame.data_ref() {
                if body.len() + data.len() > limit {
                    return Err(HttpError::BodyTooLarge {
                        url: shown.to_string(),
                        limit,
                    });
                }
                body.extend_from_slice(data);
            }
        }
        // Whole and well: the connection may carry the next request.
        if !connection.sender.is_closed() {
            self.tlcp_idle
                .lock()
                .expect("pool lock")
                .entry(key)
                .or_default()
                .push(connection);
        }
        Ok((status, response_headers, body))
    }

    /// A new HTTP/1.1 connection over TLCP to `host:port`.
    async fn open_tlcp(
        &self,
        host: &str,
        port: u16,
        shown: &str,
    ) -> Result<TlcpConnection, HttpError> {
        let addr = format!("{}:{port}", bracket_ipv6(host));
        let connect = Duration::from_secs(self.limits.connect_timeout_secs);
        let stream = tokio::time::timeout(connect, TcpStream::connect(&addr))
            .await
            .map_err(|_| HttpError::Timeout {
                url: shown.to_string(),
                secs: self.limits.connect_timeout_secs,
            })?
            .map_err(|e| HttpError::Connect {
                url: shown.to_string(),
                detail: e.to_string(),
            })?;
        // Requests are small writes answered at once: no waiting on delayed acknowledgements.
        let _ = stream.set_nodelay(true);
        let wait = Duration::from_secs(self.limits.request_timeout_secs);
        let config = tianping_tlcp::ClientConfig {
            handshake_timeout: wait,
            read_timeout: wait,
            identity: self.tlcp_identity.clone(),
            ..Default::default()
        };
        let tlcp =
            tianping_tlcp::connect(stream, &config)
                .await
                .map_err(|e| HttpError::Connect {
                    url: shown.to_string(),
                    detail: format!("TLCP handshake: {e}"),
                })?;
        let certificates = tlcp.info().certificates.clone();
        let (sender, driver) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tlcp))
                .await
                .map_err(|e| HttpError::Other {
                    url: shown.to_string(),
                    detail: e.to_string(),
                })?;
        let driver = tokio::spawn(async move {
            let _ = driver.await;
        });
        Ok(TlcpConnection {
            sender,
            driver,
            certificates,
        })
    }

    /// A raw TCP connection to an in-scope host, for protocol probes. The permit counts
    /// against the per-host cap until dropped.
    pub async fn connect_tcp(
        &self,
        host: &str,
        port: u16,
    ) -> Result<(TcpStream, OwnedSemaphorePermit), TlsError> {
        if !self.scope.allows(host) {
            return Err(TlsError::OutOfScope(host.to_string()));
        }
        let permit = self.permit(host).await;
        self.rate.wait().await;
        let timeout = Duration::from_secs(self.limits.connect_timeout_secs);
        let addr = format!("{}:{port}", bracket_ipv6(host));
        let stream = tokio::time::timeout(timeout, TcpStream::connect(&addr))
            .await
            .map_err(|_| TlsError::Timeout(timeout))?
            .map_err(|e| TlsError::Connect {
                addr: addr.clone(),
                detail: e.to_string(),
                refused: e.kind() == std::io::ErrorKind::ConnectionRefused,
            })?;
        Ok((stream, permit))
    }

    /// Full TLS handshake with an in-scope endpoint, recording the presented chain.
    pub async fn peer_tls(
        &self,
        host: &str,
        port: u16,
        server_name: &str,
    ) -> Result<PeerTls, TlsError> {
        let (stream, _permit) = self.connect_tcp(host, port).await?;
        let addr = format!("{host}:{port}");
        let peer = tls::handshake_and_record(
            stream,
            &addr,
            server_name,
            Duration::from_secs(self.limits.request_timeout_secs),
            self.identity.as_ref(),
        )
        .await?;
        crate::transcript::record_chain(&addr, &peer.chain);
        Ok(peer)
    }

    /// A full TLCP (GB/T 38636) handshake with an in-scope endpoint offering `suites`,
    /// recording the presented certificates, then closed with close_notify. Connecting is a
    /// [`TlsError`]; the handshake's own failure (an unverifiable key exchange, a Finished that
    /// does not verify, an alert) is the inner [`tianping_tlcp::TlcpError`], which a check
    /// judges.
    pub async fn tlcp_handshake(
        &self,
        host: &str,
        port: u16,
        suites: &[tianping_tlcp::CipherSuite],
    ) -> Result<Result<tianping_tlcp::HandshakeInfo, tianping_tlcp::TlcpError>, TlsError> {
        let (stream, _permit) = self.connect_tcp(host, port).await?;
        let wait = Duration::from_secs(self.limits.request_timeout_secs);
        let config = tianping_tlcp::ClientConfig {
            suites: suites.to_vec(),
            handshake_timeout: wait,
            read_timeout: wait,
            identity: self.tlcp_identity.clone(),
            ..Default::default()
        };
        let mut connection = match tianping_tlcp::connect(stream, &config).await {
            Ok(c) => c,
            Err(e) => return Ok(Err(e)),
        };
        let info = connection.info().clone();
        record_presented(host, port, "TLCP", &info.certificates);
        let _ = connection.close().await;
        Ok(Ok(info))
    }

    /// A full TLS 1.3 handshake with an in-scope endpoint offering only RFC 8998's SM suites,
    /// curveSM2 and sm2sig_sm3, recording the presented certificates, then closed with
    /// close_notify. Connecting is a [`TlsError`]; the handshake's own failure (a
    /// CertificateVerify or Finished that does not verify, an alert) is the inner
    /// [`tianping_tlcp::rfc8998::Rfc8998Error`], which a check judges.
    pub async fn rfc8998_handshake(
        &self,
        host: &str,
        port: u16,
        server_name: &str,
    ) -> Result<
        Result<tianping_tlcp::rfc8998::Tls13Handshake, tianping_tlcp::rfc8998::Rfc8998Error>,
        TlsError,
    > {
        let (stream, _permit) = self.connect_tcp(host, port).await?;
        let wait = Duration::from_secs(self.limits.request_timeout_secs);
        let mut connection =
            match tianping_tlcp::rfc8998::connect(stream, server_name, &[], wait).await {
                Ok((c, _)) => c,
                Err(e) => return Ok(Err(e)),
            };
        let handshake = connection.handshake().clone();
        record_presented(host, port, "TLS 1.3, RFC 8998", &handshake.certificates);
        let _ = connection.close().await;
        Ok(Ok(handshake))
    }
}

/// Records the certificates an endpoint presented over `protocol`, for the certificate checks.
fn record_presented(host: &str, port: u16, protocol: &str, certificates: &[Vec<u8>]) {
    let chain: Vec<rustls::pki_types::CertificateDer<'static>> = certificates
        .iter()
        .map(|c| rustls::pki_types::CertificateDer::from(c.clone()))
        .collect();
    crate::transcript::record_chain(&format!("{host}:{port} ({protocol})"), &chain);
}

/// A reqwest client with the harness's TLS, timeouts and redirect policy, presenting
/// `identity` when a server asks for a client certificate.
fn build_client(
    base: &Url,
    limits: &Limits,
    identity: Option<&tls::ClientIdentity>,
) -> Result<reqwest::Client, HttpError> {
    let verifier = Arc::new(tls::dangerous::RecordingVerifier::default());
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls::dangerous::recording_client_config(verifier, identity))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .connect_timeout(Duration::from_secs(limits.connect_timeout_secs))
        .timeout(Duration::from_secs(limits.request_timeout_secs))
        .pool_max_idle_per_host(limits.connections_per_host)
        .user_agent(concat!("tianping-harness/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| HttpError::Other {
            url: base.to_string(),
            detail: e.to_string(),
        })
}

/// An answer's headers as (name, value) pairs, values read lossily as UTF-8.
fn header_pairs(headers: &hyper::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

fn bracket_ipv6(host: &str) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}

/// The path and query as evidence shows them: the values of secret-looking query parameters
/// (`password`, `token`, …) are masked, so a probe that puts credentials in a URL does not
/// copy them into transcripts and results.
fn display_path(url: &Url) -> String {
    let Some(query) = url.query() else {
        return url.path().to_string();
    };
    let shown: Vec<String> = query
        .split('&')
        .map(|part| {
            let raw_key = part.split_once('=').map_or(part, |(k, _)| k);
            let key: String = url::form_urlencoded::parse(raw_key.as_bytes())
                .next()
                .map(|(k, _)| k.into_owned())
                .unwrap_or_default();
            if redact::is_secret_key(&key) {
                format!("{raw_key}=***")
            } else {
                part.to_string()
            }
        })
        .collect();
    format!("{}?{}", url.path(), shown.join("&"))
}

fn classify(url: &str, e: reqwest::Error, secs: u64) -> HttpError {
    // reqwest's message repeats the full URL, query included; `url` is the masked form.
    let e = e.without_url();
    if e.is_timeout() {
        HttpError::Timeout {
            url: url.to_string(),
            secs,
        }
    } else if e.is_connect() {
        let mut detail = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            detail = format!("{detail}: {s}");
            source = s.source();
        }
        HttpError::Connect {
            url: url.to_string(),
            detail,
        }
    } else {
        HttpError::Other {
            url: url.to_string(),
            detail: e.to_string(),
        }
    }
}

async fn read_limited(
    mut response: reqwest::Response,
    limit: usize,
    url: &str,
) -> Result<Vec<u8>, HttpError> {
    if response
        .content_length()
        .is_some_and(|n| n as usize > limit)
    {
        return Err(HttpError::BodyTooLarge {
            url: url.to_string(),
            limit,
        });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| HttpError::Other {
        url: url.to_string(),
        detail: e.to_string(),
    })? {
        if body.len() + chunk.len() > limit {
            return Err(HttpError::BodyTooLarge {
                url: url.to_string(),
                limit,
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_is_exact_and_case_insensitive() {
        let scope = Scope::new(["Platform.Example.cn", "127.0.0.1", "[::1]"]);
        assert!(scope.allows("platform.example.cn"));
        assert!(scope.allows("platform.example.cn."));
        assert!(scope.allows("::1"));
        assert!(!scope.allows("evil.example.cn"));
        assert!(!scope.allows("example.cn"));
    }

    /// A client aimed at port 1 of loopback, where nothing listens.
    fn client_for_closed_port() -> HttpClient {
        HttpClient::new(
            Url::parse("https://127.0.0.1:1/").unwrap(),
            Scope::new(["127.0.0.1"]),
            Limits::default(),
        )
        .unwrap()
    }

    #[tokio::test]
    async fn out_of_scope_urls_are_refused_before_any_connection() {
        let client = client_for_closed_port();
        let err = client
            .send(Method::GET, "https://evil.example/x", &[], None)
            .await
            .unwrap_err();
        assert!(matches!(err, HttpError::OutOfScope(h) if h == "evil.example"));
        let err = client.connect_tcp("10.0.0.1", 443).await.unwrap_err();
        assert!(matches!(err, TlsError::OutOfScope(_)));
    }

    #[test]
    fn secret_query_values_are_masked_where_evidence_shows_a_path() {
        let url = Url::parse(
            "https://h/api/v1/auth/login?username=tp-probe&Password=s3cr%21t&access%5Ftoken=abc&x=1",
        )
        .unwrap();
        assert_eq!(
            display_path(&url),
            "/api/v1/auth/login?username=tp-probe&Password=***&access%5Ftoken=***&x=1"
        );
        assert_eq!(display_path(&Url::parse("https://h/a?b").unwrap()), "/a?b");
    }

    #[tokio::test]
    async fn a_failed_connection_does_not_repeat_a_secret_query_value() {
        let client = client_for_closed_port();
        let err = client
            .send(Method::GET, "/login?password=hunter2-secret", &[], None)
            .await
            .unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
        assert!(err.to_string().contains("password=***"), "{err}");
    }

    /// A one-shot plain-HTTP server answering every request with `response`.
    async fn canned_server(response: Vec<u8>) -> u16 {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                let response = response.clone();
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    let _ = s.read(&mut buf).await;
                    let _ = s.write_all(&response).await;
                });
            }
        });
        port
    }

    fn client_for(port: u16, limits: Limits) -> HttpClient {
        HttpClient::new(
            Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap(),
            Scope::new(["127.0.0.1"]),
            limits,
        )
        .unwrap()
    }

    #[tokio::test]
    async fn redirects_are_reported_not_followed() {
        let port = canned_server(b"HTTP/1.1 302 Found\r\nLocation: http://evil.example/steal\r\nContent-Length: 0\r\n\r\n".to_vec()).await;
        let ex = client_for(port, Limits::default())
            .send(Method::GET, "/api", &[], None)
            .await
            .unwrap();
        assert_eq!(ex.status, 302);
        assert_eq!(ex.header("location"), Some("http://evil.example/steal"));
    }

    #[tokio::test]
    async fn oversized_bodies_are_cut_off_with_a_clear_error() {
        let body = vec![b'x'; 10_000];
        let mut response =
            format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len()).into_bytes();
        response.extend(body);
        let port = canned_server(response).await;
        let limits = Limits {
            max_body_bytes: 1_000,
            ..Limits::default()
        };
        let err = client_for(port, limits)
            .send(Method::GET, "/big", &[], None)
            .await
            .unwrap_err();
        assert!(
            matches!(err, HttpError::BodyTooLarge { limit: 1_000, .. }),
            "{err}"
        );
    }

    #[tokio::test]
    async fn a_silent_server_times_out() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            let _held = listener.accept().await;
            tokio::time::sleep(Duration::from_secs(30)).await;
        });
        let limits = Limits {
            request_timeout_secs: 1,
            ..Limits::default()
        };
        let err = client_for(port, limits)
            .send(Method::GET, "/", &[], None)
            .await
            .unwrap_err();
        assert!(matches!(err, HttpError::Timeout { .. }), "{err}");
    }

    #[tokio::test]
    async fn rate_limiter_spaces_requests() {
        let limiter = RateLimiter::new(20.0);
        let start = Instant::now();
        for _ in 0..5 {
            limiter.wait().await;
        }
        assert!(
            start.elapsed() >= Duration::from_millis(190),
            "{:?}",
            start.elapsed()
        );
    }
}
