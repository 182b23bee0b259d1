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

/// What a masked value may show (profile §4.2, after GB/T 35273 practice): of a resident ID,
/// the first 6 characters (the region) and the last 4; of a mobile number, the first 3 and the
/// last 4. A mask that shows more (the birth date, a fifth trailing digit) is judged as
/// showing too much, whatever mask character it uses.
const ID_MAY_SHOW: (usize, usize) = (6, 4);
const MOBILE_MAY_SHOW: (usize, usize) = (3, 4);

/// Characters a platform masks with.
fn is_mask_char(c: char) -> bool {
    matches!(c, '*' | '＊' | '●' | '•' | '×' | '#')
}

/// Why a masked token shows more than the rule allows, if it does: a token of the value's
/// length made of its characters and mask characters, with at least one masked.
fn overexposed(token: &[char]) -> Option<String> {
    let masked = token.iter().filter(|c| is_mask_char(**c)).count();
    if masked == 0 {
        return None;
    }
    let visible_outside = |(head, tail): (usize, usize)| {
        token
            .iter()
            .enumerate()
            .filter(|(i, c)| !is_mask_char(**c) && *i >= head && *i < token.len() - tail)
            .count()
    };
    let shown: String = token.iter().collect();
    let id_shape = token.len() == 18
        && token
            .iter()
            .all(|c| c.is_ascii_digit() || matches!(c, 'X' | 'x') || is_mask_char(*c));
    let mobile_shape =
        token.len() == 11 && token.iter().all(|c| c.is_ascii_digit() || is_mask_char(*c));
    if id_shape && visible_outside(ID_MAY_SHOW) > 0 {
        Some(format!(
            "resident ID masked as {shown}: shows more than the first {} and last {}",
            ID_MAY_SHOW.0, ID_MAY_SHOW.1
        ))
    } else if mobile_shape && visible_outside(MOBILE_MAY_SHOW) > 0 {
        Some(format!(
            "mobile number masked as {shown}: shows more than the first {} and last {}",
            MOBILE_MAY_SHOW.0, MOBILE_MAY_SHOW.1
        ))
    } else {
        None
    }
}

fn collect_personal_data(doc: &Value, found: &mut Vec<String>) {
    match doc {
        Value::String(s) => {
            // Tokens are ASCII, so the split is by byte (every byte of a multi-byte character
            // separates, as the character would); only an ID's or a mobile's length can match.
            for token in s.as_bytes().split(|b| !b.is_ascii_alphanumeric()) {
                if token.len() != 18 && token.len() != 11 {
                    continue;
                }
                let token = std::str::from_utf8(token).expect("ASCII");
                if is_resident_id(token) {
                    found.push(format!("resident ID {}", mask(token)));
                } else if is_mobile(token) {
                    found.push(format!("mobile number {}", mask(token)));
                }
            }
            // Masked values: runs of value and mask characters, judged against what may show.
            // Only a string with a mask character can hold one, and only a run as long as an
            // ID or a mobile number (most runs in a receipt are digests and base64), so only
            // those are spelled out as characters.
            let has_mask = if s.is_ascii() {
                s.bytes().any(|b| is_mask_char(char::from(b)))
            } else {
                s.chars().any(is_mask_char)
            };
            if !has_mask {
                return;
            }
            for run in s.split(|c: char| !(c.is_ascii_alphanumeric() || is_mask_char(c))) {
                let length = run.chars().count();
                if length != 18 && length != 11 {
                    continue;
                }
                let run: Vec<char> = run.chars().collect();
                if let Some(why) = overexposed(&run) {
                    found.push(why);
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

    /// The scan as first written, character by character over every token and run: the
    /// byte-wise scan with its shortcuts must find exactly what it finds.
    fn scan_every_character(s: &str) -> Vec<String> {
        let mut found = Vec::new();
        for token in s.split(|c: char| !c.is_ascii_alphanumeric()) {
            if is_resident_id(token) {
                found.push(format!("resident ID {}", mask(token)));
            } else if is_mobile(token) {
                found.push(format!("mobile number {}", mask(token)));
            }
        }
        let chars: Vec<char> = s.chars().collect();
        for run in chars.split(|c| !(c.is_ascii_alphanumeric() || is_mask_char(*c))) {
            found.extend(overexposed(run));
        }
        found
    }

    proptest::proptest! {
        #[test]
        fn the_shortcuts_find_what_a_character_scan_finds(
            s in "([0-9]{0,18}|11010519491231002X|138[0-9]{8}|[*＊●X a-f/+-]{0,4}|中文){0,6}"
        ) {
            proptest::prop_assert_eq!(personal_data_tokens(&json!(s)), scan_every_character(&s));
        }
    }

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
    fn masks_are_judged_against_what_may_show() {
        for ok in [
            "110105********002X",
            "******************",
            "138****8000",
            "1**********",
        ] {
            assert!(personal_data_tokens(&json!(ok)).is_empty(), "{ok}");
        }
        for (leaky, what) in [
            ("110105*******1002X", "resident ID"), // the last 5
            ("11010519491231****", "resident ID"), // the birth date
            ("1101051949****002X", "resident ID"), // the birth year
            ("13800****00", "mobile"),             // the 4th digit
        ] {
            let found = personal_data_tokens(&json!({ "id": leaky }));
            assert!(
                found.len() == 1 && found[0].contains(what) && found[0].contains("shows more"),
                "{leaky}: {found:?}"
            );
        }
    }

    #[test]
    fn an_id_with_a_wrong_check_character_is_not_counted_as_an_id() {
        assert!(is_resident_id("11010519491231002X"));
        assert!(!is_resident_id("110105194912310021"));
    }
}
