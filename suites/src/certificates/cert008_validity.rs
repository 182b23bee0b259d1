//! CERT-008 — Every certificate is valid now; end-entity certificates stay valid for a lab
//! minimum and were not issued for longer than a lab maximum; how long each CA outlives the
//! evidence it vouches for is reported.

use tianping_engine::certset::{CertRole, CertSet};
use tianping_engine::config::Thresholds;
use tianping_engine::{
    CheckDef, CheckMeta, Clause, LabThreshold, Mode, Provenance, Severity, Suite, ThresholdDefault,
    Verdict,
};
use x509_parser::prelude::*;

use crate::common;

/// Lab threshold: fewest days an end-entity certificate must still be valid at test time.
pub const CERT_MIN_REMAINING_DAYS: LabThreshold = LabThreshold {
    name: "cert_min_remaining_days",
    default: ThresholdDefault::Integer {
        value: 30,
        min: 0,
        max: 3650,
    },
    unit: "days",
    meaning: "fewest days an end-entity certificate must still be valid at test time",
};

/// Lab threshold: longest lifetime of an end-entity certificate (2 years).
pub const LEAF_MAX_LIFETIME_DAYS: LabThreshold = LabThreshold {
    name: "leaf_max_lifetime_days",
    default: ThresholdDefault::Integer {
        value: 731,
        min: 1,
        max: 36500,
    },
    unit: "days",
    meaning: "longest lifetime of a TLS server or client certificate (2 years)",
};

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "CERT-008",
    suite: Suite::Certificates,
    title_zh: "证书有效期合理",
    title_en: "Certificate validity periods are sound",
    advice_zh: "更换已过期、即将过期或有效期过长的证书，按测评机构的阈值设定有效期。",
    advice_en: "Replace certificates that are expired, about to expire or too long-lived; keep validity within the lab's thresholds.",
    clauses: &[
        Clause {
            source: "RFC 5280 §4.1.2.5 validity",
            zh: "RFC 5280 §4.1.2.5 有效期",
            provenance: Provenance::Known,
        },
        Clause {
            source: "lab thresholds: remaining validity and leaf lifetime (no number in the sources)",
            zh: "测评机构阈值：剩余有效期与终端证书有效期（依据文件中无具体数值）",
            provenance: Provenance::Policy,
        },
    ],
    tianping_clause: None,
    severity: Severity::Medium,
    weight: 2,
    mode: Mode::Remote,
    active: false,
    faults: &[
        "server-cert-expiring",
        "tlcp-encryption-certificate-expiring",
    ],
    thresholds: &[CERT_MIN_REMAINING_DAYS, LEAF_MAX_LIFETIME_DAYS],
};

pub const CHECK: CheckDef =
    common::certificate_form_check!(META, common::CertSources::ServedAndPublished, judge);

const DAY: i64 = 86_400;

pub fn judge(set: &CertSet, thresholds: &Thresholds) -> Verdict {
    let now = chrono::Utc::now().timestamp();
    let min_remaining = thresholds.unsigned(&CERT_MIN_REMAINING_DAYS) as u32;
    let max_lifetime = thresholds.unsigned(&LEAF_MAX_LIFETIME_DAYS) as u32;
    let mut failures = Vec::new();
    let mut lines = Vec::new();
    for c in &set.certs {
        let name = common::describe_certificate(&c.der);
        let Ok((_, cert)) = X509Certificate::from_der(&c.der) else {
            failures.push(format!("{} ({name}): does not parse", c.source));
            continue;
        };
        let (from, until) = (
            cert.validity().not_before.timestamp(),
            cert.validity().not_after.timestamp(),
        );
        let remaining = (until - now).div_euclid(DAY);
        let lifetime = (until - from).div_euclid(DAY);
        let end_entity = c.role != CertRole::Ca;
        // The lifetime limit is a TLS rule: time-stamping and signing certificates are
        // commonly issued for longer, and no source here limits them.
        let lifetime_limited = matches!(c.role, CertRole::Server | CertRole::Client);
        let mut problems = Vec::new();
        if now < from {
            problems.push(format!("not valid before {}", cert.validity().not_before));
        }
        if now > until {
            problems.push(format!("expired on {}", cert.validity().not_after));
        } else if end_entity && remaining < min_remaining as i64 {
            problems.push(format!(
                "expires in {remaining} day(s), under the {min_remaining}-day minimum"
            ));
        }
        if lifetime_limited && lifetime > max_lifetime as i64 {
            problems.push(format!(
                "issued for {lifetime} days, over the {max_lifetime}-day maximum for TLS certificates"
            ));
        }
        lines.push((
            format!("{} {}", c.role.label(), c.source),
            format!(
                "{name}: valid {} → {}, {remaining} day(s) left{}",
                cert.validity().not_before,
                cert.validity().not_after,
                if problems.is_empty() {
                    String::new()
                } else {
                    format!(" — {}", problems.join("; "))
                }
            ),
        ));
        // One failure per certificate, so the sample count stays a count of certificates.
        if !problems.is_empty() {
            failures.push(format!(
                "{} certificate ({name}): {}",
                c.role.label(),
                problems.join("; ")
            ));
        }
    }
    if set.certs.is_empty() {
        return Verdict::not_applicable("no certificate to examine").zh("没有可检查的证书");
    }
    Verdict::from_samples(set.certs.len() as u64, &failures, ("certificates", "证书"))
        .with_threshold("cert_min_remaining_days", min_remaining)
        .with_threshold("leaf_max_lifetime_days", max_lifetime)
        .with_all(lines)
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
