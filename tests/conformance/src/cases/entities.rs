//! (in progress)

use crate::{Case, Store};

/// The cases of this file, in manifest order.
pub fn cases<S: Store>() -> Vec<Case<S>> {
    Vec::new()
}
