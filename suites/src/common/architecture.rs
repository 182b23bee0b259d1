//! The applicant's architecture declarations (`[architecture]` in the config): which checks
//! they remove, and what a deposit's completion means without a local chain.

use tianping_engine::Ctx;
use tianping_engine::check::{Applicability, Reason};
use tianping_engine::config::Config;

/// Why a check of the platform's own chain does not apply.
pub const NO_LOCAL_CHAIN: &str = "the applicant declares no chain of its own \
     (architecture.local_chain = false, accepted by the lab): it writes digests to Tianping \
     through an application node, so there is no local chain to examine";

/// [`NO_LOCAL_CHAIN`] in Chinese.
pub const NO_LOCAL_CHAIN_ZH: &str = "申请方声明无自有链（architecture.local_chain = false，\
     测评机构已认可）：经应用节点将摘要写入天平链，没有可检查的本地链";

/// Why a check of the original does not apply.
pub const NO_ORIGINALS: &str = "the applicant declares digest-only deposits \
     (architecture.originals_kept = false, accepted by the lab): there is no original to examine";

/// Applies only to a platform with a chain of its own.
pub fn needs_local_chain(config: &Config) -> Applicability {
    if config.architecture.local_chain {
        Applicability::Applies
    } else {
        Applicability::NotApplicable(Reason::new(NO_LOCAL_CHAIN).zh(NO_LOCAL_CHAIN_ZH))
    }
}

/// Applies to a platform that keeps originals or runs a chain of its own (checks that compare
/// the two and can judge either half).
pub fn needs_originals_or_local_chain(config: &Config) -> Applicability {
    match (
        config.architecture.originals_kept,
        config.architecture.local_chain,
    ) {
        (false, false) => Applicability::NotApplicable(
            Reason::new(format!("{NO_ORIGINALS}; and {NO_LOCAL_CHAIN}")).zh(format!(
                "申请方声明仅存摘要（architecture.originals_kept = false，测评机构已认可），\
                     没有可检查的原文；且{NO_LOCAL_CHAIN_ZH}"
            )),
        ),
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
        // The Chinese report gives the same reason in Chinese, naming the same declaration.
        assert!(matches!(
            needs_local_chain(&config),
            Applicability::NotApplicable(why)
                if why.zh.as_deref().is_some_and(|zh| zh.contains("architecture.local_chain = false") && zh.contains("天平链"))
        ));
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
