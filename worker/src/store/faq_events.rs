//! FAQ event counters per site, entry and day.

use worker::D1Database;

use crate::error::ApiError;
use crate::store::query;

/// Adds one to a site's FAQ event counter for the day.
pub async fn count(db: &D1Database, site: &str, faq_id: &str, event: &str, day: &str) -> Result<(), ApiError> {
    query!(
        db,
        "INSERT INTO faq_events (site_key, faq_id, event, day, count) VALUES (?1, ?2, ?3, ?4, 1) \
         ON CONFLICT (site_key, faq_id, event, day) DO UPDATE SET count = count + 1",
        site,
        faq_id,
        event,
        day,
    )?
    .run()
    .await?;
    Ok(())
}
