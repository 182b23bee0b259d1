//! The `cargo test` mode's resolution (`tianping_harness::vendor`) against a reference
//! platform served on loopback and named through `TIANPING_TARGET`, as a vendor's CI names
//! its own platform: a relative `TIANPING_CONFIG` taken from the shell's directory, the
//! credentials from the variables the config names, trust anchors, and the lab's waivers.

use std::collections::HashMap;

use tianping_fixtures::{Dialect, Faults};
use tianping_harness::vendor::{self, VendorEnv};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_vendor_path_evaluates_a_platform_named_by_tianping_target() {
    let faults = Faults::parse(&["cache-control-missing"]).unwrap();
    let server =
        tianping_fixtures::start_with(faults, Dialect::Profile, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: String| std::fs::write(dir.path().join(name), text).unwrap();
    write("roots.pem", server.tls_ca_pem() + &server.sm2_root_pem());
    write(
        "waivers.toml",
        "[[waiver]]\nid = \"SS-021\"\njustification = \"caching fixed in release 2.4, deployed next week\"\napprover = \"王五\"\nexpires = \"2099-12-31\"\n".into(),
    );
    write(
        "harness.toml",
        format!(
            "[target]\ntrust_roots = [\"roots.pem\"]\nscan_ports = [{}]\nplain_http_port = {}\n\
             [credentials]\napi_key_id_env = \"VENDOR_KEY\"\napi_secret_env = \"VENDOR_SECRET\"\n\
             username_env = \"VENDOR_USER\"\npassword_env = \"VENDOR_PASSWORD\"\n\
             [lab]\nwaivers = \"waivers.toml\"\ntianping_lookup = \"{}\"\n\
             [limits]\nrequests_per_second = 1000.0\n",
            server.service_port, server.plain_http_port, server.tianping_url
        ),
    );
    let issued = &server.credentials;
    let vars: HashMap<&str, String> = HashMap::from([
        ("TIANPING_TARGET", server.base_url.clone()),
        ("TIANPING_CONFIG", "harness.toml".to_string()),
        ("PWD", dir.path().display().to_string()),
        ("VENDOR_KEY", issued.api_key_id.clone()),
        ("VENDOR_SECRET", issued.api_secret.clone()),
        ("VENDOR_USER", issued.username.clone()),
        ("VENDOR_PASSWORD", issued.password.clone()),
    ]);
    let env = VendorEnv::from_lookup(|name| vars.get(name).cloned());
    let vendor = vendor::resolve(&env)
        .await
        .expect("the vendor's target resolves");
    assert_eq!(vendor.target.summary.kind, "live");
    assert_eq!(vendor.target.summary.base_url, server.base_url);
    let registry = tianping_suites::registry();
    let check = |id: &str| registry.iter().find(|c| c.meta.id == id).unwrap();
    assert_eq!(
        vendor::judge(&vendor, check("DC-001")).await,
        Ok(None),
        "a conforming check passes its test"
    );
    let waived = vendor::judge(&vendor, check("SS-021")).await;
    assert!(
        matches!(&waived, Ok(Some(note)) if note.contains("waived")),
        "the lab's waiver holds in cargo-test mode too: {waived:?}"
    );
    // Without the waiver the same finding fails its test.
    std::fs::write(dir.path().join("waivers.toml"), "").unwrap();
    let vendor = vendor::resolve(&env).await.unwrap();
    let failed = vendor::judge(&vendor, check("SS-021")).await;
    assert!(
        matches!(&failed, Err(finding) if finding.contains("SS-021 nonconformity")),
        "{failed:?}"
    );
    // A relative config path is the shell's, not the test binary's folder.
    let elsewhere = VendorEnv::from_lookup(|name| match name {
        "PWD" => Some("/nonexistent-vendor-dir".into()),
        other => vars.get(other).cloned(),
    });
    let err = vendor::resolve(&elsewhere)
        .await
        .err()
        .expect("no config there");
    assert!(
        err.contains("/nonexistent-vendor-dir/harness.toml"),
        "{err}"
    );
}
