//! The certificates under evaluation, wherever they came from: the live endpoints, or files the
//! lab hands to `tianping-harness certs`. Certificate checks are functions of a [`CertSet`],
//! so the live run and the offline command reach the same findings on the same certificates.

use serde::Serialize;
use x509_parser::prelude::*;

/// What a certificate is for, which decides the rules it is held to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CertRole {
    /// End-entity certificate of a TLS endpoint.
    Server,
    /// Any CA certificate (root or intermediate).
    Ca,
    /// Signs receipts or other platform data.
    Signing,
    /// Time-stamping authority.
    Tsa,
    /// Issued to a depositor for mutual TLS or API signing (clientAuth).
    Client,
    /// A TLCP endpoint's encryption certificate (GB/T 38636's second certificate): its key
    /// decrypts or agrees the pre-master secret, so it enciphers rather than signs.
    Encryption,
    /// End-entity certificate whose purpose nothing states.
    Other,
}

impl CertRole {
    /// How the role reads in evidence.
    pub fn label(self) -> &'static str {
        match self {
            CertRole::Server => "server",
            CertRole::Ca => "CA",
            CertRole::Signing => "signing",
            CertRole::Tsa => "TSA",
            CertRole::Client => "client",
            CertRole::Encryption => "encryption",
            CertRole::Other => "end-entity",
        }
    }

    /// The role of a certificate given for `host`: one that names the host (a DNS or IP
    /// SAN) or states serverAuth is the server's, even if it also claims to be a CA: a
    /// certificate presented as the server's is judged as the server's. Otherwise as
    /// [`CertRole::infer`].
    pub fn infer_for(der: &[u8], host: Option<&str>) -> CertRole {
        let Some(host) = host else {
            return CertRole::infer(der);
        };
        let Ok((_, cert)) = X509Certificate::from_der(der) else {
            return CertRole::Other;
        };
        let server_auth =
            matches!(cert.extended_key_usage(), Ok(Some(eku)) if eku.value.server_auth);
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let names_host = cert
            .subject_alternative_name()
            .ok()
            .flatten()
            .is_some_and(|san| {
                san.value.general_names.iter().any(|n| match n {
                    GeneralName::DNSName(d) => d.trim_end_matches('.').eq_ignore_ascii_case(&host),
                    GeneralName::IPAddress(ip) => match ip.len() {
                        4 => <[u8; 4]>::try_from(*ip)
                            .is_ok_and(|a| std::net::Ipv4Addr::from(a).to_string() == host),
                        16 => <[u8; 16]>::try_from(*ip)
                            .is_ok_and(|a| std::net::Ipv6Addr::from(a).to_string() == host),
                        _ => false,
                    },
                    _ => false,
                })
            });
        // A legacy certificate may name its host only as the subject's common name.
        let common_name = cert
            .subject()
            .iter_common_name()
            .filter_map(|cn| cn.as_str().ok())
            .any(|cn| cn.trim_end_matches('.').eq_ignore_ascii_case(&host));
        if server_auth || names_host || (common_name && !cert.is_ca()) {
            CertRole::Server
        } else {
            CertRole::infer(der)
        }
    }

    /// The role a certificate states for itself: CA by BasicConstraints, TSA by the
    /// timeStamping EKU, server by serverAuth or a DNS/IP SAN, client by clientAuth (without
    /// serverAuth), signing by a signing KeyUsage.
    pub fn infer(der: &[u8]) -> CertRole {
        let Ok((_, cert)) = X509Certificate::from_der(der) else {
            return CertRole::Other;
        };
        if cert.is_ca() {
            return CertRole::Ca;
        }
        if let Ok(Some(eku)) = cert.extended_key_usage() {
            if eku.value.time_stamping {
                return CertRole::Tsa;
            }
            if eku.value.server_auth {
                return CertRole::Server;
            }
            if eku.value.client_auth {
                return CertRole::Client;
            }
        }
        if let Ok(Some(san)) = cert.subject_alternative_name()
            && san
                .value
                .general_names
                .iter()
                .any(|n| matches!(n, GeneralName::DNSName(_) | GeneralName::IPAddress(_)))
        {
            return CertRole::Server;
        }
        match cert.key_usage() {
            Ok(Some(ku)) if ku.value.digital_signature() || ku.value.non_repudiation() => {
                CertRole::Signing
            }
            _ => CertRole::Other,
        }
    }
}

/// One certificate, its role and where it was found (an endpoint, a field, a file).
#[derive(Debug, Clone)]
pub struct SourcedCert {
    /// The certificate, DER.
    pub der: Vec<u8>,
    /// What it is for.
    pub role: CertRole,
    /// Where it came from: a file, an endpoint, an API path.
    pub source: String,
}

/// Certificates to evaluate, with the trust anchors the lab accepts and, for server
/// certificates, the host name they must match.
#[derive(Debug, Clone, Default)]
pub struct CertSet {
    /// The certificates examined.
    pub certs: Vec<SourcedCert>,
    /// Trust anchors the lab accepts (DER).
    pub trust_roots: Vec<Vec<u8>>,
    /// Host name a server certificate must match.
    pub host: Option<String>,
    /// CRLs (DER) fetched from the certificates' distribution points or given as files.
    pub crls: Vec<Vec<u8>>,
    /// OCSP responses (DER), fetched or supplied.
    pub ocsp_responses: Vec<Vec<u8>>,
    /// Why a CRL distribution point or OCSP responder could not be read (shown as evidence).
    pub crl_errors: Vec<String>,
}

impl CertSet {
    /// Adds a certificate with its role and source.
    pub fn push(&mut self, der: Vec<u8>, role: CertRole, source: impl Into<String>) {
        if !self.certs.iter().any(|c| c.der == der) {
            self.certs.push(SourcedCert {
                der,
                role,
                source: source.into(),
            });
        }
    }

    /// The certificates of one role.
    pub fn with_role(&self, role: CertRole) -> impl Iterator<Item = &SourcedCert> {
        self.certs.iter().filter(move |c| c.role == role)
    }
}

/// A certificate check's offline form: a verdict from the certificates alone.
pub type CertCheck = fn(&CertSet, &crate::config::Thresholds) -> crate::Verdict;
