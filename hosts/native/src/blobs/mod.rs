//! Artifact bytes outside the database: a folder of the local filesystem ([`FsArtifactStore`])
//! and any S3-compatible object store ([`S3ArtifactStore`]). Pair one with a store through
//! `asm_core::composite::CompositeStore` to keep rows and bytes consistent.

mod fs;
mod s3;

pub use fs::FsArtifactStore;
pub use s3::{PART_BYTES, S3ArtifactStore, S3Config, UPLOAD_PREFIX};
