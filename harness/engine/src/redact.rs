//! Keeps secrets out of evidence. Anything written to results passes through here.

use serde_json::Value;

const SECRET_KEYS: [&str; 6] = [
    "password",
    "secret",
    "token",
    "private",
    "authorization",
    "signature",
];

/// Whether a key or header name looks like it holds a secret (password, token, …).
pub fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    SECRET_KEYS.iter().any(|s| key.contains(s))
}

/// Replaces the values of secret-looking keys (token, password, …) with `"***"`.
pub fn redact_json(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = if is_secret_key(k) && !v.is_null() {
                        Value::String("***".into())
                    } else {
                        redact_json(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redact_json).collect()),
        other => other.clone(),
    }
}

/// A form-encoded body (`a=1&client_secret=…`) with the values of secret-looking keys
/// replaced by `***`; other text is returned as it is.
pub fn redact_form(text: &str) -> String {
    let looks_like_form = text.contains('=')
        && !text.contains(char::is_whitespace)
        && !text.starts_with(['{', '[', '<']);
    if !looks_like_form {
        return text.to_string();
    }
    text.split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if is_secret_key(&key.replace("%5F", "_")) => format!("{key}=***"),
            _ => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Cuts text to `max` characters on a character boundary, marking the cut.
pub fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((idx, _)) => format!("{}… [{} more bytes]", &text[..idx], text.len() - idx),
        None => text.to_string(),
    }
}

/// The forms a secret can come back in from a server that echoes it: as given, escaped
/// inside a JSON string (once or twice), URL-encoded (form and percent), XML-escaped, base64
/// (standard and URL-safe, padded or not) and hex (either case). Longest first, so a longer
/// form is masked whole before a shorter one inside it.
pub fn secret_forms(secret: &str) -> Vec<String> {
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let json_once = serde_json::to_string(secret).expect("a string serializes");
    let json_once = json_once[1..json_once.len() - 1].to_string();
    let json_twice = serde_json::to_string(&json_once).expect("a string serializes");
    let json_twice = json_twice[1..json_twice.len() - 1].to_string();
    let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    let percent = form.replace('+', "%20");
    let xml = secret
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;");
    let bytes = secret.as_bytes();
    let mut forms = vec![
        secret.to_string(),
        json_once,
        json_twice,
        form,
        percent,
        xml,
        STANDARD.encode(bytes),
        STANDARD_NO_PAD.encode(bytes),
        URL_SAFE.encode(bytes),
        URL_SAFE_NO_PAD.encode(bytes),
        hex::encode(bytes),
        hex::encode_upper(bytes),
    ];
    forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
    forms.dedup();
    forms
}

/// Removes every occurrence of the given secret values from free text, in every form
/// [`secret_forms`] knows.
pub fn scrub(text: &str, secrets: &[&str]) -> String {
    Scrubber::new(secrets).scrub(text)
}

/// Masks a set of secrets, in every form [`secret_forms`] knows, in one pass over a text
/// whatever their number (a check may send a thousand signed requests, each signature a
/// value an echoing server can return).
pub struct Scrubber {
    finder: Option<aho_corasick::AhoCorasick>,
}

impl Scrubber {
    /// Secrets shorter than 4 characters are not masked (they would mask ordinary text).
    pub fn new(secrets: &[&str]) -> Scrubber {
        let mut forms: Vec<String> = secrets
            .iter()
            .filter(|s| s.len() >= 4)
            .flat_map(|s| secret_forms(s))
            .filter(|f| f.len() >= 4)
            .collect();
        forms.sort();
        forms.dedup();
        let finder = (!forms.is_empty()).then(|| {
            // A contiguous NFA builds in a fraction of a DFA's time and searches nearly as
            // fast; a check's scrubber is built once and used on a few texts.
            aho_corasick::AhoCorasick::builder()
                .kind(Some(aho_corasick::AhoCorasickKind::ContiguousNFA))
                .match_kind(aho_corasick::MatchKind::LeftmostLongest)
                .build(&forms)
                .expect("literal patterns build")
        });
        Scrubber { finder }
    }

    /// `text` with every form of every secret replaced by `***`.
    pub fn scrub(&self, text: &str) -> String {
        match &self.finder {
            Some(finder) => {
                let mut out = String::with_capacity(text.len());
                finder.replace_all_with(text, &mut out, |_, _, dst| {
                    dst.push_str("***");
                    true
                });
                out
            }
            None => text.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secret_keys_are_masked_at_any_depth() {
        let v = json!({"token": "abc", "user": {"password": "pw", "name": "n"}, "list": [{"api_secret": 1}]});
        let r = redact_json(&v);
        assert_eq!(r["token"], "***");
        assert_eq!(r["user"]["password"], "***");
        assert_eq!(r["user"]["name"], "n");
        assert_eq!(r["list"][0]["api_secret"], "***");
    }

    #[test]
    fn secret_form_fields_are_masked() {
        assert_eq!(
            redact_form("grant_type=client_credentials&client_id=lab&client_secret=s3cr%21t"),
            "grant_type=client_credentials&client_id=lab&client_secret=***"
        );
        assert_eq!(redact_form("plain text = fine"), "plain text = fine");
    }

    #[test]
    fn truncate_respects_utf8() {
        assert_eq!(truncate("天平链", 2), "天平… [3 more bytes]");
        assert_eq!(truncate("abc", 5), "abc");
    }

    #[test]
    fn scrub_removes_known_secret_values() {
        assert_eq!(scrub("key=hunter22 ok", &["hunter22"]), "key=*** ok");
    }

    /// An echoing server returns the lab's password in whatever form its body uses.
    #[test]
    fn scrub_removes_secrets_in_every_form_a_server_echoes_them() {
        use base64::Engine;
        let secret = r#"Tp!"pa\ss<&>'wörd"#;
        let forms = [
            serde_json::to_string(&serde_json::json!({ "echo": secret })).unwrap(),
            serde_json::to_string(
                &serde_json::json!({ "raw": serde_json::json!({ "p": secret }).to_string() }),
            )
            .unwrap(),
            format!(
                "password={}",
                url::form_urlencoded::byte_serialize(secret.as_bytes()).collect::<String>()
            ),
            format!(
                "<p>{}</p>",
                secret
                    .replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;")
                    .replace('"', "&quot;")
                    .replace('\'', "&apos;")
            ),
            base64::engine::general_purpose::STANDARD.encode(secret),
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret),
            hex::encode(secret),
            hex::encode_upper(secret),
        ];
        for echoed in forms {
            let clean = scrub(&echoed, &[secret]);
            for form in secret_forms(secret) {
                assert!(!clean.contains(&form), "{form} survives in {clean}");
            }
            assert!(clean.contains("***"), "{clean}");
        }
    }
}
