//! The checks. One file per check, named after its ID (`dc001_sm3_digest.rs`): the
//! requirement in a comment, its metadata, and the code that decides it. [`registry`] lists
//! them all; the engine runs whatever it is given.

pub mod blockchain_security;
pub mod certificates;
pub mod common;
pub mod data_compliance;
pub mod plain_http;
pub mod system_security;
#[cfg(test)]
mod testing;
pub mod thresholds;
pub mod tls_probe;

use tianping_engine::CheckDef;

/// Every check, in report order.
pub fn registry() -> Vec<CheckDef> {
    [
        data_compliance::CHECKS,
        system_security::CHECKS,
        blockchain_security::CHECKS,
        certificates::CHECKS,
    ]
    .concat()
}

/// Every lab threshold the checks declare, once per check that uses it.
pub fn declared_thresholds() -> Vec<&'static tianping_engine::LabThreshold> {
    registry()
        .into_iter()
        .flat_map(|c| c.meta.thresholds.iter())
        .collect()
}

/// Checks the `[thresholds]` table against what the checks declare: every name known, every
/// value of the declared kind and within range.
pub fn validate_thresholds(
    thresholds: &tianping_engine::config::Thresholds,
) -> Result<(), tianping_engine::thresholds::ThresholdError> {
    thresholds.validate(declared_thresholds())
}

/// Finds a check by its ID, case-insensitively.
pub fn find(id: &str) -> Option<CheckDef> {
    registry()
        .into_iter()
        .find(|c| c.meta.id.eq_ignore_ascii_case(id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique_well_formed_and_match_their_suite() {
        let mut seen = HashSet::new();
        for c in registry() {
            let m = c.meta;
            assert!(seen.insert(m.id), "duplicate id {}", m.id);
            let prefix = match m.suite {
                tianping_engine::Suite::DataCompliance => "DC-",
                tianping_engine::Suite::SystemSecurity => "SS-",
                tianping_engine::Suite::BlockchainSecurity => "BC-",
                tianping_engine::Suite::Certificates => "CERT-",
            };
            assert!(
                m.id.starts_with(prefix) && m.id[prefix.len()..].len() == 3,
                "{}",
                m.id
            );
            assert!(
                !m.title_zh.is_empty() && !m.title_en.is_empty() && !m.clauses.is_empty(),
                "{}",
                m.id
            );
            assert!(m.weight > 0, "{}", m.id);
        }
    }

    /// The report prints each nonconformity's advice in the reader's language: Chinese text
    /// in the Chinese report, no Chinese in the English one, and no two checks sharing it.
    #[test]
    fn every_check_says_what_to_change_in_both_languages() {
        let mut seen = HashSet::new();
        for c in registry() {
            let m = c.meta;
            let han = |s: &str| {
                s.chars()
                    .filter(|c| ('\u{4E00}'..='\u{9FFF}').contains(c))
                    .count()
            };
            assert!(han(m.advice_zh) >= 8, "{}: {}", m.id, m.advice_zh);
            assert!(
                han(m.advice_en) == 0 && m.advice_en.len() >= 20,
                "{}: {}",
                m.id,
                m.advice_en
            );
            assert!(
                seen.insert(m.advice_zh) && seen.insert(m.advice_en),
                "{} repeats another check's advice",
                m.id
            );
        }
    }

    /// The Chinese report cites each clause in Chinese: a translation that names the same
    /// standard and clause number as the source it translates.
    #[test]
    fn every_clause_is_cited_in_chinese_too() {
        for c in registry() {
            for clause in c.meta.clauses {
                let han = clause
                    .zh
                    .chars()
                    .filter(|c| ('\u{4E00}'..='\u{9FFF}').contains(c))
                    .count();
                assert!(han >= 2, "{}: `{}` has no Chinese", c.meta.id, clause.zh);
                // Standard numbers (GB/T 22239-2019, RFC 5280, §4.1.2.5, 8.1.4.1) survive
                // translation unchanged.
                let numbers = |s: &str| -> Vec<String> {
                    s.split(|ch: char| !(ch.is_ascii_digit() || ch == '.' || ch == '-'))
                        .filter(|t| t.chars().filter(|ch| ch.is_ascii_digit()).count() >= 3)
                        .map(|t| t.trim_matches(|ch| ch == '.' || ch == '-').to_string())
                        .collect()
                };
                for n in numbers(clause.source) {
                    assert!(
                        clause.zh.contains(&n),
                        "{}: `{}` lost `{n}` from `{}`",
                        c.meta.id,
                        clause.zh,
                        clause.source
                    );
                }
            }
        }
    }

    #[test]
    fn every_automated_check_names_a_fault_of_the_reference_platform() {
        for c in registry() {
            if c.meta.mode == tianping_engine::Mode::Manual {
                assert!(
                    c.meta.faults.is_empty(),
                    "manual {} names a fault",
                    c.meta.id
                );
                continue;
            }
            assert!(!c.meta.faults.is_empty(), "{} names no fault", c.meta.id);
            for fault in c.meta.faults {
                assert!(
                    tianping_fixtures::Fault::from_name(fault).is_some(),
                    "{} names unknown fault `{fault}`",
                    c.meta.id
                );
            }
        }
    }

    #[test]
    fn thresholds_are_declared_once_and_the_example_config_lists_each_with_its_default() {
        let example =
            tianping_engine::Config::parse(include_str!("../../docs/harness.example.toml"))
                .unwrap();
        validate_thresholds(&example.thresholds).expect("the example's thresholds are valid");
        let text = include_str!("../../docs/harness.example.toml");
        for t in declared_thresholds() {
            let line = format!("{} = {}", t.name, t.default_text().replace('_', ""));
            let listed = text
                .lines()
                .any(|l| l.replace('_', "").starts_with(&line.replace('_', "")));
            assert!(listed, "docs/harness.example.toml lacks `{line}`");
        }
    }

    /// Faults that break more than one requirement, and the checks that catch each: a receipt
    /// without its Tianping transaction lacks a required field (DC-002) and leaves the deposit
    /// without a verifiable anchor (BC-010).
    const CAUGHT_BY_SEVERAL: [(&str, &[&str]); 4] = [
        // BC-016 by the stamp's plausibility, BC-010 by the anchoring delay it implies.
        ("block-time-in-seconds", &["BC-016", "BC-010"]),
        ("receipt-missing-tianping-tx", &["DC-002", "BC-010"]),
        // BC-001 over the blocks it examines, BC-009 over the blocks it waits for.
        ("stale-chain-head", &["BC-001", "BC-009"]),
        // CERT-004 by the order of the pair, CERT-002 by the KeyUsage of the certificate
        // that then stands in the signing place.
        ("tlcp-certificates-swapped", &["CERT-002", "CERT-004"]),
    ];

    #[test]
    fn every_fault_is_caught_by_exactly_one_check_unless_listed() {
        for f in tianping_fixtures::Fault::ALL {
            let mut by: Vec<&str> = registry()
                .iter()
                .filter(|c| c.meta.catches(f.name()))
                .map(|c| c.meta.id)
                .collect();
            match CAUGHT_BY_SEVERAL.iter().find(|(name, _)| *name == f.name()) {
                Some((_, expected)) => {
                    by.sort();
                    let mut expected = expected.to_vec();
                    expected.sort();
                    assert_eq!(by, expected, "fault {}", f.name());
                }
                None => assert_eq!(by.len(), 1, "fault {} is named by {by:?}", f.name()),
            }
        }
    }
}
