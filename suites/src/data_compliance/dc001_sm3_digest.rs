//! DC-001 — The digest a platform records for a deposit is SM3 of the original, as 64
//! lowercase hex characters. Catches platforms that compute SHA-256 (or anything else) and
//! label it SM3. Both a lab file and the empty file are deposited.

use tianping_engine::{
    CheckDef, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite, Verdict,
};
use tianping_profile::digest;

use crate::common;

pub const CHECK: CheckDef = CheckDef {
    meta: CheckMeta {
        id: "DC-001",
        suite: Suite::DataCompliance,
        title_zh: "存证摘要采用SM3且计算正确",
        title_en: "Deposit digest is SM3 and computed correctly",
        clauses: &[
            Clause {
                source: "GB/T 39786-2021 general rule: national cryptographic algorithms",
                provenance: Provenance::Known,
            },
            Clause {
                source: "Tianping-connected deposit APIs: file_hash is SM3, 64 hex",
                provenance: Provenance::Verified,
            },
        ],
        tianping_clause: None,
        severity: Severity::Critical,
        weight: 5,
        mode: Mode::Remote,
        active: false,
        fault: "digest-sha256",
    },
    run: |ctx| Box::pin(run(ctx)),
};

async fn run(ctx: &Ctx) -> Result<Verdict, tianping_engine::CheckError> {
    let samples = [
        ("lab file", common::lab_content(ctx, "DC-001")),
        ("empty file", Vec::new()),
    ];
    let mut failures = Vec::new();
    let mut evidence = Vec::new();
    for (label, content) in &samples {
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
            .unwrap_or("");
        evidence.push((format!("{label}: expected SM3"), expected.clone()));
        evidence.push((format!("{label}: returned file_hash"), returned.to_string()));
        evidence.push((format!("{label}: response"), ex.excerpt()));
        if returned != expected {
            let what = if returned.eq_ignore_ascii_case(&digest::sha256_hex(content)) {
                "is the SHA-256 digest, not SM3"
            } else if returned.eq_ignore_ascii_case(&expected) {
                "is SM3 but not lowercase hex"
            } else {
                "does not equal the SM3 digest of the content"
            };
            failures.push(format!("{label}: file_hash {what}"));
        }
        if !algorithm.eq_ignore_ascii_case("sm3") {
            failures.push(format!("{label}: hash_algorithm is `{algorithm}`, not SM3"));
        }
    }
    let mut verdict = if failures.is_empty() {
        Verdict::pass("returned digests equal the locally computed SM3 digests")
    } else {
        Verdict::fail(failures.join("; "))
    };
    for (k, v) in evidence {
        verdict = verdict.with(k, v);
    }
    Ok(verdict)
}
