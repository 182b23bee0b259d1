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

#[tokio::test]
async fn bearer_tokens_are_fetched_with_client_credentials_and_probes_go_without() {
    let app = Router::new()
        .route("/oauth2/token", post(token))
        .route("/v1/platform", get(platform));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await });

    let dir = tempfile::tempdir().unwrap();
    let adapter = dir.path().join("bearer.toml");
    std::fs::write(&adapter, ADAPTER).unwrap();
    let mut config = loopback_config();
    config.target.base_url = Some(format!("http://127.0.0.1:{port}"));
    config.adapter.file = Some(adapter.display().to_string());
    let credentials = Credentials {
        api_key_id: "lab".into(),
        api_secret: Secret::new("s3cret".to_string()),
        ..Credentials::default()
    };
    let ctx = tianping_engine::Ctx::new(config.clone(), credentials, Vec::new()).unwrap();
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
    let wrong = Credentials {
        api_key_id: "lab".into(),
        api_secret: Secret::new("not-it".to_string()),
        ..Credentials::default()
    };
    let ctx = tianping_engine::Ctx::new(config, wrong, Vec::new()).unwrap();
    let err = ctx.call(Operation::Platform).send().await.unwrap_err();
    assert!(
        matches!(&err, tianping_engine::CheckError::NoControl { control, .. } if control.contains("/oauth2/token")),
        "{err}"
    );
    assert!(!err.to_string().contains("not-it"), "{err}");
}
