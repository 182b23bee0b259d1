//! SS-025 — Endpoints that serve personal information (the receipt names the depositor, the
//! original and the deposit certificate are the depositor's data, the account certificate
//! names the organisation) answer nothing to a request without credentials.

use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite, Verdict,
};

use crate::common;
use tianping_engine::{Operation, Probe};

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "SS-025",
    suite: Suite::SystemSecurity,
    title_zh: "个人信息接口访问受控",
    title_en: "Personal-information endpoints refuse unauthenticated requests",
    advice_zh: "个人信息相关接口须先鉴别身份，拒绝未经认证的请求。",
    advice_en: "Require authentication on every personal-information endpoint and refuse unauthenticated requests.",
    clauses: &[
        Clause {
            source: "GB/T 22239-2019 8.1.4.11 a)/b) personal information collected and used only as authorised",
            zh: "GB/T 22239-2019 8.1.4.11 a)/b) 仅采集和使用业务必需并经授权的个人信息",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "个人信息保护法 第五十一条: access control for personal information",
            zh: "个人信息保护法 第五十一条：个人信息的访问控制",
            provenance: Provenance::Known,
        },
    ],
    tianping_clause: None,
    severity: Severity::High,
    weight: 3,
    mode: Mode::Remote,
    active: false,
    faults: &["receipt-readable-unauthenticated"],
    thresholds: &[],
};

pub const CHECK: CheckDef = CheckDef::remote(META, |ctx| Box::pin(run(ctx)));

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let (_, receipt) = common::deposit(ctx, &common::lab_content(ctx, "SS-025")).await?;
    let id = ctx.fields.str(&receipt, "evidence_id")?;
    let endpoints = [
        ("receipt", Operation::Receipt),
        ("original", Operation::Original),
        ("deposit certificate", Operation::DepositCertificate),
        ("account certificate", Operation::AccountCertificate),
    ];
    let mut failures = Vec::new();
    let mut answers = Vec::new();
    let mut sent = 0u64;
    for (what, op) in endpoints {
        if !ctx.offers(op) {
            answers.push(format!("{what}: not offered"));
            continue;
        }
        // No authentication: what anyone on the network could ask.
        let ex = ctx
            .call(op)
            .param("evidence_id", &*id)
            .probe(Probe::Unsigned)
            .send()
            .await?;
        sent += 1;
        let answer = ctx.answer(&ex);
        answers.push(format!("{what}: {answer}"));
        if answer.is_success() {
            failures.push(format!(
                "{} {} ({what}) without credentials succeeded with {} bytes",
                ex.method,
                ex.path,
                ex.body.len()
            ));
        }
    }
    Ok(Verdict::from_probes(
        sent,
        &failures,
        (
            "unauthenticated requests refused",
            "未经认证的请求（应被拒绝）",
        ),
    )
    .with("answers", answers.join("; ")))
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
