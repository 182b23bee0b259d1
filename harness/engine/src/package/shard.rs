//! Sharded package verification. `run --package P --shard i/N` reads one deterministic slice
//! of the records ([`Slice`]) and writes what it counted to `shard.json` in its own sealed
//! folder; `run --merge-shards DIR…` reads N such folders, refuses them unless they are the
//! N slices of one split of one package, evaluated with one configuration, one selection of
//! checks and one harness version, and merges their counts into what a single pass over the
//! whole package would have counted (the tallies keep counts and the first failures in
//! sorted order, so the split does not show in the verdicts).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{PackageTallies, Slice};

/// The file a shard's folder holds its counts in.
pub const SHARD_FILE: &str = "shard.json";
/// The form of [`SHARD_FILE`].
pub const SHARD_SCHEMA: &str = "tianping-harness/package-shard/v1";
/// The most a shard file may hold (counts and a few failures per check).
const MAX_SHARD_BYTES: u64 = 16 << 20;

/// What one shard counted, and what it was a shard of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardResult {
    /// [`SHARD_SCHEMA`].
    pub schema: String,
    /// The harness that counted.
    pub harness_version: String,
    /// The package as the command line named it (for the merged run's target).
    pub package: String,
    /// SM3 of the package's `package.json`, hex.
    pub header_sm3: String,
    /// The digest of the configuration the shard ran with.
    pub config_sm3: String,
    /// Every check selected for the run, in order (package checks or not).
    pub checks: Vec<String>,
    /// When the shard started and finished (RFC 3339).
    pub started_at: String,
    /// When it finished.
    pub finished_at: String,
    /// Its counts.
    pub tallies: PackageTallies,
}

/// Why shards cannot be merged.
#[derive(Debug, thiserror::Error)]
pub enum ShardError {
    /// A shard's file is missing or malformed.
    #[error("{path}: {detail}")]
    Unreadable {
        /// The shard's folder.
        path: String,
        /// What is wrong.
        detail: String,
    },
    /// Nothing to merge.
    #[error("no shard folder given")]
    None,
    /// Two shards disagree on what they were shards of.
    #[error("{what} differ: {first} has {first_value}, {other} has {other_value}")]
    Mismatch {
        /// What differs ("packages", "configurations", …).
        what: &'static str,
        /// The first shard's folder.
        first: String,
        /// Its value.
        first_value: String,
        /// The disagreeing shard's folder.
        other: String,
        /// Its value.
        other_value: String,
    },
    /// The merging run is not configured as the shards were.
    #[error(
        "the shards ran with configuration {shards} and this merge with {merge}: merge with \
         the shards' configuration (and selection)"
    )]
    OtherConfiguration {
        /// The shards' configuration digest.
        shards: String,
        /// The merge's.
        merge: String,
    },
    /// The merging run selects other checks than the shards did.
    #[error("the shards evaluated the checks {shards}; this merge selects {merge}")]
    OtherSelection {
        /// The shards' selection.
        shards: String,
        /// The merge's.
        merge: String,
    },
    /// A slice is given twice.
    #[error("shard {slice} is given twice: {first} and {second}")]
    Overlap {
        /// The slice.
        slice: Slice,
        /// One folder holding it.
        first: String,
        /// The other.
        second: String,
    },
    /// Slices are missing.
    #[error("shard(s) {missing} of {count} missing: the merged counts would leave records out")]
    Gap {
        /// The missing slices, as `i/N, …`.
        missing: String,
        /// N.
        count: u32,
    },
}

/// Writes `shard` into `dir` (created if needed).
pub fn write(dir: &Path, shard: &ShardResult) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let bytes = serde_json::to_vec_pretty(shard).expect("a shard serializes");
    std::fs::write(dir.join(SHARD_FILE), bytes)
}

/// Reads the shard in folder `dir`.
pub fn read(dir: &Path) -> Result<ShardResult, ShardError> {
    let unreadable = |detail: String| ShardError::Unreadable {
        path: dir.display().to_string(),
        detail,
    };
    let bytes = crate::files::read_regular(&dir.join(SHARD_FILE), MAX_SHARD_BYTES)
        .map_err(|e| unreadable(format!("{SHARD_FILE}: {e}")))?;
    let shard: ShardResult = serde_json::from_slice(&bytes)
        .map_err(|e| unreadable(format!("{SHARD_FILE} is not a shard result: {e}")))?;
    if shard.schema != SHARD_SCHEMA {
        return Err(unreadable(format!(
            "{SHARD_FILE} is of form `{}`, not {SHARD_SCHEMA}",
            shard.schema
        )));
    }
    if shard.tallies.slice.index == 0 || shard.tallies.slice.index > shard.tallies.slice.count {
        return Err(unreadable(format!(
            "{SHARD_FILE} names slice {}",
            shard.tallies.slice
        )));
    }
    Ok(shard)
}

/// Merges `shards` (folder, result) into the result of one pass over the whole package, after
/// checking they are the slices of one split, each once, of one package, configuration,
/// selection and harness, and that the merging run (`config_sm3`, `checks`) is configured as
/// they were.
pub fn merge(
    shards: Vec<(PathBuf, ShardResult)>,
    config_sm3: &str,
    checks: &[String],
) -> Result<ShardResult, ShardError> {
    let slices: Vec<(PathBuf, Slice)> = shards
        .iter()
        .map(|(dir, shard)| (dir.clone(), shard.tallies.slice))
        .collect();
    let mut shards = shards.into_iter();
    let (first_dir, first) = shards.next().ok_or(ShardError::None)?;
    let count = first.tallies.slice.count;
    let mut merged = first.clone();
    for (dir, shard) in shards {
        let same =
            |what: &'static str, mine: &dyn std::fmt::Display, theirs: &dyn std::fmt::Display| {
                if mine.to_string() == theirs.to_string() {
                    Ok(())
                } else {
                    Err(ShardError::Mismatch {
                        what,
                        first: first_dir.display().to_string(),
                        first_value: mine.to_string(),
                        other: dir.display().to_string(),
                        other_value: theirs.to_string(),
                    })
                }
            };
        same(
            "packages (manifest SM3)",
            &first.tallies.manifest_sm3,
            &shard.tallies.manifest_sm3,
        )?;
        same(
            "packages (package.json SM3)",
            &first.header_sm3,
            &shard.header_sm3,
        )?;
        same("configurations", &first.config_sm3, &shard.config_sm3)?;
        same(
            "check selections",
            &first.checks.join(","),
            &shard.checks.join(","),
        )?;
        same("package checks", &ids(&first.tallies), &ids(&shard.tallies))?;
        same(
            "harness versions",
            &first.harness_version,
            &shard.harness_version,
        )?;
        same("splits (shard counts)", &count, &shard.tallies.slice.count)?;
        merged.started_at = merged.started_at.min(shard.started_at);
        merged.finished_at = merged.finished_at.max(shard.finished_at);
        merged.tallies.merge(shard.tallies);
    }
    complete_split(&slices)?;
    if merged.config_sm3 != config_sm3 {
        return Err(ShardError::OtherConfiguration {
            shards: merged.config_sm3,
            merge: config_sm3.to_string(),
        });
    }
    if merged.checks != checks {
        return Err(ShardError::OtherSelection {
            shards: merged.checks.join(", "),
            merge: checks.join(", "),
        });
    }
    merged.tallies.slice = Slice::ALL;
    Ok(merged)
}

/// That `slices` (folder, slice) are every slice of one split, each once. The caller has
/// checked they are of one split (one count).
pub fn complete_split(slices: &[(PathBuf, Slice)]) -> Result<(), ShardError> {
    let (first_dir, first) = slices.first().ok_or(ShardError::None)?;
    let count = first.count;
    // A count read from a file is not trusted to size anything.
    if count == 0 || count > super::MAX_SLICES {
        return Err(ShardError::Unreadable {
            path: first_dir.display().to_string(),
            detail: format!(
                "a split into {count} shards (1 to {} allowed)",
                super::MAX_SLICES
            ),
        });
    }
    let mut holders: Vec<Option<&PathBuf>> = vec![None; count as usize];
    for (dir, slice) in slices {
        let slot = holders
            // Slice 0 wraps to a place that does not exist, like any index past the count.
            .get_mut((slice.index as usize).wrapping_sub(1))
            .ok_or_else(|| ShardError::Unreadable {
                path: dir.display().to_string(),
                detail: format!("slice {slice} is not one of {count}"),
            })?;
        if let Some(earlier) = slot {
            return Err(ShardError::Overlap {
                slice: *slice,
                first: earlier.display().to_string(),
                second: dir.display().to_string(),
            });
        }
        *slot = Some(dir);
    }
    let missing: Vec<String> = holders
        .iter()
        .enumerate()
        .filter(|(_, h)| h.is_none())
        .map(|(i, _)| format!("{}/{count}", i + 1))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(ShardError::Gap {
            missing: missing.join(", "),
            count,
        })
    }
}

/// The package checks a shard counted, in order.
fn ids(tallies: &PackageTallies) -> String {
    tallies
        .checks
        .iter()
        .map(|(id, _)| id.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slices(list: &[(u32, u32)]) -> Vec<(PathBuf, Slice)> {
        list.iter()
            .map(|&(index, count)| (PathBuf::from(format!("s{index}")), Slice { index, count }))
            .collect()
    }

    #[test]
    fn a_split_is_complete_only_with_every_slice_once_and_hostile_counts_are_refused() {
        assert!(complete_split(&slices(&[(2, 3), (1, 3), (3, 3)])).is_ok());
        let refused = |list: &[(u32, u32)], why: &str| {
            let err = complete_split(&slices(list)).unwrap_err().to_string();
            assert!(err.contains(why), "{list:?}: {err}");
        };
        refused(&[(1, 3), (3, 3)], "2/3 of 3 missing");
        refused(&[(1, 2), (1, 2), (2, 2)], "given twice");
        refused(&[(0, 2), (1, 2)], "is not one of 2");
        refused(&[(5, 2), (1, 2)], "is not one of 2");
        refused(&[(1, 0)], "a split into 0 shards");
        // Never sized from the file: no 4-billion-slot table.
        refused(&[(1, u32::MAX)], "shards (1 to 100000 allowed)");
        assert!(matches!(complete_split(&[]), Err(ShardError::None)));
    }
}
