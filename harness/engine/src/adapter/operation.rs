//! The logical operations checks perform, and how an adapter maps each to a request.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::template::{self, TemplateError};

/// A logical operation a check performs on the platform. The adapter maps each to the
/// platform's own request; an operation the adapter leaves out is one the platform does not
/// offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// Platform metadata: operator, algorithms, certificates, chain.
    Platform,
    /// Deposit a piece of evidence.
    Deposit,
    /// Fetch a deposit's receipt.
    Receipt,
    /// Fetch a deposit's original content.
    Original,
    /// Fetch a deposit's certificate (存证证书).
    DepositCertificate,
    /// Verify content against a deposit.
    Verify,
    /// The chain's head.
    ChainHead,
    /// A block by height.
    Block,
    /// A block's Tianping anchor record.
    Anchor,
    /// A chain transaction by id.
    Tx,
    /// A transaction's inclusion proof.
    TxProof,
    /// Submit a raw chain transaction (permissioning probe).
    ChainSubmit,
    /// Call a contract administration method (access-control probe).
    ChainAdmin,
    /// Console login.
    Login,
    /// Console self-registration.
    Register,
    /// A console session's state.
    Session,
    /// End a console session.
    Logout,
    /// Export the audit log.
    Audit,
    /// Export deposits since a time.
    Export,
    /// The certificate issued to the lab's depositor account.
    AccountCertificate,
    /// The platform's RFC 3161 time-stamping service.
    Tsa,
}

/// How an operation's request is authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OperationAuth {
    /// Sent as it is.
    None,
    /// Signed (or otherwise authenticated) by the adapter's request authentication scheme.
    #[default]
    Signed,
    /// Carries a console session token (the adapter's `[session]`).
    Session,
}

impl Operation {
    /// Every operation, in the order the docs list them.
    pub const ALL: [Operation; 21] = [
        Operation::Platform,
        Operation::Deposit,
        Operation::Receipt,
        Operation::Original,
        Operation::DepositCertificate,
        Operation::Verify,
        Operation::ChainHead,
        Operation::Block,
        Operation::Anchor,
        Operation::Tx,
        Operation::TxProof,
        Operation::ChainSubmit,
        Operation::ChainAdmin,
        Operation::Login,
        Operation::Register,
        Operation::Session,
        Operation::Logout,
        Operation::Audit,
        Operation::Export,
        Operation::AccountCertificate,
        Operation::Tsa,
    ];

    /// The operation's key in adapter files, e.g. `deposit_certificate`.
    pub fn key(self) -> &'static str {
        match self {
            Operation::Platform => "platform",
            Operation::Deposit => "deposit",
            Operation::Receipt => "receipt",
            Operation::Original => "original",
            Operation::DepositCertificate => "deposit_certificate",
            Operation::Verify => "verify",
            Operation::ChainHead => "chain_head",
            Operation::Block => "block",
            Operation::Anchor => "anchor",
            Operation::Tx => "tx",
            Operation::TxProof => "tx_proof",
            Operation::ChainSubmit => "chain_submit",
            Operation::ChainAdmin => "chain_admin",
            Operation::Login => "login",
            Operation::Register => "register",
            Operation::Session => "session",
            Operation::Logout => "logout",
            Operation::Audit => "audit",
            Operation::Export => "export",
            Operation::AccountCertificate => "account_certificate",
            Operation::Tsa => "tsa",
        }
    }

    /// The operation named `key` in an adapter file.
    pub fn from_key(key: &str) -> Option<Operation> {
        Operation::ALL.into_iter().find(|op| op.key() == key)
    }

    /// What the operation does, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Operation::Platform => "platform metadata",
            Operation::Deposit => "deposit evidence",
            Operation::Receipt => "fetch a deposit receipt",
            Operation::Original => "fetch a deposit's original",
            Operation::DepositCertificate => "fetch a deposit certificate",
            Operation::Verify => "verify content against a deposit",
            Operation::ChainHead => "chain head",
            Operation::Block => "a block by height",
            Operation::Anchor => "a block's Tianping anchor",
            Operation::Tx => "a chain transaction",
            Operation::TxProof => "a transaction's inclusion proof",
            Operation::ChainSubmit => "submit a chain transaction",
            Operation::ChainAdmin => "contract administration",
            Operation::Login => "console login",
            Operation::Register => "console self-registration",
            Operation::Session => "console session state",
            Operation::Logout => "console logout",
            Operation::Audit => "audit log export",
            Operation::Export => "deposit export",
            Operation::AccountCertificate => "the depositor account's certificate",
            Operation::Tsa => "RFC 3161 time-stamping",
        }
    }

    /// Values the harness provides to this operation's templates, besides the top-level
    /// fields of the logical body ([`Operation::body_fields`]).
    pub fn params(self) -> &'static [&'static str] {
        match self {
            Operation::Receipt
            | Operation::Original
            | Operation::DepositCertificate
            | Operation::Verify => &["evidence_id"],
            Operation::Block | Operation::Anchor => &["height"],
            Operation::Tx | Operation::TxProof => &["tx_id"],
            Operation::Export => &["since", "until"],
            Operation::Deposit => &["file_hash"],
            Operation::Session | Operation::Logout => &["session_token"],
            _ => &[],
        }
    }

    /// Top-level fields of the logical body the checks send (docs/profile.md §4), which a
    /// body template may place anywhere.
    pub fn body_fields(self) -> &'static [&'static str] {
        match self {
            Operation::Deposit => &["content_base64", "business_type", "depositor", "provenance"],
            Operation::Verify => &["content_base64", "file_hash"],
            Operation::Login | Operation::Register => &["username", "password"],
            Operation::ChainSubmit => &[
                "evidence_id",
                "file_hash",
                "business_type",
                "depositor_digest",
                "submitted_at",
                "signer_public_key",
                "signature",
            ],
            Operation::ChainAdmin => &["method", "args"],
            _ => &[],
        }
    }

    /// Every name a template of this operation may use: its parameters, its body fields, and
    /// `body` (the whole logical body).
    pub fn template_names(self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = self.params().to_vec();
        names.extend(self.body_fields());
        names.push("body");
        names
    }
}

/// How the platform performs one operation: its request, written in the adapter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperationSpec {
    /// HTTP method.
    pub method: String,
    /// Path template under the base URL, e.g. `/api/v1/evidence/{evidence_id}`.
    pub path: String,
    /// Query parameters: name → value template.
    #[serde(default)]
    pub query: BTreeMap<String, String>,
    /// Extra request headers: name → value template.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// JSON body template. Absent, the logical body is sent as the profile writes it.
    #[serde(default)]
    pub body: Option<Value>,
    /// How the request is authenticated.
    #[serde(default)]
    pub auth: OperationAuth,
}

impl OperationSpec {
    /// Checks the method and that every template uses only names `op` provides.
    pub fn validate(&self, op: Operation) -> Result<(), String> {
        reqwest::Method::from_bytes(self.method.as_bytes())
            .map_err(|_| format!("method `{}` is not an HTTP method", self.method))?;
        if !self.path.starts_with('/') {
            return Err(format!("path `{}` must start with '/'", self.path));
        }
        let known = op.template_names();
        let check = |t: &str| -> Result<(), TemplateError> {
            template::check_known(t, &template::placeholders(t)?, &known)
        };
        check(&self.path).map_err(|e| e.to_string())?;
        for (name, value) in self.query.iter().chain(&self.headers) {
            check(name).map_err(|e| e.to_string())?;
            check(value).map_err(|e| e.to_string())?;
        }
        if let Some(body) = &self.body {
            let names = template::json_placeholders(body).map_err(|e| e.to_string())?;
            template::check_known(&body.to_string(), &names, &known).map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

/// Ids come from the platform: a value placed in a path never adds segments or a query.
pub fn path_segment(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_are_unique() {
        for op in Operation::ALL {
            assert_eq!(Operation::from_key(op.key()), Some(op));
        }
        let mut keys: Vec<_> = Operation::ALL.iter().map(|o| o.key()).collect();
        keys.dedup();
        assert_eq!(keys.len(), Operation::ALL.len());
    }

    #[test]
    fn a_template_naming_what_the_operation_lacks_is_refused() {
        let spec = OperationSpec {
            method: "POST".into(),
            path: "/evidence/{tx_id}".into(),
            query: BTreeMap::new(),
            headers: BTreeMap::new(),
            body: None,
            auth: OperationAuth::Signed,
        };
        let err = spec.validate(Operation::Receipt).unwrap_err();
        assert!(err.contains("{tx_id}"), "{err}");
        assert!(spec.validate(Operation::Tx).is_ok());
    }

    #[test]
    fn path_segments_cannot_escape() {
        assert_eq!(path_segment("../a b?c"), "..%2Fa%20b%3Fc");
    }
}
