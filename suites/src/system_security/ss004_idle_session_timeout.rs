//! SS-004 — An idle console session ends on the server: the platform states its idle timeout
//! at login, the timeout is no longer than the lab's maximum (30 minutes by default), and a
//! session left idle past it is refused. The check sits idle for the stated time plus a margin,
//! up to `limits.idle_wait_max_secs`; a platform stating a longer timeout is inconclusive
//! until the lab raises that limit, since expiry unobserved is not expiry shown.

use std::time::Duration;

use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, LabThreshold, Mode, Provenance, Severity, Suite,
    ThresholdDefault, Verdict,
};

use crate::common;
use tianping_engine::{Answer, Operation};

/// Lab threshold: longest idle time after which a console session must end.
pub const IDLE_TIMEOUT_MAX_SECS: LabThreshold = LabThreshold {
    name: "idle_timeout_max_secs",
    default: ThresholdDefault::Integer {
        value: 1800,
        min: 1,
        max: 86400,
    },
    unit: "s",
    meaning: "longest idle time after which a console session must end",
};

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "SS-004",
    suite: Suite::SystemSecurity,
    title_zh: "登录连接超时自动退出",
    title_en: "Idle sessions time out on the server",
    advice_zh: "服务端会话在空闲超过阈值后失效。",
    advice_en: "End server-side sessions after the idle threshold.",
    clauses: &[
        Clause {
            source: "GB/T 22239-2019 8.1.4.1 b) log out automatically when a connection times out",
            zh: "GB/T 22239-2019 8.1.4.1 b) 登录连接超时自动退出",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "idle timeout ≤ 30 minutes",
            zh: "空闲超时不超过 30 分钟",
            provenance: Provenance::Policy,
        },
    ],
    tianping_clause: None,
    severity: Severity::Medium,
    weight: 2,
    mode: Mode::Remote,
    active: false,
    faults: &["session-never-expires"],
    thresholds: &[IDLE_TIMEOUT_MAX_SECS],
};

pub const CHECK: CheckDef = CheckDef::remote(META, |ctx| Box::pin(run(ctx)));

/// Past the stated timeout by this much before the session is tried again (the server may
/// count idle time in whole seconds).
const MARGIN_SECS: u64 = 1;

async fn session_answer(ctx: &Ctx, token: &str) -> Result<Answer, CheckError> {
    let ex = common::with_session(ctx, Operation::Session, token).await?;
    Ok(ctx.answer(&ex))
}

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let max_idle = ctx.config.thresholds.unsigned(&IDLE_TIMEOUT_MAX_SECS);
    let limits = &ctx.config.limits;
    // Idling must end well before the check itself is timed out.
    let max_wait = limits
        .idle_wait_max_secs
        .min(limits.check_timeout_secs.saturating_sub(10));
    let answer = common::console_login(ctx).await?;
    let token = ctx.fields.str(&answer, "session_token")?.to_string();
    let stated = ctx.fields.u64(&answer, "session_idle_timeout")?;
    let with_thresholds = |v: Verdict| {
        v.with("stated idle timeout", format!("{stated} s"))
            .with_threshold("idle_timeout_max_secs", max_idle)
            .with_threshold("idle_wait_max_secs", max_wait)
    };
    if stated > max_idle {
        return Ok(with_thresholds(
            Verdict::fail(format!(
                "sessions stay alive for {stated} s idle, more than the {max_idle} s allowed"
            ))
            .zh(format!(
                "会话空闲 {stated} 秒仍有效，超过允许的 {max_idle} 秒"
            )),
        ));
    }
    let control = session_answer(ctx, &token).await?;
    if !control.is_success() {
        return Err(CheckError::NoControl {
            control: "a request with a fresh session token".into(),
            answer: format!("{control}, before any idle time"),
        });
    }
    let wait = stated + MARGIN_SECS;
    if wait > max_wait {
        return Ok(with_thresholds(Verdict::inconclusive(format!(
            "the stated {stated} s is within the {max_idle} s allowed, but watching it expire \
             needs {wait} s idle: raise limits.idle_wait_max_secs (and check_timeout_secs)"
        )).zh(format!("平台声明的 {stated} 秒在允许的 {max_idle} 秒以内，但观察其过期需要空闲 {wait} 秒：请调高 limits.idle_wait_max_secs（及 check_timeout_secs）"))));
    }
    tokio::time::sleep(Duration::from_secs(wait)).await;
    let after = session_answer(ctx, &token).await?;
    let verdict = match &after {
        Answer::Success => Verdict::fail(format!(
            "the session was still accepted after {wait} s idle, past the stated {stated} s"
        ))
        .zh(format!(
            "空闲 {wait} 秒后会话仍被接受，超过平台声明的 {stated} 秒"
        )),
        Answer::Refused { .. } => Verdict::pass(format!(
            "the session was refused ({after}) after {wait} s idle; stated {stated} s, \
             within {max_idle} s"
        ))
        .zh(format!(
            "空闲 {wait} 秒后会话被拒绝（{after}）；平台声明 {stated} 秒，不超过 {max_idle} 秒"
        )),
        other => Verdict::inconclusive(format!(
            "after {wait} s idle the session request was neither accepted nor refused: {other}"
        ))
        .zh(format!(
            "空闲 {wait} 秒后会话请求既未被接受也未被拒绝：{other}"
        )),
    };
    Ok(with_thresholds(verdict).with("after idling", after.to_string()))
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
