//! Canned replies per merchant (and the platform's, `merchant_id = ''`).

use qingting_shared::accounts::membership::Visibility;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;
use worker::D1Database;

use crate::error::ApiError;
use crate::store::{changes, query, tenancy_clause};

#[derive(Debug, Deserialize, Serialize)]
pub struct CannedReply {
    pub id: String,
    /// `None` for the platform's own.
    pub merchant: Option<String>,
    pub title: String,
    pub text: String,
}

#[derive(Deserialize)]
struct Row {
    id: String,
    merchant_id: String,
    title: String,
    text: String,
}

impl From<Row> for CannedReply {
    fn from(r: Row) -> Self {
        CannedReply { id: r.id, merchant: (!r.merchant_id.is_empty()).then_some(r.merchant_id), title: r.title, text: r.text }
    }
}

/// The replies a caller may use: the platform's and their merchants' (all, for platform staff).
pub async fn list(db: &D1Database, visibility: &Visibility) -> Result<Vec<CannedReply>, ApiError> {
    let mut args: Vec<JsValue> = Vec::new();
    let clause = tenancy_clause(visibility, "merchant_id", true, &mut args);
    let sql = format!("SELECT id, merchant_id, title, text FROM canned_replies WHERE {clause} ORDER BY merchant_id, title LIMIT 500");
    Ok(crate::store::statement(db, &sql, &args)?.all().await?.results::<Row>()?.into_iter().map(CannedReply::from).collect())
}

pub async fn insert(db: &D1Database, reply: &CannedReply, by: &str, now: &str) -> Result<(), ApiError> {
    query!(
        db,
        "INSERT INTO canned_replies (id, merchant_id, title, text, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        &reply.id,
        reply.merchant.as_deref().unwrap_or(""),
        &reply.title,
        &reply.text,
        by,
        now,
    )?
    .run()
    .await?;
    Ok(())
}

/// The scope of a reply: `Some(merchant)`, `Some("")` for the platform's, `None` when it does not exist.
pub async fn scope_of(db: &D1Database, id: &str) -> Result<Option<String>, ApiError> {
    #[derive(Deserialize)]
    struct M {
        merchant_id: String,
    }
    Ok(query!(db, "SELECT merchant_id FROM canned_replies WHERE id = ?1", id)?.first::<M>(None).await?.map(|m| m.merchant_id))
}

pub async fn delete(db: &D1Database, id: &str) -> Result<bool, ApiError> {
    Ok(changes(&query!(db, "DELETE FROM canned_replies WHERE id = ?1", id)?.run().await?) == 1)
}
