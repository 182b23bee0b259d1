//! SS-024 — Login and deposit resist automation: failed logins for one account are rate
//! limited (HTTP 429, or 503 with Retry-After) within the lab's number of attempts, and so
//! are one account's deposits. The login probe uses a name made up for the run, so no real
//! account is slowed down; the deposit burst is made by the second depositor account the lab
//! configured (its deposits are real records, at most `deposit_burst_attempts` of them), so
//! the account the other checks use keeps its quota.

use tianping_engine::{
    Account, CheckDef, CheckError, CheckMeta, Clause, Ctx, LabThreshold, Mode, Provenance,
    Severity, Suite, ThresholdDefault, Verdict,
};

use crate::common;
use tianping_engine::{Operation, Problem};

/// Lab threshold: failed logins for one probe account the harness sends at most, waiting for a 429.
pub const LOGIN_BURST_ATTEMPTS: LabThreshold = LabThreshold {
    name: "login_burst_attempts",
    default: ThresholdDefault::Integer {
        value: 30,
        min: 1,
        max: 1000,
    },
    unit: "attempts",
    meaning: "failed logins for one probe account the harness sends at most, waiting for a 429",
};

/// Lab threshold: deposits the second depositor account sends at most, waiting for a 429.
pub const DEPOSIT_BURST_ATTEMPTS: LabThreshold = LabThreshold {
    name: "deposit_burst_attempts",
    default: ThresholdDefault::Integer {
        value: 30,
        min: 1,
        max: 1000,
    },
    unit: "deposits",
    meaning: "deposits the second depositor account sends at most, waiting for a 429",
};

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "SS-024",
    suite: Suite::SystemSecurity,
    title_zh: "登录与存证防自动化",
    title_en: "Login and deposit attempts are rate limited",
    advice_zh: "对登录与存证接口实施频率限制（返回429或Retry-After）。",
    advice_en: "Rate-limit login and deposit attempts, answering 429 or Retry-After.",
    clauses: &[
        Clause {
            source: "GB/T 22239-2019 8.1.3.3 a) detect and limit attacks from outside",
            zh: "GB/T 22239-2019 8.1.3.3 a) 检测并限制从外部发起的网络攻击行为",
            provenance: Provenance::Known,
        },
        Clause {
            source: "rate limited (429 or Retry-After) within the lab's attempt budgets",
            zh: "在测评机构设定的尝试次数内触发限流（429 或 Retry-After）",
            provenance: Provenance::Policy,
        },
    ],
    tianping_clause: None,
    severity: Severity::Medium,
    weight: 2,
    mode: Mode::Remote,
    active: true,
    faults: &["no-rate-limiting"],
    thresholds: &[LOGIN_BURST_ATTEMPTS, DEPOSIT_BURST_ATTEMPTS],
};

pub const CHECK: CheckDef = CheckDef::remote(META, |ctx| Box::pin(run(ctx)));

/// How a burst of requests ended.
#[derive(Debug, PartialEq, Eq)]
enum Burst {
    /// Limited at this attempt.
    Limited(u32),
    /// The whole budget went through without limiting.
    Unlimited(u32),
}

async fn login_burst(ctx: &Ctx, budget: u32) -> Result<Burst, CheckError> {
    let user = format!("tianping-probe-{}", ctx.nonce());
    for attempt in 1..=budget {
        let ex = common::login(ctx, &user, &format!("wrong-{attempt}"))
            .once()
            .send()
            .await?;
        let answer = ctx.answer(&ex);
        if answer.is_success() {
            return Err(CheckError::protocol(format!(
                "login as the made-up account `{user}` succeeded ({answer}), so the burst \
                 proves nothing"
            )));
        }
        if answer.is_throttled() {
            return Ok(Burst::Limited(attempt));
        }
    }
    Ok(Burst::Unlimited(budget))
}

async fn deposit_burst(ctx: &Ctx, budget: u32) -> Result<Burst, CheckError> {
    for attempt in 1..=budget {
        let content = common::lab_content(ctx, &format!("SS-024 burst {attempt}"));
        let body = common::deposit_body(ctx, &content);
        let ex = ctx
            .call(Operation::Deposit)
            .json(body)
            .as_account(Account::Second)
            .once()
            .send()
            .await?;
        if ctx.answer(&ex).is_throttled() {
            return Ok(Burst::Limited(attempt));
        }
        ctx.expect_success(&ex)?;
    }
    Ok(Burst::Unlimited(budget))
}

/// The verdict on both bursts: each must have been limited.
fn verdict_of(login: &Burst, deposit: &Burst) -> Verdict {
    let mut failures = Vec::new();
    for ((what, what_zh), burst) in [
        (
            ("failed logins for one account", "同一账户的失败登录"),
            login,
        ),
        (("deposits by one account", "同一账户的存证请求"), deposit),
    ] {
        if let Burst::Unlimited(n) = burst {
            failures.push(Problem::new(
                format!("{n} {what} in a row were all answered without limiting"),
                format!("连续 {n} 次{what_zh}均未受到频率限制"),
            ));
        }
    }
    let describe = |b: &Burst| match b {
        Burst::Limited(n) => format!("limited at attempt {n}"),
        Burst::Unlimited(n) => format!("not limited in {n} attempts"),
    };
    let verdict = if failures.is_empty() {
        Verdict::pass("failed logins and deposits are both rate limited")
            .zh("登录失败与存证请求均有频率限制")
    } else {
        Verdict::fail_listing(&failures)
    };
    verdict
        .with("failed logins", describe(login))
        .with("deposits (second account)", describe(deposit))
}

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let thresholds = &ctx.config.thresholds;
    if !ctx.has_account(Account::Second) {
        return Err(CheckError::Config(format!(
            "the deposit burst needs a second depositor account, so the lab's main account \
             keeps its quota: set {} and {}",
            ctx.config.credentials.second_api_key_id_env,
            ctx.config.credentials.second_api_secret_env
        )));
    }
    let login = login_burst(ctx, thresholds.unsigned(&LOGIN_BURST_ATTEMPTS) as u32).await?;
    let deposit = deposit_burst(ctx, thresholds.unsigned(&DEPOSIT_BURST_ATTEMPTS) as u32).await?;
    Ok(verdict_of(&login, &deposit)
        .with_threshold(
            "login_burst_attempts",
            thresholds.unsigned(&LOGIN_BURST_ATTEMPTS) as u32,
        )
        .with_threshold(
            "deposit_burst_attempts",
            thresholds.unsigned(&DEPOSIT_BURST_ATTEMPTS) as u32,
        ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tianping_engine::Outcome;

    #[test]
    fn both_limits_are_needed() {
        let pass = verdict_of(&Burst::Limited(11), &Burst::Limited(11));
        assert_eq!(pass.outcome, Outcome::Pass);
        for (login, deposit, missing) in [
            (Burst::Unlimited(30), Burst::Limited(11), "failed logins"),
            (Burst::Limited(11), Burst::Unlimited(30), "deposits"),
        ] {
            let v = verdict_of(&login, &deposit);
            assert_eq!(v.outcome, Outcome::Fail);
            assert!(v.summary.contains(missing), "{}", v.summary);
        }
    }
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
