//! SS-026 — The cipher suites of every allowed protocol version, probed one suite per
//! connection: none from the broken families (NULL, EXPORT, RC4, DES, 3DES, anonymous, MD5),
//! and every accepted suite forward secret ((EC)DHE; TLS 1.3 always is). This is the suite half
//! of the catalogue's SS-019 row; SS-019 judges the versions, and the suites of versions it
//! already refuses are not enumerated here. Where TLCP 1.1 is allowed, its GM suites and the
//! broken families are probed under TLCP too; forward secrecy is not asked of TLCP's ECC
//! suites, which carry the pre-master secret under the encryption certificate by design.

use futures_util::future::join_all;
use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite, Verdict,
};

use super::ss019_tls_versions::{TLCP, endpoints};
use crate::thresholds::ALLOWED_TLS_VERSIONS;
use crate::tls_probe::{self, KeyExchange, ProbeResult, SuiteInfo, Version};
use tianping_engine::Problem;

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "SS-026",
    suite: Suite::SystemSecurity,
    title_zh: "传输层密码套件安全且具备前向安全性",
    title_en: "Only strong, forward-secret cipher suites are accepted",
    advice_zh: "停用NULL、EXPORT、RC4、DES、3DES及匿名套件，仅启用具备前向安全性的强套件。",
    advice_en: "Disable NULL, EXPORT, RC4, DES, 3DES and anonymous suites; accept only strong forward-secret suites.",
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
            source: "no NULL/EXPORT/RC4/DES/3DES/anonymous suites; forward secrecy required",
            zh: "不得使用 NULL/EXPORT/RC4/DES/3DES/匿名套件；须具备前向安全性",
            provenance: Provenance::Policy,
        },
    ],
    tianping_clause: None,
    severity: Severity::High,
    weight: 3,
    mode: Mode::Remote,
    active: false,
    faults: &["weak-cipher-suite", "tlcp-weak-suite"],
    thresholds: &[ALLOWED_TLS_VERSIONS],
};

pub const CHECK: CheckDef = CheckDef::remote(META, |ctx| Box::pin(run(ctx))).transport_only();

/// What one endpoint accepts at one version.
struct VersionSuites {
    version: Version,
    accepted: Vec<&'static SuiteInfo>,
    undecided: Vec<Problem>,
}

/// Every suite of the catalogue that `version` accepts on one endpoint. The server is offered
/// all the suites not yet found and names the one it takes, which is then left out of the
/// next offer, until it refuses the rest: as many handshakes as accepted suites, plus one. A
/// server that will not read such a hello (some stall on large ones), or answers with
/// something unreadable, has the suites not yet found probed one per connection instead.
async fn enumerate(ctx: &Ctx, host: &str, port: u16, version: Version) -> VersionSuites {
    let mut remaining: Vec<&'static SuiteInfo> = tls_probe::suites_for(version).iter().collect();
    let mut accepted = Vec::new();
    while !remaining.is_empty() {
        let offered: Vec<u16> = remaining.iter().map(|s| s.id).collect();
        match tls_probe::choice_probe(ctx, host, port, host, version, &offered).await {
            Ok(Some(chosen)) => {
                let at = remaining
                    .iter()
                    .position(|s| s.id == chosen)
                    .expect("the choice is among those offered");
                accepted.push(remaining.remove(at));
            }
            Ok(None) => {
                return VersionSuites {
                    version,
                    accepted: in_catalogue_order(version, accepted),
                    undecided: Vec::new(),
                };
            }
            Err(_) => break,
        }
    }
    let mut rest = enumerate_one_by_one(ctx, host, port, version, &remaining).await;
    accepted.append(&mut rest.accepted);
    rest.accepted = in_catalogue_order(version, accepted);
    rest
}

/// `suites` in the catalogue's order, so findings read the same whatever order the server
/// preferred.
fn in_catalogue_order(
    version: Version,
    mut suites: Vec<&'static SuiteInfo>,
) -> Vec<&'static SuiteInfo> {
    let catalogue = tls_probe::suites_for(version);
    suites.sort_by_key(|s| catalogue.iter().position(|c| c.id == s.id));
    suites
}

/// Probes `suites` of `version` one per connection, concurrently (the client's per-host
/// connection cap still applies).
async fn enumerate_one_by_one(
    ctx: &Ctx,
    host: &str,
    port: u16,
    version: Version,
    suites: &[&'static SuiteInfo],
) -> VersionSuites {
    let probes = suites.iter().map(|s| async move {
        (
            s,
            tls_probe::suite_probe(ctx, host, port, host, version, s.id).await,
        )
    });
    let mut out = VersionSuites {
        version,
        accepted: Vec::new(),
        undecided: Vec::new(),
    };
    for (s, result) in join_all(probes).await {
        match result {
            ProbeResult::Accepted => out.accepted.push(*s),
            ProbeResult::Refused(_) => {}
            ProbeResult::Inconclusive(why) => out.undecided.push(Problem::new(
                format!("{}: {why}", s.name),
                format!("{}：{why}", s.name),
            )),
        }
    }
    out
}

/// Findings about the suites accepted at one version.
pub fn suite_problems(version: Version, accepted: &[&SuiteInfo]) -> Vec<Problem> {
    let mut problems = Vec::new();
    for s in accepted {
        let (v, name, id) = (version.name(), s.name, s.id);
        if let Some(weakness) = s.weakness {
            problems.push(Problem::new(
                format!("{v} accepts {name} ({id:#06x}): {weakness}"),
                format!("{v} 接受 {name}（{id:#06x}）：{}", weakness_zh(weakness)),
            ));
        } else if s.key_exchange != KeyExchange::Ephemeral {
            problems.push(Problem::new(
                format!("{v} accepts {name} ({id:#06x}): no forward secrecy"),
                format!("{v} 接受 {name}（{id:#06x}）：不具备前向安全性"),
            ));
        }
    }
    problems
}

/// What a TLCP endpoint accepts, one suite per hello.
struct TlcpSuites {
    /// Every suite accepted, with its name.
    accepted: Vec<(u16, &'static str)>,
    /// The broken ones among them: name, code, weakness.
    weak: Vec<(&'static str, u16, &'static str)>,
    /// Probes that could not be decided: name, why.
    undecided: Vec<(&'static str, String)>,
}

/// Probes the GM suites and every broken family (NULL, EXPORT, RC4, DES, 3DES, IDEA,
/// anonymous) under TLCP, one suite per hello. TLCP's ECC suites carry the pre-master secret
/// under the encryption certificate's key, by GB/T 38636's design, so forward secrecy is not
/// asked of them; a non-GM suite under TLCP is CERT-005's finding.
async fn enumerate_tlcp(ctx: &Ctx, host: &str, port: u16) -> TlcpSuites {
    let candidates: Vec<(u16, &'static str, Option<&'static str>)> = tls_probe::GM_SUITES
        .iter()
        .map(|(code, name)| (*code, *name, None))
        .chain(
            tls_probe::suites_for(Version::Tls12)
                .iter()
                .filter(|s| s.weakness.is_some())
                .map(|s| (s.id, s.name, s.weakness)),
        )
        .collect();
    let probes = candidates
        .iter()
        .map(|(code, _, _)| async move { tls_probe::tlcp_probe(ctx, host, port, &[*code]).await });
    let mut out = TlcpSuites {
        accepted: Vec::new(),
        weak: Vec::new(),
        undecided: Vec::new(),
    };
    for ((code, name, weakness), result) in candidates.iter().zip(join_all(probes).await) {
        match result {
            // Held to what was offered: a server that picks another suite is SS-019/CERT-005's.
            tls_probe::TlcpResult::Accepted { suite, .. } if suite == *code => {
                out.accepted.push((*code, name));
                if let Some(w) = weakness {
                    out.weak.push((name, *code, w));
                }
            }
            tls_probe::TlcpResult::Accepted { .. } | tls_probe::TlcpResult::Refused(_) => {}
            tls_probe::TlcpResult::Inconclusive(why) => out.undecided.push((name, why)),
        }
    }
    out
}

/// A suite catalogue weakness in Chinese.
fn weakness_zh(weakness: &str) -> &str {
    match weakness {
        "NULL encryption" => "不加密",
        "anonymous" => "匿名密钥交换",
        "IDEA (64-bit block)" => "IDEA（64 位分组）",
        "RC4 with MD5" => "RC4 与 MD5",
        // RC4, DES, 3DES, EXPORT: names, the same in both languages.
        other => other,
    }
}

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let allowed = &ctx.config.thresholds.names(&ALLOWED_TLS_VERSIONS);
    let mut failures = Vec::new();
    let mut undecided = Vec::new();
    let mut lines = Vec::new();
    for (host, port) in endpoints(ctx)? {
        for version in Version::ALL {
            if !allowed
                .iter()
                .any(|a| a.eq_ignore_ascii_case(version.name()))
            {
                continue;
            }
            // Enumerate only a version the endpoint accepts at all.
            match tls_probe::probe(ctx, &host, port, &host, version).await {
                ProbeResult::Accepted => {}
                ProbeResult::Refused(_) => continue,
                ProbeResult::Inconclusive(why) => {
                    let at = format!("{host}:{port} {}", version.name());
                    undecided.push(Problem::new(format!("{at}: {why}"), format!("{at}：{why}")));
                    continue;
                }
            }
            let found = enumerate(ctx, &host, port, version).await;
            lines.push((
                format!("{host}:{port} {}", found.version.name()),
                found
                    .accepted
                    .iter()
                    .map(|s| s.name)
                    .collect::<Vec<_>>()
                    .join(", "),
            ));
            let at = format!("{host}:{port}");
            failures.extend(
                suite_problems(version, &found.accepted)
                    .into_iter()
                    .map(|p| Problem::new(format!("{at} {}", p.en), format!("{at} {}", p.zh))),
            );
            let at = format!("{at} {}", version.name());
            undecided.extend(
                found
                    .undecided
                    .into_iter()
                    .map(|u| Problem::new(format!("{at} {}", u.en), format!("{at} {}", u.zh))),
            );
        }
        if allowed.iter().any(|a| a.eq_ignore_ascii_case(TLCP)) {
            let found = enumerate_tlcp(ctx, &host, port).await;
            let at = format!("{host}:{port} {TLCP}");
            if !found.accepted.is_empty() {
                let names: Vec<String> = found
                    .accepted
                    .iter()
                    .map(|(code, name)| format!("{name} ({code:#06x})"))
                    .collect();
                lines.push((at.clone(), names.join(", ")));
            }
            failures.extend(found.weak.into_iter().map(|(name, code, weakness)| {
                Problem::new(
                    format!("{at} accepts {name} ({code:#06x}): {weakness}"),
                    format!("{at} 接受 {name}（{code:#06x}）：{}", weakness_zh(weakness)),
                )
            }));
            undecided.extend(found.undecided.into_iter().map(|(name, why)| {
                Problem::new(format!("{at} {name}: {why}"), format!("{at} {name}：{why}"))
            }));
        }
    }
    let mut verdict = if !failures.is_empty() {
        Verdict::fail_listing(&failures)
    } else if !undecided.is_empty() {
        Verdict::undecided_listing(
            (
                "some suite probes could not be decided",
                "部分套件探测无法判定",
            ),
            &undecided,
        )
    } else if lines.is_empty() {
        Verdict::inconclusive("no allowed protocol version was accepted to enumerate")
            .zh("没有可用于枚举套件的被接受协议版本")
    } else {
        Verdict::pass(
            "every accepted suite is strong, and every TLS suite forward secret (TLCP's ECC \
             suites are GB/T 38636's key transport by design)",
        )
        .zh("所有被接受的套件均为强套件，TLS套件均具备前向安全性（TLCP的ECC套件按GB/T 38636设计采用密钥传输）")
    };
    for (label, value) in lines {
        verdict = verdict.with(label, value);
    }
    Ok(verdict.with_threshold("allowed_tls_versions", allowed.join(", ")))
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
