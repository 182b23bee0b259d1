//! DC-016 — The platform shows its blockchain information service filing number (区块链信息服务
//! 备案编号). The harness checks it is published and well-formed; whether it is genuine is for a
//! person to confirm against the CAC registry.

use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite, Verdict,
};

use crate::common;

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "DC-016",
    suite: Suite::DataCompliance,
    title_zh: "区块链信息服务备案编号公示",
    title_en: "Blockchain service filing number is displayed",
    advice_zh: "在平台显著位置公示区块链信息服务备案编号。",
    advice_en: "Display the blockchain information service filing number prominently on the platform.",
    clauses: &[
        Clause {
            source: "区块链信息服务管理规定 (CAC 2019): file within 10 working days and display the filing number",
            zh: "区块链信息服务管理规定（国家网信办 2019）：10 个工作日内备案并标明备案编号",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "Format: “…网信备…号” with digits",
            zh: "格式：“…网信备…号”，含数字",
            provenance: Provenance::Policy,
        },
    ],
    tianping_clause: None,
    severity: Severity::Low,
    weight: 1,
    mode: Mode::Remote,
    active: false,
    faults: &["no-filing-number"],
    thresholds: &[],
};

pub const CHECK: CheckDef = CheckDef::remote(META, |ctx| Box::pin(run(ctx)));

pub fn well_formed(number: &str) -> bool {
    let digits = number.chars().filter(char::is_ascii_digit).count();
    number.contains("网信备") && number.ends_with('号') && digits >= 8
}

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let info = common::platform_info(ctx).await?;
    let verdict = match ctx.fields.opt_str(&info, "platform_filing_number")? {
        None => Verdict::fail(format!(
            "platform metadata has no filing number (at {})",
            ctx.fields.pointer("platform_filing_number")
        ))
        .zh(format!(
            "平台元数据中没有备案编号（位置 {}）",
            ctx.fields.pointer("platform_filing_number")
        )),
        Some(n) if !well_formed(&n) => Verdict::fail(format!(
            "filing number `{n}` is not of the form …网信备<digits>号"
        ))
        .zh(format!("备案编号 `{n}` 不符合“…网信备<数字>号”的形式")),
        Some(n) => Verdict::pass(format!(
            "filing number {n} is published (confirm it against the CAC registry)"
        ))
        .zh(format!("已公示备案编号 {n}（请在网信办备案系统核对）")),
    };
    let keys: Vec<&String> = info
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    Ok(verdict
        .with(
            "filing number",
            ctx.fields
                .opt_str(&info, "platform_filing_number")?
                .unwrap_or("(absent)".into()),
        )
        .with("metadata fields present", format!("{keys:?}")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn filing_number_shape() {
        assert!(super::well_formed("京网信备11010519000000000001号"));
        assert!(!super::well_formed("京ICP备12345678号"));
        assert!(!super::well_formed("网信备号"));
    }
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
