//! DC-006 — Identity numbers are validated, not just stored: an 18-character resident ID with
//! a wrong GB 11643 check character and a unified social credit code with a wrong GB 32100
//! check character are both refused.

use serde_json::json;
use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite, Verdict,
};

use super::dc005_identity_required::refusal_verdict;

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "DC-006",
    suite: Suite::DataCompliance,
    title_zh: "身份信息有效性校验",
    title_en: "Identity data is validated",
    advice_zh: "按GB 11643与GB 32100校验身份证号与统一社会信用代码的校验位，拒绝无效值。",
    advice_en: "Validate ID-number and credit-code check characters (GB 11643, GB 32100) and refuse invalid ones.",
    clauses: &[
        Clause {
            source: "GB/T 22239-2019 8.1.4.4 d) data validity checking",
            zh: "GB/T 22239-2019 8.1.4.4 d) 数据有效性检验",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "GB 11643 / GB 32100 check characters",
            zh: "GB 11643 / GB 32100 校验码",
            provenance: Provenance::Known,
        },
    ],
    tianping_clause: None,
    severity: Severity::Medium,
    weight: 2,
    mode: Mode::Remote,
    active: false,
    faults: &["identity-check-digit-ignored"],
    thresholds: &[],
};

pub const CHECK: CheckDef = CheckDef::remote(META, |ctx| Box::pin(run(ctx)));

/// A valid example unified social credit code (GB 32100), used with its check character changed.
const VALID_CREDIT_CODE: &str = "91350100M000100Y43";

/// The same number with its last (check) character replaced by another allowed one.
fn wrong_check_character(valid: &str, alphabet: &str) -> String {
    let (body, last) = valid.split_at(valid.len() - 1);
    let replacement = alphabet
        .chars()
        .find(|c| c.to_string() != last)
        .expect("alphabet has two characters");
    format!("{body}{replacement}")
}

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let d = &ctx.config.deposit;
    let bad_id = wrong_check_character(&d.depositor_id_number, "0123456789X");
    let bad_code = wrong_check_character(
        VALID_CREDIT_CODE,
        tianping_profile::identity::CREDIT_CODE_ALPHABET,
    );
    let cases = vec![
        (
            "resident ID with a wrong check character",
            json!({"type": "person", "name": d.depositor_name, "id_number": bad_id}),
        ),
        (
            "credit code with a wrong check character",
            json!({"type": "organization", "name": "测评机构", "id_number": bad_code}),
        ),
    ];
    refusal_verdict(
        ctx,
        "DC-006",
        cases,
        (
            "invalid identity numbers refused",
            "无效证件号码（应被拒绝）",
        ),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_altered_numbers_really_have_wrong_check_characters() {
        assert!(crate::common::is_resident_id("11010519491231002X"));
        assert!(!crate::common::is_resident_id(&wrong_check_character(
            "11010519491231002X",
            "0123456789X"
        )));
        assert_ne!(
            wrong_check_character(VALID_CREDIT_CODE, "0123456789ABCDEFGHJKLMNPQRTUWXY"),
            VALID_CREDIT_CODE
        );
    }
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
