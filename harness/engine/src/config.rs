//! TOML configuration. Secrets are never written in the file: it names the environment
//! variables that hold them, and [`Credentials`] keeps their values out of Debug output.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

pub use crate::thresholds::Thresholds;

/// The harness configuration: a TOML file, or the defaults. Secrets are never in it: it names
/// the environment variables that hold them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// What is evaluated.
    pub target: TargetConfig,
    /// Names of the environment variables holding the lab's secrets.
    pub credentials: CredentialVars,
    /// The platform's adapter (docs/adapters.md): unset, tp-profile-1.
    pub adapter: AdapterConfig,
    /// What the applicant declares about its architecture and the lab accepted.
    pub architecture: Architecture,
    /// Legacy field map (logical field name → absolute JSON pointer), applied on top of the
    /// adapter's fields. New configs write an adapter instead.
    pub fields: BTreeMap<String, String>,
    /// Timeouts, rates and size limits.
    pub limits: Limits,
    /// Lab thresholds, as the checks declare them.
    pub thresholds: Thresholds,
    /// Which checks run.
    pub selection: Selection,
    /// The lab's test depositor.
    pub deposit: DepositConfig,
    /// The lab: its name, evaluators, records, waivers, signing key and TSA.
    pub lab: LabConfig,
    /// Weights and exclusions of the score.
    pub scoring: crate::scoring::ScoringConfig,
}

/// What the applicant declares about its architecture, and the lab accepted. Each declaration
/// is in results.json, on the report's cover and in the console, and each check it removes is
/// recorded as not applicable with the declaration as its reason: nothing is removed silently,
/// and nothing failed becomes a pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Architecture {
    /// The platform runs a chain of its own (the default). `false`: it writes digests to
    /// Tianping through an application node; checks of a local chain do not apply, and
    /// anchoring is judged on the Tianping transaction id alone.
    pub local_chain: bool,
    /// The platform keeps the originals it is given (the default). `false`: digest-only
    /// deposits; checks of the original do not apply.
    pub originals_kept: bool,
    /// Anyone may verify content against a deposit (a feature the SPC opinions ask for). Other
    /// accounts reading receipts and originals stays forbidden.
    pub public_verification: bool,
}

impl Default for Architecture {
    fn default() -> Self {
        Architecture {
            local_chain: true,
            originals_kept: true,
            public_verification: false,
        }
    }
}

impl Architecture {
    /// The declarations that differ from the defaults, as the config writes them.
    pub fn declarations(&self) -> Vec<String> {
        let defaults = Architecture::default();
        let mut out = Vec::new();
        for (name, value, default) in [
            ("local_chain", self.local_chain, defaults.local_chain),
            (
                "originals_kept",
                self.originals_kept,
                defaults.originals_kept,
            ),
            (
                "public_verification",
                self.public_verification,
                defaults.public_verification,
            ),
        ] {
            if value != default {
                out.push(format!("architecture.{name} = {value}"));
            }
        }
        out
    }
}

/// Which adapter describes the platform.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AdapterConfig {
    /// Adapter file (relative to this config file); unset, the built-in tp-profile-1.
    pub file: Option<String>,
}

impl AdapterConfig {
    /// How outputs name the adapter: its name, and for a file its path and SM3 digest.
    pub fn describe(&self) -> Result<String, crate::adapter::AdapterError> {
        let adapter = self.load()?;
        Ok(match &self.file {
            Some(file) => {
                let bytes = std::fs::read(file).unwrap_or_default();
                format!(
                    "{} ({file}, SM3 {})",
                    adapter.info.name,
                    tianping_profile::digest::sm3_hex(&bytes)
                )
            }
            None => format!("{} (built in)", adapter.info.name),
        })
    }

    /// The adapter this names, read and validated.
    pub fn load(&self) -> Result<crate::adapter::Adapter, crate::adapter::AdapterError> {
        match &self.file {
            Some(file) => crate::adapter::Adapter::load(Path::new(file)),
            None => Ok(crate::adapter::Adapter::tp_profile_1()),
        }
    }
}

/// The evaluation lab and its files.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LabConfig {
    /// TOML file with the lab's verdicts for manual checks (relative to this config file).
    pub records: Option<String>,
    /// TOML file with the findings the lab accepts (relative to this config file).
    pub waivers: Option<String>,
    /// File with the lab's SM2 private key (64 hex characters) that seals each run's evidence
    /// bundle. Without it, a key is generated for the run and the bundle says so.
    pub signing_key: Option<String>,
    /// The evaluation lab's name and its evaluators, for the report's cover.
    pub name: Option<String>,
    /// The evaluators, for the report's cover.
    pub evaluators: Vec<String>,
    /// The lab's number for the report (报告编号); without it one is made from the run's
    /// date and ID.
    pub report_number: Option<String>,
    /// Who reviews the report for the lab (审核), for its signature block.
    pub reviewer: Option<String>,
    /// Who approves the report for the lab (批准), for its signature block.
    pub approver: Option<String>,
    /// RFC 3161 time-stamping service for the bundle's manifest (a host outside the target's
    /// scope that the lab names itself). Without it the manifest is signed but not time-stamped.
    pub tsa_url: Option<String>,
    /// NTP server (`host[:port]`) the harness checks its own clock against before judging a
    /// platform's clock (DC-009, BC-016). A host the lab names itself, outside the target's
    /// scope. Without it those checks say the harness's clock was not checked.
    pub ntp_server: Option<String>,
    /// A Tianping verification service the lab can query, as a URL with `{tianping_tx}` in
    /// place of the transaction id (a host the lab names itself, outside the target's scope).
    /// With it, BC-010 and DC-003 look chain-side claims up on Tianping; without it they say
    /// the claims are platform-reported.
    pub tianping_lookup: Option<String>,
    /// JSON pointer, in the lookup's answer, to the digest (or array of digests) the
    /// transaction carries. Default `/digests`.
    pub tianping_digests: Option<String>,
    /// TOML file of Tianping lookups the lab made itself (relative to this config file), for
    /// a lab without a verification service to query: each decides the claims about its
    /// transaction, and BC-010 holds the platform's own account of each recorded deposit to
    /// it. Not together with `tianping_lookup`.
    pub tianping_record: Option<String>,
}

/// The platform under evaluation.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TargetConfig {
    /// The applicant organisation and the platform under evaluation, for the report's cover.
    pub applicant: Option<String>,
    /// The platform's name, for the report's cover.
    pub platform: Option<String>,
    /// Base URL of the platform's profile API, e.g. `https://evidence.example.cn`.
    pub base_url: Option<String>,
    /// Further hosts the harness may contact (a separate chain node, TSA). Nothing else is.
    pub extra_hosts: Vec<String>,
    /// PEM files with the CA certificates the lab accepts as trust anchors.
    pub trust_roots: Vec<String>,
    /// TLS endpoints (`host:port`) to probe besides the API's own; defaults to the API's.
    pub tls_endpoints: Vec<String>,
    /// TCP ports SS-014 tries on the API host; unset, a list of commonly exposed risky
    /// services (remote shells, file transfer, databases, caches, container APIs).
    pub scan_ports: Option<Vec<u16>>,
    /// Ports the applicant declared open besides the API's and `tls_endpoints`' (SS-014).
    pub declared_ports: Vec<u16>,
    /// The port on the API host where SS-007 tries plain HTTP (besides the API's own port);
    /// unset, 80.
    pub plain_http_port: Option<u16>,
    /// How API traffic to an `https` base URL is protected: `tls` (the default) or `tlcp`
    /// (GB/T 38636), for a platform whose API is reachable only over TLCP.
    pub transport: Transport,
}

/// How the API's HTTP traffic is carried.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// TLS 1.2 or 1.3.
    #[default]
    Tls,
    /// TLCP 1.1 (GB/T 38636), with the harness's own client.
    Tlcp,
}

/// Names of the environment variables that hold the lab's accounts.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CredentialVars {
    /// Variable holding the API key id.
    pub api_key_id_env: String,
    /// Variable holding the API secret.
    pub api_secret_env: String,
    /// Variable holding the console username.
    pub username_env: String,
    /// Variable holding the console password.
    pub password_env: String,
    /// A second depositor account's API key: SS-009 checks it cannot read the first's evidence.
    pub second_api_key_id_env: String,
    /// Variable holding the second depositor account's API secret.
    pub second_api_secret_env: String,
    /// A console account the lab may lock: SS-003 sends it failed logins.
    pub lockout_username_env: String,
    /// Variable holding the lockout account's password.
    pub lockout_password_env: String,
}

impl Default for CredentialVars {
    fn default() -> Self {
        CredentialVars {
            api_key_id_env: "TIANPING_API_KEY_ID".into(),
            api_secret_env: "TIANPING_API_SECRET".into(),
            username_env: "TIANPING_USERNAME".into(),
            password_env: "TIANPING_PASSWORD".into(),
            second_api_key_id_env: "TIANPING_SECOND_API_KEY_ID".into(),
            second_api_secret_env: "TIANPING_SECOND_API_SECRET".into(),
            lockout_username_env: "TIANPING_LOCKOUT_USERNAME".into(),
            lockout_password_env: "TIANPING_LOCKOUT_PASSWORD".into(),
        }
    }
}

/// Politeness and safety limits of every connection.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Longest wait for a connection.
    pub connect_timeout_secs: u64,
    /// Longest wait for a whole answer.
    pub request_timeout_secs: u64,
    /// Largest answer body read; a larger one is an error.
    pub max_body_bytes: usize,
    /// Connections open to one host at once.
    pub connections_per_host: usize,
    /// Requests per second across the run.
    pub requests_per_second: f64,
    /// Checks running at once.
    pub concurrent_checks: usize,
    /// Longest a check may run before it is inconclusive.
    pub check_timeout_secs: u64,
    /// Longest a check sits idle to watch a session expire (SS-004), and never closer than
    /// 10 s to `check_timeout_secs`. A platform declaring a longer idle timeout is
    /// inconclusive unless this is raised (and the check timeout with it).
    pub idle_wait_max_secs: u64,
    /// Largest size a zip evidence package may unpack to; never more than three quarters of
    /// the free space where it is unpacked, whatever this says.
    pub max_package_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            connect_timeout_secs: 5,
            request_timeout_secs: 15,
            max_body_bytes: 4 * 1024 * 1024,
            connections_per_host: 4,
            requests_per_second: 50.0,
            concurrent_checks: 4,
            check_timeout_secs: 120,
            idle_wait_max_secs: 60,
            max_package_bytes: 256 << 30,
        }
    }
}

/// Which checks a run selects.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Selection {
    /// Suite keys (`data_compliance`, …); empty means all.
    pub suites: Vec<String>,
    /// Check IDs or ID prefixes to run; empty means all.
    pub include: Vec<String>,
    /// Check IDs or ID prefixes left out.
    pub exclude: Vec<String>,
    /// Skip checks that send attack-like input.
    pub passive: bool,
    /// An applicant's self-test: the manual checks are left out, and every output says the
    /// result is a self-test, not a lab evaluation.
    pub self_test: bool,
}

/// The lab's test depositor. Test data, not a secret, so it lives in the file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DepositConfig {
    /// Business type of the test deposits.
    pub business_type: String,
    /// Depositor type (`person` or `organization`).
    pub depositor_type: String,
    /// Name of the test depositor.
    pub depositor_name: String,
    /// Identity number of the test depositor (test data).
    pub depositor_id_number: String,
    /// The business types the court approved for this applicant (DC-017); by default the
    /// categories of the access process.
    pub approved_business_types: Vec<String>,
}

impl Default for DepositConfig {
    fn default() -> Self {
        DepositConfig {
            business_type: "copyright".into(),
            depositor_type: "person".into(),
            depositor_name: "测评用户".into(),
            // GB 11643 example number with a valid check character.
            depositor_id_number: "11010519491231002X".into(),
            approved_business_types: ["e-commerce", "finance", "copyright", "notary", "deposit"]
                .map(String::from)
                .to_vec(),
        }
    }
}

/// Why a configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid TOML or has an unknown key.
    #[error("config file {path} is not valid: {message}")]
    Parse {
        /// The file.
        path: String,
        /// What the TOML parser said.
        message: String,
    },
    /// A value is out of range or inconsistent.
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

impl Config {
    /// Who evaluates whom, as the report's cover names them.
    pub fn parties(&self) -> crate::model::Parties {
        crate::model::Parties {
            applicant: self.target.applicant.clone(),
            platform: self.target.platform.clone(),
            lab: self.lab.name.clone(),
            evaluators: self.lab.evaluators.clone(),
            report_number: self.lab.report_number.clone(),
            reviewer: self.lab.reviewer.clone(),
            approver: self.lab.approver.clone(),
            sealing_key: None,
        }
    }

    /// Reads a config file. Relative `trust_roots` paths are taken relative to the file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = crate::files::read_regular_text(path, crate::files::MAX_SETTINGS_BYTES)
            .map_err(|source| ConfigError::Read {
                path: path.display().to_string(),
                source,
            })?;
        let mut config = Self::parse(&text).map_err(|e| match e {
            ConfigError::Parse { message, .. } => ConfigError::Parse {
                path: path.display().to_string(),
                message,
            },
            other => other,
        })?;
        let base = path.parent().unwrap_or(Path::new(""));
        for file in [
            &mut config.lab.records,
            &mut config.lab.waivers,
            &mut config.lab.signing_key,
            &mut config.lab.tianping_record,
            &mut config.adapter.file,
        ]
        .into_iter()
        .flatten()
        {
            if Path::new(file.as_str()).is_relative() {
                *file = base.join(file.as_str()).display().to_string();
            }
        }
        for root in &mut config.target.trust_roots {
            if Path::new(root.as_str()).is_relative() {
                *root = base.join(root.as_str()).display().to_string();
            }
        }
        Ok(config)
    }

    /// Parses a configuration from TOML text.
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: "<text>".into(),
            message: e.to_string(),
        })?;
        config.validate()?;
        Ok(config)
    }

    /// Checks ranges and consistency that TOML types cannot express.
    pub fn validate(&self) -> Result<(), ConfigError> {
        // Credentials come only from the environment: a URL that carries them would put a
        // password into every output that names the target. Refused, without repeating it.
        if let Some(base) = &self.target.base_url
            && let Ok(mut url) = url::Url::parse(base)
            && (!url.username().is_empty() || url.password().is_some())
        {
            let _ = url.set_username("");
            let _ = url.set_password(None);
            return Err(ConfigError::Invalid(format!(
                "target.base_url carries a user name or password; credentials come only from the \
                 environment variables in [credentials]: use {url}"
            )));
        }
        // Every limit within a range the harness can honour: a value the config accepts must
        // never overflow a duration or a semaphore later.
        let l = &self.limits;
        let out_of_range = |key: &str, range: &str| {
            Err(ConfigError::Invalid(format!(
                "limits.{key} must be {range}"
            )))
        };
        if !(1..=256).contains(&l.connections_per_host) {
            return out_of_range("connections_per_host", "between 1 and 256");
        }
        if !(1..=64).contains(&l.concurrent_checks) {
            return out_of_range("concurrent_checks", "between 1 and 64");
        }
        if !(0.01..=10_000.0).contains(&l.requests_per_second) {
            return out_of_range("requests_per_second", "between 0.01 and 10000");
        }
        for (key, secs) in [
            ("request_timeout_secs", l.request_timeout_secs),
            ("connect_timeout_secs", l.connect_timeout_secs),
            ("check_timeout_secs", l.check_timeout_secs),
        ] {
            if !(1..=86_400).contains(&secs) {
                return out_of_range(key, "between 1 and 86400 seconds");
            }
        }
        for suite in &self.selection.suites {
            if crate::model::Suite::from_key(suite).is_none() {
                return Err(ConfigError::Invalid(format!(
                    "selection.suites: unknown suite `{suite}` (use data_compliance, system_security, blockchain_security, certificates)"
                )));
            }
        }
        for (field, pointer) in &self.fields {
            if !pointer.is_empty() && !pointer.starts_with('/') {
                return Err(ConfigError::Invalid(format!(
                    "fields.{field}: `{pointer}` is not a JSON pointer (must start with '/')"
                )));
            }
        }
        if let Some(url) = &self.target.base_url {
            let parsed = url::Url::parse(url)
                .map_err(|e| ConfigError::Invalid(format!("target.base_url `{url}`: {e}")))?;
            if parsed.scheme() != "https" && parsed.scheme() != "http" {
                return Err(ConfigError::Invalid(format!(
                    "target.base_url `{url}`: only https (or http, to test it is refused) is supported"
                )));
            }
            if parsed.host_str().is_none() {
                return Err(ConfigError::Invalid(format!(
                    "target.base_url `{url}` has no host"
                )));
            }
        }
        Ok(())
    }

    /// SM3 of the effective configuration, the adapter file's content included: names the
    /// exact settings a result came from.
    pub fn digest(&self) -> String {
        let mut bytes = toml::to_string(self).unwrap_or_default().into_bytes();
        match self.adapter.load() {
            Ok(adapter) if self.adapter.file.is_some() => {
                bytes.extend(b"\n# adapter\n");
                bytes.extend(std::fs::read(&adapter.source).unwrap_or_default());
            }
            _ => {}
        }
        tianping_profile::digest::sm3_hex(&bytes)
    }
}

/// A secret value: printable only on purpose, never by `{:?}`.
#[derive(Clone, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    /// The secret itself: only for signing and sending, never for output.
    pub fn expose(&self) -> &str {
        &self.0
    }
    /// Whether no value was given.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The lab's accounts, read from the environment. Secrets are [`Secret`]s: they do not
/// print.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    /// Key id of the lab's API account.
    pub api_key_id: String,
    /// Secret of the lab's API account.
    pub api_secret: Secret,
    /// The lab's console username.
    pub username: String,
    /// The lab's console password.
    pub password: Secret,
    /// Key id of a second depositor account (SS-009, SS-024).
    pub second_api_key_id: String,
    /// Secret of the second depositor account.
    pub second_api_secret: Secret,
    /// A console account the lab allows the harness to lock (SS-003).
    pub lockout_username: String,
    /// Password of the lockout account.
    pub lockout_password: Secret,
    /// Client certificates for mutual TLS, when handed over in memory (the built-in reference
    /// platform); otherwise read from the variables the adapter names.
    pub client_certificates: Option<crate::tls::ClientCertificates>,
    /// The lab's TLCP certificate pair, when handed over in memory (the built-in reference
    /// platform); otherwise read from the variables the adapter's `[tlcp_client_certificate]`
    /// names.
    pub tlcp_client: Option<tianping_tlcp::ClientIdentity>,
}

impl Credentials {
    /// Reads the variables named in the config; missing ones stay empty and the checks
    /// that need them report inconclusive.
    pub fn from_env(vars: &CredentialVars) -> Credentials {
        Self::from_lookup(vars, |name| std::env::var(name).ok())
    }

    /// As [`Credentials::from_env`], reading each variable through `lookup` (a test's map, or
    /// the process environment).
    pub fn from_lookup(
        vars: &CredentialVars,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Credentials {
        let get = |name: &str| lookup(name).unwrap_or_default();
        Credentials {
            api_key_id: get(&vars.api_key_id_env),
            api_secret: Secret::new(get(&vars.api_secret_env)),
            username: get(&vars.username_env),
            password: Secret::new(get(&vars.password_env)),
            second_api_key_id: get(&vars.second_api_key_id_env),
            second_api_secret: Secret::new(get(&vars.second_api_secret_env)),
            lockout_username: get(&vars.lockout_username_env),
            lockout_password: Secret::new(get(&vars.lockout_password_env)),
            client_certificates: None,
            tlcp_client: None,
        }
    }

    /// Every secret value, for scrubbing outputs.
    pub fn secret_values(&self) -> Vec<&str> {
        vec![
            self.api_secret.expose(),
            self.password.expose(),
            self.second_api_secret.expose(),
            self.lockout_password.expose(),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_example_config_parses() {
        let c = Config::parse(include_str!("../../../docs/harness.example.toml")).unwrap();
        assert_eq!(
            c.target.base_url.as_deref(),
            Some("https://evidence.example.cn")
        );
    }

    #[test]
    fn relative_trust_roots_are_resolved_against_the_config_file() {
        let dir = std::env::temp_dir().join(format!("tp-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("harness.toml");
        std::fs::write(
            &file,
            "[target]\ntrust_roots = [\"roots.pem\", \"/abs/ca.pem\"]\n",
        )
        .unwrap();
        let c = Config::load(&file).unwrap();
        assert_eq!(
            c.target.trust_roots,
            vec![
                dir.join("roots.pem").display().to_string(),
                "/abs/ca.pem".to_string()
            ]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn defaults_parse_from_an_empty_file() {
        let c = Config::parse("").unwrap();
        assert_eq!(c.limits.connections_per_host, 4);
        assert_eq!(c.thresholds, Thresholds::default());
    }

    #[test]
    fn a_typo_is_a_clear_error_not_a_silent_default() {
        let err = Config::parse("[limits]\nconections_per_host = 2\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("conections_per_host"), "{err}");
    }

    #[test]
    fn field_pointers_must_be_json_pointers() {
        let err = Config::parse("[fields]\nfile_hash = \"data.file_hash\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("JSON pointer"), "{err}");
    }

    #[test]
    fn unknown_suite_is_rejected() {
        assert!(Config::parse("[selection]\nsuites = [\"perf\"]\n").is_err());
    }

    #[test]
    fn limits_outside_what_the_harness_can_honour_are_refused_by_name() {
        for (text, key) in [
            (
                "[limits]\nrequests_per_second = 1e-300\n",
                "requests_per_second",
            ),
            (
                "[limits]\nrequests_per_second = nan\n",
                "requests_per_second",
            ),
            (
                "[limits]\nconcurrent_checks = 18446744073709551615\n",
                "concurrent_checks",
            ),
            (
                "[limits]\nconnections_per_host = 18446744073709551615\n",
                "connections_per_host",
            ),
            (
                "[limits]\nrequest_timeout_secs = 0\n",
                "request_timeout_secs",
            ),
        ] {
            let err = Config::parse(text)
                .map_err(|e| e.to_string())
                .and_then(|c| c.validate().map_err(|e| e.to_string()))
                .unwrap_err();
            assert!(err.contains(key), "{text}: {err}");
        }
    }

    #[test]
    fn a_target_url_with_credentials_is_refused_without_repeating_them() {
        let mut c = Config::default();
        c.target.base_url = Some("https://lab:hunter2-secret@evidence.example.cn/api".into());
        let err = c.validate().unwrap_err().to_string();
        assert!(!err.contains("hunter2"), "{err}");
        assert!(err.contains("https://evidence.example.cn/api"), "{err}");
    }

    #[test]
    fn secrets_do_not_debug_print() {
        let c = Credentials {
            password: Secret::new("hunter22"),
            ..Default::default()
        };
        assert!(!format!("{c:?}").contains("hunter22"));
    }

    #[test]
    fn digest_changes_with_settings() {
        let a = Config::parse("").unwrap();
        let b = Config::parse("[thresholds]\nblocks_to_sample = 3\n").unwrap();
        assert_ne!(a.digest(), b.digest());
    }
}
