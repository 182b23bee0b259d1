//! DC-007 — Personal information is minimised in what the platform returns: no unmasked
//! resident ID number or mobile number appears in a deposit receipt, a fetched receipt or an
//! export, and a masked one shows no more than the rule allows (an ID's first 6 and last 4,
//! a mobile number's first 3 and last 4).

use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite, Verdict,
};

use tianping_engine::package::{Judgement, PackageCheck, PackageInfo, Record};

use crate::common;
use tianping_engine::Operation;

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "DC-007",
    suite: Suite::DataCompliance,
    title_zh: "输出中个人信息脱敏",
    title_en: "Personal information is masked in outputs",
    advice_zh: "对外输出的证件号与手机号按规则脱敏，只显示允许显示的位数。",
    advice_en: "Mask ID and mobile numbers in every output, showing no more digits than the rule allows.",
    clauses: &[
        Clause {
            source: "GB/T 22239-2019 8.1.4.11 a)/b) personal information protection",
            zh: "GB/T 22239-2019 8.1.4.11 a)/b) 个人信息保护",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "个人信息保护法 Arts. 6, 28, 51",
            zh: "个人信息保护法 第六条、第二十八条、第五十一条",
            provenance: Provenance::Known,
        },
    ],
    tianping_clause: None,
    severity: Severity::High,
    weight: 3,
    mode: Mode::Remote,
    active: false,
    faults: &["receipt-unmasked-id", "receipt-id-masked-too-little"],
    thresholds: &[],
};

pub const CHECK: CheckDef =
    CheckDef::remote(META, |ctx| Box::pin(run(ctx))).with_package(PackageCheck {
        judge: judge_record,
        what: "receipts",
        accounts_for_records: false,
    });

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let since = (chrono::Utc::now() - chrono::Duration::minutes(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let (deposit, receipt) = common::deposit(ctx, &common::lab_content(ctx, "DC-007")).await?;
    let id = ctx.fields.str(&receipt, "evidence_id")?;
    let (fetched, _) = common::receipt(ctx, &id).await?;
    let export = if ctx.offers(Operation::Export) {
        Some(
            ctx.call(Operation::Export)
                .param("since", since.as_str())
                .send()
                .await?,
        )
    } else {
        None
    };
    let mut failures = Vec::new();
    let mut undecided = Vec::new();
    let mut examined = 0;
    for (what, ex) in [
        ("deposit receipt", Some(&deposit)),
        ("fetched receipt", Some(&fetched)),
        ("export", export.as_ref()),
    ] {
        let Some(ex) = ex else { continue };
        // An export that failed, or that holds none of this run's deposits, shows nothing
        // about masking: it is not examined, and the check says so rather than pass it.
        if !ctx.answer(ex).is_success() {
            undecided.push(format!("{what} answered {}", ctx.answer(ex)));
            continue;
        }
        if what == "export" && !String::from_utf8_lossy(&ex.body).contains(&*id) {
            undecided.push(format!("{what} holds none of this run's deposits ({id})"));
            continue;
        }
        examined += 1;
        let found = common::personal_data_tokens(&ex.json()?);
        if !found.is_empty() {
            failures.push(format!("{what} {}: unmasked {}", ex.path, found.join(", ")));
        }
    }
    if failures.is_empty() && !undecided.is_empty() {
        return Err(CheckError::protocol(format!(
            "no unmasked personal data in the {examined} answers examined, but {}",
            undecided.join("; ")
        )));
    }
    Ok(Verdict::from_samples(
        examined,
        &failures,
        (
            "responses scanned for unmasked personal data",
            "应答（检查未脱敏个人信息）",
        ),
    )
    .with("deposit receipt", deposit.excerpt())
    .with(
        "export",
        match &export {
            Some(ex) => format!("{} ({} bytes)", ctx.answer(ex), ex.body.len()),
            None => "not offered (the adapter maps no `export` operation)".into(),
        },
    ))
}

fn judge_record(_: &PackageInfo, record: &Record) -> Judgement {
    match record.receipt() {
        Ok(receipt) => Judgement::from_problems(
            common::personal_data_tokens(receipt)
                .into_iter()
                .map(|t| format!("unmasked {t}"))
                .collect(),
        ),
        Err(_) => Judgement::NotExamined,
    }
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
