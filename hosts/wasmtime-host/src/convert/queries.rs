//! The options and results of the QueryAPI and Maintenance ports.

use asm_core::ports::{
    CostQuery, CostSummary, EventOrder, EventPage, EventSearch, MaintenanceReport, ModelCost,
    ProviderCost, ProviderUsage, RunOrder, RunPage, RunSearch, SessionExport, SessionOrder,
    SessionPage, SessionSearch, SessionStats, TokenTotals, UsageQuery, UsageSummary,
};
use asm_core::pricing::Rates;
use asm_core::{Error, Limit, RetentionPolicy, RunStatus};

use super::{Result, micros, try_list, wit};

fn names<T: Copy>(items: &[T], name: fn(T) -> &'static str) -> Vec<String> {
    items.iter().map(|&t| name(t).to_owned()).collect()
}

impl From<SessionSearch> for wit::SessionSearch {
    fn from(q: SessionSearch) -> Self {
        wit::SessionSearch {
            status: q.status.as_deref().map(|l| names(l, |s| s.as_str())),
            agent_id: q.agent_id,
            provider: q.provider,
            tags: q.tags,
            created_after: micros(q.created_after),
            created_before: micros(q.created_before),
            include_deleted: q.include_deleted,
            order_by: match q.order_by {
                SessionOrder::CreatedAtAsc => wit::SessionOrder::CreatedAtAsc,
                SessionOrder::CreatedAtDesc => wit::SessionOrder::CreatedAtDesc,
                SessionOrder::UpdatedAtDesc => wit::SessionOrder::UpdatedAtDesc,
            },
            limit: q.limit,
            cursor: q.cursor,
        }
    }
}

impl From<RunSearch> for wit::RunSearch {
    fn from(q: RunSearch) -> Self {
        wit::RunSearch {
            status: q.status.as_deref().map(|l| names(l, |s| s.as_str())),
            session_id: q.session_id,
            provider: q.provider,
            started_after: micros(q.started_after),
            started_before: micros(q.started_before),
            min_tokens: q.min_tokens,
            order_by: match q.order_by {
                RunOrder::StartedAtDesc => wit::RunOrder::StartedAtDesc,
                RunOrder::StartedAtAsc => wit::RunOrder::StartedAtAsc,
                RunOrder::TokenUsageDesc => wit::RunOrder::TokenUsageDesc,
            },
            limit: q.limit,
            cursor: q.cursor,
        }
    }
}

impl From<EventSearch> for wit::EventSearch {
    fn from(q: EventSearch) -> Self {
        wit::EventSearch {
            types: q.types.as_deref().map(|l| names(l, |t| t.as_str())),
            session_ids: q.session_ids,
            run_ids: q.run_ids,
            providers: q.providers,
            since: micros(q.since),
            until: micros(q.until),
            correlation_id: q.correlation_id,
            order_by: match q.order_by {
                EventOrder::SequenceAsc => wit::EventOrder::SequenceAsc,
                EventOrder::TimestampAsc => wit::EventOrder::TimestampAsc,
                EventOrder::TimestampDesc => wit::EventOrder::TimestampDesc,
            },
            limit: q.limit,
            cursor: q.cursor,
        }
    }
}

impl From<UsageQuery> for wit::UsageQuery {
    fn from(q: UsageQuery) -> Self {
        wit::UsageQuery {
            session_id: q.session_id,
            provider: q.provider,
            since: micros(q.since),
            until: micros(q.until),
        }
    }
}

impl From<Rates> for wit::Rates {
    fn from(r: Rates) -> Self {
        wit::Rates {
            input: r.input,
            output: r.output,
            cache_read: r.cache_read,
            cache_creation: r.cache_creation,
        }
    }
}

impl From<CostQuery> for wit::CostQuery {
    fn from(q: CostQuery) -> Self {
        let pricing_table = q.pricing_table.map(|table| {
            table
                .providers
                .into_iter()
                .map(|(provider, p)| wit::ProviderPricing {
                    provider,
                    default: p.default.map(Into::into),
                    models: p.models.into_iter().map(|(m, r)| (m, r.into())).collect(),
                })
                .collect()
        });
        wit::CostQuery {
            session_id: q.session_id,
            agent_id: q.agent_id,
            provider: q.provider,
            since: micros(q.since),
            until: micros(q.until),
            pricing_table,
        }
    }
}

impl From<Limit> for wit::Limit {
    fn from(l: Limit) -> Self {
        match l {
            Limit::Finite(n) => wit::Limit::Finite(n),
            Limit::Infinity => wit::Limit::Infinity,
        }
    }
}

impl From<RetentionPolicy> for wit::RetentionPolicy {
    fn from(p: RetentionPolicy) -> Self {
        wit::RetentionPolicy {
            exempt_statuses: names(&p.exempt_statuses, |s| s.as_str()),
            prune_event_types_first: names(&p.prune_event_types_first, |t| t.as_str()),
            max_session_age_days: p.max_session_age_days.into(),
            max_completed_session_age_days: p.max_completed_session_age_days.into(),
            max_events_per_session: p.max_events_per_session.into(),
            max_total_events: p.max_total_events.into(),
            hard_delete_after_days: p.hard_delete_after_days.into(),
            archive_before_prune: p.archive_before_prune,
            archive_store: p.archive_store,
            exempt_tags: p.exempt_tags,
            batch_size: p.batch_size,
        }
    }
}

impl TryFrom<wit::SessionPage> for SessionPage {
    type Error = Error;
    fn try_from(p: wit::SessionPage) -> Result<Self> {
        Ok(SessionPage {
            sessions: try_list(p.sessions)?,
            cursor: p.cursor,
            total_count: p.total_count,
        })
    }
}

impl TryFrom<wit::RunPage> for RunPage {
    type Error = Error;
    fn try_from(p: wit::RunPage) -> Result<Self> {
        Ok(RunPage { runs: try_list(p.runs)?, cursor: p.cursor })
    }
}

impl TryFrom<wit::EventPage> for EventPage {
    type Error = Error;
    fn try_from(p: wit::EventPage) -> Result<Self> {
        Ok(EventPage { events: try_list(p.events)?, cursor: p.cursor })
    }
}

impl TryFrom<wit::SessionStats> for SessionStats {
    type Error = Error;
    fn try_from(s: wit::SessionStats) -> Result<Self> {
        let status_counts = s
            .status_counts
            .into_iter()
            .map(|(st, n)| Ok((RunStatus::from_name(&st)?, n)))
            .collect::<Result<_>>()?;
        let t = s.token_totals;
        Ok(SessionStats {
            event_count: s.event_count,
            run_count: s.run_count,
            token_totals: TokenTotals {
                input_tokens: t.input_tokens,
                output_tokens: t.output_tokens,
                total_tokens: t.total_tokens,
            },
            providers_used: s.providers_used,
            first_event_at: s.first_event_at.map(super::at),
            last_event_at: s.last_event_at.map(super::at),
            status_counts,
        })
    }
}

impl From<wit::UsageSummary> for UsageSummary {
    fn from(u: wit::UsageSummary) -> Self {
        let by_provider = u
            .by_provider
            .into_iter()
            .map(|(p, v)| {
                let usage = ProviderUsage {
                    input_tokens: v.input_tokens,
                    output_tokens: v.output_tokens,
                    total_tokens: v.total_tokens,
                    run_count: v.run_count,
                };
                (p, usage)
            })
            .collect();
        UsageSummary {
            total_input_tokens: u.total_input_tokens,
            total_output_tokens: u.total_output_tokens,
            total_tokens: u.total_tokens,
            run_count: u.run_count,
            by_provider,
        }
    }
}

impl From<wit::CostSummary> for CostSummary {
    fn from(c: wit::CostSummary) -> Self {
        CostSummary {
            total_cost_usd: c.total_cost_usd,
            run_count: c.run_count,
            by_provider: c
                .by_provider
                .into_iter()
                .map(|(p, v)| (p, ProviderCost { cost_usd: v.cost_usd, run_count: v.run_count }))
                .collect(),
            by_model: c
                .by_model
                .into_iter()
                .map(|(m, v)| {
                    (
                        m,
                        ModelCost {
                            cost_usd: v.cost_usd,
                            input_tokens: v.input_tokens,
                            output_tokens: v.output_tokens,
                        },
                    )
                })
                .collect(),
            unmapped_runs: c.unmapped_runs,
        }
    }
}

impl TryFrom<wit::SessionExport> for SessionExport {
    type Error = Error;
    fn try_from(e: wit::SessionExport) -> Result<Self> {
        Ok(SessionExport {
            session: e.session.try_into()?,
            runs: try_list(e.runs)?,
            events: try_list(e.events)?,
            artifacts: e.artifacts.map(try_list).transpose()?,
        })
    }
}

impl From<wit::MaintenanceReport> for MaintenanceReport {
    fn from(r: wit::MaintenanceReport) -> Self {
        MaintenanceReport {
            sessions_soft_deleted: r.sessions_soft_deleted,
            sessions_hard_deleted: r.sessions_hard_deleted,
            events_pruned: r.events_pruned,
            artifacts_cleaned: r.artifacts_cleaned,
            orphaned_sequences_cleaned: r.orphaned_sequences_cleaned,
            duration_ms: r.duration_ms,
            errors: r.errors,
            complete: r.complete,
            remaining: r.remaining,
        }
    }
}
