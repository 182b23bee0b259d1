//! Offline evidence-package mode: the package-decidable checks give the same verdicts as the
//! live run (each fault fails exactly its own check, offline too, when a package can show it),
//! and a damaged or hostile package is reported, never passed.

use std::path::Path;

use tianping_engine::{
    CheckDef, CheckResult, Config, Mode, Outcome, lab::LabRecords, package, runner,
};
use tianping_fixtures::{Fault, Faults};

fn evaluate(dir: &Path) -> Result<Vec<CheckResult>, String> {
    let config = Config::default();
    let info = package::open(dir, &config).map_err(|e| e.to_string())?;
    let registry = tianping_suites::registry();
    let checks: Vec<&CheckDef> = registry.iter().collect();
    runner::run_package_checks(&info, &config, &checks, &LabRecords::default(), 2)
        .map_err(|e| e.to_string())
}

fn export(faults: Faults, records: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    tianping_fixtures::package::export(&dir.path().join("pkg"), faults, records, 1500).unwrap();
    dir
}

fn package_checks() -> Vec<&'static str> {
    tianping_suites::registry()
        .iter()
        .filter(|c| c.package.is_some())
        .map(|c| c.meta.id)
        .collect()
}

#[test]
fn a_conforming_package_passes_every_package_check_and_nothing_else_is_claimed() {
    let dir = export(Faults::none(), 30);
    let results = evaluate(&dir.path().join("pkg")).unwrap();
    for r in &results {
        match (
            &r.outcome,
            package_checks().contains(&r.id.as_str()),
            r.mode,
        ) {
            (Outcome::Pass, true, _) => assert_eq!(r.samples.unwrap().failed, 0),
            (Outcome::Inconclusive { .. }, false, Mode::Manual) => {}
            (Outcome::NotApplicable { reason }, false, _) => {
                assert!(reason.contains("live platform"))
            }
            other => panic!("{}: unexpected {other:?}", r.id),
        }
    }
}

#[test]
fn every_fault_fails_offline_exactly_the_check_it_fails_live() {
    for fault in Fault::ALL {
        let dir = export(Faults::parse(&[fault.name()]).unwrap(), 8);
        let results = evaluate(&dir.path().join("pkg")).unwrap();
        for r in results
            .iter()
            .filter(|r| package_checks().contains(&r.id.as_str()))
        {
            let owner = tianping_suites::find(&r.id)
                .unwrap()
                .meta
                .catches(fault.name());
            match (&r.outcome, owner) {
                (Outcome::Fail, true) => {
                    assert!(!r.evidence.is_empty(), "{} failed without evidence", r.id)
                }
                (Outcome::Pass, false) => {}
                (o, _) => panic!(
                    "fault {}: {} is {o:?} offline; live it {} ({})",
                    fault.name(),
                    r.id,
                    if owner { "fails" } else { "passes" },
                    r.summary
                ),
            }
        }
    }
}

fn outcome<'a>(results: &'a [CheckResult], id: &str) -> &'a CheckResult {
    results.iter().find(|r| r.id == id).unwrap()
}

#[test]
fn a_missing_original_or_a_garbled_manifest_line_is_a_finding_not_a_pass() {
    let dir = export(Faults::none(), 5);
    let pkg = dir.path().join("pkg");
    let first = std::fs::read_dir(pkg.join("originals"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::remove_file(&first).unwrap();
    let mut manifest = std::fs::read_to_string(pkg.join("manifest.jsonl")).unwrap();
    manifest.push_str("{not json\n");
    std::fs::write(pkg.join("manifest.jsonl"), manifest).unwrap();
    let results = evaluate(&pkg).unwrap();
    let dc003 = outcome(&results, "DC-003");
    assert_eq!(dc003.outcome, Outcome::Fail);
    assert_eq!(dc003.samples.unwrap().failed, 2, "{:?}", dc003.evidence);
    assert_eq!(
        outcome(&results, "DC-002").outcome,
        Outcome::Fail,
        "the garbled line has no receipt"
    );
}

/// Every manifest line is accounted for. An invalid-UTF-8 line once ended the pass silently:
/// a tampered original after it was never read and every package check passed.
#[test]
fn an_unreadable_line_does_not_end_the_pass_and_every_record_is_accounted_for() {
    let dir = export(Faults::none(), 6);
    let pkg = dir.path().join("pkg");
    let manifest = std::fs::read(pkg.join("manifest.jsonl")).unwrap();
    let lines: Vec<&[u8]> = manifest.split_inclusive(|b| *b == b'\n').collect();
    // An unreadable line in the middle, then tamper with the original of a later record.
    let mut poisoned = lines[..3].concat();
    poisoned.extend_from_slice(b"\xff\xfe not text\n");
    poisoned.extend(lines[3..].concat());
    std::fs::write(pkg.join("manifest.jsonl"), &poisoned).unwrap();
    let last: serde_json::Value = serde_json::from_slice(lines[5]).unwrap();
    let original = pkg.join(last["original"].as_str().unwrap());
    std::fs::write(&original, b"altered after the deposit").unwrap();
    let results = evaluate(&pkg).unwrap();
    let dc003 = outcome(&results, "DC-003");
    assert_eq!(dc003.outcome, Outcome::Fail, "{}", dc003.describe());
    assert!(
        dc003
            .describe()
            .contains(last["evidence_id"].as_str().unwrap()),
        "the record after the bad line was read: {}",
        dc003.describe()
    );
    // Seven records read where package.json declares six: DC-002 owns the account.
    let dc002 = outcome(&results, "DC-002");
    assert_eq!(dc002.outcome, Outcome::Fail, "{}", dc002.describe());
    assert!(
        dc002
            .summary
            .contains("declares 6 records, the manifest holds 7")
            && dc002.describe().contains("not UTF-8"),
        "{}",
        dc002.describe()
    );
}

/// A manifest line of 8 MiB (a 1 GB one once took 1 GB of memory) is read no further than
/// a record's line may be long, is a finding, and the records after it are still judged.
/// A manifest that is a FIFO is refused at once instead of waited on.
#[test]
fn an_overlong_manifest_line_is_a_finding_read_in_bounded_memory_and_a_fifo_is_refused() {
    let dir = export(Faults::none(), 3);
    let pkg = dir.path().join("pkg");
    let manifest = std::fs::read(pkg.join("manifest.jsonl")).unwrap();
    let lines: Vec<&[u8]> = manifest.split_inclusive(|b| *b == b'\n').collect();
    let mut poisoned = lines[..1].concat();
    poisoned.extend(std::iter::repeat_n(b'x', 8 << 20));
    poisoned.push(b'\n');
    poisoned.extend(lines[1..].concat());
    std::fs::write(pkg.join("manifest.jsonl"), &poisoned).unwrap();
    let results = evaluate(&pkg).unwrap();
    let dc002 = outcome(&results, "DC-002");
    assert_eq!(dc002.outcome, Outcome::Fail, "{}", dc002.describe());
    assert!(
        dc002
            .describe()
            .contains("over the 65536 a record's line may hold"),
        "{}",
        dc002.describe()
    );
    let dc003 = outcome(&results, "DC-003");
    assert_eq!(
        dc003.samples.map(|s| s.examined),
        Some(4),
        "the records after the long line were read: {}",
        dc003.describe()
    );

    std::fs::remove_file(pkg.join("manifest.jsonl")).unwrap();
    assert!(
        std::process::Command::new("mkfifo")
            .arg(pkg.join("manifest.jsonl"))
            .status()
            .unwrap()
            .success()
    );
    let started = std::time::Instant::now();
    let err = evaluate(&pkg).unwrap_err();
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert!(err.to_string().contains("not a regular file"), "{err}");
}

#[test]
fn a_manifest_short_of_its_declared_records_or_repeating_an_id_fails() {
    let dir = export(Faults::none(), 4);
    let pkg = dir.path().join("pkg");
    let manifest = std::fs::read_to_string(pkg.join("manifest.jsonl")).unwrap();
    let lines: Vec<&str> = manifest.lines().collect();
    // The last record dropped, and the first repeated in its place: still four lines.
    let changed = [&lines[..3], &lines[..1]].concat().join("\n") + "\n";
    std::fs::write(pkg.join("manifest.jsonl"), changed).unwrap();
    let results = evaluate(&pkg).unwrap();
    let dc002 = outcome(&results, "DC-002");
    assert_eq!(dc002.outcome, Outcome::Fail, "{}", dc002.describe());
    assert!(
        dc002.summary.contains("repeat an evidence id"),
        "{}",
        dc002.summary
    );
    // Only three of four: the count no longer agrees.
    std::fs::write(pkg.join("manifest.jsonl"), lines[..3].join("\n") + "\n").unwrap();
    let results = evaluate(&pkg).unwrap();
    let dc002 = outcome(&results, "DC-002");
    assert!(
        dc002
            .summary
            .contains("declares 4 records, the manifest holds 3"),
        "{}",
        dc002.summary
    );
    // The other package checks pass over what they read, and say how much that was.
    let dc003 = outcome(&results, "DC-003");
    assert!(
        dc003.describe().contains("3 manifest record(s) read"),
        "{}",
        dc003.describe()
    );
}

/// Links out of the package, devices and FIFOs are findings, never read or waited on.
#[test]
fn links_out_devices_and_fifos_in_a_package_are_refused_not_read() {
    let dir = export(Faults::none(), 3);
    let pkg = dir.path().join("pkg");
    let manifest = std::fs::read_to_string(pkg.join("manifest.jsonl")).unwrap();
    let entries: Vec<serde_json::Value> = manifest
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let at = |e: &serde_json::Value, key: &str| pkg.join(e[key].as_str().unwrap());
    // A receipt that is a link to a file outside, an original linked to /dev/zero, and an
    // original that is a FIFO.
    std::fs::remove_file(at(&entries[0], "receipt")).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", at(&entries[0], "receipt")).unwrap();
    std::fs::remove_file(at(&entries[1], "original")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", at(&entries[1], "original")).unwrap();
    std::fs::remove_file(at(&entries[2], "original")).unwrap();
    let fifo = std::process::Command::new("mkfifo")
        .arg(at(&entries[2], "original"))
        .status()
        .unwrap();
    assert!(fifo.success());
    let started = std::time::Instant::now();
    let results = evaluate(&pkg).unwrap();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "nothing waited on"
    );
    let dc003 = outcome(&results, "DC-003");
    assert_eq!(dc003.outcome, Outcome::Fail, "{}", dc003.describe());
    let text = results
        .iter()
        .map(|r| r.describe())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(text.contains("leads outside the package"), "{text}");
    assert!(text.contains("not a regular file"), "{text}");
}

#[test]
fn manifest_paths_that_leave_the_package_are_refused() {
    let dir = export(Faults::none(), 1);
    let pkg = dir.path().join("pkg");
    std::fs::write(dir.path().join("outside.json"), "{}").unwrap();
    let line = r#"{"evidence_id":"EVX","file_hash":"00","original":"../outside.json","receipt":"../outside.json"}"#;
    std::fs::write(pkg.join("manifest.jsonl"), format!("{line}\n")).unwrap();
    let results = evaluate(&pkg).unwrap();
    let dc003 = outcome(&results, "DC-003");
    assert_eq!(dc003.outcome, Outcome::Fail);
    assert!(
        dc003
            .evidence
            .iter()
            .any(|e| e.value.contains("leaves the package")),
        "{:?}",
        dc003.evidence
    );
}

#[test]
fn something_that_is_not_a_package_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    assert!(evaluate(dir.path()).unwrap_err().contains("package.json"));
    assert!(
        evaluate(&dir.path().join("absent"))
            .unwrap_err()
            .contains("not a directory")
    );
    std::fs::write(dir.path().join("package.json"), "{\"platform\": {}}").unwrap();
    assert!(evaluate(dir.path()).unwrap_err().contains("manifest.jsonl"));
}

/// Zips `dir` (entries under `prefix`) into `zip_path`.
fn zip_dir(dir: &Path, zip_path: &Path, prefix: &str) {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::fs::File::create(zip_path).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                zip.start_file(format!("{prefix}{rel}"), options).unwrap();
                zip.write_all(&std::fs::read(&p).unwrap()).unwrap();
            }
        }
    }
    zip.finish().unwrap();
}

fn verdicts(results: &tianping_engine::RunResults) -> Vec<(String, String)> {
    results
        .results
        .iter()
        .map(|r| (r.id.clone(), r.outcome.key().to_string()))
        .collect()
}

#[test]
fn a_zipped_package_gives_the_verdicts_of_the_unpacked_one() {
    let dir = export(Faults::parse(&["tsa-imprint-mismatch"]).unwrap(), 6);
    let pkg = dir.path().join("pkg");
    let registry = tianping_suites::registry();
    let checks: Vec<&CheckDef> = registry.iter().collect();
    let run = |source: &Path, out: &str| {
        tianping_harness::evaluate::evaluate_package(
            &Config::default(),
            &LabRecords::default(),
            &checks,
            source,
            &dir.path().join(out),
        )
        .unwrap()
    };
    let from_dir = run(&pkg, "out-dir");
    for (zip_name, prefix) in [("flat.zip", ""), ("folder.zip", "export-2026Q4/")] {
        let zip_path = dir.path().join(zip_name);
        zip_dir(&pkg, &zip_path, prefix);
        let from_zip = run(&zip_path, &format!("out-{zip_name}"));
        assert_eq!(verdicts(&from_zip), verdicts(&from_dir), "{zip_name}");
        assert_eq!(from_zip.target.kind, "package");
    }
    assert!(
        from_dir
            .results
            .iter()
            .any(|r| r.id == "DC-008" && r.outcome == Outcome::Fail)
    );
}

#[test]
fn a_hostile_zip_is_refused_not_unpacked_outside() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let evil = dir.path().join("evil.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&evil).unwrap());
    zip.start_file("../escaped.txt", zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.write_all(b"x").unwrap();
    zip.finish().unwrap();
    let into = dir.path().join("into");
    std::fs::create_dir(&into).unwrap();
    let err = package::unpack_zip(&evil, &into, 1 << 20)
        .unwrap_err()
        .to_string();
    assert!(err.contains("leave the package"), "{err}");
    assert!(!dir.path().join("escaped.txt").exists());

    let big = dir.path().join("big.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&big).unwrap());
    zip.start_file(
        "package.json",
        zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated),
    )
    .unwrap();
    zip.write_all(&vec![b' '; 4 << 20]).unwrap();
    zip.finish().unwrap();
    let into = dir.path().join("into2");
    std::fs::create_dir(&into).unwrap();
    let err = package::unpack_zip(&big, &into, 1 << 20)
        .unwrap_err()
        .to_string();
    assert!(err.contains("more than"), "{err}");

    std::fs::write(dir.path().join("junk.zip"), b"PK\x03\x04 not really").unwrap();
    assert!(package::unpack_zip(&dir.path().join("junk.zip"), &into, 1 << 20).is_err());
}
