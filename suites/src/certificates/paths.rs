//! Certification path validation for every algorithm the evaluation meets: webpki builds and
//! checks the path (validity, CA constraints, name constraints, EKU), with rustls's ECDSA,
//! RSA and Ed25519 verifiers plus SM3withSM2 (GM/T 0009 default ID), which webpki lacks.

use rustls::pki_types::{
    AlgorithmIdentifier, CertificateDer, InvalidSignature, SignatureVerificationAlgorithm, UnixTime,
};
use tianping_engine::certset::CertSet;
use tianping_profile::sm2sig;

/// DER contents (inside the SEQUENCE) of the AlgorithmIdentifiers SM2 certificates use.
mod alg_id {
    /// id-ecPublicKey with the SM2 curve (GM/T 0015).
    pub const EC_SM2: &[u8] = &[
        0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf,
        0x55, 0x01, 0x82, 0x2d,
    ];
    /// The SM2 OID itself as the key algorithm, the older form, bare or with NULL.
    pub const SM2: &[u8] = &[0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d];
    pub const SM2_NULL: &[u8] = &[
        0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d, 0x05, 0x00,
    ];
    /// SM3withSM2, bare (GM/T 0015) or with NULL parameters (seen from some CAs).
    pub const SM3_WITH_SM2: &[u8] = &[0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x83, 0x75];
    pub const SM3_WITH_SM2_NULL: &[u8] = &[
        0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x83, 0x75, 0x05, 0x00,
    ];
}

/// SM3withSM2 for one pair of key and signature AlgorithmIdentifier encodings (webpki matches
/// them byte for byte, so each encoding in use needs its own entry).
#[derive(Debug)]
struct Sm2Verifier {
    key: &'static [u8],
    signature: &'static [u8],
}

impl SignatureVerificationAlgorithm for Sm2Verifier {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        match sm2sig::verify(public_key, sm2sig::DEFAULT_DIST_ID, message, signature) {
            // A raw r‖s signature is CERT-003's finding; as a path it is not acceptable.
            Ok(sm2sig::SignatureEncoding::Der) => Ok(()),
            _ => Err(InvalidSignature),
        }
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        AlgorithmIdentifier::from_slice(self.key)
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        AlgorithmIdentifier::from_slice(self.signature)
    }
}

macro_rules! sm2_verifiers {
    ($($key:ident / $sig:ident),* $(,)?) => {
        &[$(&Sm2Verifier { key: alg_id::$key, signature: alg_id::$sig }),*]
    };
}

static SM2_VERIFIERS: &[&dyn SignatureVerificationAlgorithm] = sm2_verifiers![
    EC_SM2 / SM3_WITH_SM2,
    EC_SM2 / SM3_WITH_SM2_NULL,
    SM2 / SM3_WITH_SM2,
    SM2 / SM3_WITH_SM2_NULL,
    SM2_NULL / SM3_WITH_SM2,
    SM2_NULL / SM3_WITH_SM2_NULL,
];

/// Every signature algorithm a path may use.
fn algorithms() -> Vec<&'static dyn SignatureVerificationAlgorithm> {
    let mut all = tianping_engine::tls::provider()
        .signature_verification_algorithms
        .all
        .to_vec();
    all.extend_from_slice(SM2_VERIFIERS);
    all
}

/// Whether `leaf` has a valid path, now, to one of the set's trust anchors, through any of the
/// set's other certificates in any order, for `usage`. On success the leaf is returned for
/// further checks (its names); on failure, why.
pub fn validate<'a>(
    leaf: &'a CertificateDer<'a>,
    set: &CertSet,
    usage: webpki::KeyUsage,
) -> Result<webpki::EndEntityCert<'a>, String> {
    validate_at(leaf, set, usage, UnixTime::now())
}

/// Whether a TLS server's `chain` (leaf first, DER) has a valid path, now, to one of `roots`
/// for server authentication: what a lab checks before a run, to know that CERT-003 will
/// judge the platform and not a missing anchor.
pub fn validate_server_chain(chain: &[Vec<u8>], roots: &[Vec<u8>]) -> Result<(), String> {
    let Some(leaf) = chain.first() else {
        return Err("the server presented no certificate".into());
    };
    let mut set = CertSet {
        trust_roots: roots.to_vec(),
        ..Default::default()
    };
    for der in chain {
        set.push(
            der.clone(),
            tianping_engine::certset::CertRole::Other,
            "TLS",
        );
    }
    let leaf = CertificateDer::from(leaf.as_slice());
    validate(&leaf, &set, webpki::KeyUsage::server_auth()).map(|_| ())
}

/// [`validate`] at a given moment.
pub fn validate_at<'a>(
    leaf: &'a CertificateDer<'a>,
    set: &CertSet,
    usage: webpki::KeyUsage,
    at: UnixTime,
) -> Result<webpki::EndEntityCert<'a>, String> {
    let roots: Vec<CertificateDer<'_>> = set
        .trust_roots
        .iter()
        .map(|d| CertificateDer::from(d.as_slice()))
        .collect();
    let anchors = roots
        .iter()
        .map(webpki::anchor_from_trusted_cert)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("a trust anchor is unusable: {e:?}"))?;
    let intermediates: Vec<CertificateDer<'_>> = set
        .certs
        .iter()
        .filter(|c| c.der.as_slice() != leaf.as_ref())
        .map(|c| CertificateDer::from(c.der.as_slice()))
        .collect();
    let end_entity =
        webpki::EndEntityCert::try_from(leaf).map_err(|e| format!("does not parse: {e:?}"))?;
    end_entity
        .verify_for_usage(
            &algorithms(),
            &anchors,
            &intermediates,
            at,
            usage,
            None,
            None,
        )
        .map_err(|e| format!("no valid path to a trust anchor: {e:?}"))?;
    Ok(end_entity)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tianping_engine::certset::CertRole;

    fn set_of(certs: &[(&[u8], CertRole)], roots: &[&[u8]]) -> CertSet {
        let mut set = CertSet::default();
        for (der, role) in certs {
            set.push(der.to_vec(), *role, "test");
        }
        set.trust_roots = roots.iter().map(|r| r.to_vec()).collect();
        set
    }

    #[test]
    fn sm2_paths_validate_to_the_sm2_root_and_not_to_another() {
        let pki =
            tianping_fixtures::pki::ReferencePki::generate(&tianping_fixtures::Faults::none());
        let set = set_of(
            &[(&pki.receipt_cert_der, CertRole::Signing)],
            &[&pki.sm2_root_der],
        );
        let leaf = CertificateDer::from(pki.receipt_cert_der.as_slice());
        validate(&leaf, &set, webpki::KeyUsage::client_auth()).unwrap();
        // Under the TLS root alone there is no path.
        let elsewhere = set_of(
            &[(&pki.receipt_cert_der, CertRole::Signing)],
            &[pki.tls_ca_der.as_ref()],
        );
        let e = validate(&leaf, &elsewhere, webpki::KeyUsage::client_auth())
            .map(|_| ())
            .unwrap_err();
        assert!(e.contains("no valid path"), "{e}");
    }

    #[test]
    fn an_sm2_certificate_signed_with_an_empty_id_has_no_path() {
        let pki = tianping_fixtures::pki::ReferencePki::generate(
            &tianping_fixtures::Faults::parse(&["sm2-empty-id"]).unwrap(),
        );
        let set = set_of(
            &[(&pki.receipt_cert_der, CertRole::Signing)],
            &[&pki.sm2_root_der],
        );
        let leaf = CertificateDer::from(pki.receipt_cert_der.as_slice());
        let e = validate(&leaf, &set, webpki::KeyUsage::client_auth())
            .map(|_| ())
            .unwrap_err();
        assert!(e.contains("no valid path"), "{e}");
    }

    #[test]
    fn openssl_made_sm2_chains_validate_only_when_signed_with_the_default_id() {
        let load = |name: &str| {
            crate::common::test_certificate(&format!("testdata/openssl-sm2/{name}.pem"))
        };
        let root = load("root");
        // The committed leaves expire; judge them at a moment inside their validity.
        let leaf = load("leaf-default-id");
        let (_, parsed) = x509_parser::parse_x509_certificate(&leaf).unwrap();
        let inside = UnixTime::since_unix_epoch(std::time::Duration::from_secs(
            parsed.validity().not_before.timestamp() as u64 + 86_400,
        ));
        let check = |name: &str| {
            let der = load(name);
            let set = set_of(&[(&der, CertRole::Signing)], &[&root]);
            validate_at(
                &CertificateDer::from(der.as_slice()),
                &set,
                webpki::KeyUsage::client_auth(),
                inside,
            )
            .map(|_| ())
        };
        assert_eq!(check("leaf-default-id"), Ok(()));
        assert_eq!(check("leaf-no-keyusage"), Ok(()));
        assert!(
            check("leaf-empty-id")
                .unwrap_err()
                .contains("no valid path")
        );
    }
}
