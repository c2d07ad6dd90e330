//! Forwarding's state on a ticket (`delivery`, its lease and due time), the delivery log, the
//! sweep's claim and the operators' lists.

use qingting_shared::Priority;
use qingting_shared::forward::breaker::Breaker;
use qingting_shared::forward::{AttemptOutcome, DeliveryState, delivery_key};
use qingting_shared::workflow::TicketStatus;
use serde::{Deserialize, Serialize};
use worker::D1Database;

use crate::error::ApiError;
use crate::store::{changes, query};

/// One row of the delivery log.
#[derive(Debug, Deserialize, Serialize)]
pub struct AttemptRow {
    pub destination_id: String,
    pub delivery_key: String,
    pub attempt: i64,
    pub outcome: AttemptOutcome,
    pub http_status: Option<i64>,
    pub detail: Option<String>,
    pub at: String,
}

/// A ticket's delivery log, oldest first.
pub async fn attempts(db: &D1Database, complaint_id: &str) -> Result<Vec<AttemptRow>, ApiError> {
    Ok(query!(
        db,
        "SELECT destination_id, delivery_key, attempt, outcome, http_status, detail, at FROM delivery_attempts WHERE complaint_id = ?1 ORDER BY id",
        complaint_id,
    )?
    .all()
    .await?
    .results::<AttemptRow>()?)
}

/// Whether `destination` already accepted this ticket, per the log.
pub fn accepted(log: &[AttemptRow], destination: &str) -> bool {
    log.iter().any(|a| a.destination_id == destination && a.outcome == AttemptOutcome::Delivered)
}

/// How many attempts to `destination` failed since its last dead letter, per the log (a redrive
/// starts the backoff over).
pub fn failures(log: &[AttemptRow], destination: &str) -> u32 {
    let mine: Vec<&AttemptRow> = log.iter().filter(|a| a.destination_id == destination).collect();
    let since = mine.iter().rposition(|a| a.outcome == AttemptOutcome::DeadLetter).map_or(0, |p| p + 1);
    mine[since..].iter().filter(|a| a.outcome == AttemptOutcome::Failed).count() as u32
}

/// When `destination`'s first failed attempt since its last dead letter was made, per the log.
pub fn first_failure(log: &[AttemptRow], destination: &str) -> Option<String> {
    let mine: Vec<&AttemptRow> = log.iter().filter(|a| a.destination_id == destination).collect();
    let since = mine.iter().rposition(|a| a.outcome == AttemptOutcome::DeadLetter).map_or(0, |p| p + 1);
    mine[since..].iter().find(|a| a.outcome == AttemptOutcome::Failed).map(|a| a.at.clone())
}

/// One delivery attempt to record.
#[derive(Clone, Copy)]
pub struct Attempt<'a> {
    pub complaint_id: &'a str,
    pub destination_id: &'a str,
    /// 1-based, per destination.
    pub attempt: u32,
    pub outcome: AttemptOutcome,
    pub http_status: Option<u16>,
    pub detail: Option<&'a str>,
}

/// Records one attempt. A second `delivered` row for the same key is ignored (the unique index),
/// so the log says "accepted" once however the queue redelivers.
pub async fn log_attempt(db: &D1Database, a: &Attempt<'_>, now: &str) -> Result<(), ApiError> {
    let Attempt { complaint_id, destination_id, attempt, outcome, http_status, detail } = *a;
    query!(
        db,
        "INSERT INTO delivery_attempts (complaint_id, destination_id, delivery_key, attempt, outcome, http_status, detail, at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING",
        complaint_id,
        destination_id,
        &delivery_key(complaint_id, destination_id),
        attempt,
        outcome,
        http_status.map(u32::from),
        detail,
        now,
    )?
    .run()
    .await?;
    Ok(())
}

/// The circuit breakers of a site's destinations, by destination id (absent: closed, healthy).
pub async fn health(db: &D1Database, site: &str) -> Result<std::collections::HashMap<String, Breaker>, ApiError> {
    #[derive(Deserialize)]
    struct Row {
        destination_id: String,
        failures: f64,
        open_until: Option<f64>,
    }
    let rows = query!(db, "SELECT destination_id, failures, open_until FROM destination_health WHERE site_key = ?1", site)?.all().await?.results::<Row>()?;
    Ok(rows.into_iter().map(|r| (r.destination_id, Breaker { failures: r.failures as u32, open_until_ms: r.open_until.map(|v| v as i64) })).collect())
}

/// Stores the breakers after a round of attempts, in one statement.
pub async fn record_health(db: &D1Database, site: &str, breakers: &[(&str, Breaker)]) -> Result<(), ApiError> {
    if breakers.is_empty() {
        return Ok(());
    }
    let rows: Vec<String> = (0..breakers.len()).map(|i| format!("(?1, ?{}, ?{}, ?{})", 3 * i + 2, 3 * i + 3, 3 * i + 4)).collect();
    let mut args = vec![wasm_bindgen::JsValue::from_str(site)];
    for (id, b) in breakers {
        args.push(wasm_bindgen::JsValue::from_str(id));
        args.push(wasm_bindgen::JsValue::from_f64(f64::from(b.failures)));
        args.push(b.open_until_ms.map_or(wasm_bindgen::JsValue::NULL, |v| wasm_bindgen::JsValue::from_f64(v as f64)));
    }
    let sql = format!(
        "INSERT INTO destination_health (site_key, destination_id, failures, open_until) VALUES {} \
         ON CONFLICT (site_key, destination_id) DO UPDATE SET failures = excluded.failures, open_until = excluded.open_until",
        rows.join(", ")
    );
    crate::store::statement(db, sql, &args)?.run().await?;
    Ok(())
}

/// What a consumer found when it tried to take a ticket's delivery lease.
#[derive(Debug, PartialEq, Eq)]
pub enum Claim {
    /// The lease is this consumer's until it finishes, releases or the lease expires.
    Taken,
    /// Another consumer holds an unexpired lease: try this message again once it has expired.
    Held,
    /// The ticket is no longer `queued` (delivered, dead, or gone): nothing to do.
    Gone,
}

/// Takes the ticket's delivery lease for `owner` until `until`, if it is `queued` and nobody holds
/// an unexpired lease.
pub async fn claim(db: &D1Database, complaint_id: &str, now: &str, until: &str, owner: &str) -> Result<Claim, ApiError> {
    let result = query!(
        db,
        "UPDATE complaints SET delivery_lease = ?3, delivery_lease_owner = ?5 \
         WHERE id = ?1 AND delivery = ?4 AND (delivery_lease IS NULL OR delivery_lease < ?2)",
        complaint_id,
        now,
        until,
        DeliveryState::Queued,
        owner,
    )?
    .run()
    .await?;
    if changes(&result) == 1 {
        return Ok(Claim::Taken);
    }
    let queued = query!(db, "SELECT 1 AS one FROM complaints WHERE id = ?1 AND delivery = ?2", complaint_id, DeliveryState::Queued)?
        .first::<serde_json::Value>(None)
        .await?
        .is_some();
    Ok(if queued { Claim::Held } else { Claim::Gone })
}

/// Moves a `queued` ticket to `state` (or keeps it `queued` with the next attempt `due`) and
/// releases the lease. Only from `queued` ([`DeliveryState::can_finish`]): a late duplicate never
/// overwrites a final state. Only by the lease's `owner`, or with `None` when nobody holds an
/// unexpired lease (the dead-letter consumer): a consumer whose lease expired cannot finish over
/// the one that took the ticket next.
pub async fn finish(db: &D1Database, complaint_id: &str, state: DeliveryState, due: Option<&str>, now: &str, owner: Option<&str>) -> Result<(), ApiError> {
    query!(
        db,
        "UPDATE complaints SET delivery = ?2, delivery_at = ?3, delivery_due = ?4, delivery_lease = NULL, delivery_lease_owner = NULL \
         WHERE id = ?1 AND delivery = ?5 AND (delivery_lease_owner = ?6 OR delivery_lease IS NULL OR delivery_lease < ?3)",
        complaint_id,
        state,
        now,
        due,
        DeliveryState::Queued,
        owner,
    )?
    .run()
    .await?;
    Ok(())
}

/// Gives `owner`'s lease back without changing anything else (after an error); someone else's
/// lease is left alone.
pub async fn release(db: &D1Database, complaint_id: &str, owner: &str) -> Result<(), ApiError> {
    query!(
        db,
        "UPDATE complaints SET delivery_lease = NULL, delivery_lease_owner = NULL WHERE id = ?1 AND delivery_lease_owner = ?2",
        complaint_id,
        owner
    )?
    .run()
    .await?;
    Ok(())
}

/// Why forwarding starts over.
#[derive(Clone, Copy)]
pub enum RedriveWhy {
    /// A person pressed 重新投递 (or called the API).
    ByHand,
    /// The site's destinations were saved: what had nowhere to go, or failed, may go now.
    DestinationsChanged,
}

impl RedriveWhy {
    fn as_str(self) -> &'static str {
        match self {
            RedriveWhy::ByHand => "by_hand",
            RedriveWhy::DestinationsChanged => "destinations_changed",
        }
    }
}

/// Puts dead letters and tickets without destination back to `queued` (due now, no lease): the one
/// ticket `id`, or up to `limit` of `site`'s, oldest change first. Each redrive writes its
/// `delivery_redrives` row in the same batch as the change. Returns the tickets to queue again.
pub async fn redrive(
    db: &D1Database,
    target: RedriveTarget<'_>,
    why: RedriveWhy,
    actor: Option<&str>,
    now: &str,
    limit: u32,
) -> Result<Vec<StuckRow>, ApiError> {
    let (id, site) = match target {
        RedriveTarget::Ticket(id) => (Some(id), None),
        RedriveTarget::Site(site) => (None, Some(site)),
    };
    let pick = "SELECT id FROM complaints WHERE delivery IN (?4, ?5) AND (?1 IS NULL OR id = ?1) AND (?2 IS NULL OR site_key = ?2) \
                ORDER BY delivery_at LIMIT ?3";
    let audit = query!(
        db,
        &format!(
            "INSERT INTO delivery_redrives (complaint_id, at, from_state, actor_kind, actor_id, why) \
             SELECT id, ?6, delivery, ?7, ?8, ?9 FROM complaints WHERE id IN ({pick})"
        ),
        id,
        site,
        limit,
        DeliveryState::DeadLetter,
        DeliveryState::NoDestination,
        now,
        if actor.is_some() { "staff" } else { "system" },
        actor,
        why.as_str(),
    )?;
    let change = query!(
        db,
        &format!(
            "UPDATE complaints SET delivery = ?6, delivery_at = ?7, delivery_due = ?7, delivery_lease = NULL, delivery_lease_owner = NULL \
             WHERE id IN ({pick}) RETURNING id, reopened_at"
        ),
        id,
        site,
        limit,
        DeliveryState::DeadLetter,
        DeliveryState::NoDestination,
        DeliveryState::Queued,
        now,
    )?;
    let results = db.batch(vec![audit, change]).await?;
    Ok(match results.get(1) {
        Some(r) => r.results::<StuckRow>()?,
        None => Vec::new(),
    })
}

/// What to redrive: one ticket, or a site's.
#[derive(Clone, Copy)]
pub enum RedriveTarget<'a> {
    Ticket(&'a str),
    Site(&'a str),
}

#[derive(Deserialize)]
pub struct StuckRow {
    pub id: String,
    pub reopened_at: Option<String>,
}

/// Claims up to `limit` tickets still `queued` whose next attempt was due before `overdue` and that
/// nobody holds (their queue message was lost, or never sent), pushing their due time to
/// `next_due` so that an overlapping sweep does not take them too.
pub async fn claim_stuck(db: &D1Database, overdue: &str, now: &str, next_due: &str, limit: u32) -> Result<Vec<StuckRow>, ApiError> {
    Ok(query!(
        db,
        "UPDATE complaints SET delivery_due = ?3 WHERE id IN ( \
           SELECT id FROM complaints WHERE delivery = ?5 AND COALESCE(delivery_due, delivery_at) < ?1 \
           AND (delivery_lease IS NULL OR delivery_lease < ?2) ORDER BY delivery_due LIMIT ?4) \
         RETURNING id, reopened_at",
        overdue,
        now,
        next_due,
        limit,
        DeliveryState::Queued,
    )?
    .all()
    .await?
    .results::<StuckRow>()?)
}

/// A ticket in a delivery state, for the operators' list.
#[derive(Debug, Deserialize, Serialize)]
pub struct DeliveryListRow {
    pub id: String,
    pub ticket_no: String,
    pub site_key: String,
    pub status: TicketStatus,
    pub priority: Option<Priority>,
    pub delivery: DeliveryState,
    pub delivery_at: Option<String>,
    pub created_at: String,
}

/// Tickets whose forwarding is in `state`, most recent change first, at most `limit`.
pub async fn tickets_in(db: &D1Database, state: DeliveryState, site: Option<&str>, limit: u32) -> Result<Vec<DeliveryListRow>, ApiError> {
    Ok(query!(
        db,
        "SELECT id, ticket_no, site_key, status, priority, delivery, delivery_at, created_at FROM complaints \
         WHERE delivery = ?1 AND (?2 IS NULL OR site_key = ?2) ORDER BY delivery_at DESC LIMIT ?3",
        state,
        site,
        limit,
    )?
    .all()
    .await?
    .results::<DeliveryListRow>()?)
}
