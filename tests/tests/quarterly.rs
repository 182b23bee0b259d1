//! Quarterly compliance figures from both sources: an exported package and the live export.

use chrono::Datelike;
use tianping_engine::fields::FieldMap;
use tianping_fixtures::Faults;
use tianping_harness::quarterly;

/// The current quarter in China Standard Time, e.g. `2026Q4`, and the one before it.
fn this_and_previous_quarter() -> (String, String) {
    let now = chrono::Utc::now().with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap());
    let q = (now.month() - 1) / 3 + 1;
    let previous = if q == 1 {
        format!("{}Q4", now.year() - 1)
    } else {
        format!("{}Q{}", now.year(), q - 1)
    };
    (format!("{}Q{q}", now.year()), previous)
}

#[test]
fn package_figures_count_every_deposit_by_type_and_organisation() {
    let dir = tempfile::tempdir().unwrap();
    let pkg = dir.path().join("pkg");
    tianping_fixtures::package::export(&pkg, Faults::none(), 15, 10).unwrap();
    let deposits = quarterly::package_deposits(&pkg, &FieldMap::default()).unwrap();
    let (now, previous) = this_and_previous_quarter();
    let f = quarterly::tabulate(&now, "test", deposits).unwrap();
    assert_eq!(f.total.deposits, 15);
    assert_eq!(f.total.bytes, 150);
    assert_eq!(
        f.by_business_type.len(),
        5,
        "the exporter cycles through the five types"
    );
    assert!(f.by_business_type.values().all(|v| v.deposits == 3));
    assert_eq!(f.by_organization["北京某公证处"].deposits, 5);
    assert_eq!(f.unreadable, 0);
    let before = quarterly::tabulate(
        &previous,
        "test",
        quarterly::package_deposits(&pkg, &FieldMap::default()).unwrap(),
    )
    .unwrap();
    assert_eq!((before.total.deposits, before.outside_quarter), (0, 15));
}

#[tokio::test]
async fn live_figures_come_from_the_platform_export() {
    let embedded = tianping_target::reference::start(Default::default(), Faults::none())
        .await
        .unwrap();
    let ctx = embedded.context().unwrap();
    for i in 0..4 {
        tianping_suites::common::deposit(&ctx, format!("quarterly test {i}").as_bytes())
            .await
            .unwrap();
    }
    let (now, _) = this_and_previous_quarter();
    let (from, to) = quarterly::quarter_bounds(&now).unwrap();
    let deposits = quarterly::live_deposits(&ctx, &from, &to).await.unwrap();
    let f = quarterly::tabulate(&now, "live", deposits).unwrap();
    assert_eq!(f.total.deposits, 4);
    assert_eq!(
        f.by_business_type["copyright"].deposits, 4,
        "the lab's configured business type"
    );
    assert_eq!(
        f.by_organization.keys().collect::<Vec<_>>(),
        ["(none: deposited directly)"]
    );
    embedded.stop().await;
}

#[test]
fn figures_with_unreadable_records_are_flagged_incomplete() {
    let dir = tempfile::tempdir().unwrap();
    let pkg = dir.path().join("pkg");
    tianping_fixtures::package::export(&pkg, Faults::none(), 3, 10).unwrap();
    let mut manifest = std::fs::read_to_string(pkg.join("manifest.jsonl")).unwrap();
    manifest.push_str("{\"evidence_id\":\"EVBROKEN\",\"receipt\":\"receipts/missing.json\"}\n");
    // A hostile package: a receipt that is a link to a device that never ends (read, it would
    // hang the command) and one outside the package through a link.
    let outside = dir.path().join("outside.json");
    std::fs::copy(
        std::fs::read_dir(pkg.join("receipts"))
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path(),
        &outside,
    )
    .unwrap();
    std::os::unix::fs::symlink("/dev/zero", pkg.join("receipts/zero.json")).unwrap();
    std::os::unix::fs::symlink(&outside, pkg.join("receipts/outside.json")).unwrap();
    for name in ["zero", "outside"] {
        manifest.push_str(&format!(
            "{{\"evidence_id\":\"EV{name}\",\"receipt\":\"receipts/{name}.json\"}}\n"
        ));
    }
    std::fs::write(pkg.join("manifest.jsonl"), manifest).unwrap();
    let (now, _) = this_and_previous_quarter();
    let f = quarterly::tabulate(
        &now,
        "test",
        quarterly::package_deposits(&pkg, &FieldMap::default()).unwrap(),
    )
    .unwrap();
    assert_eq!((f.total.deposits, f.unreadable), (3, 3));
}
