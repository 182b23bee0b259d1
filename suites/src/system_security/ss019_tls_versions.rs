//! SS-019 (protocol versions) — The platform's TLS endpoints accept only the protocol
//! versions the lab allows (default TLS 1.2, TLS 1.3 and TLCP 1.1, GB/T 38636): SSL 3.0,
//! TLS 1.0 and TLS 1.1 are refused, and at least one allowed version is accepted. One hello
//! per version per endpoint, each offering every suite that version may use (TLS 1.3 with
//! the RFC 8998 SM suites too); any probe that cannot be read makes the check inconclusive
//! rather than passing.

use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite, Verdict,
};

use futures_util::future::join_all;

use crate::thresholds::ALLOWED_TLS_VERSIONS;
use crate::tls_probe::{self, GM_SUITES, ProbeResult, TlcpResult, Version};
use tianping_engine::Problem;

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "SS-019",
    suite: Suite::SystemSecurity,
    title_zh: "传输层仅启用安全协议版本",
    title_en: "Only secure TLS protocol versions are accepted",
    advice_zh: "传输层仅启用TLS 1.2、TLS 1.3或TLCP 1.1，禁用SSLv3、TLS 1.0与TLS 1.1。",
    advice_en: "Accept only TLS 1.2, TLS 1.3 or TLCP 1.1; disable SSLv3, TLS 1.0 and 1.1.",
    clauses: &[
        Clause {
            source: "GB/T 22239-2019 8.1.4.7 a) / 8.1.4.8 a) integrity and confidentiality in transit",
            zh: "GB/T 22239-2019 8.1.4.7 a) / 8.1.4.8 a) 传输过程中的完整性与保密性",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "GB/T 39786-2021 8.2 c) channel confidentiality",
            zh: "GB/T 39786-2021 8.2 c) 通信信道的保密性",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "Allowed versions TLS 1.2 / TLS 1.3 (and TLCP 1.1)",
            zh: "允许的协议版本：TLS 1.2 / TLS 1.3（及 TLCP 1.1）",
            provenance: Provenance::Policy,
        },
    ],
    tianping_clause: None,
    severity: Severity::High,
    weight: 4,
    mode: Mode::Remote,
    active: false,
    faults: &["legacy-tls10"],
    thresholds: &[ALLOWED_TLS_VERSIONS],
};

pub const CHECK: CheckDef = CheckDef::remote(META, |ctx| Box::pin(run(ctx))).transport_only();

/// TLCP's name among the allowed versions.
pub const TLCP: &str = "TLCP1.1";

fn tlcp_line(result: &TlcpResult) -> String {
    match result {
        TlcpResult::Accepted { suite, .. } => format!("Accepted (suite {suite:#06x})"),
        TlcpResult::Refused(why) => format!("Refused({why:?})"),
        TlcpResult::Inconclusive(why) => format!("Inconclusive({why:?})"),
    }
}

/// The API endpoint plus any configured `host:port` endpoints.
pub fn endpoints(ctx: &Ctx) -> Result<Vec<(String, u16)>, CheckError> {
    let mut out = vec![(ctx.api_host(), ctx.api_port())];
    for e in &ctx.config.target.tls_endpoints {
        let (host, port) = e
            .rsplit_once(':')
            .ok_or_else(|| CheckError::Config(format!("tls endpoint `{e}` is not host:port")))?;
        let port = port
            .parse()
            .map_err(|_| CheckError::Config(format!("tls endpoint `{e}` has a bad port")))?;
        out.push((
            host.trim_start_matches('[')
                .trim_end_matches(']')
                .to_string(),
            port,
        ));
    }
    out.dedup();
    Ok(out)
}

/// The finding that `host:port` accepts a version it should not.
fn accepts(host: &str, port: u16, version: &str) -> Problem {
    Problem::new(
        format!("{host}:{port} accepts {version}"),
        format!("{host}:{port} 接受 {version}"),
    )
}

/// A version probe on `host:port` that could not be decided, and why.
fn undecided(host: &str, port: u16, version: &str, why: &str) -> Problem {
    Problem::new(
        format!("{host}:{port} {version}: {why}"),
        format!("{host}:{port} {version}：{why}"),
    )
}

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let allowed = &ctx.config.thresholds.names(&ALLOWED_TLS_VERSIONS);
    let mut failures = Vec::new();
    let mut unknown = Vec::new();
    let mut lines = Vec::new();
    let endpoints = endpoints(ctx)?;
    for (host, port) in &endpoints {
        let mut accepted_allowed = false;
        let mut allowed_undecided = false;
        // Whether the endpoint said anything TLS at all: a ServerHello or an alert.
        let mut heard = false;
        // One probe per version, concurrently under the client's per-host connection cap.
        let results = join_all(
            Version::ALL
                .iter()
                .map(|v| tls_probe::probe(ctx, host, *port, host, *v)),
        )
        .await;
        for (version, result) in Version::ALL.into_iter().zip(results) {
            lines.push((
                format!("{host}:{port} {}", version.name()),
                format!("{result:?}"),
            ));
            let is_allowed = allowed
                .iter()
                .any(|a| a.eq_ignore_ascii_case(version.name()));
            heard |= matches!(result, ProbeResult::Accepted)
                || matches!(result, ProbeResult::Refused(_)) && !tls_probe::is_silent(&result);
            match result {
                ProbeResult::Accepted if is_allowed => accepted_allowed = true,
                ProbeResult::Accepted => failures.push(accepts(host, *port, version.name())),
                ProbeResult::Refused(_) => {}
                ProbeResult::Inconclusive(why) => {
                    allowed_undecided |= is_allowed;
                    unknown.push(undecided(host, *port, version.name(), &why));
                }
            }
        }
        // TLCP 1.1 (GB/T 38636), probed with every GM suite.
        let tlcp_allowed = allowed.iter().any(|a| a.eq_ignore_ascii_case(TLCP));
        let suites: Vec<u16> = GM_SUITES.iter().map(|(code, _)| *code).collect();
        let tlcp = tls_probe::tlcp_probe(ctx, host, *port, &suites).await;
        lines.push((format!("{host}:{port} {TLCP}"), tlcp_line(&tlcp)));
        heard |= match &tlcp {
            TlcpResult::Accepted { .. } => true,
            TlcpResult::Refused(why) => why != tls_probe::SILENT_CLOSE,
            TlcpResult::Inconclusive(_) => false,
        };
        match tlcp {
            TlcpResult::Accepted { .. } if tlcp_allowed => accepted_allowed = true,
            TlcpResult::Accepted { .. } => failures.push(accepts(host, *port, TLCP)),
            TlcpResult::Refused(_) => {}
            TlcpResult::Inconclusive(why) => {
                allowed_undecided |= tlcp_allowed;
                unknown.push(undecided(host, *port, TLCP, &why));
            }
        }
        // An endpoint that closed every connection without a word answered nothing: its
        // "refusals" are no evidence (the control is its own answers to the other hellos).
        if !heard {
            unknown.push(Problem::new(
                format!(
                    "{host}:{port} closed every connection without a TLS reply: nothing there \
                     answers TLS to judge"
                ),
                format!("{host}:{port} 对每个连接都未作 TLS 应答即关闭：该处没有可判定的 TLS 服务"),
            ));
            continue;
        }
        // Only a definite refusal of every allowed version is a finding; an unreadable
        // probe leaves the question open.
        if !accepted_allowed && !allowed_undecided {
            failures.push(Problem::new(
                format!("{host}:{port} accepts none of the allowed versions"),
                format!("{host}:{port} 不接受任何允许的协议版本"),
            ));
        }
    }
    let mut verdict = if !failures.is_empty() {
        Verdict::fail_listing(&failures)
    } else if !unknown.is_empty() {
        Verdict::undecided_listing(
            ("some probes could not be decided", "部分探测无法判定"),
            &unknown,
        )
    } else {
        Verdict::pass(format!(
            "{} endpoint(s) accept only {}",
            endpoints.len(),
            allowed.join(", ")
        ))
        .zh(format!(
            "{} 个端点仅接受 {}",
            endpoints.len(),
            allowed.join("、")
        ))
    };
    for (k, v) in lines {
        verdict = verdict.with(k, v);
    }
    Ok(verdict.with_threshold("allowed_tls_versions", allowed.join(", ")))
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
