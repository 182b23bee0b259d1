//! Adapters: how a real platform performs each logical operation the checks use, how it says
//! yes and no, where its fields are, its vocabulary and formats, and how its requests are
//! authenticated. docs/adapters.md explains the model; docs/adapters/ holds examples.
//!
//! The default adapter is docs/adapters/tp-profile-1.toml, compiled in.

pub mod auth;
pub mod operation;
pub mod success;
pub mod template;
pub mod values;

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use auth::AuthScheme;
pub use operation::{Operation, OperationAuth, OperationSpec};
pub use success::{Answer, Refusal, SuccessRule};
pub use values::{Normaliser, TimeFormat};

use template::TemplateError;

/// The tp-profile-1 adapter's text: the default.
pub const TP_PROFILE_1: &str = include_str!("../../../../docs/adapters/tp-profile-1.toml");

/// The largest adapter file read.
const MAX_ADAPTER_BYTES: u64 = 1 << 20;

/// Why an adapter cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum AdapterError {
    /// The file cannot be read.
    #[error("cannot read adapter file {path}: {detail}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        detail: String,
    },
    /// The file is not valid TOML or has an unknown key.
    #[error("adapter {path} is not valid: {message}")]
    Parse {
        /// The file.
        path: String,
        /// What the TOML parser said.
        message: String,
    },
    /// A section is inconsistent; names the section.
    #[error("adapter {path}: {section}: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// The section or key, e.g. `operations.receipt`.
        section: String,
        /// What is wrong.
        message: String,
    },
}

/// The adapter's name and description.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AdapterInfo {
    /// Short name, shown in every output.
    pub name: String,
    /// What platform or style it describes.
    pub description: String,
    /// `tp-profile-1`: this file only adds to or replaces parts of the built-in adapter
    /// (tables are merged key by key; any other value replaces the built-in one).
    pub extends: Option<String>,
}

/// Where the payload sits in an answer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ResponseSpec {
    /// JSON pointer of the payload in every answer (`/data` for `{code, msg, data}`
    /// envelopes); field pointers are relative to it. Empty: the whole answer.
    pub data: String,
}

/// How a console session token travels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SessionSpec {
    /// Header name.
    pub header: String,
    /// Header value template over `{session_token}`.
    pub value: String,
}

impl Default for SessionSpec {
    fn default() -> Self {
        SessionSpec {
            header: "authorization".into(),
            value: "Bearer {session_token}".into(),
        }
    }
}

/// How deposits complete.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DepositSpec {
    /// The deposit answers before the chain transaction exists; the receipt operation is
    /// polled until the chain fields appear.
    pub asynchronous: bool,
    /// Milliseconds between polls.
    pub poll_interval_ms: u64,
    /// Longest wait for an asynchronous deposit to complete; longer is a finding of its own.
    pub max_wait_secs: u64,
    /// JSON pointer (relative to `response.data`) of a receipt's processing status, when the
    /// platform has one. Without it, a receipt is complete once it names its transaction.
    pub status: Option<String>,
    /// Status values meaning the deposit is complete.
    pub done: Vec<Value>,
    /// Status values meaning the deposit failed for good (no point waiting).
    pub failed: Vec<Value>,
}

impl Default for DepositSpec {
    fn default() -> Self {
        DepositSpec {
            asynchronous: false,
            poll_interval_ms: 500,
            max_wait_secs: 30,
            status: None,
            done: Vec::new(),
            failed: Vec::new(),
        }
    }
}

/// Mutual TLS: the client certificate and key the harness presents on every connection to the
/// platform, both PEM, read from environment variables (adapters are shared between labs; the
/// material is the lab's). Probes of unauthenticated access connect without one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientCertificateSpec {
    /// Variable holding the lab account's certificate chain, leaf first (PEM).
    pub certificate_env: String,
    /// Variable holding its private key (PKCS#8, SEC1 or PKCS#1 PEM).
    pub private_key_env: String,
    /// Variable holding the second account's certificate chain, when the platform tells
    /// accounts apart by certificate; otherwise the second account presents the lab's.
    #[serde(default)]
    pub second_certificate_env: Option<String>,
    /// Variable holding the second account's private key.
    #[serde(default)]
    pub second_private_key_env: Option<String>,
}

impl ClientCertificateSpec {
    /// Checks that the second account's certificate and key come together.
    fn validate(&self) -> Result<(), String> {
        let named = |v: &str| !v.trim().is_empty();
        if !named(&self.certificate_env) || !named(&self.private_key_env) {
            return Err("certificate_env and private_key_env must name variables".into());
        }
        match (&self.second_certificate_env, &self.second_private_key_env) {
            (Some(_), None) | (None, Some(_)) => {
                Err("second_certificate_env and second_private_key_env go together".into())
            }
            _ => Ok(()),
        }
    }
}

/// Mutual TLCP: the lab's TLCP certificate pair (signing and encryption, each with its SM2
/// key, PEM), read from environment variables, presented when a TLCP server asks for it and
/// needed for the ECDHE suites.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlcpClientCertificateSpec {
    /// Variable holding the signing certificate, then any CA certificates (PEM).
    pub signing_certificate_env: String,
    /// Variable holding the signing key (PKCS#8 or SEC1 PEM, unencrypted).
    pub signing_key_env: String,
    /// Variable holding the encryption certificate (PEM).
    pub encryption_certificate_env: String,
    /// Variable holding the encryption key (PKCS#8 or SEC1 PEM, unencrypted).
    pub encryption_key_env: String,
}

impl TlcpClientCertificateSpec {
    fn validate(&self) -> Result<(), String> {
        let all_named = [
            &self.signing_certificate_env,
            &self.signing_key_env,
            &self.encryption_certificate_env,
            &self.encryption_key_env,
        ]
        .iter()
        .all(|v| !v.trim().is_empty());
        if all_named {
            Ok(())
        } else {
            Err("each of the four *_env keys must name a variable".into())
        }
    }
}

/// A receipt's processing status under the adapter's `[deposit]` rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DepositStatus {
    /// Complete.
    Done,
    /// Failed for good; the platform's status value.
    Failed(String),
    /// Still processing; the platform's status value.
    Processing(String),
}

/// Lays `over` onto `base`: tables merge key by key, anything else replaces.
fn merge(base: &mut toml::Table, over: toml::Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// An adapter file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct AdapterFile {
    adapter: AdapterInfo,
    #[serde(default)]
    response: ResponseSpec,
    #[serde(default)]
    success: SuccessRule,
    auth: AuthScheme,
    #[serde(default)]
    session: SessionSpec,
    #[serde(default)]
    client_certificate: Option<ClientCertificateSpec>,
    #[serde(default)]
    tlcp_client_certificate: Option<TlcpClientCertificateSpec>,
    #[serde(default)]
    deposit: DepositSpec,
    #[serde(default)]
    operations: BTreeMap<String, OperationSpec>,
    #[serde(default)]
    fields: BTreeMap<String, String>,
    #[serde(default)]
    values: BTreeMap<String, BTreeMap<String, Value>>,
    #[serde(default)]
    formats: BTreeMap<String, String>,
}

/// A platform's adapter, read and validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Adapter {
    /// Name and description.
    pub info: AdapterInfo,
    /// Where the payload sits.
    pub response: ResponseSpec,
    /// How the platform says yes and no.
    pub success: SuccessRule,
    /// Request authentication.
    pub auth: AuthScheme,
    /// How session tokens travel.
    pub session: SessionSpec,
    /// The client certificate every connection presents (mutual TLS), if the platform asks
    /// for one.
    pub client_certificate: Option<ClientCertificateSpec>,
    /// The TLCP certificate pair presented when a TLCP server asks (mutual TLCP, ECDHE).
    pub tlcp_client_certificate: Option<TlcpClientCertificateSpec>,
    /// How deposits complete.
    pub deposit: DepositSpec,
    /// The operations the platform offers.
    pub operations: BTreeMap<Operation, OperationSpec>,
    /// Field pointers the adapter writes (relative to `response.data`).
    pub fields: BTreeMap<String, String>,
    /// Value maps and formats.
    pub normaliser: Normaliser,
    /// Where it was read from (`tp-profile-1 (built in)` for the default).
    pub source: String,
}

impl Default for Adapter {
    fn default() -> Self {
        Adapter::tp_profile_1()
    }
}

impl Adapter {
    /// The tp-profile-1 adapter, the default.
    pub fn tp_profile_1() -> Adapter {
        Adapter::parse(TP_PROFILE_1, "tp-profile-1 (built in)")
            .expect("docs/adapters/tp-profile-1.toml is a valid adapter")
    }

    /// Reads an adapter file (a regular file of at most 1 MiB).
    pub fn load(path: &Path) -> Result<Adapter, AdapterError> {
        let shown = path.display().to_string();
        let read_error = |detail: String| AdapterError::Read {
            path: shown.clone(),
            detail,
        };
        let text = crate::files::read_regular_text(path, MAX_ADAPTER_BYTES)
            .map_err(|e| read_error(e.to_string()))?;
        Adapter::parse(&text, &shown)
    }

    /// Parses and validates adapter text; `source` names it in errors.
    pub fn parse(text: &str, source: &str) -> Result<Adapter, AdapterError> {
        let parse_error = |e: &dyn std::fmt::Display| AdapterError::Parse {
            path: source.to_string(),
            message: e.to_string(),
        };
        let mut table: toml::Table = toml::from_str(text).map_err(|e| parse_error(&e))?;
        let extends = table
            .get("adapter")
            .and_then(|a| a.get("extends"))
            .map(|v| v.as_str().unwrap_or_default().to_string());
        match extends.as_deref() {
            None => {}
            Some("tp-profile-1") => {
                let mut base: toml::Table =
                    toml::from_str(TP_PROFILE_1).expect("the built-in adapter is TOML");
                merge(&mut base, table);
                table = base;
            }
            Some(other) => {
                return Err(AdapterError::Invalid {
                    path: source.to_string(),
                    section: "adapter.extends".into(),
                    message: format!("`{other}` is not an adapter to extend (only tp-profile-1)"),
                });
            }
        }
        let file: AdapterFile = table.try_into().map_err(|e| parse_error(&e))?;
        let invalid = |section: String, message: String| AdapterError::Invalid {
            path: source.to_string(),
            section,
            message,
        };
        if file.adapter.name.trim().is_empty() {
            return Err(invalid("adapter.name".into(), "is empty".into()));
        }
        if !file.response.data.is_empty() && !file.response.data.starts_with('/') {
            return Err(invalid(
                "response.data".into(),
                format!("`{}` is not a JSON pointer", file.response.data),
            ));
        }
        file.success
            .validate()
            .map_err(|m| invalid("success".into(), m))?;
        match &file.deposit.status {
            Some(p) if !p.starts_with('/') => {
                return Err(invalid(
                    "deposit.status".into(),
                    format!("`{p}` is not a JSON pointer"),
                ));
            }
            Some(_) if file.deposit.done.is_empty() => {
                return Err(invalid(
                    "deposit.done".into(),
                    "deposit.status is set but no status means done".into(),
                ));
            }
            _ => {}
        }
        file.auth
            .validate()
            .map_err(|m| invalid("auth".into(), m))?;
        if let Some(spec) = &file.client_certificate {
            spec.validate()
                .map_err(|m| invalid("client_certificate".into(), m))?;
        }
        if let Some(spec) = &file.tlcp_client_certificate {
            spec.validate()
                .map_err(|m| invalid("tlcp_client_certificate".into(), m))?;
        }
        let session_names = template::placeholders(&file.session.value)
            .map_err(|e: TemplateError| invalid("session.value".into(), e.to_string()))?;
        template::check_known(&file.session.value, &session_names, &["session_token"])
            .map_err(|e| invalid("session.value".into(), e.to_string()))?;
        let mut operations = BTreeMap::new();
        for (key, spec) in file.operations {
            let op = Operation::from_key(&key).ok_or_else(|| {
                invalid(
                    format!("operations.{key}"),
                    format!(
                        "unknown operation (known: {})",
                        Operation::ALL.map(Operation::key).join(", ")
                    ),
                )
            })?;
            spec.validate(op)
                .map_err(|m| invalid(format!("operations.{key}"), m))?;
            operations.insert(op, spec);
        }
        if let AuthScheme::Bearer(b) = &file.auth
            && b.token_from == auth::TokenSource::Login
            && operations
                .get(&Operation::Login)
                .is_none_or(|login: &OperationSpec| login.auth != OperationAuth::None)
        {
            return Err(invalid(
                "auth.token_from".into(),
                "tokens from the login operation need `operations.login` with auth = \"none\""
                    .into(),
            ));
        }
        for (field, pointer) in &file.fields {
            if !crate::fields::is_known_field(field) {
                return Err(invalid(
                    format!("fields.{field}"),
                    "unknown logical field (docs/adapters.md lists them)".into(),
                ));
            }
            if !pointer.is_empty() && !pointer.starts_with('/') {
                return Err(invalid(
                    format!("fields.{field}"),
                    format!("`{pointer}` is not a JSON pointer (must start with '/')"),
                ));
            }
        }
        let mut normaliser = Normaliser::default();
        for (field, map) in file.values {
            if !crate::fields::is_known_field(&field) {
                return Err(invalid(
                    format!("values.{field}"),
                    "unknown logical field".into(),
                ));
            }
            normaliser.values.insert(field, map);
        }
        for (field, format) in file.formats {
            let kind = values::kind_of(&field);
            if kind == values::FieldKind::Binary {
                match format.as_str() {
                    "base64" => {}
                    "hex" => {
                        normaliser.hex_binary.insert(field);
                    }
                    other => {
                        return Err(invalid(
                            format!("formats.{field}"),
                            format!("unknown binary format `{other}` (use base64 or hex)"),
                        ));
                    }
                }
                continue;
            }
            if !matches!(
                kind,
                values::FieldKind::Time | values::FieldKind::EpochMillis
            ) {
                return Err(invalid(
                    format!("formats.{field}"),
                    "only time and binary fields take a format (hex is always normalised)".into(),
                ));
            }
            let parsed =
                TimeFormat::parse(&format).map_err(|m| invalid(format!("formats.{field}"), m))?;
            normaliser.formats.insert(field, parsed);
        }
        Ok(Adapter {
            info: file.adapter,
            response: file.response,
            success: file.success,
            auth: file.auth,
            session: file.session,
            client_certificate: file.client_certificate,
            tlcp_client_certificate: file.tlcp_client_certificate,
            deposit: file.deposit,
            operations,
            fields: file.fields,
            normaliser,
            source: source.to_string(),
        })
    }

    /// What a receipt's processing status says, when the adapter declares one: `Some(true)`
    /// complete, `Some(false)` failed for good, `None` still processing or no status rule.
    pub fn deposit_status(&self, receipt: &Value) -> Option<DepositStatus> {
        let pointer = self.deposit.status.as_deref()?;
        let status = receipt
            .pointer(&format!("{}{pointer}", self.response.data))
            .map(template::text_of)?;
        let listed = |list: &[Value]| list.iter().any(|v| template::text_of(v) == status);
        Some(if listed(&self.deposit.done) {
            DepositStatus::Done
        } else if listed(&self.deposit.failed) {
            DepositStatus::Failed(status)
        } else {
            DepositStatus::Processing(status)
        })
    }

    /// How the platform performs `op`, or `None` when it does not offer it.
    pub fn operation(&self, op: Operation) -> Option<&OperationSpec> {
        self.operations.get(&op)
    }

    /// What an answer means under the success rule.
    pub fn judge(&self, ex: &crate::exchange::Exchange) -> Answer {
        self.success.judge(ex)
    }

    /// The effective pointer of every logical field: the adapter's (under `response.data`),
    /// else the profile's (under `response.data` too). Fields inside an audit entry are
    /// relative to the entry.
    pub fn pointers(&self) -> BTreeMap<String, String> {
        crate::fields::DEFAULT_POINTERS
            .iter()
            .map(|(field, default)| {
                let own = self
                    .fields
                    .get(*field)
                    .map(String::as_str)
                    .unwrap_or(default);
                let pointer = if crate::fields::is_entry_field(field) {
                    own.to_string()
                } else {
                    format!("{}{own}", self.response.data)
                };
                (field.to_string(), pointer)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_adapter_maps_every_operation_and_field() {
        let a = Adapter::tp_profile_1();
        assert_eq!(a.info.name, "tp-profile-1");
        for op in Operation::ALL {
            assert!(a.operation(op).is_some(), "{}", op.key());
        }
        for (field, pointer) in crate::fields::DEFAULT_POINTERS {
            assert_eq!(
                a.fields.get(*field).map(String::as_str),
                Some(*pointer),
                "{field}"
            );
        }
        assert_eq!(a.pointers().len(), crate::fields::DEFAULT_POINTERS.len());
    }

    #[test]
    fn mistakes_are_named_by_section() {
        let base = TP_PROFILE_1;
        let cases = [
            (
                base.replace("[operations.tsa]", "[operations.tsaa]"),
                "operations.tsaa",
            ),
            (
                base.replace(
                    "path = \"/api/v1/evidence/{evidence_id}\"",
                    "path = \"/api/v1/evidence/{evidence}\"",
                ),
                "operations.receipt",
            ),
            (
                base.replace("file_hash = \"/file_hash\"", "file_hsah = \"/file_hash\""),
                "fields.file_hsah",
            ),
            (
                base.replace("[formats]", "[formats]\nfile_hash = \"epoch_ms\""),
                "formats.file_hash",
            ),
            (
                base.replace("[formats]", "[formats]\ntx_time = \"unix\""),
                "formats.tx_time",
            ),
            (
                base.replace(
                    "statuses = [200, 201, 202, 204]",
                    "statuses = [200]\ncode = \"/code\"",
                ),
                "success",
            ),
        ];
        for (text, section) in cases {
            let err = Adapter::parse(&text, "a.toml").unwrap_err();
            assert!(
                matches!(&err, AdapterError::Invalid { section: s, .. } if s == section),
                "{section}: {err}"
            );
        }
        let err = Adapter::parse("[adapter]\nname = \"x\"\nbogus = 1", "a.toml").unwrap_err();
        assert!(matches!(err, AdapterError::Parse { .. }), "{err}");
    }

    #[test]
    fn an_envelope_moves_every_pointer_but_those_inside_audit_entries() {
        let text = TP_PROFILE_1.replace("data = \"\"", "data = \"/data\"");
        let a = Adapter::parse(&text, "x").unwrap();
        let p = a.pointers();
        assert_eq!(p["file_hash"], "/data/file_hash");
        assert_eq!(p["audit_entries"], "/data/entries");
        assert_eq!(p["audit_event"], "/event");
    }

    #[test]
    fn an_adapter_can_extend_the_built_in_one() {
        let text = "[adapter]\nname = \"mine\"\nextends = \"tp-profile-1\"\n\
                    [success]\nstatuses = [200]\n\
                    [operations.receipt]\nmethod = \"POST\"\npath = \"/r\"\n";
        let a = Adapter::parse(text, "x").unwrap();
        let base = Adapter::tp_profile_1();
        assert_eq!(a.info.name, "mine");
        assert_eq!(a.success.statuses, vec![200]);
        assert_eq!(a.operation(Operation::Receipt).unwrap().path, "/r");
        // Untouched sections and operations are the built-in ones.
        assert_eq!(a.auth, base.auth);
        assert_eq!(
            a.operation(Operation::Deposit),
            base.operation(Operation::Deposit)
        );
        let err =
            Adapter::parse("[adapter]\nname = \"m\"\nextends = \"other\"\n", "x").unwrap_err();
        assert!(
            matches!(&err, AdapterError::Invalid { section, .. } if section == "adapter.extends"),
            "{err}"
        );
    }

    #[test]
    fn a_tlcp_client_pair_names_four_variables() {
        let base = "[adapter]\nname = \"t\"\nextends = \"tp-profile-1\"\n";
        let pair = "[tlcp_client_certificate]\nsigning_certificate_env = \"A\"\nsigning_key_env = \"B\"\nencryption_certificate_env = \"C\"\nencryption_key_env = \"D\"\n";
        let a = Adapter::parse(&format!("{base}{pair}"), "t.toml").unwrap();
        assert_eq!(a.tlcp_client_certificate.unwrap().encryption_key_env, "D");
        let blank = pair.replace("\"D\"", "\" \"");
        let err = Adapter::parse(&format!("{base}{blank}"), "t.toml").unwrap_err();
        assert!(
            matches!(&err, AdapterError::Invalid { section, .. } if section == "tlcp_client_certificate"),
            "{err}"
        );
    }

    #[test]
    fn the_shipped_mutual_tls_adapter_is_tp_profile_1_with_certificates() {
        let text = include_str!("../../../../docs/adapters/mutual-tls.toml");
        let a = Adapter::parse(text, "mutual-tls.toml").unwrap();
        let spec = a.client_certificate.as_ref().unwrap();
        assert_eq!(spec.certificate_env, "TIANPING_CLIENT_CERT");
        assert_eq!(a.operations, Adapter::tp_profile_1().operations);
        let half = text.replace("second_private_key_env", "# ");
        let err = Adapter::parse(&half, "m").unwrap_err();
        assert!(
            matches!(&err, AdapterError::Invalid { section, .. } if section == "client_certificate"),
            "{err}"
        );
    }

    #[test]
    fn special_files_are_not_read() {
        let err = Adapter::load(Path::new("/dev/zero")).unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
        let dir = std::env::temp_dir();
        let err = Adapter::load(&dir).unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
    }
}
