//! Console accounts: the lab's login, probe accounts the harness registers for itself, and
//! passwords built from the lab's thresholds.

use serde_json::{Value, json};
use tianping_engine::http::Exchange;
use tianping_engine::{CheckError, Ctx};

use super::*;

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
    let login = ctx
        .post_json(
            paths::LOGIN,
            &json!({"username": creds.username, "password": creds.password.expose()}),
            &[],
        )
        .await?;
    tianping_engine::context::expect_success(&login)?;
    Ok(login.json()?)
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

/// Asks self-registration for an account; the answer as it comes.
pub async fn register(ctx: &Ctx, username: &str, password: &str) -> Result<Exchange, CheckError> {
    Ok(ctx
        .post_json(
            paths::REGISTER,
            &json!({"username": username, "password": password}),
            &[],
        )
        .await?)
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
    if answer.status == 404 || answer.status == 405 {
        return Err(CheckError::NotOffered {
            what: "self-registration, so the harness cannot make a probe account of its own".into(),
            detail: format!("{} answered HTTP {}", paths::REGISTER, answer.status),
        });
    }
    if !answer.is_success() {
        return Err(CheckError::protocol(format!(
            "registration refused a probe account whose password meets the policy: {}",
            answer.excerpt()
        )));
    }
    Ok((ProbeAccount { username, password }, answer))
}

/// Sends `method path` with a console session's bearer token.
pub async fn with_session(
    ctx: &Ctx,
    method: tianping_engine::Method,
    path: &str,
    token: &str,
) -> Result<Exchange, CheckError> {
    let auth = vec![("authorization".to_string(), format!("Bearer {token}"))];
    Ok(ctx.http.send(method, path, &auth, None).await?)
}
