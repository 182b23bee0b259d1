//! Templates with `{name}` placeholders: paths, queries, headers, strings to sign, and JSON
//! bodies. `{{` and `}}` stand for literal braces.

use serde_json::Value;

/// Why a template cannot be read or filled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// A `{` without its `}`, or a stray `}`.
    #[error("template `{template}` has an unbalanced brace")]
    Unbalanced {
        /// The template.
        template: String,
    },
    /// A placeholder names nothing the harness provides here.
    #[error("template `{template}` uses `{{{name}}}`, which is not provided here (known: {known})")]
    Unknown {
        /// The template.
        template: String,
        /// The placeholder's name.
        name: String,
        /// The names that are provided, comma-separated.
        known: String,
    },
}

/// One piece of a parsed template.
enum Piece<'t> {
    Text(&'t str),
    Literal(char),
    Placeholder(&'t str),
}

fn pieces(template: &str) -> Result<Vec<Piece<'_>>, TemplateError> {
    let unbalanced = || TemplateError::Unbalanced {
        template: template.to_string(),
    };
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        if i > 0 {
            out.push(Piece::Text(&rest[..i]));
        }
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push(Piece::Literal(tail.as_bytes()[0] as char));
            rest = &tail[2..];
        } else if tail.starts_with('}') {
            return Err(unbalanced());
        } else {
            let end = tail.find('}').ok_or_else(unbalanced)?;
            let name = &tail[1..end];
            if name.is_empty() || name.contains('{') {
                return Err(unbalanced());
            }
            out.push(Piece::Placeholder(name));
            rest = &tail[end + 1..];
        }
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    Ok(out)
}

/// The placeholder names a text template uses, in order.
pub fn placeholders(template: &str) -> Result<Vec<String>, TemplateError> {
    Ok(pieces(template)?
        .into_iter()
        .filter_map(|p| match p {
            Piece::Placeholder(name) => Some(name.to_string()),
            _ => None,
        })
        .collect())
}

/// Every placeholder a JSON template uses, in its strings and keys.
pub fn json_placeholders(template: &Value) -> Result<Vec<String>, TemplateError> {
    let mut names = Vec::new();
    match template {
        Value::String(s) => names.extend(placeholders(s)?),
        Value::Array(items) => {
            for item in items {
                names.extend(json_placeholders(item)?);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                names.extend(placeholders(k)?);
                names.extend(json_placeholders(v)?);
            }
        }
        _ => {}
    }
    Ok(names)
}

/// Fails on the first placeholder of `template` that `known` does not contain.
pub fn check_known(template: &str, names: &[String], known: &[&str]) -> Result<(), TemplateError> {
    match names.iter().find(|n| !known.contains(&n.as_str())) {
        Some(name) => Err(TemplateError::Unknown {
            template: template.to_string(),
            name: name.clone(),
            known: known.join(", "),
        }),
        None => Ok(()),
    }
}

/// The text form of a value: strings as they are, anything else as JSON.
pub fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Fills a text template; `lookup` answers each placeholder.
pub fn render(
    template: &str,
    lookup: impl Fn(&str) -> Option<String>,
    known: &[&str],
) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(template.len() + 32);
    for piece in pieces(template)? {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Literal(c) => out.push(c),
            Piece::Placeholder(name) => match lookup(name) {
                Some(v) => out.push_str(&v),
                None => {
                    return Err(TemplateError::Unknown {
                        template: template.to_string(),
                        name: name.to_string(),
                        known: known.join(", "),
                    });
                }
            },
        }
    }
    Ok(out)
}

/// Fills a JSON template. A string that is exactly one placeholder becomes the value itself
/// (an object, a number, …); a placeholder inside a longer string is replaced by its text. An
/// object member whose value is exactly one placeholder with no value in this call (but one
/// `known` lists) is left out, so one template serves calls that send either of two fields.
pub fn render_json(
    template: &Value,
    lookup: &dyn Fn(&str) -> Option<Value>,
    known: &[&str],
) -> Result<Value, TemplateError> {
    let text = |s: &str| render(s, |n| lookup(n).map(|v| text_of(&v)), known);
    Ok(match template {
        Value::String(s) => match whole_placeholder(s) {
            Some(name) => lookup(name).ok_or_else(|| TemplateError::Unknown {
                template: s.clone(),
                name: name.to_string(),
                known: known.join(", "),
            })?,
            None => Value::String(text(s)?),
        },
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|i| render_json(i, lookup, known))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => {
            let mut out = serde_json::Map::new();
            for (k, v) in map {
                let absent = v
                    .as_str()
                    .and_then(whole_placeholder)
                    .is_some_and(|name| known.contains(&name) && lookup(name).is_none());
                if !absent {
                    out.insert(text(k)?, render_json(v, lookup, known)?);
                }
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

fn whole_placeholder(s: &str) -> Option<&str> {
    let name = s.strip_prefix('{')?.strip_suffix('}')?;
    (!name.is_empty() && !name.contains(['{', '}'])).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_templates_fill_placeholders_and_keep_escaped_braces() {
        let out = render(
            "/v1/{id}/x?{{raw}}",
            |n| (n == "id").then(|| "42".into()),
            &["id"],
        )
        .unwrap();
        assert_eq!(out, "/v1/42/x?{raw}");
        assert_eq!(placeholders("a{b}c{d}").unwrap(), vec!["b", "d"]);
    }

    #[test]
    fn broken_and_unknown_placeholders_are_named() {
        assert!(matches!(
            placeholders("/v1/{id"),
            Err(TemplateError::Unbalanced { .. })
        ));
        assert!(matches!(
            placeholders("/v1/}"),
            Err(TemplateError::Unbalanced { .. })
        ));
        let err = render("/v1/{evidence}", |_| None, &["evidence_id"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "template `/v1/{evidence}` uses `{evidence}`, which is not provided here (known: evidence_id)"
        );
    }

    #[test]
    fn json_templates_keep_types_of_whole_placeholders() {
        let template = json!({"data": {"who": "{depositor}", "label": "id-{n}", "n": "{n}"}});
        let lookup = |n: &str| match n {
            "depositor" => Some(json!({"name": "x"})),
            "n" => Some(json!(7)),
            _ => None,
        };
        let out = render_json(&template, &lookup, &["depositor", "n"]).unwrap();
        assert_eq!(
            out,
            json!({"data": {"who": {"name": "x"}, "label": "id-7", "n": 7}})
        );
        // A member whose value has no value in this call is left out; one naming nothing the
        // operation provides is an error.
        let either = json!({"id": "{id}", "content": "{content}", "hash": "{hash}"});
        let lookup_id = |n: &str| (n != "hash").then(|| json!(n));
        assert_eq!(
            render_json(&either, &lookup_id, &["id", "content", "hash"]).unwrap(),
            json!({"id": "id", "content": "content"})
        );
        assert!(render_json(&either, &lookup_id, &["id", "content"]).is_err());
        let mut used = json_placeholders(&template).unwrap();
        used.sort();
        assert_eq!(used, vec!["depositor", "n", "n"]);
    }
}
