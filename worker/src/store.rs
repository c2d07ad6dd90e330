//! D1 access. Every statement binds its values; no SQL is built from input.

use qingting_shared::api::ComplaintView;
use qingting_shared::{Category, Priority, TicketNo, TicketStatus};
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::D1Database;

use crate::error::ApiError;

/// A merchant site that may embed the widget.
#[derive(Debug, Deserialize)]
pub struct Site {
    pub key: String,
    /// JSON array of exact origins, e.g. `["https://shop.example.cn"]`.
    pub allowed_origins: String,
}

impl Site {
    pub fn allows_origin(&self, origin: &str) -> bool {
        serde_json::from_str::<Vec<String>>(&self.allowed_origins)
            .map(|list| list.iter().any(|o| o == origin))
            .unwrap_or(false)
    }
}

pub async fn site(db: &D1Database, key: &str) -> Result<Option<Site>, ApiError> {
    Ok(db.prepare("SELECT key, allowed_origins FROM sites WHERE key = ?1").bind(&[key.into()])?.first::<Site>(None).await?)
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
}

const COLUMNS: &str = "id, ticket_no, request_hash, status, complaint, category, categories, priority, text, order_id, lang, model_version, created_at";

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

    pub fn into_view(self) -> Result<ComplaintView, ApiError> {
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

pub async fn insert_complaint(db: &D1Database, c: &NewComplaint<'_>) -> Result<Inserted, ApiError> {
    let stmt = db
        .prepare(
            "INSERT INTO complaints (id, ticket_no, site_key, idempotency_key, request_hash, text, order_id, contact, lang, status, \
             complaint, complaint_score, category, categories, priority, client_category, client_priority, model_version, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?19) \
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
        ])?;
    match stmt.run().await {
        Ok(result) => {
            let changes = result.meta()?.and_then(|m| m.changes).unwrap_or(0);
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
