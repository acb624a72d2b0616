//! Maintenance cases: `docs/asm-v0.8/domain.md` §7.13 item 161 and `docs/asm-v0.8/sql.md` §8 items 96–112. Item 103 (a
//! statement failing in the middle of a cascade) and item 110 (a counter forced out of step)
//! need raw SQL and live in the SQL hosts' own suites.

use crate::{Case, Store};

mod dry_run;
mod health;
mod retention;

/// The cases of this area, in manifest order.
pub fn cases<S: Store>() -> Vec<Case<S>> {
    let mut all = retention::cases();
    all.extend(health::cases());
    all.extend(dry_run::cases());
    all
}
