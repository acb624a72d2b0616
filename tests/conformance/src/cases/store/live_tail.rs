//! Subscriptions (`asm_core::live::Tail`): backfill then live, in sequence order, with no gap and
//! no duplicate across the switch; resuming after the last event seen; a pruned range reported,
//! never skipped in silence; filters that skip events but still move the cursor.

use asm_core::live::{Follow, Tail, TailItem};
use asm_core::{EventType, Limit, NewEvent, RetentionPolicy};

use crate::cases::helpers::{OrFail, event};
use crate::{Case, CaseResult, Ctx, Store, ensure, ensure_eq};

/// The cases of this file, in manifest order.
pub(super) fn cases<S: Store>() -> Vec<Case<S>> {
    crate::case_list![
        live_tail_1_backfill_then_live_in_order,
        live_tail_2_resume_after_the_last_event_seen,
        live_tail_3_a_pruned_range_is_reported,
        live_tail_4_filters_skip_events_but_move_the_cursor,
    ]
}

/// Appends `n` message events to `sid`.
async fn messages<S: Store>(cx: &Ctx<S>, sid: &str, n: usize) -> CaseResult {
    for _ in 0..n {
        let e = event(&cx.env, EventType::MessageReceived, sid)?;
        cx.store.append_event(&e).await.or_fail("append_event")?;
    }
    Ok(())
}

/// Pulls items until the tail reports it is up to date; returns the sequences delivered (and
/// `-from` for a pruned range starting at `from`).
async fn drain<P: std::ops::Deref<Target = S>, S: Store>(
    tail: &mut Tail<P>,
) -> Result<(Vec<i64>, i64), String> {
    let mut seen = Vec::new();
    loop {
        match tail.next().await.or_fail("tail.next")? {
            TailItem::Event(e) => seen.push(e.sequence_number.unwrap_or(0)),
            TailItem::Pruned { from, first_stored } => {
                ensure(first_stored > from, "a pruned range is not empty")?;
                seen.push(-from);
            }
            TailItem::UpToDate { last_sequence } => return Ok((seen, last_sequence)),
        }
    }
}

async fn live_tail_1_backfill_then_live_in_order<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let Some(time) = cx.real_time.clone() else {
        return Err("this host gives the suite no real time".into());
    };
    messages(cx, "ses_tail1", 5).await?;
    let mut tail = Tail::new(&cx.store, "ses_tail1", Follow::from(1, 10_000)).or_fail("Tail")?;
    let (backfill, last) = drain(&mut tail).await?;
    ensure_eq((backfill, last), ((1..=5).collect(), 5), "backfill")?;
    // Live: the tail waits; a writer beside it appends three more.
    let reader = async {
        let mut live = Vec::new();
        while live.len() < 3 {
            if let TailItem::Event(e) = tail.next().await.or_fail("tail.next")? {
                live.push(e.sequence_number.unwrap_or(0));
            }
        }
        Ok::<_, String>(live)
    };
    let writer = async {
        time.pause(30).await;
        messages(cx, "ses_tail1", 3).await
    };
    let (live, wrote) = futures::join!(reader, writer);
    wrote?;
    ensure_eq(live?, vec![6, 7, 8], "live events, after the backfill, none twice")
}

async fn live_tail_2_resume_after_the_last_event_seen<S: Store>(cx: &Ctx<S>) -> CaseResult {
    messages(cx, "ses_tail2", 6).await?;
    let mut first = Tail::new(&cx.store, "ses_tail2", Follow::from(1, 0)).or_fail("Tail")?;
    let mut seen = Vec::new();
    while seen.len() < 2 {
        if let TailItem::Event(e) = first.next().await.or_fail("tail.next")? {
            seen.push(e.sequence_number.unwrap_or(0));
        }
    }
    // The subscriber went away after event 2 and comes back from 3.
    let mut again =
        Tail::new(&cx.store, "ses_tail2", Follow::from(seen[1] + 1, 0)).or_fail("Tail")?;
    let (rest, last) = drain(&mut again).await?;
    seen.extend(rest);
    ensure_eq((seen, last), ((1..=6).collect(), 6), "every event once, in order")
}

async fn live_tail_3_a_pruned_range_is_reported<S: Store>(cx: &Ctx<S>) -> CaseResult {
    messages(cx, "ses_tail3", 10).await?;
    let keep_four =
        RetentionPolicy { max_events_per_session: Limit::Finite(4), ..RetentionPolicy::default() };
    let pruned = cx.store.prune_session_events("ses_tail3", &keep_four).await.or_fail("prune")?;
    ensure_eq(pruned, 6, "events pruned")?;
    let mut tail = Tail::new(&cx.store, "ses_tail3", Follow::from(2, 0)).or_fail("Tail")?;
    let (seen, last) = drain(&mut tail).await?;
    ensure_eq((seen, last), (vec![-2, 7, 8, 9, 10], 10), "pruned 2..7 reported, then 7..=10")
}

async fn live_tail_4_filters_skip_events_but_move_the_cursor<S: Store>(cx: &Ctx<S>) -> CaseResult {
    for (t, run) in [
        (EventType::RunStarted, "run_a"),
        (EventType::MessageReceived, "run_a"),
        (EventType::RunStarted, "run_b"),
        (EventType::RunCompleted, "run_a"),
    ] {
        let attrs = NewEvent { run_id: Some(run.to_owned()), ..NewEvent::of(t, "ses_tail4") };
        let e = asm_core::Event::new(attrs, &cx.env).or_fail("Event::new")?;
        cx.store.append_event(&e).await.or_fail("append_event")?;
    }
    let follow = Follow { run_id: Some("run_a".into()), ..Follow::from(1, 0) };
    let mut tail = Tail::new(&cx.store, "ses_tail4", follow).or_fail("Tail")?;
    let (seen, last) = drain(&mut tail).await?;
    ensure_eq((seen, last), (vec![1, 2, 4], 4), "run_a's events; the cursor passed run_b's")?;
    let follow = Follow { event_type: Some(EventType::RunStarted), ..Follow::from(1, 0) };
    let mut tail = Tail::new(&cx.store, "ses_tail4", follow).or_fail("Tail")?;
    ensure_eq(drain(&mut tail).await?, (vec![1, 3], 4), "run_started only")?;
    let refused = Tail::new(&cx.store, "ses_tail4", Follow::from(0, 0));
    ensure(refused.is_err(), "from_sequence 0 is refused")
}
