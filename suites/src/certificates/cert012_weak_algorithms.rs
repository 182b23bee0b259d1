//! CERT-012 — No weak algorithm anywhere: no MD5 or SHA-1 signature and no RSA key under
//! 2048 bits in any certificate examined (served chains, published certificates, the TSA's).

use tianping_engine::certset::CertSet;
use tianping_engine::config::Thresholds;
use tianping_engine::{
    CheckDef, CheckMeta, Clause, LabThreshold, Mode, Provenance, Severity, Suite, ThresholdDefault,
    Verdict,
};
use x509_parser::prelude::*;
use x509_parser::public_key::PublicKey;

use crate::common;

/// Lab threshold: smallest RSA key accepted anywhere in a chain.
pub const MIN_RSA_BITS: LabThreshold = LabThreshold {
    name: "min_rsa_bits",
    default: ThresholdDefault::Integer {
        value: 2048,
        min: 512,
        max: 16384,
    },
    unit: "bits",
    meaning: "smallest RSA key accepted anywhere in a chain",
};

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "CERT-012",
    suite: Suite::Certificates,
    title_zh: "证书链中无弱密码算法",
    title_en: "No weak algorithms anywhere in the chains",
    advice_zh: "证书链中停用MD5、SHA-1及长度不足的RSA密钥，改用SM2/SM3或强算法。",
    advice_en: "Remove MD5, SHA-1 and short RSA keys from every chain; use SM2/SM3 or other strong algorithms.",
    clauses: &[
        Clause {
            source: "GB/T 39786-2021 general rule: cryptographic algorithms approved for use",
            zh: "GB/T 39786-2021 通用要求：使用经国家密码管理部门核准的密码算法",
            provenance: Provenance::Known,
        },
        Clause {
            source: "lab threshold: no MD5/SHA-1 signatures, RSA at least 2048 bits",
            zh: "测评机构阈值：不得使用 MD5/SHA-1 签名，RSA 至少 2048 位",
            provenance: Provenance::Policy,
        },
    ],
    tianping_clause: None,
    severity: Severity::High,
    weight: 3,
    mode: Mode::Remote,
    active: false,
    faults: &["weak-cross-certificate"],
    thresholds: &[MIN_RSA_BITS],
};

pub const CHECK: CheckDef =
    common::certificate_form_check!(META, common::CertSources::ServedAndPublished, judge);

/// Signature algorithms broken for collision resistance.
const WEAK_SIGNATURES: &[(&str, &str)] = &[
    ("1.2.840.113549.1.1.4", "md5WithRSAEncryption"),
    ("1.2.840.113549.1.1.5", "sha1WithRSAEncryption"),
    ("1.2.840.10045.4.1", "ecdsa-with-SHA1"),
    ("1.2.840.10040.4.3", "dsa-with-sha1"),
    ("1.3.14.3.2.29", "sha1WithRSASignature (OIW)"),
];

/// Weaknesses of one certificate.
pub fn weaknesses(der: &[u8], min_rsa_bits: usize) -> Vec<String> {
    let cert = match X509Certificate::from_der(der) {
        Ok((_, c)) => c,
        Err(e) => return vec![format!("does not parse: {e}")],
    };
    let mut found = Vec::new();
    let sig_oid = cert.signature_algorithm.algorithm.to_id_string();
    if let Some((_, name)) = WEAK_SIGNATURES.iter().find(|(oid, _)| *oid == sig_oid) {
        found.push(format!("signed with {name}"));
    }
    if let Ok(PublicKey::RSA(rsa)) = cert.public_key().parsed() {
        let bits = rsa.key_size();
        if bits < min_rsa_bits {
            found.push(format!("RSA key of {bits} bits, under {min_rsa_bits}"));
        }
    }
    found
}

pub fn judge(set: &CertSet, thresholds: &Thresholds) -> Verdict {
    if set.certs.is_empty() {
        return Verdict::not_applicable("no certificate to examine").zh("没有可检查的证书");
    }
    let min_rsa_bits = thresholds.unsigned(&MIN_RSA_BITS) as usize;
    let mut failures = Vec::new();
    let mut verdict_lines = Vec::new();
    for c in &set.certs {
        let name = common::describe_certificate(&c.der);
        let found = weaknesses(&c.der, min_rsa_bits);
        let algorithm = X509Certificate::from_der(&c.der)
            .map(|(_, cert)| cert.signature_algorithm.algorithm.to_id_string())
            .unwrap_or_default();
        verdict_lines.push((
            format!("{} {}", c.role.label(), c.source),
            format!("{name}: signature {algorithm}"),
        ));
        // One failure per certificate, so the sample count stays a count of certificates.
        if !found.is_empty() {
            failures.push(format!(
                "{} certificate from {} ({name}): {}",
                c.role.label(),
                c.source,
                found.join("; ")
            ));
        }
    }
    Verdict::from_samples(set.certs.len() as u64, &failures, ("certificates", "证书"))
        .with_threshold("min_rsa_bits", min_rsa_bits)
        .with_all(verdict_lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tianping_engine::certset::CertRole;

    fn legacy() -> Vec<u8> {
        common::test_certificate("../fixtures/testdata/legacy-cross-sha1-rsa1024.pem")
    }

    #[test]
    fn an_openssl_sha1_rsa1024_certificate_has_both_weaknesses() {
        assert_eq!(
            weaknesses(&legacy(), 2048),
            vec![
                "signed with sha1WithRSAEncryption".to_string(),
                "RSA key of 1024 bits, under 2048".to_string()
            ]
        );
    }

    #[test]
    fn samples_count_certificates_not_weaknesses() {
        let mut set = CertSet::default();
        set.push(legacy(), CertRole::Ca, "file");
        let v = judge(&set, &Thresholds::default());
        let s = v.samples.unwrap();
        assert_eq!((s.examined, s.failed), (1, 1));
    }
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
