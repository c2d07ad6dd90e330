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
use qingting_shared::api::ReplyAuthor;
use qingting_shared::workflow::calendar::{Calendar, Instant};
use qingting_shared::workflow::sla::{Clock, Mark, merchant_window_due as window_due};
use qingting_shared::workflow::{Action, ActionError, Actor, EscalationReason, apply};
use worker::{D1Database, D1PreparedStatement};

use crate::error::ApiError;
use crate::store::sla::{ClockColumns, ClockFields, Terms, terms_for_site};
use crate::store::{changes, complaints, query, tickets};

/// Tickets escalated per sweep at most (a sweep runs every minute; D1's free plan allows 50
/// queries per invocation; each escalation reads the row, the followers and the terms and writes
/// one batch).
const ESCALATIONS_PER_SWEEP: u32 = 8;

/// Tickets whose clocks the sweep looks at per run at most (one read for all of them, the terms
/// per site, one batch each).
const CLOCKS_PER_SWEEP: u32 = 20;

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
}

/// Runs both sweeps at `now` (ms since the epoch: the scheduled event's time).
pub async fn sweep(db: &D1Database, now_ms: f64) -> Result<Swept, ApiError> {
    let now = Calendar::instant_from_millis(now_ms as i64);
    let escalated = escalate_missed_windows(db, now).await?;
    let (warnings, breaches) = record_clocks(db, now).await?;
    Ok(Swept { escalated, warnings, breaches, assigned: 0 })
}

#[derive(serde::Deserialize)]
struct Due {
    id: String,
    merchant_due_at: String,
    merchant_id: Option<String>,
}

/// Escalates the tickets whose merchant window has passed at `now` and that no staff member has
/// answered publicly; each miss is recorded against the merchant.
async fn escalate_missed_windows(db: &D1Database, now: Instant) -> Result<u32, ApiError> {
    let now_text = Calendar::format_instant(now);
    let due = query!(
        db,
        "SELECT c.id, c.merchant_due_at, s.merchant_id FROM complaints c JOIN sites s ON s.key = c.site_key \
         WHERE c.holder = 'merchant' AND c.merchant_due_at IS NOT NULL AND c.merchant_due_at <= ?1 \
         AND c.status IN ('new', 'open') \
         AND NOT EXISTS (SELECT 1 FROM ticket_replies r WHERE r.complaint_id = c.id AND r.internal = 0 AND r.author IN ('merchant', 'support')) \
         ORDER BY c.merchant_due_at LIMIT ?2",
        now_text.as_str(),
        ESCALATIONS_PER_SWEEP,
    )?
    .all()
    .await?
    .results::<Due>()?;
    let mut escalated = 0;
    for due in due {
        let reason = EscalationReason::MerchantWindow;
        if escalate(db, &due.id, reason, &now_text, Some((&due.merchant_due_at, due.merchant_id.as_deref()))).await? {
            escalated += 1;
        }
    }
    Ok(escalated)
}

/// Hands ticket `id` to the platform for `reason` at `now`, recording a missed window against
/// the merchant in the same batch. `false`: it changed meanwhile or needs no escalation.
pub async fn escalate(db: &D1Database, id: &str, reason: EscalationReason, now: &str, missed: Option<(&str, Option<&str>)>) -> Result<bool, ApiError> {
    let Some(row) = complaints::by_id(db, id).await? else { return Ok(false) };
    let action = Action::Escalate { reason };
    let mut before = row.state();
    before.followers = tickets::followers(db, id).await?;
    let (after, change) = match apply(id, &before, &Actor::system(), &action) {
        Ok(applied) => applied,
        Err(ActionError::NoChange | ActionError::Closed) => return Ok(false),
        Err(e) => return Err(ApiError::Internal(e.to_string())),
    };
    let mut also: Vec<D1PreparedStatement> = Vec::new();
    if let Some((due_at, merchant)) = missed {
        also.push(query!(
            db,
            "INSERT OR IGNORE INTO sla_records (ticket_id, clock, mark, due_at, at, holder, merchant_id) \
             SELECT ?1, 'merchant_window', 'breach', ?2, ?3, 'merchant', ?4 WHERE EXISTS (SELECT 1 FROM complaints WHERE id = ?1 AND version = ?5)",
            id,
            due_at,
            now,
            merchant,
            after.version as f64,
        )?);
    }
    let clocks = row.sla.clocks()?;
    let written = tickets::AppliedChange {
        id,
        before: &before,
        after: &after,
        change: &change,
        action: &action,
        author: ReplyAuthor::Support,
        now,
        site: &row.site_key,
        clocks,
    };
    // `false`: another sweep (or a person) changed it first; the next sweep looks again.
    tickets::write_change_with(db, &written, also).await
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

/// Records the warnings and breaches due at `now`, each once: how many of each this run recorded.
async fn record_clocks(db: &D1Database, now: Instant) -> Result<(u32, u32), ApiError> {
    let now_text = Calendar::format_instant(now);
    let rows = query!(
        db,
        "SELECT c.id, c.site_key, c.holder, c.version, s.merchant_id, c.sla_first_minutes, c.sla_resolve_minutes, c.sla_warning, c.sla_started_at, \
         c.sla_responded_at, c.sla_paused_at, c.sla_paused_seconds, c.sla_marks \
         FROM complaints c JOIN sites s ON s.key = c.site_key WHERE c.sla_next_at IS NOT NULL AND c.sla_next_at <= ?1 ORDER BY c.sla_next_at LIMIT ?2",
        now_text.as_str(),
        CLOCKS_PER_SWEEP,
    )?
    .all()
    .await?
    .results::<Ticking>()?;
    let mut terms: HashMap<String, Terms> = HashMap::new();
    let (mut warnings, mut breaches) = (0, 0);
    for row in rows {
        let Some(mut clocks) = row.sla.clocks()? else { continue };
        if !terms.contains_key(&row.site_key) {
            terms.insert(row.site_key.clone(), terms_for_site(db, &row.site_key).await?);
        }
        let Some(t) = terms.get(&row.site_key) else { continue };
        let cal = &t.calendar;
        let marks = clocks.due_marks(cal, now).map_err(|e| ApiError::Internal(e.to_string()))?;
        let mut batch = Vec::new();
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
            clocks.mark(clock, mark);
        }
        // The marks and the next deadline, unless someone changed the ticket meanwhile (their
        // write worked the columns out again; marks are OR-ed in either way).
        let columns = ClockColumns::of(Some(&clocks), cal)?;
        let mut args = vec![crate::store::Bind::js(row.id.as_str()), crate::store::Bind::js(row.version)];
        let set = crate::store::sla::set_clause(3);
        args.extend(columns.args());
        batch.push(crate::store::statement(db, format!("UPDATE complaints SET {set} WHERE id = ?1 AND version = ?2"), &args)?);
        let results = db.batch(batch).await?;
        for ((_, mark), result) in marks.iter().zip(&results) {
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
