//! ASM's long-poll (`get_events` with `wait_timeout_ms`): `docs/asm-v0.8/domain.md` §7.6 items
//! 91–95. A reader blocks while a writer, paused beside it on the host's real time, appends
//! events that must (or must not) wake it.

use std::cell::Cell;
use std::rc::Rc;

use asm_core::ports::EventFilter;
use asm_core::{Event, EventType, NewEvent};

use crate::cases::helpers::{OrFail, event};
use crate::{Case, CaseResult, Ctx, RealTime, Store, ensure, ensure_eq};

/// The cases of this file, in manifest order.
pub(super) fn cases<S: Store>() -> Vec<Case<S>> {
    crate::case_list![
        domain_7_6_91_append_wakes_a_blocked_reader,
        domain_7_6_92_timeout_answers_empty,
        domain_7_6_93_only_its_own_session_wakes_it,
        domain_7_6_94_only_its_type_wakes_it,
        domain_7_6_95_only_its_run_wakes_it,
    ]
}

fn real_time<S>(cx: &Ctx<S>) -> Result<Rc<dyn RealTime>, String> {
    cx.real_time.clone().ok_or_else(|| "this host gives the suite no real time".to_owned())
}

/// Blocks a reader on `sid` with `filter` (waiting up to 10 s) while `writer` runs beside it;
/// the writer gets a flag that is set once the reader has answered. Returns the answer and how
/// long the reader waited, in ms.
async fn blocked_reader<S: Store>(
    cx: &Ctx<S>,
    sid: &str,
    filter: EventFilter,
    writer: impl AsyncFnOnce(&Cell<bool>) -> CaseResult,
) -> Result<(Vec<Event>, f64), String> {
    let time = real_time(cx)?;
    let answered = Cell::new(false);
    let filter = EventFilter { after: Some(0), wait_timeout_ms: Some(10_000), ..filter };
    let started = time.now_ms();
    let reader = async {
        let got = cx.store.get_events(sid, &filter).await;
        answered.set(true);
        (got, time.now_ms() - started)
    };
    let ((got, waited), wrote) = futures::join!(reader, writer(&answered));
    wrote?;
    Ok((got.or_fail("get_events")?, waited))
}

/// Appends one event of `event_type` (in run `run_id` when given) to `sid`.
async fn append<S: Store>(
    cx: &Ctx<S>,
    sid: &str,
    event_type: EventType,
    run_id: Option<&str>,
) -> CaseResult {
    let mut ev = event(&cx.env, event_type, sid)?;
    if let Some(run_id) = run_id {
        ev = Event::new(
            NewEvent { run_id: Some(run_id.to_owned()), ..NewEvent::of(event_type, sid) },
            &cx.env,
        )
        .or_fail("Event::new")?;
    }
    cx.store.append_event(&ev).await.or_fail("append_event")
}

/// Pauses, appends an event that must not wake the reader, pauses 100 ms, checks the reader is
/// still blocked, then appends the one that must.
async fn distractor_then_match<S: Store>(
    cx: &Ctx<S>,
    answered: &Cell<bool>,
    distractor: impl AsyncFnOnce() -> CaseResult,
    matching: impl AsyncFnOnce() -> CaseResult,
) -> CaseResult {
    let time = real_time(cx)?;
    time.pause(30).await;
    distractor().await?;
    time.pause(100).await;
    ensure(!answered.get(), "the reader was woken by an event its filters exclude")?;
    matching().await
}

async fn domain_7_6_91_append_wakes_a_blocked_reader<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let time = real_time(cx)?;
    let (got, waited) = blocked_reader(cx, "ses_lp91", EventFilter::default(), async |_| {
        time.pause(50).await;
        append(cx, "ses_lp91", EventType::SessionCreated, None).await
    })
    .await?;
    ensure(!got.is_empty(), "the reader got no event")?;
    ensure_eq(got[0].event_type, EventType::SessionCreated, "first event")?;
    ensure(waited < 5_000.0, format!("the reader waited {waited} ms of its 10 s"))
}

async fn domain_7_6_92_timeout_answers_empty<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let time = real_time(cx)?;
    let filter =
        EventFilter { after: Some(0), wait_timeout_ms: Some(100), ..EventFilter::default() };
    let started = time.now_ms();
    let got = cx.store.get_events("ses_lp92", &filter).await.or_fail("get_events")?;
    let waited = time.now_ms() - started;
    ensure(got.is_empty(), format!("expected [], got {} events", got.len()))?;
    ensure(waited >= 80.0, format!("answered after {waited} ms, before the 100 ms wait"))
}

async fn domain_7_6_93_only_its_own_session_wakes_it<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let (got, _) = blocked_reader(cx, "ses_lp93", EventFilter::default(), async |answered| {
        distractor_then_match(
            cx,
            answered,
            async || append(cx, "ses_lp93_other", EventType::SessionCreated, None).await,
            async || append(cx, "ses_lp93", EventType::SessionCreated, None).await,
        )
        .await
    })
    .await?;
    ensure(!got.is_empty(), "the reader got no event")?;
    ensure(got.iter().all(|e| e.session_id == "ses_lp93"), "an event of another session came back")
}

async fn domain_7_6_94_only_its_type_wakes_it<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let filter = EventFilter { event_type: Some(EventType::RunStarted), ..EventFilter::default() };
    let (got, _) = blocked_reader(cx, "ses_lp94", filter, async |answered| {
        distractor_then_match(
            cx,
            answered,
            async || append(cx, "ses_lp94", EventType::SessionCreated, None).await,
            async || append(cx, "ses_lp94", EventType::RunStarted, None).await,
        )
        .await
    })
    .await?;
    ensure(!got.is_empty(), "the reader got no event")?;
    ensure(got.iter().all(|e| e.event_type == EventType::RunStarted), "another type came back")
}

async fn domain_7_6_95_only_its_run_wakes_it<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let filter = EventFilter { run_id: Some("run_lp95".into()), ..EventFilter::default() };
    let (got, _) = blocked_reader(cx, "ses_lp95", filter, async |answered| {
        distractor_then_match(
            cx,
            answered,
            async || append(cx, "ses_lp95", EventType::RunStarted, Some("run_other")).await,
            async || append(cx, "ses_lp95", EventType::RunStarted, Some("run_lp95")).await,
        )
        .await
    })
    .await?;
    ensure(!got.is_empty(), "the reader got no event")?;
    ensure(got.iter().all(|e| e.run_id.as_deref() == Some("run_lp95")), "another run came back")
}
