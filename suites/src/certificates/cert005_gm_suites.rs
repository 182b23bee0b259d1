//! CERT-005 — National cryptography in transit: the endpoint accepts at least one GM cipher
//! suite of GB/T 38636 over TLCP (probed one suite per connection), or, since the profile
//! makes TLCP optional (MAY), TLS 1.3 with an RFC 8998 SM suite. Neither is the finding.

use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite, Verdict,
};

use crate::tls_probe::{self, GM_SUITES, Rfc8998Result, TlcpResult};

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "CERT-005",
    suite: Suite::Certificates,
    title_zh: "支持国密密码套件",
    title_en: "GM cipher suites are offered (TLCP or RFC 8998)",
    advice_zh: "启用国密密码套件（TLCP的ECC/ECDHE_SM4套件，或TLS 1.3的RFC 8998套件）。",
    advice_en: "Offer national cipher suites: TLCP ECC/ECDHE_SM4 suites, or the RFC 8998 suites in TLS 1.3.",
    clauses: &[
        Clause {
            source: "GB/T 38636-2020 Table 2: ECC/ECDHE_SM4_GCM/CBC_SM3 suite identifiers",
            zh: "GB/T 38636-2020 表 2：ECC/ECDHE_SM4_GCM/CBC_SM3 密码套件标识",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "RFC 8998: ShangMi cipher suites for TLS 1.3",
            zh: "RFC 8998：TLS 1.3 的商密密码套件",
            provenance: Provenance::Known,
        },
        Clause {
            source: "lab policy: GCM suites preferred",
            zh: "测评机构策略：优先使用 GCM 套件",
            provenance: Provenance::Policy,
        },
    ],
    tianping_clause: None,
    severity: Severity::High,
    weight: 3,
    mode: Mode::Remote,
    active: false,
    faults: &["tlcp-without-gm-suites"],
    thresholds: &[],
};

pub const CHECK: CheckDef = CheckDef::remote(META, |ctx| Box::pin(run(ctx))).transport_only();

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let (host, port) = (ctx.api_host(), ctx.api_port());
    // One suite per connection; the probes run concurrently under the per-host cap.
    let probe =
        |i: usize| tls_probe::tlcp_probe(ctx, &host, port, std::slice::from_ref(&GM_SUITES[i].0));
    let (a, b, c, d) = tokio::join!(probe(0), probe(1), probe(2), probe(3));
    let results = [a, b, c, d];
    let mut accepted = Vec::new();
    let mut undecided = Vec::new();
    let mut lines = Vec::new();
    for ((code, name), result) in GM_SUITES.iter().zip(results) {
        let line = match &result {
            TlcpResult::Accepted { suite, .. } if suite == code => {
                accepted.push(*name);
                "accepted".to_string()
            }
            TlcpResult::Accepted { suite, .. } => format!("refused (server chose {suite:#06x})"),
            TlcpResult::Refused(why) => format!("refused ({why})"),
            TlcpResult::Inconclusive(why) => {
                undecided.push(*name);
                format!("no answer ({why})")
            }
        };
        lines.push((format!("{name} ({code:#06x})"), line));
    }
    if !accepted.is_empty() {
        return Ok(
            Verdict::pass(format!("TLCP GM suites accepted: {}", accepted.join(", ")))
                .zh(format!("接受的TLCP国密套件：{}", accepted.join("、")))
                .with_all(lines),
        );
    }
    // No TLCP: national cryptography in transit may come from RFC 8998 instead.
    let rfc8998 = tls_probe::rfc8998_probe(ctx, &host, port, &host).await;
    lines.push(("TLS 1.3 RFC 8998".into(), format!("{rfc8998:?}")));
    // Refusals count only from an endpoint that answers TLS at all.
    let silent = match rfc8998 {
        Rfc8998Result::Refused(_) => tls_probe::answers_tls(ctx, &host, port, &host).await.err(),
        _ => None,
    };
    let verdict = match rfc8998 {
        Rfc8998Result::Accepted(suite) => Verdict::pass(format!(
            "no TLCP suite accepted, but TLS 1.3 with RFC 8998 suite {suite:#06x}: national cryptography in transit (TLCP is optional)"
        )).zh(format!("未接受TLCP套件，但TLS 1.3以RFC 8998套件 {suite:#06x} 协商：传输中使用国密算法（TLCP为可选）")),
        _ if !undecided.is_empty() => Verdict::inconclusive(format!(
            "no GM suite accepted, and {} TLCP probe(s) got no answer",
            undecided.len()
        )).zh(format!("未接受任何国密套件，且有 {} 个TLCP探测未得到应答", undecided.len())),
        Rfc8998Result::Inconclusive(why) => Verdict::inconclusive(format!(
            "no TLCP GM suite accepted, and the RFC 8998 probe got no answer: {why}"
        )).zh(format!("未接受TLCP国密套件，RFC 8998探测也未得到应答：{why}")),
        Rfc8998Result::Refused(_) if silent.is_some() => {
            Verdict::inconclusive(silent.unwrap_or_default())
        }
        Rfc8998Result::Refused(_) | Rfc8998Result::Violation(_) => Verdict::fail(format!(
            "{host}:{port} accepts none of the four TLCP GM cipher suites and no RFC 8998 suite: no national cryptography in transit"
        )).zh(format!("{host}:{port} 不接受四个TLCP国密套件中的任何一个，也不接受RFC 8998套件：传输中未使用国密算法")),
    };
    Ok(verdict.with_all(lines))
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
