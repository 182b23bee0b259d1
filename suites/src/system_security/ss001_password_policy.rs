//! SS-001 — Identities are unique and passwords complex: self-registration refuses passwords
//! shorter than 8 characters or drawn from fewer than 3 of the 4 character classes (lab
//! threshold), accepts one that meets the policy, and refuses a second account with a name
//! already taken. Each attempt uses a new account name made for this run, so nothing existing
//! is touched; the accounts it manages to create stay on the platform (named `tp-probe-…`).

use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, LabThreshold, Mode, Provenance, Severity, Suite,
    ThresholdDefault, Verdict,
};

use crate::common::{self, class_password};
use crate::thresholds::PASSWORD_MIN_LENGTH;

/// Lab threshold: fewest of the four character classes (lower, upper, digit, other) a password must mix.
pub const PASSWORD_MIN_CLASSES: LabThreshold = LabThreshold {
    name: "password_min_classes",
    default: ThresholdDefault::Integer {
        value: 3,
        min: 1,
        max: 4,
    },
    unit: "classes",
    meaning: "fewest of the four character classes (lower, upper, digit, other) a password must mix",
};

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "SS-001",
    suite: Suite::SystemSecurity,
    title_zh: "身份标识唯一且口令复杂度达标",
    title_en: "Identities are unique and passwords meet the complexity policy",
    advice_zh: "用户标识唯一，口令至少8位并包含四类字符中的三类，拒绝弱口令。",
    advice_en: "Keep user identities unique and require passwords of at least 8 characters from 3 of 4 classes; refuse weak ones.",
    clauses: &[
        Clause {
            source: "GB/T 22239-2019 8.1.4.1 a) unique identities; passwords complex and changed periodically",
            zh: "GB/T 22239-2019 8.1.4.1 a) 身份标识具有唯一性，身份鉴别信息具有复杂度要求并定期更换",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "at least 8 characters from 3 of 4 character classes",
            zh: "至少 8 位，包含 4 类字符中的 3 类",
            provenance: Provenance::Policy,
        },
    ],
    tianping_clause: None,
    severity: Severity::High,
    weight: 3,
    mode: Mode::Remote,
    active: true,
    faults: &["weak-passwords-accepted"],
    thresholds: &[PASSWORD_MIN_LENGTH, PASSWORD_MIN_CLASSES],
};

pub const CHECK: CheckDef = CheckDef::remote(META, |ctx| Box::pin(run(ctx)));

/// Passwords the policy must refuse, with why: each allowed length with too few classes,
/// and all four classes one character short.
fn weak_passwords(min_length: usize, min_classes: usize) -> Vec<(String, String)> {
    let mut weak: Vec<(String, String)> = (1..min_classes.min(5))
        .map(|k| {
            (
                class_password(min_length, k),
                format!("{k} character class(es)"),
            )
        })
        .collect();
    if min_length > 1 {
        weak.push((
            class_password(min_length - 1, 4),
            format!("{} characters", min_length - 1),
        ));
    }
    weak
}

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let (min_length, min_classes) = (
        (ctx.config.thresholds.unsigned(&PASSWORD_MIN_LENGTH) as usize),
        (ctx.config.thresholds.unsigned(&PASSWORD_MIN_CLASSES) as usize),
    );
    let base = common::probe_account_prefix(ctx);
    let weak = weak_passwords(min_length, min_classes);
    // A conforming password is accepted first, so the refusals below mean something.
    let (ok, accepted) = common::register_probe_account(ctx, format!("{base}-ok")).await?;
    let mut failures = Vec::new();
    let mut answers = vec![format!("conforming password: {}", ctx.answer(&accepted))];
    for (i, (password, why)) in weak.iter().enumerate() {
        let ex = common::register(ctx, &format!("{base}-w{i}"), password).await?;
        let answer = ctx.answer(&ex);
        answers.push(format!("{why}: {answer}"));
        if answer.is_success() {
            failures.push(format!(
                "a password with {why} (`{password}`) was accepted ({answer})"
            ));
        }
    }
    let duplicate = common::register(ctx, &ok.username, &ok.password).await?;
    let answer = ctx.answer(&duplicate);
    answers.push(format!("duplicate name: {answer}"));
    if answer.is_success() {
        failures.push(format!(
            "a second account named `{}` was created ({answer})",
            ok.username
        ));
    }
    Ok(Verdict::from_probes(
        weak.len() as u64 + 1,
        &failures,
        (
            "weak passwords and duplicate names refused",
            "弱口令与重名注册（应被拒绝）",
        ),
    )
    .with("answers", answers.join("; "))
    .with("probe accounts", format!("{base}-*"))
    .with_threshold("password_min_length", min_length)
    .with_threshold("password_min_classes", min_classes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_passwords_have_the_length_and_classes_they_claim() {
        assert_eq!(class_password(8, 1), "abcdefgh");
        assert_eq!(class_password(8, 2), "aAbBcCdD");
        assert_eq!(class_password(7, 4), "aA2!bB3");
        let weak = weak_passwords(8, 3);
        let shown: Vec<&str> = weak.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(shown, ["abcdefgh", "aAbBcCdD", "aA2!bB3"]);
        // A stricter lab policy yields more and longer probes.
        assert_eq!(weak_passwords(10, 4).len(), 4);
        assert_eq!(weak_passwords(10, 4)[3].0.len(), 9);
    }
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
