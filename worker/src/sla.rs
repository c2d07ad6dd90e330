//! The three-party flow on the edge: the merchant's window set at intake, and the cron sweep that
//! hands a ticket to the platform (平台介入) when its merchant lets the window pass, or at once for
//! P1. The clock arithmetic is `qingting_shared::workflow::{calendar, sla}`; this file only reads
//! due tickets and writes each escalation through the workflow's `apply` and the store's
//! versioned `write_change`, so an escalation happens once however many sweeps overlap.
//!
//! Until merchants can set their own opening hours, their window counts in an always-open
//! calendar in Asia/Shanghai (wall-clock time).

use qingting_shared::Priority;
use qingting_shared::api::ReplyAuthor;
use qingting_shared::workflow::calendar::{Calendar, Zone};
use qingting_shared::workflow::sla::{SlaPolicy, merchant_window_due as window_due};
use qingting_shared::workflow::{Action, ActionError, Actor, EscalationReason, apply};
use worker::D1Database;

use crate::error::ApiError;
use crate::store::complaints;
use crate::store::{query, tickets};

/// Tickets escalated per sweep at most (a sweep runs every minute; D1's free plan allows 50
/// queries per invocation, and each escalation takes three).
const PER_SWEEP: u32 = 12;

fn merchant_calendar() -> Calendar {
    Calendar::always_open(Zone { name: "Asia/Shanghai".into(), offset_minutes: 480 })
}

/// The merchant's window for a ticket created at `created` (RFC 3339), as stored
/// (`2026-12-01T09:10:00Z`); `None` if the time cannot be read.
pub fn merchant_window_due(created: &str, priority: Option<Priority>) -> Option<String> {
    let created = Calendar::parse_instant(created).ok()?;
    window_due(&SlaPolicy::default(), &merchant_calendar(), created, priority).ok().map(Calendar::format_instant)
}

#[derive(serde::Deserialize)]
struct Due {
    id: String,
}

/// Escalates the tickets whose merchant window has passed at `now` (ms since the epoch) and that
/// no staff member has answered publicly: how many it escalated.
pub async fn sweep(db: &D1Database, now_ms: f64) -> Result<u32, ApiError> {
    let now = Calendar::format_instant(Calendar::instant_from_millis(now_ms as i64));
    let due = query!(
        db,
        "SELECT c.id FROM complaints c WHERE c.holder = 'merchant' AND c.merchant_due_at IS NOT NULL AND c.merchant_due_at <= ?1 \
         AND c.status IN ('new', 'open') \
         AND NOT EXISTS (SELECT 1 FROM ticket_replies r WHERE r.complaint_id = c.id AND r.internal = 0 AND r.author IN ('merchant', 'support')) \
         ORDER BY c.merchant_due_at LIMIT ?2",
        now.as_str(),
        PER_SWEEP,
    )?
    .all()
    .await?
    .results::<Due>()?;
    let mut escalated = 0;
    for Due { id } in due {
        let Some(row) = complaints::by_id(db, &id).await? else { continue };
        let reason = if row.priority == Some(Priority::P1) { EscalationReason::Urgent } else { EscalationReason::MerchantWindow };
        let action = Action::Escalate { reason };
        let before = row.state();
        let (after, change) = match apply(&id, &before, &Actor::system(), &action) {
            Ok(applied) => applied,
            Err(ActionError::NoChange | ActionError::Closed) => continue,
            Err(e) => return Err(ApiError::Internal(e.to_string())),
        };
        let at: String = js_sys::Date::new_0().to_iso_string().into();
        let written =
            tickets::AppliedChange { id: &id, before: &before, after: &after, change: &change, action: &action, author: ReplyAuthor::Support, now: &at };
        // `false`: another sweep (or a person) changed it first; the next sweep looks again.
        if tickets::write_change(db, &written).await? {
            escalated += 1;
        }
    }
    Ok(escalated)
}
