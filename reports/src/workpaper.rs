//! `workpaper.xlsx`: the run as a lab's test-case table (测评记录表), one row per 测评项 with
//! the columns labs keep in their own workpapers — 测评对象, 测评方法/操作, 预期结果, 结果记录,
//! 符合情况 — plus the check's ID, clauses, severity and 整改建议, and a summary sheet. A
//! function of the results model, like every other output.
//!
//! Text from the target (findings, evidence) goes into cells as strings, never as formulas;
//! a string a spreadsheet would read as a formula (`=`, `+`, `-`, `@`) is written as text all
//! the same, so opening the workbook runs nothing the platform sent.

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};
use tianping_model::{CheckResult, Counts, Mode, Outcome, RunResults};

/// File name in the run folder.
pub const WORKPAPER_FILE: &str = "workpaper.xlsx";

/// The records sheet's columns: header and width.
pub const COLUMNS: &[(&str, f64)] = &[
    ("序号", 6.0),
    ("测评类别", 12.0),
    ("编号", 9.0),
    ("测评项", 28.0),
    ("测评对象", 24.0),
    ("测评方法/操作", 36.0),
    ("预期结果", 32.0),
    ("结果记录", 48.0),
    ("符合情况", 10.0),
    ("严重程度", 8.0),
    ("依据条款", 36.0),
    ("整改建议", 40.0),
];

/// Cell text is cut here: Excel refuses cells over 32,767 characters.
const MAX_CELL_CHARS: usize = 32_000;

/// Why the workbook could not be made.
#[derive(Debug, thiserror::Error)]
#[error("cannot write the workpaper: {0}")]
pub struct WorkpaperError(#[from] XlsxError);

/// The workbook's bytes.
pub fn render(run: &RunResults) -> Result<Vec<u8>, WorkpaperError> {
    let mut book = Workbook::new();
    let header = Format::new()
        .set_bold()
        .set_background_color(0xE8E8E8)
        .set_border(FormatBorder::Thin)
        .set_text_wrap()
        .set_align(FormatAlign::Center);
    let cell = Format::new()
        .set_border(FormatBorder::Thin)
        .set_text_wrap()
        .set_align(FormatAlign::Top);

    let sheet = book.add_worksheet();
    sheet.set_name("测评记录")?;
    for (col, (title, width)) in COLUMNS.iter().enumerate() {
        let col = col as u16;
        sheet.set_column_width(col, *width)?;
        sheet.write_string_with_format(0, col, *title, &header)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    for (i, r) in run.results.iter().enumerate() {
        let row = i as u32 + 1;
        let values = record(run, r);
        sheet.write_number_with_format(row, 0, (i + 1) as f64, &cell)?;
        for (col, value) in values.iter().enumerate() {
            text(sheet, row, col as u16 + 1, value, &cell)?;
        }
    }
    sheet.autofilter(0, 0, run.results.len() as u32, COLUMNS.len() as u16 - 1)?;

    let summary = book.add_worksheet();
    summary.set_name("汇总")?;
    summary.set_column_width(0, 18.0)?;
    summary.set_column_width(1, 60.0)?;
    for (row, (label, value)) in summary_rows(run).iter().enumerate() {
        summary.write_string_with_format(row as u32, 0, *label, &header)?;
        text(summary, row as u32, 1, value, &cell)?;
    }
    Ok(book.save_to_buffer()?)
}

/// A string cell, always text (`write_string` never makes a formula), cut to Excel's limit.
fn text(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    value: &str,
    format: &Format,
) -> Result<(), XlsxError> {
    let value: String = if value.chars().count() > MAX_CELL_CHARS {
        value.chars().take(MAX_CELL_CHARS).chain(['…']).collect()
    } else {
        value.to_string()
    };
    sheet.write_string_with_format(row, col, value, format)?;
    Ok(())
}

/// One check as the lab's record row, columns 2 onwards.
fn record(run: &RunResults, r: &CheckResult) -> [String; 11] {
    let object = match r.mode {
        Mode::Manual => "平台文档、配置与现场".to_string(),
        _ => run.target.base_url.clone(),
    };
    let method = match r.mode {
        Mode::Remote => "远程测试：测评工具调用平台接口并探测传输层，自动判定",
        Mode::Package => "证据包核验：测评工具逐条核验导出的存证记录",
        Mode::Manual => "人工核查：查阅文档、访谈或现场核查，由测评人员记录结论",
    };
    let mut result = r.summary_zh.clone().unwrap_or_else(|| r.summary.clone());
    match &r.outcome {
        _ if r.summary_zh.is_some() => {}
        Outcome::NotApplicable { reason } => result.push_str(&format!("\n不适用：{reason}")),
        Outcome::Inconclusive { error } if !r.summary.contains(error.as_str()) => {
            result.push_str(&format!("\n无法判定：{error}"))
        }
        _ => {}
    }
    if let Some(s) = r.samples {
        result.push_str(&format!(
            "\n样本：检查 {} 个，不符合 {} 个",
            s.examined, s.failed
        ));
    }
    for e in &r.evidence {
        result.push_str(&format!("\n{}：{}", e.label_in(true), e.value));
    }
    if !r.artefacts.is_empty() {
        result.push_str(&format!("\n原始记录：{}", r.artefacts.join("、")));
    }
    let outcome = r.outcome_title().0;
    let severity = r.severity.title_zh();
    let clauses = r
        .clauses
        .iter()
        .map(|c| format!("{} [{}]", c.source_in(true), c.provenance.tag()))
        .collect::<Vec<_>>()
        .join("\n");
    let advice = if matches!(r.outcome, Outcome::Fail) {
        r.advice_zh.clone()
    } else {
        String::new()
    };
    [
        r.suite.title_zh().to_string(),
        r.id.clone(),
        r.title_zh.clone(),
        object,
        method.to_string(),
        // A check's title states the requirement it judges: that is the expected result.
        r.title_zh.clone(),
        result,
        outcome.to_string(),
        severity.to_string(),
        clauses,
        advice,
    ]
}

fn summary_rows(run: &RunResults) -> Vec<(&'static str, String)> {
    let p = &run.parties;
    let a = run.assessment.as_ref();
    let c = Counts::of(&run.results);
    let opt = |v: Option<&String>| v.cloned().unwrap_or_else(|| "—".into());
    vec![
        ("运行编号", run.run_id.clone()),
        ("报告编号", opt(p.report_number.as_ref())),
        ("申请单位", opt(p.applicant.as_ref())),
        ("被测平台", opt(p.platform.as_ref())),
        ("被测地址", run.target.base_url.clone()),
        ("测评机构", opt(p.lab.as_ref())),
        ("测评人员", p.evaluators.join("、")),
        ("开始时间", run.started_at.clone()),
        ("结束时间", opt(run.finished_at.as_ref())),
        (
            "得分",
            a.and_then(|a| a.score)
                .map(|s| format!("{s:.2}"))
                .unwrap_or_else(|| "—".into()),
        ),
        (
            "建议结论",
            a.map(|a| a.conclusion.title_zh().to_string())
                .unwrap_or_else(|| "—".into()),
        ),
        (
            "结果统计",
            format!(
                "符合 {}，不符合 {}，不适用 {}，无法判定 {}",
                c.pass, c.fail, c.not_applicable, c.inconclusive
            ),
        ),
        (
            "测评工具",
            format!("tianping-harness {}", run.harness_version),
        ),
        (
            "性质",
            if run.self_test {
                "申请方自测（不含人工核查项），非测评机构测评".to_string()
            } else {
                "测评".to_string()
            },
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_data::{result, results};
    use tianping_model::Suite;

    #[test]
    fn what_the_target_sent_is_never_a_formula() {
        let mut hostile = result("SS-021", Suite::SystemSecurity, Outcome::Fail);
        hostile.summary = "=HYPERLINK(\"http://x.example\",\"open\")".into();
        hostile.evidence[0].value = "+cmd|' /C calc'!A0".into();
        let run = results(vec![
            result("DC-001", Suite::DataCompliance, Outcome::Pass),
            hostile,
        ]);
        let bytes = render(&run).unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        assert!(
            zip.by_name("xl/worksheets/sheet2.xml").is_ok(),
            "the summary sheet"
        );
        let mut sheet = String::new();
        std::io::Read::read_to_string(
            &mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(),
            &mut sheet,
        )
        .unwrap();
        assert!(!sheet.contains("<f>"), "no formula cell: {sheet}");
        let mut strings = String::new();
        std::io::Read::read_to_string(
            &mut zip.by_name("xl/sharedStrings.xml").unwrap(),
            &mut strings,
        )
        .unwrap();
        assert!(strings.contains("=HYPERLINK("), "kept as text: {strings}");
    }
}
