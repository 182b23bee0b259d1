//! The PDF evaluation report the court secretariat reads, in Chinese (default) or English,
//! rendered from the run's results by Typst. The template (`report.typ`) only lays out; every
//! word and number comes from [`view::build`], a function of the results.
//!
//! Kept in its own crate: Typst is the heaviest dependency of the workspace.

mod fonts;
mod front;
mod html;
mod labels;
mod view;

use typst::diag::{Severity, SourceDiagnostic};
use typst::foundations::Datetime;
use typst_as_lib::TypstEngine;
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

pub use fonts::{DEFAULT_FAMILY, FAMILY_ENV, FONT_ENV, FontSet};
use tianping_model::RunResults;
use tianping_reports::bundle::FileEntry;

const TEMPLATE: &str = include_str!("report.typ");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "zh" | "zh-cn" | "cn" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The report's file name in the run folder.
    pub fn file_name(self) -> String {
        format!("report-{}.pdf", self.key())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("report font: {0}")]
    Font(String),
    #[error("the report font has no glyph for {0}; choose a font that does ({FONT_ENV})")]
    MissingGlyphs(String),
    #[error("report layout: {0}")]
    Layout(String),
}

/// What the report is made of: the run, the run it re-tests (if any), and the bundle's other
/// files for the annex.
pub struct ReportInput<'a> {
    pub results: &'a RunResults,
    pub previous: Option<&'a RunResults>,
    pub artefacts: &'a [FileEntry],
}

/// The report as one self-contained HTML page, from the same view model as the PDF.
pub fn render_html(
    input: &ReportInput<'_>,
    lang: Lang,
    fonts: &FontSet,
) -> Result<String, PdfError> {
    Ok(html::render(&view::build(input, lang, fonts)?))
}

/// Renders the report as PDF/A-2b.
pub fn render(input: &ReportInput<'_>, lang: Lang, fonts: &FontSet) -> Result<Vec<u8>, PdfError> {
    let data = view::build(input, lang, fonts)?;
    let json = serde_json::to_vec(&data).expect("the view model is plain JSON");
    let engine = TypstEngine::builder()
        .main_file(TEMPLATE)
        .fonts(fonts.faces.clone())
        .with_static_file_resolver([("data.json", json)])
        .build();
    let compiled = engine.compile::<PagedDocument>();
    // Typst reports an unknown font or an unusable setting only as a warning: a report that
    // silently fell back is not one to hand over.
    if let Some(w) = compiled.warnings.first() {
        return Err(PdfError::Layout(diagnostic(w)));
    }
    let document = compiled
        .output
        .map_err(|e| PdfError::Layout(e.to_string()))?;
    let options = PdfOptions {
        ident: typst::foundations::Smart::Custom(format!(
            "tianping-report-{}-{}",
            input.results.run_id,
            lang.key()
        )),
        timestamp: timestamp(input.results),
        standards: PdfStandards::new(&[PdfStandard::A_2b])
            .map_err(|e| PdfError::Layout(e.message().to_string()))?,
        ..PdfOptions::default()
    };
    typst_pdf::pdf(&document, &options).map_err(|errors| {
        PdfError::Layout(errors.iter().map(diagnostic).collect::<Vec<_>>().join("; "))
    })
}

fn diagnostic(d: &SourceDiagnostic) -> String {
    let kind = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let hints = d
        .hints
        .iter()
        .map(|h| format!(" (hint: {})", h.v))
        .collect::<String>();
    format!("{kind}: {}{hints}", d.message)
}

/// The PDF's creation date is the run's, so rendering the same results twice gives the same file.
fn timestamp(results: &RunResults) -> Option<Timestamp> {
    let when = results
        .finished_at
        .as_deref()
        .unwrap_or(&results.started_at);
    let t = chrono::DateTime::parse_from_rfc3339(when).ok()?.to_utc();
    use chrono::{Datelike, Timelike};
    let dt = Datetime::from_ymd_hms(
        t.year(),
        t.month() as u8,
        t.day() as u8,
        t.hour() as u8,
        t.minute() as u8,
        t.second() as u8,
    )?;
    Some(Timestamp::new_utc(dt))
}
