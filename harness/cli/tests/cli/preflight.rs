//! Pre-flight against a live platform (the reference platform served on loopback): with the
//! lab's account and trust anchors every item is ready; a wrong API secret is named as
//! missing, and a server certificate the lab's anchors do not validate as one to look at,
//! before any check runs.

use std::collections::HashMap;

use tianping_engine::Config;
use tianping_engine::config::Credentials;
use tianping_fixtures::{Dialect, Faults};
use tianping_harness::preflight::{self, Item};

fn item<'a>(items: &'a [Item], what: &str) -> &'a Item {
    items
        .iter()
        .find(|i| i.what.starts_with(what))
        .unwrap_or_else(|| panic!("no pre-flight item `{what}` in {items:?}"))
}

/// The conforming reference platform, served on loopback.
async fn reference() -> tianping_fixtures::ReferenceServer {
    tianping_fixtures::start_with(
        Faults::none(),
        Dialect::Profile,
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preflight_names_a_refused_account_and_an_untrusted_certificate() {
    let server = reference().await;
    let dir = tempfile::tempdir().unwrap();
    let roots = dir.path().join("roots.pem");
    std::fs::write(&roots, server.tls_ca_pem()).unwrap();
    let config = |trusted: bool| {
        let mut text = format!("[target]\nbase_url = \"{}\"\n", server.base_url);
        if trusted {
            text += &format!("trust_roots = [\"{}\"]\n", roots.display());
        }
        Config::parse(&text).unwrap()
    };
    let issued = &server.credentials;
    let credentials = |secret: &str| {
        let vars: HashMap<&str, String> = HashMap::from([
            ("TIANPING_API_KEY_ID", issued.api_key_id.clone()),
            ("TIANPING_API_SECRET", secret.to_string()),
            ("TIANPING_USERNAME", issued.username.clone()),
            ("TIANPING_PASSWORD", issued.password.clone()),
        ]);
        Credentials::from_lookup(&Default::default(), |n| vars.get(n).cloned())
    };
    let check = |trusted: bool, secret: &str| {
        let target =
            tianping_target::target::live_with(config(trusted), credentials(secret)).unwrap();
        async move { preflight::check(&target).await }
    };

    let ready = check(true, &issued.api_secret).await;
    assert!(ready.iter().all(|i| i.ready), "{ready:#?}");
    assert!(item(&ready, "platform metadata").found.contains("answers"));
    assert!(
        item(&ready, "API account accepted")
            .found
            .starts_with("accepted")
    );

    let wrong_secret = check(true, "not-the-secret").await;
    let account = item(&wrong_secret, "API account accepted");
    assert!(
        !account.ready && account.found.contains("refused"),
        "{account:?}"
    );
    assert!(item(&wrong_secret, "platform metadata").ready);
    let shown = format!("{wrong_secret:?}");
    assert!(
        !shown.contains("not-the-secret"),
        "a secret in the pre-flight"
    );

    let trust = item(&ready, "TLS trust");
    assert!(trust.ready && !trust.warning, "{trust:?}");

    // API traffic records any chain (CERT-003 judges it), so a missing anchor does not stop
    // the run; the pre-flight says CERT-003 will find no path.
    let untrusted = check(false, &issued.api_secret).await;
    let trust = item(&untrusted, "TLS trust");
    assert!(trust.ready && trust.warning, "{trust:?}");
    assert!(trust.found.contains("CERT-003"), "{trust:?}");
    let lines = preflight::lines(&untrusted).join("\n");
    assert!(lines.contains("CHECK   TLS trust"), "{lines}");

    // An anchor that is not the platform's: the chain does not validate.
    let other = tianping_fixtures::pki::ReferencePki::generate(&Faults::none());
    std::fs::write(
        &roots,
        tianping_fixtures::pki::pem("CERTIFICATE", &other.tls_ca_der),
    )
    .unwrap();
    let wrong_anchor = check(true, &issued.api_secret).await;
    let trust = item(&wrong_anchor, "TLS trust");
    assert!(
        trust.warning && trust.found.contains("no valid path"),
        "{trust:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_selection_of_transport_probes_needs_no_account() {
    let server = reference().await;
    let mut config =
        Config::parse(&format!("[target]\nbase_url = \"{}\"\n", server.base_url)).unwrap();
    config.selection.include = ["SS-019", "SS-026", "CERT-001", "CERT-005"]
        .map(String::from)
        .to_vec();
    let no_accounts = || Credentials::from_lookup(&Default::default(), |_| None);
    let run = |config: Config| {
        let target = tianping_target::target::live_with(config, no_accounts()).unwrap();
        async move { preflight::check(&target).await }
    };
    let items = run(config.clone()).await;
    assert!(items.iter().all(|i| i.ready), "{items:#?}");
    assert!(
        item(&items, "API account").found.contains("not needed"),
        "{items:#?}"
    );
    // One check that deposits, and the same missing account stops the run again.
    config.selection.include.push("DC-001".into());
    let items = run(config).await;
    assert!(!item(&items, "API account").ready, "{items:#?}");
    assert!(item(&items, "console account").ready, "{items:#?}");
}
