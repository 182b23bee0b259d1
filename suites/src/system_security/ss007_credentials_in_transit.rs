//! SS-007 — Credentials never travel in clear: the API is served over HTTPS only, and every
//! answer carries Strict-Transport-Security with a max-age of at least the lab's threshold
//! (180 days by default), so a browser never falls back to plain HTTP to send a password.

use tianping_engine::http::Exchange;
use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite, Verdict,
};

use crate::common::{self, paths};

pub const CHECK: CheckDef = CheckDef {
    meta: CheckMeta {
        id: "SS-007",
        suite: Suite::SystemSecurity,
        title_zh: "鉴别信息传输不以明文",
        title_en: "Credentials are never sent in clear (HTTPS only, HSTS)",
        clauses: &[
            Clause {
                source: "GB/T 22239-2019 8.1.4.1 c) remote management protected against eavesdropping of authentication data",
                provenance: Provenance::Verified,
            },
            Clause {
                source: "RFC 6797 HTTP Strict Transport Security",
                provenance: Provenance::Known,
            },
            Clause {
                source: "HSTS max-age ≥ 180 days",
                provenance: Provenance::Policy,
            },
        ],
        tianping_clause: None,
        severity: Severity::High,
        weight: 3,
        mode: Mode::Remote,
        active: false,
        fault: "hsts-missing",
    },
    run: |ctx| Box::pin(run(ctx)),
    package: None,
    certs: None,
};

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

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let min_age = ctx.config.thresholds.hsts_min_max_age_secs;
    let scheme = ctx.http.base().scheme().to_string();
    if scheme != "https" {
        return Ok(Verdict::fail(format!(
            "the API is served over {scheme}://: credentials and evidence travel in clear"
        ))
        .with("target", ctx.http.base().as_str()));
    }
    let (public, _) = ctx.get_json(paths::PLATFORM).await?;
    let (deposit, _) = common::deposit(ctx, &common::lab_content(ctx, "SS-007")).await?;
    let failures: Vec<String> = [&public, &deposit]
        .into_iter()
        .filter_map(|ex| hsts_problem(ex, min_age))
        .collect();
    Ok(
        Verdict::from_samples(2, &failures, "HTTPS answers with HSTS")
            .with(
                "Strict-Transport-Security",
                public
                    .header("strict-transport-security")
                    .unwrap_or("absent"),
            )
            .with_threshold("hsts_min_max_age_secs", min_age),
    )
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
}
