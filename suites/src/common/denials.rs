//! Probes a platform must deny: a request the lab's account is not allowed to make, sent
//! through an operation the platform may not offer at all.

use serde_json::Value;
use tianping_engine::http::Exchange;
use tianping_engine::{Answer, CheckError, Ctx, Operation, Refusal, Verdict};

/// What a denial probe is, in words for its verdicts.
pub struct DenialProbe<'a> {
    /// The operation probed.
    pub operation: Operation,
    /// What the endpoint is, e.g. "transaction submission".
    pub endpoint: &'a str,
    /// The endpoint in Chinese, e.g. "交易提交".
    pub endpoint_zh: &'a str,
    /// What was asked, e.g. "a transaction signed by an unregistered key".
    pub request: &'a str,
    /// The request in Chinese.
    pub request_zh: &'a str,
}

/// Sends `body` through the probe's operation and judges the answer: a success fails, a
/// denial passes, an operation the platform does not offer (unmapped, or answered "not
/// found") and anything else are inconclusive, for a lab record to decide.
pub async fn expect_denial(
    ctx: &Ctx,
    probe: &DenialProbe<'_>,
    body: Value,
) -> Result<(Verdict, Option<Exchange>), CheckError> {
    if !ctx.offers(probe.operation) {
        return Ok((
            Verdict::inconclusive(format!(
                "the adapter maps no `{}` operation: the platform exposes no {}; record a lab \
                 verdict",
                probe.operation.key(),
                probe.endpoint
            ))
            .zh(format!(
                "适配文件未映射 `{}` 操作：平台未提供{}接口；请由测评机构记录结论",
                probe.operation.key(),
                probe.endpoint_zh
            )),
            None,
        ));
    }
    let ex = ctx.call(probe.operation).json(body).send().await?;
    let verdict = match ctx.answer(&ex) {
        answer @ Answer::Refused {
            kind: Refusal::NotFound,
            ..
        } => Verdict::inconclusive(format!(
            "the platform exposes no {} endpoint ({} {} → {answer}); record a lab verdict",
            probe.endpoint, ex.method, ex.path
        ))
        .zh(format!(
            "平台未提供{}接口（{} {} → {}）；请由测评机构记录结论",
            probe.endpoint_zh,
            ex.method,
            ex.path,
            answer.describe_zh()
        )),
        answer @ Answer::Success => {
            Verdict::fail(format!("{} was accepted ({answer})", probe.request)).zh(format!(
                "{}被接受（{}）",
                probe.request_zh,
                answer.describe_zh()
            ))
        }
        answer @ Answer::Refused {
            kind: Refusal::Denied,
            ..
        } => Verdict::pass(format!("{} was refused ({answer})", probe.request)).zh(format!(
            "{}被拒绝（{}）",
            probe.request_zh,
            answer.describe_zh()
        )),
        other => Verdict::inconclusive(format!("unexpected answer to {}: {other}", probe.request))
            .zh(format!(
                "对{}的应答出乎意料：{}",
                probe.request_zh,
                other.describe_zh()
            )),
    };
    Ok((verdict, Some(ex)))
}
