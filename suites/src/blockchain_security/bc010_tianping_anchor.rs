//! BC-010 — Blocks holding deposits are anchored to Tianping: the anchor record of a fresh
//! deposit's block names that block's hash, agrees with the receipt's `tianping_tx`, and was
//! made within the declared delay (lab threshold, default 600 s). Where the lab names a Tianping
//! verification service, Tianping's own record must carry the block's hash (or, without a
//! local chain, the file's digest); otherwise the verdict says the anchor is platform-reported.
//! Where the lab recorded lookups it made on Tianping itself (`[lab] tianping_record`), the
//! platform's account of each recorded deposit is judged the same way against what the lab saw.

use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, LabThreshold, Mode, Provenance, Severity, Suite,
    ThresholdDefault, Verdict,
};

use crate::common::{self, tianping, tianping::OnTianping};
use tianping_engine::{Operation, Problem};

/// Lab threshold: longest accepted delay between sealing a block and anchoring it to Tianping.
pub const ANCHOR_DELAY_SECS: LabThreshold = LabThreshold {
    name: "anchor_delay_secs",
    default: ThresholdDefault::Integer {
        value: 600,
        min: 0,
        max: 604800,
    },
    unit: "s",
    meaning: "longest accepted delay between sealing a block and anchoring it to Tianping",
};

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "BC-010",
    suite: Suite::BlockchainSecurity,
    title_zh: "跨链锚定天平链一致",
    title_en: "Anchoring to Tianping is present and consistent",
    advice_zh: "按约定将存证摘要锚定到天平链，平台记录的锚定交易须在天平链上可查且摘要一致。",
    advice_en: "Anchor deposit digests to Tianping as agreed; every anchor the platform records must be found on Tianping with the same digest.",
    clauses: &[
        Clause {
            source: "Beijing Internet Court: cross-chain access nodes of Tianping",
            zh: "北京互联网法院：天平链跨链接入节点",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "Connected platforms return the Tianping tx id (tianping_tx)",
            zh: "接入平台返回天平链交易号（tianping_tx）",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "Anchor delay within the declared service level",
            zh: "锚定延迟不超过声明的服务水平",
            provenance: Provenance::Policy,
        },
    ],
    tianping_clause: None,
    severity: Severity::Critical,
    weight: 4,
    mode: Mode::Remote,
    active: false,
    faults: &[
        "anchor-mismatch",
        "receipt-missing-tianping-tx",
        "block-time-in-seconds",
        "anchor-not-on-tianping",
    ],
    thresholds: &[ANCHOR_DELAY_SECS],
};

pub const CHECK: CheckDef = CheckDef::remote(META, |ctx| Box::pin(run(ctx)));

fn time(s: &str) -> Result<chrono::DateTime<chrono::FixedOffset>, CheckError> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map_err(|e| CheckError::protocol(format!("time `{s}`: {e}")))
}

/// Without a local chain the deposit itself is the Tianping transaction: judged on the
/// Tianping transaction id the receipt names, and, where the lab names a verification
/// service, on Tianping's own record that it carries the file's digest.
async fn anchored_directly(ctx: &Ctx, receipt: &serde_json::Value) -> Result<Verdict, CheckError> {
    let tx = ctx
        .fields
        .opt_str(receipt, "tianping_tx")?
        .filter(|tx| !tx.trim().is_empty());
    let verdict = match tx.clone() {
        Some(tx) => {
            let file_hash = ctx.fields.str(receipt, "file_hash")?;
            let what = ("the file's digest", "文件摘要");
            match tianping::confirm(ctx, &tx, &file_hash, what).await? {
                Some(OnTianping::Contradicted(why)) => Verdict::fail_listing(&[why]),
                Some(OnTianping::Confirmed { en, zh }) => Verdict::pass(format!(
                    "the deposit was written to Tianping as transaction {tx}: {en}"
                ))
                .zh(format!("存证已写入天平链，交易 {tx}：{zh}")),
                None => Verdict::pass(format!(
                    "the deposit was written to Tianping as transaction {tx} (no local chain \
                     declared: judged on the Tianping transaction id alone)"
                ))
                .zh(format!(
                    "存证已写入天平链，交易 {tx}（已声明无本地链：仅依据天平链交易号判定）"
                )),
            }
        }
        _ => Verdict::fail(format!(
            "the completed deposit's receipt names no Tianping transaction (at {}); without a \
             local chain that id is the only anchor",
            ctx.fields.pointer("tianping_tx")
        ))
        .zh(format!(
            "已完成存证的回执未给出天平链交易号（位置 {}）；无本地链时该交易号是唯一的锚定",
            ctx.fields.pointer("tianping_tx")
        )),
    };
    Ok(verdict
        .with("declared", common::NO_LOCAL_CHAIN)
        .with("source", tianping::source(ctx, tx.as_deref())))
}

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let limit = ctx.config.thresholds.integer(&ANCHOR_DELAY_SECS);
    let (_, receipt) = common::deposit(ctx, &common::lab_content(ctx, "BC-010")).await?;
    let fresh = judge_deposit(ctx, &receipt, limit).await?;
    Ok(with_recorded_lookups(ctx, fresh, limit)
        .await?
        .with_threshold("anchor_delay_secs", limit))
}

/// The fresh deposit's verdict, joined by the lab's own Tianping lookups: the platform's
/// receipt for each recorded deposit must name the transaction the lab looked up, and its
/// anchor must hold against what the lab saw there.
async fn with_recorded_lookups(
    ctx: &Ctx,
    fresh: Verdict,
    limit: i64,
) -> Result<Verdict, CheckError> {
    let recorded: Vec<_> = ctx
        .tianping
        .iter()
        .flat_map(|source| source.recorded())
        .filter_map(|lookup| Some((lookup.evidence_id.as_deref()?, lookup)))
        .collect();
    if recorded.is_empty() {
        return Ok(fresh);
    }
    let mut problems = Vec::new();
    if !fresh.is_pass() {
        problems.push(Problem::new(
            fresh.summary.clone(),
            fresh
                .summary_zh
                .clone()
                .unwrap_or_else(|| fresh.summary.clone()),
        ));
    }
    for (id, lookup) in &recorded {
        let (_, receipt) = common::receipt(ctx, id).await?;
        let named = ctx.fields.opt_str(&receipt, "tianping_tx")?;
        let named = named.as_deref().map(tianping_engine::tianping::normalise);
        if named.as_deref() != Some(lookup.tianping_tx.as_str()) {
            let named = named.unwrap_or_else(|| "none".into());
            let tx = &lookup.tianping_tx;
            problems.push(Problem::new(
                format!(
                    "the platform's receipt for {id} names Tianping transaction {named}; the \
                     lab found the deposit on Tianping as {tx}"
                ),
                format!(
                    "平台对 {id} 的回执给出的天平链交易为 {named}；测评机构在天平链上查得的为 {tx}"
                ),
            ));
            continue;
        }
        let judged = judge_deposit(ctx, &receipt, limit).await?;
        if !judged.is_pass() {
            let zh = judged.summary_zh.as_deref().unwrap_or(&judged.summary);
            problems.push(Problem::new(
                format!("recorded deposit {id}: {}", judged.summary),
                format!("测评机构查验的存证 {id}：{zh}"),
            ));
        }
    }
    let n = recorded.len();
    let mut verdict = if problems.is_empty() {
        let zh = fresh.summary_zh.as_deref().unwrap_or(&fresh.summary);
        Verdict::pass(format!(
            "{}; the platform's account of the {n} deposit(s) the lab looked up on Tianping \
             agrees with what Tianping shows",
            fresh.summary
        ))
        .zh(format!(
            "{zh}；测评机构在天平链上查验的 {n} 笔存证与平台所报一致"
        ))
    } else {
        Verdict::fail_listing(&problems)
    };
    verdict.evidence = fresh.evidence;
    for (id, lookup) in recorded {
        verdict = verdict.with(format!("looked up on Tianping: {id}"), lookup.provenance());
    }
    Ok(verdict)
}

/// BC-010's judgement of one completed deposit's receipt.
async fn judge_deposit(
    ctx: &Ctx,
    receipt: &serde_json::Value,
    limit: i64,
) -> Result<Verdict, CheckError> {
    if !ctx.config.architecture.local_chain {
        return anchored_directly(ctx, receipt).await;
    }
    let receipt = receipt.clone();
    let height = ctx.fields.u64(&receipt, "block_height")?;
    let block = common::fetch_block(ctx, height).await?;
    let (_, anchor) = ctx
        .call(Operation::Anchor)
        .param("height", height)
        .data()
        .await?;
    let anchored_hash = ctx.fields.str(&anchor, "anchor_block_hash")?;
    let anchor_tx = ctx.fields.str(&anchor, "anchor_tianping_tx")?;
    let mut failures = Vec::new();
    if *anchored_hash != hex::encode(block.hash) {
        let hash = hex::encode(block.hash);
        failures.push(Problem::new(
            format!(
                "anchor of block {height} names hash {anchored_hash}, the block's hash is {hash}"
            ),
            format!("区块 {height} 的锚定记录给出的哈希为 {anchored_hash}，而区块哈希为 {hash}"),
        ));
    }
    // The receipt is what the depositor keeps: it must name the anchor's Tianping tx.
    match ctx.fields.opt_str(&receipt, "tianping_tx")? {
        Some(in_receipt) if in_receipt == anchor_tx => {}
        Some(in_receipt) => failures.push(Problem::new(
            format!("receipt names Tianping tx {in_receipt}, the anchor record {anchor_tx}"),
            format!("回执给出的天平链交易为 {in_receipt}，锚定记录给出的为 {anchor_tx}"),
        )),
        None => {
            let at = ctx.fields.pointer("tianping_tx");
            failures.push(Problem::new(
                format!("the receipt names no Tianping transaction (at {at}); the anchor record names {anchor_tx}"),
                format!("回执未给出天平链交易（位置 {at}）；锚定记录给出的为 {anchor_tx}"),
            ))
        }
    }
    let sealed = chrono::DateTime::from_timestamp_millis(block.timestamp_ms)
        .ok_or_else(|| CheckError::protocol("block timestamp out of range"))?;
    let delay = (time(&ctx.fields.str(&anchor, "anchor_time")?)?.with_timezone(&chrono::Utc)
        - sealed)
        .num_seconds();
    if delay > limit {
        failures.push(Problem::new(
            format!("block {height} was anchored {delay} s after it was sealed"),
            format!("区块 {height} 在出块 {delay} 秒后才锚定"),
        ));
    }
    // Tianping's own record is asked only when the platform's account holds together: a
    // finding already made stands whatever the service answers.
    let on_tianping = if failures.is_empty() {
        tianping::confirm(
            ctx,
            &anchor_tx,
            &hex::encode(block.hash),
            ("the block's hash", "区块哈希"),
        )
        .await?
    } else {
        None
    };
    let verdict = match on_tianping {
        _ if !failures.is_empty() => Verdict::fail_listing(&failures),
        Some(OnTianping::Contradicted(why)) => Verdict::fail_listing(&[why]),
        Some(OnTianping::Confirmed { en, zh }) => Verdict::pass(format!(
            "block {height} anchored as Tianping tx {anchor_tx} after {delay} s: {en}"
        ))
        .zh(format!(
            "区块 {height} 在 {delay} 秒后锚定为天平链交易 {anchor_tx}：{zh}"
        )),
        None => Verdict::pass(format!(
            "block {height} anchored as Tianping tx {anchor_tx} after {delay} s (platform-reported)"
        ))
        .zh(format!(
            "区块 {height} 在 {delay} 秒后锚定为天平链交易 {anchor_tx}（平台自报）"
        )),
    };
    Ok(verdict
        .with("block hash", hex::encode(block.hash))
        .with("anchor record", anchor.to_string())
        .with("source", tianping::source(ctx, Some(&anchor_tx))))
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}

#[cfg(test)]
mod recorded_lookup_tests {
    //! A lab without a verification service: it looked a deposit up on Tianping itself and
    //! recorded what it saw; the platform's account of that deposit is held to the record.

    use std::sync::Arc;

    use tianping_engine::{CheckResult, Outcome, runner};
    use tianping_fixtures::Faults;

    /// What the lab saw on Tianping for a deposit, as `(evidence_id, tianping_tx, digests)`
    /// (`None`: no such transaction), to be written into a record by `edit`.
    type Seen = (String, String, Option<Vec<String>>);

    /// Runs BC-010 on the reference platform (with `faults`) with a record of one lookup: a
    /// deposit made first, looked up through the stand-in Tianping, then changed by `edit`.
    fn run_with_record(faults: &[&str], edit: impl FnOnce(&mut Seen)) -> CheckResult {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let mut config = tianping_engine::Config::default();
            config.limits.requests_per_second = 1000.0;
            let mut target =
                tianping_target::reference::start(config, Faults::parse(faults).unwrap())
                    .await
                    .unwrap();
            let ctx = target.context().unwrap();
            let (_, receipt) = crate::common::deposit(&ctx, b"deposited before the run")
                .await
                .unwrap();
            let id = ctx.fields.str(&receipt, "evidence_id").unwrap().to_string();
            let tx = ctx.fields.str(&receipt, "tianping_tx").unwrap().to_string();
            // What Tianping itself shows (the stand-in is Tianping here, whatever the fault).
            use tianping_engine::tianping::TianpingView;
            let digests = match ctx.tianping.as_ref().unwrap().lookup(&tx).await.unwrap() {
                Some(TianpingView::Carries(digests)) => Some(digests),
                _ => None,
            };
            let mut seen = (id, tx, digests);
            edit(&mut seen);
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("screen.txt"), "Tianping verification page").unwrap();
            let record = dir.path().join("tianping-lookups.toml");
            std::fs::write(
                &record,
                format!(
                    "[[lookup]]\ntianping_tx = \"0X{}\"\nevidence_id = \"{}\"\nfound = {}\n\
                     digests = {:?}\nevaluator = \"王工\"\nfiles = [\"screen.txt\"]\n",
                    seen.1.to_uppercase(),
                    seen.0,
                    seen.2.is_some(),
                    seen.2.clone().unwrap_or_default()
                ),
            )
            .unwrap();
            target.config.lab.tianping_lookup = None;
            target.config.lab.tianping_record = Some(record.display().to_string());
            let ctx = target.context().unwrap();
            let result =
                runner::run_checks(Arc::new(ctx), &[&super::CHECK], Vec::new(), |_, _, _| {})
                    .await
                    .remove(0);
            target.stop().await;
            result
        })
    }

    #[test]
    fn a_recorded_lookup_that_agrees_decides_its_deposit_and_names_the_lab_as_source() {
        let r = run_with_record(&[], |_| {});
        assert_eq!(r.outcome, Outcome::Pass, "{}", r.describe());
        let text = r.describe();
        assert!(text.contains("looked up on Tianping"), "{text}");
        assert!(
            text.contains("looked up by 王工") && text.contains("screen.txt"),
            "{text}"
        );
        // The run's own fresh deposit is not in the record: platform-reported, and named.
        assert!(text.contains("holds no lookup of"), "{text}");
    }

    #[test]
    fn a_recorded_lookup_that_contradicts_the_platform_fails() {
        // Tianping showed other digests for the transaction than the platform's anchor.
        let other = run_with_record(&[], |seen| {
            seen.2 = Some(vec![tianping_profile::digest::sm3_hex(b"something else")]);
        });
        assert_eq!(other.outcome, Outcome::Fail, "{}", other.describe());
        assert!(
            other.summary.contains("does not carry"),
            "{}",
            other.summary
        );
        // The lab found the deposit under another transaction than the receipt names.
        let moved = run_with_record(&[], |seen| {
            seen.1 = tianping_profile::digest::sm3_hex(b"another tx");
        });
        assert_eq!(moved.outcome, Outcome::Fail, "{}", moved.describe());
        assert!(
            moved.summary.contains("the lab found the deposit"),
            "{}",
            moved.summary
        );
    }

    #[test]
    fn a_platform_that_reports_anchors_it_never_made_fails_against_the_record() {
        // Under the fault the platform's anchor names a transaction Tianping does not hold;
        // the lab's record of what Tianping shows for it says so.
        let r = run_with_record(&["anchor-not-on-tianping"], |_| {});
        assert_eq!(r.outcome, Outcome::Fail, "{}", r.describe());
        assert!(
            r.summary.contains("recorded deposit") && r.summary.contains("Tianping knows no"),
            "{}",
            r.summary
        );
    }
}
