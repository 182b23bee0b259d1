//! Personal data in answers: unmasked resident ID numbers and mobile numbers.

use serde_json::Value;

/// Unmasked personal data in any string of a JSON document: 18-character resident IDs with a
/// valid GB 11643 check character and 11-digit mainland mobile numbers. Values are split at
/// non-alphanumeric characters and a token must match whole, so hex digests and base64
/// signatures (long tokens) never match by accident.
pub fn personal_data_tokens(doc: &Value) -> Vec<String> {
    let mut found = Vec::new();
    collect_personal_data(doc, &mut found);
    found
}

fn collect_personal_data(doc: &Value, found: &mut Vec<String>) {
    match doc {
        Value::String(s) => {
            for token in s.split(|c: char| !c.is_ascii_alphanumeric()) {
                if is_resident_id(token) {
                    found.push(format!("resident ID {}", mask(token)));
                } else if is_mobile(token) {
                    found.push(format!("mobile number {}", mask(token)));
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_personal_data(v, found)),
        Value::Object(map) => map.values().for_each(|v| collect_personal_data(v, found)),
        _ => {}
    }
}

pub fn is_resident_id(token: &str) -> bool {
    tianping_profile::identity::valid_resident_id(token)
}

fn is_mobile(token: &str) -> bool {
    let b = token.as_bytes();
    b.len() == 11
        && b.iter().all(u8::is_ascii_digit)
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
}

/// Evidence never repeats the personal data it found: first 3 and last 2 characters only.
fn mask(token: &str) -> String {
    format!("{}…{}", &token[..3], &token[token.len() - 2..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_unmasked_ids_and_mobiles_but_not_digests() {
        let doc = json!({
            "depositor": {"id_number": "11010519491231002X", "phone": "13800138000"},
            "masked": "110105********002X",
            "hash": "1101051949123100211010519491231002x66c7f0f462eeedd9d1f2d46bdc10e4e2",
            "path": "/a/11010519491231002X/b",
        });
        let found = personal_data_tokens(&doc);
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(
            found.iter().all(|f| !f.contains("11010519491231002X")),
            "evidence masks what it found"
        );
    }

    #[test]
    fn an_id_with_a_wrong_check_character_is_not_counted_as_an_id() {
        assert!(is_resident_id("11010519491231002X"));
        assert!(!is_resident_id("110105194912310021"));
    }
}
