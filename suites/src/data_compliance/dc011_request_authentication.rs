//! DC-011 — API calls are cryptographically authenticated: a deposit that is unsigned, signed
//! with the wrong secret, or whose body was changed after signing is refused (401/403); under
//! mutual TLS, so is a correctly signed one over a connection without the client certificate;
//! and so is one signed with the account's secret under a key id never issued (profile §3).

use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite, Verdict,
};

use crate::common;
use tianping_engine::Answer;
use tianping_engine::{Operation, Probe, Problem};

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "DC-011",
    suite: Suite::DataCompliance,
    title_zh: "接口调用经密码技术鉴别",
    title_en: "API calls are cryptographically authenticated",
    advice_zh: "对接口请求进行签名验证，拒绝未签名、签名错误、未知密钥或正文被改动的请求。",
    advice_en: "Verify request signatures and refuse unsigned, wrongly signed, unknown-key or altered requests.",
    clauses: &[
        Clause {
            source: "GB/T 39786-2021 8.4 a) cryptographic authentication of application users",
            zh: "GB/T 39786-2021 8.4 a) 采用密码技术对登录用户进行身份鉴别",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "GB/T 39786-2021 8.4 f) integrity of data in transit",
            zh: "GB/T 39786-2021 8.4 f) 重要数据传输的完整性",
            provenance: Provenance::Verified,
        },
    ],
    tianping_clause: None,
    severity: Severity::Critical,
    weight: 4,
    mode: Mode::Remote,
    active: true,
    faults: &[
        "signature-not-verified",
        "client-certificate-optional",
        "unknown-key-id-accepted",
    ],
    thresholds: &[],
};

pub const CHECK: CheckDef = CheckDef::remote(META, |ctx| Box::pin(run(ctx)));

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let body = common::deposit_body(ctx, &common::lab_content(ctx, "DC-011"));
    let deposit = |probe: Probe| {
        ctx.call(Operation::Deposit)
            .json(body.clone())
            .probe(probe)
            .send()
    };
    // The same deposit signed correctly must go through, or the refusals prove nothing.
    let control = deposit(Probe::AsDeclared).await?;
    if !ctx.answer(&control).is_success() {
        return Err(CheckError::NoControl {
            control: "the same deposit, correctly signed".into(),
            answer: format!("{}; {}", ctx.answer(&control), control.excerpt()),
        });
    }
    let unsigned = deposit(Probe::Unsigned).await?;
    let wrong_key = deposit(Probe::WrongSecret).await?;
    // Signed for one body, sent with another: the deposit as the adapter shapes it, with
    // other content. Only where the authentication covers the body (bearer tokens do not).
    let changed = if ctx.adapter.auth.signs_body() {
        let other = common::deposit_body(ctx, &common::lab_content(ctx, "DC-011 altered"));
        let other = ctx.adapter.shape_body(Operation::Deposit, &other)?;
        Some(deposit(Probe::BodyChangedAfterSigning(other)).await?)
    } else {
        None
    };

    // Profile §3: a key id the platform never issued is refused, whatever the signature.
    let unknown_key = if ctx.adapter.auth.names_key() {
        Some(deposit(Probe::UnknownKeyId).await?)
    } else {
        None
    };
    // Under mutual TLS the certificate is a factor of its own: a correct signature over a
    // connection without it must still be refused.
    let without_certificate = if ctx.http.presents_certificates() {
        Some(deposit(Probe::WithoutClientCertificate).await?)
    } else {
        None
    };

    let mut failures = Vec::new();
    let mut undecided = Vec::new();
    let mut probes = vec![
        (("unsigned", "未签名"), &unsigned),
        (("signed with a wrong secret", "以错误密钥签名"), &wrong_key),
    ];
    if let Some(changed) = &changed {
        probes.push((
            ("body changed after signing", "签名后修改了请求体"),
            changed,
        ));
    }
    if let Some(ex) = &unknown_key {
        probes.push((
            (
                "signed with the account's secret under an unknown key id",
                "以账户密钥签名但使用未知的密钥标识",
            ),
            ex,
        ));
    }
    if let Some(ex) = &without_certificate {
        probes.push((
            (
                "signed, without the client certificate",
                "已签名但未提供客户端证书",
            ),
            ex,
        ));
    }
    let sent = probes.len() as u64;
    for ((label, label_zh), ex) in probes {
        match ctx.answer(ex) {
            Answer::Success => failures.push(format!("{label}: accepted")),
            Answer::Refused { .. } => {}
            other => undecided.push(Problem::new(
                format!("{label}: {other}"),
                format!("{label_zh}：{}", other.describe_zh()),
            )),
        }
    }
    if failures.is_empty() && !undecided.is_empty() {
        return Ok(Verdict::undecided_listing(
            (
                "no unauthenticated deposit was accepted, but some were neither accepted nor \
                 refused",
                "没有未经认证的存证被接受，但部分应答既非接受也非拒绝",
            ),
            &undecided,
        ));
    }
    Ok(Verdict::from_probes(
        sent,
        &failures,
        (
            "unauthenticated requests refused",
            "未经认证的请求（应被拒绝）",
        ),
    )
    .with("unsigned", unsigned.excerpt())
    .with("wrong secret", wrong_key.excerpt())
    .with(
        "changed body",
        match &changed {
            Some(ex) => ex.excerpt(),
            None => "not probed: the adapter's authentication does not cover the body, so 8.4 f) \
                     integrity in transit rests on the channel alone (SS-019, SS-026)"
                .into(),
        },
    )
    .with(
        "unknown key id",
        match &unknown_key {
            Some(ex) => ex.excerpt(),
            None => "not probed: requests under this scheme name no key id".into(),
        },
    )
    .with(
        "without client certificate",
        match &without_certificate {
            Some(ex) => ex.excerpt(),
            None => "not probed: the adapter declares no mutual TLS".into(),
        },
    ))
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
