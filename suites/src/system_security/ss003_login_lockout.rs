//! SS-003 — Failed logins lock the account: after the lab's number of wrong passwords (5 by
//! default) the right password is refused too, and a lock the platform states (Retry-After)
//! lasts at least the lab's minimum (10 minutes by default). It uses a console account the
//! lab set aside to be locked, never the account the other checks log in with; that account
//! stays locked afterwards for as long as the platform locks it.

use tianping_engine::http::Exchange;
use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, LabThreshold, Mode, Provenance, Severity, Suite,
    ThresholdDefault, Verdict,
};

use crate::common;
use tianping_engine::Answer;

/// Lab threshold: wrong passwords after which the lockout account must be locked.
pub const LOCKOUT_MAX_FAILURES: LabThreshold = LabThreshold {
    name: "lockout_max_failures",
    default: ThresholdDefault::Integer {
        value: 5,
        min: 1,
        max: 100,
    },
    unit: "attempts",
    meaning: "wrong passwords after which the lockout account must be locked",
};

/// Lab threshold: shortest lock accepted, when the platform states it (Retry-After).
pub const LOCKOUT_MIN_SECS: LabThreshold = LabThreshold {
    name: "lockout_min_secs",
    default: ThresholdDefault::Integer {
        value: 600,
        min: 0,
        max: 86400,
    },
    unit: "s",
    meaning: "shortest lock accepted, when the platform states it (Retry-After)",
};

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "SS-003",
    suite: Suite::SystemSecurity,
    title_zh: "登录失败处理",
    title_en: "Repeated login failures lock the account",
    advice_zh: "连续登录失败达到阈值后锁定账户，并保持规定的锁定时长。",
    advice_en: "Lock an account after the threshold of failed logins, for the required time.",
    clauses: &[
        Clause {
            source: "GB/T 22239-2019 8.1.4.1 b) login-failure handling: limit failed login attempts (its timeout half is SS-004)",
            zh: "GB/T 22239-2019 8.1.4.1 b) 登录失败处理：限制非法登录次数（超时自动退出见 SS-004）",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "locked after ≤ 5 failures, for ≥ 10 minutes",
            zh: "连续失败不超过 5 次即锁定，锁定不少于 10 分钟",
            provenance: Provenance::Policy,
        },
    ],
    tianping_clause: None,
    severity: Severity::High,
    weight: 3,
    mode: Mode::Remote,
    active: true,
    faults: &["no-login-lockout"],
    thresholds: &[LOCKOUT_MAX_FAILURES, LOCKOUT_MIN_SECS],
};

pub const CHECK: CheckDef = CheckDef::remote(META, |ctx| Box::pin(run(ctx)));

async fn login(ctx: &Ctx, user: &str, password: &str) -> Result<(Exchange, Answer), CheckError> {
    let ex = common::login(ctx, user, password).once().send().await?;
    let answer = ctx.answer(&ex);
    Ok((ex, answer))
}

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let creds = &ctx.credentials;
    let (user, password) = (&creds.lockout_username, creds.lockout_password.expose());
    if user.is_empty() || password.is_empty() {
        return Err(CheckError::Config(format!(
            "no account to lock: set {} and {} to a console account the lab may lock",
            ctx.config.credentials.lockout_username_env,
            ctx.config.credentials.lockout_password_env
        )));
    }
    let max_failures = ctx.config.thresholds.unsigned(&LOCKOUT_MAX_FAILURES) as u32;
    let min_lock = ctx.config.thresholds.unsigned(&LOCKOUT_MIN_SECS);
    // The account must work before it is locked, or a refusal proves nothing.
    let (first, first_answer) = login(ctx, user, password).await?;
    if !first_answer.is_success() {
        return Err(CheckError::NoControl {
            control: "the lockout account's login with its password before the test (is it \
                      still locked from an earlier run, or are the credentials wrong?)"
                .into(),
            answer: first.excerpt(),
        });
    }
    let mut wrong_answers = Vec::new();
    for attempt in 1..=max_failures {
        let (_, answer) = login(ctx, user, &format!("wrong-password-{attempt}")).await?;
        if answer.is_success() {
            return Ok(Verdict::fail(format!(
                "a wrong password logged in (attempt {attempt}, {answer})"
            ))
            .zh(format!("错误口令登录成功（第 {attempt} 次，{answer}）")));
        }
        wrong_answers.push(answer.to_string());
    }
    let (after, after_answer) = login(ctx, user, password).await?;
    let evidence = |v: Verdict| {
        v.with("wrong passwords answered", wrong_answers.join("; "))
            .with("right password afterwards", after_answer.to_string())
            .with_threshold("lockout_max_failures", max_failures)
            .with_threshold("lockout_min_secs", min_lock)
    };
    if after_answer.is_success() {
        return Ok(evidence(
            Verdict::fail(format!(
                "after {max_failures} wrong passwords the right one still logs in: the account \
             was not locked"
            ))
            .zh(format!(
                "连续 {max_failures} 次口令错误后正确口令仍可登录：账户未被锁定"
            )),
        ));
    }
    let stated = after
        .header("retry-after")
        .and_then(|v| v.trim().parse::<u64>().ok());
    let verdict = match stated {
        Some(secs) if secs < min_lock => Verdict::fail(format!(
            "the account is locked after {max_failures} wrong passwords, but only for {secs} s"
        )).zh(format!("连续 {max_failures} 次口令错误后账户锁定，但仅 {secs} 秒")),
        Some(secs) => Verdict::pass(format!(
            "locked after {max_failures} wrong passwords; the right password is refused for {secs} s"
        )).zh(format!("连续 {max_failures} 次口令错误后锁定；正确口令在 {secs} 秒内被拒绝")),
        None => Verdict::pass(format!(
            "locked after {max_failures} wrong passwords; the right password is refused (the \
             platform states no lock duration: the lab confirms it is at least {min_lock} s)"
        )).zh(format!("连续 {max_failures} 次口令错误后锁定；正确口令被拒绝（平台未说明锁定时长：由测评机构确认不少于 {min_lock} 秒）")),
    };
    Ok(evidence(verdict))
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
