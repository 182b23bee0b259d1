//! What a check is to the engine: static metadata, an applicability rule, and an async
//! function from the run context to a verdict, with optional offline forms for an evidence
//! package and for certificate files. Checks never touch sockets directly; they go through
//! [`Ctx`].
//!
//! A check file builds its [`CheckDef`] with a const constructor, so a manual check is its
//! metadata and nothing else:
//!
//! ```ignore
//! pub const CHECK: CheckDef = CheckDef::manual(CheckMeta { id: "SS-002", .. });
//! pub const CHECK: CheckDef = CheckDef::remote(META, |ctx| Box::pin(run(ctx))).with_certs(judge);
//! ```

use std::future::Future;
use std::pin::Pin;

use crate::certset::CertCheck;
use crate::config::Config;
use crate::context::Ctx;
use crate::model::{CheckMeta, Mode};
use crate::package::PackageCheck;
use crate::verdict::{CheckError, Verdict};

/// The future a check's `run` returns.
pub type CheckFuture<'a> = Pin<Box<dyn Future<Output = Result<Verdict, CheckError>> + Send + 'a>>;

/// The body of a check against a live target.
pub type RunFn = for<'a> fn(&'a Ctx) -> CheckFuture<'a>;

/// Whether a check applies to the target, from the configuration and the lab's declarations
/// alone: it is decided before anything is sent, the same way for a live platform, an evidence
/// package and certificate files, and `list` shows it without contacting anything.
pub type AppliesFn = fn(&Config) -> Applicability;

/// Whether a check applies to the target in hand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applicability {
    /// The check runs.
    Applies,
    /// The check is recorded as not applicable with this reason, and `run` is not called.
    NotApplicable(Reason),
}

/// Why a check does not apply: in English, and in Chinese when the rule says it so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    /// The reason in English.
    pub en: String,
    /// The reason in Chinese, for the Chinese report.
    pub zh: Option<String>,
}

impl Reason {
    /// A reason in English.
    pub fn new(en: impl Into<String>) -> Reason {
        Reason {
            en: en.into(),
            zh: None,
        }
    }

    /// The same reason in Chinese.
    pub fn zh(mut self, zh: impl Into<String>) -> Reason {
        self.zh = Some(zh.into());
        self
    }
}

impl From<&str> for Reason {
    fn from(en: &str) -> Reason {
        Reason::new(en)
    }
}

impl From<String> for Reason {
    fn from(en: String) -> Reason {
        Reason::new(en)
    }
}

impl std::ops::Deref for Reason {
    type Target = str;
    fn deref(&self) -> &str {
        &self.en
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en)
    }
}

/// The applicability rule of a check that applies to every target.
pub fn always(_: &Config) -> Applicability {
    Applicability::Applies
}

/// A registered check. Each check module exposes one `pub const CHECK: CheckDef`.
#[derive(Clone, Copy)]
pub struct CheckDef {
    /// Identity, clauses, severity and weight.
    pub meta: CheckMeta,
    /// Whether the check applies to the target; see [`AppliesFn`].
    pub applies: AppliesFn,
    /// The check against a live target.
    pub run: RunFn,
    /// How the check judges an exported evidence package, when it can.
    pub package: Option<PackageCheck>,
    /// How the check judges certificates given as files (`tianping-harness certs`), when it can.
    pub certs: Option<CertCheck>,
    /// Runs after every other check of the run, so it can judge every answer the run
    /// received ([`crate::http::HttpClient::answers_seen`]).
    pub after_others: bool,
    /// Talks only TLS or TLCP (and TCP) to the endpoints, never the API: it needs no account,
    /// so the pre-flight does not ask for one when the selection holds only such checks.
    pub transport_only: bool,
}

impl CheckDef {
    /// A check that drives the live platform (or reads its package) with `run`; it applies to
    /// every target until [`CheckDef::with_applies`] says otherwise.
    pub const fn remote(meta: CheckMeta, run: RunFn) -> CheckDef {
        assert!(
            !matches!(meta.mode, Mode::Manual),
            "a manual check is built with CheckDef::manual"
        );
        CheckDef {
            meta,
            applies: always,
            run,
            package: None,
            certs: None,
            after_others: false,
            transport_only: false,
        }
    }

    /// A manual check: its metadata and nothing else; the lab's record decides it.
    pub const fn manual(meta: CheckMeta) -> CheckDef {
        assert!(
            matches!(meta.mode, Mode::Manual),
            "CheckDef::manual needs mode: Mode::Manual"
        );
        CheckDef {
            meta,
            applies: always,
            run: manual,
            package: None,
            certs: None,
            after_others: false,
            transport_only: false,
        }
    }

    /// Runs the check after every other check of the run: it judges every answer received.
    pub const fn after_others(mut self) -> CheckDef {
        self.after_others = true;
        self
    }

    /// The same check, marked as talking only TLS or TLCP to the endpoints.
    pub const fn transport_only(mut self) -> CheckDef {
        self.transport_only = true;
        self
    }

    /// The same check with an applicability rule.
    pub const fn with_applies(mut self, applies: AppliesFn) -> CheckDef {
        self.applies = applies;
        self
    }

    /// The same check with an offline form for evidence packages.
    pub const fn with_package(mut self, package: PackageCheck) -> CheckDef {
        self.package = Some(package);
        self
    }

    /// The same check with an offline form for certificate files.
    pub const fn with_certs(mut self, certs: CertCheck) -> CheckDef {
        self.certs = Some(certs);
        self
    }
}

/// The `run` of a manual check. The runner decides manual checks from the lab's records and
/// never calls this; it exists so every check has the same shape.
fn manual(_: &Ctx) -> CheckFuture<'_> {
    Box::pin(async {
        Ok(Verdict::inconclusive(
            "manual check: decided from the lab's records",
        ))
    })
}
