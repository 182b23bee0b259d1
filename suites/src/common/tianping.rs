//! Asking Tianping itself, through the lab's verification service, whether a transaction the
//! platform names carries the digest it should. Without a service the claim stays what the
//! platform reported, and the verdict says so.

use tianping_engine::tianping::{TianpingView, normalise};
use tianping_engine::{CheckError, Ctx};

/// What Tianping said about one claim.
pub enum OnTianping {
    /// The transaction exists and carries the digest.
    Confirmed(String),
    /// It does not exist, or carries other digests.
    Contradicted(String),
}

/// Whether Tianping's transaction `tx` carries `digest` (`what` names it in sentences):
/// `Ok(None)` when the lab named no verification service. A service that does not answer
/// is an error: the lab asked for Tianping's view, and a run without it is undecided.
pub async fn confirm(
    ctx: &Ctx,
    tx: &str,
    digest: &str,
    what: &str,
) -> Result<Option<OnTianping>, CheckError> {
    let Some(source) = &ctx.tianping else {
        return Ok(None);
    };
    let digest = normalise(digest);
    Ok(Some(match source.lookup(tx).await? {
        TianpingView::Unknown => OnTianping::Contradicted(format!(
            "Tianping knows no transaction {tx} (the platform reports it as holding {what})"
        )),
        TianpingView::Carries(digests) if digests.contains(&digest) => {
            OnTianping::Confirmed(format!("Tianping transaction {tx} carries {what} {digest}"))
        }
        TianpingView::Carries(digests) => OnTianping::Contradicted(format!(
            "Tianping transaction {tx} does not carry {what} {digest} (it carries {})",
            if digests.is_empty() {
                "no digest".to_string()
            } else {
                digests.join(", ")
            }
        )),
    }))
}

/// How a verdict names the source that decided a chain-side claim.
pub fn source(ctx: &Ctx) -> String {
    match &ctx.tianping {
        Some(s) => s.describe(),
        None => "platform-reported: taken from the platform's own API and not looked up on \
                 Tianping (name a verification service in [lab] tianping_lookup)"
            .to_string(),
    }
}
