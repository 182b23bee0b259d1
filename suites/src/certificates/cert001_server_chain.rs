//! CERT-001 — The certificate chain the API endpoint serves is valid now, chains to a trust
//! anchor the lab accepts (international or SM2 hierarchy), and names the host the harness
//! connected to.

use rustls::pki_types::{CertificateDer, ServerName};
use tianping_engine::certset::{CertRole, CertSet, SourcedCert};
use tianping_engine::config::Thresholds;
use tianping_engine::{CheckDef, CheckMeta, Clause, Mode, Provenance, Severity, Suite, Verdict};

use crate::common;

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "CERT-001",
    suite: Suite::Certificates,
    title_zh: "服务器证书链有效且主机名匹配",
    title_en: "Server certificate chain is valid and matches the host name",
    advice_zh: "部署由受信任根签发、完整且与主机名匹配的服务器证书链。",
    advice_en: "Serve a complete certificate chain issued under a trusted root whose leaf matches the host name.",
    clauses: &[
        Clause {
            source: "电子签名法 Arts. 16–17: licensed electronic certification providers",
            zh: "电子签名法 第十六条至第十七条：依法设立的电子认证服务提供者",
            provenance: Provenance::Known,
        },
        Clause {
            source: "RFC 5280 path validation; RFC 6125 host name matching",
            zh: "RFC 5280 证书路径验证；RFC 6125 主机名匹配",
            provenance: Provenance::Known,
        },
    ],
    tianping_clause: None,
    severity: Severity::High,
    weight: 4,
    mode: Mode::Remote,
    active: false,
    faults: &["hostname-mismatch"],
    thresholds: &[],
};

pub const CHECK: CheckDef =
    common::certificate_form_check!(META, common::CertSources::Served, judge).transport_only();

pub fn judge(set: &CertSet, _: &Thresholds) -> Verdict {
    let servers: Vec<&SourcedCert> = set.with_role(CertRole::Server).collect();
    match (servers.is_empty(), &set.host) {
        (true, Some(host)) => {
            return Verdict::not_applicable(format!(
                "no server certificate among the certificates examined (none names `{host}` in its SAN or common name, or states serverAuth)"
            )).zh(format!("所检查的证书中没有服务器证书（没有证书在SAN或CN中包含 `{host}`，或声明serverAuth）"));
        }
        (true, None) => {
            return Verdict::not_applicable(
                "no server certificate among the certificates examined",
            )
            .zh("所检查的证书中没有服务器证书");
        }
        _ => {}
    }
    if set.trust_roots.is_empty() {
        return Verdict::inconclusive("no trust anchors configured (target.trust_roots / --trust)")
            .zh("未配置信任锚（target.trust_roots / --trust）");
    }
    let mut failures = Vec::new();
    let mut lines = Vec::new();
    // A TLCP encryption certificate needs a valid path as the signing one does; the host name
    // is the signing certificate's to carry (as GmSSL's client checks it).
    let encryption: Vec<&SourcedCert> = set.with_role(CertRole::Encryption).collect();
    for server in servers.iter().chain(&encryption) {
        let leaf_der = CertificateDer::from(server.der.as_slice());
        let name = common::describe_certificate(&server.der);
        let host = set
            .host
            .as_ref()
            .filter(|_| server.role == CertRole::Server);
        let result = super::paths::validate(&leaf_der, set, webpki::KeyUsage::server_auth())
            .and_then(|leaf| match host {
                Some(host) => {
                    let server_name = ServerName::try_from(host.as_str())
                        .map_err(|_| format!("`{host}` is not a valid server name"))?;
                    leaf.verify_is_valid_for_subject_name(&server_name)
                        .map_err(|e| format!("does not name `{host}`: {e:?}"))
                }
                None => Ok(()),
            });
        let role = server.role.label();
        lines.push((
            format!("{role} certificate from {}", server.source),
            format!(
                "{name}: {}",
                result
                    .as_ref()
                    .map(|_| "valid".to_string())
                    .unwrap_or_else(|e| e.clone())
            ),
        ));
        if let Err(e) = result {
            failures.push(format!(
                "{role} certificate from {} ({name}): {e}",
                server.source
            ));
        }
    }
    let mut verdict = match (&set.host, failures.is_empty()) {
        (Some(host), true) => Verdict::pass(format!(
            "the server certificate chain validates to a trust anchor for `{host}`"
        )).zh(format!("服务器证书链可验证至信任锚，主机名 `{host}` 匹配")),
        (None, true) => Verdict::pass(
            "the server certificate chain validates to a trust anchor (no host name given, so none was matched)",
        ).zh("服务器证书链可验证至信任锚（未给出主机名，未作匹配）"),
        (_, false) => Verdict::from_samples((servers.len() + encryption.len()) as u64, &failures, ("server certificates", "服务器证书")),
    };
    verdict = verdict.with_all(lines);
    for (i, cert) in set
        .certs
        .iter()
        .filter(|c| !matches!(c.role, CertRole::Server | CertRole::Encryption))
        .enumerate()
    {
        verdict = verdict.with(
            format!("other certificate {} ({})", i + 1, cert.source),
            common::describe_certificate(&cert.der),
        );
    }
    verdict
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
