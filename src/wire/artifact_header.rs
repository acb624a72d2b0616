//! An artifact's row in one HTTP header, sent with its bytes so that a download is one request:
//! the row's map as JSON in base64url without padding, since a header value is ASCII and the
//! metadata need not be.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::artifact::Artifact;
use crate::error::{Error, Result};

/// The header's name.
pub const ARTIFACT_HEADER: &str = "x-asm-artifact";

/// A row whose header would be longer is not sent in one (proxies refuse headers near 8 KB);
/// the client then reads the row on its own.
pub const MAX_ARTIFACT_HEADER_BYTES: usize = 6 * 1024;

/// The header value of `artifact`, or `None` when it would be longer than
/// [`MAX_ARTIFACT_HEADER_BYTES`].
pub fn artifact_header(artifact: &Artifact) -> Option<String> {
    let value = URL_SAFE_NO_PAD.encode(artifact.to_map().to_string());
    (value.len() <= MAX_ARTIFACT_HEADER_BYTES).then_some(value)
}

/// The artifact in a header value from [`artifact_header`]; anything else is `validation_error`.
pub fn artifact_from_header(value: &str) -> Result<Artifact> {
    let bad =
        |why: String| Error::validation(format!("{ARTIFACT_HEADER} is not an artifact: {why}"));
    let bytes = URL_SAFE_NO_PAD.decode(value.trim()).map_err(|e| bad(e.to_string()))?;
    let map: serde_json::Value = crate::json::from_bytes(&bytes).map_err(|e| bad(e.to_string()))?;
    Artifact::from_map(&map)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::time::Timestamp;

    fn artifact(metadata: serde_json::Value) -> Artifact {
        Artifact {
            id: "art_1".into(),
            session_id: Some("ses_1".into()),
            run_id: None,
            key: "report.pdf".into(),
            content_type: Some("application/pdf".into()),
            byte_size: 11,
            checksum_sha256: "ab".repeat(32),
            storage_backend: "r2".into(),
            storage_ref: "blobs/art_1".into(),
            metadata: metadata.as_object().cloned().unwrap_or_default(),
            created_at: Timestamp::from_micros(1_700_000_000_000_000),
            deleted_at: None,
        }
    }

    #[test]
    fn rows_round_trip_through_ascii() {
        let a = artifact(json!({"title": "Größe – 報告", "pages": 3}));
        let value = artifact_header(&a).expect("small enough");
        assert!(value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_eq!(artifact_from_header(&value).expect("decodes"), a);
    }

    #[test]
    fn large_rows_and_garbage() {
        assert_eq!(artifact_header(&artifact(json!({"notes": "x".repeat(5000)}))), None);
        for bad in ["not base64!", "e30", ""] {
            let e = artifact_from_header(bad).expect_err(bad);
            assert_eq!(e.code(), crate::ErrorCode::ValidationError, "{bad}");
        }
    }
}
