//! SS-008 — Vendor default accounts are removed or renamed: none of a short dictionary of
//! default username/password pairs can log in to the console.

use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Mode, Problem, Provenance, Severity, Suite,
    Verdict,
};

use crate::common;

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "SS-008",
    suite: Suite::SystemSecurity,
    title_zh: "默认账户已删除或重命名",
    title_en: "Default accounts are removed or renamed",
    advice_zh: "删除或重命名默认账户，并修改默认口令。",
    advice_en: "Remove or rename default accounts and change default passwords.",
    clauses: &[Clause {
        source: "GB/T 22239-2019 8.1.4.2 b) rename or remove default accounts, change default passwords",
        zh: "GB/T 22239-2019 8.1.4.2 b) 重命名或删除默认账户，修改默认口令",
        provenance: Provenance::Verified,
    }],
    tianping_clause: None,
    severity: Severity::High,
    weight: 3,
    mode: Mode::Remote,
    active: true,
    faults: &["default-admin-account"],
    thresholds: &[],
};

pub const CHECK: CheckDef = CheckDef::remote(META, |ctx| Box::pin(run(ctx)));

/// Pairs vendors ship and operators forget; one attempt each, so no account is locked out.
const DEFAULTS: [(&str, &str); 8] = [
    ("admin", "admin"),
    ("admin", "admin123"),
    ("admin", "123456"),
    ("root", "root"),
    ("root", "123456"),
    ("administrator", "password"),
    ("test", "test"),
    ("guest", "guest"),
];

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    // The lab's own account logs in through the same operation, or the refusals below
    // prove nothing (a wrong path refuses everyone).
    common::console_login(ctx)
        .await
        .map_err(|e| CheckError::NoControl {
            control: "the lab's console account logging in".into(),
            answer: e.to_string(),
        })?;
    let mut failures = Vec::new();
    let mut undecided = Vec::new();
    for (user, pass) in DEFAULTS {
        let ex = common::login(ctx, user, pass).send().await?;
        let answer = ctx.answer(&ex);
        if !answer.is_success() && !answer.is_refusal() {
            undecided.push(Problem::new(
                format!("`{user}`: {answer}"),
                format!("`{user}`：{}", answer.describe_zh()),
            ));
        }
        if answer.is_success() {
            failures.push(format!(
                "`{user}` with its vendor default password logs in ({answer})"
            ));
        }
    }
    if failures.is_empty() && !undecided.is_empty() {
        return Ok(Verdict::undecided_listing(
            (
                "no default account logged in, but some logins were neither accepted nor refused",
                "没有默认账户登录成功，但部分登录既未被接受也未被拒绝",
            ),
            &undecided,
        ));
    }
    Ok(Verdict::from_probes(
        DEFAULTS.len() as u64,
        &failures,
        ("default accounts refused", "默认账户登录尝试（应被拒绝）"),
    )
    .with(
        "tried",
        DEFAULTS
            .iter()
            .map(|(u, _)| *u)
            .collect::<Vec<_>>()
            .join(", "),
    ))
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
