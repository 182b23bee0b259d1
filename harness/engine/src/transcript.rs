//! Raw evidence a check gathered, kept as files beside the results: every HTTP exchange
//! (request and response, secret fields masked) and every certificate chain a server
//! presented. The runner gives each check its own recorder for the duration of the check;
//! the HTTP client and the TLS handshake write to whichever recorder is current, so no check
//! has to do anything to leave a transcript.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::{Arc, Mutex};

use rustls::pki_types::CertificateDer;

use crate::exchange::Exchange;
use crate::redact;

/// Per exchange and per check, so a check that fetches many blocks cannot fill the disk.
const BODY_CHARS: usize = 4096;
const TRANSCRIPT_CHARS: usize = 512 * 1024;

tokio::task_local! {
    static CURRENT: Arc<Recorder>;
}

/// Raw evidence of one check: its HTTP exchanges and the chains it was served.
#[derive(Default)]
pub struct Recorder {
    inner: Mutex<Recorded>,
}

#[derive(Default)]
struct Recorded {
    http: String,
    exchanges: usize,
    truncated: bool,
    /// Credential header values this check sent (signatures, tokens), masked wherever an
    /// echoing server returns them.
    sent: std::collections::BTreeSet<String>,
    chains: Vec<(String, Vec<CertificateDer<'static>>)>,
}

impl Recorder {
    /// Runs `fut` with this recorder current.
    pub async fn scope<F: std::future::Future>(self: Arc<Self>, fut: F) -> F::Output {
        CURRENT.scope(self, fut).await
    }

    /// The credential header values this check sent, for scrubbing its result.
    pub fn sent_secrets(&self) -> Vec<String> {
        let recorded = self.inner.lock().expect("recorder lock");
        recorded.sent.iter().cloned().collect()
    }

    /// Writes what was recorded into `dir` (created only when there is something to write),
    /// scrubbing `secrets` and every credential header value the check sent; returns the
    /// files written, relative to `base`.
    pub fn write(&self, dir: &Path, base: &Path, secrets: &[&str]) -> std::io::Result<Vec<String>> {
        let recorded = self.inner.lock().expect("recorder lock");
        let mut all: Vec<&str> = secrets.to_vec();
        all.extend(recorded.sent.iter().map(String::as_str));
        let scrubber = redact::Scrubber::new(&all);
        let mut files = Vec::new();
        let mut put = |name: String, content: &str| -> std::io::Result<()> {
            std::fs::create_dir_all(dir)?;
            let path = dir.join(name);
            std::fs::write(&path, scrubber.scrub(content))?;
            files.push(
                path.strip_prefix(base)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .replace('\\', "/"),
            );
            Ok(())
        };
        if recorded.exchanges > 0 {
            let mut text = recorded.http.clone();
            if recorded.truncated {
                text.push_str("\n[transcript cut: per-check limit reached]\n");
            }
            put("http.txt".into(), &text)?;
        }
        for (i, (endpoint, chain)) in recorded.chains.iter().enumerate() {
            let mut pem = format!("# chain presented by {endpoint}, leaf first\n");
            for der in chain {
                pem.push_str(&to_pem(der));
            }
            put(format!("chain-{}.pem", i + 1), &pem)?;
        }
        Ok(files)
    }
}

/// Called by the HTTP client for every exchange.
pub(crate) fn record_http(
    host: &str,
    masked_headers: &[String],
    request_headers: &[(String, String)],
    request_body: Option<&[u8]>,
    exchange: &Exchange,
) {
    let _ = CURRENT.try_with(|r| {
        let mut rec = r.inner.lock().expect("recorder lock");
        rec.exchanges += 1;
        for (k, v) in request_headers {
            let masked =
                masked_headers.iter().any(|m| m.eq_ignore_ascii_case(k)) || is_credential_header(k);
            if masked && rec.sent.len() < MAX_SENT_SECRETS {
                // `Bearer <token>`: the token alone is what comes back.
                let value = v.split_once(' ').map_or(v.as_str(), |(_, token)| token);
                for secret in [v.as_str(), value] {
                    if secret.len() >= 8 {
                        rec.sent.insert(secret.to_string());
                    }
                }
            }
        }
        if rec.truncated {
            return;
        }
        let mut t = String::new();
        let _ = writeln!(
            t,
            "### {} {} (host {host}) → {} in {} ms",
            exchange.method, exchange.path, exchange.status, exchange.elapsed_ms
        );
        for (k, v) in request_headers {
            let masked = masked_headers.iter().any(|m| m.eq_ignore_ascii_case(k));
            let shown = if masked {
                format!("[{} characters masked]", v.chars().count())
            } else {
                mask_header(k, v)
            };
            let _ = writeln!(t, "> {k}: {shown}");
        }
        if let Some(body) = request_body {
            let _ = writeln!(t, ">\n> {}", body_text(body));
        }
        for (k, v) in &exchange.headers {
            let _ = writeln!(t, "< {k}: {}", mask_header(k, v));
        }
        let _ = writeln!(t, "<\n< {}\n", body_text(&exchange.body));
        if rec.http.len() + t.len() > TRANSCRIPT_CHARS {
            rec.truncated = true;
        } else {
            rec.http.push_str(&t);
        }
    });
}

/// Called by the TLS handshake with the chain the server presented.
pub(crate) fn record_chain(endpoint: &str, chain: &[CertificateDer<'static>]) {
    let _ = CURRENT.try_with(|r| {
        let mut rec = r.inner.lock().expect("recorder lock");
        if !rec.chains.iter().any(|(_, c)| c == chain) {
            rec.chains.push((endpoint.to_string(), chain.to_vec()));
        }
    });
}

/// Credential header values remembered per check for scrubbing: far more than any check
/// sends.
const MAX_SENT_SECRETS: usize = 20_000;

/// A header that carries a credential (authorization, a token, a signature, a cookie).
fn is_credential_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    redact::is_secret_key(&n) || n.contains("cookie")
}

/// Credentials travel in these headers; the transcript keeps only that they were there.
fn mask_header(name: &str, value: &str) -> String {
    if is_credential_header(name) {
        format!("[{} characters masked]", value.chars().count())
    } else {
        value.to_string()
    }
}

fn body_text(body: &[u8]) -> String {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(v) => redact::truncate(&redact::redact_json(&v).to_string(), BODY_CHARS),
        Err(_) => redact::truncate(
            &redact::redact_form(&String::from_utf8_lossy(body)),
            BODY_CHARS,
        ),
    }
}

fn to_pem(der: &[u8]) -> String {
    tianping_profile::pem::encode("CERTIFICATE", der)
}
