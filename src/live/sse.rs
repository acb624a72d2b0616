//! A tail as Server-Sent Events: each event's `id:` is its sequence number, so a browser's
//! `EventSource` (or `curl -N`) that reconnects sends `Last-Event-ID` and resumes exactly after
//! the last event it got.
//!
//! Frames: an event is a plain message (`onmessage` gets it; `data:` is the event's wire map); a
//! pruned range is `event: pruned` with the id of the last missing sequence, so a resume does not
//! report it twice; the first catch-up is `event: up-to-date`, later empty waits are comment
//! heartbeats that keep proxies from closing an idle stream.

use serde_json::json;

use super::tail::TailItem;

/// The first frame of a stream: how long a client waits before reconnecting (ms).
pub fn sse_preamble(retry_ms: u64) -> String {
    format!("retry: {retry_ms}\n\n")
}

/// The frame of one tail item; `announced` says whether the stream already sent its up-to-date
/// marker (later ones become heartbeats).
pub fn sse_frame(item: &TailItem, announced: bool) -> String {
    match item {
        TailItem::Event(event) => {
            let id = event.sequence_number.unwrap_or(0);
            format!("id: {id}\ndata: {}\n\n", event.to_map())
        }
        TailItem::Pruned { from, first_stored } => {
            let data = json!({ "from": from, "first_stored": first_stored });
            format!("id: {}\nevent: pruned\ndata: {data}\n\n", first_stored - 1)
        }
        TailItem::UpToDate { last_sequence } if !announced => {
            format!("event: up-to-date\ndata: {}\n\n", json!({ "last_sequence": last_sequence }))
        }
        TailItem::UpToDate { .. } => ": heartbeat\n\n".to_owned(),
    }
}

/// The sequence to start from given a `Last-Event-ID` header: the one after it. Anything but a
/// non-negative integer is refused, so a garbled header never restarts a log from the top.
pub fn resume_after(last_event_id: &str) -> crate::error::Result<i64> {
    last_event_id
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n >= 0 && *n < i64::MAX)
        .map(|n| n + 1)
        .ok_or_else(|| {
            crate::error::Error::validation(
                "Last-Event-ID must be a sequence number (an integer >= 0)",
            )
        })
}
