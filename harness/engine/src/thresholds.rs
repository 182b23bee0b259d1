//! Lab thresholds as the configuration sets them.
//!
//! Each check declares the thresholds it uses ([`LabThreshold`] in its metadata: name, default,
//! unit, meaning); the engine knows none of them. It loads the `[thresholds]` table as given,
//! [`Thresholds::validate`]s it against the declarations of the checks in the registry (an
//! unknown key or a value out of range is an error naming the key), and answers each lookup
//! with the lab's value or the declared default.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{LabThreshold, ThresholdDefault};

/// The `[thresholds]` table: the values the lab set, by name. Whatever is not set takes the
/// default its check declares.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Thresholds(BTreeMap<String, toml::Value>);

/// A `[thresholds]` entry that does not fit what the checks declare.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ThresholdError {
    /// No check declares a threshold of this name.
    #[error("[thresholds] `{0}` is not a threshold any check uses (see `tianping-harness list`)")]
    Unknown(String),
    /// A number outside the declared range, or not a whole number.
    #[error("[thresholds] `{name}` must be a whole number from {min} to {max}, not {given}")]
    OutOfRange {
        /// The threshold.
        name: String,
        /// Smallest value allowed.
        min: i64,
        /// Largest value allowed.
        max: i64,
        /// What the configuration gave.
        given: String,
    },
    /// A list with a name not allowed, or not a list of names.
    #[error("[thresholds] `{name}` must be a list drawn from {allowed:?}, not {given}")]
    NotNames {
        /// The threshold.
        name: String,
        /// Names allowed.
        allowed: Vec<String>,
        /// What the configuration gave.
        given: String,
    },
    /// Two checks declare the same name differently: a registry bug, caught by the tests.
    #[error("threshold `{0}` is declared twice with different defaults or units")]
    Conflicting(String),
}

impl Thresholds {
    /// Sets a threshold, as `[thresholds] name = value` would.
    pub fn set(&mut self, name: &str, value: impl Into<toml::Value>) {
        self.0.insert(name.to_string(), value.into());
    }

    /// Checks every entry against the declarations: each name must be declared, and its value
    /// must be of the declared kind and within range. Declarations of one name must agree.
    pub fn validate<'a>(
        &self,
        declared: impl IntoIterator<Item = &'a LabThreshold>,
    ) -> Result<(), ThresholdError> {
        let mut by_name: BTreeMap<&str, &LabThreshold> = BTreeMap::new();
        for t in declared {
            let conflicting = by_name
                .insert(t.name, t)
                .is_some_and(|other| other.default != t.default || other.unit != t.unit);
            if conflicting {
                return Err(ThresholdError::Conflicting(t.name.to_string()));
            }
        }
        for (name, value) in &self.0 {
            let t = by_name
                .get(name.as_str())
                .ok_or_else(|| ThresholdError::Unknown(name.clone()))?;
            check_value(t, value)?;
        }
        Ok(())
    }

    /// The whole-number threshold `t`: the lab's value, or the default.
    pub fn integer(&self, t: &LabThreshold) -> i64 {
        let default = match t.default {
            ThresholdDefault::Integer { value, .. } => value,
            ThresholdDefault::Names { .. } => 0,
        };
        self.0
            .get(t.name)
            .filter(|v| check_value(t, v).is_ok())
            .and_then(toml::Value::as_integer)
            .unwrap_or(default)
    }

    /// As [`Thresholds::integer`], for thresholds that cannot be negative (declared `min` ≥ 0).
    pub fn unsigned(&self, t: &LabThreshold) -> u64 {
        u64::try_from(self.integer(t)).unwrap_or(0)
    }

    /// The list threshold `t`: the lab's names, or the default.
    pub fn names(&self, t: &LabThreshold) -> Vec<String> {
        let default = match t.default {
            ThresholdDefault::Names { value, .. } => value,
            ThresholdDefault::Integer { .. } => &[],
        };
        match self.0.get(t.name).filter(|v| check_value(t, v).is_ok()) {
            Some(toml::Value::Array(items)) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            _ => default.iter().map(|s| s.to_string()).collect(),
        }
    }
}

/// Whether `value` is of the kind `t` declares and within its bounds.
fn check_value(t: &LabThreshold, value: &toml::Value) -> Result<(), ThresholdError> {
    match t.default {
        ThresholdDefault::Integer { min, max, .. } => match value.as_integer() {
            Some(v) if (min..=max).contains(&v) => Ok(()),
            _ => Err(ThresholdError::OutOfRange {
                name: t.name.to_string(),
                min,
                max,
                given: value.to_string(),
            }),
        },
        ThresholdDefault::Names { allowed, .. } => {
            let fits = value.as_array().is_some_and(|items| {
                items
                    .iter()
                    .all(|v| v.as_str().is_some_and(|s| allowed.contains(&s)))
            });
            if fits {
                Ok(())
            } else {
                Err(ThresholdError::NotNames {
                    name: t.name.to_string(),
                    allowed: allowed.iter().map(|s| s.to_string()).collect(),
                    given: value.to_string(),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: LabThreshold = LabThreshold {
        name: "blocks_to_sample",
        default: ThresholdDefault::Integer {
            value: 64,
            min: 1,
            max: 100_000,
        },
        unit: "blocks",
        meaning: "newest blocks examined",
    };
    const VERSIONS: LabThreshold = LabThreshold {
        name: "allowed_tls_versions",
        default: ThresholdDefault::Names {
            value: &["TLS1.2", "TLS1.3"],
            allowed: &["TLS1.0", "TLS1.1", "TLS1.2", "TLS1.3"],
        },
        unit: "",
        meaning: "versions an endpoint may accept",
    };

    fn parse(text: &str) -> Thresholds {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn unset_thresholds_take_the_declared_default() {
        let t = Thresholds::default();
        assert_eq!(t.integer(&SAMPLE), 64);
        assert_eq!(t.names(&VERSIONS), ["TLS1.2", "TLS1.3"]);
        t.validate([&SAMPLE, &VERSIONS]).unwrap();
    }

    #[test]
    fn the_labs_values_are_used_once_valid() {
        let t = parse("blocks_to_sample = 3\nallowed_tls_versions = [\"TLS1.3\"]\n");
        t.validate([&SAMPLE, &VERSIONS]).unwrap();
        assert_eq!(t.unsigned(&SAMPLE), 3);
        assert_eq!(t.names(&VERSIONS), ["TLS1.3"]);
    }

    #[test]
    fn unknown_names_and_values_out_of_range_are_errors_naming_the_key() {
        let unknown = parse("blocks_to_sampel = 3\n").validate([&SAMPLE]);
        assert_eq!(
            unknown,
            Err(ThresholdError::Unknown("blocks_to_sampel".into()))
        );
        for bad in [
            "blocks_to_sample = 0",
            "blocks_to_sample = -1",
            "blocks_to_sample = 1e300",
            "blocks_to_sample = \"64\"",
        ] {
            let e = parse(bad).validate([&SAMPLE]).unwrap_err();
            assert!(e.to_string().contains("`blocks_to_sample`"), "{bad}: {e}");
        }
        let e = parse("allowed_tls_versions = [\"SSL3\"]")
            .validate([&VERSIONS])
            .unwrap_err();
        assert!(matches!(e, ThresholdError::NotNames { .. }), "{e}");
    }

    #[test]
    fn one_name_declared_two_ways_is_a_registry_bug() {
        let other = LabThreshold { unit: "", ..SAMPLE };
        assert_eq!(
            Thresholds::default().validate([&SAMPLE, &other]),
            Err(ThresholdError::Conflicting("blocks_to_sample".into()))
        );
    }
}
