//! Forwarding's state on a ticket (`delivery`, its lease and due time), the delivery log, the
//! sweep's claim and the operators' lists.

use qingting_shared::Priority;
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

/// How many attempts to `destination` failed, per the log.
pub fn failures(log: &[AttemptRow], destination: &str) -> u32 {
    log.iter().filter(|a| a.destination_id == destination && a.outcome == AttemptOutcome::Failed).count() as u32
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

/// Takes the ticket's delivery lease until `until`, if it is `queued` and nobody holds an unexpired
/// lease. `false`: another consumer is delivering it (or it is no longer queued).
pub async fn claim(db: &D1Database, complaint_id: &str, now: &str, until: &str) -> Result<bool, ApiError> {
    let result = query!(
        db,
        "UPDATE complaints SET delivery_lease = ?3 WHERE id = ?1 AND delivery = ?4 AND (delivery_lease IS NULL OR delivery_lease < ?2)",
        complaint_id,
        now,
        until,
        DeliveryState::Queued,
    )?
    .run()
    .await?;
    Ok(changes(&result) == 1)
}

/// Moves a `queued` ticket to `state` (or keeps it `queued` with the next attempt `due`) and
/// releases the lease. Only from `queued` ([`DeliveryState::can_finish`]): a late duplicate never
/// overwrites a final state.
pub async fn finish(db: &D1Database, complaint_id: &str, state: DeliveryState, due: Option<&str>, now: &str) -> Result<(), ApiError> {
    query!(
        db,
        "UPDATE complaints SET delivery = ?2, delivery_at = ?3, delivery_due = ?4, delivery_lease = NULL WHERE id = ?1 AND delivery = ?5",
        complaint_id,
        state,
        now,
        due,
        DeliveryState::Queued,
    )?
    .run()
    .await?;
    Ok(())
}

/// Gives the lease back without changing anything else (after an error).
pub async fn release(db: &D1Database, complaint_id: &str) -> Result<(), ApiError> {
    query!(db, "UPDATE complaints SET delivery_lease = NULL WHERE id = ?1", complaint_id)?.run().await?;
    Ok(())
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
