//! CERT-007 — Every end-entity certificate says where its revocation status is published (CRL
//! distribution point or OCSP), and neither its issuer's CRL nor an OCSP answer (each
//! signature-checked and current) says it is revoked. Live, CRLs are fetched from the
//! distribution points and OCSP responders asked, on the target's hosts only; offline they are
//! given with `certs --crl` and `--ocsp`.

use tianping_engine::certset::{CertRole, CertSet};
use tianping_engine::config::Thresholds;
use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Method, Mode, Provenance, Severity, Suite,
    Verdict,
};
use tianping_profile::der::Tlv;
use tianping_profile::ocsp::{self, CertStatus};
use x509_parser::extensions::{DistributionPointName, GeneralName, ParsedExtension};
use x509_parser::prelude::*;

use crate::common;

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "CERT-007",
    suite: Suite::Certificates,
    title_zh: "证书吊销状态可查且未被吊销",
    title_en: "Revocation status is published and the certificates are not revoked",
    advice_zh: "在证书中发布CRL分发点或OCSP地址并保持可用，更换已吊销的证书。",
    advice_en: "Publish working CRL distribution points or OCSP in the certificates, and replace any revoked certificate.",
    clauses: &[
        Clause {
            source: "RFC 5280 §4.2.1.13, §5: CRL distribution points and CRL validation",
            zh: "RFC 5280 §4.2.1.13、§5：CRL 分发点与 CRL 验证",
            provenance: Provenance::Known,
        },
        Clause {
            source: "GB/T 19713: online certificate status protocol",
            zh: "GB/T 19713：在线证书状态协议",
            provenance: Provenance::Known,
        },
    ],
    tianping_clause: None,
    severity: Severity::High,
    weight: 3,
    mode: Mode::Remote,
    active: false,
    faults: &["revoked-server-cert"],
    thresholds: &[],
};

pub const CHECK: CheckDef = CheckDef::remote(META, |ctx| Box::pin(run(ctx))).with_certs(judge);

const OID_OCSP: &str = "1.3.6.1.5.5.7.48.1";

/// CRL distribution point URIs and OCSP URLs of a certificate.
pub fn revocation_pointers(cert: &X509Certificate<'_>) -> (Vec<String>, Vec<String>) {
    let (mut crl, mut ocsp) = (Vec::new(), Vec::new());
    for ext in cert.extensions() {
        match ext.parsed_extension() {
            ParsedExtension::CRLDistributionPoints(points) => {
                for p in points.iter() {
                    if let Some(DistributionPointName::FullName(names)) = &p.distribution_point {
                        crl.extend(names.iter().filter_map(|n| match n {
                            GeneralName::URI(u) => Some(u.to_string()),
                            _ => None,
                        }));
                    }
                }
            }
            ParsedExtension::AuthorityInfoAccess(aia) => {
                for d in &aia.accessdescs {
                    if d.access_method.to_id_string() == OID_OCSP
                        && let GeneralName::URI(u) = &d.access_location
                    {
                        ocsp.push(u.to_string());
                    }
                }
            }
            _ => {}
        }
    }
    (crl, ocsp)
}

/// Verifies a CRL's signature with its issuer's key: SM2 (default ID) or what x509-parser
/// verifies (RSA, ECDSA).
fn crl_signature_ok(
    crl_der: &[u8],
    crl: &CertificateRevocationList<'_>,
    issuer: &X509Certificate<'_>,
) -> bool {
    if tianping_profile::cms::is_sm2_key(issuer.public_key()) {
        let tbs = Tlv::parse(crl_der)
            .and_then(|c| c.children())
            .ok()
            .and_then(|parts| parts.first().map(|t| t.raw.to_vec()));
        return tbs.is_some_and(|tbs| {
            tianping_profile::sm2sig::verify(
                &issuer.public_key().subject_public_key.data,
                tianping_profile::sm2sig::DEFAULT_DIST_ID,
                &tbs,
                &crl.signature_value.data,
            )
            .is_ok()
        });
    }
    crl.verify_signature(issuer.public_key()).is_ok()
}

/// The certificates in the set (or its trust anchors) named as `cert`'s issuer.
fn issuers_of<'a>(set: &'a CertSet, cert: &X509Certificate<'_>) -> Vec<X509Certificate<'a>> {
    set.certs
        .iter()
        .map(|c| c.der.as_slice())
        .chain(set.trust_roots.iter().map(Vec::as_slice))
        .filter_map(|d| X509Certificate::from_der(d).ok().map(|(_, c)| c))
        .filter(|c| c.subject().as_raw() == cert.issuer().as_raw())
        .collect()
}

/// What the OCSP responses in the set say about one certificate, as [`crl_status`] does.
fn ocsp_status(set: &CertSet, cert: &X509Certificate<'_>) -> Result<Option<String>, String> {
    let now = chrono::Utc::now().format("%Y%m%d%H%M%S").to_string();
    let mut reasons = Vec::new();
    for issuer in issuers_of(set, cert) {
        for der in &set.ocsp_responses {
            let answer = match ocsp::read_response(der, cert, &issuer) {
                Ok(a) => a,
                Err(e) if e.to_string().contains("does not name the certificate") => continue,
                Err(e) => {
                    reasons.push(e.to_string());
                    continue;
                }
            };
            if answer
                .next_update
                .as_deref()
                .is_some_and(|t| t.get(..14) < Some(&now))
            {
                reasons.push(format!(
                    "the OCSP answer (signed by {}) is out of date",
                    answer.signer
                ));
                continue;
            }
            return match answer.status {
                CertStatus::Good => Ok(None),
                CertStatus::Revoked { at, reason } => Ok(Some(format!(
                    "revoked on {at} per OCSP{}",
                    reason.map(|r| format!(" (reason {r})")).unwrap_or_default()
                ))),
                CertStatus::Unknown => Err("the OCSP responder does not know it".into()),
            };
        }
    }
    if reasons.is_empty() {
        reasons.push("no OCSP answer about it".into());
    }
    Err(reasons.join("; "))
}

/// What the CRLs in the set say about one certificate: `Ok(None)` not listed, `Ok(Some)`
/// revoked, `Err` when no usable CRL of its issuer is at hand.
fn crl_status(set: &CertSet, cert: &X509Certificate<'_>) -> Result<Option<String>, String> {
    let issuers = issuers_of(set, cert);
    let now = ASN1Time::now();
    let mut reasons = Vec::new();
    for der in &set.crls {
        let Ok((_, crl)) = parse_x509_crl(der) else {
            reasons.push("a CRL does not parse".to_string());
            continue;
        };
        if crl.issuer().as_raw() != cert.issuer().as_raw() {
            continue;
        }
        if !issuers.iter().any(|i| crl_signature_ok(der, &crl, i)) {
            reasons.push(format!(
                "the CRL of \"{}\" has no valid issuer signature",
                crl.issuer()
            ));
            continue;
        }
        if crl.next_update().is_some_and(|t| t < now) {
            reasons.push(format!("the CRL of \"{}\" is out of date", crl.issuer()));
            continue;
        }
        let serial = cert.raw_serial();
        return Ok(crl
            .iter_revoked_certificates()
            .find(|r| r.raw_serial() == serial)
            .map(|r| {
                let reason = r
                    .reason_code()
                    .map(|(_, code)| format!(" ({code})"))
                    .unwrap_or_default();
                format!("revoked on {}{reason}", r.revocation_date)
            }));
    }
    if reasons.is_empty() {
        reasons.push("no CRL of its issuer was available".into());
    }
    Err(reasons.join("; "))
}

pub fn judge(set: &CertSet, _: &Thresholds) -> Verdict {
    let end_entities: Vec<_> = set
        .certs
        .iter()
        .filter(|c| c.role != CertRole::Ca)
        .collect();
    if end_entities.is_empty() {
        return Verdict::not_applicable("no end-entity certificate among those examined")
            .zh("所检查的证书中没有终端实体证书");
    }
    let (mut failures, mut undecided, mut lines) = (Vec::new(), Vec::new(), Vec::new());
    for c in &end_entities {
        let name = common::describe_certificate(&c.der);
        let Ok((_, cert)) = X509Certificate::from_der(&c.der) else {
            failures.push(format!("{} ({name}): does not parse", c.source));
            continue;
        };
        let (crl_urls, ocsp_urls) = revocation_pointers(&cert);
        let pointers = format!("CRL {crl_urls:?}, OCSP {ocsp_urls:?}");
        let label = format!("{} certificate ({name})", c.role.label());
        if crl_urls.is_empty() && ocsp_urls.is_empty() {
            failures.push(format!("{label}: no CRL distribution point or OCSP URL"));
            lines.push((label, "no revocation pointer".to_string()));
            continue;
        }
        // Revoked by either source is revoked; current and unlisted by either decides.
        let (crl, ocsp) = (crl_status(set, &cert), ocsp_status(set, &cert));
        let said_good = [("CRL", &crl), ("OCSP", &ocsp)]
            .iter()
            .filter(|(_, r)| matches!(r, Ok(None)))
            .map(|(source, _)| *source)
            .collect::<Vec<_>>()
            .join(" and ");
        let decided = match (crl, ocsp) {
            (Ok(Some(r)), _) | (_, Ok(Some(r))) => Ok(Some(r)),
            (Ok(None), _) | (_, Ok(None)) => Ok(None),
            (Err(crl), Err(ocsp)) => Err(format!("{crl}; {ocsp}")),
        };
        match decided {
            Ok(Some(revoked)) => {
                failures.push(format!("{label}: {revoked}"));
                lines.push((label, format!("{pointers}: {revoked}")));
            }
            Ok(None) => lines.push((label, format!("{pointers}: not revoked per {said_good}"))),
            Err(why) => {
                undecided.push(format!("{label}: {why}"));
                lines.push((label, format!("{pointers}: status unknown ({why})")));
            }
        }
    }
    let verdict = if !failures.is_empty() {
        Verdict::from_samples(
            end_entities.len() as u64,
            &failures,
            ("end-entity certificates", "终端实体证书"),
        )
    } else if !undecided.is_empty() {
        Verdict::inconclusive(format!(
            "revocation status not decided for {}: {}",
            undecided.len(),
            undecided.join("; ")
        ))
        .zh(format!(
            "{} 张证书的吊销状态无法判定：{}",
            undecided.len(),
            undecided.join("；")
        ))
    } else {
        Verdict::pass(format!(
            "all {} end-entity certificates publish their status and none is revoked",
            end_entities.len()
        ))
        .zh(format!(
            "全部 {} 张终端实体证书均发布状态信息且未被吊销",
            end_entities.len()
        ))
    };
    verdict.with_all(lines).with_all(
        set.crl_errors
            .iter()
            .map(|e| ("revocation fetch", e.clone())),
    )
}

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let mut set = common::live_certificates(ctx, common::CertSources::ServedAndPublished).await?;
    let mut urls: Vec<String> = set
        .certs
        .iter()
        .filter_map(|c| {
            X509Certificate::from_der(&c.der)
                .ok()
                .map(|(_, cert)| revocation_pointers(&cert).0)
        })
        .flatten()
        .collect();
    urls.sort();
    urls.dedup();
    ask_ocsp_responders(ctx, &mut set).await;
    for url in urls {
        // Only the target's declared hosts: the scoped client refuses any other.
        let fetched = match url::Url::parse(&url) {
            Ok(u) => ctx
                .http
                .send_url(Method::GET, u, &[], None)
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(format!("not a URL: {e}")),
        };
        match fetched {
            Ok(ex) if ex.status == 200 => set.crls.push(ex.body),
            Ok(ex) => set.crl_errors.push(format!("{url}: HTTP {}", ex.status)),
            Err(e) => set.crl_errors.push(format!("{url}: {e}")),
        }
    }
    Ok(judge(&set, &ctx.config.thresholds))
}

/// Asks each certificate's OCSP responder (on the target's hosts only) about it.
async fn ask_ocsp_responders(ctx: &Ctx, set: &mut CertSet) {
    let mut questions = Vec::new();
    for c in &set.certs {
        let Ok((_, cert)) = X509Certificate::from_der(&c.der) else {
            continue;
        };
        let Some(issuer) = issuers_of(set, &cert).into_iter().next() else {
            continue;
        };
        for url in revocation_pointers(&cert).1 {
            questions.push((url, ocsp::request(&cert, &issuer)));
        }
    }
    let headers = [(
        "content-type".to_string(),
        "application/ocsp-request".to_string(),
    )];
    for (url, request) in questions {
        let asked = match url::Url::parse(&url) {
            Ok(u) => ctx
                .http
                .send_url(Method::POST, u, &headers, Some(request))
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(format!("not a URL: {e}")),
        };
        match asked {
            Ok(ex) if ex.status == 200 => set.ocsp_responses.push(ex.body),
            Ok(ex) => set
                .crl_errors
                .push(format!("OCSP {url}: HTTP {}", ex.status)),
            Err(e) => set.crl_errors.push(format!("OCSP {url}: {e}")),
        }
    }
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
