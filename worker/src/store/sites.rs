//! Sites: who may embed the widget, where tickets are forwarded, the merchant's FAQ pack and
//! thresholds.

use qingting_shared::accounts::membership::Visibility;
use qingting_shared::faq::{FaqPack, Thresholds};
use qingting_shared::forward::{Destination, DestinationKind};
use serde::Deserialize;
use worker::D1Database;

use crate::error::ApiError;
use crate::store::{any_row, query};

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
    /// The merchant the site belongs to; `None` for a site of the platform's own.
    pub merchant_id: Option<String>,
}

impl Site {
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.origins().iter().any(|o| o == origin)
    }

    /// The allowed origins (none when the stored list does not parse).
    pub fn origins(&self) -> Vec<String> {
        serde_json::from_str(&self.allowed_origins).unwrap_or_default()
    }

    /// Refuses a request whose `Origin` this site does not allow. Qingting's own origin (`own`:
    /// the customer's panel, a frame served with this site's origins as its `frame-ancestors`,
    /// `frame.rs`) is allowed for every site.
    pub fn check_origin(&self, origin: Option<&str>, own: &str) -> Result<(), ApiError> {
        if origin.is_some_and(|o| o == own || self.allows_origin(o)) { Ok(()) } else { Err(ApiError::OriginNotAllowed) }
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

pub async fn get(db: &D1Database, key: &str) -> Result<Option<Site>, ApiError> {
    Ok(query!(
        db,
        "SELECT key, merchant_name, allowed_origins, resolve_threshold, acknowledge_threshold, faq_pack, merchant_id FROM sites WHERE key = ?1",
        key
    )?
    .first::<Site>(None)
    .await?)
}

/// The site, or `unknown_site`.
pub async fn existing(db: &D1Database, key: &str) -> Result<Site, ApiError> {
    get(db, key).await?.ok_or(ApiError::UnknownSite)
}

/// The sites `vis` sees, by key: the platform's staff every site, a merchant's staff their
/// merchant's (never the platform's own sites). The packs are not read (`faq_pack` is `None`).
pub async fn list(db: &D1Database, vis: &Visibility) -> Result<Vec<Site>, ApiError> {
    let (all, ids) = match vis {
        Visibility::All => (true, "[]".to_string()),
        Visibility::Merchants(ids) => (false, serde_json::to_string(ids).map_err(|e| ApiError::Internal(e.to_string()))?),
    };
    Ok(query!(
        db,
        "SELECT key, merchant_name, allowed_origins, resolve_threshold, acknowledge_threshold, NULL AS faq_pack, merchant_id FROM sites \
         WHERE ?1 = 1 OR merchant_id IN (SELECT value FROM json_each(?2)) ORDER BY key LIMIT 500",
        all,
        &ids
    )?
    .all()
    .await?
    .results::<Site>()?)
}

/// Creates a site (of `merchant`, or the platform's own) or updates its name and origins (and its
/// merchant, when one is given).
pub async fn upsert(db: &D1Database, key: &str, merchant_name: &str, origins_json: &str, merchant: Option<&str>) -> Result<(), ApiError> {
    query!(
        db,
        "INSERT INTO sites (key, merchant_name, allowed_origins, merchant_id) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (key) DO UPDATE SET merchant_name = excluded.merchant_name, allowed_origins = excluded.allowed_origins, \
         merchant_id = COALESCE(excluded.merchant_id, sites.merchant_id)",
        key,
        merchant_name,
        origins_json,
        merchant,
    )?
    .run()
    .await?;
    Ok(())
}

pub async fn set_faq_pack(db: &D1Database, site: &str, pack_json: Option<&str>) -> Result<(), ApiError> {
    query!(db, "UPDATE sites SET faq_pack = ?2 WHERE key = ?1", site, pack_json)?.run().await?;
    Ok(())
}

pub async fn set_thresholds(db: &D1Database, site: &str, resolve: Option<f32>, acknowledge: Option<f32>) -> Result<(), ApiError> {
    query!(db, "UPDATE sites SET resolve_threshold = ?2, acknowledge_threshold = ?3 WHERE key = ?1", site, resolve, acknowledge)?.run().await?;
    Ok(())
}

#[derive(Deserialize)]
struct DestinationRow {
    id: String,
    kind: DestinationKind,
    url: String,
    secret: Option<String>,
}

/// A site's destinations, in configured order.
pub async fn destinations(db: &D1Database, site: &str) -> Result<Vec<Destination>, ApiError> {
    let rows =
        query!(db, "SELECT id, kind, url, secret FROM destinations WHERE site_key = ?1 ORDER BY position", site)?.all().await?.results::<DestinationRow>()?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(Destination { id: r.id, kind: r.kind, url: crate::seal::open(&r.url).await?, secret: crate::seal::open_opt(r.secret).await? });
    }
    Ok(out)
}

/// Replaces a site's destinations in one transaction; URLs and secrets are stored sealed
/// (`crate::seal`).
pub async fn replace_destinations(db: &D1Database, site: &str, list: &[Destination]) -> Result<(), ApiError> {
    // New destinations start with closed circuit breakers.
    let mut batch = vec![
        query!(db, "DELETE FROM destinations WHERE site_key = ?1", site)?,
        query!(db, "DELETE FROM destination_health WHERE site_key = ?1", site)?,
    ];
    for (i, d) in list.iter().enumerate() {
        let (url, secret) = (crate::seal::seal(&d.url).await?, crate::seal::seal_opt(d.secret.as_deref()).await?);
        batch.push(query!(
            db,
            "INSERT INTO destinations (site_key, id, position, kind, url, secret) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            site,
            &d.id,
            i as u32,
            d.kind,
            &url,
            secret.as_deref(),
        )?);
    }
    db.batch(batch).await?;
    Ok(())
}

/// Whether a merchant with this id exists.
pub async fn merchant_exists(db: &D1Database, id: &str) -> Result<bool, ApiError> {
    any_row(query!(db, "SELECT 1 FROM merchants WHERE id = ?1", id)?).await
}
