//! Routing rules in D1 (migration 0015): one ordered list per scope (`''` = the platform's), each
//! rule the JSON form of `qingting_shared::workflow::routing::RoutingRule`, saved as a whole list
//! in one batch.

use qingting_shared::workflow::routing::{Level, RoutingRule};
use serde::Deserialize;
use worker::D1Database;

use crate::error::ApiError;
use crate::store::query;

#[derive(Deserialize)]
struct Row {
    merchant_id: String,
    rule: String,
}

fn read(rows: Vec<Row>) -> Result<Vec<RoutingRule>, ApiError> {
    rows.into_iter()
        .map(|r| {
            let mut rule: RoutingRule = serde_json::from_str(&r.rule).map_err(|e| ApiError::Internal(format!("bad routing rule stored: {e}")))?;
            // The level is the scope's, whatever the JSON says.
            rule.level = if r.merchant_id.is_empty() { Level::Platform } else { Level::Merchant };
            Ok(rule)
        })
        .collect()
}

/// The rules of one scope, in order.
pub async fn list(db: &D1Database, scope: &str) -> Result<Vec<RoutingRule>, ApiError> {
    let rows = query!(db, "SELECT merchant_id, rule FROM routing_rules WHERE merchant_id = ?1 ORDER BY position", scope)?.all().await?.results::<Row>()?;
    read(rows)
}

/// The rules a ticket of `merchant` runs through: the platform's and its merchant's.
pub async fn for_merchant(db: &D1Database, merchant: Option<&str>) -> Result<Vec<RoutingRule>, ApiError> {
    let rows = query!(db, "SELECT merchant_id, rule FROM routing_rules WHERE merchant_id IN ('', ?1) ORDER BY merchant_id, position", merchant.unwrap_or(""))?
        .all()
        .await?
        .results::<Row>()?;
    read(rows)
}

/// Replaces the scope's list with `rules` (validated by the caller), in one batch.
pub async fn replace(db: &D1Database, scope: &str, rules: &[RoutingRule], by: &str, now: &str) -> Result<(), ApiError> {
    let mut batch = vec![query!(db, "DELETE FROM routing_rules WHERE merchant_id = ?1", scope)?];
    for (i, rule) in rules.iter().enumerate() {
        let json = serde_json::to_string(rule).map_err(|e| ApiError::Internal(e.to_string()))?;
        batch.push(query!(
            db,
            "INSERT INTO routing_rules (merchant_id, position, id, rule, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            scope,
            i as u32,
            rule.id.as_str(),
            json.as_str(),
            now,
            by,
        )?);
    }
    db.batch(batch).await?;
    Ok(())
}
