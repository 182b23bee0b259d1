//! The applicant's architecture declarations (`[architecture]` in the config): which checks
//! they remove, and what a deposit's completion means without a local chain.

use tianping_engine::Ctx;
use tianping_engine::check::Applicability;
use tianping_engine::config::Config;

/// Why a check of the platform's own chain does not apply.
pub const NO_LOCAL_CHAIN: &str = "the applicant declares no chain of its own \
     (architecture.local_chain = false, accepted by the lab): it writes digests to Tianping \
     through an application node, so there is no local chain to examine";

/// Why a check of the original does not apply.
pub const NO_ORIGINALS: &str = "the applicant declares digest-only deposits \
     (architecture.originals_kept = false, accepted by the lab): there is no original to examine";

/// Applies only to a platform with a chain of its own.
pub fn needs_local_chain(config: &Config) -> Applicability {
    if config.architecture.local_chain {
        Applicability::Applies
    } else {
        Applicability::NotApplicable(NO_LOCAL_CHAIN.into())
    }
}

/// Applies to a platform that keeps originals or runs a chain of its own (checks that compare
/// the two and can judge either half).
pub fn needs_originals_or_local_chain(config: &Config) -> Applicability {
    match (
        config.architecture.originals_kept,
        config.architecture.local_chain,
    ) {
        (false, false) => {
            Applicability::NotApplicable(format!("{NO_ORIGINALS}; and {NO_LOCAL_CHAIN}"))
        }
        _ => Applicability::Applies,
    }
}

/// The receipt field whose presence says a deposit completed: the local chain's transaction
/// id, or, without a local chain, the Tianping transaction id.
pub fn completion_field(ctx: &Ctx) -> &'static str {
    completion_field_of(&ctx.config)
}

/// [`completion_field`] for a configuration.
pub fn completion_field_of(config: &Config) -> &'static str {
    if config.architecture.local_chain {
        "tx_id"
    } else {
        "tianping_tx"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations_remove_checks_with_a_reason_that_names_them() {
        let mut config = Config::default();
        assert_eq!(needs_local_chain(&config), Applicability::Applies);
        config.architecture.local_chain = false;
        assert!(
            matches!(needs_local_chain(&config), Applicability::NotApplicable(why) if why.contains("architecture.local_chain = false"))
        );
        assert_eq!(
            needs_originals_or_local_chain(&config),
            Applicability::Applies
        );
        config.architecture.originals_kept = false;
        assert!(matches!(
            needs_originals_or_local_chain(&config),
            Applicability::NotApplicable(_)
        ));
        assert_eq!(completion_field_of(&config), "tianping_tx");
    }
}
