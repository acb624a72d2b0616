//! Generated sessions and events, shared by our store and the raw baselines (same values).

use asm_core::{
    Env, Event, EventType, JsonMap, NewEvent, NewSession, Session, SessionStatus, Timestamp,
};

/// `n` events spread round-robin over `sessions` sessions named `<prefix>-<k>`.
pub fn events(env: &Env, prefix: &str, sessions: usize, n: usize) -> Vec<Event> {
    (0..n).map(|i| event(env, &format!("{prefix}-{}", i % sessions.max(1)), i)).collect()
}

/// `n` events of one session, in order.
pub fn session_events(env: &Env, session_id: &str, n: usize) -> Vec<Event> {
    (0..n).map(|i| event(env, session_id, i)).collect()
}

/// One event: the first of a session is `session_created`, every tenth `token_usage_updated`
/// (pruned first), the rest `message_received` with a short text payload.
pub fn event(env: &Env, session_id: &str, i: usize) -> Event {
    let event_type = match i {
        0 => EventType::SessionCreated,
        i if i % 10 == 5 => EventType::TokenUsageUpdated,
        _ => EventType::MessageReceived,
    };
    let mut attrs = NewEvent::of(event_type, session_id);
    let mut data = JsonMap::new();
    data.insert("content".into(), format!("message {i} of a benchmark conversation").into());
    data.insert("index".into(), (i as i64).into());
    attrs.data = data;
    attrs.provider = Some("bench".into());
    Event::new(attrs, env).expect("valid event")
}

/// A session of `agent`, status `completed`.
pub fn session(env: &Env, agent: &str) -> Session {
    let mut s = Session::new(NewSession::for_agent(agent), env).expect("valid session");
    s.status = SessionStatus::Completed;
    s
}

/// The W5 mix: a quarter of the sessions idle for 200 days (soft delete), a quarter soft-deleted
/// 60 days ago (hard delete), the rest recent.
pub fn maintenance_session(env: &Env, k: usize) -> Session {
    let mut s = session(env, "bench-agent");
    s.id = format!("w5-{k:06}");
    let now = env.now();
    match k % 4 {
        0 => s.updated_at = now.add_days(-200),
        1 => s.deleted_at = Some(now.add_days(-60)),
        _ => {}
    }
    s
}

/// Text form of a timestamp column (the core's encoding).
pub fn ts(t: Timestamp) -> String {
    t.to_sql_text()
}

/// Compact JSON of a map (the core's encoding).
pub fn json(map: &JsonMap) -> String {
    serde_json::to_string(map).expect("json")
}
