//! The command line itself: usage and configuration errors, help, list, serve-reference.

use super::*;

#[test]
fn usage_errors_exit_64() {
    assert_eq!(
        harness()
            .args(["run", "--no-such-flag"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(64)
    );
    assert_eq!(
        harness().arg("frobnicate").output().unwrap().status.code(),
        Some(64)
    );
    let out = harness()
        .args(["run", "--fault", "no-such-fault"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&out.stderr).contains("known faults"));
    assert_eq!(
        harness()
            .args(["run", "--only", "ZZ-999"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(64)
    );
    assert_eq!(
        harness()
            .args([
                "run",
                "--fault",
                "legacy-tls10",
                "--target",
                "https://127.0.0.1:1"
            ])
            .output()
            .unwrap()
            .status
            .code(),
        Some(64)
    );
}

#[test]
fn configuration_errors_exit_78_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bad.toml");
    std::fs::write(&config, "[limits]\nconections_per_host = 2\n").unwrap();
    let out = harness()
        .args(["run", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(78));
    assert!(String::from_utf8_lossy(&out.stderr).contains("conections_per_host"));
    let out = harness()
        .args(["run", "--config", "/nonexistent/harness.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(78));
    let out = harness()
        .args(["run", "--target", "ftp://example.cn"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(78));
    // Lab thresholds are checked against what the checks declare, before anything runs.
    for (table, key) in [
        ("blocks_to_sampel = 3", "blocks_to_sampel"),
        ("password_min_classes = 9", "password_min_classes"),
        ("allowed_tls_versions = [\"TLS9\"]", "allowed_tls_versions"),
    ] {
        std::fs::write(&config, format!("[thresholds]\n{table}\n")).unwrap();
        let out = harness()
            .args(["list", "--config"])
            .arg(&config)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(78), "{table}: {stderr}");
        assert!(stderr.contains(key), "{table}: {stderr}");
    }
}

#[test]
fn help_exits_0_and_list_shows_every_check_without_contacting_anything() {
    assert_eq!(
        harness().arg("--help").output().unwrap().status.code(),
        Some(0)
    );
    for sub in ["run", "list", "serve-reference"] {
        assert_eq!(
            harness()
                .args([sub, "--help"])
                .output()
                .unwrap()
                .status
                .code(),
            Some(0),
            "{sub} --help"
        );
    }
    // An unroutable target: list must not try to reach it.
    let out = harness()
        .args(["list", "--json", "--target", "https://192.0.2.1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.len(), tianping_suites::registry().len());
    assert!(rows.iter().all(|r| r["clauses"].as_array().is_some_and(|c| !c.is_empty()) && r["applies"] == true));
    // Each check lists the lab thresholds it uses, with the value in force.
    let ss001 = rows.iter().find(|r| r["id"] == "SS-001").unwrap();
    assert!(
        ss001["thresholds"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "password_min_classes" && t["value"] == "3"),
        "{ss001}"
    );
}

#[test]
fn serve_reference_lists_faults_with_the_check_that_catches_each() {
    let out = harness()
        .args(["serve-reference", "--list-faults"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().count(), tianping_fixtures::Fault::ALL.len());
    assert!(
        text.lines().all(|l| !l.contains(" - ")),
        "every fault has a check:\n{text}"
    );
}

/// `init` writes a configuration the harness loads and an adapter it parses, fills in the
/// target, and never writes over a file.
#[test]
fn init_writes_a_configuration_and_adapter_the_harness_reads() {
    let dir = tempfile::tempdir().unwrap();
    let init = |extra: &[&str]| {
        harness()
            .args(["init", "--dir"])
            .arg(dir.path())
            .args(extra)
            .output()
            .unwrap()
    };
    let first = init(&["--target", "https://evidence.example.cn:8443", "--adapter"]);
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let config = tianping_engine::Config::load(&dir.path().join("harness.toml"))
        .expect("the written configuration loads");
    assert_eq!(
        config.target.base_url.as_deref(),
        Some("https://evidence.example.cn:8443")
    );
    let adapter_file = config
        .adapter
        .file
        .clone()
        .expect("the config names the adapter");
    assert!(adapter_file.ends_with("adapter.toml"), "{adapter_file}");
    let adapter = tianping_engine::adapter::Adapter::load(&dir.path().join("adapter.toml"))
        .expect("the written adapter parses");
    assert_eq!(adapter.info.name, "my-platform");
    let before = std::fs::read(dir.path().join("harness.toml")).unwrap();
    let again = init(&[]);
    assert_eq!(again.status.code(), Some(64));
    assert_eq!(
        std::fs::read(dir.path().join("harness.toml")).unwrap(),
        before
    );
}

/// Completions and the man page come from the same command definitions as `--help`, and
/// `run --help` shows examples, environment variables and exit codes.
#[test]
fn completions_man_page_and_help_describe_the_commands() {
    let text = |args: &[&str]| {
        let out = harness().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let bash = text(&["completions", "bash"]);
    assert!(bash.contains("tianping-harness") && bash.contains("--self-test"));
    let man = text(&["man"]);
    assert!(
        man.contains(".TH tianping-harness 1") && man.contains("init"),
        "{man}"
    );
    let help = text(&["run", "--help"]);
    for part in ["Examples:", "TIANPING_API_SECRET", "Exit codes:", "78"] {
        assert!(help.contains(part), "run --help lacks `{part}`");
    }
}

/// `run --dry-run` prints the plan and the pre-flight and runs nothing: ready on the
/// reference platform (exit 0, no folder written); against a closed port without
/// credentials, it names each missing thing, never a secret value, and exits 2.
#[test]
fn a_dry_run_prints_the_plan_and_the_preflight_and_runs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let ready = harness()
        .args(["run", "--dry-run", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&ready.stdout);
    assert_eq!(ready.status.code(), Some(0), "{text}");
    assert!(
        text.contains("plan: evaluate") && text.contains("checks: 72"),
        "{text}"
    );
    assert!(
        text.contains("DC-001") && text.contains("workpaper.xlsx"),
        "{text}"
    );
    assert!(!out.exists(), "a dry run writes nothing");

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let not_ready = harness()
        .args([
            "run",
            "--dry-run",
            "--target",
            &format!("https://127.0.0.1:{port}"),
        ])
        .env_remove("TIANPING_API_KEY_ID")
        .env_remove("TIANPING_API_SECRET")
        .env("TIANPING_USERNAME", "lab-user")
        .env("TIANPING_PASSWORD", "do-not-print-me")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&not_ready.stdout);
    assert_eq!(not_ready.status.code(), Some(2), "{text}");
    assert!(
        text.contains("MISSING API account") && text.contains("TIANPING_API_SECRET"),
        "{text}"
    );
    assert!(text.contains("ok      console account"), "{text}");
    assert!(text.contains("unreachable"), "{text}");
    assert!(
        !text.contains("do-not-print-me"),
        "a secret value in the output"
    );
}

/// The console colours outcomes only when asked (`--color always`, or a terminal without
/// `NO_COLOR`); `-q` prints only what needs attention; `-v` adds the evidence.
#[test]
fn the_console_colours_when_asked_and_says_less_or_more_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let run = |flags: &[&str], name: &str| {
        console_of_two_checks(flags, ("NO_COLOR", "1"), &dir.path().join(name))
    };
    let plain = run(&[], "plain");
    assert!(
        !plain.contains('\u{1b}'),
        "NO_COLOR and no terminal: no colour"
    );
    assert!(
        plain.contains("DC-001") && plain.contains("SS-021"),
        "{plain}"
    );
    let coloured = run(&["--color", "always"], "coloured");
    assert!(
        coloured.contains("\u{1b}[32mPASS") && coloured.contains("\u{1b}[31mFAIL"),
        "{coloured}"
    );
    let quiet = run(&["-q"], "quiet");
    assert!(
        !quiet.contains("DC-001") && quiet.contains("SS-021"),
        "{quiet}"
    );
    assert!(quiet.contains("outputs in"), "{quiet}");
    let verbose = run(&["-v"], "verbose");
    assert!(verbose.contains("deposit Cache-Control:"), "{verbose}");
}

/// In a Chinese locale the console speaks Chinese: findings, score line, rule and counts.
#[test]
fn a_chinese_locale_gets_a_chinese_console() {
    let dir = tempfile::tempdir().unwrap();
    let text = console_of_two_checks(&[], ("LC_ALL", "zh_CN.UTF-8"), dir.path());
    for says in [
        "检查敏感应答 2 个，其中 2 个不符合",
        "建议结论：",
        "判定依据：",
        "符合 1，不符合 1",
        "输出文件位于",
    ] {
        assert!(text.contains(says), "no `{says}` in:\n{text}");
    }
    assert!(!text.contains("do not conform"), "{text}");
}

/// What `run` prints for SS-021 (failing, its fault on) and DC-001 with `flags` and one
/// environment variable set, its files in `out`.
fn console_of_two_checks(flags: &[&str], env: (&str, &str), out: &std::path::Path) -> String {
    let output = harness()
        .args(flags)
        .args([
            "run",
            "--fault",
            "cache-control-missing",
            "--only",
            "SS-021,DC-001",
        ])
        .args(["--lang", "none", "--no-workpaper", "--out"])
        .arg(out)
        .env(env.0, env.1)
        .output()
        .unwrap();
    String::from_utf8(output.stdout).unwrap()
}
