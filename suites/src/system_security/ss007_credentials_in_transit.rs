//! SS-007 — Credentials never travel in clear or in URLs:
//! - the API is served over HTTPS only, and every answer carries Strict-Transport-Security
//!   with a max-age of at least the lab's threshold (180 days by default), so a browser never
//!   falls back to plain HTTP to send a password. The check runs after every other one and
//!   judges every HTTPS answer from the API host the run received, not a sample;
//! - plain HTTP on the API host (port 80 unless configured, and the API's own port) does not
//!   run the login: a decoy login sent there in clear meets a redirect to HTTPS, a refusal of
//!   its own, or nothing at all;
//! - login refuses a username and password carried in the URL query, where proxies, access
//!   logs and browser history would keep them.
//!
//! The URL probe needs credentials that may end up in the platform's logs, so it uses a probe
//! account this run registers for itself (`tp-probe-…-url`), never the lab's test accounts.
//! Where the platform has no self-registration that half is left to a lab record.

use serde_json::json;
use tianping_engine::Method;
use tianping_engine::http::Exchange;
use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, LabThreshold, Mode, Provenance, Severity, Suite,
    ThresholdDefault, Verdict,
};

use crate::common;
use crate::plain_http::{self, PlainAnswer};
use crate::thresholds::PASSWORD_MIN_LENGTH;
use tianping_engine::adapter::SuccessRule;
use tianping_engine::{Answer, Operation};

/// Lab threshold: smallest Strict-Transport-Security max-age accepted (180 days).
pub const HSTS_MIN_MAX_AGE_SECS: LabThreshold = LabThreshold {
    name: "hsts_min_max_age_secs",
    default: ThresholdDefault::Integer {
        value: 15552000,
        min: 0,
        max: 315360000,
    },
    unit: "s",
    meaning: "smallest Strict-Transport-Security max-age accepted (180 days)",
};

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "SS-007",
    suite: Suite::SystemSecurity,
    title_zh: "鉴别信息不以明文传输、不置于URL中",
    title_en: "Credentials are never sent in clear or in URLs (HTTPS only, HSTS, no query credentials)",
    advice_zh: "仅通过HTTPS提供服务并启用HSTS，鉴别信息不得出现在URL中或以明文传输。",
    advice_en: "Serve HTTPS only with HSTS, and never carry credentials in URLs or in clear.",
    clauses: &[
        Clause {
            source: "GB/T 22239-2019 8.1.4.1 c) remote management protected against eavesdropping of authentication data",
            zh: "GB/T 22239-2019 8.1.4.1 c) 远程管理时防止鉴别信息在网络传输过程中被窃听",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "RFC 6797 HTTP Strict Transport Security",
            zh: "RFC 6797 HTTP 严格传输安全（HSTS）",
            provenance: Provenance::Known,
        },
        Clause {
            source: "CWE-598 sensitive query strings: credentials in a URL are kept by logs, proxies and history",
            zh: "CWE-598 查询字符串中的敏感信息：URL 中的凭据会留存于日志、代理和浏览历史",
            provenance: Provenance::Known,
        },
        Clause {
            source: "HSTS max-age ≥ 180 days",
            zh: "HSTS max-age 不少于 180 天",
            provenance: Provenance::Policy,
        },
    ],
    tianping_clause: None,
    severity: Severity::High,
    weight: 3,
    mode: Mode::Remote,
    active: false,
    faults: &[
        "hsts-missing",
        "hsts-on-success-only",
        "plain-http-served",
        "credentials-in-url-accepted",
    ],
    thresholds: &[HSTS_MIN_MAX_AGE_SECS, PASSWORD_MIN_LENGTH],
};

pub const CHECK: CheckDef = CheckDef::remote(META, |ctx| Box::pin(run(ctx))).after_others();

/// The max-age a Strict-Transport-Security value states, if it is well-formed.
fn hsts_max_age(value: &str) -> Option<u64> {
    value.split(';').find_map(|directive| {
        let (name, v) = directive.trim().split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("max-age")
            .then(|| v.trim().trim_matches('"').parse().ok())
            .flatten()
    })
}

fn hsts_problem(ex: &Exchange, min_age: u64) -> Option<String> {
    let at = format!("{} {} (HTTP {})", ex.method, ex.path, ex.status);
    match ex.header("strict-transport-security") {
        None => Some(format!("{at}: no Strict-Transport-Security header")),
        Some(v) => match hsts_max_age(v) {
            None => Some(format!(
                "{at}: Strict-Transport-Security `{v}` states no max-age"
            )),
            Some(age) if age < min_age => Some(format!(
                "{at}: HSTS max-age {age} s is under the {min_age} s threshold"
            )),
            Some(_) => None,
        },
    }
}

/// How login answered credentials carried only in the URL query.
#[derive(Debug, PartialEq)]
enum UrlLogin {
    /// A 4xx, or a redirect that sets no cookie: no session came of it.
    Refused,
    /// A 2xx, or a redirect that sets a cookie: the platform logged the account in.
    Accepted(String),
    /// Rate limited or a server error: neither shows what login does with the URL.
    Undecided(String),
}

/// Judges a login that carried the credentials only in the URL, by the adapter's success rule
/// (so an HTTP 200 carrying an error code is a refusal).
fn judge_url_login(ex: &Exchange, rule: &SuccessRule, issued_token: bool) -> UrlLogin {
    let answer = rule.judge(ex);
    let at = format!("{} {} ({answer})", ex.method, ex.path);
    if (300..400).contains(&ex.status) {
        return if ex.header("set-cookie").is_some() {
            UrlLogin::Accepted(format!(
                "{at}: login with the credentials in the URL redirected and set a cookie"
            ))
        } else {
            UrlLogin::Refused
        };
    }
    match answer {
        Answer::Success => UrlLogin::Accepted(format!(
            "{at}: login succeeded with the credentials in the URL{}",
            if issued_token {
                " and issued a session token"
            } else {
                ""
            }
        )),
        Answer::Refused { .. } => UrlLogin::Refused,
        Answer::Throttled { .. } | Answer::Failed(_) => UrlLogin::Undecided(format!(
            "{at}: neither a refusal nor a login, so it shows nothing"
        )),
    }
}

/// The session token a login answer carries, if any.
fn session_token(ctx: &Ctx, ex: &Exchange) -> Option<String> {
    let doc = ex.json().ok()?;
    Some(ctx.fields.get(&doc, "session_token")?.as_str()?.to_string())
}

/// What the URL-credential probes found.
struct UrlProbes {
    /// Logins sent with the credentials in the URL only.
    sent: u64,
    findings: Vec<String>,
    answers: Vec<String>,
    account: String,
}

/// The login operation's path (no placeholders: a login names no earlier answer).
fn login_path(ctx: &Ctx) -> Result<String, CheckError> {
    match ctx.adapter.operation(Operation::Login) {
        Some(spec) => Ok(spec.path.clone()),
        None => Err(tianping_engine::call::not_offered(
            Operation::Login,
            &ctx.adapter.info.name,
        )),
    }
}

/// Registers a probe account, then logs it in with its credentials only in the URL query
/// (a POST with an empty JSON body, and a GET), then in the body as a control: the control
/// must succeed, or the refusals before it prove nothing.
async fn url_credential_probes(ctx: &Ctx) -> Result<UrlProbes, CheckError> {
    let name = format!("{}-url", common::probe_account_prefix(ctx));
    let (probe, _) = common::register_probe_account(ctx, name).await?;
    let mut url = ctx.http.url(&login_path(ctx)?)?;
    url.query_pairs_mut()
        .append_pair("username", &probe.username)
        .append_pair("password", &probe.password);
    let json_body = vec![("content-type".to_string(), "application/json".to_string())];
    let mut findings = Vec::new();
    let mut answers = Vec::new();
    let mut sessions = Vec::new();
    let mut undecided = Vec::new();
    let url_logins = [
        (Method::POST, json_body.as_slice(), Some(b"{}".to_vec())),
        (Method::GET, &[][..], None),
    ];
    let sent = url_logins.len() as u64;
    for (method, headers, body) in url_logins {
        let ex = ctx
            .http
            .send_url(method, url.clone(), headers, body)
            .await?;
        let token = session_token(ctx, &ex);
        let issued_token = token.is_some();
        sessions.extend(token);
        answers.push(format!("{} {}: {}", ex.method, ex.path, ctx.answer(&ex)));
        match judge_url_login(&ex, &ctx.adapter.success, issued_token) {
            UrlLogin::Refused => {}
            UrlLogin::Accepted(finding) => findings.push(finding),
            UrlLogin::Undecided(why) => undecided.push(why),
        }
    }
    // One acceptance decides; short of that, an answer that shows nothing leaves it open.
    if findings.is_empty() && !undecided.is_empty() {
        return Err(CheckError::protocol(undecided.join("; ")));
    }
    let control = common::login(ctx, &probe.username, &probe.password)
        .send()
        .await?;
    let control_answer = ctx.answer(&control);
    answers.push(format!(
        "control login, credentials in the body: {control_answer}"
    ));
    if !control_answer.is_success() && findings.is_empty() {
        return Err(CheckError::NoControl {
            control: "the probe account's login with its credentials in the body".into(),
            answer: control_answer.to_string(),
        });
    }
    // Leave no session open behind the probe; a failed logout is SS-005's business.
    sessions.extend(session_token(ctx, &control));
    for token in sessions {
        if ctx.offers(Operation::Logout) {
            let _ = common::with_session(ctx, Operation::Logout, &token).await;
        }
    }
    Ok(UrlProbes {
        sent,
        findings,
        answers,
        account: probe.username,
    })
}

/// What plain HTTP on a port did with a decoy login, if it is a finding: a 2xx, a redirect
/// anywhere but HTTPS, or the very answer the HTTPS login gives the same decoy (the login ran
/// on a credential sent in clear). Nothing listening, a closed connection, a refusal of its
/// own or a redirect to HTTPS all conform.
fn plain_http_problem(port: u16, answer: &PlainAnswer, https_status: u16) -> Option<String> {
    let PlainAnswer::Http { status, location } = answer else {
        return None;
    };
    let at = format!("plain HTTP to port {port}: the decoy login was answered HTTP {status}");
    match (*status, location) {
        (200..=299, _) => Some(format!("{at}: the API is served in clear")),
        (300..=399, Some(to)) if to.to_ascii_lowercase().starts_with("https://") => None,
        (300..=399, Some(to)) => Some(format!("{at}: redirected to {to}, not to HTTPS")),
        (s, _) if s == https_status => Some(format!(
            "{at}, as the HTTPS login answers it: the login ran on a credential sent in clear"
        )),
        _ => None,
    }
}

/// Posts a decoy login (an account that does not exist) over HTTPS, to learn how login answers
/// it, then in clear to the plain-HTTP port and to the API's own port.
async fn plain_http_probes(ctx: &Ctx) -> Result<(Vec<String>, Vec<String>), CheckError> {
    let decoy = json!({
        "username": format!("{}-decoy", common::probe_account_prefix(ctx)),
        "password": common::class_password(16, 4),
    });
    let https = ctx
        .call(Operation::Login)
        .json(decoy.clone())
        .send()
        .await?;
    let host = ctx.api_host();
    let path = ctx.http.url(&login_path(ctx)?)?.path().to_string();
    let mut ports = vec![ctx.config.target.plain_http_port.unwrap_or(80)];
    if !ports.contains(&ctx.api_port()) {
        ports.push(ctx.api_port());
    }
    let body = ctx.adapter.shape_body(Operation::Login, &decoy)?;
    let mut findings = Vec::new();
    let mut answers = vec![format!("decoy login over HTTPS: HTTP {}", https.status)];
    for port in ports {
        let answer = plain_http::post(ctx, &host, port, &path, &body).await?;
        answers.push(match &answer {
            PlainAnswer::NotServed(why) => why.clone(),
            PlainAnswer::Http { status, location } => format!(
                "{host}:{port} in clear: HTTP {status}{}",
                location
                    .as_deref()
                    .map(|to| format!(" to {to}"))
                    .unwrap_or_default()
            ),
        });
        findings.extend(plain_http_problem(port, &answer, https.status));
    }
    Ok((findings, answers))
}

/// Why a half of the check is open, without the outer error's own prefix.
fn why_undecided(e: CheckError) -> String {
    match e {
        CheckError::Protocol(why) => why,
        other => other.to_string(),
    }
}

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let min_age = ctx.config.thresholds.unsigned(&HSTS_MIN_MAX_AGE_SECS);
    let scheme = ctx.http.base().scheme().to_string();
    if scheme != "https" {
        return Ok(Verdict::fail(format!(
            "the API is served over {scheme}://: credentials and evidence travel in clear"
        ))
        .zh(format!("接口以 {scheme}:// 提供：鉴别信息与证据以明文传输"))
        .with("target", ctx.http.base().as_str()));
    }
    // Two answers of its own at least, then every HTTPS answer from the API host the run
    // received (this check runs after all others).
    let (public, _) = ctx.call(Operation::Platform).data().await?;
    common::deposit(ctx, &common::lab_content(ctx, "SS-007")).await?;
    let api_host = ctx.api_host();
    let (seen, not_kept) = ctx.http.answers_seen();
    let answers: Vec<_> = seen
        .iter()
        .filter(|a| a.scheme == "https" && a.host.trim_matches(['[', ']']) == api_host)
        .map(|a| a.to_exchange())
        .collect();
    let mut failures: Vec<String> = answers
        .iter()
        .filter_map(|ex| hsts_problem(ex, min_age))
        .collect();
    let mut examined = answers.len() as u64;
    let mut evidence = vec![
        (
            "Strict-Transport-Security",
            public
                .header("strict-transport-security")
                .unwrap_or("absent")
                .to_string(),
        ),
        (
            "answers judged for HSTS",
            common::answers_judged(
                answers.len(),
                &format!("HTTPS answer(s) from {api_host}"),
                not_kept,
            ),
        ),
    ];
    // Each half below may be left open (no answer, no probe account); a finding elsewhere
    // still stands, and what is open is said.
    let mut open = Vec::new();
    let mut decided = vec!["HTTPS only", "HSTS"];
    match plain_http_probes(ctx).await {
        Ok((findings, answers)) => {
            decided.push("plain HTTP");
            examined += answers.len() as u64 - 1;
            failures.extend(findings);
            evidence.push(("plain HTTP", answers.join("; ")));
        }
        Err(e) => open.push(("plain HTTP", why_undecided(e))),
    }
    match url_credential_probes(ctx).await {
        Ok(probes) => {
            examined += probes.sent;
            failures.extend(probes.findings);
            evidence.push(("credentials in URLs", probes.answers.join("; ")));
            evidence.push(("probe account", probes.account));
        }
        Err(e) => open.push(("credentials in URLs", why_undecided(e))),
    }
    if failures.is_empty() && !open.is_empty() {
        let open: Vec<String> = open
            .iter()
            .map(|(label, why)| format!("{label}: {why}"))
            .collect();
        return Err(CheckError::protocol(format!(
            "{} conform; not decided: {}",
            decided.join(", "),
            open.join("; ")
        )));
    }
    let mut verdict = Verdict::from_probes(
        examined,
        &failures,
        (
            "HTTPS answers with HSTS, plain-HTTP ports and logins with credentials in the URL",
            "HTTPS应答（HSTS）、明文HTTP端口与URL携带凭据的登录",
        ),
    );
    for (label, value) in evidence {
        verdict = verdict.with(label, value);
    }
    for (label, why) in open {
        verdict = verdict.with(label, format!("not decided: {why}"));
    }
    Ok(verdict.with_threshold("hsts_min_max_age_secs", min_age))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_age_is_read_from_any_position_and_case() {
        assert_eq!(
            hsts_max_age("max-age=31536000; includeSubDomains"),
            Some(31536000)
        );
        assert_eq!(
            hsts_max_age("includeSubDomains; Max-Age=\"600\""),
            Some(600)
        );
        assert_eq!(hsts_max_age("includeSubDomains"), None);
        assert_eq!(hsts_max_age("max-age=soon"), None);
    }

    fn answer(status: u16, headers: &[(&str, &str)]) -> Exchange {
        Exchange {
            method: "POST".into(),
            path: "/api/v1/auth/login?username=u&password=***".into(),
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: Vec::new(),
            elapsed_ms: 1,
        }
    }

    #[test]
    fn plain_http_conforms_only_when_it_does_not_run_the_login() {
        let http = |status, location: Option<&str>| PlainAnswer::Http {
            status,
            location: location.map(str::to_string),
        };
        let gone = PlainAnswer::NotServed("connection refused".into());
        assert_eq!(plain_http_problem(80, &gone, 401), None);
        assert_eq!(
            plain_http_problem(80, &http(301, Some("HTTPS://h/api")), 401),
            None
        );
        assert_eq!(plain_http_problem(443, &http(400, None), 401), None);
        assert!(plain_http_problem(80, &http(200, None), 401).is_some());
        assert!(plain_http_problem(80, &http(302, Some("http://h/login")), 401).is_some());
        let same = plain_http_problem(80, &http(401, None), 401).unwrap();
        assert!(same.contains("as the HTTPS login answers it"), "{same}");
    }

    #[test]
    fn only_a_refusal_without_a_session_counts_as_refused() {
        let rule = SuccessRule::default();
        let judge = |ex: &Exchange, token| judge_url_login(ex, &rule, token);
        assert_eq!(judge(&answer(401, &[]), false), UrlLogin::Refused);
        assert_eq!(judge(&answer(405, &[]), false), UrlLogin::Refused);
        assert_eq!(judge(&answer(302, &[]), false), UrlLogin::Refused);
        assert!(matches!(
            judge(&answer(200, &[]), true),
            UrlLogin::Accepted(f) if f.contains("session token") && f.contains("password=***")
        ));
        assert!(matches!(
            judge(&answer(204, &[]), false),
            UrlLogin::Accepted(_)
        ));
        assert!(matches!(
            judge(&answer(302, &[("set-cookie", "sid=1")]), false),
            UrlLogin::Accepted(_)
        ));
        for status in [429, 500, 503] {
            assert!(matches!(
                judge(&answer(status, &[]), false),
                UrlLogin::Undecided(_)
            ));
        }
        // A platform that answers errors as HTTP 200 with a business code: a refusal.
        let enveloped = SuccessRule {
            statuses: vec![200],
            code: Some("/code".into()),
            ok: vec![serde_json::json!(0)],
            ..SuccessRule::default()
        };
        let mut refused = answer(200, &[]);
        refused.body = br#"{"code":40100,"msg":"bad credentials"}"#.to_vec();
        assert_eq!(
            judge_url_login(&refused, &enveloped, false),
            UrlLogin::Refused
        );
    }
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
