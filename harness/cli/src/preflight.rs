//! Pre-flight: what a live run needs, looked at once before any check runs, so a missing
//! credential or an unreachable target is one clear message rather than the same
//! inconclusive reason on every check. `run --dry-run` prints it with the plan and stops.

use tianping_engine::Ctx;
use tianping_target::Target;

/// One thing the run needs, and whether it is there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// What was looked at.
    pub what: String,
    /// What was found.
    pub found: String,
    /// Whether the run can do without it: missing, it only leaves some checks undecided.
    pub ready: bool,
}

/// Looks at the credentials the configuration names and at the target's API endpoint. The
/// embedded reference platform needs no look: it hands its own accounts over.
pub async fn check(target: &Target) -> Vec<Item> {
    let mut items = Vec::new();
    if target.reference.is_some() {
        return items;
    }
    let vars = &target.config.credentials;
    let c = &target.credentials;
    // (what, required, variable names, values): the optional accounts only decide a check
    // or two, which then says why it is undecided.
    let pairs = [
        (
            "API account (deposits, queries: nearly every check)",
            true,
            [&vars.api_key_id_env, &vars.api_secret_env],
            [c.api_key_id.as_str(), c.api_secret.expose()],
        ),
        (
            "console account (SS-001, SS-004, SS-005, SS-011)",
            true,
            [&vars.username_env, &vars.password_env],
            [c.username.as_str(), c.password.expose()],
        ),
        (
            "second depositor (SS-009, SS-024)",
            false,
            [&vars.second_api_key_id_env, &vars.second_api_secret_env],
            [c.second_api_key_id.as_str(), c.second_api_secret.expose()],
        ),
        (
            "account the lab may lock (SS-003)",
            false,
            [&vars.lockout_username_env, &vars.lockout_password_env],
            [c.lockout_username.as_str(), c.lockout_password.expose()],
        ),
    ];
    for (what, required, names, values) in pairs {
        let missing: Vec<&str> = names
            .iter()
            .zip(values)
            .filter(|(_, v)| v.is_empty())
            .map(|(n, _)| n.as_str())
            .collect();
        items.push(Item {
            what: what.to_string(),
            // Only the variables' names, never their values.
            found: if missing.is_empty() {
                format!("set ({})", names.map(|n| n.as_str()).join(", "))
            } else if required {
                format!("not set: {}", missing.join(", "))
            } else {
                format!(
                    "not set: {} (optional: those checks will say they are undecided)",
                    missing.join(", ")
                )
            },
            ready: missing.is_empty() || !required,
        });
    }
    let base = target.summary.base_url.clone();
    let reachable = match Ctx::new(
        target.config.clone(),
        target.credentials.clone(),
        target.trust_roots.clone(),
    ) {
        Ok(ctx) => match tianping_engine::runner::reachability(&ctx).await {
            Ok(()) => Item {
                what: format!("target {base}"),
                found: "answers".into(),
                ready: true,
            },
            Err(e) => Item {
                what: format!("target {base}"),
                found: format!("{e}: every remote check would be inconclusive"),
                ready: false,
            },
        },
        Err(e) => Item {
            what: format!("target {base}"),
            found: e.to_string(),
            ready: false,
        },
    };
    items.push(reachable);
    items
}

/// The items as lines for the console.
pub fn lines(items: &[Item]) -> Vec<String> {
    items
        .iter()
        .map(|i| {
            format!(
                "{} {}: {}",
                match (i.ready, i.found.starts_with("not set")) {
                    (false, _) => "MISSING",
                    (true, true) => "absent ",
                    (true, false) => "ok     ",
                },
                i.what,
                i.found
            )
        })
        .collect()
}
