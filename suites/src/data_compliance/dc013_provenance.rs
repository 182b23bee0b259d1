//! DC-013 — Pre-chain provenance is recorded: a deposit's source, operator, capture IP and
//! capture time (and, where known, its generation mechanism, device and location) are kept
//! with the evidence. Live, the receipt must return what the depositor supplied; offline, every
//! receipt in a package must carry the mandatory fields, well-formed.

use serde_json::Value;
use tianping_engine::package::{Judgement, PackageCheck, PackageInfo, Record};
use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite, Verdict,
};

use crate::common;
use tianping_engine::Problem;
use tianping_engine::verdict::problems_en;

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "DC-013",
    suite: Suite::DataCompliance,
    title_zh: "上链前数据来源信息完整",
    title_en: "Pre-chain provenance is recorded",
    advice_zh: "存证记录须包含来源信息（采集方式、设备与网络信息、采集时间）。",
    advice_en: "Record the provenance of each deposit: capture method, device and network data, capture time.",
    clauses: &[
        Clause {
            source: "在线诉讼规则 (2021) Art. 18: source, generation mechanism, storage of pre-chain data",
            zh: "人民法院在线诉讼规则（2021）第十八条：上链前数据的来源、生成机制与存储",
            provenance: Provenance::Known,
        },
        Clause {
            source: "Hangzhou Internet Court API NotaryMeta/Location fields (ip required)",
            zh: "杭州互联网法院接口 NotaryMeta/Location 字段（ip 必填）",
            provenance: Provenance::Verified,
        },
    ],
    tianping_clause: None,
    severity: Severity::Medium,
    weight: 2,
    mode: Mode::Remote,
    active: false,
    faults: &["provenance-dropped"],
    thresholds: &[],
};

pub const CHECK: CheckDef =
    CheckDef::remote(META, |ctx| Box::pin(run(ctx))).with_package(PackageCheck {
        judge: judge_record,
        what: "receipts",
        accounts_for_records: false,
    });

/// Fields every deposit's provenance must carry.
const MANDATORY: [&str; 4] = ["source", "operator", "capture_ip", "captured_at"];

/// What is missing or malformed in a provenance object.
fn provenance_problems(provenance: Option<&Value>) -> Vec<Problem> {
    let Some(p) = provenance.filter(|p| p.is_object()) else {
        return vec![Problem::new("no provenance recorded", "未记录来源信息")];
    };
    let mut problems = Vec::new();
    for f in MANDATORY {
        match p[f].as_str() {
            Some(v) if !v.trim().is_empty() => {}
            _ => problems.push(Problem::new(
                format!("provenance.{f} missing"),
                format!("缺少 provenance.{f}"),
            )),
        }
    }
    if let Some(ip) = p["capture_ip"].as_str()
        && !ip.is_empty()
        && ip.parse::<std::net::IpAddr>().is_err()
    {
        problems.push(Problem::new(
            format!("provenance.capture_ip `{ip}` is not an IP address"),
            format!("provenance.capture_ip `{ip}` 不是 IP 地址"),
        ));
    }
    if let Some(t) = p["captured_at"].as_str()
        && !t.is_empty()
        && chrono::DateTime::parse_from_rfc3339(t).is_err()
    {
        problems.push(Problem::new(
            format!("provenance.captured_at `{t}` is not an RFC 3339 time"),
            format!("provenance.captured_at `{t}` 不是 RFC 3339 格式的时间"),
        ));
    }
    problems
}

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let sent = common::deposit_body(ctx, &common::lab_content(ctx, "DC-013"));
    let (_, completed) = common::deposit_with(ctx, &sent).await?;
    let id = ctx.fields.str(&completed, "evidence_id")?.to_string();
    let (fetched, receipt) = common::receipt(ctx, &id).await?;
    let kept = ctx.fields.raw(&receipt, "provenance");
    let mut problems = provenance_problems(kept);
    if let Some(kept) = kept {
        for f in MANDATORY {
            if kept[f] != sent["provenance"][f] {
                let (got, gave) = (&kept[f], &sent["provenance"][f]);
                problems.push(Problem::new(
                    format!("provenance.{f} came back as {got} but {gave} was deposited"),
                    format!("provenance.{f} 存证时为 {gave}，取回时为 {got}"),
                ));
            }
        }
    }
    problems.dedup();
    let verdict = if problems.is_empty() {
        Verdict::pass("the provenance supplied with the deposit is kept with the evidence")
            .zh("随存证提交的来源信息与证据一并保存")
    } else {
        Verdict::fail_listing(&problems)
    };
    Ok(verdict
        .with("supplied provenance", sent["provenance"].to_string())
        .with("fetched receipt", fetched.excerpt()))
}

fn judge_record(info: &PackageInfo, record: &Record) -> Judgement {
    match record.receipt() {
        Ok(receipt) => {
            let problems = provenance_problems(info.fields.raw(receipt, "provenance"));
            Judgement::from_problems(problems_en(&problems))
        }
        Err(e) => Judgement::Nonconforming(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn provenance_rules() {
        let good = json!({"source": "s", "operator": "o", "capture_ip": "10.1.2.3", "captured_at": "2026-11-22T08:00:00+08:00"});
        assert!(provenance_problems(Some(&good)).is_empty());
        assert_eq!(
            problems_en(&provenance_problems(None)),
            ["no provenance recorded"]
        );
        let bad = json!({"source": "s", "operator": "", "capture_ip": "not-an-ip", "captured_at": "yesterday"});
        assert_eq!(provenance_problems(Some(&bad)).len(), 3);
    }
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
