//! The PDF report as the secretariat gets it: rendered by the binary, opened by poppler
//! (pdfinfo), its text read back (pdftotext) and compared with results.json. poppler-utils
//! and the CJK font come from ./scripts/setup.sh.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// The binary in an English locale, whatever the developer's (the console follows the locale).
fn harness() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tianping-harness"));
    command.env("LC_ALL", "C.UTF-8");
    command
}

/// Writes a configuration that lifts the request rate limit: the reference platform on
/// loopback needs no politeness, and at the default 50 requests/s each run waits ~13 s.
fn unthrottled_config(dir: &Path) -> std::path::PathBuf {
    let config = dir.join("unthrottled.toml");
    std::fs::write(&config, UNTHROTTLED).unwrap();
    config
}

const UNTHROTTLED: &str = "[limits]\nrequests_per_second = 1000.0\n";

fn poppler(tool: &str, args: &[&str], pdf: &Path) -> String {
    let out = Command::new(tool)
        .args(args)
        .arg(pdf)
        .args(if tool == "pdftotext" {
            &["-"][..]
        } else {
            &[][..]
        })
        .output()
        .unwrap_or_else(|e| panic!("{tool} not found ({e}): run ./scripts/setup.sh"));
    assert!(
        out.status.success(),
        "{tool} {}: {}",
        pdf.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The PDF's text without whitespace, so a title wrapped inside a table cell still matches.
fn pdf_text(pdf: &Path) -> String {
    poppler("pdftotext", &["-raw", "-enc", "UTF-8"], pdf)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn results(dir: &Path) -> Value {
    let results =
        serde_json::from_slice(&std::fs::read(dir.join("results.json")).unwrap()).unwrap();
    tianping_reports::schema::check(&results).expect("results.json keeps to its schema");
    results
}

#[test]
fn both_languages_render_every_check_and_agree_with_results_json() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("harness.toml");
    std::fs::write(
        &config,
        "[lab]\nname = \"测评中心\"\nevaluators = [\"张三\"]\nreviewer = \"王五\"\napprover = \"赵六\"\nreport_number = \"TP-2026-0042\"\n[limits]\nrequests_per_second = 1000.0\n",
    )
    .unwrap();
    let out = dir.path().join("run");
    let run = harness()
        .args([
            "run",
            "--fault",
            "cache-control-missing",
            "--lang",
            "zh,en",
            "--config",
        ])
        .arg(&config)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let results = results(&out);
    let checks = results["results"].as_array().unwrap();
    let assessment = &results["assessment"];
    assert_eq!(assessment["conclusion"], "rectify");
    for (lang, title_key, conclusion, heading) in [
        (
            "zh",
            "title_zh",
            "限期整改后准予接入",
            "天平链接入技术测评报告",
        ),
        (
            "en",
            "title_en",
            "Grant after rectification within the set time",
            "Tianping Chain Access — Technical Evaluation Report",
        ),
    ] {
        let pdf = out.join(format!("report-{lang}.pdf"));
        let info = poppler("pdfinfo", &[], &pdf);
        let pages: usize = info
            .lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("no page count in pdfinfo output:\n{info}"));
        assert!(pages >= 4, "{lang}: {pages} pages");
        let fonts = poppler("pdffonts", &[], &pdf);
        assert!(
            fonts.contains("NotoSansCJK") && !fonts.lines().skip(2).any(|l| l.contains(" no ")),
            "{lang}: the CJK font must be embedded:\n{fonts}"
        );
        // PDF/A-2b as far as tools here can tell (no PDF/A validator is packaged for Debian):
        // qpdf finds no syntax or stream error, and the XMP metadata identifies the part and
        // conformance level. Typst's exporter itself refuses a document that breaks a PDF/A
        // rule it knows.
        let check = Command::new("qpdf")
            .arg("--check")
            .arg(&pdf)
            .output()
            .expect("qpdf: ./scripts/setup.sh installs it");
        assert!(
            check.status.success(),
            "{lang}: qpdf --check: {}",
            String::from_utf8_lossy(&check.stdout)
        );
        let bytes = std::fs::read(&pdf).unwrap();
        let has = |needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
        assert!(
            has("<pdfaid:part>2</pdfaid:part>")
                && has("<pdfaid:conformance>B</pdfaid:conformance>"),
            "{lang}: no PDF/A-2b identification in the XMP metadata"
        );
        let text = pdf_text(&pdf);
        assert!(text.contains(&squeeze(heading)), "{lang}: title missing");
        assert!(text.contains(&squeeze(conclusion)), "{lang}: conclusion");
        let score = format!("{:.2}", assessment["score"].as_f64().unwrap());
        assert!(text.contains(&score), "{lang}: score {score}");
        let run_id = results["run_id"].as_str().unwrap();
        assert!(text.contains(run_id), "{lang}: run id on the cover");
        // Beijing time, as a court reads it.
        let started = chrono::DateTime::parse_from_rfc3339(results["started_at"].as_str().unwrap())
            .unwrap()
            .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
            .format("%Y-%m-%d%H:%M:%S(UTC+8)")
            .to_string();
        assert!(
            text.contains(&started),
            "{lang}: start time {started} in Beijing time"
        );
        assert!(
            text.contains(results["config_sm3"].as_str().unwrap()),
            "{lang}: config digest on the cover"
        );
        // The key the folder is sealed with, which `verify --signer` takes as printed.
        let sealing_key = results["parties"]["sealing_key"]["public_key"]
            .as_str()
            .unwrap();
        assert!(
            text.contains(sealing_key),
            "{lang}: sealing key on the cover"
        );
        for check in checks {
            let id = check["id"].as_str().unwrap();
            let title = squeeze(check[title_key].as_str().unwrap());
            assert!(text.contains(id), "{lang}: {id} missing");
            assert!(
                text.contains(&title),
                "{lang}: {id} title `{title}` missing"
            );
        }
        // The nonconformity is listed with its finding, in the report's language: every
        // check of this run writes its finding in Chinese too.
        let ss021 = checks.iter().find(|c| c["id"] == "SS-021").unwrap();
        let summary_key = if lang == "zh" {
            "summary_zh"
        } else {
            "summary"
        };
        for check in checks {
            assert!(
                check[summary_key].as_str().is_some_and(|s| !s.is_empty()),
                "{lang}: {} has no `{summary_key}`",
                check["id"]
            );
        }
        let finding: String = squeeze(ss021[summary_key].as_str().unwrap())
            .chars()
            .take(30)
            .collect();
        assert!(text.contains(&finding), "{lang}: finding `{finding}`");
        // Its clause is cited in the report's language.
        let source_key = if lang == "zh" { "source_zh" } else { "source" };
        let cited: String = squeeze(ss021["clauses"][0][source_key].as_str().unwrap())
            .chars()
            .take(16)
            .collect();
        assert!(text.contains(&cited), "{lang}: clause `{cited}`");
        // Counts in the summary table: the totals row ends with the number of checks.
        assert!(text.contains(&checks.len().to_string()));
        // The annex lists results.json with its SM3 digest.
        let results_sm3 =
            tianping_profile::digest::sm3_hex(&std::fs::read(out.join("results.json")).unwrap());
        assert!(text.contains(&results_sm3), "{lang}: annex digest");
        // The parts every 测评报告 has: number, statement, contents, basis, scope, method,
        // the object, the signature block with the lab's people, the seal.
        let parts: &[&str] = if lang == "zh" {
            &[
                "报告编号",
                "声明",
                "目录",
                "测评依据",
                "测评范围",
                "测评方法",
                "被测对象描述",
                "编制",
                "审核",
                "批准",
                "测评机构（盖章）",
                "整改建议",
            ]
        } else {
            &[
                "Reportnumber",
                "Statement",
                "Contents",
                "Basisoftheevaluation",
                "Scope",
                "Method",
                "Theobjectevaluated",
                "Preparedby",
                "Reviewedby",
                "Approvedby",
                "Lab'sseal",
                "Whattochange",
            ]
        };
        for part in parts {
            assert!(text.contains(part), "{lang}: no `{part}`");
        }
        for name in ["TP-2026-0042", "张三", "王五", "赵六", "GB/T22239-2019"] {
            assert!(text.contains(name), "{lang}: `{name}` missing");
        }
        // Each nonconformity says what to change, in the report's language.
        let advice = squeeze(
            ss021[if lang == "zh" {
                "advice_zh"
            } else {
                "advice_en"
            }]
            .as_str()
            .unwrap(),
        );
        assert!(
            !advice.is_empty() && text.contains(&advice),
            "{lang}: SS-021's advice `{advice}`"
        );
        // Evidence sits in annex A, not in the chapters' tables: DC-001's first evidence
        // label appears only after the annex's heading.
        let dc001 = checks.iter().find(|c| c["id"] == "DC-001").unwrap();
        let label = squeeze(dc001["evidence"][0]["label"].as_str().unwrap());
        let annex = squeeze(if lang == "zh" {
            "附录 A　证据摘录"
        } else {
            "Annex A: evidence"
        });
        let annex_at = text
            .rfind(&annex)
            .unwrap_or_else(|| panic!("{lang}: no annex A"));
        assert!(
            text.find(&label).is_some_and(|at| at > annex_at),
            "{lang}: `{label}` before annex A"
        );
        // A finished run carries no draft mark.
        assert!(
            !text.contains("草稿") && !text.contains("DRAFT"),
            "{lang}: draft mark on a finished run"
        );
        // Long values break across lines without a character added to the text layer.
        assert!(
            !text.contains('\u{200B}'),
            "{lang}: a zero-width space in the text layer"
        );
        html_report_shows_every_check(&out, lang, checks);
    }
    workpaper_has_a_row_per_check(&out, checks);
    // The reports are part of the sealed bundle.
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let files: Vec<&str> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    for file in [
        "report-zh.pdf",
        "report-en.pdf",
        "report-zh.html",
        "report-en.html",
        "workpaper.xlsx",
    ] {
        assert!(files.contains(&file), "{file} is not sealed");
    }
    // The key as the report prints it (in groups) pins the signer: a test key, so 0.
    let printed = manifest["signer_public_key"]
        .as_str()
        .unwrap()
        .as_bytes()
        .chunks(16)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(
        results["parties"]["sealing_key"]["public_key"],
        manifest["signer_public_key"]
    );
    let verify = harness()
        .arg("verify")
        .arg(&out)
        .args(["--signer", &printed])
        .output()
        .unwrap();
    assert_eq!(
        verify.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
}

#[test]
fn the_report_of_a_retest_shows_both_runs() {
    let dir = tempfile::tempdir().unwrap();
    let (before, after) = (dir.path().join("before"), dir.path().join("after"));
    let first = harness()
        .args([
            "run",
            "--fault",
            "cache-control-missing",
            "--lang",
            "none",
            "--config",
        ])
        .arg(unthrottled_config(dir.path()))
        .arg("--out")
        .arg(&before)
        .output()
        .unwrap();
    assert_eq!(first.status.code(), Some(1));
    assert!(!before.join("report-zh.pdf").exists(), "--lang none");
    let retest = harness()
        .args(["run", "--lang", "en", "--rerun-failed"])
        .arg(&before)
        .arg("--config")
        .arg(unthrottled_config(dir.path()))
        .arg("--out")
        .arg(&after)
        .output()
        .unwrap();
    assert_eq!(
        retest.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&retest.stderr)
    );
    let text = pdf_text(&after.join("report-en.pdf"));
    let first_id = results(&before)["run_id"].as_str().unwrap().to_string();
    assert!(text.contains(&squeeze("Rectification re-test")));
    assert!(text.contains(&first_id), "the first run is named");
    // The re-tested check, failed then, passes now.
    assert!(text.contains("SS-021failpass"), "{text}");
    assert!(text.contains(&squeeze("First run: score")));
}

#[test]
fn a_character_the_font_cannot_draw_is_an_error_and_the_results_survive() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("harness.toml");
    // U+1F9EA (test tube) is in no CJK font; an applicant name is the lab's own text.
    std::fs::write(
        &config,
        "[target]\napplicant = \"试验单位 \u{1F9EA}\"\n[limits]\nrequests_per_second = 1000.0\n",
    )
    .unwrap();
    let out = dir.path().join("run");
    let run = harness()
        .args(["run", "--only", "DC-001", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("U+1F9EA"),
        "the character is named: {stderr}"
    );
    assert!(!out.join("report-zh.pdf").exists());
    assert_eq!(results(&out)["results"][0]["id"], "DC-001");
    let verify = harness().arg("verify").arg(&out).output().unwrap();
    assert_eq!(
        verify.status.code(),
        Some(2),
        "results are sealed all the same (intact; no --signer given)"
    );
}

/// A partial run's report says so on every page (a watermark) and on the cover (what ran and
/// what is undecided), so it cannot pass for a finished evaluation.
#[test]
fn a_partial_run_is_marked_as_a_draft() {
    let dir = tempfile::tempdir().unwrap();
    let run = harness()
        .args(["run", "--only", "DC-001,DC-012", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let text = pdf_text(&dir.path().join("report-zh.pdf"));
    assert!(text.contains("未完成·草稿"), "no draft mark");
    assert!(text.contains("检查覆盖"), "the cover says what ran");
    // The manual check is in its suite's list of manual checks, and shown in full once.
    assert!(
        text.contains("本类人工核查项"),
        "the suite points to the manual section"
    );
}

/// `run --self-test`: every automated check and no manual one, scored, with no access
/// conclusion, and every output says it is a self-test.
#[test]
fn a_self_test_leaves_out_the_manual_checks_and_says_so_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let run = harness()
        .args(["run", "--self-test", "--config"])
        .arg(unthrottled_config(dir.path()))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(stdout.contains("SELF-TEST"), "{stdout}");
    let results = results(&out);
    assert_eq!(results["self_test"], true);
    let checks = results["results"].as_array().unwrap();
    assert!(
        checks.iter().all(|c| c["mode"] != "manual"),
        "a manual check ran"
    );
    let automated = tianping_suites::registry()
        .iter()
        .filter(|c| c.meta.mode != tianping_engine::Mode::Manual)
        .count();
    assert_eq!(checks.len(), automated);
    let assessment = &results["assessment"];
    assert_eq!(assessment["conclusion"], "self_test", "{assessment}");
    assert_eq!(
        assessment["score"], 100.0,
        "a score of what a machine decides"
    );
    assert_eq!(
        assessment["coverage"]["total"], automated,
        "not a partial run"
    );
    let junit = std::fs::read_to_string(out.join("junit.xml")).unwrap();
    assert!(junit.contains("name=\"self_test\""), "junit says so");
    let text = pdf_text(&out.join("report-zh.pdf"));
    for says in ["自测·非正式测评", "申请方自测", "不作接入结论"] {
        assert!(text.contains(says), "the PDF does not say `{says}`");
    }
    assert!(!text.contains("准予接入（"), "no access conclusion");
    let page = std::fs::read_to_string(out.join("report-zh.html")).unwrap();
    assert!(page.contains("自测 · 非正式测评"), "the HTML page says so");
}

/// The page as headless Chromium (Debian's, from ./scripts/setup.sh) builds it, after its
/// script ran, opened at `fragment`.
fn browser_dom(page: &Path, fragment: &str) -> String {
    let url = format!("file://{}{fragment}", page.display());
    let out = Command::new("chromium-headless-shell")
        .args(["--no-sandbox", "--disable-gpu", "--dump-dom", &url])
        .output()
        .unwrap_or_else(|e| {
            panic!("chromium-headless-shell not found ({e}): run ./scripts/setup.sh")
        });
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The HTML report loads in a real browser without a script error, has a row for every check,
/// fetches nothing, and filters by outcome from a link.
fn html_report_shows_every_check(out: &Path, lang: &str, checks: &[Value]) {
    let page = out.join(format!("report-{lang}.html"));
    let source = std::fs::read_to_string(&page).unwrap();
    assert!(
        !source.contains(" src=") && !source.contains("<link"),
        "{lang}: the page loads nothing"
    );
    let dom = browser_dom(&page, "");
    let body = dom.find("<body").map(|at| &dom[at..]).unwrap_or("");
    let body_tag = &body[..body.find('>').unwrap_or(0)];
    assert!(
        body_tag.contains(&format!("data-ready=\"{}\"", checks.len())),
        "{lang}: the script did not run or miscounted: {body_tag}"
    );
    assert!(!body_tag.contains("data-errors"), "{lang}: {body_tag}");
    for check in checks {
        let id = check["id"].as_str().unwrap();
        assert!(
            dom.contains(&format!("id=\"check-{id}\"")),
            "{lang}: {id} has no row"
        );
    }
    // A link to the nonconformities shows exactly them.
    let filtered = browser_dom(&page, "#status=fail");
    let shown: Vec<&str> = filtered
        .split("<tr class=\"check\"")
        .skip(1)
        .filter(|row| !row[..row.find('>').unwrap()].contains("hidden"))
        .map(|row| {
            row.split("id=\"check-")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
        })
        .collect();
    assert_eq!(shown, ["SS-021"], "{lang}: rows shown for #status=fail");
}

/// The workbook read back (calamine): a header and one row per check, each with its outcome,
/// and the nonconformity with its advice.
fn workpaper_has_a_row_per_check(out: &Path, checks: &[Value]) {
    use calamine::{Reader, Xlsx, open_workbook};
    let mut book: Xlsx<_> = open_workbook(out.join("workpaper.xlsx")).unwrap();
    let sheet = book.worksheet_range("测评记录").unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(
        rows[0][..9],
        [
            "序号",
            "测评类别",
            "编号",
            "测评项",
            "测评对象",
            "测评方法/操作",
            "预期结果",
            "结果记录",
            "符合情况"
        ]
    );
    assert_eq!(rows.len(), checks.len() + 1);
    for check in checks {
        let row = rows
            .iter()
            .find(|r| r[2] == check["id"].as_str().unwrap())
            .unwrap();
        let expected = if check["id"] == "SS-021" {
            "不符合"
        } else {
            "符合"
        };
        assert_eq!(row[8], expected, "{row:?}");
        assert!(
            row[7].contains(check["summary_zh"].as_str().unwrap()),
            "{row:?}"
        );
    }
    let ss021 = rows.iter().find(|r| r[2] == "SS-021").unwrap();
    assert_eq!(
        ss021[11],
        checks.iter().find(|c| c["id"] == "SS-021").unwrap()["advice_zh"]
    );
    assert!(book.worksheet_range("汇总").is_ok());
}
