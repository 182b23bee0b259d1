//! Comparison of two runs, for a rectification re-test: which nonconformities were fixed,
//! which are still open, which are new, and how the score and conclusion moved.

use serde::Serialize;
use tianping_model::{Outcome, RunResults};

#[derive(Debug, Serialize, PartialEq)]
pub struct Change {
    pub id: String,
    pub title_zh: String,
    pub before: String,
    pub after: String,
}

#[derive(Debug, Serialize)]
pub struct RunDiff {
    pub old_run: String,
    pub new_run: String,
    pub fixed: Vec<Change>,
    pub still_open: Vec<Change>,
    pub new_nonconformities: Vec<Change>,
    /// Other outcome changes (e.g. inconclusive → pass, pass → not applicable).
    pub other_changes: Vec<Change>,
    pub score_before: Option<f64>,
    pub score_after: Option<f64>,
    pub conclusion_before: Option<String>,
    pub conclusion_after: Option<String>,
}

fn key(o: Option<&Outcome>) -> String {
    o.map(|o| o.key().to_string())
        .unwrap_or_else(|| "absent".into())
}

fn conclusion(r: &RunResults) -> Option<String> {
    r.assessment
        .as_ref()
        .and_then(|a| serde_json::to_value(a.conclusion).ok())
        .and_then(|v| v.as_str().map(str::to_string))
}

pub fn diff(old: &RunResults, new: &RunResults) -> RunDiff {
    let mut d = RunDiff {
        old_run: old.run_id.clone(),
        new_run: new.run_id.clone(),
        fixed: vec![],
        still_open: vec![],
        new_nonconformities: vec![],
        other_changes: vec![],
        score_before: old.assessment.as_ref().and_then(|a| a.score),
        score_after: new.assessment.as_ref().and_then(|a| a.score),
        conclusion_before: conclusion(old),
        conclusion_after: conclusion(new),
    };
    let mut ids: Vec<&str> = old
        .results
        .iter()
        .chain(&new.results)
        .map(|r| r.id.as_str())
        .collect();
    ids.sort();
    ids.dedup();
    for id in ids {
        let before = old.results.iter().find(|r| r.id == id);
        let after = new.results.iter().find(|r| r.id == id);
        let (b, a) = (before.map(|r| &r.outcome), after.map(|r| &r.outcome));
        let title = after
            .or(before)
            .map(|r| r.title_zh.clone())
            .unwrap_or_default();
        let change = Change {
            id: id.to_string(),
            title_zh: title,
            before: key(b),
            after: key(a),
        };
        match (b, a) {
            (Some(Outcome::Fail), Some(Outcome::Fail)) => d.still_open.push(change),
            (Some(Outcome::Fail), Some(Outcome::Pass)) => d.fixed.push(change),
            (_, Some(Outcome::Fail)) => d.new_nonconformities.push(change),
            _ if change.before != change.after => d.other_changes.push(change),
            _ => {}
        }
    }
    d
}

pub fn render_text(d: &RunDiff) -> String {
    let mut out = format!("{} → {}\n", d.old_run, d.new_run);
    let score = |s: Option<f64>| s.map(|s| format!("{s:.2}")).unwrap_or_else(|| "—".into());
    out.push_str(&format!(
        "score {} → {}; conclusion {} → {}\n",
        score(d.score_before),
        score(d.score_after),
        d.conclusion_before.as_deref().unwrap_or("—"),
        d.conclusion_after.as_deref().unwrap_or("—")
    ));
    for (title, list) in [
        ("fixed", &d.fixed),
        ("still open", &d.still_open),
        ("new nonconformities", &d.new_nonconformities),
        ("other changes", &d.other_changes),
    ] {
        out.push_str(&format!("\n{title} ({}):\n", list.len()));
        for c in list {
            out.push_str(&format!(
                "  {:<9} {} ({} → {})\n",
                c.id, c.title_zh, c.before, c.after
            ));
        }
    }
    out
}
