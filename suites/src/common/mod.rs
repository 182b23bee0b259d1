//! Steps many checks share, by topic: every answer of the run ([`answers`]), the lab's
//! deposit and platform metadata
//! ([`deposits`]), blocks ([`chain`]), certificates ([`certs`]), console
//! accounts ([`accounts`]) and personal data in answers ([`personal_data`]). Checks call these
//! instead of repeating them; everything is re-exported here, so a check writes
//! `common::deposit(…)`.

pub mod accounts;
pub mod answers;
pub mod architecture;
pub mod certs;
pub mod chain;
pub mod denials;
pub mod deposits;
pub mod personal_data;
pub mod tianping;

pub use accounts::*;
pub use answers::*;
pub use architecture::*;
pub use certs::*;
pub use chain::*;
pub use denials::*;
pub use deposits::*;
pub use personal_data::*;
