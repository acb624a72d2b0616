//! Archive before prune (docs/artifacts.md): a `CompositeStore` with `archive_before_prune`
//! archives every event that pruning and hard delete remove, deletes exactly those, and an
//! import restores them exactly (id, type, data, metadata, timestamp, sequence number, run id,
//! provider, correlation id; hard-deleted sessions with their row and runs). Checked on the
//! memory store, SQLite (both dialects: the D1 one chunks under 100 bound parameters) and
//! PostgreSQL, each against a twin store that prunes without archiving: both must keep the same
//! events. Also: a failing archive write deletes nothing and is reported; an import twice
//! changes nothing; a body that does not match its manifest imports nothing of it; an event
//! appended after the archive was read survives the delete. Prints `reliability
//! archive-roundtrip: N passed, M failed`. Needs `DATABASE_URL`; start a throwaway server with
//! `eval "$(scripts/postgres-up)"`.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use asm_core::archive::{self, ArchiveManifest, MANIFEST_SUFFIX, decode_body};
use asm_core::blob::{BlobInfo, BlobRead, ByteRange, ByteStream, PutOptions, store_failed};
use asm_core::composite::CompositeStore;
use asm_core::memory::{MemoryArtifactStore, MemoryStore};
use asm_core::ports::{
    ArchiveAccess, ArtifactRegistry, ArtifactScan, ArtifactStore, EventFilter, ListRuns,
    Maintenance, MaintenanceReport, Removal, SessionStore,
};
use asm_core::sql::{Dialect, SqlStore};
use asm_core::{
    Env, ErrorCode, Event, EventType, Limit, NewEvent, RetentionPolicy, Run, SeededIds, Session,
    SessionStatus, SteppingClock,
};
use common::pg_db::{Postgres, database_url};
use common::sqlite_db::Sqlite;
use common::{Backend, Checks, T0, block_on};
use serde_json::json;

/// The archive prefix (`archive_store`) of every policy here.
const PREFIX: &str = "archives/nightly";

/// One day in microseconds.
const DAY: i64 = 86_400_000_000;

/// Every store the suite runs on.
trait TestStore: SessionStore + Maintenance + ArtifactRegistry + ArtifactScan + ArchiveAccess {}
impl<T: SessionStore + Maintenance + ArtifactRegistry + ArtifactScan + ArchiveAccess> TestStore
    for T
{
}

/// Fresh, empty stores of one backend.
#[allow(async_fn_in_trait)]
trait Maker {
    type Store: TestStore;
    async fn make(&self, env: Env) -> Self::Store;
}

struct Memory;

impl Maker for Memory {
    type Store = MemoryStore;
    async fn make(&self, env: Env) -> MemoryStore {
        MemoryStore::new(env)
    }
}

struct Sql<B>(B);

impl<B: Backend> Maker for Sql<B> {
    type Store = SqlStore<B::Exec>;
    async fn make(&self, env: Env) -> SqlStore<B::Exec> {
        SqlStore::new(self.0.migrated().await, env)
    }
}

/// Which keys a [`FailingPuts`] refuses.
type KeyPredicate = fn(&str) -> bool;

/// An artifact store whose puts fail for the keys `fails` picks: an archive backend that is
/// down (every put) or fails between the body and the manifest (manifest puts).
struct FailingPuts {
    inner: MemoryArtifactStore,
    fails: KeyPredicate,
}

impl ArtifactStore for FailingPuts {
    fn backend(&self) -> &str {
        "failing"
    }
    async fn put(
        &self,
        key: &str,
        body: ByteStream<'_>,
        options: &PutOptions,
    ) -> asm_core::Result<BlobInfo> {
        if (self.fails)(key) {
            return Err(store_failed("put", format!("injected failure for {key}")));
        }
        self.inner.put(key, body, options).await
    }
    async fn get(&self, key: &str, range: Option<ByteRange>) -> asm_core::Result<BlobRead<'_>> {
        self.inner.get(key, range).await
    }
    async fn head(&self, key: &str) -> asm_core::Result<Option<BlobInfo>> {
        self.inner.head(key).await
    }
    async fn delete(&self, key: &str) -> asm_core::Result<()> {
        self.inner.delete(key).await
    }
    async fn list(
        &self,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> asm_core::Result<Vec<BlobInfo>> {
        self.inner.list(prefix, after, limit).await
    }
}

/// A clock stepping 1 ms per reading from T0, and ids seeded alike for every store.
fn fresh_env() -> (Env, Arc<SteppingClock>) {
    let clock = Arc::new(SteppingClock::new(T0, 1_000));
    (Env::new(clock.clone(), Arc::new(SeededIds::new(16))), clock)
}

/// The policy of every run: at most 10 events per session, streamed messages and token usage
/// pruned first, sessions soft-deleted 30 days ago hard-deleted, archived under [`PREFIX`].
fn policy(archive: bool) -> RetentionPolicy {
    RetentionPolicy {
        max_events_per_session: Limit::Finite(10),
        prune_event_types_first: vec![EventType::MessageStreamed, EventType::TokenUsageUpdated],
        hard_delete_after_days: Limit::Finite(30),
        archive_before_prune: archive,
        archive_store: archive.then(|| PREFIX.to_owned()),
        ..RetentionPolicy::default()
    }
}

/// The types a session's log cycles through: protected ones, prune-first ones and others.
const TYPES: [EventType; 12] = [
    EventType::SessionCreated,
    EventType::RunStarted,
    EventType::MessageSent,
    EventType::MessageStreamed,
    EventType::MessageStreamed,
    EventType::TokenUsageUpdated,
    EventType::ToolCallStarted,
    EventType::ToolCallCompleted,
    EventType::ErrorOccurred,
    EventType::MessageReceived,
    EventType::WorkspaceDiffComputed,
    EventType::RunCompleted,
];

/// Event `n` of a session: a type from [`TYPES`], nested data, metadata, a run id on most,
/// a provider and a correlation id on some.
fn event(session_id: &str, n: usize, run_id: Option<&str>, env: &Env) -> Event {
    let event_type = TYPES[n % TYPES.len()];
    let data = json!({
        "n": n,
        "text": format!("event {n} of {session_id}: ünïcödé, \"quoted\", emoji 🚀"),
        "nested": {"list": [1, 2.5, null, true, {"k": "v"}], "empty": {}},
    });
    let metadata = json!({"source": "archive-roundtrip", "weight": n as f64 / 3.0});
    let (serde_json::Value::Object(data), serde_json::Value::Object(metadata)) = (data, metadata)
    else {
        unreachable!("JSON objects")
    };
    let attrs = NewEvent {
        id: Some(format!("{session_id}-e{n:03}")),
        run_id: run_id.filter(|_| n % 4 != 3).map(str::to_owned),
        data,
        metadata,
        provider: n.is_multiple_of(3).then(|| "claude".to_owned()),
        correlation_id: n.is_multiple_of(5).then(|| format!("corr-{n}")),
        ..NewEvent::of(event_type, session_id)
    };
    Event::new(attrs, env).expect("valid event")
}

/// The sessions of the scenario: (id, saved row, soft-deleted, runs, events).
const SESSIONS: [(&str, bool, bool, usize, usize); 6] = [
    ("ses_big", true, false, 2, 37),      // pruned: many of both passes
    ("ses_small", true, false, 1, 9),     // under the limit: untouched
    ("ses_edge", true, false, 1, 11),     // pruned by one
    ("ses_unsaved", false, false, 0, 14), // events without a session row: pruned
    ("ses_gone", true, true, 2, 16),      // hard-deleted with its runs
    ("ses_empty", true, true, 1, 0),      // hard-deleted, no events
];

/// Writes the scenario into `store` at T0, then moves the clock 31 days on.
async fn build<S: TestStore>(store: &S, env: &Env, clock: &SteppingClock) {
    for (sid, saved, soft_deleted, runs, events) in SESSIONS {
        let run_ids: Vec<String> = (0..runs).map(|i| format!("{sid}-run{i}")).collect();
        if saved {
            let mut session = common::session(sid, env);
            session.status = SessionStatus::Completed;
            session.tags = vec!["nightly".to_owned()];
            session.metadata.insert("owner".into(), json!({"team": "agents", "n": events}));
            if soft_deleted {
                session.deleted_at = Some(env.now());
            }
            store.save_session(&session).await.expect("save_session");
            for run_id in &run_ids {
                let mut run = common::run(run_id, sid, env);
                run.token_usage.insert("total_tokens".into(), json!(events * 10));
                run.provider = Some("claude".to_owned());
                store.save_run(&run).await.expect("save_run");
            }
        }
        let all: Vec<Event> = (0..events)
            .map(|n| event(sid, n, run_ids.get(n % runs.max(1)).map(String::as_str), env))
            .collect();
        // In two calls, so sequence numbers come from two appends.
        let (a, b) = all.split_at(events / 2);
        store.append_events(a).await.expect("append_events");
        store.append_events(b).await.expect("append_events");
    }
    clock.advance(31 * DAY);
}

/// What one session holds: its row, runs and events.
#[derive(Debug, Clone, PartialEq)]
struct Copy {
    session: Option<Session>,
    runs: Vec<Run>,
    events: Vec<Event>,
}

/// Every scenario session as the store's own `SessionStore` reads answer it.
async fn copy<S: TestStore>(store: &S) -> BTreeMap<String, Copy> {
    let mut out = BTreeMap::new();
    for (sid, ..) in SESSIONS {
        let session = store.get_session(sid).await.ok();
        let mut runs = store.list_runs(sid, &ListRuns::default()).await.expect("list_runs");
        runs.sort_by(|a, b| a.id.cmp(&b.id));
        let events = store.get_events(sid, &EventFilter::default()).await.expect("get_events");
        out.insert(sid.to_owned(), Copy { session, runs, events });
    }
    out
}

/// Every archive under [`PREFIX`] in `blobs`: manifests and their events.
async fn archives<A: ArtifactStore>(blobs: &A) -> Vec<(ArchiveManifest, Vec<Event>)> {
    let keys = blobs.list(&format!("{PREFIX}/"), None, 10_000).await.expect("list");
    let mut out = Vec::new();
    for info in keys.iter().filter(|i| i.key.ends_with(MANIFEST_SUFFIX)) {
        let text = blobs.get_bytes(&info.key).await.expect("manifest");
        let manifest: ArchiveManifest = serde_json::from_slice(&text).expect("manifest JSON");
        let body = blobs.get_bytes(&manifest.body_key).await.expect("body");
        out.push((manifest, decode_body(&body).expect("body decodes")));
    }
    out
}

fn ids(events: &[Event]) -> BTreeSet<(String, i64)> {
    events.iter().map(|e| (e.id.clone(), e.sequence_number.unwrap_or(0))).collect()
}

/// Compares two copies session by session, field by field (Event's `PartialEq` covers id,
/// type, timestamp, session, run id, data, metadata, sequence number, schema version,
/// provider and correlation id).
fn same(
    label: &str,
    what: &str,
    got: &BTreeMap<String, Copy>,
    want: &BTreeMap<String, Copy>,
    checks: &mut Checks,
) {
    for (sid, w) in want {
        let g = got.get(sid);
        checks.check(
            format!("{label} {what}: {sid} events"),
            g.is_some_and(|g| g.events == w.events),
            || format!("got {:?}\nwant {:?}", g.map(|g| ids(&g.events)), ids(&w.events)),
        );
        checks.check(
            format!("{label} {what}: {sid} row and runs"),
            g.is_some_and(|g| g.session == w.session && g.runs == w.runs),
            || {
                format!(
                    "got {:?}\nwant {:?}",
                    g.map(|g| (&g.session, &g.runs)),
                    (&w.session, &w.runs)
                )
            },
        );
    }
}

/// The main round trip on one backend.
async fn roundtrip<M: Maker>(maker: &M, label: &str, checks: &mut Checks) {
    // The twin: the same data pruned and hard-deleted by the store itself, without archiving.
    let (twin_env, twin_clock) = fresh_env();
    let twin = maker.make(twin_env.clone()).await;
    build(&twin, &twin_env, &twin_clock).await;
    let twin_report = twin.execute(&policy(false)).await.expect("twin execute");
    let twin_after = copy(&twin).await;

    let (env, clock) = fresh_env();
    let c = CompositeStore::new(
        maker.make(env.clone()).await,
        MemoryArtifactStore::new(env.clone()),
        env.clone(),
    );
    build(c.store(), &env, &clock).await;
    let before = copy(c.store()).await;
    let report: MaintenanceReport = c.execute(&policy(true)).await.expect("execute");
    let after = copy(c.store()).await;

    checks.check(
        format!("{label} execute: no errors, complete"),
        report.errors.is_empty() && report.complete,
        || format!("{report:?}"),
    );
    checks.check(
        format!("{label} execute: the twin's counts"),
        (report.events_pruned, report.sessions_hard_deleted, report.sessions_soft_deleted)
            == (
                twin_report.events_pruned,
                twin_report.sessions_hard_deleted,
                twin_report.sessions_soft_deleted,
            )
            && report.events_pruned > 0
            && report.sessions_hard_deleted == 2,
        || format!("{report:?} vs twin {twin_report:?}"),
    );
    for (sid, ..) in SESSIONS {
        let (a, t) = (&after[sid], &twin_after[sid]);
        checks.check(
            format!("{label} {sid}: keeps what pruning without archive keeps"),
            ids(&a.events) == ids(&t.events) && a.session.is_some() == t.session.is_some(),
            || format!("archiving {:?}\ntwin {:?}", ids(&a.events), ids(&t.events)),
        );
    }

    // Gone from the store, present in the archive, exactly.
    let removed: BTreeMap<String, Event> = SESSIONS
        .iter()
        .flat_map(|(sid, ..)| {
            let kept = ids(&after[*sid].events);
            before[*sid]
                .events
                .iter()
                .filter(move |e| !kept.contains(&(e.id.clone(), e.sequence_number.unwrap_or(0))))
                .cloned()
        })
        .map(|e| (e.id.clone(), e))
        .collect();
    let found = archives(c.blobs()).await;
    let archived: BTreeMap<String, Event> = found
        .iter()
        .flat_map(|(_, events)| events.iter().cloned())
        .map(|e| (e.id.clone(), e))
        .collect();
    checks.check(
        format!("{label} the archive holds exactly the removed events"),
        archived == removed && !removed.is_empty(),
        || {
            format!(
                "archived {:?}\nremoved {:?}",
                archived.keys().collect::<Vec<_>>(),
                removed.keys().collect::<Vec<_>>()
            )
        },
    );
    let reasons: BTreeSet<(String, String)> = found
        .iter()
        .map(|(m, _)| {
            (m.session_id.clone(), serde_json::to_value(m.reason).unwrap_or_default().to_string())
        })
        .collect();
    let want_reasons: BTreeSet<(String, String)> = [
        ("ses_big", "prune"),
        ("ses_edge", "prune"),
        ("ses_unsaved", "prune"),
        ("ses_gone", "hard_delete"),
        ("ses_empty", "hard_delete"),
    ]
    .iter()
    .map(|(s, r)| (s.to_string(), format!("\"{r}\"")))
    .collect();
    checks.check(
        format!("{label} one archive per session and step"),
        reasons == want_reasons && found.len() == 5,
        || format!("{reasons:?}"),
    );
    let manifests_ok = found.iter().all(|(m, events)| {
        let seqs: Vec<i64> = events.iter().filter_map(|e| e.sequence_number).collect();
        m.count == events.len() as u64
            && m.first_sequence == seqs.iter().copied().min().unwrap_or(0)
            && m.last_sequence == seqs.iter().copied().max().unwrap_or(0)
            && events.iter().all(|e| e.session_id == m.session_id)
            && m.sha256.len() == 64
            && (m.session.is_some() == (m.reason == archive::ArchiveReason::HardDelete))
    });
    checks.check(format!("{label} manifests describe their bodies"), manifests_ok, || {
        format!("{:?}", found.iter().map(|(m, _)| m).collect::<Vec<_>>())
    });
    let gone = ["ses_gone", "ses_empty"];
    checks.check(
        format!("{label} hard-deleted sessions are gone with their runs"),
        gone.iter().all(|s| {
            after[*s].session.is_none() && after[*s].runs.is_empty() && after[*s].events.is_empty()
        }),
        || format!("{:?}", gone.iter().map(|s| &after[*s]).collect::<Vec<_>>()),
    );

    // Import: every removed event, row and run back exactly, sequence numbers kept.
    let imported = c.import_archives(PREFIX, None).await.expect("import");
    let restored_runs: usize = SESSIONS.iter().filter(|s| s.2).map(|s| s.3).sum();
    checks.check(
        format!("{label} import restores every archive"),
        imported.failed.is_empty()
            && imported.imported == 5
            && imported.restored.events == removed.len() as u64
            && imported.restored.sessions == 2
            && imported.restored.runs == restored_runs as u64,
        || format!("{imported:?}"),
    );
    let restored = copy(c.store()).await;
    same(label, "after import", &restored, &before, checks);
    let seq = c.store().get_latest_sequence("ses_gone").await.unwrap_or(-1);
    let want_seq = before["ses_gone"].events.last().and_then(|e| e.sequence_number).unwrap_or(0);
    checks.check(
        format!("{label} the restored counter is the highest restored number"),
        seq == want_seq,
        || format!("{seq} != {want_seq}"),
    );

    // Twice: nothing changes.
    let again = c.import_archives(PREFIX, None).await.expect("import again");
    checks.check(
        format!("{label} a second import writes nothing"),
        again.failed.is_empty()
            && again.restored == Default::default()
            && again.already_present == removed.len() as u64,
        || format!("{again:?}"),
    );
    same(label, "after a second import", &copy(c.store()).await, &before, checks);

    // A new append after the import continues after the restored numbers.
    let next = event("ses_big", 900, None, &env);
    let stored = c.store().append_event_with_sequence(&next).await.expect("append");
    let max = before["ses_big"].events.iter().filter_map(|e| e.sequence_number).max().unwrap_or(0);
    checks.check(
        format!("{label} appends continue after the restored numbers"),
        stored.sequence_number == Some(max + 1),
        || format!("{:?} after {max}", stored.sequence_number),
    );

    // Into another, empty store: one session, then everything.
    let (fresh_env_, _) = fresh_env();
    let fresh = maker.make(fresh_env_).await;
    let one =
        archive::import(&fresh, c.blobs(), PREFIX, Some("ses_gone")).await.expect("import one");
    let fresh_copy = copy(&fresh).await;
    let want_gone = before["ses_gone"].clone();
    checks.check(
        format!("{label} import of one session restores only it"),
        one.imported == 1
            && fresh_copy["ses_gone"] == want_gone
            && fresh_copy["ses_big"].events.is_empty(),
        || format!("{one:?} {:?}", fresh_copy["ses_gone"]),
    );
    let all = archive::import(&fresh, c.blobs(), PREFIX, None).await.expect("import all");
    let fresh_copy = copy(&fresh).await;
    checks.check(
        format!("{label} import into another store"),
        all.failed.is_empty() && all.imported == 5,
        || format!("{all:?}"),
    );
    for (sid, ..) in SESSIONS {
        let want: Vec<&Event> =
            before[sid].events.iter().filter(|e| removed.contains_key(&e.id)).collect();
        let got: Vec<&Event> = fresh_copy[sid].events.iter().collect();
        checks.check(
            format!("{label} another store holds exactly {sid}'s archived events"),
            got == want,
            || format!("{:?}\n{:?}", got.len(), want.len()),
        );
    }

    // A body that no longer matches its manifest imports nothing of that archive.
    let (m, _) = found.iter().find(|(m, _)| m.session_id == "ses_big").expect("ses_big archive");
    let forged = archive::encode_body(&before["ses_small"].events).expect("encode");
    c.blobs().put_bytes(&m.body_key, forged).await.expect("overwrite body");
    let (e3, _) = fresh_env();
    let third = maker.make(e3).await;
    let bad = archive::import(&third, c.blobs(), PREFIX, None).await.expect("import");
    let third_copy = copy(&third).await;
    checks.check(
        format!("{label} a SHA-256 mismatch is a clear error and imports nothing of it"),
        bad.failed.len() == 1
            && bad.failed[0].1.code() == ErrorCode::StorageError
            && bad.failed[0].1.message().contains("SHA-256 mismatch")
            && bad.imported == 4
            && third_copy["ses_big"].events.is_empty()
            && third_copy["ses_small"].events.is_empty()
            && !third_copy["ses_gone"].events.is_empty(),
        || format!("{bad:?}"),
    );
}

/// A failing archive write (the backend down, or failing after the body) deletes nothing and
/// is reported; the other steps still run.
async fn failing_writes<M: Maker>(maker: &M, label: &str, checks: &mut Checks) {
    let cases: [(&str, KeyPredicate); 2] = [
        ("every put fails", |_| true),
        ("the manifest put fails", |k| k.ends_with(MANIFEST_SUFFIX)),
    ];
    for (what, fails) in cases {
        let (env, clock) = fresh_env();
        let blobs = FailingPuts { inner: MemoryArtifactStore::new(env.clone()), fails };
        let c = CompositeStore::new(maker.make(env.clone()).await, blobs, env.clone());
        build(c.store(), &env, &clock).await;
        let before = copy(c.store()).await;
        let report = c.execute(&policy(true)).await.expect("execute");
        let after = copy(c.store()).await;
        same(label, &format!("{what}: nothing deleted"), &after, &before, checks);
        let per_session =
            report.errors.iter().filter(|e| e.contains("Artifact store put failed")).count();
        checks.check(
            format!("{label} {what}: one error per session and step, reported"),
            // Two hard deletes, then four prunes: ses_gone, kept whole, is over the limit too.
            per_session == 6
                && report.events_pruned == 0
                && report.sessions_hard_deleted == 0
                && !report.complete
                && report.remaining.iter().any(|s| s == "prune_session_events")
                && report.remaining.iter().any(|s| s == "hard_delete_expired_sessions"),
            || format!("{report:?}"),
        );
        let single = c.prune_session_events("ses_big", &policy(true)).await;
        checks.check(
            format!("{label} {what}: prune_session_events answers the archive error"),
            single.as_ref().is_err_and(|e| e.code() == ErrorCode::StorageError),
            || format!("{single:?}"),
        );
        let single = c.hard_delete_expired_sessions(&policy(true)).await;
        checks.check(
            format!("{label} {what}: hard_delete_expired_sessions answers the archive error"),
            single.as_ref().is_err_and(|e| e.message().contains("Artifact store put failed")),
            || format!("{single:?}"),
        );
        same(
            label,
            &format!("{what}: still nothing deleted"),
            &copy(c.store()).await,
            &before,
            checks,
        );
    }
}

/// Exactness: what is written after the archive was read is never deleted with it.
async fn exactness<M: Maker>(maker: &M, label: &str, checks: &mut Checks) {
    let (env, clock) = fresh_env();
    let store = maker.make(env.clone()).await;
    build(&store, &env, &clock).await;
    let snap = store.snapshot("ses_gone").await.expect("snapshot");
    let late = event("ses_gone", 500, None, &env);
    store.append_event(&late).await.expect("late append");
    let events: Vec<String> = snap.events.iter().map(|e| e.id.clone()).collect();
    let runs: Vec<String> = snap.runs.iter().map(|r| r.id.clone()).collect();
    let removed = store
        .remove_archived("ses_gone", Removal::Session { events: &events, runs: &runs })
        .await
        .expect("remove");
    let left = store.get_events("ses_gone", &EventFilter::default()).await.expect("get_events");
    checks.check(
        format!("{label} a late event keeps its session through hard delete"),
        removed.events == events.len() as u64
            && !removed.session
            && left.len() == 1
            && left[0].id == late.id
            && store.get_session("ses_gone").await.is_ok(),
        || format!("{removed:?} {left:?}"),
    );
    let pruned: Vec<String> =
        vec!["ses_big-e003".into(), "ses_big-e004".into(), "no-such-id".into()];
    let removed = store.remove_archived("ses_big", Removal::Events(&pruned)).await.expect("remove");
    let left = store.get_events("ses_big", &EventFilter::default()).await.expect("get_events");
    checks.check(
        format!("{label} pruning deletes exactly the listed events"),
        removed.events == 2 && left.len() == 35 && !left.iter().any(|e| pruned.contains(&e.id)),
        || format!("{removed:?} {}", left.len()),
    );
    // A restore contradicting the store is refused and writes nothing: an id stored under
    // another number, or a number another event holds.
    let stored_late = left_of(&store, "ses_gone").await;
    let late_seq = stored_late.first().and_then(|e| e.sequence_number).unwrap_or(0);
    let mut fresh_one = snap.events[1].clone();
    fresh_one.id = "ses_gone-new".into();
    fresh_one.sequence_number = Some(800);
    let mut moved = late.clone();
    moved.sequence_number = Some(900);
    let mut taken = snap.events[2].clone();
    taken.id = "ses_gone-dup".into();
    taken.sequence_number = Some(late_seq);
    for (what, batch) in [
        ("an id under another number", vec![fresh_one.clone(), moved]),
        ("a number held by another event", vec![fresh_one, taken]),
    ] {
        let r = store.restore_archived("ses_gone", None, &[], &batch).await;
        let now = left_of(&store, "ses_gone").await;
        checks.check(
            format!("{label} restoring {what} is refused, nothing written"),
            r.as_ref().is_err_and(|e| e.code() == ErrorCode::AlreadyExists) && now == stored_late,
            || format!("{r:?} {now:?}"),
        );
    }
}

async fn left_of<S: TestStore>(store: &S, sid: &str) -> Vec<Event> {
    store.get_events(sid, &EventFilter::default()).await.expect("get_events")
}

async fn run_all<M: Maker>(maker: &M, label: &str, checks: &mut Checks) {
    roundtrip(maker, label, checks).await;
    failing_writes(maker, label, checks).await;
    exactness(maker, label, checks).await;
}

fn main() {
    let _ = database_url();
    let mut checks = Checks::default();
    block_on(async {
        run_all(&Memory, "memory", &mut checks).await;
        run_all(&Sql(Sqlite(Dialect::Sqlite)), "sqlite", &mut checks).await;
        run_all(&Sql(Sqlite(Dialect::D1)), "sqlite-d1-dialect", &mut checks).await;
        run_all(&Sql(Postgres), "postgres", &mut checks).await;
    });
    for f in &checks.failed {
        eprintln!("FAILED {f}");
    }
    println!(
        "reliability archive-roundtrip: {} passed, {} failed",
        checks.passed,
        checks.failed.len()
    );
    assert!(checks.failed.is_empty(), "archive round-trip checks failed");
}
