//! Bearer-token authentication (OAuth2 client credentials) through an adapter, against a small
//! server written here in the shape of such platforms: the token endpoint takes the lab's
//! client id and secret, and the API takes only its tokens.

use super::*;
use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use tianping_engine::{Answer, Operation, Probe};

const TOKEN: &str = "t0k3n-issued-to-the-lab";

async fn token(body: String) -> (StatusCode, String) {
    let form: Vec<(String, String)> = body
        .split('&')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let has = |k: &str, v: &str| form.iter().any(|(a, b)| a == k && b == v);
    if has("grant_type", "client_credentials")
        && has("client_id", "lab")
        && has("client_secret", "s3cret")
    {
        (
            StatusCode::OK,
            format!(r#"{{"access_token":"{TOKEN}","token_type":"Bearer","expires_in":3600}}"#),
        )
    } else {
        (
            StatusCode::UNAUTHORIZED,
            r#"{"error":"invalid_client"}"#.into(),
        )
    }
}

async fn platform(headers: HeaderMap) -> (StatusCode, String) {
    match headers.get("authorization").and_then(|v| v.to_str().ok()) {
        Some(v) if v == format!("Bearer {TOKEN}") => (StatusCode::OK, r#"{"operator":"x"}"#.into()),
        _ => (
            StatusCode::UNAUTHORIZED,
            r#"{"error":"invalid_token"}"#.into(),
        ),
    }
}

const ADAPTER: &str = r#"
[adapter]
name = "bearer-example"
[auth]
scheme = "bearer"
token_path = "/oauth2/token"
[operations.platform]
method = "GET"
path = "/v1/platform"
auth = "signed"
"#;

/// Serves `app` on loopback and returns a config aimed at it through the adapter `text`
/// (kept in the returned folder).
async fn serve_with_adapter(
    app: Router,
    text: &str,
) -> (tianping_engine::Config, tempfile::TempDir) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let dir = tempfile::tempdir().unwrap();
    let adapter = dir.path().join("adapter.toml");
    std::fs::write(&adapter, text).unwrap();
    let mut config = loopback_config();
    config.target.base_url = Some(format!("http://127.0.0.1:{port}"));
    config.adapter.file = Some(adapter.display().to_string());
    (config, dir)
}

/// The lab's account, `lab`, with this secret.
fn lab_account(secret: &str) -> Credentials {
    Credentials {
        api_key_id: "lab".into(),
        api_secret: Secret::new(secret.to_string()),
        ..Credentials::default()
    }
}

#[tokio::test]
async fn bearer_tokens_are_fetched_with_client_credentials_and_probes_go_without() {
    let app = Router::new()
        .route("/oauth2/token", post(token))
        .route("/v1/platform", get(platform));
    let (config, _dir) = serve_with_adapter(app, ADAPTER).await;
    let ctx = tianping_engine::Ctx::new(config.clone(), lab_account("s3cret"), Vec::new()).unwrap();
    let answer = |ex: &tianping_engine::http::Exchange| ctx.answer(ex);
    let ok = ctx.call(Operation::Platform).send().await.unwrap();
    assert_eq!(answer(&ok), Answer::Success, "{}", ok.excerpt());
    for probe in [Probe::Unsigned, Probe::WrongSecret] {
        let ex = ctx
            .call(Operation::Platform)
            .probe(probe.clone())
            .send()
            .await
            .unwrap();
        assert!(answer(&ex).is_refusal(), "{probe:?}: {}", ex.excerpt());
    }
    // Replay and clock-window probes have nothing to probe under bearer tokens: DC-010 says so.
    let dc010 = tianping_suites::registry()
        .into_iter()
        .find(|c| c.meta.id == "DC-010")
        .unwrap();
    assert!(matches!(
        (dc010.applies)(&config),
        tianping_engine::check::Applicability::NotApplicable(why) if why.contains("bearer-example")
    ));

    // Wrong client credentials: the token endpoint's refusal is said, not taken for a finding.
    let ctx = tianping_engine::Ctx::new(config, lab_account("not-it"), Vec::new()).unwrap();
    let err = ctx.call(Operation::Platform).send().await.unwrap_err();
    assert!(
        matches!(&err, tianping_engine::CheckError::NoControl { control, .. } if control.contains("/oauth2/token")),
        "{err}"
    );
    assert!(!err.to_string().contains("not-it"), "{err}");
}

/// A platform whose API takes the session token of a login, and whose sessions end after two
/// requests (as an idle timeout would end them during a run).
mod login_tokens {
    use super::*;
    use axum::extract::State;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[derive(Default)]
    struct Sessions {
        logins: AtomicUsize,
        uses: AtomicUsize,
    }

    async fn login(State(s): State<Arc<Sessions>>, body: String) -> (StatusCode, String) {
        let doc: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        if doc["user"] == "lab" && doc["pass"] == "s3cret" {
            let n = s.logins.fetch_add(1, Ordering::SeqCst) + 1;
            s.uses.store(0, Ordering::SeqCst);
            (
                StatusCode::OK,
                format!(r#"{{"code":0,"data":{{"token":"session-{n}"}}}}"#),
            )
        } else {
            (
                StatusCode::OK,
                r#"{"code":401,"msg":"bad password"}"#.into(),
            )
        }
    }

    async fn platform(State(s): State<Arc<Sessions>>, headers: HeaderMap) -> (StatusCode, String) {
        let current = format!("Bearer session-{}", s.logins.load(Ordering::SeqCst));
        let presented = headers.get("authorization").and_then(|v| v.to_str().ok());
        if presented == Some(current.as_str()) && s.uses.fetch_add(1, Ordering::SeqCst) < 2 {
            (
                StatusCode::OK,
                r#"{"code":0,"data":{"operator":"x"}}"#.into(),
            )
        } else {
            (
                StatusCode::OK,
                r#"{"code":401,"msg":"session ended"}"#.into(),
            )
        }
    }

    const ADAPTER: &str = r#"
[adapter]
name = "login-bearer-example"
[success]
statuses = [200]
code = "/code"
ok = [0]
denied = [401]
[response]
data = "/data"
[auth]
scheme = "bearer"
token_from = "login"
[fields]
session_token = "/token"
[operations.login]
method = "POST"
path = "/v1/login"
auth = "none"
body = { user = "{username}", pass = "{password}" }
[operations.platform]
method = "GET"
path = "/v1/platform"
auth = "signed"
"#;

    #[tokio::test]
    async fn tokens_come_from_the_login_and_are_renewed_when_the_session_ends() {
        let sessions = Arc::new(Sessions::default());
        let app = Router::new()
            .route("/v1/login", post(login))
            .route("/v1/platform", get(platform))
            .with_state(sessions.clone());
        let (config, _dir) = serve_with_adapter(app, ADAPTER).await;
        let ctx =
            tianping_engine::Ctx::new(config.clone(), lab_account("s3cret"), Vec::new()).unwrap();
        for _ in 0..5 {
            let ex = ctx.call(Operation::Platform).send().await.unwrap();
            assert_eq!(ctx.answer(&ex), Answer::Success, "{}", ex.excerpt());
        }
        // Two uses per session: five calls take three logins, each after a refusal.
        assert_eq!(sessions.logins.load(Ordering::SeqCst), 3);
        let ex = ctx
            .call(Operation::Platform)
            .probe(Probe::WrongSecret)
            .send()
            .await
            .unwrap();
        assert!(ctx.answer(&ex).is_refusal(), "{}", ex.excerpt());

        let ctx = tianping_engine::Ctx::new(config, lab_account("not-it"), Vec::new()).unwrap();
        let err = ctx.call(Operation::Platform).send().await.unwrap_err();
        assert!(
            matches!(&err, tianping_engine::CheckError::NoControl { control, .. } if control.contains("login")),
            "{err}"
        );
        assert!(!err.to_string().contains("not-it"), "{err}");
    }

    #[test]
    fn a_login_token_needs_an_unauthenticated_login_operation() {
        let text = ADAPTER.replace("auth = \"none\"", "auth = \"signed\"");
        let err = tianping_engine::adapter::Adapter::parse(&text, "x").unwrap_err();
        assert!(err.to_string().contains("auth.token_from"), "{err}");
    }
}
