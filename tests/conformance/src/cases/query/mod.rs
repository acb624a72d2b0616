//! QueryApi cases: `docs/asm-v0.8/domain.md` §7.13 item 163 and `docs/asm-v0.8/sql.md` §8 items 64–95. Items 74 and the
//! status/type parts of 85 and 93 (a status or type that is not one of the enum's values) cannot
//! be written in Rust: the options are typed.

use crate::{Case, Store};

mod events;
mod pricing;
mod runs;
mod sessions;

/// The cases of this area, in manifest order.
pub fn cases<S: Store>() -> Vec<Case<S>> {
    let mut all = sessions::cases();
    all.extend(runs::cases());
    all.extend(events::cases());
    all.extend(pricing::cases());
    all
}
