//! `search_sessions`: `docs/asm-v0.8/domain.md` §7.13 item 163 and `docs/asm-v0.8/sql.md` §8 items 64–77.

use asm_core::ports::{EventSearch, SessionOrder, SessionPage, SessionSearch};
use asm_core::{ErrorCode, EventType, NewSession, Session, SessionStatus, Timestamp};

use crate::cases::helpers::{OrFail, event, ids, run, secs, session};
use crate::{Case, CaseResult, Ctx, Store, ensure, ensure_eq, expect_code};

/// The cases of this file, in manifest order.
pub(super) fn cases<S: Store>() -> Vec<Case<S>> {
    crate::case_list![
        domain_7_13_163_search_empty_store,
        sql_8_64_search_sessions_total,
        sql_8_65_search_sessions_agent_and_status,
        sql_8_66_search_sessions_limit_keeps_total,
        sql_8_67_search_sessions_hides_deleted,
        sql_8_68_cursor_on_every_non_empty_page,
        sql_8_69_search_sessions_by_run_provider,
        sql_8_70_search_sessions_all_tags,
        sql_8_71_page_by_updated_at_desc,
        sql_8_72_page_by_created_at_both_ways,
        sql_8_73_limit_out_of_range,
        sql_8_75_status_list_and_created_range,
        sql_8_76_foreign_or_garbage_cursor,
        sql_8_77_last_page_and_total_with_cursor,
        sql_5_2_empty_status_list_matches_nothing,
    ]
}

/// A fixed instant well before the case clock.
const BASE: Timestamp = Timestamp::from_micros(1_700_000_000_000_000);

/// Saves a session whose created_at and updated_at are BASE + the given seconds.
async fn dated<S: Store>(
    cx: &Ctx<S>,
    id: &str,
    created: i64,
    updated: i64,
) -> Result<Session, String> {
    let mut s = Session::new(
        NewSession { id: Some(id.into()), ..NewSession::for_agent("test-agent") },
        &cx.env,
    )
    .or_fail("Session::new")?;
    s.created_at = secs(BASE, created);
    s.updated_at = secs(BASE, updated);
    cx.store.save_session(&s).await.or_fail("save_session")?;
    Ok(s)
}

async fn search<S: Store>(cx: &Ctx<S>, q: SessionSearch) -> Result<SessionPage, String> {
    cx.store.search_sessions(&q).await.or_fail("search_sessions")
}

async fn domain_7_13_163_search_empty_store<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let page = search(cx, SessionSearch::default()).await?;
    ensure_eq(page, SessionPage { sessions: vec![], cursor: None, total_count: 0 }, "page")
}

async fn sql_8_64_search_sessions_total<S: Store>(cx: &Ctx<S>) -> CaseResult {
    for _ in 0..2 {
        cx.store.save_session(&session(&cx.env, "test-agent")?).await.or_fail("save_session")?;
    }
    let page = search(cx, SessionSearch::default()).await?;
    ensure_eq((page.sessions.len(), page.total_count), (2, 2), "sessions and total")
}

async fn sql_8_65_search_sessions_agent_and_status<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let mine = session(&cx.env, "agent-1")?;
    let mut done = session(&cx.env, "agent-2")?;
    done.update_status(SessionStatus::Completed, &cx.env);
    cx.store.save_session(&mine).await.or_fail("save mine")?;
    cx.store.save_session(&done).await.or_fail("save done")?;
    let by_agent =
        search(cx, SessionSearch { agent_id: Some("agent-1".into()), ..SessionSearch::default() })
            .await?;
    ensure_eq(ids(&by_agent.sessions), vec![mine.id], "agent-1")?;
    let q =
        SessionSearch { status: Some(vec![SessionStatus::Completed]), ..SessionSearch::default() };
    ensure_eq(ids(&search(cx, q).await?.sessions), vec![done.id], "completed")
}

async fn sql_8_66_search_sessions_limit_keeps_total<S: Store>(cx: &Ctx<S>) -> CaseResult {
    for _ in 0..5 {
        cx.store.save_session(&session(&cx.env, "test-agent")?).await.or_fail("save_session")?;
    }
    let page = search(cx, SessionSearch { limit: Some(2), ..SessionSearch::default() }).await?;
    ensure_eq((page.sessions.len(), page.total_count), (2, 5), "page size and total")
}

async fn sql_8_67_search_sessions_hides_deleted<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let live = session(&cx.env, "test-agent")?;
    let mut gone = session(&cx.env, "test-agent")?;
    gone.deleted_at = Some(cx.env.now());
    cx.store.save_session(&live).await.or_fail("save live")?;
    cx.store.save_session(&gone).await.or_fail("save deleted")?;
    let default = search(cx, SessionSearch::default()).await?;
    ensure_eq((ids(&default.sessions), default.total_count), (vec![live.id], 1), "default search")?;
    let all =
        search(cx, SessionSearch { include_deleted: true, ..SessionSearch::default() }).await?;
    ensure_eq((all.sessions.len(), all.total_count), (2, 2), "with include_deleted")
}

async fn sql_8_68_cursor_on_every_non_empty_page<S: Store>(cx: &Ctx<S>) -> CaseResult {
    cx.store.save_session(&session(&cx.env, "test-agent")?).await.or_fail("save_session")?;
    let page = search(cx, SessionSearch::default()).await?;
    ensure(page.cursor.as_ref().is_some_and(|c| !c.is_empty()), format!("cursor {:?}", page.cursor))
}

async fn sql_8_69_search_sessions_by_run_provider<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let (s1, s2) = (session(&cx.env, "test-agent")?, session(&cx.env, "test-agent")?);
    for (s, provider) in [(&s1, "claude"), (&s2, "codex")] {
        cx.store.save_session(s).await.or_fail("save_session")?;
        let mut r = run(&cx.env, &s.id)?;
        r.provider = Some(provider.into());
        cx.store.save_run(&r).await.or_fail("save_run")?;
    }
    let q = SessionSearch { provider: vec!["claude".into()], ..SessionSearch::default() };
    let page = search(cx, q).await?;
    ensure_eq((ids(&page.sessions), page.total_count), (vec![s1.id], 1), "claude sessions")
}

async fn sql_8_70_search_sessions_all_tags<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let tagged = |tags: &[&str]| NewSession {
        tags: tags.iter().map(|t| t.to_string()).collect(),
        ..NewSession::for_agent("a")
    };
    let s1 = Session::new(tagged(&["alpha", "beta"]), &cx.env).or_fail("Session::new")?;
    let s2 = Session::new(tagged(&["beta"]), &cx.env).or_fail("Session::new")?;
    cx.store.save_session(&s1).await.or_fail("save s1")?;
    cx.store.save_session(&s2).await.or_fail("save s2")?;
    let q = SessionSearch { tags: vec!["alpha".into()], ..SessionSearch::default() };
    let page = search(cx, q).await?;
    ensure_eq((ids(&page.sessions), page.total_count), (vec![s1.id.clone()], 1), "alpha")?;
    let q = SessionSearch { tags: vec!["beta".into(), "alpha".into()], ..SessionSearch::default() };
    ensure_eq(ids(&search(cx, q).await?.sessions), vec![s1.id], "beta and alpha")
}

async fn sql_8_71_page_by_updated_at_desc<S: Store>(cx: &Ctx<S>) -> CaseResult {
    dated(cx, "ses_old", 0, 10).await?;
    dated(cx, "ses_new", 0, 30).await?;
    dated(cx, "ses_mid", 0, 20).await?;
    let q = SessionSearch {
        order_by: SessionOrder::UpdatedAtDesc,
        limit: Some(1),
        ..SessionSearch::default()
    };
    let first = search(cx, q.clone()).await?;
    ensure_eq(ids(&first.sessions), vec!["ses_new".to_owned()], "page 1")?;
    let second = search(cx, SessionSearch { cursor: first.cursor, ..q }).await?;
    ensure_eq(ids(&second.sessions), vec!["ses_mid".to_owned()], "page 2")
}

async fn sql_8_72_page_by_created_at_both_ways<S: Store>(cx: &Ctx<S>) -> CaseResult {
    dated(cx, "ses_b_middle", 20, 20).await?;
    dated(cx, "ses_c_oldest", 10, 10).await?;
    dated(cx, "ses_a_newest", 30, 30).await?;
    for (order, want) in [
        (SessionOrder::CreatedAtDesc, ["ses_a_newest", "ses_b_middle"]),
        (SessionOrder::CreatedAtAsc, ["ses_c_oldest", "ses_b_middle"]),
    ] {
        let q = SessionSearch { order_by: order, limit: Some(1), ..SessionSearch::default() };
        let first = search(cx, q.clone()).await?;
        let second = search(cx, SessionSearch { cursor: first.cursor.clone(), ..q }).await?;
        let got = [ids(&first.sessions), ids(&second.sessions)].concat();
        ensure_eq(got, want.map(str::to_owned).to_vec(), &format!("{order:?} pages"))?;
    }
    Ok(())
}

async fn sql_8_73_limit_out_of_range<S: Store>(cx: &Ctx<S>) -> CaseResult {
    for (limit, message) in [
        (-1, "limit must be a positive integer"),
        (0, "limit must be a positive integer"),
        (1001, "limit must be <= 1000"),
    ] {
        let got = cx
            .store
            .search_sessions(&SessionSearch { limit: Some(limit), ..SessionSearch::default() })
            .await;
        let e = expect_code(got, ErrorCode::ValidationError)?;
        ensure_eq(e.message(), message, &format!("limit {limit}"))?;
    }
    let ok = search(cx, SessionSearch { limit: Some(1000), ..SessionSearch::default() }).await?;
    ensure_eq(ok.total_count, 0, "limit 1000 is accepted")
}

async fn sql_8_75_status_list_and_created_range<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let mut done = session(&cx.env, "test-agent")?;
    done.update_status(SessionStatus::Completed, &cx.env);
    cx.store.save_session(&done).await.or_fail("save completed")?;
    let q =
        SessionSearch { status: Some(vec![SessionStatus::Completed]), ..SessionSearch::default() };
    ensure_eq(
        ids(&search(cx, q).await?.sessions),
        vec![done.id.clone()],
        "status list [completed]",
    )?;
    ensure_eq(
        search(cx, SessionSearch::default()).await?.total_count,
        1,
        "empty status list is no filter",
    )?;
    dated(cx, "ses_t10", 10, 10).await?;
    let mut deleted = dated(cx, "ses_t20", 20, 20).await?;
    deleted.deleted_at = Some(secs(BASE, 25));
    cx.store.save_session(&deleted).await.or_fail("soft-delete ses_t20")?;
    dated(cx, "ses_t30", 30, 30).await?;
    let range = SessionSearch {
        created_after: Some(secs(BASE, 10)),
        created_before: Some(secs(BASE, 20)),
        include_deleted: true,
        order_by: SessionOrder::CreatedAtAsc,
        ..SessionSearch::default()
    };
    let page = search(cx, range.clone()).await?;
    ensure_eq(
        ids(&page.sessions),
        vec!["ses_t10".to_owned(), "ses_t20".to_owned()],
        "inclusive range",
    )?;
    let live = search(cx, SessionSearch { include_deleted: false, ..range }).await?;
    ensure_eq(ids(&live.sessions), vec!["ses_t10".to_owned()], "range without deleted")
}

async fn sql_8_76_foreign_or_garbage_cursor<S: Store>(cx: &Ctx<S>) -> CaseResult {
    dated(cx, "ses_c1", 10, 10).await?;
    dated(cx, "ses_c2", 20, 20).await?;
    let q = SessionSearch {
        order_by: SessionOrder::CreatedAtDesc,
        limit: Some(1),
        ..SessionSearch::default()
    };
    let created_cursor = search(cx, q).await?.cursor;
    let with = |cursor: Option<String>| SessionSearch {
        cursor,
        order_by: SessionOrder::UpdatedAtDesc,
        ..SessionSearch::default()
    };
    let e = expect_code(
        cx.store.search_sessions(&with(created_cursor)).await,
        ErrorCode::InvalidCursor,
    )?;
    ensure_eq(e.message(), "Cursor order does not match requested order_by", "other order")?;
    let e = expect_code(
        cx.store.search_sessions(&with(Some("garbage!".into()))).await,
        ErrorCode::InvalidCursor,
    )?;
    ensure_eq(e.message(), "Cursor is not valid Base64", "garbage")?;
    cx.store
        .append_event(&event(&cx.env, EventType::SessionCreated, "ses_c1")?)
        .await
        .or_fail("append")?;
    let events =
        cx.store.search_events(&EventSearch { limit: Some(1), ..EventSearch::default() }).await;
    let event_cursor = events.or_fail("search_events")?.cursor;
    let e =
        expect_code(cx.store.search_sessions(&with(event_cursor)).await, ErrorCode::InvalidCursor)?;
    ensure_eq(e.message(), "Cursor does not match expected format", "event cursor")
}

async fn sql_8_77_last_page_and_total_with_cursor<S: Store>(cx: &Ctx<S>) -> CaseResult {
    dated(cx, "ses_p1", 10, 10).await?;
    dated(cx, "ses_p2", 20, 20).await?;
    let q = SessionSearch { limit: Some(2), ..SessionSearch::default() };
    let first = search(cx, q.clone()).await?;
    ensure_eq((first.sessions.len(), first.total_count), (2, 2), "first page")?;
    ensure(first.cursor.is_some(), "a full last page still has a cursor")?;
    let last = search(cx, SessionSearch { cursor: first.cursor, ..q }).await?;
    ensure_eq(
        last,
        SessionPage { sessions: vec![], cursor: None, total_count: 2 },
        "page after the last",
    )
}

async fn sql_5_2_empty_status_list_matches_nothing<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let s = session(&cx.env, "test-agent")?;
    cx.store.save_session(&s).await.or_fail("save_session")?;
    cx.store.save_run(&run(&cx.env, &s.id)?).await.or_fail("save_run")?;
    let none =
        search(cx, SessionSearch { status: Some(vec![]), ..SessionSearch::default() }).await?;
    ensure_eq((none.sessions.len(), none.total_count), (0, 0), "status: [] (sessions)")?;
    let all = search(cx, SessionSearch::default()).await?;
    ensure_eq(all.total_count, 1, "status absent")?;
    let runs = |status| asm_core::ports::RunSearch { status, ..Default::default() };
    let none = cx.store.search_runs(&runs(Some(vec![]))).await.or_fail("search_runs")?;
    ensure_eq(none.runs.len(), 0, "status: [] (runs)")?;
    let all = cx.store.search_runs(&runs(None)).await.or_fail("search_runs")?;
    ensure_eq(all.runs.len(), 1, "run status absent")
}
