//! Quarterly compliance figures (access management spec 4.8 d and e): deposit volume by
//! business type and by external organisation for one quarter, from an exported package or the
//! platform's live export, written as JSON and CSV for the quarterly declaration.
//!
//! Quarters are calendar quarters in China Standard Time (UTC+8), since the declaration is made
//! to a Beijing court. A deposit belongs to the quarter of its on-chain time (`tx_time`).

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, FixedOffset, TimeZone};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tianping_engine::fields::FieldMap;
use tianping_engine::package::Slice;

/// `[start, end)` of a quarter such as `2026Q3`, in China Standard Time.
pub fn quarter_bounds(
    quarter: &str,
) -> Result<(DateTime<FixedOffset>, DateTime<FixedOffset>), String> {
    let bad = || format!("`{quarter}` is not a quarter like 2026Q3");
    let (year, q) = quarter
        .to_ascii_uppercase()
        .split_once('Q')
        .map(|(y, q)| (y.to_string(), q.to_string()))
        .ok_or_else(bad)?;
    let year: i32 = year.parse().map_err(|_| bad())?;
    let q: u32 = q.parse().map_err(|_| bad())?;
    if !(1..=4).contains(&q) || !(2000..=9999).contains(&year) {
        return Err(bad());
    }
    let cst = FixedOffset::east_opt(8 * 3600).expect("UTC+8 is valid");
    let start = cst
        .with_ymd_and_hms(year, 3 * (q - 1) + 1, 1, 0, 0, 0)
        .single()
        .ok_or_else(bad)?;
    let end = if q == 4 {
        cst.with_ymd_and_hms(year + 1, 1, 1, 0, 0, 0)
    } else {
        cst.with_ymd_and_hms(year, 3 * q + 1, 1, 0, 0, 0)
    }
    .single()
    .ok_or_else(bad)?;
    Ok((start, end))
}

/// One deposit as the figures need it.
pub struct Deposit {
    pub tx_time: Option<DateTime<FixedOffset>>,
    pub business_type: String,
    pub organization: String,
    pub bytes: u64,
}

const NO_ORGANIZATION: &str = "(none: deposited directly)";

impl Deposit {
    pub fn from_receipt(fields: &FieldMap, receipt: &Value, bytes: u64) -> Deposit {
        let text = |f: &str| {
            fields
                .opt_str(receipt, f)
                .ok()
                .flatten()
                .map(|s| s.into_owned())
        };
        Deposit {
            tx_time: text("tx_time").and_then(|t| DateTime::parse_from_rfc3339(&t).ok()),
            business_type: text("business_type").unwrap_or_else(|| "(unknown)".into()),
            organization: text("organization")
                .filter(|o| !o.is_empty())
                .unwrap_or_else(|| NO_ORGANIZATION.into()),
            bytes,
        }
    }
}

#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Volume {
    pub deposits: u64,
    pub bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figures {
    pub quarter: String,
    pub timezone: String,
    pub from: String,
    pub to_exclusive: String,
    pub source: String,
    pub total: Volume,
    pub by_business_type: BTreeMap<String, Volume>,
    pub by_organization: BTreeMap<String, Volume>,
    /// Deposits of other quarters in the source, not counted.
    pub outside_quarter: u64,
    /// Records whose time could not be read: the figures are incomplete while this is not 0.
    pub unreadable: u64,
    /// `[start, end)` of the quarter, read once (every deposit is compared with it).
    #[serde(skip)]
    bounds: Option<(DateTime<FixedOffset>, DateTime<FixedOffset>)>,
}

pub fn tabulate(
    quarter: &str,
    source: &str,
    deposits: impl IntoIterator<Item = Deposit>,
) -> Result<Figures, String> {
    let mut f = Figures::new(quarter, source)?;
    for d in deposits {
        f.add(d);
    }
    Ok(f)
}

impl Figures {
    /// No deposits yet, for `quarter` from `source`.
    pub fn new(quarter: &str, source: &str) -> Result<Figures, String> {
        let (start, end) = quarter_bounds(quarter)?;
        Ok(Figures {
            quarter: quarter.to_ascii_uppercase(),
            timezone: "China Standard Time (UTC+8)".into(),
            from: start.to_rfc3339(),
            to_exclusive: end.to_rfc3339(),
            source: source.to_string(),
            total: Volume::default(),
            by_business_type: BTreeMap::new(),
            by_organization: BTreeMap::new(),
            outside_quarter: 0,
            unreadable: 0,
            bounds: Some((start, end)),
        })
    }

    /// Counts one deposit.
    pub fn add(&mut self, d: Deposit) {
        let (start, end) = match self.bounds {
            Some(bounds) => bounds,
            None => *self
                .bounds
                .insert(quarter_bounds(&self.quarter).expect("figures of a quarter read before")),
        };
        match d.tx_time {
            None => self.unreadable += 1,
            Some(t) if t < start || t >= end => self.outside_quarter += 1,
            Some(_) => {
                for v in [
                    &mut self.total,
                    self.by_business_type.entry(d.business_type).or_default(),
                    self.by_organization.entry(d.organization).or_default(),
                ] {
                    v.deposits += 1;
                    v.bytes += d.bytes;
                }
            }
        }
    }

    /// Adds the figures of another part of the same source (a worker's, a shard's).
    pub fn merge(&mut self, other: Figures) {
        let add = |mine: &mut Volume, theirs: Volume| {
            mine.deposits += theirs.deposits;
            mine.bytes += theirs.bytes;
        };
        add(&mut self.total, other.total);
        for (k, v) in other.by_business_type {
            add(self.by_business_type.entry(k).or_default(), v);
        }
        for (k, v) in other.by_organization {
            add(self.by_organization.entry(k).or_default(), v);
        }
        self.outside_quarter += other.outside_quarter;
        self.unreadable += other.unreadable;
    }
}

/// Excel on Chinese Windows reads a CSV without a byte-order mark as GBK, garbling every
/// organisation's name.
const UTF8_BOM: &str = "\u{FEFF}";

/// A cell a spreadsheet would take for a formula (it starts with `=`, `+`, `-`, `@`, a tab or
/// a carriage return) gets a leading apostrophe, so opening the declaration runs nothing a
/// platform put in an organisation's name.
fn guard_formula(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// One table of the declaration as CSV: UTF-8 with a byte-order mark, quoted by the `csv`
/// crate, formula-like cells guarded.
pub fn csv(key: &str, table: &BTreeMap<String, Volume>) -> String {
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    let mut write = |record: [&str; 3]| writer.write_record(record).expect("writing to memory");
    write([key, "deposits", "bytes"]);
    for (k, v) in table {
        write([
            &guard_formula(k),
            &v.deposits.to_string(),
            &v.bytes.to_string(),
        ]);
    }
    let bytes = writer.into_inner().expect("writing to memory");
    format!(
        "{UTF8_BOM}{}",
        String::from_utf8(bytes).expect("UTF-8 in, UTF-8 out")
    )
}

/// Reads the deposits of an exported package (manifest and receipts only; no hashing).
pub fn package_deposits(dir: &Path, fields: &FieldMap) -> Result<Vec<Deposit>, String> {
    let root = dir
        .canonicalize()
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    let (parts, _) = tianping_engine::package::fold_lines(
        &root,
        1,
        Slice::ALL,
        Vec::new,
        |deposits, _, line| deposits.push(deposit_of_line(&root, fields, line)),
    )
    .map_err(|e| e.to_string())?;
    Ok(parts.into_iter().flatten().collect())
}

/// The figures of `quarter` over `slice` of an exported package, streamed on every core: the
/// manifest once, each record's receipt, nothing held per record. Returns them with the
/// SM3 of the manifest (which package they are of).
pub fn package_figures(
    dir: &Path,
    fields: &FieldMap,
    quarter: &str,
    slice: Slice,
) -> Result<(Figures, String), String> {
    let root = dir
        .canonicalize()
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    let source = format!("package {}", dir.display());
    Figures::new(quarter, &source)?;
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let (parts, read) = tianping_engine::package::fold_lines(
        &root,
        workers,
        slice,
        || Figures::new(quarter, &source).expect("the quarter was read above"),
        |figures, _, line| figures.add(deposit_of_line(&root, fields, line)),
    )
    .map_err(|e| e.to_string())?;
    let mut parts = parts.into_iter();
    let mut figures = parts.next().expect("at least one worker");
    for part in parts {
        figures.merge(part);
    }
    Ok((figures, read.manifest_sm3))
}

/// One manifest line's deposit. A line that is not JSON, or whose receipt is missing, leaves
/// the package, is no regular file or is not JSON, counts as unreadable.
fn deposit_of_line(root: &Path, fields: &FieldMap, line: Result<String, String>) -> Deposit {
    let entry: Value = line
        .ok()
        .and_then(|l| serde_json::from_str(&l).ok())
        .unwrap_or(Value::Null);
    let receipt = entry["receipt"]
        .as_str()
        .and_then(|r| tianping_engine::files::inside(root, r, "the package").ok())
        .and_then(|path| {
            tianping_engine::files::read_regular(&path, tianping_engine::files::MAX_DOCUMENT_BYTES)
                .ok()
        })
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .unwrap_or(Value::Null);
    Deposit::from_receipt(
        fields,
        &receipt,
        entry["original_bytes"].as_u64().unwrap_or(0),
    )
}

/// Reads the deposits of the platform's live export for `[from, to)`.
pub async fn live_deposits(
    ctx: &tianping_engine::Ctx,
    from: &DateTime<FixedOffset>,
    to: &DateTime<FixedOffset>,
) -> Result<Vec<Deposit>, String> {
    let (_, doc) = ctx
        .call(tianping_engine::Operation::Export)
        .param("since", from.to_rfc3339())
        .param("until", to.to_rfc3339())
        .data()
        .await
        .map_err(|e| e.to_string())?;
    let records = doc["records"]
        .as_array()
        .ok_or("export has no `records` list")?;
    Ok(records
        .iter()
        .map(|r| {
            let bytes = r["original_base64"]
                .as_str()
                .map(|b| (b.len() / 4 * 3) as u64)
                .unwrap_or(0);
            Deposit::from_receipt(&ctx.fields, &r["receipt"], bytes)
        })
        .collect())
}

/// A file of the quarterly figures that could not be written.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {source}")]
pub struct WriteError {
    /// The file or folder.
    pub path: String,
    /// The I/O error.
    pub source: std::io::Error,
}

/// Writes quarterly.json and the two CSV tables into `out`.
pub fn write(out: &Path, figures: &Figures) -> Result<(), WriteError> {
    let put = |path: &Path, text: String| {
        std::fs::write(path, text).map_err(|source| WriteError {
            path: path.display().to_string(),
            source,
        })
    };
    std::fs::create_dir_all(out).map_err(|source| WriteError {
        path: out.display().to_string(),
        source,
    })?;
    let json = serde_json::to_string_pretty(figures).map_err(|e| WriteError {
        path: out.join("quarterly.json").display().to_string(),
        source: e.into(),
    })?;
    put(&out.join("quarterly.json"), json)?;
    put(
        &out.join("by-business-type.csv"),
        csv("business_type", &figures.by_business_type),
    )?;
    put(
        &out.join("by-organization.csv"),
        csv("organization", &figures.by_organization),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarters_are_calendar_quarters_in_beijing_time() {
        let (s, e) = quarter_bounds("2026Q3").unwrap();
        assert_eq!(s.to_rfc3339(), "2026-07-01T00:00:00+08:00");
        assert_eq!(e.to_rfc3339(), "2026-10-01T00:00:00+08:00");
        let (_, e) = quarter_bounds("2026q4").unwrap();
        assert_eq!(e.to_rfc3339(), "2027-01-01T00:00:00+08:00");
        for bad in ["2026Q5", "2026", "Q3", "26Q1", "2026Q0"] {
            assert!(quarter_bounds(bad).is_err(), "{bad}");
        }
    }

    fn dep(t: &str, ty: &str, org: &str, bytes: u64) -> Deposit {
        Deposit {
            tx_time: DateTime::parse_from_rfc3339(t).ok(),
            business_type: ty.into(),
            organization: org.into(),
            bytes,
        }
    }

    #[test]
    fn deposits_are_counted_in_the_quarter_of_their_beijing_time() {
        let f = tabulate(
            "2026Q3",
            "test",
            [
                dep("2026-07-01T00:00:00+08:00", "copyright", "A", 10),
                dep("2026-06-30T16:00:00Z", "copyright", "A", 10), // = 2026-07-01 00:00 CST: Q3
                dep("2026-09-30T16:00:00Z", "finance", "B", 10),   // = 2026-10-01 00:00 CST: Q4
                dep("2026-09-30T15:59:59Z", "finance", "B", 5),
                dep("not a time", "finance", "B", 5),
            ],
        )
        .unwrap();
        assert_eq!(
            f.total,
            Volume {
                deposits: 3,
                bytes: 25
            }
        );
        assert_eq!(
            f.by_business_type["copyright"],
            Volume {
                deposits: 2,
                bytes: 20
            }
        );
        assert_eq!(
            f.by_organization["B"],
            Volume {
                deposits: 1,
                bytes: 5
            }
        );
        assert_eq!((f.outside_quarter, f.unreadable), (1, 1));
    }

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let mut t = BTreeMap::new();
        t.insert(
            "某公证处, 北京".to_string(),
            Volume {
                deposits: 2,
                bytes: 9,
            },
        );
        assert_eq!(
            csv("organization", &t),
            "\u{FEFF}organization,deposits,bytes\n\"某公证处, 北京\",2,9\n"
        );
    }

    #[test]
    fn csv_cells_a_spreadsheet_would_run_are_text() {
        let mut t = BTreeMap::new();
        for name in [
            "=HYPERLINK(\"http://x\")",
            "+1",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "正常",
        ] {
            t.insert(
                name.to_string(),
                Volume {
                    deposits: 1,
                    bytes: 1,
                },
            );
        }
        let text = csv("organization", &t);
        let mut reader = ::csv::Reader::from_reader(text.trim_start_matches('\u{FEFF}').as_bytes());
        let cells: Vec<String> = reader
            .records()
            .map(|r| r.unwrap()[0].to_string())
            .collect();
        assert_eq!(cells.len(), 6);
        for cell in &cells {
            assert!(
                cell == "正常" || cell.starts_with('\''),
                "{cell:?} is not guarded"
            );
        }
    }
}

/// The file a quarterly shard's folder holds its figures in.
pub const SHARD_FILE: &str = "quarterly-shard.json";
const SHARD_SCHEMA: &str = "tianping-harness/quarterly-shard/v1";

/// One slice's figures (`quarterly --package P --shard i/N`), merged by
/// `quarterly --merge-shards`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct QuarterlyShard {
    schema: String,
    harness_version: String,
    /// SM3 of the package's manifest: which package the figures are of.
    manifest_sm3: String,
    slice: Slice,
    figures: Figures,
}

impl QuarterlyShard {
    /// The figures of `slice` of the package whose manifest has digest `manifest_sm3`.
    pub fn new(figures: Figures, manifest_sm3: String, slice: Slice) -> QuarterlyShard {
        QuarterlyShard {
            schema: SHARD_SCHEMA.into(),
            harness_version: tianping_engine::HARNESS_VERSION.into(),
            manifest_sm3,
            slice,
            figures,
        }
    }

    /// Writes the shard into folder `dir`.
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        std::fs::write(
            dir.join(SHARD_FILE),
            serde_json::to_vec_pretty(self).expect("figures serialize"),
        )
    }
}

/// Merges the quarterly shards in `dirs` into one quarter's figures, refusing shards of
/// another quarter, package, harness or split, and any slice missing or given twice.
pub fn merge_shards(dirs: &[std::path::PathBuf]) -> Result<Figures, String> {
    use tianping_engine::package::shard::complete_split;
    let mut shards = Vec::new();
    for dir in dirs {
        let bytes = tianping_engine::files::read_regular(&dir.join(SHARD_FILE), 16 << 20)
            .map_err(|e| format!("{}: {SHARD_FILE}: {e}", dir.display()))?;
        let shard: QuarterlyShard = serde_json::from_slice(&bytes)
            .ok()
            .filter(|s: &QuarterlyShard| s.schema == SHARD_SCHEMA)
            .ok_or_else(|| format!("{}: {SHARD_FILE} is not a quarterly shard", dir.display()))?;
        shards.push((dir.clone(), shard));
    }
    let (first_dir, first) = shards.first().ok_or("no shard folder given")?;
    for (dir, shard) in &shards[1..] {
        for (what, mine, theirs) in [
            ("quarters", &first.figures.quarter, &shard.figures.quarter),
            (
                "packages (manifest SM3)",
                &first.manifest_sm3,
                &shard.manifest_sm3,
            ),
            (
                "harness versions",
                &first.harness_version,
                &shard.harness_version,
            ),
            (
                "splits (shard counts)",
                &first.slice.count.to_string(),
                &shard.slice.count.to_string(),
            ),
        ] {
            if mine != theirs {
                return Err(format!(
                    "{what} differ: {} has {mine}, {} has {theirs}",
                    first_dir.display(),
                    dir.display()
                ));
            }
        }
    }
    let slices: Vec<_> = shards.iter().map(|(d, s)| (d.clone(), s.slice)).collect();
    complete_split(&slices).map_err(|e| e.to_string())?;
    let mut shards = shards.into_iter().map(|(_, s)| s.figures);
    let mut figures = shards.next().expect("one shard at least");
    for more in shards {
        figures.merge(more);
    }
    Ok(figures)
}
