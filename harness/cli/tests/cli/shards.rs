//! Sharded package verification: N processes each count one slice, the merge equals the
//! single pass, and a shard set that is not every slice of one package once is refused.

use std::path::{Path, PathBuf};

use super::*;

/// Exports a reference package of `records` records with a fault that fails every record's
/// DC-007 (more failures than a verdict keeps), then adds three repeated records and a line
/// that is not JSON, so the account of the records fails too.
fn hostile_package(dir: &Path, name: &str, records: &str) -> PathBuf {
    let pkg = dir.join(name);
    export_package(&pkg, records, "64", "receipt-unmasked-id");
    let manifest = pkg.join("manifest.jsonl");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut more = text.clone();
    for line in [lines[3], lines[7], lines[7]] {
        more.push_str(line);
        more.push('\n');
    }
    more.push_str("not json at all\n");
    std::fs::write(&manifest, more).unwrap();
    pkg
}

/// Counts `slices` of `pkg`, each in its own process at once, into `dir/s{i}`.
fn shards(pkg: &Path, dir: &Path, slices: u32) -> Vec<PathBuf> {
    let running: Vec<(PathBuf, std::process::Child)> = (1..=slices)
        .map(|i| {
            let out = dir.join(format!("s{i}"));
            let child = harness()
                .args(["run", "--package"])
                .arg(pkg)
                .args(["--shard", &format!("{i}/{slices}"), "--out"])
                .arg(&out)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            (out, child)
        })
        .collect();
    running
        .into_iter()
        .map(|(out, child)| {
            let done = child.wait_with_output().unwrap();
            assert_eq!(
                done.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&done.stderr)
            );
            out
        })
        .collect()
}

/// The package evaluated in one pass, into `out`.
fn single_pass(pkg: &Path, out: &Path) -> std::process::Output {
    harness()
        .args(["run", "--lang", "none", "--no-workpaper", "--package"])
        .arg(pkg)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

fn merge(dirs: &[&PathBuf], out: &Path) -> std::process::Output {
    harness()
        .args(["run", "--lang", "none", "--no-workpaper", "--merge-shards"])
        .args(dirs)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

/// What a run decided, check by check, without the times.
fn decided(results: &serde_json::Value) -> Vec<serde_json::Value> {
    results["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            serde_json::json!([
                r["id"],
                r["outcome"],
                r["summary"],
                r["summary_zh"],
                r["evidence"],
                r["samples"]
            ])
        })
        .collect()
}

#[test]
fn shards_merged_equal_the_single_pass_and_incomplete_or_foreign_sets_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let pkg = hostile_package(dir.path(), "pkg", "60");
    let single = single_pass(&pkg, &dir.path().join("single"));
    let s = shards(&pkg, dir.path(), 3);
    let merged = merge(&[&s[2], &s[0], &s[1]], &dir.path().join("merged"));
    assert_eq!(
        merged.status.code(),
        single.status.code(),
        "{}",
        String::from_utf8_lossy(&merged.stderr)
    );
    let (one, many) = (
        read_results(&dir.path().join("single")),
        read_results(&dir.path().join("merged")),
    );
    assert_eq!(decided(&one), decided(&many));
    assert_eq!(one["assessment"], many["assessment"]);
    // The pass found what it should, so the equality is of something.
    let dc007 = one["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "DC-007")
        .unwrap();
    assert_eq!(dc007["samples"]["failed"], 63, "{dc007}");
    let owner = one["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["summary"]
                .as_str()
                .unwrap_or("")
                .contains("does not account for its records")
        })
        .expect("a check owns the account");
    let summary = owner["summary"].as_str().unwrap();
    assert!(
        summary.contains("3 record(s) repeat an evidence id"),
        "{summary}"
    );
    assert!(
        summary.contains("declares 60 records, the manifest holds 64"),
        "{summary}"
    );

    let refused = |dirs: &[&PathBuf], why: &str| {
        let out = merge(dirs, &dir.path().join(format!("refused-{}", why.len())));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(78), "{why}: {stderr}");
        assert!(stderr.contains(why), "expected `{why}`: {stderr}");
    };
    refused(&[&s[0], &s[1]], "shard(s) 3/3 of 3 missing");
    refused(&[&s[0], &s[1], &s[1], &s[2]], "shard 2/3 is given twice");
    let other = hostile_package(dir.path(), "other", "10");
    let foreign = shards(&other, &dir.path().join("other-shards"), 3);
    refused(
        &[&s[0], &s[1], &foreign[2]],
        "packages (manifest SM3) differ",
    );
    let split_in_two = shards(&pkg, &dir.path().join("halves"), 2);
    refused(&[&s[0], &split_in_two[1]], "splits (shard counts) differ");
    // A shard changed after it was sealed is not merged.
    let counts = s[2].join("shard.json");
    let mut shard: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&counts).unwrap()).unwrap();
    let dc007 = shard["tallies"]["checks"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|c| c[0] == "DC-007")
        .unwrap();
    dc007[1]["failed"] = 0.into();
    std::fs::write(&counts, serde_json::to_vec_pretty(&shard).unwrap()).unwrap();
    refused(&[&s[0], &s[1], &s[2]], "not intact as sealed");
}

#[test]
fn the_kubernetes_entrypoints_shard_retry_and_merge_a_package() {
    let dir = tempfile::tempdir().unwrap();
    let pkg = hostile_package(dir.path(), "pkg", "12");
    let scripts = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/kubernetes");
    let work = dir.path().join("work");
    let pod = |index: u32| {
        let mut command = Command::new("sh");
        command
            .arg(scripts.join("shard.sh"))
            .env("JOB_COMPLETION_INDEX", index.to_string())
            .env("SHARDS", "3")
            .env("PACKAGE", &pkg)
            .env("WORK", &work)
            .env("HARNESS", env!("CARGO_BIN_EXE_tianping-harness"))
            .env("LC_ALL", "C.UTF-8");
        command
    };
    // The Indexed Job's three pods at once, then pod 1 retried.
    let pods: Vec<_> = (0..3).map(|i| pod(i).output()).collect();
    for done in pods {
        let done = done.unwrap();
        assert!(
            done.status.success(),
            "{}",
            String::from_utf8_lossy(&done.stderr)
        );
    }
    let retried = pod(1).output().unwrap();
    assert!(retried.status.success());
    assert!(String::from_utf8_lossy(&retried.stderr).contains("already"));
    let merge_job = |out: &str| {
        Command::new("sh")
            .arg(scripts.join("merge.sh"))
            .env("SHARDS", "3")
            .env("WORK", &work)
            .env("OUT", work.join(out))
            .env("ARGS", "--lang none --no-workpaper")
            .env("HARNESS", env!("CARGO_BIN_EXE_tianping-harness"))
            .env("LC_ALL", "C.UTF-8")
            .output()
            .unwrap()
    };
    // The merged run has nonconformities, and the Job still succeeds: it evaluated.
    let merged = merge_job("run");
    assert!(
        merged.status.success(),
        "{}",
        String::from_utf8_lossy(&merged.stderr)
    );
    let single = single_pass(&pkg, &dir.path().join("single"));
    assert_eq!(single.status.code(), Some(1));
    assert_eq!(
        decided(&read_results(&dir.path().join("single"))),
        decided(&read_results(&work.join("run")))
    );
    // A shard lost from the volume: the merge Job fails, with the harness's reason.
    std::fs::remove_dir_all(work.join("shards/2")).unwrap();
    let short = merge_job("run-again");
    assert_eq!(short.status.code(), Some(78));
    assert!(String::from_utf8_lossy(&short.stderr).contains("shards/2"));
}

#[test]
fn quarterly_figures_from_shards_equal_the_whole_package_and_a_gap_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let pkg = hostile_package(dir.path(), "pkg", "40");
    let quarter = {
        use chrono::Datelike;
        let now = chrono::Utc::now() + chrono::Duration::hours(8);
        format!("{}Q{}", now.year(), (now.month() - 1) / 3 + 1)
    };
    let quarterly = |more: &[&str], out: &Path| {
        harness()
            .args(["quarterly", "--quarter", &quarter])
            .args(more)
            .arg("--out")
            .arg(out)
            .output()
            .unwrap()
    };
    let package = pkg.to_str().unwrap();
    let whole = quarterly(&["--package", package], &dir.path().join("whole"));
    assert_eq!(
        whole.status.code(),
        Some(2),
        "the line that is not JSON is unreadable"
    );
    let parts: Vec<PathBuf> = (1..=3).map(|i| dir.path().join(format!("q{i}"))).collect();
    for (i, part) in parts.iter().enumerate() {
        let slice = format!("{}/3", i + 1);
        let done = quarterly(&["--package", package, "--shard", &slice], part);
        assert_eq!(
            done.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&done.stderr)
        );
    }
    let names: Vec<&str> = parts.iter().map(|p| p.to_str().unwrap()).collect();
    let mut merge = vec!["--merge-shards"];
    merge.extend(&names);
    let merged = quarterly(&merge, &dir.path().join("merged"));
    assert_eq!(
        merged.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&merged.stderr)
    );
    let figures = |folder: &str| -> serde_json::Value {
        serde_json::from_slice(
            &std::fs::read(dir.path().join(folder).join("quarterly.json")).unwrap(),
        )
        .unwrap()
    };
    assert_eq!(figures("whole"), figures("merged"));
    assert_eq!(figures("whole")["total"]["deposits"], 43);
    for csv in ["by-business-type.csv", "by-organization.csv"] {
        assert_eq!(
            std::fs::read(dir.path().join("whole").join(csv)).unwrap(),
            std::fs::read(dir.path().join("merged").join(csv)).unwrap()
        );
    }
    let gap = quarterly(
        &["--merge-shards", names[0], names[2]],
        &dir.path().join("gap"),
    );
    assert_eq!(gap.status.code(), Some(78));
    assert!(String::from_utf8_lossy(&gap.stderr).contains("2/3 of 3 missing"));
}
