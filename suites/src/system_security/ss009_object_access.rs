//! SS-009 — Object-level access control: a second depositor account cannot read, download or
//! verify against the first account's evidence. Each attempt must be refused (403) or answered
//! as if the evidence did not exist (404); the second account's own evidence stays readable,
//! so a refusal is not just a broken key.

use serde_json::json;
use tianping_engine::{
    Account, CheckDef, CheckError, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite,
    Verdict,
};

use crate::common;
use tianping_engine::{Answer, Operation, Problem};

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "SS-009",
    suite: Suite::SystemSecurity,
    title_zh: "对象级访问控制",
    title_en: "One account cannot reach another account's evidence",
    advice_zh: "按对象校验访问权限，一个账户不得读取其他账户的存证。",
    advice_en: "Check access per object, so one account cannot read another account's evidence.",
    clauses: &[Clause {
        source: "GB/T 22239-2019 8.1.4.2 a)/e)/f) access control at user and record granularity",
        zh: "GB/T 22239-2019 8.1.4.2 a)/e)/f) 访问控制粒度达到用户级和记录级",
        provenance: Provenance::Verified,
    }],
    tianping_clause: None,
    severity: Severity::Critical,
    weight: 4,
    mode: Mode::Remote,
    active: false,
    faults: &["object-access-unchecked"],
    thresholds: &[],
};

pub const CHECK: CheckDef = CheckDef::remote(META, |ctx| Box::pin(run(ctx)));

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    if !ctx.has_account(Account::Second) {
        return Err(CheckError::Config(format!(
            "no second depositor account: set {} and {}",
            ctx.config.credentials.second_api_key_id_env,
            ctx.config.credentials.second_api_secret_env
        )));
    }
    let (_, receipt) = common::deposit(ctx, &common::lab_content(ctx, "SS-009")).await?;
    let id = ctx.fields.str(&receipt, "evidence_id")?;
    let file_hash = ctx.fields.str(&receipt, "file_hash")?;
    // The second account's own deposit, read back: its key works.
    let own_body = common::deposit_body(ctx, &common::lab_content(ctx, "SS-009 second account"));
    let own = ctx
        .call(Operation::Deposit)
        .json(own_body)
        .as_account(Account::Second)
        .send()
        .await?;
    let own_id = ctx
        .fields
        .str(&ctx.success_json(&own)?, "evidence_id")?
        .to_string();
    let own_read = ctx
        .call(Operation::Receipt)
        .param("evidence_id", own_id.as_str())
        .as_account(Account::Second)
        .send()
        .await?;
    if !ctx.answer(&own_read).is_success() {
        return Err(CheckError::NoControl {
            control: "the second account reading its own receipt".into(),
            answer: own_read.excerpt(),
        });
    }
    let verify_body = json!({"file_hash": &*file_hash});
    let probes = [
        (("receipt", "回执"), Operation::Receipt, None),
        (("original", "原文"), Operation::Original, None),
        (
            ("deposit certificate", "存证证书"),
            Operation::DepositCertificate,
            None,
        ),
        (("verify", "核验"), Operation::Verify, Some(verify_body)),
    ];
    let mut failures = Vec::new();
    let mut undecided = Vec::new();
    let mut answers = Vec::new();
    let mut sent = 0u64;
    for ((what, what_zh), op, body) in probes {
        if !ctx.offers(op) {
            answers.push(format!("{what}: not offered"));
            continue;
        }
        if op == Operation::Verify && ctx.config.architecture.public_verification {
            answers.push(format!(
                "{what}: not probed (architecture.public_verification = true: anyone may \
                 verify, as declared and accepted)"
            ));
            continue;
        }
        let mut call = ctx
            .call(op)
            .param("evidence_id", &*id)
            .as_account(Account::Second);
        if let Some(body) = body {
            call = call.json(body);
        }
        let ex = call.send().await?;
        sent += 1;
        let answer = ctx.answer(&ex);
        answers.push(format!("{what}: {answer}"));
        match answer {
            Answer::Success => failures.push(format!(
                "{} {} ({what}) as the second account succeeded ({} bytes)",
                ex.method,
                ex.path,
                ex.body.len()
            )),
            Answer::Refused { .. } => {}
            other => undecided.push(Problem::new(
                format!("{what}: {other}"),
                format!("{what_zh}：{}", other.describe_zh()),
            )),
        }
    }
    let verdict = if failures.is_empty() && !undecided.is_empty() {
        Verdict::undecided_listing(
            (
                "no request for another account's evidence succeeded, but some were neither \
                 refused nor answered",
                "访问他人存证的请求均未成功，但部分既未被拒绝也未得到应答",
            ),
            &undecided,
        )
    } else {
        Verdict::from_probes(
            sent,
            &failures,
            (
                "requests for another account's evidence refused",
                "访问他人存证的请求（应被拒绝）",
            ),
        )
    };
    Ok(verdict.with("answers", answers.join("; ")))
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
