//! CERT-002 — The platform's SM2 certificates follow the GM/T 0015 profile: X.509 v3,
//! SM3withSM2 signature algorithm, an SM2 public key (either SPKI form in use) that is a
//! 65-byte uncompressed point on the curve, and KeyUsage and BasicConstraints present and
//! consistent with the certificate's role.

use tianping_engine::certset::{CertRole, CertSet, SourcedCert};
use tianping_engine::config::Thresholds;
use tianping_engine::{CheckDef, CheckMeta, Clause, Mode, Provenance, Severity, Suite, Verdict};
use x509_parser::prelude::*;

use crate::common;

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "CERT-002",
    suite: Suite::Certificates,
    title_zh: "SM2证书结构符合GM/T 0015",
    title_en: "SM2 certificates follow the GM/T 0015 profile",
    advice_zh: "按GM/T 0015签发SM2证书：正确的算法标识、SM2曲线公钥、密钥用法与基本约束扩展。",
    advice_en: "Issue SM2 certificates to the GM/T 0015 profile: correct algorithm identifiers, an SM2-curve key, KeyUsage and BasicConstraints.",
    clauses: &[
        Clause {
            source: "GM/T 0015 / GM/T 0006: SM2 and SM3withSM2 object identifiers",
            zh: "GM/T 0015 / GM/T 0006：SM2 与 SM3withSM2 对象标识符",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "RFC 5280 §4.2.1.3 / §4.2.1.9 KeyUsage and BasicConstraints",
            zh: "RFC 5280 §4.2.1.3 / §4.2.1.9 密钥用法与基本约束",
            provenance: Provenance::Known,
        },
    ],
    tianping_clause: None,
    severity: Severity::Medium,
    weight: 3,
    mode: Mode::Remote,
    active: false,
    faults: &["sm2-cert-no-keyusage", "tlcp-certificates-swapped"],
    thresholds: &[],
};

pub const CHECK: CheckDef =
    common::certificate_form_check!(META, common::CertSources::ServedAndPublished, judge);

pub const OID_SM3_WITH_SM2: &str = "1.2.156.10197.1.501";

/// Profile problems of one certificate in the given role (`CA` or an end-entity role).
pub fn profile_problems(der: &[u8], role: &str) -> Vec<String> {
    let cert = match X509Certificate::from_der(der) {
        Ok((_, c)) => c,
        Err(e) => return vec![format!("does not parse: {e}")],
    };
    let mut problems = Vec::new();
    if cert.version() != X509Version::V3 {
        problems.push(format!("version is {:?}, not v3", cert.version()));
    }
    let sig_alg = cert.signature_algorithm.algorithm.to_id_string();
    if sig_alg != OID_SM3_WITH_SM2 {
        problems.push(format!(
            "signature algorithm {sig_alg}, not SM3withSM2 ({OID_SM3_WITH_SM2})"
        ));
    }
    let spki = cert.public_key();
    let (key_alg, curve) = tianping_profile::cms::key_algorithm(spki);
    let sm2_spki = tianping_profile::cms::is_sm2_key(spki);
    if !sm2_spki {
        problems.push(format!(
            "public key algorithm {key_alg} with parameters {curve:?} is not SM2"
        ));
    }
    let point = &spki.subject_public_key.data;
    if point.len() != 65 || point[0] != 0x04 {
        problems.push(format!(
            "public key is {} bytes, not a 65-byte uncompressed point",
            point.len()
        ));
    } else if tianping_profile::sm2sig::verify(point, "", b"", b"")
        .is_err_and(|e| e == tianping_profile::sm2sig::Sm2Error::BadPublicKey)
    {
        problems.push("public key is not a point on the SM2 curve".into());
    }
    let is_ca_role = role == "CA";
    match cert.basic_constraints() {
        Ok(Some(bc)) if bc.value.ca != is_ca_role => problems.push(format!(
            "BasicConstraints cA={} for a {role} certificate",
            bc.value.ca
        )),
        Ok(Some(_)) => {}
        // RFC 5280 §4.2.1.9: a CA certificate must carry it; an end-entity one may leave it
        // out (GmSSL's client even refuses the empty SEQUENCE that encodes cA FALSE).
        Ok(None) if is_ca_role => {
            problems.push("BasicConstraints extension absent from a CA certificate".into())
        }
        Ok(None) => {}
        Err(e) => problems.push(format!("BasicConstraints malformed: {e}")),
    }
    match cert.key_usage() {
        Ok(Some(ku)) => {
            let ku = ku.value;
            if is_ca_role && !ku.key_cert_sign() {
                problems.push("CA certificate KeyUsage lacks keyCertSign".into());
            }
            // GM/T 0015 dual certificates: a signing certificate signs, an encryption
            // certificate (TLCP's second one) enciphers or agrees keys; either is sound.
            let signs = ku.digital_signature() || ku.non_repudiation();
            let encrypts = ku.key_encipherment() || ku.data_encipherment() || ku.key_agreement();
            if role == "encryption" && !encrypts {
                problems.push(
                    "encryption certificate KeyUsage lacks keyEncipherment, dataEncipherment and keyAgreement"
                        .into(),
                );
            } else if !is_ca_role && !signs && !encrypts {
                problems.push(format!(
                    "{role} certificate KeyUsage states neither signing (digitalSignature/nonRepudiation) nor encryption (keyEncipherment/dataEncipherment/keyAgreement)"
                ));
            }
        }
        Ok(None) => problems.push("KeyUsage extension absent".into()),
        Err(e) => problems.push(format!("KeyUsage malformed: {e}")),
    }
    problems
}

/// True for a certificate with an SM2 key or an SM3withSM2 signature: the ones GM/T 0015
/// governs.
pub fn is_sm2_certificate(der: &[u8]) -> bool {
    X509Certificate::from_der(der).is_ok_and(|(_, c)| {
        tianping_profile::cms::is_sm2_key(c.public_key())
            || c.signature_algorithm.algorithm.to_id_string() == OID_SM3_WITH_SM2
    })
}

pub fn judge(set: &CertSet, _: &Thresholds) -> Verdict {
    let sm2: Vec<&SourcedCert> = set
        .certs
        .iter()
        .filter(|c| is_sm2_certificate(&c.der))
        .collect();
    if sm2.is_empty() {
        return Verdict::not_applicable("no SM2 certificate among the certificates examined")
            .zh("所检查的证书中没有SM2证书");
    }
    let mut failures = Vec::new();
    let mut verdict_evidence = Vec::new();
    for c in &sm2 {
        let role = if c.role == CertRole::Ca {
            "CA"
        } else {
            c.role.label()
        };
        let name = common::describe_certificate(&c.der);
        verdict_evidence.push((
            format!("{role} certificate from {}", c.source),
            name.clone(),
        ));
        let problems = profile_problems(&c.der, role);
        if !problems.is_empty() {
            failures.push(format!(
                "{role} certificate ({name}): {}",
                problems.join("; ")
            ));
        }
    }
    Verdict::from_samples(sm2.len() as u64, &failures, ("SM2 certificates", "SM2证书"))
        .with_all(verdict_evidence)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn openssl_cert(name: &str) -> Vec<u8> {
        common::test_certificate(&format!("testdata/openssl-sm2/{name}"))
    }

    #[test]
    fn openssl_made_sm2_certificates_conform_in_their_roles() {
        assert_eq!(
            profile_problems(&openssl_cert("root.pem"), "CA"),
            Vec::<String>::new()
        );
        assert_eq!(
            profile_problems(&openssl_cert("leaf-default-id.pem"), "receipt signing"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_tlcp_encryption_certificate_is_sound_without_digital_signature() {
        let pki =
            tianping_fixtures::pki::ReferencePki::generate(&tianping_fixtures::Faults::none());
        let role = CertRole::infer(&pki.tlcp_enc_cert_der).label();
        assert_eq!(
            profile_problems(&pki.tlcp_enc_cert_der, role),
            Vec::<String>::new()
        );
    }

    /// TLCP's second certificate is held to the encryption role: a certificate that only
    /// signs is not sound there, though it is as a signing one.
    #[test]
    fn an_encryption_role_needs_encipherment() {
        let pki =
            tianping_fixtures::pki::ReferencePki::generate(&tianping_fixtures::Faults::none());
        assert_eq!(
            profile_problems(&pki.tlcp_enc_cert_der, CertRole::Encryption.label()),
            Vec::<String>::new()
        );
        let problems = profile_problems(&pki.tlcp_sign_cert_der, CertRole::Encryption.label());
        assert!(
            problems.iter().any(|p| p.contains("lacks keyEncipherment")),
            "{problems:?}"
        );
        assert_eq!(
            profile_problems(&pki.tlcp_sign_cert_der, CertRole::Server.label()),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_missing_key_usage_or_wrong_role_is_reported() {
        assert_eq!(
            profile_problems(&openssl_cert("leaf-no-keyusage.pem"), "receipt signing"),
            vec!["KeyUsage extension absent".to_string()]
        );
        let as_ca = profile_problems(&openssl_cert("leaf-default-id.pem"), "CA");
        assert!(as_ca.iter().any(|p| p.contains("cA=false")), "{as_ca:?}");
    }

    #[test]
    fn a_non_sm2_certificate_is_reported_not_crashed_on() {
        let rsa_like = b"not a certificate";
        assert!(profile_problems(rsa_like, "CA")[0].starts_with("does not parse"));
    }
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
