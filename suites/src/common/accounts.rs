//! Console accounts: the lab's login, probe accounts the harness registers for itself, and
//! passwords built from the lab's thresholds.

use serde_json::{Value, json};
use tianping_engine::call::Call;
use tianping_engine::http::Exchange;
use tianping_engine::{CheckError, Ctx, Operation, Refusal};

/// Logs the lab's console test account in and returns the login answer (session token, idle
/// timeout); missing credentials or a refused login leave the caller inconclusive.
pub async fn console_login(ctx: &Ctx) -> Result<Value, CheckError> {
    let creds = &ctx.credentials;
    if creds.username.is_empty() || creds.password.is_empty() {
        return Err(CheckError::Config(format!(
            "test account missing: set {} and {}",
            ctx.config.credentials.username_env, ctx.config.credentials.password_env
        )));
    }
    let (_, answer) = login(ctx, &creds.username, creds.password.expose())
        .data()
        .await?;
    Ok(answer)
}

/// Character classes in the order probe passwords draw on them.
const PASSWORD_CLASSES: [&str; 4] = ["abcdefghjk", "ABCDEFGHJK", "2345678923", "!@#$%^&*-+"];

/// A password of `length` characters drawing round-robin on the first `classes` character
/// classes (lower, upper, digits, symbols).
pub fn class_password(length: usize, classes: usize) -> String {
    let pools: Vec<Vec<char>> = PASSWORD_CLASSES[..classes.clamp(1, 4)]
        .iter()
        .map(|c| c.chars().collect())
        .collect();
    (0..length)
        .map(|i| pools[i % pools.len()][(i / pools.len()) % pools[0].len()])
        .collect()
}

/// A console account this run made for itself through self-registration.
pub struct ProbeAccount {
    pub username: String,
    pub password: String,
}

/// A name prefix for this run's probe accounts: `tp-probe-` and a fresh nonce, so nothing
/// existing is touched and the lab can find (and remove) them afterwards.
pub fn probe_account_prefix(ctx: &Ctx) -> String {
    format!("tp-probe-{}", &ctx.nonce()[..12])
}

/// A console login call with these credentials, ready to send.
pub fn login<'c>(ctx: &'c Ctx, username: &str, password: &str) -> Call<'c> {
    ctx.call(Operation::Login)
        .json(json!({"username": username, "password": password}))
}

/// Asks self-registration for an account; the answer as it comes.
pub async fn register(ctx: &Ctx, username: &str, password: &str) -> Result<Exchange, CheckError> {
    if !ctx.offers(Operation::Register) {
        return Err(no_registration(
            "the adapter maps no `register` operation".into(),
        ));
    }
    ctx.call(Operation::Register)
        .json(json!({"username": username, "password": password}))
        .send()
        .await
}

fn no_registration(detail: String) -> CheckError {
    CheckError::NotOffered {
        what: "self-registration, so the harness cannot make a probe account of its own".into(),
        detail,
    }
}

/// Registers `username` with a password any policy of the lab's shape accepts (all four
/// classes, at least 12 characters). A platform without self-registration, or one that
/// refuses this account, leaves the caller inconclusive: what it wanted to show needs an
/// account of its own.
pub async fn register_probe_account(
    ctx: &Ctx,
    username: String,
) -> Result<(ProbeAccount, Exchange), CheckError> {
    let min_length = ctx
        .config
        .thresholds
        .unsigned(&crate::thresholds::PASSWORD_MIN_LENGTH) as usize;
    let password = format!(
        "{}{}",
        class_password(min_length.max(12), 4),
        &ctx.nonce()[..4]
    );
    let answer = register(ctx, &username, &password).await?;
    let judged = ctx.answer(&answer);
    if judged.is_refusal_of(Refusal::NotFound) {
        return Err(no_registration(format!(
            "{} {} answered {judged}",
            answer.method, answer.path
        )));
    }
    if !judged.is_success() {
        return Err(CheckError::protocol(format!(
            "registration refused a probe account whose password meets the policy: {}",
            answer.excerpt()
        )));
    }
    Ok((ProbeAccount { username, password }, answer))
}

/// Performs `op` (session state, logout) with a console session's token.
pub async fn with_session(ctx: &Ctx, op: Operation, token: &str) -> Result<Exchange, CheckError> {
    ctx.call(op).session(token).send().await
}
