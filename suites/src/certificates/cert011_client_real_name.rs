//! CERT-011 — Certificates issued to depositors (mutual TLS or API signing) are bound to real
//! names: the subject carries the organisation's name and its unified social credit code (or a
//! person's name and a masked ID number, never a full one), and the certificate chains to a
//! CA the lab accepts.

use rustls::pki_types::CertificateDer;
use tianping_engine::certset::{CertRole, CertSet, SourcedCert};
use tianping_engine::config::Thresholds;
use tianping_engine::{CheckDef, CheckMeta, Clause, Mode, Provenance, Severity, Suite, Verdict};
use tianping_profile::identity;
use x509_parser::prelude::*;

use crate::common;

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "CERT-011",
    suite: Suite::Certificates,
    title_zh: "存证用户证书实名绑定",
    title_en: "Depositor certificates are bound to real-name subjects",
    advice_zh: "存证用户证书主体须实名（机构名称加统一社会信用代码，或姓名加脱敏身份证号），并由受信任的CA签发。",
    advice_en: "Bind depositor certificates to real names (organisation with credit code, or person with masked ID) under a trusted CA.",
    clauses: &[
        Clause {
            source: "区块链信息服务管理规定 Art. 8: real-name identity of users",
            zh: "区块链信息服务管理规定 第八条：用户真实身份",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "GB 32100 unified social credit code; GB 11643 resident ID (masked)",
            zh: "GB 32100 统一社会信用代码；GB 11643 公民身份号码（脱敏）",
            provenance: Provenance::Known,
        },
        Clause {
            source: "subject DN form (organisation + credit code, or person + masked ID)",
            zh: "主体 DN 格式（机构名称 + 统一社会信用代码，或个人姓名 + 脱敏身份号码）",
            provenance: Provenance::Policy,
        },
    ],
    tianping_clause: None,
    severity: Severity::Medium,
    weight: 2,
    mode: Mode::Remote,
    active: false,
    faults: &["client-cert-without-real-name"],
    thresholds: &[],
};

pub const CHECK: CheckDef =
    common::certificate_form_check!(META, common::CertSources::ServedAndPublished, judge);

const ORGANIZATION: &str = "2.5.4.10";

/// Who the subject names, or why it names nobody in particular.
#[derive(Debug, PartialEq, Eq)]
enum RealName {
    Organization { name: String, credit_code: String },
    Person { name: String, masked_id: String },
    Missing(String),
}

/// An ID number as certificates print it: region and tail kept, the rest starred.
fn is_masked_resident_id(token: &str) -> bool {
    let b = token.as_bytes();
    b.len() == 18
        && b[..6].iter().all(u8::is_ascii_digit)
        && b[6..14].iter().all(|c| *c == b'*')
        && b[14..17].iter().all(u8::is_ascii_digit)
        && (b[17].is_ascii_digit() || b[17].eq_ignore_ascii_case(&b'X'))
}

/// Reads the subject of a depositor certificate. Every attribute value is searched, since CAs
/// put the credit code in serialNumber, organizationIdentifier (`NTRCN-…`), OU or CN.
fn real_name(subject: &X509Name<'_>) -> Result<RealName, Vec<String>> {
    let values: Vec<(String, String)> = subject
        .iter_attributes()
        .filter_map(|a| Some((a.attr_type().to_id_string(), a.as_str().ok()?.to_string())))
        .collect();
    let tokens: Vec<&str> = values
        .iter()
        .flat_map(|(_, v)| v.split(|c: char| !(c.is_ascii_alphanumeric() || c == '*')))
        .filter(|t| t.len() == 18)
        .collect();
    let mut problems = Vec::new();
    if tokens.iter().any(|t| identity::valid_resident_id(t)) {
        problems.push("the subject carries a full resident ID number (it must be masked)".into());
    }
    let organization = values
        .iter()
        .find(|(oid, v)| oid == ORGANIZATION && !v.trim().is_empty())
        .map(|(_, v)| v.clone());
    let credit_code = tokens.iter().find(|t| identity::valid_credit_code(t));
    let common_name = subject
        .iter_common_name()
        .filter_map(|a| a.as_str().ok())
        .find(|v| !v.trim().is_empty());
    let masked_id = tokens.iter().find(|t| is_masked_resident_id(t));
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(match (organization, credit_code, common_name, masked_id) {
        (Some(name), Some(code), _, _) => RealName::Organization {
            name,
            credit_code: code.to_string(),
        },
        (_, _, Some(name), Some(id)) => RealName::Person {
            name: name.to_string(),
            masked_id: id.to_string(),
        },
        (Some(name), None, _, _) => RealName::Missing(format!(
            "names the organisation `{name}` but no valid unified social credit code"
        )),
        _ => RealName::Missing(
            "names neither an organisation with its credit code nor a person with a masked ID number"
                .into(),
        ),
    })
}

/// The findings on one depositor certificate: its real name, then its issuer.
fn judge_one(cert: &SourcedCert, set: &CertSet) -> (Vec<String>, String, bool) {
    let Ok((_, parsed)) = X509Certificate::from_der(&cert.der) else {
        return (vec!["does not parse".into()], "unparseable".into(), true);
    };
    let mut problems = Vec::new();
    let named = match real_name(parsed.subject()) {
        Ok(RealName::Organization { name, credit_code }) => {
            format!("organisation `{name}`, credit code {credit_code}")
        }
        Ok(RealName::Person { name, masked_id }) => format!("person `{name}`, ID {masked_id}"),
        Ok(RealName::Missing(why)) => {
            problems.push(format!("the subject {why}"));
            format!("subject `{}`", parsed.subject())
        }
        Err(found) => {
            problems.extend(found);
            "subject with an unmasked ID number".into()
        }
    };
    if set.trust_roots.is_empty() {
        return (problems, format!("{named}; issuer not judged"), false);
    }
    let leaf = CertificateDer::from(cert.der.as_slice());
    let issuer = match super::paths::validate(&leaf, set, webpki::KeyUsage::client_auth()) {
        Ok(_) => "chains to a trust anchor".to_string(),
        Err(e) => {
            problems.push(format!("issuer: {e}"));
            e
        }
    };
    (problems, format!("{named}; {issuer}"), true)
}

pub fn judge(set: &CertSet, _: &Thresholds) -> Verdict {
    let clients: Vec<&SourcedCert> = set.with_role(CertRole::Client).collect();
    if clients.is_empty() {
        return Verdict::not_applicable(
            "no depositor (clientAuth) certificate among the certificates examined",
        )
        .zh("所检查的证书中没有存证用户（clientAuth）证书");
    }
    let mut failures = Vec::new();
    let mut lines = Vec::new();
    let mut issuers_judged = true;
    for cert in &clients {
        let (problems, finding, judged) = judge_one(cert, set);
        issuers_judged &= judged;
        let name = common::describe_certificate(&cert.der);
        lines.push((
            format!("client certificate from {}", cert.source),
            format!("{name}: {finding}"),
        ));
        if !problems.is_empty() {
            failures.push(format!("{} ({name}): {}", cert.source, problems.join("; ")));
        }
    }
    let verdict = if !failures.is_empty() {
        Verdict::from_samples(
            clients.len() as u64,
            &failures,
            ("depositor certificates", "存证用户证书"),
        )
    } else if !issuers_judged {
        Verdict::inconclusive(
            "the subjects are real names, but no trust anchors are configured to judge the issuer (target.trust_roots / --trust)",
        ).zh("证书主体为实名，但未配置信任锚，无法判断签发者（target.trust_roots / --trust）")
    } else {
        Verdict::pass(
            "every depositor certificate names a real organisation or person and chains to a trust anchor",
        ).zh("每张存证用户证书均标明真实机构或个人，并可链接至信任锚")
    };
    verdict.with_all(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject_of(der: &[u8]) -> Result<RealName, Vec<String>> {
        let (_, cert) = X509Certificate::from_der(der).unwrap();
        real_name(cert.subject())
    }

    #[test]
    fn the_reference_depositor_certificate_names_its_organisation_and_the_fault_does_not() {
        let pki =
            tianping_fixtures::pki::ReferencePki::generate(&tianping_fixtures::Faults::none());
        assert_eq!(
            subject_of(&pki.depositor_cert_der),
            Ok(RealName::Organization {
                name: "天平链测评实验室".into(),
                credit_code: "91350100M000100Y43".into()
            })
        );
        let faulty = tianping_fixtures::pki::ReferencePki::generate(
            &tianping_fixtures::Faults::parse(&["client-cert-without-real-name"]).unwrap(),
        );
        assert!(matches!(
            subject_of(&faulty.depositor_cert_der),
            Ok(RealName::Missing(why)) if why.contains("no valid unified social credit code")
        ));
    }

    #[test]
    fn masked_and_unmasked_resident_ids_are_told_apart() {
        assert!(is_masked_resident_id("110105********002X"));
        assert!(!is_masked_resident_id("11010519491231002X"));
        assert!(!is_masked_resident_id("110105*******1002X"));
    }
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
