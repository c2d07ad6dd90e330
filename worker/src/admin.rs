//! Site configuration and the delivery log, for the platform's operators (and, through them,
//! merchants): `Authorization: Bearer <ADMIN_TOKEN>`.
//!
//! - `PUT  /v1/admin/sites/:site`              `{merchant_name, allowed_origins}` (create or update)
//! - `GET  /v1/admin/sites/:site`              the configuration (secrets redacted)
//! - `PUT  /v1/admin/sites/:site/destinations` `{destinations: [Destination]}` (replaces all)
//! - `PUT  /v1/admin/sites/:site/faq`          a merchant `FaqPack` (overlays the default by id)
//! - `DELETE /v1/admin/sites/:site/faq`        back to the platform default
//! - `PUT  /v1/admin/sites/:site/thresholds`   `{resolve, acknowledge}` (`null` = measured default)
//! - `GET  /v1/admin/complaints/:id/deliveries` where forwarding stands, and every attempt
//! - `GET  /v1/admin/deliveries?state=dead_letter&site=KEY` tickets by forwarding state (≤ 100)
//!
//! Per-merchant keys come with the merchant dashboard; until then an operator holds the one token.

use qingting_shared::Taxonomy;
use qingting_shared::complaint::validate_site_key;
use qingting_shared::faq::{FaqPack, Thresholds};
use qingting_shared::forward::Destination;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use worker::{D1Database, Request, Response, Result, RouteContext};

use crate::error::ApiError;
use crate::store;

/// Packs are the largest bodies: 200 entries of questions and answers.
const MAX_BODY_BYTES: usize = 512 * 1024;

handler!(put_site, put_site_inner);
handler!(get_site, get_site_inner);
handler!(put_destinations, put_destinations_inner);
handler!(put_faq, put_faq_inner);
handler!(delete_faq, delete_faq_inner);
handler!(put_thresholds, put_thresholds_inner);
handler!(deliveries, deliveries_inner);
handler!(deliveries_by_state, deliveries_by_state_inner);

/// Checks the bearer token against `ADMIN_TOKEN` (compared as SHA-256 digests, in constant time).
fn authorize(req: &Request, ctx: &RouteContext<()>) -> Result<D1Database, ApiError> {
    let expected = ctx.env.secret("ADMIN_TOKEN").map(|s| s.to_string()).ok().filter(|s| s.len() >= 16);
    let Some(expected) = expected else {
        // Without a configured token the admin API is off, not open.
        return Err(ApiError::AdminUnauthorized);
    };
    let auth = req.headers().get("Authorization")?.unwrap_or_default();
    let presented = auth.strip_prefix("Bearer ").unwrap_or("").trim();
    let (a, b) = (Sha256::digest(presented.as_bytes()), Sha256::digest(expected.as_bytes()));
    if a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) != 0 {
        return Err(ApiError::AdminUnauthorized);
    }
    store::db(&ctx.env)
}

async fn body<T: DeserializeOwned>(req: &mut Request) -> Result<T, ApiError> {
    let content_type = req.headers().get("Content-Type")?.unwrap_or_default();
    if !content_type.to_ascii_lowercase().starts_with("application/json") {
        return Err(ApiError::UnsupportedMediaType);
    }
    let bytes = req.bytes().await?;
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge(MAX_BODY_BYTES));
    }
    let text = std::str::from_utf8(&bytes).map_err(|_| ApiError::InvalidUtf8)?;
    serde_json::from_str(text).map_err(|e| ApiError::InvalidJson(e.to_string()))
}

fn site_param(ctx: &RouteContext<()>) -> Result<String, ApiError> {
    Ok(validate_site_key(ctx.param("site").ok_or(ApiError::NotFound)?)?.to_string())
}

async fn existing_site(db: &D1Database, key: &str) -> Result<store::Site, ApiError> {
    store::site(db, key).await?.ok_or(ApiError::UnknownSite)
}

fn allow_http(ctx: &RouteContext<()>) -> bool {
    crate::allow_http_destinations(&ctx.env)
}

#[derive(Deserialize)]
struct SiteBody {
    merchant_name: String,
    #[serde(default)]
    allowed_origins: Vec<String>,
}

async fn put_site_inner(mut req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let db = authorize(&req, ctx)?;
    let key = site_param(ctx)?;
    let b: SiteBody = body(&mut req).await?;
    let name = b.merchant_name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::InvalidConfig("merchant_name must be 1–100 characters"));
    }
    let origin_ok = |o: &String| {
        (o.starts_with("https://") || o.starts_with("http://"))
            && o.len() <= 200
            && !o.trim_end_matches('/').contains(|c: char| c.is_whitespace())
            && o.matches('/').count() == 2
    };
    if b.allowed_origins.len() > 20 || !b.allowed_origins.iter().all(origin_ok) {
        return Err(ApiError::InvalidConfig("allowed_origins must be at most 20 origins like \"https://shop.example.cn\" (scheme, host, port; no path)"));
    }
    let origins = serde_json::to_string(&b.allowed_origins).map_err(|e| ApiError::Internal(e.to_string()))?;
    store::upsert_site(&db, &key, name, &origins).await?;
    config_view(&db, &key).await
}

async fn get_site_inner(req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let db = authorize(&req, ctx)?;
    config_view(&db, &site_param(ctx)?).await
}

/// The site's configuration as the admin API shows it.
async fn config_view(db: &D1Database, key: &str) -> Result<Response, ApiError> {
    let site = existing_site(db, key).await?;
    let destinations: Vec<Destination> = store::destinations(db, key).await?.iter().map(Destination::redacted).collect();
    let t = site.thresholds();
    let d = Thresholds::default();
    let origins: Vec<String> = serde_json::from_str(&site.allowed_origins).unwrap_or_default();
    let body = serde_json::json!({
        "site": site.key,
        "merchant_name": site.merchant_name,
        "allowed_origins": origins,
        "thresholds": {
            "resolve": t.resolve, "acknowledge": t.acknowledge,
            "defaults": { "resolve": d.resolve, "acknowledge": d.acknowledge },
        },
        "faq_pack": site.merchant_pack()?,
        "destinations": destinations,
    });
    Ok(Response::from_json(&body)?)
}

#[derive(Deserialize)]
struct DestinationsBody {
    destinations: Vec<Destination>,
}

async fn put_destinations_inner(mut req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let db = authorize(&req, ctx)?;
    let key = site_param(ctx)?;
    existing_site(&db, &key).await?;
    let b: DestinationsBody = body(&mut req).await?;
    Destination::validate_all(&b.destinations, allow_http(ctx))?;
    store::replace_destinations(&db, &key, &b.destinations).await?;
    config_view(&db, &key).await
}

async fn put_faq_inner(mut req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let db = authorize(&req, ctx)?;
    let key = site_param(ctx)?;
    existing_site(&db, &key).await?;
    let pack: FaqPack = body(&mut req).await?;
    pack.validate_merchant(&Taxonomy::default_taxonomy())?;
    let json = serde_json::to_string(&pack).map_err(|e| ApiError::Internal(e.to_string()))?;
    store::set_faq_pack(&db, &key, Some(&json)).await?;
    config_view(&db, &key).await
}

async fn delete_faq_inner(req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let db = authorize(&req, ctx)?;
    let key = site_param(ctx)?;
    existing_site(&db, &key).await?;
    store::set_faq_pack(&db, &key, None).await?;
    config_view(&db, &key).await
}

#[derive(Deserialize)]
struct ThresholdsBody {
    resolve: Option<f32>,
    acknowledge: Option<f32>,
}

async fn put_thresholds_inner(mut req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let db = authorize(&req, ctx)?;
    let key = site_param(ctx)?;
    existing_site(&db, &key).await?;
    let b: ThresholdsBody = body(&mut req).await?;
    // Below 0.5 a resolve would auto-close complaints on a weak match; docs/BENCHMARKS.md has the
    // measured trade-off.
    let ok = |v: Option<f32>| v.is_none_or(|x| (0.5..=1.0).contains(&x));
    if !ok(b.resolve) || !ok(b.acknowledge) {
        return Err(ApiError::InvalidConfig("thresholds must be between 0.5 and 1.0, or null for the measured default"));
    }
    store::set_thresholds(&db, &key, b.resolve, b.acknowledge).await?;
    config_view(&db, &key).await
}

async fn deliveries_inner(req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let db = authorize(&req, ctx)?;
    let id = ctx.param("id").ok_or(ApiError::NotFound)?;
    if uuid::Uuid::try_parse(id).is_err() {
        return Err(ApiError::NotFound);
    }
    let row = store::complaint_by_id(&db, id).await?.ok_or(ApiError::NotFound)?;
    let attempts = store::attempts(&db, id).await?;
    let body = serde_json::json!({
        "id": row.id,
        "ticket_no": row.ticket_no,
        "status": row.status,
        "delivery": row.delivery,
        "attempts": attempts,
    });
    Ok(Response::from_json(&body)?)
}

#[derive(Deserialize)]
struct StateQuery {
    state: Option<String>,
    site: Option<String>,
}

/// Forwarding states an operator can list.
const DELIVERY_STATES: [&str; 5] = ["queued", "delivered", "no_destination", "dead_letter", "none"];

async fn deliveries_by_state_inner(req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let db = authorize(&req, ctx)?;
    let q: StateQuery = req.query().map_err(|e| ApiError::InvalidJson(e.to_string()))?;
    let state = q.state.as_deref().unwrap_or("dead_letter");
    if !DELIVERY_STATES.contains(&state) {
        return Err(ApiError::InvalidConfig("state must be one of queued, delivered, no_destination, dead_letter, none"));
    }
    let site = q.site.as_deref().map(validate_site_key).transpose()?;
    let tickets = store::tickets_by_delivery(&db, state, site, 100).await?;
    Ok(Response::from_json(&serde_json::json!({ "state": state, "tickets": tickets }))?)
}
