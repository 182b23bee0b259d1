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

/// Removes every occurrence of the given secret values from free text.
pub fn scrub(text: &str, secrets: &[&str]) -> String {
    secrets
        .iter()
        .filter(|s| s.len() >= 4)
        .fold(text.to_string(), |acc, s| acc.replace(s, "***"))
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
}
