//! DC-011 — API calls are cryptographically authenticated: a deposit that is unsigned, signed
//! with the wrong secret, or whose body was changed after signing is refused (401/403).

use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Method, Mode, Provenance, Severity, Suite,
    Verdict,
};

use crate::common;

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "DC-011",
    suite: Suite::DataCompliance,
    title_zh: "接口调用经密码技术鉴别",
    title_en: "API calls are cryptographically authenticated",
    clauses: &[
        Clause {
            source: "GB/T 39786-2021 8.4 a) cryptographic authentication of application users",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "GB/T 39786-2021 8.4 f) integrity of data in transit",
            provenance: Provenance::Verified,
        },
    ],
    tianping_clause: None,
    severity: Severity::Critical,
    weight: 4,
    mode: Mode::Remote,
    active: true,
    faults: &["signature-not-verified"],
    thresholds: &[],
};

pub const CHECK: CheckDef = CheckDef::remote(META, |ctx| Box::pin(run(ctx)));

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let body = common::deposit_body(ctx, &common::lab_content(ctx, "DC-011"))
        .to_string()
        .into_bytes();
    let json = vec![("content-type".to_string(), "application/json".to_string())];
    let path = common::paths::EVIDENCE;
    let now = chrono::Utc::now().timestamp();

    let unsigned = ctx
        .http
        .send(Method::POST, path, &json, Some(body.clone()))
        .await?;

    // Signed correctly, then the signature replaced by one made with another secret.
    let mut wrong_key = ctx.signing_headers("POST", path, &body, now, &ctx.nonce())?;
    let forged = tianping_profile::hmac::hmac_sm3(b"not the lab's secret", b"anything");
    wrong_key
        .iter_mut()
        .filter(|(k, _)| k == "x-tp-signature")
        .for_each(|(_, v)| *v = hex::encode(forged));
    wrong_key.extend(json.clone());
    let wrong_key = ctx
        .http
        .send(Method::POST, path, &wrong_key, Some(body.clone()))
        .await?;

    // Signed for one body, sent with another.
    let other = common::deposit_body(ctx, &common::lab_content(ctx, "DC-011 altered"))
        .to_string()
        .into_bytes();
    let mut changed = ctx.signing_headers("POST", path, &body, now, &ctx.nonce())?;
    changed.extend(json);
    let changed = ctx
        .http
        .send(Method::POST, path, &changed, Some(other))
        .await?;

    let mut failures = Vec::new();
    for (label, ex) in [
        ("unsigned", &unsigned),
        ("signed with a wrong secret", &wrong_key),
        ("body changed after signing", &changed),
    ] {
        if ex.is_success() {
            failures.push(format!("{label}: accepted (HTTP {})", ex.status));
        }
    }
    Ok(
        Verdict::from_probes(3, &failures, "unauthenticated requests refused")
            .with("unsigned", unsigned.excerpt())
            .with("wrong secret", wrong_key.excerpt())
            .with("changed body", changed.excerpt()),
    )
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
