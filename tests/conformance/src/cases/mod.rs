//! The cases, one file per area of the spec. Each file exports `cases()`; the order here is the
//! manifest's order.

use crate::{Case, Store};

mod entities;
mod helpers;
mod maintenance;
mod query;
mod store;

/// Every case, in manifest order.
pub fn all<S: Store>() -> Vec<Case<S>> {
    let mut all = entities::cases();
    all.extend(store::cases());
    all.extend(query::cases());
    all.extend(maintenance::cases());
    all
}
