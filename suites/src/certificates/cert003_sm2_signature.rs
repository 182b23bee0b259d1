//! CERT-003 — Each published SM2 certificate's signature verifies with its issuer's key under
//! the GM/T 0009 default ID `1234567812345678`. A failure is diagnosed: signed with an empty
//! ID (OpenSSL 3's default when `distid` is forgotten), raw r‖s encoding, or simply bad.

use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite, Verdict,
};
use tianping_profile::sm2sig::{self, DEFAULT_DIST_ID, SignatureEncoding};
use x509_parser::prelude::*;

use crate::common;

pub const CHECK: CheckDef = CheckDef {
    meta: CheckMeta {
        id: "CERT-003",
        suite: Suite::Certificates,
        title_zh: "SM2证书签名可用默认ID验证",
        title_en: "SM2 certificate signatures verify with the default ID",
        clauses: &[
            Clause {
                source: "GM/T 0009: default distinguishing ID 1234567812345678",
                provenance: Provenance::Verified,
            },
            Clause {
                source: "GB/T 32918.2 SM2 digital signature",
                provenance: Provenance::Known,
            },
        ],
        tianping_clause: None,
        severity: Severity::High,
        weight: 4,
        mode: Mode::Remote,
        active: false,
        fault: "sm2-empty-id",
    },
    run: |ctx| Box::pin(run(ctx)),
    package: None,
};

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

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let certs = common::platform_sm2_certificates(ctx).await?;
    let parsed: Vec<(String, X509Certificate<'_>, &[u8])> = certs
        .iter()
        .map(|(role, der)| {
            X509Certificate::from_der(der)
                .map(|(_, c)| (role.clone(), c, der.as_slice()))
                .map_err(|e| {
                    CheckError::protocol(format!("{role} certificate does not parse: {e}"))
                })
        })
        .collect::<Result<_, _>>()?;
    let mut failures = Vec::new();
    let mut lines = Vec::new();
    for (role, cert, der) in &parsed {
        let name = common::describe_certificate(der);
        // Issuer: the certificate whose subject is this one's issuer (itself for a root).
        let issuer = parsed
            .iter()
            .find(|(_, c, _)| c.subject().as_raw() == cert.issuer().as_raw());
        let result = match issuer {
            None => Err(format!(
                "issuer \"{}\" is not among the published certificates",
                cert.issuer()
            )),
            Some((_, issuer, _)) => diagnose(cert, &issuer.public_key().subject_public_key.data),
        };
        lines.push((
            format!("{role} certificate"),
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
    let mut verdict =
        Verdict::from_samples(parsed.len() as u64, &failures, "certificate signatures")
            .with("distinguishing ID", DEFAULT_DIST_ID);
    for (k, v) in lines {
        verdict = verdict.with(k, v);
    }
    Ok(verdict)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(name: &str) -> Vec<u8> {
        let pem = std::fs::read_to_string(format!(
            "{}/testdata/openssl-sm2/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        common::pem_certificates(&pem).unwrap().remove(0)
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
