//! DC-017 — The platform deposits only for the business types the court approved: it declares
//! them (a subset of `[deposit] approved_business_types`, by default the access process's
//! e-commerce, finance, copyright, notary, deposit) and refuses a deposit of another type
//! while accepting one of the approved type.

use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite, Verdict,
};

use crate::common;
use tianping_engine::Problem;

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "DC-017",
    suite: Suite::DataCompliance,
    title_zh: "存证业务类型限于批准范围",
    title_en: "Deposits are limited to the approved business types",
    advice_zh: "仅受理批准范围内的存证业务类型，拒绝其他类型。",
    advice_en: "Accept deposits only of the approved business types and refuse the others.",
    clauses: &[Clause {
        source: "天平链应用接入管理规范 4.8 c): use within the approved business scope",
        zh: "天平链应用接入管理规范 4.8 c)：在核准的业务范围内使用",
        provenance: Provenance::Verified,
    }],
    tianping_clause: Some("管理规范 4.8 c)"),
    severity: Severity::High,
    weight: 3,
    mode: Mode::Remote,
    active: false,
    faults: &["any-business-type"],
    thresholds: &[],
};

pub const CHECK: CheckDef = CheckDef::remote(META, |ctx| Box::pin(run(ctx)));

/// A business type no court approves, for the refusal probe.
const UNAPPROVED: &str = "online-gaming";

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let info = common::platform_info(ctx).await?;
    let declared: Vec<String> = match ctx.fields.get(&info, "platform_business_types").as_deref() {
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => {
            return Err(CheckError::Field {
                field: "platform_business_types".into(),
                detail: "absent or not a list".into(),
            });
        }
    };
    // What the court approved for this applicant, as the lab records it.
    let approved = &ctx.config.deposit.approved_business_types;
    let mut failures = Vec::new();
    if declared.is_empty() {
        failures.push(Problem::new(
            "the platform declares no business type",
            "平台未声明任何业务类型",
        ));
    }
    for t in declared.iter().filter(|t| !approved.contains(t)) {
        failures.push(Problem::new(
            format!(
                "declared type `{t}` is not among those approved ({})",
                approved.join(", ")
            ),
            format!(
                "声明的业务类型 `{t}` 不在核准范围内（{}）",
                approved.join("、")
            ),
        ));
    }
    // The control: a deposit of the lab's approved type goes through, or the refusal below
    // proves nothing.
    let control = common::deposit_raw(
        ctx,
        &common::deposit_body(ctx, &common::lab_content(ctx, "DC-017 control")),
    )
    .await?;
    if common::deposit_answer(ctx, &control) != common::DepositAnswer::Accepted {
        return Err(CheckError::NoControl {
            control: format!(
                "a deposit of the approved type `{}`",
                ctx.config.deposit.business_type
            ),
            answer: control.excerpt(),
        });
    }
    let mut body = common::deposit_body(ctx, &common::lab_content(ctx, "DC-017"));
    body["business_type"] = serde_json::json!(UNAPPROVED);
    let ex = common::deposit_raw(ctx, &body).await?;
    match common::deposit_answer(ctx, &ex) {
        common::DepositAnswer::Refused => {}
        common::DepositAnswer::Accepted => failures.push(Problem::new(
            format!("a deposit of unapproved type `{UNAPPROVED}` was accepted"),
            format!("未核准业务类型 `{UNAPPROVED}` 的存证被接受"),
        )),
        common::DepositAnswer::Undecided(why) if failures.is_empty() => {
            return Err(CheckError::protocol(format!(
                "a deposit of unapproved type `{UNAPPROVED}`: {why}"
            )));
        }
        common::DepositAnswer::Undecided(_) => {}
    }
    let verdict = if failures.is_empty() {
        Verdict::pass(format!(
            "declares {} and refuses `{UNAPPROVED}`",
            declared.join(", ")
        ))
        .zh(format!(
            "声明业务类型 `{}`，并拒绝 `{UNAPPROVED}`",
            declared.join("`、`")
        ))
    } else {
        Verdict::fail_listing(&failures)
    };
    Ok(verdict
        .with("declared business types", declared.join(", "))
        .with("approved business types", approved.join(", "))
        .with("control deposit", control.excerpt())
        .with("unapproved deposit", ex.excerpt()))
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
