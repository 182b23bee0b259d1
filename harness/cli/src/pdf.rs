//! The PDF report step of a run, when the harness is built with the `pdf` feature (default).

use std::path::Path;

use tianping_engine::RunResults;

/// Report languages a user may ask for.
pub const LANGUAGES: &[&str] = &["zh", "en"];

/// Renders the report in each language into the run folder; the annex lists the files already
/// there (results.json, junit.xml, evidence files).
#[cfg(feature = "pdf")]
pub fn write_reports(
    out: &Path,
    results: &RunResults,
    previous: Option<&RunResults>,
    languages: &[String],
    html: bool,
) -> Result<(), String> {
    use tianping_report_pdf::{FontSet, Lang, ReportInput, render, render_html};
    if languages.is_empty() {
        return Ok(());
    }
    let fonts = FontSet::discover().map_err(|e| e.to_string())?;
    let artefacts = tianping_reports::bundle::inventory(out).map_err(|e| e.to_string())?;
    let input = ReportInput {
        results,
        previous,
        artefacts: &artefacts,
    };
    for lang in languages {
        let lang = Lang::parse(lang).ok_or_else(|| format!("unknown report language `{lang}`"))?;
        let pdf = render(&input, lang, &fonts).map_err(|e| e.to_string())?;
        let path = out.join(lang.file_name());
        std::fs::write(&path, pdf).map_err(|e| format!("{}: {e}", path.display()))?;
        if html {
            let page = render_html(&input, lang, &fonts).map_err(|e| e.to_string())?;
            let path = out.join(format!("report-{}.html", lang.key()));
            std::fs::write(&path, page).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    Ok(())
}

#[cfg(not(feature = "pdf"))]
pub fn write_reports(
    _out: &Path,
    _results: &RunResults,
    _previous: Option<&RunResults>,
    languages: &[String],
    _html: bool,
) -> Result<(), String> {
    if languages.is_empty() {
        Ok(())
    } else {
        Err(
            "this build has no PDF report (built without the `pdf` feature); use --lang none"
                .into(),
        )
    }
}
