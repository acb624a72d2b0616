//! The options and results of the QueryAPI and Maintenance ports.

use asm_core::ports::{
    CostQuery, CostSummary, EventOrder, EventPage, EventSearch, MaintenanceReport, ModelCost,
    ProviderCost, ProviderUsage, RunOrder, RunPage, RunSearch, SessionExport, SessionOrder,
    SessionPage, SessionSearch, SessionStats, TokenTotals, UsageQuery, UsageSummary,
};
use asm_core::pricing::{PricingTable, ProviderPricing, Rates};
use asm_core::{Error, EventType, Limit, RetentionPolicy, RunStatus, SessionStatus};

use super::{Result, at, list, micros, names, wit};

impl TryFrom<wit::SessionSearch> for SessionSearch {
    type Error = Error;
    fn try_from(q: wit::SessionSearch) -> Result<Self> {
        Ok(SessionSearch {
            status: q.status.map(|l| names(l, SessionStatus::from_name)).transpose()?,
            agent_id: q.agent_id,
            provider: q.provider,
            tags: q.tags,
            created_after: q.created_after.map(at),
            created_before: q.created_before.map(at),
            include_deleted: q.include_deleted,
            order_by: match q.order_by {
                wit::SessionOrder::CreatedAtAsc => SessionOrder::CreatedAtAsc,
                wit::SessionOrder::CreatedAtDesc => SessionOrder::CreatedAtDesc,
                wit::SessionOrder::UpdatedAtDesc => SessionOrder::UpdatedAtDesc,
            },
            limit: q.limit,
            cursor: q.cursor,
        })
    }
}

impl TryFrom<wit::RunSearch> for RunSearch {
    type Error = Error;
    fn try_from(q: wit::RunSearch) -> Result<Self> {
        Ok(RunSearch {
            status: q.status.map(|l| names(l, RunStatus::from_name)).transpose()?,
            session_id: q.session_id,
            provider: q.provider,
            started_after: q.started_after.map(at),
            started_before: q.started_before.map(at),
            min_tokens: q.min_tokens,
            order_by: match q.order_by {
                wit::RunOrder::StartedAtDesc => RunOrder::StartedAtDesc,
                wit::RunOrder::StartedAtAsc => RunOrder::StartedAtAsc,
                wit::RunOrder::TokenUsageDesc => RunOrder::TokenUsageDesc,
            },
            limit: q.limit,
            cursor: q.cursor,
        })
    }
}

impl TryFrom<wit::EventSearch> for EventSearch {
    type Error = Error;
    fn try_from(q: wit::EventSearch) -> Result<Self> {
        Ok(EventSearch {
            types: q.types.map(|l| names(l, EventType::from_name)).transpose()?,
            session_ids: q.session_ids,
            run_ids: q.run_ids,
            providers: q.providers,
            since: q.since.map(at),
            until: q.until.map(at),
            correlation_id: q.correlation_id,
            order_by: match q.order_by {
                wit::EventOrder::SequenceAsc => EventOrder::SequenceAsc,
                wit::EventOrder::TimestampAsc => EventOrder::TimestampAsc,
                wit::EventOrder::TimestampDesc => EventOrder::TimestampDesc,
            },
            limit: q.limit,
            cursor: q.cursor,
        })
    }
}

impl From<wit::UsageQuery> for UsageQuery {
    fn from(q: wit::UsageQuery) -> Self {
        UsageQuery {
            session_id: q.session_id,
            provider: q.provider,
            since: q.since.map(at),
            until: q.until.map(at),
        }
    }
}

impl From<wit::Rates> for Rates {
    fn from(r: wit::Rates) -> Self {
        Rates {
            input: r.input,
            output: r.output,
            cache_read: r.cache_read,
            cache_creation: r.cache_creation,
        }
    }
}

impl From<wit::CostQuery> for CostQuery {
    fn from(q: wit::CostQuery) -> Self {
        let pricing_table = q.pricing_table.map(|providers| PricingTable {
            providers: providers
                .into_iter()
                .map(|p| {
                    let models = p.models.into_iter().map(|(m, r)| (m, r.into())).collect();
                    (p.provider, ProviderPricing { default: p.default.map(Into::into), models })
                })
                .collect(),
        });
        CostQuery {
            session_id: q.session_id,
            agent_id: q.agent_id,
            provider: q.provider,
            since: q.since.map(at),
            until: q.until.map(at),
            pricing_table,
        }
    }
}

impl From<wit::Limit> for Limit {
    fn from(l: wit::Limit) -> Self {
        match l {
            wit::Limit::Finite(n) => Limit::Finite(n),
            wit::Limit::Infinity => Limit::Infinity,
        }
    }
}

impl TryFrom<wit::RetentionPolicy> for RetentionPolicy {
    type Error = Error;
    fn try_from(p: wit::RetentionPolicy) -> Result<Self> {
        Ok(RetentionPolicy {
            exempt_statuses: names(p.exempt_statuses, SessionStatus::from_name)?,
            prune_event_types_first: names(p.prune_event_types_first, EventType::from_name)?,
            max_session_age_days: p.max_session_age_days.into(),
            max_completed_session_age_days: p.max_completed_session_age_days.into(),
            max_events_per_session: p.max_events_per_session.into(),
            max_total_events: p.max_total_events.into(),
            hard_delete_after_days: p.hard_delete_after_days.into(),
            archive_before_prune: p.archive_before_prune,
            archive_store: p.archive_store,
            exempt_tags: p.exempt_tags,
            batch_size: p.batch_size,
        })
    }
}

impl From<SessionPage> for wit::SessionPage {
    fn from(p: SessionPage) -> Self {
        wit::SessionPage {
            sessions: list(p.sessions),
            cursor: p.cursor,
            total_count: p.total_count,
        }
    }
}

impl From<RunPage> for wit::RunPage {
    fn from(p: RunPage) -> Self {
        wit::RunPage { runs: list(p.runs), cursor: p.cursor }
    }
}

impl From<EventPage> for wit::EventPage {
    fn from(p: EventPage) -> Self {
        wit::EventPage { events: list(p.events), cursor: p.cursor }
    }
}

impl From<TokenTotals> for wit::TokenTotals {
    fn from(t: TokenTotals) -> Self {
        wit::TokenTotals {
            input_tokens: t.input_tokens,
            output_tokens: t.output_tokens,
            total_tokens: t.total_tokens,
        }
    }
}

impl From<SessionStats> for wit::SessionStats {
    fn from(s: SessionStats) -> Self {
        wit::SessionStats {
            event_count: s.event_count,
            run_count: s.run_count,
            token_totals: s.token_totals.into(),
            providers_used: s.providers_used,
            first_event_at: micros(s.first_event_at),
            last_event_at: micros(s.last_event_at),
            status_counts: s
                .status_counts
                .into_iter()
                .map(|(st, n)| (st.as_str().to_owned(), n))
                .collect(),
        }
    }
}

impl From<ProviderUsage> for wit::ProviderUsage {
    fn from(u: ProviderUsage) -> Self {
        wit::ProviderUsage {
            input_tokens: u.input_tokens,
            output_tokens: u.output_tokens,
            total_tokens: u.total_tokens,
            run_count: u.run_count,
        }
    }
}

impl From<UsageSummary> for wit::UsageSummary {
    fn from(u: UsageSummary) -> Self {
        wit::UsageSummary {
            total_input_tokens: u.total_input_tokens,
            total_output_tokens: u.total_output_tokens,
            total_tokens: u.total_tokens,
            run_count: u.run_count,
            by_provider: u.by_provider.into_iter().map(|(p, v)| (p, v.into())).collect(),
        }
    }
}

impl From<ProviderCost> for wit::ProviderCost {
    fn from(c: ProviderCost) -> Self {
        wit::ProviderCost { cost_usd: c.cost_usd, run_count: c.run_count }
    }
}

impl From<ModelCost> for wit::ModelCost {
    fn from(c: ModelCost) -> Self {
        wit::ModelCost {
            cost_usd: c.cost_usd,
            input_tokens: c.input_tokens,
            output_tokens: c.output_tokens,
        }
    }
}

impl From<CostSummary> for wit::CostSummary {
    fn from(c: CostSummary) -> Self {
        wit::CostSummary {
            total_cost_usd: c.total_cost_usd,
            run_count: c.run_count,
            by_provider: c.by_provider.into_iter().map(|(p, v)| (p, v.into())).collect(),
            by_model: c.by_model.into_iter().map(|(m, v)| (m, v.into())).collect(),
            unmapped_runs: c.unmapped_runs,
        }
    }
}

impl From<SessionExport> for wit::SessionExport {
    fn from(e: SessionExport) -> Self {
        wit::SessionExport {
            session: e.session.into(),
            runs: list(e.runs),
            events: list(e.events),
            artifacts: e.artifacts.map(list),
        }
    }
}

impl From<MaintenanceReport> for wit::MaintenanceReport {
    fn from(r: MaintenanceReport) -> Self {
        wit::MaintenanceReport {
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
