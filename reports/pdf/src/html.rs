//! `report-zh.html` / `report-en.html`: the PDF's content as one self-contained page, made
//! from the same view model, so the two cannot say different things. Checks can be filtered
//! by suite and outcome; evidence opens in place.
//!
//! Nothing is loaded from the network: styles and script are inline, and the page's
//! Content-Security-Policy allows only that one script (by its SHA-256) and inline styles.
//! Every value is HTML-escaped; even if one were not, the policy would not run it.

use std::fmt::Write as _;

use base64::Engine as _;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Filters the check rows by suite and outcome (from the controls, or a link's
/// `#suite=…&status=…`), and records that it ran: `data-ready` on `<body>` holds the number of
/// check rows, `data-errors` any script error.
const SCRIPT: &str = r#"
window.addEventListener('error', function (e) {
  document.body.dataset.errors = (document.body.dataset.errors || '') + e.message + ';';
});
function applyFilters() {
  var suite = document.getElementById('suite-filter').value;
  var shown = {};
  document.querySelectorAll('.outcome-filter').forEach(function (box) { shown[box.value] = box.checked; });
  var visible = 0;
  document.querySelectorAll('tr.check').forEach(function (row) {
    var ok = (suite === '' || row.dataset.suite === suite) && shown[row.dataset.status] !== false;
    row.hidden = !ok;
    if (ok) { visible += 1; }
  });
  document.getElementById('visible-count').textContent = String(visible);
}
// A link may carry a filter: #suite=system_security&status=fail,inconclusive
function filtersFromLink() {
  var params = new URLSearchParams(location.hash.slice(1));
  if (params.has('suite')) { document.getElementById('suite-filter').value = params.get('suite'); }
  if (params.has('status')) {
    var wanted = params.get('status').split(',');
    document.querySelectorAll('.outcome-filter').forEach(function (box) { box.checked = wanted.indexOf(box.value) >= 0; });
  }
}
document.addEventListener('DOMContentLoaded', function () {
  document.querySelectorAll('#suite-filter, .outcome-filter').forEach(function (el) {
    el.addEventListener('change', applyFilters);
  });
  filtersFromLink();
  applyFilters();
  document.body.dataset.ready = String(document.querySelectorAll('tr.check').length);
});
"#;

const STYLE: &str = r#"
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #222; font-size: 14px; }
h1 { font-size: 1.8rem; } h2 { font-size: 1.3rem; border-bottom: 1px solid #ccc; padding-bottom: .2rem; margin-top: 2rem; } h3 { font-size: 1.1rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
th, td { border: 1px solid #bbb; padding: .35rem .5rem; vertical-align: top; text-align: left; overflow-wrap: anywhere; }
th { background: #e8e8e8; }
.kv th { width: 12rem; }
.pass { color: #2e7d32; font-weight: bold; } .fail { color: #c62828; font-weight: bold; }
.waived { color: #8e6c00; font-weight: bold; } .not_applicable { color: #757575; font-weight: bold; }
.inconclusive { color: #ef6c00; font-weight: bold; }
.finding { color: #444; } .small { font-size: .85em; color: #666; }
.conclusion { border: 2px solid #888; padding: .8rem; margin: 1rem 0; font-size: 1.1rem; }
.draft { color: #ef6c00; font-weight: bold; }
.filters { position: sticky; top: 0; background: #fff; padding: .5rem 0; border-bottom: 1px solid #ddd; }
.filters label { margin-right: 1rem; }
details summary { cursor: pointer; color: #555; }
code { font-size: .9em; }
"#;

/// HTML-escaped text (the view model's break hints removed: the browser breaks by itself).
fn esc(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\u{200B}' => {}
            '\n' => out.push_str("<br>"),
            c => out.push(c),
        }
    }
    out
}

fn items(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or(&[])
}

/// A two-column table of `[label, value]` rows.
fn kv_table(out: &mut String, rows: &Value) {
    out.push_str("<table class=\"kv\">");
    for r in items(rows) {
        let _ = write!(
            out,
            "<tr><th>{}</th><td>{}</td></tr>",
            esc(&r[0]),
            esc(&r[1])
        );
    }
    out.push_str("</table>");
}

fn ordered(out: &mut String, list: &Value) {
    out.push_str("<ol>");
    for item in items(list) {
        let _ = write!(out, "<li>{}</li>", esc(item));
    }
    out.push_str("</ol>");
}

fn evidence_list(out: &mut String, l: &Value, evidence: &Value, files: &[Value]) {
    if items(evidence).is_empty() && files.is_empty() {
        return;
    }
    let _ = write!(
        out,
        "<details><summary>{}</summary><ul>",
        esc(&l["evidence"])
    );
    for e in items(evidence) {
        let _ = write!(
            out,
            "<li><b>{}</b>{}{}</li>",
            esc(&e[0]),
            esc(&l["colon"]),
            esc(&e[1])
        );
    }
    if !files.is_empty() {
        let names: Vec<String> = files.iter().map(esc).collect();
        let _ = write!(
            out,
            "<li><b>{}</b>{}<code>{}</code></li>",
            esc(&l["raw_records"]),
            esc(&l["colon"]),
            names.join("</code>, <code>")
        );
    }
    out.push_str("</ul></details>");
}

/// Opens a table with a header row of the labels named by `keys`.
fn table_head(out: &mut String, l: &Value, keys: &[&str]) {
    out.push_str("<table><tr>");
    for key in keys {
        let _ = write!(out, "<th>{}</th>", esc(&l[*key]));
    }
    out.push_str("</tr>");
}

/// A table of checks, each row tagged with its suite and status for the filter.
fn checks_table(out: &mut String, l: &Value, checks: &[Value], evidence: &Value) {
    table_head(out, l, &["id", "check", "severity", "outcome"]);
    for c in checks {
        let status = c["status"].as_str().unwrap_or("");
        let _ = write!(
            out,
            "<tr class=\"check\" data-suite=\"{}\" data-status=\"{}\" id=\"check-{}\"><td><b>{}</b></td><td><b>{}</b><div class=\"finding\">{}</div><div class=\"small\">{}{}{}</div>",
            esc(&c["suite_key"]),
            esc(&c["status"]),
            esc(&c["id"]),
            esc(&c["id"]),
            esc(&c["title"]),
            esc(&c["finding"]),
            esc(&l["clauses"]),
            esc(&l["colon"]),
            esc(&c["clauses"]),
        );
        // Evidence for this check: in place for the chapter tables, from annex A's entry.
        let entry = items(evidence).iter().find(|a| a["id"] == c["id"]);
        match entry {
            Some(a) => evidence_list(out, l, &a["evidence"], items(&a["files"])),
            None => evidence_list(out, l, &c["evidence"], &[]),
        }
        let _ = write!(
            out,
            "</td><td>{}</td><td class=\"{status}\">{}</td></tr>",
            esc(&c["severity"]),
            esc(&c["outcome"])
        );
    }
    out.push_str("</table>");
}

/// The page for the view model `d` (see view.rs).
pub fn render(d: &Value) -> String {
    let l = &d["labels"];
    let mut body = String::new();
    let b = &mut body;
    let draft = !d["summary"]["complete"].as_bool().unwrap_or(false)
        || d["summary"]["partial"].as_bool().unwrap_or(false);

    // Cover.
    let _ = write!(
        b,
        "<header><p class=\"small\">{}{}{}</p><h1>{}</h1><p>{}</p>",
        esc(&l["report_number"]),
        esc(&l["colon"]),
        esc(&d["front"]["number"]),
        esc(&l["title"]),
        esc(&l["subtitle"])
    );
    if draft {
        let _ = write!(b, "<p class=\"draft\">{}</p>", esc(&l["draft_mark"]));
    }
    if d["summary"]["self_test"].as_bool().unwrap_or(false) {
        let _ = write!(
            b,
            "<p class=\"draft\">{}</p><p>{}</p>",
            esc(&l["self_test_mark"]),
            esc(&l["self_test_note"])
        );
    }
    kv_table(b, &d["cover"]);
    let _ = write!(
        b,
        "<div class=\"conclusion\"><b>{}</b>{}<b>{}</b><br>{}{}{} &nbsp; {}{}{}</div></header>",
        esc(&l["conclusion"]),
        esc(&l["colon"]),
        esc(&d["summary"]["conclusion"]),
        esc(&l["score"]),
        esc(&l["colon"]),
        esc(&d["summary"]["score"]),
        esc(&l["grade"]),
        esc(&l["colon"]),
        esc(&d["summary"]["grade"])
    );

    // Statement and signature block.
    let _ = write!(
        b,
        "<section id=\"statement\"><h2>{}</h2>",
        esc(&l["statement"])
    );
    ordered(b, &d["front"]["statement"]);
    let _ = write!(b, "<h3>{}</h3>", esc(&l["signatures"]));
    table_head(b, l, &["role", "name", "signature", "date"]);
    for r in items(&d["front"]["signatures"]) {
        let _ = write!(
            b,
            "<tr><th>{}</th><td>{}</td><td></td><td></td></tr>",
            esc(&r[0]),
            esc(&r[1])
        );
    }
    b.push_str("</table></section>");

    // Overview.
    let _ = write!(
        b,
        "<section id=\"overview\"><h2>1 {}</h2><h3>1.1 {}</h3>",
        esc(&l["overview"]),
        esc(&l["basis"])
    );
    ordered(b, &d["front"]["basis"]);
    let _ = write!(b, "<h3>1.2 {}</h3>", esc(&l["scope"]));
    kv_table(b, &d["front"]["scope"]);
    let _ = write!(b, "<h3>1.3 {}</h3>", esc(&l["method"]));
    ordered(b, &d["front"]["method"]);
    let _ = write!(b, "<h3>1.4 {}</h3>", esc(&l["object"]));
    kv_table(b, &d["front"]["object"]);
    b.push_str("</section>");

    // Summary.
    let s = &d["summary"];
    let _ = write!(
        b,
        "<section id=\"summary\"><h2>2 {}</h2>",
        esc(&l["summary"])
    );
    let mut rows = vec![
        (l["score"].clone(), s["score"].clone()),
        (l["grade"].clone(), s["grade"].clone()),
        (l["conclusion"].clone(), s["conclusion"].clone()),
        (l["rule"].clone(), s["rule"].clone()),
        (l["coverage"].clone(), s["coverage"].clone()),
    ];
    for key in ["special", "undecided", "bonus"] {
        if s[key].as_str().is_some_and(|v| !v.is_empty()) {
            rows.push((l[key].clone(), s[key].clone()));
        }
    }
    let rows: Vec<Value> = rows
        .into_iter()
        .map(|(k, v)| Value::Array(vec![k, v]))
        .collect();
    kv_table(b, &Value::Array(rows));
    table_head(
        b,
        l,
        &["suite", "pass", "fail", "na", "inconclusive", "total"],
    );
    for suite in items(&s["suites"]) {
        let c = &suite["counts"];
        let _ = write!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&suite["name"]),
            c["pass"],
            c["fail"],
            c["not_applicable"],
            c["inconclusive"],
            c["total"]
        );
    }
    b.push_str("</table></section>");

    // Every check, filterable.
    let _ = write!(
        b,
        "<section id=\"checks\"><div class=\"filters\"><label>{} <select id=\"suite-filter\"><option value=\"\">{}</option>",
        esc(&l["suite"]),
        esc(&l["total"])
    );
    for suite in items(&d["suites"]) {
        let _ = write!(
            b,
            "<option value=\"{}\">{}</option>",
            esc(&suite["key"]),
            esc(&suite["name"])
        );
    }
    b.push_str("</select></label>");
    for (status, label) in [
        ("pass", "pass"),
        ("fail", "fail"),
        ("waived", "fail"),
        ("not_applicable", "na"),
        ("inconclusive", "inconclusive"),
    ] {
        let extra = if status == "waived" { " *" } else { "" };
        let _ = write!(
            b,
            "<label><input type=\"checkbox\" class=\"outcome-filter\" value=\"{status}\" checked> {}{extra}</label>",
            esc(&l[label])
        );
    }
    b.push_str("<span id=\"visible-count\"></span></div>");
    let mut n = 2;
    for suite in items(&d["suites"]) {
        n += 1;
        let _ = write!(b, "<h2>{n} {}</h2>", esc(&suite["name"]));
        checks_table(b, l, items(&suite["checks"]), &d["appendix"]);
        if suite["manual_ids"].as_str().is_some_and(|m| !m.is_empty()) {
            let _ = write!(
                b,
                "<p class=\"small\">{}{}</p>",
                esc(&l["manual_elsewhere"]),
                esc(&suite["manual_ids"])
            );
        }
    }
    b.push_str("</section>");

    // Nonconformities with advice.
    n += 1;
    let _ = write!(
        b,
        "<section id=\"nonconformities\"><h2>{n} {}</h2>",
        esc(&l["nonconformities"])
    );
    let ncs = items(&d["nonconformities"]);
    if ncs.is_empty() {
        let _ = write!(b, "<p>{}</p>", esc(&l["none"]));
    } else {
        let _ = write!(b, "<p>{}</p>", esc(&l["nonconformities_intro"]));
        table_head(b, l, &["id", "problem", "advice"]);
        for c in ncs {
            let _ = write!(
                b,
                "<tr><td><b>{}</b><br>{}</td><td><b>{}</b><div class=\"finding\">{}</div><div class=\"small\">{}{}{}</div></td><td>{}</td></tr>",
                esc(&c["id"]),
                esc(&c["severity"]),
                esc(&c["title"]),
                esc(&c["finding"]),
                esc(&l["clauses"]),
                esc(&l["colon"]),
                esc(&c["clauses"]),
                esc(&c["advice"])
            );
        }
        b.push_str("</table>");
    }
    b.push_str("</section>");

    // Waivers, manual checks with the lab's records, thresholds.
    n += 1;
    let _ = write!(
        b,
        "<section id=\"waivers\"><h2>{n} {}</h2>",
        esc(&l["waivers"])
    );
    simple_table(b, l, &l["waiver_cols"], &d["waivers"]);
    let _ = write!(b, "<h3>{}</h3>", esc(&l["exclusion_title"]));
    simple_table(b, l, &Value::Null, &d["exclusions"]);
    b.push_str("</section>");
    n += 1;
    let _ = write!(
        b,
        "<section id=\"manual\"><h2>{n} {}</h2>",
        esc(&l["manual"])
    );
    let manual = items(&d["manual"]);
    if manual.is_empty() {
        let _ = write!(b, "<p>{}</p>", esc(&l["none"]));
    } else {
        checks_table(b, l, manual, &Value::Null);
    }
    b.push_str("</section>");
    n += 1;
    let _ = write!(
        b,
        "<section id=\"thresholds\"><h2>{n} {}</h2><p>{}</p>",
        esc(&l["thresholds"]),
        esc(&l["thresholds_intro"])
    );
    simple_table(b, l, &l["threshold_cols"], &d["thresholds"]);
    b.push_str("</section>");

    // Annex B: the sealed files.
    let _ = write!(
        b,
        "<section id=\"annex\"><h2>{}</h2><p>{}</p><table><tr>",
        esc(&l["annex"]),
        esc(&l["annex_intro"])
    );
    for h in items(&l["annex_cols"]) {
        let _ = write!(b, "<th>{}</th>", esc(h));
    }
    b.push_str("</tr>");
    for f in items(&d["annex"]) {
        let _ = write!(
            b,
            "<tr><td><code>{}</code></td><td>{}</td><td><code>SM3 {}<br>SHA-256 {}</code></td></tr>",
            esc(&f[0]),
            esc(&f[1]),
            esc(&f[2]),
            esc(&f[3])
        );
    }
    b.push_str("</table></section>");

    let script_hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(SCRIPT));
    let lang = if d["lang"] == "zh" { "zh-CN" } else { "en" };
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{script_hash}'\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body>{body}<footer class=\"small\">{}</footer><script>{SCRIPT}</script></body></html>\n",
        esc(&l["title"]),
        esc(&d["footer"])
    )
}

/// A table of plain rows, with headers when given; "none" when empty.
fn simple_table(out: &mut String, l: &Value, headers: &Value, rows: &Value) {
    if items(rows).is_empty() {
        let _ = write!(out, "<p>{}</p>", esc(&l["none"]));
        return;
    }
    out.push_str("<table>");
    if !items(headers).is_empty() {
        out.push_str("<tr>");
        for h in items(headers) {
            let _ = write!(out, "<th>{}</th>", esc(h));
        }
        out.push_str("</tr>");
    }
    for r in items(rows) {
        out.push_str("<tr>");
        for cell in items(r) {
            let _ = write!(out, "<td>{}</td>", esc(cell));
        }
        out.push_str("</tr>");
    }
    out.push_str("</table>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_is_escaped_and_break_hints_are_dropped() {
        assert_eq!(
            esc(&json!("<script>alert('x')</script> & \"q\"\u{200B}")),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
    }
}
