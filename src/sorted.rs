//! B-tree maps and sets built by insertion.
//!
//! `collect()` into a `BTreeMap` or `BTreeSet` sorts the items first and compiles that sort
//! again for every iterator type it is given (thirteen copies in the D1-only Worker's wasm).
//! Inserting one by one compiles only `insert` per key type, which every build has anyway; the
//! collections built here are small, so the sort saved nothing. A repeated key keeps its last
//! value, as with `collect`.

use std::collections::{BTreeMap, BTreeSet};

/// The map of `pairs`.
pub fn map_of<K: Ord, V>(pairs: impl IntoIterator<Item = (K, V)>) -> BTreeMap<K, V> {
    let mut map = BTreeMap::new();
    for (key, value) in pairs {
        map.insert(key, value);
    }
    map
}

/// The set of `items`.
pub fn set_of<T: Ord>(items: impl IntoIterator<Item = T>) -> BTreeSet<T> {
    let mut set = BTreeSet::new();
    for item in items {
        set.insert(item);
    }
    set
}
