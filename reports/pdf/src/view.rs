//! The report's content as plain JSON for the template: every label translated, every value
//! formatted. Text is of two kinds:
//! - the lab's and the harness's own (labels, names, titles, clauses): a character the font
//!   cannot draw is an error, listed with where it occurs;
//! - what the target sent (findings, evidence, error messages): a character the font cannot
//!   draw is written as its code point, `[U+1F600]`, so a hostile server can neither blank out
//!   text nor stop the report.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use tianping_model::{CheckResult, Counts, Outcome, Suite};

use crate::labels::{COLUMNS, LABELS};
use crate::{FontSet, Lang, PdfError, ReportInput};

/// Evidence values longer than this are cut in the PDF; results.json keeps them whole.
const EVIDENCE_CHARS: usize = 240;
const EVIDENCE_ITEMS: usize = 6;

/// Turns trusted and untrusted text into the template's values, remembering any character
/// the fonts cannot draw.
pub(crate) struct Writer<'a> {
    pub(crate) lang: Lang,
    pub(crate) fonts: &'a FontSet,
    pub(crate) missing: BTreeMap<char, String>,
}

impl Writer<'_> {
    pub(crate) fn zh(&self) -> bool {
        self.lang == Lang::Zh
    }

    /// One of two translations.
    pub(crate) fn tr(&mut self, zh: &str, en: &str) -> Value {
        let s = if self.zh() { zh } else { en };
        self.text(s, "label")
    }

    /// Trusted text: every character must be drawable.
    pub(crate) fn text(&mut self, s: &str, context: &str) -> Value {
        for c in s.chars() {
            if !c.is_control() && !self.fonts.covers(c) {
                self.missing
                    .entry(c)
                    .or_insert_with(|| format!("{context}: \"{}\"", clip(s, 60)));
            }
        }
        Value::String(s.replace(|c: char| c.is_control() && c != '\n', " "))
    }

    /// Text from the target: drawable as is, or as code points.
    pub(crate) fn untrusted(&self, s: &str, max: usize) -> Value {
        let mut out = String::new();
        for c in clip(s, max).chars() {
            if c == '\n' || (!c.is_control() && self.fonts.covers(c)) {
                out.push(c);
            } else {
                out.push_str(&format!("[U+{:04X}]", c as u32));
            }
        }
        Value::String(breakable(&out))
    }

    fn title(&mut self, r: &CheckResult) -> Value {
        if self.zh() {
            self.text(&r.title_zh, &r.id)
        } else {
            self.text(&r.title_en, &r.id)
        }
    }

    fn outcome(&mut self, r: &CheckResult) -> Value {
        let (zh, en) = r.outcome_title();
        self.tr(zh, en)
    }

    fn severity(&mut self, r: &CheckResult) -> Value {
        self.tr(r.severity.title_zh(), r.severity.key())
    }

    fn suite(&mut self, s: Suite) -> Value {
        self.tr(s.title_zh(), s.title_en())
    }

    fn clauses(&mut self, r: &CheckResult) -> Value {
        let mut parts: Vec<String> = r
            .clauses
            .iter()
            .map(|c| format!("{} [{}]", c.source_in(self.zh()), c.provenance.tag()))
            .collect();
        if let Some(t) = &r.tianping_clause {
            parts.push(if self.zh() {
                format!("天平链 {t}")
            } else {
                format!("Tianping {t}")
            });
        }
        let joined = parts.join("; ");
        self.text(&joined, &r.id)
    }

    /// The finding, the reason for N/A, or why the check could not decide: in Chinese when
    /// the check wrote it so (the Chinese sentence carries the reason itself).
    fn finding(&self, r: &CheckResult) -> Value {
        if self.zh()
            && let Some(zh) = &r.summary_zh
        {
            return self.untrusted(zh, 600);
        }
        let detail = match &r.outcome {
            Outcome::NotApplicable { reason } => format!("{} — {reason}", r.summary),
            Outcome::Inconclusive { error } if !r.summary.contains(error.as_str()) => {
                format!("{} — {error}", r.summary)
            }
            _ => r.summary.clone(),
        };
        self.untrusted(&detail, 600)
    }

    fn evidence(&mut self, r: &CheckResult, items: usize) -> Value {
        let mut rows: Vec<Value> = r
            .evidence
            .iter()
            .take(items)
            .map(|e| {
                json!([
                    self.untrusted(e.label_in(self.zh()), 80),
                    self.untrusted(&e.value, EVIDENCE_CHARS)
                ])
            })
            .collect();
        if let Some(s) = r.samples {
            let label = self.tr("样本", "samples");
            let value = if self.zh() {
                format!("检查 {} 个，不符合 {} 个", s.examined, s.failed)
            } else {
                format!("{} examined, {} failed", s.examined, s.failed)
            };
            rows.push(json!([label, value]));
        }
        if r.evidence.len() > items {
            let more = r.evidence.len() - items;
            let note = if self.zh() {
                format!("另有 {more} 项证据见 results.json")
            } else {
                format!("{more} more item(s) in results.json")
            };
            rows.push(json!(["…", note]));
        }
        Value::Array(rows)
    }

    /// One check as the tables show it. With `evidence_items` 0 the evidence stays in the
    /// appendix and the row says where; a manual check's record is shown in place.
    fn check_row(&mut self, r: &CheckResult, evidence_items: usize) -> Value {
        let (evidence, pointer) = if evidence_items == 0 {
            (Value::Array(Vec::new()), self.appendix_pointer(r))
        } else {
            (
                self.evidence(r, evidence_items),
                Value::String(String::new()),
            )
        };
        json!({
            "id": r.id,
            "suite_key": r.suite.key(),
            "title": self.title(r),
            "clauses": self.clauses(r),
            "severity": self.severity(r),
            "outcome": self.outcome(r),
            "status": if r.waived() { "waived" } else { r.outcome.key() },
            "finding": self.finding(r),
            "evidence": evidence,
            "pointer": pointer,
            "advice": self.advice(r),
        })
    }

    /// Where a check's evidence is: "证据 3 项、原始记录 1 个，见附录 A".
    fn appendix_pointer(&mut self, r: &CheckResult) -> Value {
        let (items, files) = (r.evidence.len(), r.artefacts.len());
        if items == 0 && files == 0 {
            return Value::String(String::new());
        }
        let text = match (self.zh(), files) {
            (true, 0) => format!("证据 {items} 项，见附录 A"),
            (true, _) => format!("证据 {items} 项、原始记录 {files} 个，见附录 A"),
            (false, 0) => format!("{items} evidence item(s) in annex A"),
            (false, _) => format!("{items} evidence item(s) and {files} raw record(s) in annex A"),
        };
        self.text(&text, &r.id)
    }

    /// What to change (整改建议), from the check's metadata.
    fn advice(&mut self, r: &CheckResult) -> Value {
        let advice = if self.zh() {
            &r.advice_zh
        } else {
            &r.advice_en
        };
        if advice.is_empty() {
            self.tr(
                "按本检查项引用的依据条款整改（本结果记录早于整改建议字段）。",
                "Rectify against the clauses this check cites (these results predate the advice field).",
            )
        } else {
            self.text(advice, &r.id)
        }
    }

    /// A check's evidence and raw records for annex A.
    fn appendix_entry(&mut self, r: &CheckResult) -> Value {
        json!({
            "id": r.id,
            "suite_key": r.suite.key(),
            "title": self.title(r),
            "evidence": self.evidence(r, EVIDENCE_ITEMS),
            "files": r.artefacts.iter().map(|f| self.untrusted(f, 200)).collect::<Vec<_>>(),
        })
    }
}

/// Long unbroken runs (hex digests, JSON bodies) would run off the page: a zero-width space
/// after JSON punctuation and every 24 characters of a run lets the line break there.
fn breakable(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 16);
    let mut run = 0;
    for c in s.chars() {
        out.push(c);
        if c.is_whitespace() || !c.is_ascii() {
            run = 0;
        } else if matches!(c, ',' | ':' | '/' | '&' | '=' | ';') {
            out.push('\u{200B}');
            run = 0;
        } else {
            run += 1;
            if run >= 24 {
                out.push('\u{200B}');
                run = 0;
            }
        }
    }
    out
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max).collect();
        out.push('…');
        out
    }
}

/// The grade text is stored as "中文 / English".
fn grade_part(grade: &str, lang: Lang) -> &str {
    let mut halves = grade.splitn(2, " / ");
    let zh = halves.next().unwrap_or(grade);
    match (lang, halves.next()) {
        (Lang::En, Some(en)) => en,
        _ => zh,
    }
}

fn counts_json(c: &Counts) -> Value {
    json!({"pass": c.pass, "fail": c.fail, "not_applicable": c.not_applicable, "inconclusive": c.inconclusive,
           "total": c.pass + c.fail + c.not_applicable + c.inconclusive})
}

/// A time as a Beijing court reads it: `2026-12-02 14:36:15 (UTC+8)`. Text that is not an
/// RFC 3339 time is shown as it is.
pub fn beijing(rfc3339: &str) -> String {
    let zone = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8");
    match chrono::DateTime::parse_from_rfc3339(rfc3339) {
        Ok(t) => t
            .with_timezone(&zone)
            .format("%Y-%m-%d %H:%M:%S (UTC+8)")
            .to_string(),
        Err(_) => rfc3339.to_string(),
    }
}

pub fn build(input: &ReportInput<'_>, lang: Lang, fonts: &FontSet) -> Result<Value, PdfError> {
    let run = input.results;
    let mut w = Writer {
        lang,
        fonts,
        missing: BTreeMap::new(),
    };
    let dash = "—".to_string();
    let parties = &run.parties;

    let mut labels = serde_json::Map::new();
    for (key, zh, en) in LABELS {
        let text = w.tr(zh, en);
        labels.insert(key.to_string(), text);
    }
    for (key, headers) in COLUMNS {
        let columns: Vec<Value> = headers.iter().map(|(zh, en)| w.tr(zh, en)).collect();
        labels.insert(key.to_string(), Value::Array(columns));
    }
    let labels = Value::Object(labels);

    let mut cover_rows = Vec::new();
    let mut row = |w: &mut Writer<'_>, zh: &str, en: &str, value: Option<&str>, trusted: bool| {
        let label = w.tr(zh, en);
        let value = match value {
            Some(v) if trusted => w.text(v, en),
            Some(v) => w.untrusted(v, 200),
            None => Value::String(dash.clone()),
        };
        cover_rows.push(json!([label, value]));
    };
    let number = crate::front::report_number(run);
    row(&mut w, "报告编号", "Report number", Some(&number), false);
    row(
        &mut w,
        "申请单位",
        "Applicant",
        parties.applicant.as_deref(),
        true,
    );
    row(
        &mut w,
        "被测平台",
        "Platform",
        parties.platform.as_deref(),
        true,
    );
    row(
        &mut w,
        "被测地址",
        "Target",
        Some(&run.target.base_url),
        false,
    );
    row(&mut w, "测评机构", "Lab", parties.lab.as_deref(), true);
    let evaluators = parties.evaluators.join("、");
    row(
        &mut w,
        "测评人员",
        "Evaluators",
        (!evaluators.is_empty()).then_some(evaluators.as_str()),
        true,
    );
    row(&mut w, "运行编号", "Run ID", Some(&run.run_id), true);
    let started = beijing(&run.started_at);
    row(&mut w, "开始时间", "Started", Some(&started), true);
    let finished = run.finished_at.as_deref().map(beijing);
    row(&mut w, "结束时间", "Finished", finished.as_deref(), true);
    let version = format!("tianping-harness {}", run.harness_version);
    row(
        &mut w,
        "测评工具版本",
        "Harness version",
        Some(&version),
        true,
    );
    row(
        &mut w,
        "配置摘要（SM3）",
        "Configuration digest (SM3)",
        Some(&run.config_sm3),
        true,
    );
    // The key to give `verify --signer`, in groups of 16 so it wraps (verify ignores spaces).
    let sealing = parties.sealing_key.as_ref().map(|k| {
        let grouped = k
            .public_key
            .as_bytes()
            .chunks(16)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ");
        let whose = match (k.kind == "lab", w.zh()) {
            (true, true) => "测评机构密钥",
            (true, false) => "the lab's key",
            (false, true) => "本次运行生成的密钥，不能证明封存者",
            (false, false) => "made for this run: it does not prove who sealed",
        };
        format!("{grouped} ({whose})")
    });
    row(
        &mut w,
        "封存公钥（SM2）",
        "Sealing key (SM2)",
        sealing.as_deref(),
        true,
    );
    if let Some(rt) = &run.retest {
        let of = format!(
            "{} ({})",
            rt.previous_run_id,
            beijing(&rt.previous_started_at)
        );
        row(
            &mut w,
            "整改复测，首次测评运行",
            "Re-test of run",
            Some(&of),
            true,
        );
    }
    if run.target.kind == "reference" {
        row(
            &mut w,
            "说明",
            "Note",
            Some(if lang == Lang::Zh {
                "被测对象为内置参考平台（演示与自测用），并非申请方平台。"
            } else {
                "The target is the built-in reference platform (demonstration and self-test), not an applicant's."
            }),
            true,
        );
    }

    // Summary: score, grade, conclusion, rule, counts by suite.
    let a = run.assessment.as_ref();
    let conclusion = a.map(|a| {
        if lang == Lang::Zh {
            a.conclusion.title_zh()
        } else {
            a.conclusion.title_en()
        }
    });
    let conclusion_key = a
        .and_then(|a| serde_json::to_value(a.conclusion).ok())
        .unwrap_or(json!("incomplete"));
    let rule = a.map(|a| {
        if lang == Lang::Zh && !a.rule_zh.is_empty() {
            a.rule_zh.clone()
        } else {
            a.rule.clone()
        }
    });
    let summary = json!({
        "score": a.and_then(|a| a.score).map(|s| format!("{s:.2}")).unwrap_or(dash.clone()),
        "grade": a.and_then(|a| a.grade.as_deref()).map(|g| grade_part(g, lang).to_string()).unwrap_or(dash.clone()),
        "conclusion": conclusion.map(|c| w.text(c, "conclusion")).unwrap_or(json!(dash)),
        "conclusion_key": conclusion_key,
        "rule": rule.map(|r| w.text(&r, "rule")).unwrap_or(json!(dash)),
        "special": a.map(|a| special_text(a, lang)).unwrap_or_default(),
        "bonus": a.and_then(|a| a.best_practice_bonus.clone()).unwrap_or_default(),
        "coverage": a.and_then(|a| a.coverage).map(|c| coverage_text(c, lang)).unwrap_or(dash.clone()),
        "undecided": a.map(|a| a.undecided.join(", ")).unwrap_or_default(),
        "complete": run.complete,
        "self_test": run.self_test,
        "partial": a.and_then(|a| a.coverage).is_some_and(|c| c.is_partial()),
        "suites": Suite::ALL.iter().map(|s| {
            let c = Counts::of(run.by_suite(*s));
            json!({"name": w.suite(*s), "counts": counts_json(&c)})
        }).collect::<Vec<_>>(),
        "total": counts_json(&Counts::of(&run.results)),
    });

    let suites: Vec<Value> = Suite::ALL
        .iter()
        .filter(|s| run.by_suite(**s).next().is_some())
        .map(|s| {
            // Manual checks are shown once, with the lab's records, in their own section.
            let checks: Vec<Value> = run
                .by_suite(*s)
                .filter(|r| r.mode != tianping_model::Mode::Manual)
                .map(|r| w.check_row(r, 0))
                .collect();
            let manual: Vec<&str> = run
                .by_suite(*s)
                .filter(|r| r.mode == tianping_model::Mode::Manual)
                .map(|r| r.id.as_str())
                .collect();
            json!({"name": w.suite(*s), "key": s.key(), "checks": checks, "manual_ids": manual.join(", ")})
        })
        .collect();

    let failed: Vec<&CheckResult> = run
        .results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Fail))
        .collect();
    let nonconformities: Vec<Value> = failed.iter().map(|r| w.check_row(r, 0)).collect();
    let appendix: Vec<Value> = run
        .results
        .iter()
        .filter(|r| r.mode != tianping_model::Mode::Manual)
        .filter(|r| !r.evidence.is_empty() || !r.artefacts.is_empty())
        .map(|r| w.appendix_entry(r))
        .collect();
    let front = crate::front::build(&mut w, run);

    let waivers: Vec<Value> = run
        .results
        .iter()
        .filter_map(|r| r.waiver.as_ref().map(|wv| (r, wv)))
        .map(|(r, wv)| {
            let status = if wv.active {
                w.tr("有效", "in force")
            } else {
                w.tr("已过期，不再适用", "expired, no longer applies")
            };
            json!([
                r.id,
                w.text(&wv.justification, "waiver"),
                w.text(&wv.approver, "waiver"),
                wv.expires.to_string(),
                status
            ])
        })
        .collect();
    let exclusions: Vec<Value> = a
        .map(|a| {
            a.checks
                .iter()
                .filter_map(|c| c.excluded.as_ref().map(|why| (c, why)))
                .map(|(c, why)| json!([c.id, w.untrusted(why, 300)]))
                .collect()
        })
        .unwrap_or_default();

    let manual: Vec<Value> = run
        .results
        .iter()
        .filter(|r| r.mode == tianping_model::Mode::Manual)
        .map(|r| w.check_row(r, 20))
        .collect();

    let mut thresholds: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for r in &run.results {
        for t in &r.thresholds {
            thresholds
                .entry((t.name.clone(), t.value.clone()))
                .or_default()
                .push(r.id.clone());
        }
    }
    let thresholds: Vec<Value> = thresholds
        .into_iter()
        .map(|((name, value), ids)| {
            json!([
                w.text(&name, "threshold"),
                w.text(&value, "threshold"),
                ids.join(", ")
            ])
        })
        .collect();

    let retest = match (&run.retest, input.previous) {
        (Some(rt), Some(prev)) => {
            let rows: Vec<Value> = rt
                .rerun
                .iter()
                .map(|id| {
                    let before = prev.results.iter().find(|r| &r.id == id);
                    let after = run.results.iter().find(|r| &r.id == id);
                    json!([
                        id,
                        before.map(|r| w.outcome(r)).unwrap_or(json!(dash)),
                        after.map(|r| w.outcome(r)).unwrap_or(json!(dash)),
                    ])
                })
                .collect();
            let prev_a = prev.assessment.as_ref();
            let intro = if lang == Lang::Zh {
                format!(
                    "本次为对运行 {}（{}）的整改复测：复测 {} 项，其余结果沿用首次测评。首次测评得分 {}，结论：{}。",
                    prev.run_id,
                    beijing(&prev.started_at),
                    rt.rerun.len(),
                    prev_a
                        .and_then(|a| a.score)
                        .map(|s| format!("{s:.2}"))
                        .unwrap_or(dash.clone()),
                    prev_a.map(|a| a.conclusion.title_zh()).unwrap_or("—"),
                )
            } else {
                format!(
                    "This is the rectification re-test of run {} ({}): {} check(s) re-run, every other result carried over. First run: score {}, conclusion: {}.",
                    prev.run_id,
                    beijing(&prev.started_at),
                    rt.rerun.len(),
                    prev_a
                        .and_then(|a| a.score)
                        .map(|s| format!("{s:.2}"))
                        .unwrap_or(dash.clone()),
                    prev_a.map(|a| a.conclusion.title_en()).unwrap_or("—"),
                )
            };
            json!({"intro": w.text(&intro, "retest"), "rows": rows})
        }
        _ => Value::Null,
    };

    let annex: Vec<Value> = input
        .artefacts
        .iter()
        .map(|f| {
            json!([
                w.untrusted(&f.path, 200),
                f.bytes.to_string(),
                f.sm3,
                f.sha256
            ])
        })
        .collect();

    if !w.missing.is_empty() {
        let list = w
            .missing
            .iter()
            .map(|(c, at)| format!("'{c}' (U+{:04X}) in {at}", *c as u32))
            .collect::<Vec<_>>()
            .join("; ");
        return Err(PdfError::MissingGlyphs(list));
    }

    Ok(json!({
        "lang": lang.key(),
        "region": if lang == Lang::Zh { "cn" } else { "gb" },
        "font": fonts.family(),
        "labels": labels,
        "cover": cover_rows,
        "summary": summary,
        "suites": suites,
        "nonconformities": nonconformities,
        "appendix": appendix,
        "front": front,
        "waivers": waivers,
        "exclusions": exclusions,
        "manual": manual,
        "thresholds": thresholds,
        "retest": retest,
        "annex": annex,
        "footer": format!("tianping-harness {} · {}", run.harness_version, run.run_id),
    }))
}

/// Each special deduction with the condition of §8.3 c) 3) it evidences.
fn special_text(a: &tianping_model::Assessment, lang: Lang) -> String {
    a.special_conditions
        .iter()
        .map(|s| match lang {
            Lang::Zh => format!("{}（{}）", s.id, s.condition.title_zh()),
            Lang::En => format!("{} ({})", s.id, s.condition.title_en()),
        })
        .collect::<Vec<_>>()
        .join(if lang == Lang::Zh { "；" } else { "; " })
}

/// How many of the harness's checks the run covered.
fn coverage_text(c: tianping_model::Coverage, lang: Lang) -> String {
    match (lang, c.is_partial()) {
        (Lang::Zh, false) => format!("全部 {} 项", c.total),
        (Lang::Zh, true) => format!("{} / {} 项（部分测评，不给出准予接入结论）", c.ran, c.total),
        (Lang::En, false) => format!("all {}", c.total),
        (Lang::En, true) => format!(
            "{} of {} (a partial run: no grant is given)",
            c.ran, c.total
        ),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_are_shown_in_beijing_time() {
        assert_eq!(
            beijing("2026-12-02T06:36:15.123Z"),
            "2026-12-02 14:36:15 (UTC+8)"
        );
        assert_eq!(
            beijing("2026-12-02T23:00:00+08:00"),
            "2026-12-02 23:00:00 (UTC+8)"
        );
        assert_eq!(beijing("not a time"), "not a time");
    }

    use super::*;

    fn writer(fonts: &FontSet) -> Writer<'_> {
        Writer {
            lang: Lang::Zh,
            fonts,
            missing: BTreeMap::new(),
        }
    }

    #[test]
    fn text_from_the_target_shows_undrawable_characters_as_code_points() {
        let fonts = FontSet::discover().expect("run ./scripts/setup.sh for the CJK font");
        let w = writer(&fonts);
        assert_eq!(
            w.untrusted("签名\u{1F600}x\u{7}", 100),
            json!("签名[U+1F600]x[U+0007]")
        );
        let long = "ab".repeat(30);
        let broken = w.untrusted(&long, 100);
        assert_eq!(
            broken.as_str().unwrap().replace('\u{200B}', ""),
            long,
            "only invisible break points are added"
        );
        assert_eq!(w.untrusted(&"a".repeat(10), 4), json!("aaaa…"));
    }

    #[test]
    fn trusted_text_with_an_undrawable_character_is_recorded_with_its_place() {
        let fonts = FontSet::discover().expect("run ./scripts/setup.sh for the CJK font");
        let mut w = writer(&fonts);
        w.text("天平链 珺璟", "applicant");
        assert!(w.missing.is_empty(), "GBK-only characters are in Noto SC");
        w.text("x\u{1F9EA}", "applicant");
        assert_eq!(w.missing.len(), 1);
        assert!(w.missing[&'\u{1F9EA}'].starts_with("applicant"));
    }

    #[test]
    fn the_grade_is_shown_in_the_report_language() {
        let g = tianping_model::grade(96.0);
        assert!(grade_part(g, Lang::Zh).starts_with("五星级"));
        assert!(grade_part(g, Lang::En).starts_with("five-star"));
    }
}
