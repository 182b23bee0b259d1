//! SS-016 — Input is validated: a body that is not JSON, a field of the wrong type, an
//! oversized body, and ids carrying path traversal or SQL are each answered with a 4xx — never a
//! 5xx (the input reached code that did not expect it) and never a success.

use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite, Verdict,
};

use crate::common;
use serde_json::Value;
use tianping_engine::http::Exchange;
use tianping_engine::{Answer, Operation};

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "SS-016",
    suite: Suite::SystemSecurity,
    title_zh: "输入数据有效性校验",
    title_en: "Input is validated",
    advice_zh: "对接口输入进行有效性校验，拒绝格式或长度不合规的数据。",
    advice_en: "Validate interface input and refuse data of the wrong form or length.",
    clauses: &[Clause {
        source: "GB/T 22239-2019 8.1.4.4 d) validity checking of data input through interfaces",
        zh: "GB/T 22239-2019 8.1.4.4 d) 对通过通信接口输入的内容进行数据有效性检验",
        provenance: Provenance::Verified,
    }],
    tianping_clause: None,
    severity: Severity::High,
    weight: 3,
    mode: Mode::Remote,
    active: true,
    faults: &["input-causes-500"],
    thresholds: &[],
};

pub const CHECK: CheckDef = CheckDef::remote(META, |ctx| Box::pin(run(ctx)));

/// A deposit with this logical body, shaped by the adapter.
async fn deposit(ctx: &Ctx, body: Value) -> Result<Exchange, CheckError> {
    ctx.call(Operation::Deposit).json(body).send().await
}

/// A receipt request with this id.
async fn receipt(ctx: &Ctx, id: &str) -> Result<Exchange, CheckError> {
    ctx.call(Operation::Receipt)
        .param("evidence_id", id)
        .send()
        .await
}

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    // A well-formed deposit and a read of its receipt go through, or the refusals below prove
    // nothing (a wrong path refuses everything).
    let (_, control) = common::deposit(ctx, &common::lab_content(ctx, "SS-016 control"))
        .await
        .map_err(|e| CheckError::NoControl {
            control: "a well-formed deposit".into(),
            answer: e.to_string(),
        })?;
    let id = ctx.fields.str(&control, "evidence_id")?;
    common::receipt(ctx, &id)
        .await
        .map_err(|e| CheckError::NoControl {
            control: "reading the well-formed deposit's receipt".into(),
            answer: e.to_string(),
        })?;
    let mut mistyped = common::deposit_body(ctx, &common::lab_content(ctx, "SS-016"));
    mistyped["business_type"] = serde_json::json!(123);
    // Just over the profile's 1 MiB original limit, yet small enough that a server reads the
    // whole body before refusing it: a far larger body makes many servers drop the connection
    // mid-upload, which says nothing about validation and disturbs concurrent checks.
    let oversized = common::deposit_body(ctx, &vec![b'x'; 1024 * 1024 + 4096]);
    let cases = [
        (
            "body that is not JSON",
            ctx.call(Operation::Deposit)
                .raw(b"{\"business_type\": ".to_vec(), "application/json")
                .send()
                .await?,
        ),
        (
            "business_type of the wrong type",
            deposit(ctx, mistyped).await?,
        ),
        ("3 MiB original", deposit(ctx, oversized).await?),
        (
            "path traversal in an id",
            receipt(ctx, "../../../../etc/passwd").await?,
        ),
        ("SQL in an id", receipt(ctx, "' OR '1'='1").await?),
    ];
    let mut failures = Vec::new();
    let mut verdict_lines = Vec::new();
    for (label, ex) in &cases {
        match ctx.answer(ex) {
            Answer::Refused { .. } => {}
            Answer::Failed(why) => failures.push(format!("{label}: {why}")),
            other => failures.push(format!("{label}: {other}, not refused")),
        }
        verdict_lines.push((label.to_string(), ex.excerpt()));
    }
    let mut verdict = Verdict::from_probes(
        cases.len() as u64,
        &failures,
        (
            "malformed inputs answered with 4xx",
            "畸形输入（应以4xx应答）",
        ),
    );
    for (k, v) in verdict_lines {
        verdict = verdict.with(k, v);
    }
    Ok(verdict)
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
