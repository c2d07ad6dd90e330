//! Complaints (tickets) and their replies.

use qingting_shared::api::{ComplaintView, ReplyAuthor, TicketReply};
use qingting_shared::forward::{DeliveryState, ForwardReason};
use qingting_shared::intake::IntakeDecision;
use qingting_shared::workflow::customer::TicketKind;
use qingting_shared::workflow::search;
use qingting_shared::workflow::{Action, Actor, ActorKind, ChangeKind, Holder, TicketState, TicketStatus, apply};
use qingting_shared::{Category, Priority, TicketNo, ValidComplaint};
use serde::Deserialize;
use worker::D1Database;

use crate::error::ApiError;
use crate::store::{Bind, query, took};

/// A stored complaint row.
#[derive(Debug, Deserialize)]
pub struct ComplaintRow {
    pub id: String,
    pub ticket_no: String,
    pub request_hash: String,
    pub status: TicketStatus,
    pub complaint: i64,
    pub category: Option<Category>,
    pub categories: String,
    pub priority: Option<Priority>,
    pub text: String,
    pub order_id: Option<String>,
    pub lang: String,
    pub model_version: String,
    pub created_at: String,
    pub site_key: String,
    pub contact: Option<String>,
    pub delivery: DeliveryState,
    pub reopened_at: Option<String>,
    pub holder: Holder,
    pub team_id: Option<String>,
    pub assignee_id: Option<String>,
    pub version: f64,
    pub merged_into: Option<String>,
    /// 催单 so far (migration 0015).
    #[serde(default)]
    pub urges: f64,
    /// The SLA clocks' fields (migration 0014).
    #[serde(flatten)]
    pub sla: crate::store::sla::ClockFields,
    /// A complaint, or a 预警工单 (migration 0019).
    #[serde(default)]
    pub kind: TicketKind,
    /// The original of an alert or of a follow-up ticket.
    #[serde(default)]
    pub linked_id: Option<String>,
    /// When the customer said 已解决.
    #[serde(default)]
    pub confirmed_at: Option<String>,
}

const COLUMNS: &str = "id, ticket_no, request_hash, status, complaint, category, categories, priority, text, order_id, lang, model_version, created_at, \
                       site_key, contact, delivery, reopened_at, holder, team_id, assignee_id, version, merged_into, \
                       sla_first_minutes, sla_resolve_minutes, sla_warning, sla_started_at, sla_responded_at, sla_paused_at, sla_paused_seconds, sla_marks, \
                       sla_first_due_at, sla_resolve_due_at, merchant_due_at, urges, kind, linked_id, confirmed_at";

impl ComplaintRow {
    /// The workflow's view of the row (followers are read separately where needed).
    pub fn state(&self) -> TicketState {
        TicketState {
            status: self.status,
            holder: self.holder,
            team: self.team_id.clone(),
            assignee: self.assignee_id.clone(),
            category: self.category.clone(),
            priority: self.priority,
            version: self.version as u64,
            merged_into: self.merged_into.clone(),
            followers: Vec::new(),
        }
    }

    pub fn ticket_no(&self) -> Result<TicketNo, ApiError> {
        TicketNo::parse(&self.ticket_no).ok_or_else(|| ApiError::Internal(format!("bad ticket_no in row {}", self.id)))
    }

    /// Why this ticket is (being) forwarded.
    pub fn forward_reason(&self) -> ForwardReason {
        forward_reason(self.reopened_at.as_deref())
    }

    pub fn into_view(self, replies: Vec<TicketReply>) -> Result<ComplaintView, ApiError> {
        let categories =
            serde_json::from_str::<Vec<Category>>(&self.categories).map_err(|e| ApiError::Internal(format!("bad categories in row {}: {e}", self.id)))?;
        Ok(ComplaintView {
            ticket_no: self.ticket_no()?,
            status: self.status,
            complaint: self.complaint != 0,
            category: self.category,
            priority: self.priority,
            categories,
            id: self.id,
            text: self.text,
            order_id: self.order_id,
            lang: self.lang,
            created_at: self.created_at,
            model_version: self.model_version,
            replies,
            holder: self.holder,
            // While it is worked, when it should be solved.
            promised_at: if self.status.is_active() { self.sla.sla_resolve_due_at } else { None },
            timeline: Vec::new(),
            urge_wait: 0,
            survey: None,
            follow_up: None,
            confirmed: self.confirmed_at.is_some(),
        })
    }
}

/// A reopened ticket is forwarded because the customer said the answer did not help.
pub fn forward_reason(reopened_at: Option<&str>) -> ForwardReason {
    if reopened_at.is_some() { ForwardReason::Reopened } else { ForwardReason::Created }
}

pub async fn by_key(db: &D1Database, site: &str, idempotency_key: &str) -> Result<Option<ComplaintRow>, ApiError> {
    let sql = format!("SELECT {COLUMNS} FROM complaints WHERE site_key = ?1 AND idempotency_key = ?2");
    Ok(query!(db, sql, site, idempotency_key)?.first::<ComplaintRow>(None).await?)
}

pub async fn by_id(db: &D1Database, id: &str) -> Result<Option<ComplaintRow>, ApiError> {
    let sql = format!("SELECT {COLUMNS} FROM complaints WHERE id = ?1");
    Ok(query!(db, sql, id)?.first::<ComplaintRow>(None).await?)
}

/// Tickets still new or open, held by their merchant, whose merchant window has passed at `now`
/// and that no staff member has answered publicly, oldest window first, with their merchant. Reads
/// the partial index `complaints_merchant_window` (`+status` keeps SQLite off the status index,
/// which would mean reading every open ticket).
pub async fn past_merchant_window(db: &D1Database, now: &str, limit: u32) -> Result<Vec<(ComplaintRow, Option<String>)>, ApiError> {
    #[derive(Deserialize)]
    struct Due {
        #[serde(flatten)]
        row: ComplaintRow,
        site_merchant: Option<String>,
    }
    let sql = format!(
        "SELECT {COLUMNS}, (SELECT merchant_id FROM sites WHERE key = complaints.site_key) AS site_merchant FROM complaints \
         WHERE holder = 'merchant' AND merchant_due_at IS NOT NULL AND merchant_due_at <= ?1 AND +status IN ('new', 'open') \
         AND NOT EXISTS (SELECT 1 FROM ticket_replies r WHERE r.complaint_id = complaints.id AND r.internal = 0 AND r.author IN ('merchant', 'support')) \
         ORDER BY merchant_due_at LIMIT ?2"
    );
    let rows = query!(db, sql, now, limit)?.all().await?.results::<Due>()?;
    Ok(rows.into_iter().map(|d| (d.row, d.site_merchant)).collect())
}

/// When ticket `id` last recorded a change of `kind` (RFC 3339), if ever.
pub async fn last_event_at(db: &D1Database, id: &str, kind: ChangeKind) -> Result<Option<String>, ApiError> {
    #[derive(Deserialize)]
    struct At {
        at: Option<String>,
    }
    Ok(query!(db, "SELECT MAX(at) AS at FROM ticket_events WHERE ticket_id = ?1 AND kind = ?2", id, kind)?.first::<At>(None).await?.and_then(|a| a.at))
}

/// Whether ticket `id` has an event of `kind` recorded under idempotency key `key`.
pub async fn event_with_key(db: &D1Database, id: &str, kind: ChangeKind, key: &str) -> Result<bool, ApiError> {
    #[derive(Deserialize)]
    struct N {
        n: f64,
    }
    let n = query!(db, "SELECT COUNT(*) AS n FROM ticket_events WHERE ticket_id = ?1 AND kind = ?2 AND json_extract(payload, '$.key') = ?3", id, kind, key)?
        .first::<N>(None)
        .await?;
    Ok(n.is_some_and(|n| n.n > 0.0))
}

/// Everything stored for a new complaint: the validated submission and intake's decision.
pub struct NewComplaint<'a> {
    pub id: &'a str,
    pub ticket_no: &'a TicketNo,
    pub idempotency_key: &'a str,
    pub request_hash: &'a str,
    pub complaint: &'a ValidComplaint,
    pub intake: &'a IntakeDecision,
    pub model_version: &'a str,
    pub now: &'a str,
    /// When the merchant's window closes (`sla::merchant_window_due`), RFC 3339 UTC.
    pub merchant_due_at: Option<&'a str>,
    /// The SLA clocks started at intake (empty for an automatic answer).
    pub clocks: &'a crate::store::sla::ClockColumns,
    /// P1 on a merchant's site: the platform takes it at once (the ticket's second event).
    pub escalation: Option<&'a qingting_shared::workflow::Change>,
    /// How it came in (the widget's frame or the API).
    pub channel: qingting_shared::analytics::dims::Channel,
}

/// How an insert ended.
pub enum Inserted {
    /// The row is stored.
    Stored,
    /// A row with the same site and idempotency key already exists (a concurrent retry won).
    KeyTaken,
    /// The ticket number collided; try again with another.
    TicketNoTaken,
}

/// Stores a complaint and its first reply in one transaction (a D1 batch).
pub async fn insert(db: &D1Database, c: &NewComplaint<'_>) -> Result<Inserted, ApiError> {
    let d = c.intake;
    let class = &d.classification;
    let categories_json = serde_json::to_string(&class.categories).map_err(|e| ApiError::Internal(e.to_string()))?;
    // The customer's contact is stored sealed (`crate::seal`); only forwarding opens it.
    let contact = crate::seal::seal_opt(c.complaint.contact.as_deref()).await?;
    let stmt = query!(
        db,
        "INSERT INTO complaints (id, ticket_no, site_key, idempotency_key, request_hash, text, order_id, contact, lang, status, \
         complaint, complaint_score, category, categories, priority, client_category, client_priority, model_version, created_at, updated_at, \
         decision, delivery, delivery_at, delivery_due, merchant_due_at, channel, region, merchant_window) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?19, ?20, ?21, ?19, ?19, ?22, ?23, ?24, ?25) \
         ON CONFLICT (site_key, idempotency_key) DO NOTHING",
        c.id,
        c.ticket_no.as_str(),
        &c.complaint.site,
        c.idempotency_key,
        c.request_hash,
        &d.masked.text,
        c.complaint.order_id.as_deref(),
        contact.as_deref(),
        c.complaint.lang.tag(),
        d.status,
        class.complaint,
        class.complaint_score,
        class.primary.as_ref().map(Category::as_str),
        &categories_json,
        class.priority,
        c.complaint.client_category.as_deref(),
        c.complaint.client_priority,
        c.model_version,
        c.now,
        d.decision(),
        d.delivery,
        c.merchant_due_at,
        c.channel.as_str(),
        &c.complaint.region,
        if c.merchant_due_at.is_some() { 1.0 } else { 0.0 },
    )?;
    // The ticket's first event, only when the row above was inserted by this batch.
    let created = query!(
        db,
        "INSERT INTO ticket_events (ticket_id, version, at, actor_kind, kind, from_status, to_status, payload) \
         SELECT ?1, 1, ?2, ?3, ?4, NULL, ?5, ?6 WHERE EXISTS (SELECT 1 FROM complaints WHERE id = ?1 AND request_hash = ?7)",
        c.id,
        c.now,
        ActorKind::Customer,
        ChangeKind::Created,
        d.status,
        &serde_json::json!({"decision": d.decision().as_str()}).to_string(),
        c.request_hash,
    )?;
    let search = query!(
        db,
        "INSERT INTO ticket_search (ticket_id, body) SELECT ?1, ?2 WHERE EXISTS (SELECT 1 FROM complaints WHERE id = ?1 AND request_hash = ?3)",
        c.id,
        &search::index_body(&d.masked.text, c.ticket_no.as_str(), c.complaint.order_id.as_deref()),
        c.request_hash,
    )?;
    // The site's count for the day (the daily quota), only when this batch stored the row.
    let counted = query!(
        db,
        "INSERT INTO site_quota_days (site_key, day, used) SELECT ?1, substr(?2, 1, 10), 1 \
         WHERE EXISTS (SELECT 1 FROM complaints WHERE id = ?3 AND request_hash = ?4) \
         ON CONFLICT (site_key, day) DO UPDATE SET used = used + 1",
        &c.complaint.site,
        c.now,
        c.id,
        c.request_hash,
    )?;
    let mut batch = vec![stmt, created, search, counted];
    // The clocks, set on the row this batch inserted (its id is new to this request).
    let mut args = vec![c.id.js()];
    args.extend(c.clocks.args());
    batch.push(crate::store::statement(db, format!("UPDATE complaints SET {} WHERE id = ?1", crate::store::sla::set_clause(2)), &args)?);
    if let Some(change) = c.escalation {
        batch.push(query!(db, "UPDATE complaints SET holder = ?2, version = ?3 WHERE id = ?1 AND version = 1", c.id, Holder::Platform, change.version as f64)?);
        batch.push(query!(
            db,
            "INSERT INTO ticket_events (ticket_id, version, at, actor_kind, kind, from_status, to_status, payload) \
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7 WHERE EXISTS (SELECT 1 FROM complaints WHERE id = ?1)",
            c.id,
            change.version as f64,
            c.now,
            change.actor.kind,
            change.kind,
            change.to_status,
            &change.payload.to_string(),
        )?);
        // The merchant is told that the platform took its P1.
        batch.push(crate::store::notifications::to_merchant(db, c.id, crate::store::notifications::Kind::Escalated, "urgent", c.now)?);
    }
    // The words that drove its classification, counted for the dashboards (same batch).
    batch.extend(crate::store::analytics::words_statements(db, c.id, c.now, &c.complaint.site, d)?);
    if let Some(reply) = &d.reply {
        // Only when the complaint row above was inserted by this batch.
        batch.push(query!(
            db,
            "INSERT INTO ticket_replies (complaint_id, author, faq_id, text, created_at) \
             SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM complaints WHERE id = ?1)",
            c.id,
            ReplyAuthor::Faq.as_str(),
            &reply.faq_id,
            &reply.text,
            c.now,
        )?);
    }
    match db.batch(batch).await {
        Ok(results) => Ok(if results.first().is_some_and(took) { Inserted::Stored } else { Inserted::KeyTaken }),
        // The event's unique (ticket, version) cannot collide for a fresh id; a ticket number can.
        Err(e) if e.to_string().contains("complaints.ticket_no") => Ok(Inserted::TicketNoTaken),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct ReplyRow {
    author: ReplyAuthor,
    faq_id: Option<String>,
    text: String,
    created_at: String,
}

/// A ticket's replies the customer reads (not internal notes), oldest first.
pub async fn replies(db: &D1Database, complaint_id: &str) -> Result<Vec<TicketReply>, ApiError> {
    let rows = query!(db, "SELECT author, faq_id, text, created_at FROM ticket_replies WHERE complaint_id = ?1 AND internal = 0 ORDER BY id", complaint_id)?
        .all()
        .await?
        .results::<ReplyRow>()?;
    Ok(rows.into_iter().map(|r| TicketReply { author: r.author, faq_id: r.faq_id, text: r.text, created_at: r.created_at }).collect())
}

/// The customer says the automatic answer did not help: the workflow's `customer_reopen`
/// (`auto_replied` → `new`), queued for delivery, with its event, guarded by the version it was
/// read at. `false` when nothing changed (not auto-replied, or changed meanwhile).
pub async fn reopen(db: &D1Database, row: &ComplaintRow, now: &str) -> Result<bool, ApiError> {
    if row.status != TicketStatus::AutoReplied {
        return Ok(false);
    }
    let state = row.state();
    let (next, change) = match apply(&row.id, &state, &Actor::customer(), &Action::CustomerReopen) {
        Ok(applied) => applied,
        Err(_) => return Ok(false),
    };
    // The SLA clocks start now (an automatic answer had none).
    let terms = crate::store::sla::terms_for_site(db, &row.site_key).await?;
    let at = qingting_shared::workflow::calendar::Calendar::parse_instant(now).map_err(|e| ApiError::Internal(e.to_string()))?;
    let clocks = qingting_shared::workflow::sla::follow(row.sla.clocks()?, &terms.policy, &terms.calendar, &state, &next, &change, at);
    let mut args = vec![row.id.as_str().js(), now.js(), next.status.js(), (state.version as f64).js(), DeliveryState::Queued.js(), (next.version as f64).js()];
    let set = crate::store::sla::set_clause(args.len() + 1);
    args.extend(crate::store::sla::ClockColumns::of(clocks.as_ref(), &terms.calendar)?.args());
    let update = crate::store::statement(
        db,
        format!(
            "UPDATE complaints SET status = ?3, reopened_at = ?2, delivery = ?5, delivery_at = ?2, delivery_due = ?2, updated_at = ?2, version = ?6, {set} \
             WHERE id = ?1 AND version = ?4"
        ),
        &args,
    )?;
    let event = crate::store::tickets::event_statement(db, &row.id, &change, now)?;
    let results = db.batch(vec![update, event]).await?;
    Ok(results.first().is_some_and(took))
}
