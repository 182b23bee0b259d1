//! DC-004 — The platform's verify service detects tampering: the original verifies, while a
//! one-bit flip, a truncated copy and the right content under another evidence id are each
//! answered with an explicit mismatch (HTTP 409 CONFLICT, or `match: false`).

use serde_json::json;
use tianping_engine::http::Exchange;
use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite, Verdict,
};

use crate::common;
use tianping_engine::{Operation, Refusal};

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "DC-004",
    suite: Suite::DataCompliance,
    title_zh: "篡改可被核验发现",
    title_en: "Tampering is detected by verification",
    advice_zh: "核验接口须对被篡改的文件或摘要给出不一致结论。",
    advice_en: "Make verification report a mismatch for any altered file or digest.",
    clauses: &[
        Clause {
            source: "在线诉讼规则 (2021) Art. 16: technical verification shows consistency",
            zh: "人民法院在线诉讼规则（2021）第十六条：技术核验一致",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "Hangzhou Internet Court API: CONFLICT/409 for data inconsistent with chain",
            zh: "杭州互联网法院接口：与链上不一致的数据返回 CONFLICT/409",
            provenance: Provenance::Verified,
        },
    ],
    tianping_clause: None,
    severity: Severity::Critical,
    weight: 5,
    mode: Mode::Remote,
    active: false,
    faults: &["verify-ignores-content"],
    thresholds: &[],
};

pub const CHECK: CheckDef = CheckDef::remote(META, |ctx| Box::pin(run(ctx)));

#[derive(Debug, PartialEq)]
enum Answer {
    Match,
    Mismatch,
}

async fn verify(
    ctx: &Ctx,
    evidence_id: &str,
    content: &[u8],
) -> Result<(Answer, Exchange), CheckError> {
    use base64::Engine;
    let body = json!({"content_base64": base64::engine::general_purpose::STANDARD.encode(content)});
    let ex = ctx
        .call(Operation::Verify)
        .param("evidence_id", evidence_id)
        .json(body)
        .send()
        .await?;
    let flag = ex.json().ok().and_then(|doc| {
        ctx.fields
            .get(&doc, "verify_match")
            .and_then(|v| v.as_bool())
    });
    // A refusal to verify (no such record, content does not match) says "mismatch" too; a
    // denial or a failure says nothing.
    let answer = match (ctx.answer(&ex), flag) {
        (tianping_engine::Answer::Success, Some(true)) => Answer::Match,
        (tianping_engine::Answer::Success, Some(false)) => Answer::Mismatch,
        (
            tianping_engine::Answer::Refused {
                kind: Refusal::NotFound | Refusal::Invalid,
                ..
            },
            _,
        ) => Answer::Mismatch,
        _ => {
            return Err(CheckError::protocol(format!(
                "verify gave no explicit answer: {}",
                ex.excerpt()
            )));
        }
    };
    Ok((answer, ex))
}

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let original = common::lab_content(ctx, "DC-004 original");
    let (_, receipt) = common::deposit(ctx, &original).await?;
    let id = ctx.fields.str(&receipt, "evidence_id")?.to_string();
    let other = common::lab_content(ctx, "DC-004 other");
    let (_, other_receipt) = common::deposit(ctx, &other).await?;
    let other_id = ctx.fields.str(&other_receipt, "evidence_id")?.to_string();

    let mut flipped = original.clone();
    flipped[0] ^= 0x01;
    let truncated = original[..original.len() - 1].to_vec();
    let cases: [(&str, &str, &[u8], Answer); 4] = [
        ("original", &id, &original, Answer::Match),
        ("one bit flipped", &id, &flipped, Answer::Mismatch),
        ("truncated by one byte", &id, &truncated, Answer::Mismatch),
        (
            "right content, another evidence id",
            &other_id,
            &original,
            Answer::Mismatch,
        ),
    ];
    let mut failures = Vec::new();
    let mut verdict_evidence = Vec::new();
    for (label, evidence_id, content, expected) in cases {
        let (answer, ex) = verify(ctx, evidence_id, content).await?;
        verdict_evidence.push((label, format!("{answer:?}: {}", ex.excerpt())));
        if answer != expected {
            failures.push(format!(
                "{label}: expected {expected:?}, platform answered {answer:?}"
            ));
        }
    }
    let mut verdict = Verdict::from_probes(4, &failures, ("verification cases", "核验用例"));
    for (label, text) in verdict_evidence {
        verdict = verdict.with(label, text);
    }
    Ok(verdict)
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
