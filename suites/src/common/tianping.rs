//! Asking Tianping itself, through the lab's verification service, whether a transaction the
//! platform names carries the digest it should. Without a service the claim stays what the
//! platform reported, and the verdict says so.

use tianping_engine::tianping::{TianpingView, normalise};
use tianping_engine::{CheckError, Ctx, Problem};

/// What Tianping said about one claim.
pub enum OnTianping {
    /// The transaction exists and carries the digest: how, in English and Chinese.
    Confirmed {
        /// In English.
        en: String,
        /// In Chinese.
        zh: String,
    },
    /// It does not exist, or carries other digests.
    Contradicted(Problem),
}

/// Whether Tianping's transaction `tx` carries `digest` (`what` names it in sentences, in
/// English and Chinese):
/// `Ok(None)` when the lab named no verification service, or its record holds no lookup of
/// `tx` (the claim stays platform-reported, and [`source`] says so). A service that does not
/// answer is an error: the lab asked for Tianping's view, and a run without it is undecided.
pub async fn confirm(
    ctx: &Ctx,
    tx: &str,
    digest: &str,
    what: (&str, &str),
) -> Result<Option<OnTianping>, CheckError> {
    let (what, what_zh) = what;
    let Some(source) = &ctx.tianping else {
        return Ok(None);
    };
    let digest = normalise(digest);
    let Some(view) = source.lookup(tx).await? else {
        return Ok(None);
    };
    Ok(Some(match view {
        TianpingView::Unknown => OnTianping::Contradicted(Problem::new(
            format!(
                "Tianping knows no transaction {tx} (the platform reports it as holding {what})"
            ),
            format!("天平链上没有交易 {tx}（平台称该交易记录了{what_zh}）"),
        )),
        TianpingView::Carries(digests) if digests.contains(&digest) => OnTianping::Confirmed {
            en: format!("Tianping transaction {tx} carries {what} {digest}"),
            zh: format!("天平链交易 {tx} 记录了{what_zh} {digest}"),
        },
        TianpingView::Carries(digests) => {
            let (carried, carried_zh) = if digests.is_empty() {
                ("no digest".to_string(), "无摘要".to_string())
            } else {
                (digests.join(", "), digests.join("、"))
            };
            OnTianping::Contradicted(Problem::new(
                format!(
                    "Tianping transaction {tx} does not carry {what} {digest} (it carries {carried})"
                ),
                format!("天平链交易 {tx} 未记录{what_zh} {digest}（其记录为：{carried_zh}）"),
            ))
        }
    }))
}

/// How a verdict names the source that decided the chain-side claim about transaction `tx`.
pub fn source(ctx: &Ctx, tx: Option<&str>) -> String {
    match (&ctx.tianping, tx) {
        (Some(s), Some(tx)) => s.describe(tx),
        _ => "platform-reported: taken from the platform's own API and not looked up on \
              Tianping (name a verification service in [lab] tianping_lookup, or record the \
              lab's own lookups in [lab] tianping_record)"
            .to_string(),
    }
}
