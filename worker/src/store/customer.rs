//! The customer's space (migration 0019): the public timeline, 我的投诉's summaries, the survey
//! (`csat`), the customer's confirmation, and linked tickets (a 预警工单, or a follow-up opened by
//! 未解决 after the reopen window), each inserted at most once.

use qingting_shared::api::{TicketSummary, TimelineEntry};
use qingting_shared::workflow::customer::{TicketKind, is_public};
use qingting_shared::workflow::{ActorKind, ChangeKind, Holder, TicketNo, TicketStatus};
use qingting_shared::{Category, Priority};
use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement};

use crate::error::ApiError;
use crate::store::{Bind, query, took};

#[derive(Deserialize)]
struct EventRow {
    kind: String,
    at: String,
    payload: String,
}

/// The public changes of ticket `id`, oldest first (`workflow::customer::is_public`); a
/// customer's 补充信息 with its (masked) text.
pub async fn timeline(db: &D1Database, id: &str) -> Result<Vec<TimelineEntry>, ApiError> {
    let rows = query!(db, "SELECT kind, at, payload FROM ticket_events WHERE ticket_id = ?1 ORDER BY version", id)?.all().await?.results::<EventRow>()?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let kind = ChangeKind::parse(&r.kind).filter(|k| is_public(*k))?;
            let text = (kind == ChangeKind::CustomerMessaged)
                .then(|| serde_json::from_str::<serde_json::Value>(&r.payload).ok()?.get("text")?.as_str().map(str::to_string))
                .flatten();
            Some(TimelineEntry { kind, at: r.at, text })
        })
        .collect())
}

#[derive(Deserialize)]
struct SummaryRow {
    id: String,
    ticket_no: String,
    status: TicketStatus,
    holder: Holder,
    category: Option<Category>,
    created_at: String,
    sla_resolve_due_at: Option<String>,
    replies: f64,
    survey_open: f64,
}

/// The lines of 我的投诉 for `ids` (complaints only), newest first.
pub async fn summaries(db: &D1Database, ids: &[&str]) -> Result<Vec<TicketSummary>, ApiError> {
    let ids = serde_json::to_string(ids).map_err(|e| ApiError::Internal(e.to_string()))?;
    let rows = query!(
        db,
        "SELECT c.id, c.ticket_no, c.status, c.holder, c.category, c.created_at, c.sla_resolve_due_at, \
           (SELECT COUNT(*) FROM ticket_replies r WHERE r.complaint_id = c.id AND r.internal = 0) AS replies, \
           (SELECT COUNT(*) FROM csat s WHERE s.ticket_id = c.id AND s.score IS NULL AND c.status != 'closed') AS survey_open \
         FROM complaints c WHERE c.id IN (SELECT value FROM json_each(?1)) AND c.kind = 'complaint' ORDER BY c.created_at DESC",
        &ids
    )?
    .all()
    .await?
    .results::<SummaryRow>()?;
    rows.into_iter()
        .map(|r| {
            Ok(TicketSummary {
                ticket_no: TicketNo::parse(&r.ticket_no).ok_or_else(|| ApiError::Internal(format!("bad ticket_no in row {}", r.id)))?,
                promised_at: r.sla_resolve_due_at.filter(|_| r.status.is_active()),
                id: r.id,
                status: r.status,
                holder: r.holder,
                category: r.category,
                created_at: r.created_at,
                replies: r.replies as u32,
                survey_open: r.survey_open > 0.0,
            })
        })
        .collect()
}

/// A ticket's survey row.
#[derive(Clone, Debug, Deserialize)]
pub struct Survey {
    pub credited_id: Option<String>,
    pub score: Option<f64>,
    pub reason: Option<String>,
    pub comment: Option<String>,
    pub alert_id: Option<String>,
}

pub async fn survey(db: &D1Database, id: &str) -> Result<Option<Survey>, ApiError> {
    Ok(query!(db, "SELECT credited_id, score, reason, comment, alert_id FROM csat WHERE ticket_id = ?1", id)?.first::<Survey>(None).await?)
}

/// Offers the survey on a ticket that a change just resolved (only if the change took: the ticket
/// is at `version`, and only for complaints), crediting `credited`. A survey already offered stays
/// as it was.
pub fn offer_statement(db: &D1Database, id: &str, version: u64, credited: Option<&str>, now: &str) -> Result<D1PreparedStatement, ApiError> {
    Ok(query!(
        db,
        "INSERT OR IGNORE INTO csat (ticket_id, offered_at, credited_id) \
         SELECT ?1, ?3, ?4 WHERE EXISTS (SELECT 1 FROM complaints WHERE id = ?1 AND version = ?2 AND kind = 'complaint')",
        id,
        version as f64,
        now,
        credited,
    )?)
}

/// The customer's 已解决: recorded once; an automatic answer they confirm gets its survey then.
pub async fn confirm(db: &D1Database, id: &str, offer: bool, now: &str) -> Result<(), ApiError> {
    let mut batch = vec![query!(db, "UPDATE complaints SET confirmed_at = ?2 WHERE id = ?1 AND confirmed_at IS NULL", id, now)?];
    if offer {
        batch.push(query!(
            db,
            "INSERT OR IGNORE INTO csat (ticket_id, offered_at) SELECT ?1, ?2 WHERE EXISTS (SELECT 1 FROM complaints WHERE id = ?1 AND kind = 'complaint')",
            id,
            now
        )?);
    }
    db.batch(batch).await?;
    Ok(())
}

/// Stores the answer once, only while the ticket is not closed. `false` when nothing was written
/// (answered already, not offered, or closed).
pub async fn answer(db: &D1Database, id: &str, score: u8, reason: Option<&str>, comment: &str, now: &str) -> Result<bool, ApiError> {
    let answer = query!(
        db,
        "UPDATE csat SET score = ?2, reason = ?3, comment = ?4, answered_at = ?5 \
         WHERE ticket_id = ?1 AND score IS NULL AND EXISTS (SELECT 1 FROM complaints WHERE id = ?1 AND status != 'closed')",
        id,
        u32::from(score),
        reason,
        comment,
        now,
    )?;
    // The dashboards' copy on the ticket (the counts' triggers read it), only if the answer took.
    let copy = query!(
        db,
        "UPDATE complaints SET csat_score = ?2 WHERE id = ?1 AND EXISTS (SELECT 1 FROM csat WHERE ticket_id = ?1 AND score = ?2 AND answered_at = ?3)",
        id,
        u32::from(score),
        now,
    )?;
    let results = db.batch(vec![answer, copy]).await?;
    Ok(results.first().is_some_and(took))
}

/// A ticket linked to another: a 预警工单 (`kind` alert, at most one per original: the partial
/// unique index) or a follow-up complaint (at most one per original: its idempotency key).
pub struct LinkedTicket<'a> {
    pub id: &'a str,
    pub ticket_no: &'a TicketNo,
    pub kind: TicketKind,
    pub original: &'a crate::store::complaints::ComplaintRow,
    pub text: &'a str,
    pub priority: Priority,
    pub holder: Holder,
    pub team: Option<&'a str>,
    pub assignee: Option<&'a str>,
    pub now: &'a str,
    pub clocks: &'a crate::store::sla::ClockColumns,
    /// A follow-up is forwarded like a new complaint (`queued`); an alert stays inside.
    pub forwards: bool,
}

/// How a linked insert ended.
pub enum Linked {
    Stored,
    /// The original has one already (its id).
    Exists(String),
    /// The ticket number collided; try again with another.
    TicketNoTaken,
}

pub async fn insert_linked(db: &D1Database, t: &LinkedTicket<'_>) -> Result<Linked, ApiError> {
    let o = t.original;
    let key = format!("{}:{}", t.kind.as_str(), o.id);
    if let Some(existing) = linked_of(db, &o.id, t.kind).await? {
        return Ok(Linked::Exists(existing));
    }
    let delivery = if t.forwards { "queued" } else { "none" };
    let insert = query!(
        db,
        "INSERT INTO complaints (id, ticket_no, site_key, idempotency_key, request_hash, text, order_id, contact, lang, status, \
         complaint, complaint_score, category, categories, priority, model_version, created_at, updated_at, decision, delivery, delivery_at, delivery_due, \
         holder, team_id, assignee_id, kind, linked_id) \
         SELECT ?1, ?2, site_key, ?3, ?3, ?4, order_id, contact, lang, 'new', 1, 1, category, categories, ?5, model_version, ?6, ?6, 'forward', ?7, ?6, ?6, \
           ?8, ?9, ?10, ?11, id FROM complaints WHERE id = ?12 \
         ON CONFLICT DO NOTHING",
        t.id,
        t.ticket_no.as_str(),
        &key,
        t.text,
        t.priority,
        t.now,
        delivery,
        t.holder,
        t.team,
        t.assignee,
        t.kind.as_str(),
        &o.id,
    )?;
    let ours = "EXISTS (SELECT 1 FROM complaints WHERE id = ?1)";
    let created = query!(
        db,
        format!(
            "INSERT INTO ticket_events (ticket_id, version, at, actor_kind, kind, from_status, to_status, payload) \
             SELECT ?1, 1, ?2, ?3, ?4, NULL, 'new', ?5 WHERE {ours}"
        ),
        t.id,
        t.now,
        ActorKind::System,
        ChangeKind::Created,
        &serde_json::json!({"linked": o.ticket_no, "kind": t.kind.as_str()}).to_string(),
    )?;
    let search = query!(
        db,
        format!("INSERT INTO ticket_search (ticket_id, body) SELECT ?1, ?2 WHERE {ours}"),
        t.id,
        &qingting_shared::workflow::search::index_body(t.text, t.ticket_no.as_str(), o.order_id.as_deref()),
    )?;
    let mut args = vec![t.id.js()];
    args.extend(t.clocks.args());
    let clocks = crate::store::statement(db, format!("UPDATE complaints SET {} WHERE id = ?1", crate::store::sla::set_clause(2)), &args)?;
    let mut batch = vec![insert, created, search, clocks];
    if let Some(user) = t.assignee {
        batch.push(crate::store::notifications::to_user(db, user, t.id, crate::store::notifications::Kind::Assigned, "1", t.now, 1)?);
    }
    if t.kind == TicketKind::Alert {
        batch.push(query!(db, format!("UPDATE csat SET alert_id = ?1 WHERE ticket_id = ?2 AND {ours}"), t.id, &o.id)?);
    }
    match db.batch(batch).await {
        Ok(results) => {
            if results.first().is_some_and(took) {
                return Ok(Linked::Stored);
            }
            // Nothing inserted: another request linked one first.
            match linked_of(db, &o.id, t.kind).await? {
                Some(existing) => Ok(Linked::Exists(existing)),
                None => Ok(Linked::TicketNoTaken),
            }
        }
        Err(e) if e.to_string().contains("UNIQUE") => match linked_of(db, &o.id, t.kind).await? {
            Some(existing) => Ok(Linked::Exists(existing)),
            None => Ok(Linked::TicketNoTaken),
        },
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct IdRow {
    id: String,
}

/// The ticket of `kind` linked to `original`, if any.
pub async fn linked_of(db: &D1Database, original: &str, kind: TicketKind) -> Result<Option<String>, ApiError> {
    Ok(query!(db, "SELECT id FROM complaints WHERE linked_id = ?1 AND kind = ?2 LIMIT 1", original, kind.as_str())?.first::<IdRow>(None).await?.map(|r| r.id))
}

/// The supervisor who answers for a ticket's holder: a supervisor of the holder's scope (else an
/// admin), one in the ticket's team first; active people only.
pub async fn supervisor_for(db: &D1Database, holder: Holder, merchant: Option<&str>, team: Option<&str>) -> Result<Option<String>, ApiError> {
    #[derive(Deserialize)]
    struct Who {
        user_id: String,
    }
    let (scope, merchant) = match holder {
        Holder::Platform => ("platform", ""),
        Holder::Merchant => ("merchant", merchant.unwrap_or("")),
    };
    Ok(query!(
        db,
        "SELECT m.user_id FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.scope_kind = ?1 AND m.merchant_id = ?2 AND m.role IN ('supervisor', 'admin') AND u.active = 1 \
         ORDER BY m.role = 'supervisor' DESC, \
           EXISTS (SELECT 1 FROM team_members tm WHERE tm.team_id = ?3 AND tm.user_id = m.user_id) DESC, m.created_at LIMIT 1",
        scope,
        merchant,
        team,
    )?
    .first::<Who>(None)
    .await?
    .map(|w| w.user_id))
}

/// Whether a follow-up (回访) is recorded on ticket `id`: a note or a public reply.
pub async fn followed_up(db: &D1Database, id: &str) -> Result<bool, ApiError> {
    #[derive(Deserialize)]
    struct N {
        n: f64,
    }
    Ok(query!(db, "SELECT COUNT(*) AS n FROM ticket_replies WHERE complaint_id = ?1 AND author != 'faq'", id)?
        .first::<N>(None)
        .await?
        .is_some_and(|r| r.n > 0.0))
}

/// A person's display name (for words staff read), if they exist.
pub async fn display_name(db: &D1Database, user: &str) -> Result<Option<String>, ApiError> {
    #[derive(Deserialize)]
    struct Name {
        display_name: String,
    }
    Ok(query!(db, "SELECT display_name FROM users WHERE id = ?1", user)?.first::<Name>(None).await?.map(|n| n.display_name))
}
