//! The parts every 测评报告 opens with: the report number, the statement of scope and limits
//! (声明), the signature block (编制 / 审核 / 批准), and the overview chapter — basis (测评依据),
//! scope (测评范围), method (测评方法) and the object evaluated (被测对象描述). All of it is
//! made from the results model; nothing here knows a check by name.

use serde_json::{Value, json};
use tianping_model::{Mode, RunResults, Suite};

use crate::view::{Writer, beijing};

/// A standard or rule the checks cite: the text that identifies it in a clause's source, and
/// its full title in each language. Only those some result cites are listed in the report.
const BASIS: &[(&str, &str, &str)] = &[
    (
        "天平链应用接入管理规范",
        "天平链应用接入管理规范",
        "Tianping Chain application access management specification",
    ),
    (
        "GB/T 22239",
        "GB/T 22239-2019 信息安全技术 网络安全等级保护基本要求",
        "GB/T 22239-2019 Information security technology — Baseline for classified protection of cybersecurity",
    ),
    (
        "GB/T 39786",
        "GB/T 39786-2021 信息安全技术 信息系统密码应用基本要求",
        "GB/T 39786-2021 Information security technology — Basic requirements for cryptography application of information systems",
    ),
    (
        "GB/T 38636",
        "GB/T 38636-2020 信息安全技术 传输层密码协议（TLCP）",
        "GB/T 38636-2020 Information security technology — Transport layer cryptography protocol (TLCP)",
    ),
    (
        "GB/T 32918",
        "GB/T 32918 信息安全技术 SM2椭圆曲线公钥密码算法",
        "GB/T 32918 Information security technology — SM2 elliptic curve public key cryptographic algorithm",
    ),
    (
        "GB/T 38540",
        "GB/T 38540-2020 信息安全技术 安全电子签章密码技术规范",
        "GB/T 38540-2020 Information security technology — Cryptographic specification of secure electronic seals",
    ),
    (
        "GM/T 0006",
        "GM/T 0006 密码应用标识规范",
        "GM/T 0006 Cryptographic application identifier specification",
    ),
    (
        "GM/T 0009",
        "GM/T 0009 SM2密码算法使用规范",
        "GM/T 0009 SM2 cryptography algorithm application specification",
    ),
    (
        "GM/T 0015",
        "GM/T 0015 基于SM2密码算法的数字证书格式规范",
        "GM/T 0015 Digital certificate format based on SM2",
    ),
    (
        "JR/T 0184",
        "JR/T 0184-2020 金融分布式账本技术安全规范",
        "JR/T 0184-2020 Security specification of financial distributed ledger technology",
    ),
    (
        "JR/T 0193",
        "JR/T 0193-2020 区块链技术金融应用 评估规则",
        "JR/T 0193-2020 Blockchain technology in financial applications — Evaluation rules",
    ),
    (
        "SF/T 0091",
        "SF/T 0091-2021 电子数据公证保管技术规范",
        "SF/T 0091-2021 Technical specification for notarial custody of electronic data",
    ),
    (
        "网络安全法",
        "中华人民共和国网络安全法",
        "Cybersecurity Law of the People's Republic of China",
    ),
    (
        "个人信息保护法",
        "中华人民共和国个人信息保护法",
        "Personal Information Protection Law of the People's Republic of China",
    ),
    (
        "电子签名法",
        "中华人民共和国电子签名法",
        "Electronic Signature Law of the People's Republic of China",
    ),
    (
        "区块链信息服务管理规定",
        "区块链信息服务管理规定（国家互联网信息办公室，2019）",
        "Provisions on the administration of blockchain information services (CAC, 2019)",
    ),
    (
        "在线诉讼规则",
        "人民法院在线诉讼规则（2021）",
        "Online litigation rules of the people's courts (2021)",
    ),
    (
        "SPC 2022",
        "最高人民法院关于加强区块链司法应用的意见（2022）",
        "Opinions of the Supreme People's Court on strengthening the judicial application of blockchain (2022)",
    ),
    (
        "Hangzhou Internet Court",
        "杭州互联网法院司法区块链接口规范（参考）",
        "Hangzhou Internet Court judicial blockchain API (for reference)",
    ),
    (
        "ISO 32000-1",
        "ISO 32000-1 Document management — Portable document format",
        "ISO 32000-1 Document management — Portable document format",
    ),
    (
        "RFC 3161",
        "RFC 3161 Time-Stamp Protocol (TSP)",
        "RFC 3161 Time-Stamp Protocol (TSP)",
    ),
    (
        "RFC 5280",
        "RFC 5280 X.509 证书与CRL框架",
        "RFC 5280 X.509 certificate and CRL profile",
    ),
    (
        "RFC 6125",
        "RFC 6125 TLS中的服务标识校验",
        "RFC 6125 Service identity in TLS",
    ),
    (
        "RFC 6797",
        "RFC 6797 HTTP严格传输安全（HSTS）",
        "RFC 6797 HTTP Strict Transport Security (HSTS)",
    ),
    (
        "RFC 8446",
        "RFC 8446 TLS 1.3",
        "RFC 8446 The Transport Layer Security protocol version 1.3",
    ),
    (
        "RFC 8998",
        "RFC 8998 TLS 1.3中的商用密码套件",
        "RFC 8998 ShangMi (SM) cipher suites for TLS 1.3",
    ),
];

/// The report's own number: the lab's, or one made from the run's Beijing date and ID.
pub fn report_number(run: &RunResults) -> String {
    if let Some(n) = run
        .parties
        .report_number
        .as_deref()
        .filter(|n| !n.is_empty())
    {
        return n.to_string();
    }
    let date: String = beijing(&run.started_at)
        .chars()
        .take(10)
        .filter(char::is_ascii_digit)
        .collect();
    let id: String = run
        .run_id
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(8)
        .collect();
    format!("TPH-{date}-{}", id.to_ascii_uppercase())
}

/// Everything the front matter and chapter 1 show, as the template's data.
pub fn build(w: &mut Writer<'_>, run: &RunResults) -> Value {
    json!({
        "number": w.untrusted(&report_number(run), 80),
        "statement": statement(w, run),
        "signatures": signatures(w, run),
        "basis": basis(w, run),
        "scope": scope(w, run),
        "method": method(w, run),
        "object": object(w, run),
    })
}

fn statement(w: &mut Writer<'_>, run: &RunResults) -> Value {
    let mut items = vec![
        w.tr(
            "本报告依据第1章所列测评依据，对被测平台在测评期间（见封面开始与结束时间）的状态进行测评，结论仅对本次测评的被测对象和测评时间有效。",
            "This report evaluates the platform as it was during the run (see the start and finish times on the cover), against the basis listed in chapter 1. Its findings hold for that object and that time only.",
        ),
        w.tr(
            "自动化检查由测评工具执行；需查阅文档或现场核查的检查项由测评人员记录结论，见“人工检查项”一章。本报告未覆盖的内容，不视为符合。",
            "Automated checks were run by the harness; checks that need documents or an on-site visit were decided by the evaluators, whose records are in the chapter on manual checks. Anything this report does not cover is not thereby found conforming.",
        ),
        w.tr(
            "本报告给出的是建议结论；是否准予接入天平链，由北京互联网法院依据《天平链应用接入管理规范》决定。",
            "The conclusion is a recommendation: whether the platform may connect to Tianping is decided by the Beijing Internet Court under the access management specification.",
        ),
        w.tr(
            "本报告无测评机构盖章，或无编制、审核、批准人签字，无效；涂改无效；未经测评机构书面同意，不得部分复制本报告。",
            "This report is not valid without the lab's seal and the signatures of whoever prepared, reviewed and approved it, nor when altered; it may not be copied in part without the lab's written consent.",
        ),
        w.tr(
            "本报告与测评结果、原始记录一同封存于运行目录，其完整性可用封面所列封存公钥核验：tianping-harness verify --signer <封存公钥> <运行目录>。",
            "The report is sealed in the run folder with the results and raw records; check their integrity with the sealing key on the cover: tianping-harness verify --signer <key> <run folder>.",
        ),
    ];
    if run.self_test {
        items.push(w.tr(
            "本报告为申请方自测结果：仅运行了自动化检查项，未包含人工核查项，不是测评机构的测评报告，不能作为接入评审的依据。",
            "This is an applicant's self-test: only the automated checks ran, no manual checks; it is not a lab's evaluation report and cannot support an access decision.",
        ));
    }
    if run.target.kind == "reference" {
        items.push(w.tr(
            "被测对象为测评工具内置的参考平台（演示与自测用），本报告不是对任何申请方平台的测评。",
            "The object evaluated is the harness's built-in reference platform (demonstration and self-test); this is not an evaluation of any applicant's platform.",
        ));
    }
    let partial = run
        .assessment
        .as_ref()
        .and_then(|a| a.coverage)
        .is_some_and(|c| c.is_partial());
    if !run.complete || partial {
        items.push(w.tr(
            "本报告为草稿：测评未完成或仅为部分测评，不能作为接入评审的依据。",
            "This report is a draft: the run is unfinished or partial, and cannot support an access decision.",
        ));
    }
    Value::Array(items)
}

/// 编制 / 审核 / 批准, each with a name when the configuration gives one and room to sign.
fn signatures(w: &mut Writer<'_>, run: &RunResults) -> Value {
    let p = &run.parties;
    let prepared = p.evaluators.join("、");
    let rows = [
        ("编制", "Prepared by", Some(prepared.as_str())),
        ("审核", "Reviewed by", p.reviewer.as_deref()),
        ("批准", "Approved by", p.approver.as_deref()),
    ];
    let rows: Vec<Value> = rows
        .into_iter()
        .map(|(zh, en, name)| {
            let role = w.tr(zh, en);
            let name = match name.filter(|n| !n.is_empty()) {
                Some(n) => w.text(n, en),
                None => Value::String(String::new()),
            };
            json!([role, name])
        })
        .collect();
    Value::Array(rows)
}

/// The standards and rules the run's checks cite, in the catalogue's order.
fn basis(w: &mut Writer<'_>, run: &RunResults) -> Value {
    let cited = |key: &str| {
        run.results
            .iter()
            .flat_map(|r| &r.clauses)
            .any(|c| c.source.contains(key))
    };
    let mut rows: Vec<Value> = BASIS
        .iter()
        .filter(|(key, _, _)| *key == BASIS[0].0 || cited(key))
        .map(|(_, zh, en)| w.tr(zh, en))
        .collect();
    rows.push(w.tr(
        "测评工具接口规范（docs/profile.md）及测评机构设定的阈值（见“阈值”一章）",
        "The harness's interface profile (docs/profile.md) and the lab's thresholds (see the chapter on thresholds)",
    ));
    Value::Array(rows)
}

fn scope(w: &mut Writer<'_>, run: &RunResults) -> Value {
    let mut rows = Vec::new();
    let target_kind = match run.target.kind.as_str() {
        "reference" => w.tr(
            "内置参考平台（环回地址）",
            "built-in reference platform (loopback)",
        ),
        "package" => w.tr("导出的存证证据包", "an exported evidence package"),
        "certificates" | "certs" => w.tr("证书文件", "certificate files"),
        _ => w.tr("在线平台", "a live platform"),
    };
    rows.push(json!([w.tr("被测对象", "Object"), target_kind]));
    rows.push(json!([
        w.tr("被测地址或路径", "Address or path"),
        w.untrusted(&run.target.base_url, 200)
    ]));
    let period = format!(
        "{} — {}",
        beijing(&run.started_at),
        run.finished_at.as_deref().map(beijing).unwrap_or_default()
    );
    rows.push(json!([
        w.tr("测评时间", "Period"),
        w.text(&period, "period")
    ]));
    for suite in Suite::ALL {
        let of_suite: Vec<_> = run.by_suite(suite).collect();
        if of_suite.is_empty() {
            continue;
        }
        let manual = of_suite.iter().filter(|r| r.mode == Mode::Manual).count();
        let automated = of_suite.len() - manual;
        let text = if w.zh() {
            format!(
                "{} 项（自动化 {automated} 项，人工 {manual} 项）",
                of_suite.len()
            )
        } else {
            format!(
                "{} checks ({automated} automated, {manual} manual)",
                of_suite.len()
            )
        };
        let name = w.tr(suite.title_zh(), suite.title_en());
        rows.push(json!([name, w.text(&text, "scope")]));
    }
    if let Some(c) = run.assessment.as_ref().and_then(|a| a.coverage)
        && c.is_partial()
    {
        let text = if w.zh() {
            format!(
                "部分测评：运行 {} 项，共 {} 项；未运行的检查项不视为符合。",
                c.ran, c.total
            )
        } else {
            format!(
                "Partial: {} of {} checks ran; a check that did not run is not found conforming.",
                c.ran, c.total
            )
        };
        rows.push(json!([w.tr("覆盖", "Coverage"), w.text(&text, "scope")]));
    }
    Value::Array(rows)
}

fn method(w: &mut Writer<'_>, run: &RunResults) -> Value {
    let mut items = Vec::new();
    let modes: Vec<Mode> = run.results.iter().map(|r| r.mode).collect();
    if modes.contains(&Mode::Remote) {
        items.push(w.tr(
            "远程测试：测评工具以测评机构的测试账户调用平台接口，完成存证、查询、核验等操作，并发送缺失字段、错误签名、重放等异常请求；对每个被测端点探测传输层协议版本与密码套件，读取并验证证书链。每个拒绝类检查均以同一运行中正确操作的成功作为对照。",
            "Remote testing: the harness uses the lab's test accounts to deposit, query and verify through the platform's interface, and sends faulty requests (missing fields, wrong signatures, replays); it probes every endpoint's protocol versions and cipher suites and reads and validates the certificate chains. Every refusal is judged against a control: the same operation done right succeeding in the same run.",
        ));
    }
    if modes.contains(&Mode::Package) {
        items.push(w.tr(
            "证据包核验：逐条核验导出证据包中的存证记录、回执签名、时间戳令牌与存证证书。",
            "Package verification: every record of the exported evidence package is checked, with its receipt signature, time-stamp token and deposit certificate.",
        ));
    }
    if modes.contains(&Mode::Manual) {
        items.push(w.tr(
            "人工核查：工具无法判定的检查项，由测评人员查阅文档、访谈或现场核查后记录结论，报告注明记录人与时间。",
            "Manual review: checks a tool cannot decide are decided by the evaluators from documents, interviews or an on-site visit; the report names who recorded each and when.",
        ));
    }
    items.push(w.tr(
        "结果判定：每个检查项的结果为符合、不符合、不适用或无法判定。没有样本、端点无应答或对照未成功时判为无法判定，不判为符合；无法判定附有原因。",
        "Outcomes: each check is pass, fail, not applicable or inconclusive. With no sample, no answer from the endpoint, or no successful control, a check is inconclusive, never pass, and says why.",
    ));
    items.push(w.tr(
        "评分与结论：按《天平链应用接入管理规范》的评分规则计算得分，严重不符合项为特别扣分项；建议结论的判定依据见第2章。",
        "Score and conclusion: the score follows the access management specification's scoring rules, critical nonconformities being special deductions; the rule applied is in chapter 2.",
    ));
    items.push(w.tr(
        "证据保全：结果、原始通信记录与证书链随报告一同以SM3摘要列入清单，并以SM2签名封存（见附录）。",
        "Evidence: the results, raw transcripts and certificate chains are listed with their SM3 digests alongside the report and sealed with an SM2 signature (see the annex).",
    ));
    Value::Array(items)
}

/// What was evaluated: who runs it, where it answers, how it was spoken to, and what the
/// applicant declared about its architecture.
fn object(w: &mut Writer<'_>, run: &RunResults) -> Value {
    let dash = || Value::String("—".into());
    let p = &run.parties;
    let mut rows = Vec::new();
    let applicant = p.applicant.as_deref().map(|a| w.text(a, "applicant"));
    rows.push(json!([
        w.tr("申请单位", "Applicant"),
        applicant.unwrap_or_else(dash)
    ]));
    let platform = p.platform.as_deref().map(|a| w.text(a, "platform"));
    rows.push(json!([
        w.tr("平台名称", "Platform"),
        platform.unwrap_or_else(dash)
    ]));
    rows.push(json!([
        w.tr("接口地址", "Interface"),
        w.untrusted(&run.target.base_url, 200)
    ]));
    let adapter = match &run.target.adapter {
        Some(a) => w.untrusted(a, 200),
        None => w.tr(
            "测评工具接口规范（tp-profile-1）",
            "the harness's own profile (tp-profile-1)",
        ),
    };
    rows.push(json!([w.tr("接口适配", "Adapter"), adapter]));
    let transport = match run.target.transport.as_deref() {
        Some("tlcp") => w.tr(
            "TLCP 1.1（GB/T 38636-2020），由测评工具自带的TLCP客户端承载全部接口请求",
            "TLCP 1.1 (GB/T 38636-2020), every API request over the harness's own TLCP client",
        ),
        Some("tlcp-auto") => w.tr(
            "TLCP 1.1（GB/T 38636-2020）：接口拒绝TLS而可完成TLCP握手，测评工具自动改用TLCP承载全部接口请求",
            "TLCP 1.1 (GB/T 38636-2020): the API refused TLS and completed a TLCP handshake, so \
             the harness carried every API request over TLCP",
        ),
        Some(other) => w.untrusted(other, 40),
        None => w.tr("TLS（HTTPS）", "TLS (HTTPS)"),
    };
    rows.push(json!([w.tr("传输协议", "Transport"), transport]));
    let declarations = if run.target.declarations.is_empty() {
        w.tr(
            "无（按完整架构测评：本地链、同步存证等）",
            "none (evaluated as the full architecture: a local chain, synchronous deposits)",
        )
    } else {
        w.untrusted(&run.target.declarations.join("; "), 600)
    };
    rows.push(json!([
        w.tr("架构声明", "Architecture declarations"),
        declarations
    ]));
    if !run.target.reference_faults.is_empty() {
        let faults = run.target.reference_faults.join(", ");
        rows.push(json!([
            w.tr("参考平台故障", "Reference faults"),
            w.text(&faults, "faults")
        ]));
    }
    Value::Array(rows)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::{FontSet, Lang};

    fn run_citing(sources: &[&str]) -> RunResults {
        let results: Vec<Value> = sources
            .iter()
            .enumerate()
            .map(|(i, source)| {
                json!({
                    "id": format!("SS-{:03}", i + 1), "suite": "system_security",
                    "title_zh": "标题", "title_en": "Title",
                    "clauses": [{"source": source, "provenance": "V"}],
                    "tianping_clause": null, "severity": "high", "weight": 1, "mode": "remote",
                    "outcome": {"status": "pass"}, "summary": "ok", "evidence": [],
                    "started_at": "2026-12-02T06:36:15Z", "duration_ms": 1
                })
            })
            .collect();
        serde_json::from_value(json!({
            "schema": "x", "harness_version": "0", "run_id": "1feb5740-0e95",
            "started_at": "2026-12-02T17:36:15Z", "finished_at": null, "complete": true,
            "target": {"base_url": "https://p.example.cn", "kind": "live"},
            "config_sm3": "00", "selected": [], "counts": {"pass": 0, "fail": 0, "not_applicable": 0, "inconclusive": 0},
            "results": results
        }))
        .expect("a minimal run")
    }

    #[test]
    fn the_report_number_is_the_labs_or_made_from_the_beijing_date_and_run_id() {
        let mut run = run_citing(&[]);
        // 17:36 UTC is already the next day in Beijing.
        assert_eq!(report_number(&run), "TPH-20261203-1FEB5740");
        run.parties.report_number = Some("TP-2026-0042".into());
        assert_eq!(report_number(&run), "TP-2026-0042");
    }

    #[test]
    fn the_basis_lists_what_the_checks_cite_and_nothing_else() {
        let fonts = FontSet::discover().expect("run ./scripts/setup.sh for the CJK font");
        let mut w = Writer {
            lang: Lang::Zh,
            fonts: &fonts,
            missing: BTreeMap::new(),
        };
        let run = run_citing(&["GB/T 22239-2019 8.1.4.1 a)", "RFC 6797 HSTS"]);
        let listed = basis(&mut w, &run).to_string();
        assert!(listed.contains("网络安全等级保护基本要求") && listed.contains("RFC 6797"));
        assert!(
            listed.contains("天平链应用接入管理规范"),
            "always the access spec"
        );
        assert!(
            !listed.contains("GB/T 39786") && !listed.contains("RFC 8998"),
            "{listed}"
        );
        assert!(
            w.missing.is_empty(),
            "every title is drawable: {:?}",
            w.missing
        );
    }
}
