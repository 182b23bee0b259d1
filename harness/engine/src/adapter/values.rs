//! Value maps and value formats: a platform's vocabulary and representations, normalised to
//! the profile's before any check judges them. A representation alone is never a finding.

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDateTime, SecondsFormat, TimeZone, Utc};
use serde_json::Value;

use super::template::text_of;

/// What kind of value a logical field holds, which decides its normalisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// Hex bytes: compared lower-case without a `0x` prefix.
    Hex,
    /// A list of hex strings.
    HexList,
    /// A point in time, judged as RFC 3339.
    Time,
    /// A point in time in epoch milliseconds.
    EpochMillis,
    /// Bytes (a signature, a time-stamp token): base64 in the profile; a platform may
    /// declare hex.
    Binary,
    /// Anything else: compared as it comes, after the value map.
    Plain,
}

/// The kind of each logical field the checks read.
pub fn kind_of(field: &str) -> FieldKind {
    match field {
        // Signatures are base64 in the profile, so they are not hex: lower-casing would
        // corrupt them.
        "file_hash"
        | "tx_id"
        | "block_hash"
        | "block_prev_hash"
        | "block_tx_root"
        | "block_own_hash"
        | "tx_file_hash"
        | "tx_depositor_digest"
        | "tianping_tx"
        | "anchor_tianping_tx"
        | "anchor_block_hash"
        | "platform_node_public_key" => FieldKind::Hex,
        "block_tx_ids" | "proof_path" => FieldKind::HexList,
        "tx_time" | "anchor_time" | "audit_time" => FieldKind::Time,
        "block_timestamp_ms" => FieldKind::EpochMillis,
        "receipt_signature" | "timestamp_tsa" => FieldKind::Binary,
        _ => FieldKind::Plain,
    }
}

/// How a platform writes a point in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeFormat {
    /// RFC 3339 (the profile's).
    Rfc3339,
    /// Seconds since the Unix epoch, as a number or a decimal string.
    EpochSeconds,
    /// Milliseconds since the Unix epoch.
    EpochMillis,
    /// `YYYY-MM-DD HH:MM:SS[.fff]` in a declared UTC offset.
    DateTime(FixedOffset),
}

impl TimeFormat {
    /// Reads a format as adapter files write it: `rfc3339`, `epoch_s`, `epoch_ms`, or
    /// `datetime+08:00` (local time at that offset).
    pub fn parse(text: &str) -> Result<TimeFormat, String> {
        match text {
            "rfc3339" => Ok(TimeFormat::Rfc3339),
            "epoch_s" => Ok(TimeFormat::EpochSeconds),
            "epoch_ms" => Ok(TimeFormat::EpochMillis),
            other => {
                let zone = other.strip_prefix("datetime").ok_or_else(|| {
                    format!(
                        "unknown time format `{other}` (use rfc3339, epoch_s, epoch_ms or datetime+HH:MM)"
                    )
                })?;
                let offset = DateTime::parse_from_rfc3339(&format!("2000-01-01T00:00:00{zone}"))
                    .map_err(|_| {
                        format!("time format `{other}`: the zone must be written like +08:00")
                    })?
                    .offset()
                    .to_owned();
                Ok(TimeFormat::DateTime(offset))
            }
        }
    }

    /// The instant `value` names in this format, if it is one.
    pub fn read(&self, value: &Value) -> Option<DateTime<Utc>> {
        let integer = || match value {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        match self {
            TimeFormat::Rfc3339 => DateTime::parse_from_rfc3339(value.as_str()?)
                .ok()
                .map(|t| t.with_timezone(&Utc)),
            TimeFormat::EpochSeconds => Utc.timestamp_opt(integer()?, 0).single(),
            TimeFormat::EpochMillis => Utc.timestamp_millis_opt(integer()?).single(),
            TimeFormat::DateTime(offset) => {
                let text = value.as_str()?.trim();
                let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").ok()?;
                offset
                    .from_local_datetime(&naive)
                    .single()
                    .map(|t| t.with_timezone(&Utc))
            }
        }
    }
}

/// The profile's form of an instant: RFC 3339 in UTC with milliseconds.
pub fn rfc3339_ms(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The platform's vocabulary and formats, per logical field.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Normaliser {
    /// Field → (platform value as text → profile value).
    pub values: BTreeMap<String, BTreeMap<String, Value>>,
    /// Field → how the platform writes its time.
    pub formats: BTreeMap<String, TimeFormat>,
    /// Binary fields the platform writes in hex rather than base64.
    pub hex_binary: std::collections::BTreeSet<String>,
}

fn hex_form(s: &str) -> Option<Cow<'_, str>> {
    let bare = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(s);
    if bare.is_empty() || !bare.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    // Most values already are in this form: read many times per record, they are not copied.
    if bare.len() == s.len() && !bare.bytes().any(|b| b.is_ascii_uppercase()) {
        Some(Cow::Borrowed(bare))
    } else {
        Some(Cow::Owned(bare.to_ascii_lowercase()))
    }
}

impl Normaliser {
    /// `value` of `field` in the profile's vocabulary and representation. A value that does
    /// not fit the declared format is left as it came, for the check to report.
    pub fn normalise<'v>(&self, field: &str, value: &'v Value) -> Cow<'v, Value> {
        // A map applies to a value, or to each element of a list (business types).
        let value: Cow<'v, Value> = match (self.values.get(field), value) {
            (Some(map), Value::Array(items)) => Cow::Owned(Value::Array(
                items
                    .iter()
                    .map(|i| map.get(&text_of(i)).unwrap_or(i).clone())
                    .collect(),
            )),
            (Some(map), v) => match map.get(&text_of(v)) {
                Some(mapped) => Cow::Owned(mapped.clone()),
                None => Cow::Borrowed(v),
            },
            (None, v) => Cow::Borrowed(v),
        };
        let format = self.formats.get(field).copied();
        match kind_of(field) {
            FieldKind::Hex => match value.as_str().and_then(hex_form) {
                Some(Cow::Owned(h)) => Cow::Owned(Value::String(h)),
                _ => value,
            },
            FieldKind::HexList => match value.as_array() {
                Some(items)
                    if items.iter().any(|i| {
                        i.as_str()
                            .is_some_and(|s| hex_form(s).as_deref() != Some(s))
                    }) =>
                {
                    Cow::Owned(Value::Array(
                        items
                            .iter()
                            .map(|i| match i.as_str().and_then(hex_form) {
                                Some(h) => Value::String(h.into_owned()),
                                None => i.clone(),
                            })
                            .collect(),
                    ))
                }
                _ => value,
            },
            FieldKind::Time => match format {
                Some(f) if f != TimeFormat::Rfc3339 => match f.read(&value) {
                    Some(t) => Cow::Owned(Value::String(rfc3339_ms(t))),
                    None => value,
                },
                _ => value,
            },
            FieldKind::EpochMillis => match format {
                Some(f) if f != TimeFormat::EpochMillis => match f.read(&value) {
                    Some(t) => Cow::Owned(Value::from(t.timestamp_millis())),
                    None => value,
                },
                _ => value,
            },
            FieldKind::Binary if self.hex_binary.contains(field) => {
                use base64::Engine;
                match value
                    .as_str()
                    .and_then(hex_form)
                    .and_then(|h| hex::decode(h.as_bytes()).ok())
                {
                    Some(bytes) => Cow::Owned(Value::String(
                        base64::engine::general_purpose::STANDARD.encode(bytes),
                    )),
                    None => value,
                }
            }
            FieldKind::Binary | FieldKind::Plain => value,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hex_is_compared_lower_case_without_a_prefix() {
        let n = Normaliser::default();
        assert_eq!(
            n.normalise("tx_id", &json!("0xABcd")).as_ref(),
            &json!("abcd")
        );
        assert!(matches!(
            n.normalise("tx_id", &json!("abcd")),
            Cow::Borrowed(_)
        ));
        // Not hex at all: left for the check to report.
        assert_eq!(
            n.normalise("tx_id", &json!("0xZZ")).as_ref(),
            &json!("0xZZ")
        );
        assert_eq!(
            n.normalise("proof_path", &json!(["0XAA", "bb"])).as_ref(),
            &json!(["aa", "bb"])
        );
        // A plain field is not touched.
        assert_eq!(
            n.normalise("evidence_id", &json!("0xAB")).as_ref(),
            &json!("0xAB")
        );
    }

    #[test]
    fn declared_time_formats_become_rfc3339_in_utc() {
        let mut n = Normaliser::default();
        n.formats.insert("tx_time".into(), TimeFormat::EpochMillis);
        n.formats.insert(
            "audit_time".into(),
            TimeFormat::parse("datetime+08:00").unwrap(),
        );
        n.formats
            .insert("block_timestamp_ms".into(), TimeFormat::EpochSeconds);
        assert_eq!(
            n.normalise("tx_time", &json!(1_764_676_800_123_i64))
                .as_ref(),
            &json!("2025-12-02T12:00:00.123Z")
        );
        assert_eq!(
            n.normalise("audit_time", &json!("2025-12-02 20:00:00"))
                .as_ref(),
            &json!("2025-12-02T12:00:00.000Z")
        );
        assert_eq!(
            n.normalise("block_timestamp_ms", &json!("1764676800"))
                .as_ref(),
            &json!(1_764_676_800_000_i64)
        );
        // A value that is not in the declared format stays as it came.
        assert_eq!(
            n.normalise("tx_time", &json!("soon")).as_ref(),
            &json!("soon")
        );
        assert!(TimeFormat::parse("datetime").is_err());
        assert!(TimeFormat::parse("unix").is_err());
    }

    #[test]
    fn binary_fields_declared_hex_become_base64() {
        let mut n = Normaliser::default();
        // Base64 is the profile's: untouched unless the adapter says hex.
        assert_eq!(
            n.normalise("receipt_signature", &json!("3045AB")).as_ref(),
            &json!("3045AB")
        );
        n.hex_binary.insert("receipt_signature".into());
        assert_eq!(
            n.normalise("receipt_signature", &json!("0x3045AB"))
                .as_ref(),
            &json!("MEWr")
        );
        assert_eq!(
            n.normalise("receipt_signature", &json!("not hex")).as_ref(),
            &json!("not hex")
        );
    }

    #[test]
    fn value_maps_translate_the_platform_vocabulary() {
        let mut n = Normaliser::default();
        n.values.insert(
            "verify_match".into(),
            [
                ("MATCH".to_string(), json!(true)),
                ("MISMATCH".to_string(), json!(false)),
            ]
            .into_iter()
            .collect(),
        );
        n.values.insert(
            "audit_outcome".into(),
            [("成功".to_string(), json!("success"))]
                .into_iter()
                .collect(),
        );
        assert_eq!(
            n.normalise("verify_match", &json!("MATCH")).as_ref(),
            &json!(true)
        );
        assert_eq!(
            n.normalise("verify_match", &json!("MISMATCH")).as_ref(),
            &json!(false)
        );
        assert_eq!(
            n.normalise("audit_outcome", &json!("成功")).as_ref(),
            &json!("success")
        );
        n.values.insert(
            "platform_business_types".into(),
            [("版权".to_string(), json!("copyright"))]
                .into_iter()
                .collect(),
        );
        assert_eq!(
            n.normalise("platform_business_types", &json!(["版权", "finance"]))
                .as_ref(),
            &json!(["copyright", "finance"])
        );
        // Unmapped values pass through unchanged.
        assert_eq!(
            n.normalise("verify_match", &json!("maybe")).as_ref(),
            &json!("maybe")
        );
    }
}
