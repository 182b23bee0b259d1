//! Every answer the run received, for checks that judge a header or body rule on all of them
//! (they run after every other check: `CheckDef::after_others`).

/// How many answers were judged, in words, saying when some were received but not kept.
pub fn answers_judged(judged: usize, what: &str, not_kept: usize) -> String {
    if not_kept > 0 {
        format!(
            "{judged} {what}, every one the run received up to the cap ({not_kept} more were not kept)"
        )
    } else {
        format!("{judged} {what}, every one the run received")
    }
}
