//! Field mapping: checks ask for logical fields (`file_hash`, `tx_id`, …); the adapter says
//! where a platform keeps them (JSON pointers) and how it writes their values, so a platform
//! need not rename its API or change its vocabulary.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::Value;

use crate::adapter::{Adapter, Normaliser};
use crate::verdict::CheckError;

/// The profile's own locations (docs/profile.md §5). A config entry overrides one of them.
pub const DEFAULT_POINTERS: &[(&str, &str)] = &[
    // deposit receipt
    ("evidence_id", "/evidence_id"),
    ("file_hash", "/file_hash"),
    ("hash_algorithm", "/hash_algorithm"),
    ("business_type", "/business_type"),
    ("tx_id", "/tx_id"),
    ("block_height", "/block_height"),
    ("block_hash", "/block_hash"),
    ("tx_time", "/tx_time"),
    ("tianping_tx", "/tianping_tx"),
    ("timestamp_tsa", "/timestamp_tsa"),
    ("organization", "/organization"),
    ("receipt_signature", "/signature"),
    ("provenance", "/provenance"),
    // verify
    ("verify_match", "/match"),
    // session
    ("session_token", "/token"),
    ("session_idle_timeout", "/idle_timeout_secs"),
    // audit export
    ("audit_entries", "/entries"),
    ("audit_time", "/time"),
    ("audit_user", "/user"),
    ("audit_event", "/event"),
    ("audit_outcome", "/outcome"),
    ("audit_source", "/source"),
    ("audit_object", "/object"),
    // platform metadata
    ("platform_operator", "/operator"),
    ("platform_business_types", "/business_types"),
    ("platform_hash_algorithm", "/hash_algorithm"),
    ("platform_signature_algorithm", "/signature_algorithm"),
    ("platform_signing_certificate", "/signing_certificate"),
    ("platform_ca_certificates", "/ca_certificates"),
    ("platform_tsa_certificate", "/tsa_certificate"),
    ("platform_node_public_key", "/chain/node_public_key"),
    ("platform_filing_number", "/filing_number"),
    ("platform_chain_height", "/chain/height"),
    // the certificate issued to the harness's depositor account
    ("account_certificate", "/certificate"),
    ("account_certificate_chain", "/chain"),
    // blocks and transactions
    ("block_number", "/height"),
    ("block_prev_hash", "/prev_hash"),
    ("block_tx_root", "/tx_root"),
    ("block_timestamp_ms", "/timestamp_ms"),
    ("block_own_hash", "/hash"),
    ("block_tx_ids", "/tx_ids"),
    ("block_signature", "/signature"),
    ("tx_signature", "/signature"),
    ("tx_file_hash", "/file_hash"),
    ("tx_depositor_digest", "/depositor_digest"),
    // Tianping anchor record of a block
    ("anchor_tianping_tx", "/tianping_tx"),
    ("anchor_block_hash", "/block_hash"),
    ("anchor_time", "/anchored_at"),
    // inclusion proof
    ("proof_index", "/index"),
    ("proof_tree_size", "/tree_size"),
    ("proof_path", "/path"),
];

/// Whether `field` is one of the logical fields checks read.
pub fn is_known_field(field: &str) -> bool {
    DEFAULT_POINTERS.iter().any(|(f, _)| *f == field)
}

/// Whether `field` is read inside one audit entry rather than from a whole answer.
pub fn is_entry_field(field: &str) -> bool {
    field.starts_with("audit_") && field != "audit_entries"
}

/// Where each logical field sits in the platform's JSON, and how its values are normalised
/// to the profile's vocabulary and representation before a check judges them.
#[derive(Debug, Clone)]
pub struct FieldMap {
    pointers: BTreeMap<String, Pointer>,
    normaliser: Normaliser,
}

/// A JSON pointer (RFC 6901), split and unescaped once. serde_json's `Value::pointer` does
/// that on every call, two allocations per token, and a package pass reads some fifty fields
/// per record. Resolves exactly as `Value::pointer` does (a property test holds it to that).
#[derive(Debug, Clone)]
struct Pointer {
    text: String,
    /// `None` for text that is no pointer (not empty, no leading `/`): it finds nothing.
    tokens: Option<Vec<String>>,
}

impl Pointer {
    fn new(text: String) -> Pointer {
        let tokens = (text.is_empty() || text.starts_with('/')).then(|| {
            text.split('/')
                .skip(1)
                .map(|token| token.replace("~1", "/").replace("~0", "~"))
                .collect()
        });
        Pointer { text, tokens }
    }

    fn resolve<'v>(&self, doc: &'v Value) -> Option<&'v Value> {
        let mut at = doc;
        for token in self.tokens.as_ref()? {
            at = match at {
                Value::Object(map) => map.get(token)?,
                Value::Array(list) => list.get(array_index(token)?)?,
                _ => return None,
            };
        }
        Some(at)
    }
}

/// An array index token: decimal, without a sign or leading zeros.
fn array_index(token: &str) -> Option<usize> {
    if token.starts_with('+') || (token.starts_with('0') && token.len() != 1) {
        return None;
    }
    token.parse().ok()
}

fn parsed(pointers: BTreeMap<String, String>) -> BTreeMap<String, Pointer> {
    pointers
        .into_iter()
        .map(|(field, text)| (field, Pointer::new(text)))
        .collect()
}

impl Default for FieldMap {
    fn default() -> Self {
        Self::new(&BTreeMap::new())
    }
}

impl FieldMap {
    /// The profile's pointers with `overrides` applied.
    pub fn new(overrides: &BTreeMap<String, String>) -> Self {
        let mut pointers: BTreeMap<String, String> = DEFAULT_POINTERS
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        pointers.extend(overrides.iter().map(|(k, v)| (k.clone(), v.clone())));
        FieldMap {
            pointers: parsed(pointers),
            normaliser: Normaliser::default(),
        }
    }

    /// The adapter's pointers, value maps and formats, with a config's legacy `[fields]`
    /// (absolute pointers) applied on top.
    pub fn from_adapter(adapter: &Adapter, legacy: &BTreeMap<String, String>) -> Self {
        let mut pointers = adapter.pointers();
        pointers.extend(legacy.iter().map(|(k, v)| (k.clone(), v.clone())));
        FieldMap {
            pointers: parsed(pointers),
            normaliser: adapter.normaliser.clone(),
        }
    }

    /// Names in the config that are not known fields: reported, since they are likely typos.
    pub fn unknown_overrides(overrides: &BTreeMap<String, String>) -> Vec<String> {
        overrides
            .keys()
            .filter(|k| !is_known_field(k))
            .cloned()
            .collect()
    }

    /// The JSON pointer of a logical field.
    pub fn pointer(&self, field: &str) -> &str {
        self.pointers.get(field).map_or("", |p| p.text.as_str())
    }

    /// The value at the field's pointer as it stands in `doc`.
    fn at<'v>(&self, doc: &'v Value, field: &str) -> Option<&'v Value> {
        match self.pointers.get(field) {
            Some(pointer) => pointer.resolve(doc),
            None => Some(doc), // no pointer: the empty one, the whole document
        }
    }

    /// The value at the field's pointer, normalised (value map, hex case and prefix, declared
    /// time format); `None` when absent or JSON null.
    pub fn get<'v>(&self, doc: &'v Value, field: &str) -> Option<Cow<'v, Value>> {
        self.at(doc, field)
            .filter(|v| !v.is_null())
            .map(|v| self.normaliser.normalise(field, v))
    }

    /// The value at the field's pointer exactly as the platform sent it, for evidence.
    pub fn raw<'v>(&self, doc: &'v Value, field: &str) -> Option<&'v Value> {
        self.at(doc, field).filter(|v| !v.is_null())
    }

    /// The field as a string.
    pub fn str<'v>(&self, doc: &'v Value, field: &str) -> Result<Cow<'v, str>, CheckError> {
        match self.opt_str(doc, field)? {
            Some(s) => Ok(s),
            None => Err(self.malformed(field, "absent")),
        }
    }

    /// A string that may be absent; present but not a string is still an error.
    pub fn opt_str<'v>(
        &self,
        doc: &'v Value,
        field: &str,
    ) -> Result<Option<Cow<'v, str>>, CheckError> {
        match self.get(doc, field) {
            None => Ok(None),
            Some(Cow::Borrowed(Value::String(s))) => Ok(Some(Cow::Borrowed(s.as_str()))),
            Some(Cow::Owned(Value::String(s))) => Ok(Some(Cow::Owned(s))),
            Some(other) => Err(self.malformed(field, &format!("expected a string, got {other}"))),
        }
    }

    /// Unsigned integer, accepted as a JSON number or a decimal string.
    pub fn u64(&self, doc: &Value, field: &str) -> Result<u64, CheckError> {
        match self.get(doc, field).as_deref() {
            Some(Value::Number(n)) => n
                .as_u64()
                .ok_or_else(|| self.malformed(field, "not an unsigned integer")),
            Some(Value::String(s)) => s
                .parse()
                .map_err(|_| self.malformed(field, "not an unsigned integer")),
            Some(other) => Err(self.malformed(field, &format!("expected an integer, got {other}"))),
            None => Err(self.malformed(field, "absent")),
        }
    }

    /// The field as a whole number.
    pub fn i64(&self, doc: &Value, field: &str) -> Result<i64, CheckError> {
        match self.get(doc, field).as_deref() {
            Some(Value::Number(n)) => n
                .as_i64()
                .ok_or_else(|| self.malformed(field, "not an integer")),
            Some(Value::String(s)) => s
                .parse()
                .map_err(|_| self.malformed(field, "not an integer")),
            Some(other) => Err(self.malformed(field, &format!("expected an integer, got {other}"))),
            None => Err(self.malformed(field, "absent")),
        }
    }

    /// The field as a boolean.
    pub fn bool(&self, doc: &Value, field: &str) -> Result<bool, CheckError> {
        match self.get(doc, field).as_deref() {
            Some(Value::Bool(b)) => Ok(*b),
            Some(other) => Err(self.malformed(field, &format!("expected true/false, got {other}"))),
            None => Err(self.malformed(field, "absent")),
        }
    }

    fn malformed(&self, field: &str, detail: &str) -> CheckError {
        CheckError::Field {
            field: format!("{field} (at {})", self.pointer(field)),
            detail: detail.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn overrides_redirect_a_field_to_another_pointer() {
        let mut o = BTreeMap::new();
        o.insert("file_hash".to_string(), "/data/hash".to_string());
        let map = FieldMap::new(&o);
        let doc = json!({"data": {"hash": "ab"}, "file_hash": "wrong"});
        assert_eq!(map.str(&doc, "file_hash").unwrap(), "ab");
        assert_eq!(
            map.str(&doc, "tx_id").unwrap_err().to_string(),
            "response field `tx_id (at /tx_id)` missing or malformed: absent"
        );
    }

    #[test]
    fn numbers_may_come_as_strings_but_not_as_garbage() {
        let map = FieldMap::default();
        assert_eq!(
            map.u64(&json!({"block_height": "12"}), "block_height")
                .unwrap(),
            12
        );
        assert!(
            map.u64(&json!({"block_height": "x"}), "block_height")
                .is_err()
        );
        assert!(
            map.u64(&json!({"block_height": -1}), "block_height")
                .is_err()
        );
    }

    #[test]
    fn unknown_override_names_are_reported() {
        let mut o = BTreeMap::new();
        o.insert("file_hsah".to_string(), "/x".to_string());
        assert_eq!(
            FieldMap::unknown_overrides(&o),
            vec!["file_hsah".to_string()]
        );
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Any JSON document, nested a few levels deep, its object keys drawn from `keys`.
    fn json(keys: &'static str) -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>()
                .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
            ".{0,12}".prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 64, 6, move |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
                proptest::collection::btree_map(keys, inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// Every accessor answers a value or a typed error on any document, through the
        /// profile's pointers and through a lab's override pointing anywhere.
        #[test]
        fn field_access_never_panics(doc in json("[a-z_]{1,8}"), field in "[a-z_]{1,16}", pointer in "(/[a-z0-9_~]{0,6}){0,4}") {
            let overrides = [(field.clone(), pointer)].into_iter().collect();
            for map in [FieldMap::new(&Default::default()), FieldMap::new(&overrides)] {
                let _ = map.get(&doc, &field);
                let _ = map.str(&doc, &field);
                let _ = map.opt_str(&doc, &field);
                let _ = map.u64(&doc, &field);
                let _ = map.i64(&doc, &field);
                let _ = map.bool(&doc, &field);
            }
        }

        /// A pointer parsed once finds what serde_json's `Value::pointer` finds: escapes
        /// (`~0`, `~1`), array indices (none with a sign or a leading zero), the empty
        /// pointer, and text that is no pointer. Most pointers walk a path the document has,
        /// some with an index written `+i` or `0i`; the others are random text.
        #[test]
        fn parsed_pointers_resolve_as_serde_json_does(
            doc in json("[ab~/01]{1,2}"),
            steps in proptest::collection::vec((0..8usize, 0..4u8), 0..5),
            text in "|[ab]|(/([ab~/]{1,2}|[0-9]{1,2}|~[01]|\\+1|-|)){1,4}",
        ) {
            let mut walked = String::new();
            let mut at = &doc;
            for (pick, index_form) in steps {
                let (token, next) = match at {
                    Value::Object(map) if !map.is_empty() => {
                        let (key, next) = map.iter().nth(pick % map.len()).unwrap();
                        (key.replace('~', "~0").replace('/', "~1"), next)
                    }
                    Value::Array(list) if !list.is_empty() => {
                        let i = pick % list.len();
                        let form = match index_form {
                            0 => format!("+{i}"),
                            1 => format!("0{i}"),
                            _ => i.to_string(),
                        };
                        (form, &list[i])
                    }
                    _ => break,
                };
                walked.push('/');
                walked.push_str(&token);
                at = next;
            }
            for text in [walked, text] {
                prop_assert_eq!(Pointer::new(text.clone()).resolve(&doc), doc.pointer(&text));
            }
        }
    }
}
