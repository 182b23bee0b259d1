//! DC-001 — The digest a platform records for a deposit is SM3 of the original, as 64
//! lowercase hex characters. Catches platforms that compute SHA-256 (or anything else) and
//! label it SM3. Both a lab file and the empty file are deposited.

use tianping_engine::package::{Judgement, PackageCheck, PackageInfo, Record};
use tianping_engine::{
    CheckDef, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite, Verdict,
};
use tianping_profile::digest;

use crate::common;
use tianping_engine::Problem;

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "DC-001",
    suite: Suite::DataCompliance,
    title_zh: "存证摘要采用SM3且计算正确",
    title_en: "Deposit digest is SM3 and computed correctly",
    advice_zh: "对存证文件以SM3计算摘要（64位十六进制），并返回与原文一致的摘要值。",
    advice_en: "Compute deposit digests with SM3 (64 hex digits) over the file as received, and return that value.",
    clauses: &[
        Clause {
            source: "GB/T 39786-2021 general rule: national cryptographic algorithms",
            zh: "GB/T 39786-2021 通用要求：采用国产密码算法",
            provenance: Provenance::Known,
        },
        Clause {
            source: "Tianping-connected deposit APIs: file_hash is SM3, 64 hex",
            zh: "天平链接入存证接口：file_hash 为 SM3 摘要，64 位十六进制",
            provenance: Provenance::Verified,
        },
    ],
    tianping_clause: None,
    severity: Severity::Critical,
    weight: 5,
    mode: Mode::Remote,
    active: false,
    faults: &["digest-sha256"],
    thresholds: &[],
};

pub const CHECK: CheckDef =
    CheckDef::remote(META, |ctx| Box::pin(run(ctx))).with_package(PackageCheck {
        judge: judge_record,
        what: "records with an original",
        accounts_for_records: false,
    });

async fn run(ctx: &Ctx) -> Result<Verdict, tianping_engine::CheckError> {
    let samples = [
        (("lab file", "测评文件"), common::lab_content(ctx, "DC-001")),
        (("empty file", "空文件"), Vec::new()),
    ];
    let mut failures = Vec::new();
    let mut evidence = Vec::new();
    for ((label, label_zh), content) in &samples {
        let expected = digest::sm3_hex(content);
        let (ex, receipt) = match common::deposit(ctx, content).await {
            Ok(r) => r,
            // An empty original may legitimately be refused; the lab file may not.
            Err(e) if content.is_empty() => {
                evidence.push((format!("{label}: refused"), e.to_string()));
                continue;
            }
            Err(e) => return Err(e),
        };
        let returned = ctx.fields.str(&receipt, "file_hash")?;
        let algorithm = ctx
            .fields
            .opt_str(&receipt, "hash_algorithm")?
            .map(|a| a.into_owned());
        evidence.push((format!("{label}: expected SM3"), expected.clone()));
        evidence.push((format!("{label}: returned file_hash"), returned.to_string()));
        evidence.push((format!("{label}: response"), ex.excerpt()));
        let problems = digest_problems(&returned, algorithm.as_deref(), &expected, || {
            Some(digest::sha256_hex(content))
        });
        failures.extend(problems.into_iter().map(|p| {
            Problem::new(
                format!("{label}: {}", p.en),
                format!("{label_zh}：{}", p.zh),
            )
        }));
    }
    let mut verdict = if failures.is_empty() {
        Verdict::pass("returned digests equal the locally computed SM3 digests")
            .zh("返回的摘要与本地计算的SM3摘要一致")
    } else {
        Verdict::fail_listing(&failures)
    };
    for (k, v) in evidence {
        verdict = verdict.with(k, v);
    }
    Ok(verdict)
}

/// The rule, shared by the live and package forms: `returned` must be the lowercase SM3 hex of
/// the content (`expected`) and the algorithm SM3. `sha256` is asked for only on a mismatch,
/// to name a SHA-256 digest passed off as SM3.
fn digest_problems(
    returned: &str,
    algorithm: Option<&str>,
    expected: &str,
    sha256: impl FnOnce() -> Option<String>,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    if returned != expected {
        let (what, what_zh) = if sha256().is_some_and(|s| returned.eq_ignore_ascii_case(&s)) {
            (
                "is the SHA-256 digest, not SM3",
                "是 SHA-256 摘要，不是 SM3",
            )
        } else if returned.eq_ignore_ascii_case(expected) {
            (
                "is SM3 but not lowercase hex",
                "是 SM3 摘要，但不是小写十六进制",
            )
        } else {
            (
                "does not equal the SM3 digest of the content",
                "与内容的 SM3 摘要不一致",
            )
        };
        problems.push(Problem::new(
            format!("file_hash {returned} {what} ({expected})"),
            format!("file_hash {returned} {what_zh}（应为 {expected}）"),
        ));
    }
    // A receipt that names no algorithm is judged by its digest alone, recomputed above.
    if let Some(algorithm) = algorithm
        && !algorithm.eq_ignore_ascii_case("sm3")
    {
        problems.push(Problem::new(
            format!("hash_algorithm is `{algorithm}`, not SM3"),
            format!("hash_algorithm 为 `{algorithm}`，不是 SM3"),
        ));
    }
    problems
}

/// Offline, the harness does not know what was deposited, only what the package holds. So
/// here DC-001 judges the algorithm (well-formed SM3 hex, declared SM3, not the SHA-256 of the
/// original); whether the original still matches its digest is DC-003's consistency check.
fn judge_record(info: &PackageInfo, record: &Record) -> Judgement {
    let (Some(sm3), Some(path)) = (record.original_sm3, &record.original_path) else {
        return Judgement::NotExamined;
    };
    let receipt = match record.receipt() {
        Ok(r) => r,
        Err(e) => return Judgement::Nonconforming(e),
    };
    let returned = info
        .fields
        .opt_str(receipt, "file_hash")
        .ok()
        .flatten()
        .unwrap_or("(absent)".into());
    let algorithm = info
        .fields
        .opt_str(receipt, "hash_algorithm")
        .ok()
        .flatten();
    let mut problems = Vec::new();
    if digest::parse_digest_hex(&returned).is_none() {
        problems.push(format!(
            "file_hash `{returned}` is not 64 lowercase hex characters"
        ));
    } else if returned != hex::encode(sm3)
        && tianping_engine::package::sha256_file(path).is_ok_and(|s| *s == *returned)
    {
        problems.push(format!(
            "file_hash {returned} is the SHA-256 digest of the original, not SM3"
        ));
    }
    if let Some(algorithm) = algorithm
        && !algorithm.eq_ignore_ascii_case("sm3")
    {
        problems.push(format!("hash_algorithm is `{algorithm}`, not SM3"));
    }
    Judgement::from_problems(problems)
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
