//! The embedded reference platform as an evaluation target: started on loopback, with its
//! own CA as the trust anchor, the credentials it issued handed over in memory, and its
//! simulated lab records for the manual checks.

use tianping_engine::Config;
use tianping_engine::config::{Credentials, Secret};
use tianping_engine::lab::{Attachment, LabRecord, LabRecords, LabVerdict};
use tianping_engine::model::TargetSummary;
use tianping_engine::tls::{ClientCertificates, ClientIdentity};
use tianping_fixtures::{Dialect, Faults};

use crate::target::Target;

/// Starts the reference platform with `faults` and points `config` at it.
pub async fn start(config: Config, faults: Faults) -> std::io::Result<Target> {
    start_with(config, faults, Dialect::Profile).await
}

/// As [`start`], with the platform speaking `dialect`.
pub async fn start_with(
    mut config: Config,
    faults: Faults,
    dialect: Dialect,
) -> std::io::Result<Target> {
    let loopback = "127.0.0.1:0".parse().expect("loopback address");
    let server = tianping_fixtures::start_with(faults, dialect, loopback).await?;
    config.target.base_url = Some(server.base_url.clone());
    // On loopback, ports of whatever else runs on the machine answer too: the reference run
    // scans the port its own database would expose, unless the user's config says otherwise.
    config
        .target
        .scan_ports
        .get_or_insert_with(|| vec![server.service_port]);
    config
        .target
        .plain_http_port
        .get_or_insert(server.plain_http_port);
    // The reference's stand-in Tianping answers lookups, unless the config names a service
    // or a record of lookups.
    if config.lab.tianping_record.is_none() {
        config
            .lab
            .tianping_lookup
            .get_or_insert_with(|| server.tianping_url.clone());
    }
    // The cover of a reference run says what it is, unless the user's config names parties.
    use tianping_fixtures::lab_documents::EVALUATOR;
    config
        .target
        .applicant
        .get_or_insert_with(|| "参考申请方（内置演示） / Reference applicant (built-in)".into());
    config
        .target
        .platform
        .get_or_insert_with(|| "天平链参考存证平台 / Tianping reference evidence platform".into());
    config
        .lab
        .name
        .get_or_insert_with(|| "自测（未指定测评机构） / Self-test (no lab configured)".into());
    if config.lab.evaluators.is_empty() {
        config.lab.evaluators.push(EVALUATOR.into());
    }
    let issued = &server.credentials;
    let credentials = Credentials {
        api_key_id: issued.api_key_id.clone(),
        api_secret: Secret::new(issued.api_secret.clone()),
        username: issued.username.clone(),
        password: Secret::new(issued.password.clone()),
        second_api_key_id: issued.second_api_key_id.clone(),
        second_api_secret: Secret::new(issued.second_api_secret.clone()),
        lockout_username: issued.lockout_username.clone(),
        lockout_password: Secret::new(issued.lockout_password.clone()),
        client_certificates: server.client_pki.as_ref().map(client_certificates),
        tlcp_client: server
            .tlcp_client
            .as_ref()
            .map(|pair| tianping_tlcp::ClientIdentity {
                signing_key: pair.sign_key.clone(),
                encryption_key: pair.enc_secret,
                certificates: vec![pair.sign_cert_der.clone(), pair.enc_cert_der.clone()],
            }),
    };
    let trust_roots = vec![server.tls_ca_der.clone(), server.sm2_root_der.clone()];
    let summary = TargetSummary {
        base_url: server.base_url.clone(),
        kind: "reference".into(),
        reference_faults: server.faults.names(),
        adapter: config.adapter.describe().ok(),
        declarations: config.architecture.declarations(),
        transport: (config.target.transport == tianping_engine::config::Transport::Tlcp)
            .then(|| "tlcp".to_string()),
    };
    Ok(Target {
        config,
        credentials,
        trust_roots,
        lab_records: reference_lab_records(),
        summary,
        reference: Some(server),
    })
}

/// The certificates the reference platform issued to the lab's accounts for mutual TLS.
fn client_certificates(pki: &tianping_fixtures::pki::ClientPki) -> ClientCertificates {
    let identity = |issued: &tianping_fixtures::pki::IssuedClientCertificate, who: &str| {
        ClientIdentity::from_pem(&issued.certificate_pem, who, &issued.private_key_pem, who)
            .expect("the reference issues usable client certificates")
    };
    ClientCertificates {
        lab: identity(&pki.lab, "the reference's lab certificate"),
        second: Some(identity(&pki.second, "the reference's second certificate")),
    }
}

/// The reference applicant's manual-check records, as a lab would have written them.
pub fn reference_lab_records() -> LabRecords {
    use tianping_fixtures::lab_documents::{EVALUATOR, MANUAL_EVIDENCE};
    LabRecords {
        source: "built-in reference platform (simulated lab records)".into(),
        records: MANUAL_EVIDENCE
            .iter()
            .map(|m| LabRecord {
                id: m.id.into(),
                verdict: LabVerdict::Pass,
                note: m.note.into(),
                evaluator: Some(EVALUATOR.into()),
                recorded_at: None,
                attachments: vec![Attachment::of(m.document_name, m.document.as_bytes())],
            })
            .collect(),
    }
}
