//! `docs/asm-v0.8/domain.md` §7.14 (items 164–168): the artifact registry.

use asm_core::ArtifactStats;

use crate::cases::helpers::{OrFail, artifact_attrs, artifact_ids};
use crate::{Case, CaseResult, Ctx, Store, ensure, ensure_eq};

/// The cases of this file, in manifest order.
pub(super) fn cases<S: Store>() -> Vec<Case<S>> {
    crate::case_list![
        domain_7_14_164_register_and_list,
        domain_7_14_165_get_by_key,
        domain_7_14_166_list_by_session,
        domain_7_14_167_session_stats,
        domain_7_14_168_delete_by_key,
    ]
}

async fn domain_7_14_164_register_and_list<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let a = cx
        .store
        .register(artifact_attrs("one.txt", Some("ses_1"), 1))
        .await
        .or_fail("register one")?;
    ensure(a.id.starts_with("art_") && a.id.len() == 20, format!("generated id {:?}", a.id))?;
    let b = cx
        .store
        .register(artifact_attrs("two.txt", Some("ses_1"), 2))
        .await
        .or_fail("register two")?;
    let list = cx.store.list_by_session("ses_1").await.or_fail("list_by_session")?;
    ensure_eq(artifact_ids(&list), vec![a.id, b.id], "listed artifacts, oldest first")
}

async fn domain_7_14_165_get_by_key<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let registered = cx
        .store
        .register(artifact_attrs("unique_key.txt", Some("ses_1"), 1234))
        .await
        .or_fail("register")?;
    let got = cx.store.get_by_key("unique_key.txt").await.or_fail("get_by_key")?;
    let got = got.ok_or("expected the artifact, got None")?;
    ensure_eq(
        (got.key.as_str(), got.byte_size, got.storage_backend.as_str()),
        ("unique_key.txt", 1234, "s3"),
        "fields",
    )?;
    ensure_eq(got, registered, "artifact")?;
    ensure_eq(
        cx.store.get_by_key("missing.txt").await.or_fail("get_by_key missing")?,
        None,
        "missing key",
    )
}

async fn domain_7_14_166_list_by_session<S: Store>(cx: &Ctx<S>) -> CaseResult {
    for (key, sid) in [("a.txt", "ses_1"), ("b.txt", "ses_1"), ("c.txt", "ses_2")] {
        cx.store.register(artifact_attrs(key, Some(sid), 1)).await.or_fail("register")?;
    }
    ensure_eq(
        cx.store.list_by_session("ses_1").await.or_fail("list ses_1")?.len(),
        2,
        "ses_1 artifacts",
    )?;
    ensure_eq(
        cx.store.list_by_session("ses_unknown").await.or_fail("list unknown")?.len(),
        0,
        "unknown session",
    )
}

async fn domain_7_14_167_session_stats<S: Store>(cx: &Ctx<S>) -> CaseResult {
    cx.store
        .register(artifact_attrs("s1.txt", Some("ses_1"), 100))
        .await
        .or_fail("register 100")?;
    cx.store
        .register(artifact_attrs("s2.txt", Some("ses_1"), 200))
        .await
        .or_fail("register 200")?;
    let stats = cx.store.session_stats("ses_1").await.or_fail("session_stats")?;
    ensure_eq(stats, ArtifactStats { artifact_count: 2, total_bytes: 300 }, "stats")?;
    let empty = cx.store.session_stats("ses_empty").await.or_fail("session_stats empty")?;
    ensure_eq(empty, ArtifactStats { artifact_count: 0, total_bytes: 0 }, "empty stats")
}

async fn domain_7_14_168_delete_by_key<S: Store>(cx: &Ctx<S>) -> CaseResult {
    cx.store.register(artifact_attrs("gone.txt", Some("ses_1"), 5)).await.or_fail("register")?;
    cx.store.delete("gone.txt").await.or_fail("delete")?;
    ensure_eq(cx.store.get_by_key("gone.txt").await.or_fail("get_by_key")?, None, "after delete")?;
    ensure_eq(
        cx.store.session_stats("ses_1").await.or_fail("stats")?.artifact_count,
        0,
        "live artifacts",
    )?;
    cx.store.delete("never-registered.txt").await.or_fail("delete missing key")?;
    let again = cx.store.register(artifact_attrs("gone.txt", Some("ses_1"), 5)).await;
    let e = crate::expect_code(again, asm_core::ErrorCode::PersistenceError)?;
    ensure_eq(e.message(), "key has already been taken", "re-register of a deleted key")
}
