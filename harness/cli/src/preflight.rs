//! Pre-flight: what a live run needs, looked at once before any check runs, so a missing
//! credential or an unreachable target is one clear message rather than the same
//! inconclusive reason on every check. `run --dry-run` prints it with the plan and stops.

use std::time::Duration;

use tianping_engine::{Answer, Ctx, Operation, Refusal};
use tianping_target::Target;

use crate::adapter_check;

/// One thing the run needs, and whether it is there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// What was looked at.
    pub what: String,
    /// What was found.
    pub found: String,
    /// Whether the run can do without it: missing, it only leaves some checks undecided.
    pub ready: bool,
    /// Ready, but worth a look before the run: what it found may be a finding, or a gap in
    /// the lab's configuration.
    pub warning: bool,
}

impl Item {
    fn ready(what: impl Into<String>, found: impl Into<String>) -> Item {
        Item {
            what: what.into(),
            found: found.into(),
            ready: true,
            warning: false,
        }
    }

    fn missing(what: impl Into<String>, found: impl Into<String>) -> Item {
        Item {
            ready: false,
            ..Item::ready(what, found)
        }
    }

    fn warning(what: impl Into<String>, found: impl Into<String>) -> Item {
        Item {
            warning: true,
            ..Item::ready(what, found)
        }
    }
}

/// Looks at the credentials the configuration names and at the target's API endpoint. The
/// embedded reference platform needs no look: it hands its own accounts over.
pub async fn check(target: &Target) -> Vec<Item> {
    let mut items = Vec::new();
    if target.reference.is_some() {
        return items;
    }
    let needs = Needs::of(&target.config.selection);
    let vars = &target.config.credentials;
    let c = &target.credentials;
    // (what, required, variable names, values): the optional accounts only decide a check
    // or two, which then says why it is undecided.
    let pairs = [
        (
            "API account (deposits, queries: nearly every check)",
            needs.api,
            [&vars.api_key_id_env, &vars.api_secret_env],
            [c.api_key_id.as_str(), c.api_secret.expose()],
        ),
        (
            "console account (SS-001, SS-004, SS-005, SS-011)",
            needs.console,
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
        // Only the variables' names, never their values.
        items.push(if missing.is_empty() {
            Item::ready(
                what,
                format!("set ({})", names.map(|n| n.as_str()).join(", ")),
            )
        } else if required {
            Item::missing(what, format!("not set: {}", missing.join(", ")))
        } else {
            Item::ready(
                what,
                format!(
                    "not set: {} (not needed by the selected checks, or optional: those \
                     checks will say they are undecided)",
                    missing.join(", ")
                ),
            )
        });
    }
    let target_item = format!("target {}", target.summary.base_url);
    let api_account_set = items.first().is_some_and(|i| i.found.starts_with("set"));
    let ctx = match Ctx::new(
        target.config.clone(),
        target.credentials.clone(),
        target.trust_roots.clone(),
    ) {
        Ok(ctx) => ctx,
        Err(e) => {
            items.push(Item::missing(target_item, e.to_string()));
            return items;
        }
    };
    if let Err(e) = tianping_engine::runner::reachability(&ctx).await {
        items.push(Item::missing(
            target_item,
            format!("{e}: every remote check would be inconclusive"),
        ));
        return items;
    }
    items.push(Item::ready(target_item, "answers"));
    // Side by side, each bounded: a target that accepts connections and never answers costs
    // the pre-flight seconds, not a request timeout per item.
    let wait = Duration::from_secs(ctx.config.limits.request_timeout_secs.clamp(1, 10));
    let https = ctx.http.base().scheme() == "https";
    let (trust, metadata, account) = tokio::join!(
        bounded(wait, TLS_TRUST, tls_trust(&ctx)),
        bounded(wait, PLATFORM_METADATA, platform_metadata(&ctx)),
        bounded(wait, API_ACCOUNT, api_account_accepted(&ctx)),
    );
    if https {
        items.push(trust);
    }
    // A selection of transport checks alone reads no metadata: an API that does not answer
    // its `platform` operation is then worth knowing, not a reason to stop.
    items.push(if needs.api {
        metadata
    } else {
        Item {
            ready: true,
            warning: !metadata.ready || metadata.warning,
            ..metadata
        }
    });
    if api_account_set {
        items.push(account);
    }
    items
}

/// What the selected checks need of the lab's accounts and the API.
struct Needs {
    /// Some selected automated check calls the API (all but the transport probes do).
    api: bool,
    /// Some selected check logs in to the console.
    console: bool,
}

/// The checks that log in to the console.
const CONSOLE_CHECKS: [&str; 4] = ["SS-001", "SS-004", "SS-005", "SS-011"];

impl Needs {
    fn of(selection: &tianping_engine::config::Selection) -> Needs {
        let registry = tianping_suites::registry();
        let selected = tianping_engine::runner::select(&registry, selection);
        Needs {
            api: selected
                .iter()
                .any(|c| c.meta.mode != tianping_engine::model::Mode::Manual && !c.transport_only),
            console: selected.iter().any(|c| CONSOLE_CHECKS.contains(&c.meta.id)),
        }
    }
}

/// `item`, or missing when it takes longer than `wait`.
async fn bounded(wait: Duration, what: &str, item: impl Future<Output = Item>) -> Item {
    tokio::time::timeout(wait, item)
        .await
        .unwrap_or_else(|_| Item::missing(what, format!("no answer within {} s", wait.as_secs())))
}

const TLS_TRUST: &str = "TLS trust (the API's certificate against [target] trust_roots)";
const PLATFORM_METADATA: &str = "platform metadata (adapter operation `platform`)";
const API_ACCOUNT: &str = "API account accepted (signed `receipt` of an unknown id)";

/// Whether the API server's certificate chains to the lab's trust anchors. Not a blocker
/// either way (API traffic records any chain, and CERT-003 judges it), but a chain that
/// does not validate is either a finding to come or an anchor the lab forgot to name.
async fn tls_trust(ctx: &Ctx) -> Item {
    let what = TLS_TRUST;
    let (host, port) = (ctx.api_host(), ctx.api_port());
    // Over TLCP, the signing certificate is the one that names the server.
    let chain: Vec<Vec<u8>> =
        if ctx.config.target.transport == tianping_engine::config::Transport::Tlcp {
            match ctx
                .http
                .tlcp_handshake(&host, port, &tianping_tlcp::CipherSuite::ALL)
                .await
            {
                Ok(Ok(info)) => info.certificates,
                Ok(Err(e)) => return Item::missing(what, format!("no TLCP handshake: {e}")),
                Err(e) => return Item::missing(what, format!("no TLCP handshake: {e}")),
            }
        } else {
            match ctx.http.peer_tls(&host, port, &host).await {
                Ok(peer) => peer.chain.iter().map(|c| c.to_vec()).collect(),
                Err(e) => return Item::missing(what, format!("no TLS handshake: {e}")),
            }
        };
    if ctx.trust_roots.is_empty() {
        return Item::warning(
            what,
            "no trust_roots named: CERT-003 will find no path for the server's certificate",
        );
    }
    let roots: Vec<Vec<u8>> = ctx.trust_roots.iter().map(|c| c.to_vec()).collect();
    match tianping_suites::certificates::paths::validate_server_chain(&chain, &roots) {
        Ok(()) => Item::ready(what, "the server's chain validates to a trust anchor"),
        Err(why) => Item::warning(
            what,
            format!(
                "{why}: CERT-003 will fail, unless the platform's anchor is missing from \
                 trust_roots"
            ),
        ),
    }
}

/// The adapter's `platform` operation answers with the metadata the checks read. Read only:
/// nothing is deposited before the run.
async fn platform_metadata(ctx: &Ctx) -> Item {
    let what = PLATFORM_METADATA;
    let (report, _) = adapter_check::step(
        ctx,
        Operation::Platform,
        &[],
        None,
        adapter_check::PLATFORM_FIELDS,
    )
    .await;
    if report.skipped {
        return Item::ready(
            what,
            "not mapped: the checks that read it will say they are undecided",
        );
    }
    let readable = report.fields.iter().filter(|f| f.value.is_ok()).count();
    match (&report.answer, report.succeeded) {
        (Err(e), _) => Item::missing(what, e.to_string()),
        (Ok(answer), false) => Item::missing(what, format!("{} → {answer}", report.request)),
        (Ok(_), true) if readable == 0 => Item::missing(
            what,
            format!(
                "{} answers, but none of its fields is where the adapter points: check [fields]",
                report.request
            ),
        ),
        (Ok(_), true) => Item::ready(
            what,
            format!(
                "{} answers ({readable} of {} fields readable)",
                report.request,
                report.fields.len()
            ),
        ),
    }
}

/// A signed read of an evidence id that cannot exist: "not found" or "invalid" shows the
/// platform accepts the lab's API account and signature; "denied" shows it does not, and
/// every check that deposits would be undecided.
async fn api_account_accepted(ctx: &Ctx) -> Item {
    let what = API_ACCOUNT;
    if !ctx.offers(Operation::Receipt) {
        return Item::ready(what, "not mapped: not looked at");
    }
    let unknown = format!("tianping-preflight-{}", ctx.nonce());
    let ex = match ctx
        .call(Operation::Receipt)
        .param("evidence_id", unknown.as_str())
        .send()
        .await
    {
        Ok(ex) => ex,
        Err(e) => return Item::missing(what, e.to_string()),
    };
    match ctx.answer(&ex) {
        answer @ Answer::Refused {
            kind: Refusal::Denied,
            ..
        } => Item::missing(
            what,
            format!(
                "refused ({answer}): the platform does not accept the lab's API account or its \
                 signature; check the credentials and the adapter's [auth]"
            ),
        ),
        answer @ (Answer::Refused { .. } | Answer::Success) => {
            Item::ready(what, format!("accepted ({answer})"))
        }
        other => Item::missing(what, format!("{other}: {}", ex.excerpt())),
    }
}

/// The items as lines for the console.
pub fn lines(items: &[Item]) -> Vec<String> {
    items
        .iter()
        .map(|i| {
            format!(
                "{} {}: {}",
                match (i.ready, i.warning, i.found.starts_with("not set")) {
                    (false, _, _) => "MISSING",
                    (true, true, _) => "CHECK  ",
                    (true, false, true) => "absent ",
                    (true, false, false) => "ok     ",
                },
                i.what,
                i.found
            )
        })
        .collect()
}
