//! SessionStore and ArtifactRegistry cases: `docs/asm-v0.8/domain.md` §7.6–7.8, 7.14, 7.17 and `docs/asm-v0.8/sql.md` §8
//! items 5–63, one file per group.

use crate::{Case, Store};

mod artifacts;
mod concurrency;
mod contract_events;
mod contract_records;
mod event_ids;
mod extras;
mod limits;
mod live_tail;
mod long_poll;
mod sql_events;
mod sql_flush;
mod sql_records;
mod sql_runs;

/// The cases of this area, in manifest order.
pub fn cases<S: Store>() -> Vec<Case<S>> {
    let mut all = contract_records::cases();
    all.extend(contract_events::cases());
    all.extend(long_poll::cases());
    all.extend(live_tail::cases());
    all.extend(concurrency::domain_cases());
    all.extend(extras::parity_cases());
    all.extend(artifacts::cases());
    all.extend(extras::cases());
    all.extend(sql_records::cases());
    all.extend(sql_runs::cases());
    all.extend(sql_events::cases());
    all.extend(sql_flush::cases());
    all.extend(concurrency::sql_cases());
    all.extend(sql_flush::lifecycle_cases());
    all.extend(event_ids::cases());
    all.extend(limits::cases());
    all
}
