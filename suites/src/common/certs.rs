//! Certificates: PEM, the platform's published SM2 certificates, the account certificate, the
//! chains servers present, and the shared run of the certificate-form checks.

use serde_json::Value;
use tianping_engine::certset::{CertCheck, CertRole, CertSet};
use tianping_engine::{CheckError, Ctx, Operation, Refusal, Verdict};

use super::*;

/// Decodes every PEM CERTIFICATE block in `text` into DER (the profile's one PEM reader).
pub fn pem_certificates(text: &str) -> Result<Vec<Vec<u8>>, CheckError> {
    Ok(tianping_profile::pem::certificates(text)?)
}

/// The Chinese name of a role [`platform_sm2_certificates`] gives.
pub fn certificate_role_zh(role: &str) -> &str {
    match role {
        "receipt signing" => "回执签名",
        "TSA" => "时间戳服务",
        other => other,
    }
}

/// The platform's published SM2 certificates: (role, DER), CA certificates last.
pub async fn platform_sm2_certificates(ctx: &Ctx) -> Result<Vec<(String, Vec<u8>)>, CheckError> {
    let info = platform_info(ctx).await?;
    let mut certs = Vec::new();
    for (role, field) in [
        ("receipt signing", "platform_signing_certificate"),
        ("TSA", "platform_tsa_certificate"),
    ] {
        if let Some(pem) = ctx.fields.opt_str(&info, field)? {
            certs.extend(
                pem_certificates(&pem)?
                    .into_iter()
                    .map(|d| (role.to_string(), d)),
            );
        }
    }
    if let Some(Value::Array(cas)) = ctx.fields.get(&info, "platform_ca_certificates").as_deref() {
        for pem in cas.iter().filter_map(Value::as_str) {
            certs.extend(
                pem_certificates(pem)?
                    .into_iter()
                    .map(|d| ("CA".to_string(), d)),
            );
        }
    }
    if certs.is_empty() {
        return Err(CheckError::Field {
            field: "platform_signing_certificate".into(),
            detail: "the platform publishes no certificates".into(),
        });
    }
    Ok(certs)
}

/// The certificate the platform issued to the harness's depositor account, then its issuers;
/// empty when the platform does not offer it (unmapped, or answered "not found").
pub async fn account_certificates(ctx: &Ctx) -> Result<Vec<Vec<u8>>, CheckError> {
    if !ctx.offers(Operation::AccountCertificate) {
        return Ok(Vec::new());
    }
    let ex = ctx.call(Operation::AccountCertificate).send().await?;
    if ctx.answer(&ex).is_refusal_of(Refusal::NotFound) {
        return Ok(Vec::new());
    }
    let doc = ctx.success_json(&ex)?;
    let mut certs = pem_certificates(&ctx.fields.str(&doc, "account_certificate")?)?;
    if let Some(Value::Array(chain)) = ctx.fields.get(&doc, "account_certificate_chain").as_deref()
    {
        for pem in chain.iter().filter_map(Value::as_str) {
            certs.extend(pem_certificates(pem)?);
        }
    }
    Ok(certs)
}

/// Which of a live target's certificates a check judges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertSources {
    /// The chain the API endpoint serves.
    Served,
    /// That chain and the certificates the platform publishes (receipt signing, TSA, CAs).
    ServedAndPublished,
}

/// The certificates a live target shows: the chain its API endpoint serves (leaf as the
/// server certificate) and, when asked, the certificates it publishes, with the lab's trust
/// anchors and the host name the harness connected to. Published certificates that cannot be
/// read (no field map for this platform) make the check inconclusive, not a partial pass.
pub async fn live_certificates(ctx: &Ctx, sources: CertSources) -> Result<CertSet, CheckError> {
    let host = ctx.api_host();
    let port = ctx.api_port();
    let served = served_chain(ctx, &host, port).await;
    let tlcp = tlcp_certificates(ctx, &host, port).await;
    let mut set = CertSet {
        host: Some(host.clone()),
        trust_roots: ctx.trust_roots.iter().map(|r| r.to_vec()).collect(),
        ..CertSet::default()
    };
    // A platform reachable only over TLCP is judged on its TLCP certificates alone.
    match (served, tlcp.is_empty()) {
        (Ok((chain, source)), _) => {
            for (i, der) in chain.into_iter().enumerate() {
                let role = if i == 0 {
                    CertRole::Server
                } else {
                    CertRole::Ca
                };
                set.push(der, role, source.clone());
            }
        }
        (Err(_), false) => {}
        (Err(e), true) => return Err(e),
    }
    // TLCP's signing certificate authenticates the server as a TLS leaf does; its encryption
    // certificate is held to the encipherment role.
    let tlcp_source = |what: &str| format!("TLCP {host}:{port} ({what})");
    for (i, der) in tlcp.into_iter().enumerate() {
        let (role, what) = match i {
            0 => (CertRole::Server, "signing certificate"),
            1 => (CertRole::Encryption, "encryption certificate"),
            _ => (CertRole::Ca, "chain"),
        };
        set.push(der, role, tlcp_source(what));
    }
    if sources == CertSources::ServedAndPublished {
        for (i, der) in account_certificates(ctx).await?.into_iter().enumerate() {
            let role = if i == 0 {
                CertRole::Client
            } else {
                CertRole::Ca
            };
            set.push(der, role, "depositor account certificate");
        }
        for (role, der) in platform_sm2_certificates(ctx).await? {
            let cert_role = match role.as_str() {
                "CA" => CertRole::Ca,
                "TSA" => CertRole::Tsa,
                _ => CertRole::Signing,
            };
            set.push(der, cert_role, format!("platform info ({role})"));
        }
    }
    Ok(set)
}

/// The certificates a TLCP handshake with GM suites presents (signing, encryption, then any
/// chain), or none where the endpoint does not speak TLCP.
async fn tlcp_certificates(ctx: &Ctx, host: &str, port: u16) -> Vec<Vec<u8>> {
    let offered: Vec<u16> = crate::tls_probe::GM_SUITES
        .iter()
        .map(|(code, _)| *code)
        .collect();
    match crate::tls_probe::tlcp_probe(ctx, host, port, &offered).await {
        crate::tls_probe::TlcpResult::Accepted { certificates, .. } => certificates,
        _ => Vec::new(),
    }
}

/// The chain the endpoint serves, with where it came from: through a TLS 1.2/1.3 handshake,
/// or, for an endpoint that speaks only TLS 1.0/1.1, from the raw handshake's Certificate
/// message.
async fn served_chain(
    ctx: &Ctx,
    host: &str,
    port: u16,
) -> Result<(Vec<Vec<u8>>, String), CheckError> {
    let handshake_error = match ctx.http.peer_tls(host, port, host).await {
        Ok(peer) => {
            let source = format!(
                "TLS {host}:{port} ({} {})",
                peer.protocol, peer.cipher_suite
            );
            return Ok((peer.chain.iter().map(|c| c.to_vec()).collect(), source));
        }
        Err(e) => e,
    };
    for version in [
        crate::tls_probe::Version::Tls11,
        crate::tls_probe::Version::Tls10,
    ] {
        if let Ok(chain) = crate::tls_probe::served_chain(ctx, host, port, host, version).await {
            let source = format!("TLS {host}:{port} ({}, raw handshake)", version.name());
            return Ok((chain, source));
        }
    }
    Err(handshake_error.into())
}

/// Runs a certificate check's offline form on the live target's certificates.
pub async fn run_cert_form(
    ctx: &Ctx,
    sources: CertSources,
    judge: CertCheck,
) -> Result<Verdict, CheckError> {
    let set = live_certificates(ctx, sources).await?;
    Ok(judge(&set, &ctx.config.thresholds))
}

/// The first certificate of a PEM file, by path from this crate (tests: OpenSSL-made files).
#[cfg(test)]
pub fn test_certificate(relative: &str) -> Vec<u8> {
    let path = format!("{}/{relative}", env!("CARGO_MANIFEST_DIR"));
    let pem = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    pem_certificates(&pem).expect("PEM").remove(0)
}

/// Subject, serial and SHA-256/SM3 fingerprints: how every finding names a certificate.
pub fn describe_certificate(der: &[u8]) -> String {
    let fp_sha = tianping_profile::digest::sha256_hex(der);
    let fp_sm3 = tianping_profile::digest::sm3_hex(der);
    match x509_parser::parse_x509_certificate(der) {
        Ok((_, c)) => format!(
            "subject \"{}\", serial {}, SHA-256 {fp_sha}, SM3 {fp_sm3}",
            c.subject(),
            c.raw_serial_as_string()
        ),
        Err(_) => format!("unparseable certificate, SHA-256 {fp_sha}, SM3 {fp_sm3}"),
    }
}

/// A certificate-form check, as a const: live, it gathers the certificates `sources` names and
/// judges them with `judge`; offline, `judge` alone decides certificate files. Each of these
/// checks is its metadata, its sources and its judge:
/// `pub const CHECK: CheckDef = certificate_form_check!(META, CertSources::Served, judge);`
macro_rules! certificate_form_check {
    ($meta:expr, $sources:expr, $judge:path) => {
        tianping_engine::CheckDef::remote($meta, |ctx| {
            Box::pin($crate::common::run_cert_form(ctx, $sources, $judge))
        })
        .with_certs($judge)
    };
}
pub(crate) use certificate_form_check;
