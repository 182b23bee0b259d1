//! What a live run evaluates, resolved in one place: the embedded reference platform when the
//! configuration names no target, otherwise the platform at `target.base_url` with the lab's
//! trust anchors, the credentials from the environment and the lab's records.
//!
//! The CLI's `run`, the `cargo test` conformance mode, the end-to-end tests and the checks' own
//! tests all call [`resolve`] (or [`crate::reference::start`]), so a test exercises the same
//! choice the command line makes. Callers validate `[thresholds]` against the registry first
//! (`tianping_suites::validate_thresholds`): this crate knows no check.

use std::path::Path;

use rustls::pki_types::CertificateDer;
use tianping_engine::config::{Config, Credentials};
use tianping_engine::lab::LabRecords;
use tianping_engine::model::TargetSummary;
use tianping_engine::{CheckError, Ctx};
use tianping_fixtures::{Faults, ReferenceServer};

/// A target ready to evaluate: the configuration pointed at it and everything a check
/// context needs. When it is the embedded reference, the platform serves as long as this lives.
pub struct Target {
    /// The configuration, with `target.base_url` set to the platform evaluated.
    pub config: Config,
    /// The accounts the checks use.
    pub credentials: Credentials,
    /// Trust anchors for the platform's TLS and SM2 certificates.
    pub trust_roots: Vec<CertificateDer<'static>>,
    /// The lab's verdicts for manual checks.
    pub lab_records: LabRecords,
    /// What results.json records as the target.
    pub summary: TargetSummary,
    /// The embedded reference platform, when that is the target.
    pub reference: Option<ReferenceServer>,
}

impl Target {
    /// For a live target configured for TLS: when the API endpoint refuses TLS but completes
    /// a TLCP handshake, the run carries its traffic over TLCP and says so (`transport` =
    /// `tlcp-auto`). Returns whether it switched.
    pub async fn choose_transport(&mut self) -> bool {
        use tianping_engine::config::Transport;
        if self.reference.is_some() || self.config.target.transport != Transport::Tls {
            return false;
        }
        let Ok(ctx) = tianping_engine::Ctx::new(
            self.config.clone(),
            self.credentials.clone(),
            self.trust_roots.clone(),
        ) else {
            return false;
        };
        if ctx.http.base().scheme() != "https" {
            return false;
        }
        let (host, port) = (ctx.api_host(), ctx.api_port());
        // Briefly: a target that accepts connections and never answers must not hold the run
        // up here; it stays on TLS and the checks say what they met.
        let wait =
            std::time::Duration::from_secs(self.config.limits.request_timeout_secs.clamp(1, 5));
        match tokio::time::timeout(wait, ctx.http.peer_tls(&host, port, &host)).await {
            Ok(Err(_)) => {}
            Ok(Ok(_)) | Err(_) => return false,
        }
        let tlcp = tokio::time::timeout(
            wait,
            ctx.http
                .tlcp_handshake(&host, port, &tianping_tlcp::CipherSuite::ALL),
        )
        .await;
        if !matches!(tlcp, Ok(Ok(Ok(_)))) {
            return false;
        }
        self.config.target.transport = Transport::Tlcp;
        self.summary.transport = Some("tlcp-auto".into());
        true
    }
}

/// Why a target could not be resolved.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// The command line asks for something that cannot be done (exit 64).
    #[error("{0}")]
    Usage(String),
    /// The configuration or a file it names is wrong (exit 78).
    #[error("{0}")]
    Config(String),
    /// The lab's records cannot be read (exit 78).
    #[error("{0}")]
    LabRecords(#[from] tianping_engine::lab::LabError),
    /// The embedded reference platform could not start (exit 2).
    #[error("cannot start the reference platform: {0}")]
    Start(#[from] std::io::Error),
}

/// Resolves the target `config` names: the live platform at `target.base_url`, or with none,
/// the reference platform started on loopback with `faults` switched on.
pub async fn resolve(config: Config, faults: Faults) -> Result<Target, TargetError> {
    if config.target.base_url.is_none() {
        return Ok(crate::reference::start(config, faults).await?);
    }
    if !faults.names().is_empty() {
        return Err(TargetError::Usage(
            "--fault applies to the built-in reference platform only; drop --target".into(),
        ));
    }
    live(config)
}

/// The live platform `config` names, with the lab's trust anchors, the credentials from the
/// environment variables the config names, and the lab's records.
pub fn live(config: Config) -> Result<Target, TargetError> {
    let credentials = Credentials::from_env(&config.credentials);
    live_with(config, credentials)
}

/// As [`live`], with the accounts given rather than read from the environment.
pub fn live_with(config: Config, credentials: Credentials) -> Result<Target, TargetError> {
    let trust_roots = load_trust_roots(&config.target.trust_roots)?;
    let lab_records = match &config.lab.records {
        Some(path) => LabRecords::load(Path::new(path))?,
        None => LabRecords::default(),
    };
    let summary = TargetSummary {
        base_url: config.target.base_url.clone().unwrap_or_default(),
        kind: "live".into(),
        reference_faults: Vec::new(),
        adapter: Some(
            config
                .adapter
                .describe()
                .map_err(|e| TargetError::Config(e.to_string()))?,
        ),
        declarations: config.architecture.declarations(),
        transport: (config.target.transport == tianping_engine::config::Transport::Tlcp)
            .then(|| "tlcp".to_string()),
    };
    Ok(Target {
        config,
        credentials,
        trust_roots,
        lab_records,
        summary,
        reference: None,
    })
}

impl Target {
    /// A check context pointed at this target, with the lab's records.
    pub fn context(&self) -> Result<Ctx, CheckError> {
        let ctx = Ctx::new(
            self.config.clone(),
            self.credentials.clone(),
            self.trust_roots.clone(),
        )?;
        Ok(ctx.with_lab_records(self.lab_records.clone()))
    }

    /// The embedded reference platform serving this target.
    ///
    /// # Panics
    /// When the target is a live platform: only tests and the reference run call this.
    pub fn server(&self) -> &ReferenceServer {
        self.reference
            .as_ref()
            .expect("the target is the embedded reference platform")
    }

    /// Stops the embedded reference platform, if this target is one.
    pub async fn stop(self) {
        if let Some(server) = self.reference {
            server.stop().await;
        }
    }
}

/// Reads PEM trust anchors named in the config.
pub fn load_trust_roots(paths: &[String]) -> Result<Vec<CertificateDer<'static>>, TargetError> {
    let mut roots = Vec::new();
    for p in paths {
        let text = tianping_engine::files::read_regular_text(
            std::path::Path::new(p),
            tianping_engine::files::MAX_DOCUMENT_BYTES,
        )
        .map_err(|e| TargetError::Config(format!("trust root {p}: {e}")))?;
        let ders = tianping_profile::pem::certificates(&text)
            .map_err(|e| TargetError::Config(format!("trust root {p}: {e}")))?;
        if ders.is_empty() {
            return Err(TargetError::Config(format!(
                "trust root {p}: no PEM CERTIFICATE block"
            )));
        }
        // A PEM block labelled CERTIFICATE whose body is not one is no trust anchor.
        if let Some(i) = ders
            .iter()
            .position(|d| x509_parser::parse_x509_certificate(d).is_err())
        {
            return Err(TargetError::Config(format!(
                "trust root {p}: block {} is not an X.509 certificate",
                i + 1
            )));
        }
        roots.extend(ders.into_iter().map(CertificateDer::from));
    }
    Ok(roots)
}
