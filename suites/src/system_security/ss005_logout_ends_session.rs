//! SS-005 — Logging out ends the session on the server: the token that worked before
//! logout is refused after it, not merely forgotten by the client.

use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite, Verdict,
};

use crate::common;
use tianping_engine::{Answer, Operation, Refusal};

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "SS-005",
    suite: Suite::SystemSecurity,
    title_zh: "注销后服务端会话失效",
    title_en: "Logout ends the session on the server",
    advice_zh: "注销时在服务端使会话令牌失效。",
    advice_en: "Invalidate the session token on the server at logout.",
    clauses: &[
        Clause {
            source: "GB/T 22239-2019 8.1.4.1 b) end the session",
            zh: "GB/T 22239-2019 8.1.4.1 b) 结束会话",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "GB/T 22239-2019 8.1.4.10 a) residual information",
            zh: "GB/T 22239-2019 8.1.4.10 a) 剩余信息保护",
            provenance: Provenance::Verified,
        },
    ],
    tianping_clause: None,
    severity: Severity::High,
    weight: 3,
    mode: Mode::Remote,
    active: false,
    faults: &["logout-keeps-session"],
    thresholds: &[],
};

pub const CHECK: CheckDef = CheckDef::remote(META, |ctx| Box::pin(run(ctx)));

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let login = common::console_login(ctx).await?;
    let token = ctx.fields.str(&login, "session_token")?.to_string();
    let before = common::with_session(ctx, Operation::Session, &token).await?;
    if !ctx.answer(&before).is_success() {
        return Err(CheckError::NoControl {
            control: "a request with a fresh session token".into(),
            answer: before.excerpt(),
        });
    }
    let logout = common::with_session(ctx, Operation::Logout, &token).await?;
    ctx.expect_success(&logout)?;
    let after = common::with_session(ctx, Operation::Session, &token).await?;
    let verdict = match ctx.answer(&after) {
        Answer::Success => Verdict::fail(format!(
            "the session token still works after logout ({})",
            Answer::Success
        ))
        .zh(format!("注销后会话令牌仍然有效（{}）", Answer::Success)),
        denied @ Answer::Refused {
            kind: Refusal::Denied,
            ..
        } => Verdict::pass(format!("the old token is refused after logout ({denied})"))
            .zh(format!("注销后旧令牌被拒绝（{denied}）")),
        other => Verdict::inconclusive(format!(
            "unexpected answer to the old token after logout: {other}"
        ))
        .zh(format!("注销后对旧令牌的应答出乎意料：{other}")),
    };
    Ok(verdict
        .with("before logout", before.excerpt())
        .with("logout", logout.excerpt())
        .with("after logout", after.excerpt()))
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
