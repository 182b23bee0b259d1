//! CERT-005 — The endpoint accepts at least one GM cipher suite of GB/T 38636 over TLCP,
//! probed one suite per connection.

use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite, Verdict,
};

use crate::tls_probe::{self, GM_SUITES, TlcpResult};

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "CERT-005",
    suite: Suite::Certificates,
    title_zh: "支持国密密码套件",
    title_en: "GM cipher suites are offered",
    clauses: &[
        Clause {
            source: "GB/T 38636-2020 Table 2: ECC/ECDHE_SM4_GCM/CBC_SM3 suite identifiers",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "lab policy: GCM suites preferred",
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

pub const CHECK: CheckDef = CheckDef::remote(META, |ctx| Box::pin(run(ctx)));

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
    let verdict = if !accepted.is_empty() {
        Verdict::pass(format!("GM suites accepted: {}", accepted.join(", ")))
    } else if !undecided.is_empty() {
        Verdict::inconclusive(format!(
            "no GM suite accepted, and {} probe(s) got no answer",
            undecided.len()
        ))
    } else {
        Verdict::fail(format!(
            "{host}:{port} accepts none of the four GM cipher suites"
        ))
    };
    Ok(verdict.with_all(lines))
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
