//! D1 access. Every statement binds its values; no SQL is built from input.

use qingting_shared::api::{ComplaintView, ReplyAuthor, TicketReply};
use qingting_shared::faq::{Decision, FaqPack, Thresholds};
use qingting_shared::forward::{Destination, DestinationKind, ForwardReason};
use qingting_shared::{Category, Priority, TicketNo, TicketStatus};
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::D1Database;

use crate::error::ApiError;

/// The D1 binding `DB`.
pub fn db(env: &worker::Env) -> Result<D1Database, ApiError> {
    env.d1("DB").map_err(|_| ApiError::Misconfigured("no D1 binding named DB"))
}

/// A merchant site that may embed the widget.
#[derive(Debug, Deserialize)]
pub struct Site {
    pub key: String,
    pub merchant_name: String,
    /// JSON array of exact origins, e.g. `["https://shop.example.cn"]`.
    pub allowed_origins: String,
    pub resolve_threshold: Option<f64>,
    pub acknowledge_threshold: Option<f64>,
    /// The merchant's FAQ pack (JSON), validated when it was stored.
    pub faq_pack: Option<String>,
}

impl Site {
    pub fn allows_origin(&self, origin: &str) -> bool {
        serde_json::from_str::<Vec<String>>(&self.allowed_origins).map(|list| list.iter().any(|o| o == origin)).unwrap_or(false)
    }

    /// The site's thresholds, the measured defaults where it sets none.
    pub fn thresholds(&self) -> Thresholds {
        let d = Thresholds::default();
        Thresholds {
            resolve: self.resolve_threshold.map_or(d.resolve, |v| v as f32),
            acknowledge: self.acknowledge_threshold.map_or(d.acknowledge, |v| v as f32),
        }
    }

    /// The merchant's pack; `None` when the site has none (a stored pack that no longer parses is
    /// an internal error, not silently the default).
    pub fn merchant_pack(&self) -> Result<Option<FaqPack>, ApiError> {
        self.faq_pack
            .as_deref()
            .map(|json| serde_json::from_str::<FaqPack>(json).map_err(|e| ApiError::Internal(format!("stored FAQ pack of site {}: {e}", self.key))))
            .transpose()
    }
}

pub async fn site(db: &D1Database, key: &str) -> Result<Option<Site>, ApiError> {
    Ok(db
        .prepare("SELECT key, merchant_name, allowed_origins, resolve_threshold, acknowledge_threshold, faq_pack FROM sites WHERE key = ?1")
        .bind(&[key.into()])?
        .first::<Site>(None)
        .await?)
}

/// A stored complaint row.
#[derive(Debug, Deserialize)]
pub struct ComplaintRow {
    pub id: String,
    pub ticket_no: String,
    pub request_hash: String,
    pub status: String,
    pub complaint: i64,
    pub category: Option<String>,
    pub categories: String,
    pub priority: Option<String>,
    pub text: String,
    pub order_id: Option<String>,
    pub lang: String,
    pub model_version: String,
    pub created_at: String,
    pub site_key: String,
    pub contact: Option<String>,
    pub delivery: String,
    pub reopened_at: Option<String>,
}

const COLUMNS: &str = "id, ticket_no, request_hash, status, complaint, category, categories, priority, text, order_id, lang, model_version, created_at, \
                       site_key, contact, delivery, reopened_at";

impl ComplaintRow {
    pub fn status(&self) -> Result<TicketStatus, ApiError> {
        TicketStatus::parse(&self.status).ok_or_else(|| ApiError::Internal(format!("bad status {:?} in row {}", self.status, self.id)))
    }

    pub fn ticket_no(&self) -> Result<TicketNo, ApiError> {
        TicketNo::parse(&self.ticket_no).ok_or_else(|| ApiError::Internal(format!("bad ticket_no in row {}", self.id)))
    }

    pub fn category(&self) -> Option<Category> {
        self.category.clone().map(Category::new)
    }

    pub fn priority(&self) -> Option<Priority> {
        self.priority.as_deref().and_then(Priority::parse)
    }

    /// Why this ticket is (being) forwarded.
    pub fn forward_reason(&self) -> ForwardReason {
        if self.reopened_at.is_some() { ForwardReason::Reopened } else { ForwardReason::Created }
    }

    pub fn into_view(self, replies: Vec<TicketReply>) -> Result<ComplaintView, ApiError> {
        let categories = serde_json::from_str::<Vec<String>>(&self.categories)
            .map_err(|e| ApiError::Internal(format!("bad categories in row {}: {e}", self.id)))?
            .into_iter()
            .map(Category::new)
            .collect();
        Ok(ComplaintView {
            ticket_no: self.ticket_no()?,
            status: self.status()?,
            complaint: self.complaint != 0,
            category: self.category(),
            priority: self.priority(),
            categories,
            id: self.id,
            text: self.text,
            order_id: self.order_id,
            lang: self.lang,
            created_at: self.created_at,
            model_version: self.model_version,
            replies,
        })
    }
}

pub async fn complaint_by_key(db: &D1Database, site: &str, idempotency_key: &str) -> Result<Option<ComplaintRow>, ApiError> {
    let sql = format!("SELECT {COLUMNS} FROM complaints WHERE site_key = ?1 AND idempotency_key = ?2");
    Ok(db.prepare(sql).bind(&[site.into(), idempotency_key.into()])?.first::<ComplaintRow>(None).await?)
}

pub async fn complaint_by_id(db: &D1Database, id: &str) -> Result<Option<ComplaintRow>, ApiError> {
    let sql = format!("SELECT {COLUMNS} FROM complaints WHERE id = ?1");
    Ok(db.prepare(sql).bind(&[id.into()])?.first::<ComplaintRow>(None).await?)
}

/// Everything stored for a new complaint.
pub struct NewComplaint<'a> {
    pub id: &'a str,
    pub ticket_no: &'a str,
    pub site: &'a str,
    pub idempotency_key: &'a str,
    pub request_hash: &'a str,
    pub text: &'a str,
    pub order_id: Option<&'a str>,
    pub contact: Option<&'a str>,
    pub lang: &'a str,
    pub status: TicketStatus,
    pub complaint: bool,
    pub complaint_score: f32,
    pub category: Option<&'a str>,
    pub categories_json: &'a str,
    pub priority: Option<Priority>,
    pub client_category: Option<&'a str>,
    pub client_priority: Option<Priority>,
    pub model_version: &'a str,
    pub decision: Decision,
    /// `(faq id, answer)`: the ticket's first reply.
    pub reply: Option<(&'a str, &'a str)>,
    pub now: &'a str,
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

fn opt(v: Option<&str>) -> JsValue {
    v.map_or(JsValue::NULL, JsValue::from)
}

/// Stores a complaint and its first reply in one transaction (a D1 batch).
pub async fn insert_complaint(db: &D1Database, c: &NewComplaint<'_>) -> Result<Inserted, ApiError> {
    let delivery = if c.decision.forwards() { "queued" } else { "none" };
    let stmt = db
        .prepare(
            "INSERT INTO complaints (id, ticket_no, site_key, idempotency_key, request_hash, text, order_id, contact, lang, status, \
             complaint, complaint_score, category, categories, priority, client_category, client_priority, model_version, created_at, updated_at, \
             decision, delivery, delivery_at, delivery_due) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?19, ?20, ?21, ?19, ?19) \
             ON CONFLICT (site_key, idempotency_key) DO NOTHING",
        )
        .bind(&[
            c.id.into(),
            c.ticket_no.into(),
            c.site.into(),
            c.idempotency_key.into(),
            c.request_hash.into(),
            c.text.into(),
            opt(c.order_id),
            opt(c.contact),
            c.lang.into(),
            c.status.as_str().into(),
            JsValue::from(i32::from(c.complaint)),
            JsValue::from(f64::from(c.complaint_score)),
            opt(c.category),
            c.categories_json.into(),
            opt(c.priority.map(Priority::as_str)),
            opt(c.client_category),
            opt(c.client_priority.map(Priority::as_str)),
            c.model_version.into(),
            c.now.into(),
            c.decision.as_str().into(),
            delivery.into(),
        ])?;
    let mut batch = vec![stmt];
    if let Some((faq_id, text)) = c.reply {
        // Only when the complaint row above was inserted by this batch.
        batch.push(
            db.prepare(
                "INSERT INTO ticket_replies (complaint_id, author, faq_id, text, created_at) \
                 SELECT ?1, 'faq', ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM complaints WHERE id = ?1)",
            )
            .bind(&[c.id.into(), faq_id.into(), text.into(), c.now.into()])?,
        );
    }
    match db.batch(batch).await {
        Ok(results) => {
            let changes = results.first().and_then(|r| r.meta().ok().flatten()).and_then(|m| m.changes).unwrap_or(0);
            Ok(if changes == 1 { Inserted::Stored } else { Inserted::KeyTaken })
        }
        Err(e) if e.to_string().contains("complaints.ticket_no") => Ok(Inserted::TicketNoTaken),
        Err(e) => Err(e.into()),
    }
}

/// Adds one to a site's FAQ event counter for the day.
pub async fn count_faq_event(db: &D1Database, site: &str, faq_id: &str, event: &str, day: &str) -> Result<(), ApiError> {
    db.prepare(
        "INSERT INTO faq_events (site_key, faq_id, event, day, count) VALUES (?1, ?2, ?3, ?4, 1) \
         ON CONFLICT (site_key, faq_id, event, day) DO UPDATE SET count = count + 1",
    )
    .bind(&[site.into(), faq_id.into(), event.into(), day.into()])?
    .run()
    .await?;
    Ok(())
}

#[derive(Deserialize)]
struct ReplyRow {
    author: String,
    faq_id: Option<String>,
    text: String,
    created_at: String,
}

/// A ticket's replies, oldest first.
pub async fn replies(db: &D1Database, complaint_id: &str) -> Result<Vec<TicketReply>, ApiError> {
    let rows = db
        .prepare("SELECT author, faq_id, text, created_at FROM ticket_replies WHERE complaint_id = ?1 ORDER BY id")
        .bind(&[complaint_id.into()])?
        .all()
        .await?
        .results::<ReplyRow>()?;
    rows.into_iter()
        .map(|r| {
            let author = ReplyAuthor::parse(&r.author).ok_or_else(|| ApiError::Internal(format!("bad reply author {:?}", r.author)))?;
            Ok(TicketReply { author, faq_id: r.faq_id, text: r.text, created_at: r.created_at })
        })
        .collect()
}

/// The customer says the automatic answer did not help: `auto_replied` → `forwarded`, queued for
/// delivery. `false` when the ticket was not `auto_replied` (nothing changed).
pub async fn reopen(db: &D1Database, id: &str, now: &str) -> Result<bool, ApiError> {
    let result = db
        .prepare(
            "UPDATE complaints SET status = 'forwarded', reopened_at = ?2, delivery = 'queued', delivery_at = ?2, delivery_due = ?2, \
             updated_at = ?2 WHERE id = ?1 AND status = 'auto_replied'",
        )
        .bind(&[id.into(), now.into()])?
        .run()
        .await?;
    Ok(result.meta()?.and_then(|m| m.changes).unwrap_or(0) == 1)
}

#[derive(Deserialize)]
struct DestinationRow {
    id: String,
    kind: String,
    url: String,
    secret: Option<String>,
}

/// A site's destinations, in configured order.
pub async fn destinations(db: &D1Database, site: &str) -> Result<Vec<Destination>, ApiError> {
    let rows = db
        .prepare("SELECT id, kind, url, secret FROM destinations WHERE site_key = ?1 ORDER BY position")
        .bind(&[site.into()])?
        .all()
        .await?
        .results::<DestinationRow>()?;
    rows.into_iter()
        .map(|r| {
            let kind = DestinationKind::parse(&r.kind).ok_or_else(|| ApiError::Internal(format!("bad destination kind {:?}", r.kind)))?;
            Ok(Destination { id: r.id, kind, url: r.url, secret: r.secret })
        })
        .collect()
}

/// Replaces a site's destinations in one transaction.
pub async fn replace_destinations(db: &D1Database, site: &str, list: &[Destination]) -> Result<(), ApiError> {
    let mut batch = vec![db.prepare("DELETE FROM destinations WHERE site_key = ?1").bind(&[site.into()])?];
    for (i, d) in list.iter().enumerate() {
        batch.push(db.prepare("INSERT INTO destinations (site_key, id, position, kind, url, secret) VALUES (?1, ?2, ?3, ?4, ?5, ?6)").bind(&[
            site.into(),
            d.id.as_str().into(),
            JsValue::from(i as u32),
            d.kind.as_str().into(),
            d.url.as_str().into(),
            opt(d.secret.as_deref()),
        ])?);
    }
    db.batch(batch).await?;
    Ok(())
}

/// Creates a site or updates its name and origins.
pub async fn upsert_site(db: &D1Database, key: &str, merchant_name: &str, origins_json: &str) -> Result<(), ApiError> {
    db.prepare(
        "INSERT INTO sites (key, merchant_name, allowed_origins) VALUES (?1, ?2, ?3) \
         ON CONFLICT (key) DO UPDATE SET merchant_name = excluded.merchant_name, allowed_origins = excluded.allowed_origins",
    )
    .bind(&[key.into(), merchant_name.into(), origins_json.into()])?
    .run()
    .await?;
    Ok(())
}

pub async fn set_faq_pack(db: &D1Database, site: &str, pack_json: Option<&str>) -> Result<(), ApiError> {
    db.prepare("UPDATE sites SET faq_pack = ?2 WHERE key = ?1").bind(&[site.into(), opt(pack_json)])?.run().await?;
    Ok(())
}

pub async fn set_thresholds(db: &D1Database, site: &str, resolve: Option<f32>, acknowledge: Option<f32>) -> Result<(), ApiError> {
    let num = |v: Option<f32>| v.map_or(JsValue::NULL, |x| JsValue::from(f64::from(x)));
    db.prepare("UPDATE sites SET resolve_threshold = ?2, acknowledge_threshold = ?3 WHERE key = ?1")
        .bind(&[site.into(), num(resolve), num(acknowledge)])?
        .run()
        .await?;
    Ok(())
}

/// One row of the delivery log.
#[derive(Debug, Deserialize, serde::Serialize)]
pub struct AttemptRow {
    pub destination_id: String,
    pub delivery_key: String,
    pub attempt: i64,
    pub outcome: String,
    pub http_status: Option<i64>,
    pub detail: Option<String>,
    pub at: String,
}

/// A ticket's delivery log, oldest first.
pub async fn attempts(db: &D1Database, complaint_id: &str) -> Result<Vec<AttemptRow>, ApiError> {
    Ok(db
        .prepare(
            "SELECT destination_id, delivery_key, attempt, outcome, http_status, detail, at FROM delivery_attempts \
             WHERE complaint_id = ?1 ORDER BY id",
        )
        .bind(&[complaint_id.into()])?
        .all()
        .await?
        .results::<AttemptRow>()?)
}

/// One delivery attempt to record.
#[derive(Clone, Copy)]
pub struct Attempt<'a> {
    pub complaint_id: &'a str,
    pub destination_id: &'a str,
    /// 1-based, per destination.
    pub attempt: u32,
    /// `delivered`, `failed` or `dead_letter`.
    pub outcome: &'a str,
    pub http_status: Option<u16>,
    pub detail: Option<&'a str>,
}

/// Records one attempt. A second `delivered` row for the same key is ignored (the unique index),
/// so the log says "accepted" once however the queue redelivers.
pub async fn log_attempt(db: &D1Database, a: &Attempt<'_>, now: &str) -> Result<(), ApiError> {
    let Attempt { complaint_id, destination_id, attempt, outcome, http_status, detail } = *a;
    let key = qingting_shared::forward::delivery_key(complaint_id, destination_id);
    db.prepare(
        "INSERT INTO delivery_attempts (complaint_id, destination_id, delivery_key, attempt, outcome, http_status, detail, at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING",
    )
    .bind(&[
        complaint_id.into(),
        destination_id.into(),
        key.into(),
        JsValue::from(attempt),
        outcome.into(),
        http_status.map_or(JsValue::NULL, |s| JsValue::from(s as u32)),
        opt(detail),
        now.into(),
    ])?
    .run()
    .await?;
    Ok(())
}

/// Takes the ticket's delivery lease until `until`, if it is `queued` and nobody holds an unexpired
/// lease. `false`: another consumer is delivering it (or it is no longer queued).
pub async fn claim_delivery(db: &D1Database, complaint_id: &str, now: &str, until: &str) -> Result<bool, ApiError> {
    let result = db
        .prepare(
            "UPDATE complaints SET delivery_lease = ?3 WHERE id = ?1 AND delivery = 'queued' \
             AND (delivery_lease IS NULL OR delivery_lease < ?2)",
        )
        .bind(&[complaint_id.into(), now.into(), until.into()])?
        .run()
        .await?;
    Ok(result.meta()?.and_then(|m| m.changes).unwrap_or(0) == 1)
}

/// Moves a `queued` ticket to `delivery` (or keeps it `queued` with the next attempt `due`) and
/// releases the lease. Only from `queued`: a late duplicate never overwrites a final state.
pub async fn finish_delivery(db: &D1Database, complaint_id: &str, delivery: &str, due: Option<&str>, now: &str) -> Result<(), ApiError> {
    db.prepare(
        "UPDATE complaints SET delivery = ?2, delivery_at = ?3, delivery_due = ?4, delivery_lease = NULL \
         WHERE id = ?1 AND delivery = 'queued'",
    )
    .bind(&[complaint_id.into(), delivery.into(), now.into(), opt(due)])?
    .run()
    .await?;
    Ok(())
}

/// Gives the lease back without changing anything else (after an error).
pub async fn release_delivery(db: &D1Database, complaint_id: &str) -> Result<(), ApiError> {
    db.prepare("UPDATE complaints SET delivery_lease = NULL WHERE id = ?1").bind(&[complaint_id.into()])?.run().await?;
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
pub async fn claim_stuck_deliveries(db: &D1Database, overdue: &str, now: &str, next_due: &str, limit: u32) -> Result<Vec<StuckRow>, ApiError> {
    Ok(db
        .prepare(
            "UPDATE complaints SET delivery_due = ?3 WHERE id IN ( \
               SELECT id FROM complaints WHERE delivery = 'queued' AND COALESCE(delivery_due, delivery_at) < ?1 \
               AND (delivery_lease IS NULL OR delivery_lease < ?2) ORDER BY delivery_due LIMIT ?4) \
             RETURNING id, reopened_at",
        )
        .bind(&[overdue.into(), now.into(), next_due.into(), JsValue::from(limit)])?
        .all()
        .await?
        .results::<StuckRow>()?)
}

/// A ticket in a delivery state, for the operators' list.
#[derive(Debug, Deserialize, serde::Serialize)]
pub struct DeliveryListRow {
    pub id: String,
    pub ticket_no: String,
    pub site_key: String,
    pub status: String,
    pub priority: Option<String>,
    pub delivery: String,
    pub delivery_at: Option<String>,
    pub created_at: String,
}

/// Tickets whose forwarding is in `state`, most recent change first, at most `limit`.
pub async fn tickets_by_delivery(db: &D1Database, state: &str, site: Option<&str>, limit: u32) -> Result<Vec<DeliveryListRow>, ApiError> {
    Ok(db
        .prepare(
            "SELECT id, ticket_no, site_key, status, priority, delivery, delivery_at, created_at FROM complaints \
             WHERE delivery = ?1 AND (?2 IS NULL OR site_key = ?2) ORDER BY delivery_at DESC LIMIT ?3",
        )
        .bind(&[state.into(), opt(site), JsValue::from(limit)])?
        .all()
        .await?
        .results::<DeliveryListRow>()?)
}
