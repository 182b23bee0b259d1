//! The report's font: a CJK face the project's setup installs (Debian `fonts-noto-cjk`), or
//! files the lab names. Typst only warns about a missing family and draws nothing for a
//! missing glyph, so the font is loaded here, its family checked, and its coverage used to
//! refuse text it cannot draw.

use std::path::{Path, PathBuf};

use typst::foundations::Bytes;
use typst::text::Font;

use crate::PdfError;

/// Family used when none is named: Simplified Chinese glyph forms (face 0 of the Noto TTC is
/// Japanese, which draws some characters differently).
pub const DEFAULT_FAMILY: &str = "Noto Sans CJK SC";
/// Font files to use instead of the system's (separated by `:`).
pub const FONT_ENV: &str = "TIANPING_REPORT_FONT";
/// The family to pick from those files (default: the family of their first face).
pub const FAMILY_ENV: &str = "TIANPING_REPORT_FONT_FAMILY";

const KNOWN_PATHS: &[&str] = &[
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc",
];

pub struct FontSet {
    pub(crate) family: String,
    pub(crate) faces: Vec<Font>,
}

impl FontSet {
    /// The fonts named by `TIANPING_REPORT_FONT`, else Noto Sans CJK SC found through
    /// fontconfig or at Debian's path.
    pub fn discover() -> Result<FontSet, PdfError> {
        if let Ok(list) = std::env::var(FONT_ENV) {
            let paths: Vec<PathBuf> = list
                .split(':')
                .filter(|p| !p.is_empty())
                .map(PathBuf::from)
                .collect();
            let family = std::env::var(FAMILY_ENV).ok();
            return FontSet::from_files(&paths, family.as_deref());
        }
        let mut paths: Vec<PathBuf> = ["", ":bold"]
            .iter()
            .filter_map(|style| fc_match(&format!("{DEFAULT_FAMILY}{style}")))
            .collect();
        paths.extend(
            KNOWN_PATHS
                .iter()
                .map(PathBuf::from)
                .filter(|p| p.is_file()),
        );
        paths.dedup();
        if paths.is_empty() {
            return Err(PdfError::Font(format!(
                "no \"{DEFAULT_FAMILY}\" font found: run ./scripts/setup.sh (installs fonts-noto-cjk) \
                 or set {FONT_ENV} to a font file"
            )));
        }
        FontSet::from_files(&paths, Some(DEFAULT_FAMILY))
    }

    /// The faces, for a Typst document set in the same fonts.
    pub fn faces(&self) -> &[Font] {
        &self.faces
    }

    /// Every face of `family` (or of the first face's family) in these files.
    pub fn from_files(paths: &[PathBuf], family: Option<&str>) -> Result<FontSet, PdfError> {
        let mut all = Vec::new();
        for path in paths {
            let data = std::fs::read(path)
                .map_err(|e| PdfError::Font(format!("{}: {e}", path.display())))?;
            let before = all.len();
            all.extend(Font::iter(Bytes::new(data)));
            if all.len() == before {
                return Err(PdfError::Font(format!(
                    "{}: not a font file Typst can read",
                    path.display()
                )));
            }
        }
        let family = match family {
            Some(f) => f.to_string(),
            None => all
                .first()
                .map(|f| f.info().family.clone())
                .ok_or_else(|| PdfError::Font("no font file given".into()))?,
        };
        let faces: Vec<Font> = all
            .into_iter()
            .filter(|f| f.info().family.eq_ignore_ascii_case(&family))
            .collect();
        if faces.is_empty() {
            return Err(PdfError::Font(format!(
                "no face of family \"{family}\" in {}",
                paths
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        Ok(FontSet { family, faces })
    }

    pub fn family(&self) -> &str {
        &self.family
    }

    /// True when every face can draw `c` (bold text must not fall back either).
    pub fn covers(&self, c: char) -> bool {
        self.faces
            .iter()
            .all(|f| f.info().coverage.contains(c as u32))
    }
}

fn fc_match(pattern: &str) -> Option<PathBuf> {
    let out = std::process::Command::new("fc-match")
        .args(["-f", "%{file}", pattern])
        .output()
        .ok()?;
    let path = PathBuf::from(String::from_utf8(out.stdout).ok()?.trim());
    // fc-match always answers with something; only a file of the asked family will do,
    // which from_files checks.
    (out.status.success() && Path::new(&path).is_file()).then_some(path)
}
