//! What a check is to the engine: static metadata plus an async function from the run
//! context to a verdict. Checks never touch sockets directly; they go through [`Ctx`].

use std::future::Future;
use std::pin::Pin;

use crate::context::Ctx;
use crate::model::CheckMeta;
use crate::verdict::{CheckError, Verdict};

pub type CheckFuture<'a> = Pin<Box<dyn Future<Output = Result<Verdict, CheckError>> + Send + 'a>>;

/// A registered check. Each check module exposes one `pub const CHECK: CheckDef`.
#[derive(Clone, Copy)]
pub struct CheckDef {
    pub meta: CheckMeta,
    pub run: for<'a> fn(&'a Ctx) -> CheckFuture<'a>,
    /// How the check judges an exported evidence package, when it can.
    pub package: Option<crate::package::PackageCheck>,
    /// How the check judges certificates given as files (`tianping-harness certs`), when it can.
    pub certs: Option<crate::certset::CertCheck>,
}

/// The `run` of a manual check. The runner decides manual checks from the lab's records and
/// never calls this; it exists so every check has the same shape.
pub fn manual(_: &Ctx) -> CheckFuture<'_> {
    Box::pin(async {
        Ok(Verdict::inconclusive(
            "manual check: decided from the lab's records",
        ))
    })
}
