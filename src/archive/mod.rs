//! Archives of pruned and hard-deleted events (filled in below).
