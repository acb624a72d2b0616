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

/// One frame of an event stream, as a client reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SseFrame {
    /// The `id:` field (for an event, its sequence number).
    pub id: Option<String>,
    /// The `event:` field; `None` for a plain message (an event of the log).
    pub event: Option<String>,
    /// The `data:` lines, joined with newlines.
    pub data: String,
}

/// Reads the next frame from a stream's lines (`None` at the end of the stream); comments
/// (heartbeats) and `retry:` are skipped. For Rust clients of the Worker's event stream.
pub fn read_sse_frame(lines: &mut impl std::io::BufRead) -> Option<SseFrame> {
    let mut frame = SseFrame::default();
    let mut any = false;
    loop {
        let mut line = String::new();
        if lines.read_line(&mut line).ok()? == 0 {
            return any.then_some(frame);
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            if any {
                return Some(frame);
            }
            continue;
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "" | "retry" => continue,
            "id" => frame.id = Some(value.to_owned()),
            "event" => frame.event = Some(value.to_owned()),
            "data" => {
                if !frame.data.is_empty() {
                    frame.data.push('\n');
                }
                frame.data.push_str(value);
            }
            _ => continue,
        }
        any = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Event, EventType, NewEvent};

    #[test]
    fn frames_read_back_as_written() {
        let env = crate::id::Env::new(
            std::sync::Arc::new(|| crate::time::Timestamp::from_micros(0)),
            std::sync::Arc::new(crate::id::SeededIds::new(1)),
        );
        let mut event = Event::new(NewEvent::of(EventType::RunStarted, "ses_1"), &env).unwrap();
        event.sequence_number = Some(7);
        let text = [
            sse_preamble(1000),
            sse_frame(&TailItem::Event(event), false),
            ": ignored\n\n".to_owned(),
            sse_frame(&TailItem::Pruned { from: 8, first_stored: 12 }, false),
            sse_frame(&TailItem::UpToDate { last_sequence: 12 }, false),
            sse_frame(&TailItem::UpToDate { last_sequence: 12 }, true),
        ]
        .concat();
        let mut lines = std::io::Cursor::new(text);
        let first = read_sse_frame(&mut lines).unwrap();
        assert_eq!((first.id.as_deref(), first.event), (Some("7"), None));
        assert!(first.data.contains(r#""sequence_number":7"#));
        let pruned = read_sse_frame(&mut lines).unwrap();
        assert_eq!((pruned.id.as_deref(), pruned.event.as_deref()), (Some("11"), Some("pruned")));
        let marker = read_sse_frame(&mut lines).unwrap();
        assert_eq!(marker.data, r#"{"last_sequence":12}"#);
        assert_eq!(read_sse_frame(&mut lines), None, "heartbeats are not frames");
        assert_eq!(resume_after("11").unwrap(), 12);
        assert!(resume_after("x").is_err() && resume_after("-1").is_err());
    }
}
