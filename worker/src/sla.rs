//! SLA on the edge: the merchant's window set at intake, and the cron sweep that
//! - hands a ticket to the platform (平台介入) when its merchant lets the window pass, and
//! - records each warning and breach of a ticket's clocks once, from the one indexed
//!   `sla_next_at` column.
//!
//! The clock arithmetic is `qingting_shared::workflow::{calendar, sla}`; this file only reads due
//! tickets and writes. Escalations go through the workflow's `apply` and the store's versioned
//! `write_change`, so each happens once however many sweeps overlap; warnings and breaches are
//! inserted into `sla_records`, whose key (ticket, clock, mark) keeps them to one each.

use std::collections::HashMap;

use qingting_shared::Priority;
use qingting_shared::workflow::calendar::{Calendar, Instant};
use qingting_shared::workflow::sla::{Clock, Mark, merchant_window_due as window_due};
use qingting_shared::workflow::{Action, EscalationReason};
use worker::D1Database;

use crate::error::ApiError;
use crate::store::notifications::{Kind, to_assignee_and_supervisors};
use crate::store::sla::{ClockColumns, ClockFields, Terms, terms_for_site};
use crate::store::{self, changes, complaints, query, tickets};

/// Most due tickets read per sweep and kind (the budget decides how many are read and worked).
const DUE_PAGE: u32 = 100;

/// D1 statements one more escalation or one more ticket's marks may take at most (a batch of the
/// change, its event, the record and who is told, plus the terms of a site not seen yet).
const PER_ITEM: u32 = 7;

/// The D1 statements a cron run may prepare: Workers Free allows 50 queries per invocation (paid
/// plans 1,000: set `D1_QUERY_BUDGET`). Counted conservatively: a batch's statements each count.
pub const DEFAULT_BUDGET: u32 = 50;

/// The merchant's window for a ticket created at `created` under `terms`, as stored
/// (`2026-12-01T09:10:00Z`).
pub fn merchant_window_due(terms: &Terms, created: Instant, priority: Option<Priority>) -> Result<String, ApiError> {
    window_due(&terms.policy, &terms.calendar, created, priority).map(Calendar::format_instant).map_err(|e| ApiError::Internal(format!("merchant window: {e}")))
}

/// What one sweep did.
#[derive(Debug, Default)]
pub struct Swept {
    pub escalated: u32,
    pub warnings: u32,
    pub breaches: u32,
    /// Waiting tickets handed out by the assignment pass of the same cron run.
    pub assigned: u32,
    /// Notifications handled for the chat channels (`notices`).
    pub noticed: u32,
}

/// Runs both sweeps at `now` (ms since the epoch: the scheduled event's time), taking due
/// tickets while the run's D1 statements stay within `budget` (what was left over comes next
/// minute, oldest first).
pub async fn sweep(db: &D1Database, now_ms: f64, budget: u32) -> Result<Swept, ApiError> {
    let now = Calendar::instant_from_millis(now_ms as i64);
    let mut terms = TermsCache::default();
    // Half the room for each kind of work; marks take what escalations leave.
    let escalated = escalate_missed_windows(db, now, &mut terms, budget.saturating_sub(store::statements_used()) / 2).await?;
    let (warnings, breaches) = record_clocks(db, now, &mut terms, budget).await?;
    Ok(Swept { escalated, warnings, breaches, assigned: 0, noticed: 0 })
}

/// Each site's SLA terms, read once per run.
#[derive(Default)]
struct TermsCache(HashMap<String, Terms>);

impl TermsCache {
    async fn get(&mut self, db: &D1Database, site: &str) -> Result<&Terms, ApiError> {
        if !self.0.contains_key(site) {
            let t = terms_for_site(db, site).await?;
            self.0.insert(site.to_string(), t);
        }
        self.0.get(site).ok_or_else(|| ApiError::Internal("terms cache".into()))
    }
}

/// Whether `more` statements still fit under `limit` this run.
fn fits(limit: u32, more: u32) -> bool {
    store::statements_used() + more <= limit
}

/// Escalates the tickets whose merchant window has passed at `now` and that no staff member has
/// answered publicly, while `room` statements last; each miss is recorded against the merchant.
async fn escalate_missed_windows(db: &D1Database, now: Instant, terms: &mut TermsCache, room: u32) -> Result<u32, ApiError> {
    let now_text = Calendar::format_instant(now);
    let limit = store::statements_used() + room;
    if !fits(limit, 1 + PER_ITEM) {
        return Ok(0);
    }
    let due = complaints::past_merchant_window(db, &now_text, (room / PER_ITEM).clamp(1, DUE_PAGE)).await?;
    let mut escalated = 0;
    for (row, merchant) in due {
        if !fits(limit, PER_ITEM) {
            break;
        }
        let Some(due_at) = row.sla.merchant_due_at.clone() else { continue };
        let t = terms.get(db, &row.site_key).await?.clone();
        if escalate_row(db, row, EscalationReason::MerchantWindow, &now_text, Some((&due_at, merchant.as_deref())), Some(&t)).await? {
            escalated += 1;
        }
    }
    Ok(escalated)
}

/// Hands ticket `id` to the platform for `reason` at `now` (the customer's triggers).
/// `false`: it changed meanwhile or needs no escalation.
pub async fn escalate(db: &D1Database, id: &str, reason: EscalationReason, now: &str, missed: Option<(&str, Option<&str>)>) -> Result<bool, ApiError> {
    let Some(row) = complaints::by_id(db, id).await? else { return Ok(false) };
    escalate_row(db, row, reason, now, missed, None).await
}

/// [`escalate`] of a ticket read already, recording a missed window against the merchant in the
/// same batch.
async fn escalate_row(
    db: &D1Database,
    row: complaints::ComplaintRow,
    reason: EscalationReason,
    now: &str,
    missed: Option<(&str, Option<&str>)>,
    terms: Option<&Terms>,
) -> Result<bool, ApiError> {
    let id = row.id.as_str();
    // (Followers are not read: escalating neither reads nor writes them.)
    // `false`: another sweep (or a person) changed it first; the next sweep looks again.
    tickets::write_system_change(db, &row, Vec::new(), &Action::Escalate { reason }, now, terms, |version| {
        let Some((due_at, merchant)) = missed else { return Ok(Vec::new()) };
        Ok(vec![
            // The window is missed (the dashboards' window met %), only if this change took.
            query!(db, "UPDATE complaints SET merchant_window = 2 WHERE id = ?1 AND version = ?2", id, version as f64)?,
            query!(
                db,
                "INSERT OR IGNORE INTO sla_records (ticket_id, clock, mark, due_at, at, holder, merchant_id) \
             SELECT ?1, 'merchant_window', 'breach', ?2, ?3, 'merchant', ?4 WHERE EXISTS (SELECT 1 FROM complaints WHERE id = ?1 AND version = ?5)",
                id,
                due_at,
                now,
                merchant,
                version as f64,
            )?,
        ])
    })
    .await
}

#[derive(serde::Deserialize)]
struct Ticking {
    id: String,
    site_key: String,
    holder: String,
    version: f64,
    merchant_id: Option<String>,
    #[serde(flatten)]
    sla: ClockFields,
}

/// Records the warnings and breaches due at `now`, each once, while the run stays within
/// `budget` statements: how many of each this run recorded.
async fn record_clocks(db: &D1Database, now: Instant, terms: &mut TermsCache, budget: u32) -> Result<(u32, u32), ApiError> {
    if !fits(budget, 1 + PER_ITEM) {
        return Ok((0, 0));
    }
    let now_text = Calendar::format_instant(now);
    let rows = query!(
        db,
        "SELECT c.id, c.site_key, c.holder, c.version, s.merchant_id, c.sla_first_minutes, c.sla_resolve_minutes, c.sla_warning, c.sla_started_at, \
         c.sla_responded_at, c.sla_paused_at, c.sla_paused_seconds, c.sla_marks \
         FROM complaints c JOIN sites s ON s.key = c.site_key WHERE c.sla_next_at IS NOT NULL AND c.sla_next_at <= ?1 ORDER BY c.sla_next_at LIMIT ?2",
        now_text.as_str(),
        (budget.saturating_sub(store::statements_used()) / PER_ITEM).clamp(1, DUE_PAGE),
    )?
    .all()
    .await?
    .results::<Ticking>()?;
    let (mut warnings, mut breaches) = (0, 0);
    for row in rows {
        if !fits(budget, PER_ITEM) {
            break;
        }
        let Some(mut clocks) = row.sla.clocks()? else { continue };
        let cal = &terms.get(db, &row.site_key).await?.calendar;
        let marks = clocks.due_marks(cal, now).map_err(|e| ApiError::Internal(e.to_string()))?;
        let (mut batch, mut told) = (Vec::new(), Vec::new());
        for &(clock, mark) in &marks {
            let times = match clock {
                Clock::FirstResponse => clocks.first_response(cal),
                Clock::Resolution => clocks.resolution(cal),
            }
            .map_err(|e| ApiError::Internal(e.to_string()))?;
            let due = times.map(|t| if mark == Mark::Breach { t.due_at } else { t.warn_at }).unwrap_or(now);
            batch.push(query!(
                db,
                "INSERT OR IGNORE INTO sla_records (ticket_id, clock, mark, due_at, at, holder, merchant_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                row.id.as_str(),
                clock.as_str(),
                mark.as_str(),
                Calendar::format_instant(due).as_str(),
                now_text.as_str(),
                row.holder.as_str(),
                row.merchant_id.as_deref(),
            )?);
            // The assignee and the team's supervisors are told, once per clock and mark.
            let kind = if mark == Mark::Breach { Kind::Breach } else { Kind::Warning };
            told.push(to_assignee_and_supervisors(db, &row.id, kind, clock.as_str(), &now_text)?);
            clocks.mark(clock, mark);
        }
        let marked = batch.len();
        batch.extend(told);
        // The marks and the next deadline, unless someone changed the ticket meanwhile (their
        // write worked the columns out again; marks are OR-ed in either way).
        let columns = ClockColumns::of(Some(&clocks), cal)?;
        let mut args = vec![crate::store::Bind::js(row.id.as_str()), crate::store::Bind::js(row.version)];
        let set = crate::store::sla::set_clause(3);
        args.extend(columns.args());
        batch.push(crate::store::statement(db, format!("UPDATE complaints SET {set} WHERE id = ?1 AND version = ?2"), &args)?);
        let results = db.batch(batch).await?;
        for ((_, mark), result) in marks.iter().zip(&results[..marked.min(results.len())]) {
            // Inserted by this run (not an overlapping one): counted (and, later, notified) here.
            if changes(result) == 1 {
                match mark {
                    Mark::Warning => warnings += 1,
                    Mark::Breach => breaches += 1,
                }
            }
        }
    }
    Ok((warnings, breaches))
}
