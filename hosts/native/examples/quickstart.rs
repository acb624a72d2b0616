//! Stores a session, a run and two events in a SQLite file, then reads them back.
//!
//! `cargo run -p asm-native --example quickstart -- /tmp/agents.db`

use asm_core::ports::{EventFilter, SessionStore};
use asm_core::sql::SqlStore;
use asm_core::{
    Event, EventType, NewEvent, NewRun, NewSession, Run, RunStatus, Session, SessionStatus,
};
use asm_native::{SqliteExecutor, system_env};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).unwrap_or_else(|| "agents.db".to_owned());
    let executor = SqliteExecutor::open(&path)?;
    executor.apply_migrations()?;
    let env = system_env();
    let store = SqlStore::new(executor, env.clone());

    futures::executor::block_on(async {
        let mut session = Session::new(NewSession::for_agent("agent-1"), &env)?;
        session.update_status(SessionStatus::Active, &env);
        store.save_session(&session).await?;

        let mut run = Run::new(NewRun::for_session(&session.id), &env)?;
        run.update_status(RunStatus::Running, &env);
        store.save_run(&run).await?;

        for event_type in [EventType::RunStarted, EventType::MessageReceived] {
            let mut attrs = NewEvent::of(event_type, &session.id);
            attrs.run_id = Some(run.id.clone());
            store.append_event_with_sequence(&Event::new(attrs, &env)?).await?;
        }
        for event in store.get_events(&session.id, &EventFilter::default()).await? {
            println!(
                "{} #{} {}",
                event.session_id,
                event.sequence_number.unwrap_or(0),
                event.event_type
            );
        }
        Ok::<_, asm_core::Error>(())
    })?;
    Ok(())
}
