//! The reference platform speaking other dialects: other JSON shapes through the field map,
//! and no self-registration.

use super::*;

/// Runs every check against the reference platform speaking `dialect`, with `config`.
async fn run_dialect(
    config: Config,
    dialect: tianping_fixtures::Dialect,
) -> Vec<tianping_engine::CheckResult> {
    let embedded = tianping_target::reference::start_with(
        Config {
            limits: loopback_config().limits,
            ..config
        },
        Faults::none(),
        dialect,
    )
    .await
    .unwrap();
    let ctx = std::sync::Arc::new(embedded.context().unwrap());
    let registry = tianping_suites::registry();
    let checks = runner::select(&registry, &embedded.config.selection);
    let results = runner::run_checks(ctx, &checks, Vec::new(), |_, _, _| {}).await;
    embedded.stop().await;
    results
}

#[tokio::test]
async fn a_platform_with_other_json_shapes_is_evaluated_through_the_field_map_alone() {
    // This platform wraps every answer in {"code":0,"message":"ok","data":{...}}.
    let mut config = Config::default();
    for (field, pointer) in tianping_engine::fields::DEFAULT_POINTERS {
        // Fields of an audit entry are read inside each entry, which no envelope wraps.
        if field.starts_with("audit_") && *field != "audit_entries" {
            continue;
        }
        config
            .fields
            .insert(field.to_string(), format!("/data{pointer}"));
    }
    let results = run_dialect(config, tianping_fixtures::Dialect::Enveloped).await;
    let not_passed: Vec<String> = results
        .iter()
        .filter(|r| r.outcome != Outcome::Pass)
        .map(|r| format!("{} {}: {}", r.id, r.outcome.key(), r.summary))
        .collect();
    assert!(not_passed.is_empty(), "{not_passed:?}");
}

/// Checks that read no JSON field: TLS and TLCP probes, the RFC 3161 exchange (CERT-010), a
/// response header and login status codes (SS-007), a port scan (SS-014), and checks that judge a refusal or a limit by its HTTP status or
/// error text (SS-001/003/008/016/023/024, DC-010/011, BC-005/012). DC-005/006 are not among
/// them: their control deposit must show its transaction id before a refusal counts.
const DECIDED_WITHOUT_JSON: [&str; 19] = [
    "SS-001", "SS-003", "SS-014", "SS-007", "SS-008", "SS-016", "SS-019", "SS-023", "SS-024",
    "SS-026", "CERT-001", "CERT-004", "CERT-005", "CERT-006", "CERT-010", "DC-010", "DC-011",
    "BC-005", "BC-012",
];

#[tokio::test]
async fn without_the_field_map_such_a_platform_is_inconclusive_never_failed_or_passed_by_guess() {
    let results = run_dialect(Config::default(), tianping_fixtures::Dialect::Enveloped).await;
    for r in &results {
        match r.outcome {
            Outcome::Pass => assert!(
                r.mode == tianping_engine::Mode::Manual
                    || DECIDED_WITHOUT_JSON.contains(&r.id.as_str()),
                "{} passed without its fields: {}",
                r.id,
                r.summary
            ),
            Outcome::Inconclusive { ref error } => assert!(
                error.contains("missing or malformed") || error.contains("absent"),
                "{}: {error}",
                r.id
            ),
            _ => panic!("{} {}: {}", r.id, r.outcome.key(), r.summary),
        }
    }
}

/// Without self-registration the harness has no account of its own to put in a URL or to
/// try weak passwords on: SS-001 and SS-007 are inconclusive and say why, never passed; a lab
/// record decides SS-007 then; and an HSTS finding still fails SS-007 without the URL half.
#[tokio::test]
async fn without_self_registration_the_account_probes_wait_for_the_lab() {
    use tianping_engine::lab::{LabRecord, LabRecords, LabVerdict};
    let mut config = loopback_config();
    config.selection.include = vec!["SS-001".into(), "SS-007".into()];
    let record = LabRecords {
        source: "lab-records.toml".into(),
        records: vec![LabRecord {
            id: "SS-007".into(),
            verdict: LabVerdict::Pass,
            note: "login with credentials in the query string refused; none in the access logs"
                .into(),
            evaluator: None,
            recorded_at: None,
            attachments: Vec::new(),
        }],
    };
    let mut runs = Vec::new();
    for (faults, records) in [
        (Faults::none(), LabRecords::default()),
        (Faults::none(), record),
        (
            Faults::parse(&["hsts-missing"]).unwrap(),
            LabRecords::default(),
        ),
    ] {
        let embedded = tianping_target::reference::start_with(
            config.clone(),
            faults,
            tianping_fixtures::Dialect::WithoutRegistration,
        )
        .await
        .unwrap();
        let run = evaluate_embedded(&embedded, records).await;
        embedded.stop().await;
        runs.push(run);
    }
    let result =
        |run: &RunResults, id: &str| run.results.iter().find(|r| r.id == id).cloned().unwrap();
    for id in ["SS-001", "SS-007"] {
        let r = result(&runs[0], id);
        assert!(
            matches!(&r.outcome, Outcome::Inconclusive { error } if error.contains("self-registration")),
            "{r:?}"
        );
    }
    let decided = result(&runs[1], "SS-007");
    assert_eq!(decided.outcome, Outcome::Pass, "{decided:?}");
    assert!(
        decided
            .evidence
            .iter()
            .any(|e| e.label == "the harness could not decide"
                && e.value.contains("plain HTTP conform")),
        "{:?}",
        decided.evidence
    );
    let hsts = result(&runs[2], "SS-007");
    assert_eq!(hsts.outcome, Outcome::Fail, "{hsts:?}");
    assert!(
        hsts.evidence
            .iter()
            .any(|e| e.label == "credentials in URLs" && e.value.starts_with("not decided")),
        "{:?}",
        hsts.evidence
    );
}

/// The adapter file a lab would write for the reference platform's `cloud-openapi` dialect.
fn cloud_openapi_config() -> Config {
    let mut config = Config::default();
    config.adapter.file = Some(format!(
        "{}/../docs/adapters/cloud-openapi.toml",
        env!("CARGO_MANIFEST_DIR")
    ));
    config
}

/// A platform that differs from tp-profile-1 on paths, methods, authentication, envelope,
/// HTTP-200 errors, hex and time formats, vocabularies and field names is evaluated through
/// its adapter file alone: every check passes on it.
#[tokio::test]
async fn a_cloud_openapi_platform_is_evaluated_through_its_adapter() {
    let results = run_dialect(
        cloud_openapi_config(),
        tianping_fixtures::Dialect::CloudOpenapi,
    )
    .await;
    let not_passed: Vec<String> = results
        .iter()
        .filter(|r| r.outcome != Outcome::Pass)
        .map(|r| format!("{} {}: {}", r.id, r.outcome.key(), r.summary))
        .collect();
    assert!(not_passed.is_empty(), "{not_passed:#?}");
}

/// The same platform evaluated without its adapter: nothing passes by accident. Each check
/// either cannot reach what it needs (inconclusive, saying why) or is decided without the
/// platform's API (TLS, ports, manual records).
#[tokio::test]
async fn without_its_adapter_the_cloud_platform_is_never_passed_by_guess() {
    let results = run_dialect(Config::default(), tianping_fixtures::Dialect::CloudOpenapi).await;
    let guessed: Vec<String> = results
        .iter()
        .filter(|r| {
            r.outcome == Outcome::Pass
                && r.mode != tianping_engine::Mode::Manual
                && !DECIDED_WITHOUT_API.contains(&r.id.as_str())
        })
        .map(|r| format!("{} passed without its adapter: {}", r.id, r.summary))
        .collect();
    assert!(guessed.is_empty(), "{guessed:#?}");
}

/// Checks decided without the platform's JSON API: TLS and TLCP probes and a port scan.
const DECIDED_WITHOUT_API: [&str; 8] = [
    "SS-014", "SS-019", "SS-026", "CERT-001", "CERT-004", "CERT-005", "CERT-006", "CERT-010",
];

/// The config a lab would write for the reference platform's `esign-async` dialect: its adapter
/// file, and the applicant's declaration that it runs no chain of its own.
fn esign_async_config() -> Config {
    let mut config = Config::default();
    config.adapter.file = Some(format!(
        "{}/../docs/adapters/esign-async.toml",
        env!("CARGO_MANIFEST_DIR")
    ));
    config.architecture.local_chain = false;
    config
}

/// An asynchronous platform without a chain of its own passes every check that applies to
/// it; the checks of a local chain are not applicable, each naming the declaration, and none
/// is silently dropped.
#[tokio::test]
async fn an_asynchronous_platform_without_a_local_chain_is_evaluated_through_its_adapter() {
    let results = run_dialect(esign_async_config(), tianping_fixtures::Dialect::EsignAsync).await;
    let mut not_applicable = Vec::new();
    let mut wrong = Vec::new();
    for r in &results {
        match &r.outcome {
            Outcome::Pass => {}
            Outcome::NotApplicable { reason }
                if reason.contains("architecture.local_chain = false") =>
            {
                not_applicable.push(r.id.clone())
            }
            other => wrong.push(format!("{} {}: {}", r.id, other.key(), r.summary)),
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    assert_eq!(
        not_applicable,
        [
            "DC-015", "BC-001", "BC-002", "BC-005", "BC-006", "BC-007", "BC-008", "BC-009",
            "BC-011", "BC-012", "BC-013", "BC-016"
        ],
        "the checks the declaration removes"
    );
}

/// Without the declaration the same platform is not passed by guess: the chain checks cannot
/// find a chain and say so.
#[tokio::test]
async fn without_its_declaration_a_platform_without_a_chain_is_inconclusive_not_passed() {
    let mut config = esign_async_config();
    config.architecture.local_chain = true;
    let chain_checks = ["BC-001", "BC-002", "BC-012", "BC-016"];
    config.selection.include = chain_checks.map(String::from).to_vec();
    let results = run_dialect(config, tianping_fixtures::Dialect::EsignAsync).await;
    assert_eq!(results.len(), chain_checks.len());
    for r in &results {
        assert!(
            matches!(&r.outcome, Outcome::Inconclusive { error } if error.contains("maps no")),
            "{} {}: {}",
            r.id,
            r.outcome.key(),
            r.summary
        );
    }
}

/// A deposit the platform accepts but never completes is DC-002's finding (no receipt), with
/// the polls made; it is never taken for a refusal.
#[tokio::test]
async fn an_asynchronous_deposit_that_never_completes_is_a_finding() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(format!(
        "{}/../docs/adapters/esign-async.toml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
    .replace("max_wait_secs = 20", "max_wait_secs = 1")
    .replace("done = [\"DONE\"]", "done = [\"ARCHIVED\"]");
    let adapter = dir.path().join("never-done.toml");
    std::fs::write(&adapter, text).unwrap();
    let mut config = esign_async_config();
    config.adapter.file = Some(adapter.display().to_string());
    config.selection.include = vec!["DC-002".into(), "DC-001".into()];
    let results = run_dialect(config, tianping_fixtures::Dialect::EsignAsync).await;
    let by_id = |id: &str| results.iter().find(|r| r.id == id).unwrap();
    let dc002 = by_id("DC-002");
    assert_eq!(dc002.outcome, Outcome::Fail, "{dc002:?}");
    assert!(
        dc002.summary.contains("did not complete") && dc002.summary.contains("polls"),
        "{}",
        dc002.summary
    );
    assert!(
        matches!(&by_id("DC-001").outcome, Outcome::Inconclusive { error } if error.contains("did not complete")),
        "{:?}",
        by_id("DC-001")
    );
}
