//! CERT-003 — Each published SM2 certificate's signature verifies with its issuer's key under
//! the GM/T 0009 default ID `1234567812345678`. A failure is diagnosed: signed with an empty
//! ID (OpenSSL 3's default when `distid` is forgotten), raw r‖s encoding, or simply bad.

use tianping_engine::certset::CertSet;
use tianping_engine::config::Thresholds;
use tianping_engine::{CheckDef, CheckMeta, Clause, Mode, Provenance, Severity, Suite, Verdict};
use tianping_profile::sm2sig::{self, DEFAULT_DIST_ID, SignatureEncoding};
use x509_parser::prelude::*;

use crate::certificates::cert002_sm2_profile::OID_SM3_WITH_SM2;
use crate::common;

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "CERT-003",
    suite: Suite::Certificates,
    title_zh: "SM2证书签名可用默认ID验证",
    title_en: "SM2 certificate signatures verify with the default ID",
    advice_zh: "使用默认ID 1234567812345678 计算Z值签发证书，使证书签名可被验证。",
    advice_en: "Have certificates signed with Z computed from the default ID 1234567812345678 so their signatures verify.",
    clauses: &[
        Clause {
            source: "GM/T 0009: default distinguishing ID 1234567812345678",
            zh: "GM/T 0009：默认用户标识 1234567812345678",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "GB/T 32918.2 SM2 digital signature",
            zh: "GB/T 32918.2 SM2 数字签名算法",
            provenance: Provenance::Known,
        },
    ],
    tianping_clause: None,
    severity: Severity::High,
    weight: 4,
    mode: Mode::Remote,
    active: false,
    faults: &["sm2-empty-id"],
    thresholds: &[],
};

pub const CHECK: CheckDef =
    common::certificate_form_check!(META, common::CertSources::ServedAndPublished, judge);

/// Verifies `cert` against `issuer_key`; `Err` carries the diagnosis.
pub fn diagnose(cert: &X509Certificate<'_>, issuer_key: &[u8]) -> Result<(), String> {
    let tbs = cert.tbs_certificate.as_ref();
    let sig = &cert.signature_value.data;
    match sm2sig::verify(issuer_key, DEFAULT_DIST_ID, tbs, sig) {
        Ok(SignatureEncoding::Der) => Ok(()),
        Ok(SignatureEncoding::RawRs) => Err("signature verifies but is raw r||s, not DER (non-compliant encoding)".into()),
        Err(sm2sig::Sm2Error::Mismatch) if sm2sig::verify(issuer_key, "", tbs, sig).is_ok() => {
            Err("signed with an empty distinguishing ID, not the default 1234567812345678 (non-compliant)".into())
        }
        Err(e) => Err(format!("bad signature: {e}")),
    }
}

fn parse(der: &[u8]) -> Option<X509Certificate<'_>> {
    X509Certificate::from_der(der).ok().map(|(_, c)| c)
}

pub fn judge(set: &CertSet, _: &Thresholds) -> Verdict {
    // Issuers may be any certificate examined or a trust anchor.
    let candidates: Vec<X509Certificate<'_>> = set
        .certs
        .iter()
        .map(|c| c.der.as_slice())
        .chain(set.trust_roots.iter().map(Vec::as_slice))
        .filter_map(parse)
        .collect();
    let mut examined = 0;
    let mut failures = Vec::new();
    let mut lines = Vec::new();
    for c in &set.certs {
        let Some(cert) = parse(&c.der) else { continue };
        if cert.signature_algorithm.algorithm.to_id_string() != OID_SM3_WITH_SM2 {
            continue;
        }
        examined += 1;
        let role = c.role.label();
        let name = common::describe_certificate(&c.der);
        let result = match candidates
            .iter()
            .find(|i| i.subject().as_raw() == cert.issuer().as_raw())
        {
            None => Err(format!(
                "issuer \"{}\" is not among the certificates examined or the trust anchors",
                cert.issuer()
            )),
            Some(issuer) => diagnose(&cert, &issuer.public_key().subject_public_key.data),
        };
        lines.push((
            format!("{role} certificate from {}", c.source),
            format!(
                "{name}: {}",
                result
                    .as_ref()
                    .map(|_| "verifies".to_string())
                    .unwrap_or_else(|e| e.clone())
            ),
        ));
        if let Err(e) = result {
            failures.push(format!("{role} certificate ({name}): {e}"));
        }
    }
    if examined == 0 {
        return Verdict::not_applicable("no SM3withSM2-signed certificate among those examined")
            .zh("所检查的证书中没有以SM3withSM2签名的证书");
    }
    Verdict::from_samples(examined, &failures, ("certificate signatures", "证书签名"))
        .with("distinguishing ID", DEFAULT_DIST_ID)
        .with_all(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(name: &str) -> Vec<u8> {
        common::test_certificate(&format!("testdata/openssl-sm2/{name}"))
    }

    fn verdict_for(leaf: &str) -> Result<(), String> {
        let (root_der, leaf_der) = (parse("root.pem"), parse(leaf));
        let (_, root) = X509Certificate::from_der(&root_der).unwrap();
        let (_, leaf) = X509Certificate::from_der(&leaf_der).unwrap();
        diagnose(&leaf, &root.public_key().subject_public_key.data)
    }

    #[test]
    fn openssl_leaf_signed_with_the_default_id_verifies() {
        assert_eq!(verdict_for("leaf-default-id.pem"), Ok(()));
    }

    #[test]
    fn openssl_leaf_signed_without_distid_is_diagnosed_as_empty_id() {
        let err = verdict_for("leaf-empty-id.pem").unwrap_err();
        assert!(err.contains("empty distinguishing ID"), "{err}");
    }

    #[test]
    fn openssl_root_self_signature_verifies_where_openssl_verify_cannot_tell() {
        let der = parse("root.pem");
        let (_, root) = X509Certificate::from_der(&der).unwrap();
        assert_eq!(
            diagnose(&root, &root.public_key().subject_public_key.data),
            Ok(())
        );
    }

    #[test]
    fn a_wrong_issuer_key_is_a_bad_signature() {
        let (leaf_der, other_der) = (parse("leaf-default-id.pem"), parse("leaf-no-keyusage.pem"));
        let (_, leaf) = X509Certificate::from_der(&leaf_der).unwrap();
        let (_, other) = X509Certificate::from_der(&other_der).unwrap();
        let err = diagnose(&leaf, &other.public_key().subject_public_key.data).unwrap_err();
        assert!(err.starts_with("bad signature"), "{err}");
    }
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
