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
use qingting_shared::faq::{FaqPack, Thresholds};
use qingting_shared::forward::{DeliveryState, Destination};
use qingting_shared::intake::submission::validate_site_key;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use worker::{D1Database, Request, Response, Result, RouteContext};

use crate::config::Config;
use crate::error::ApiError;
use crate::http::{self, JsonBody};
use crate::store::{self, complaints, deliveries, sites};

/// Packs are the largest bodies: 200 entries of questions and answers.
const BODY: JsonBody = JsonBody::json(512 * 1024);

handler!(put_site, put_site_inner);
handler!(get_site, get_site_inner);
handler!(put_destinations, put_destinations_inner);
handler!(put_faq, put_faq_inner);
handler!(delete_faq, delete_faq_inner);
handler!(put_thresholds, put_thresholds_inner);
handler!(deliveries, deliveries_inner);
handler!(deliveries_by_state, deliveries_by_state_inner);

/// Checks the bearer token against `ADMIN_TOKEN` (compared as SHA-256 digests, in constant time).
pub fn check_admin_token(req: &Request, config: &Config) -> Result<(), ApiError> {
    let Some(expected) = config.admin_token() else {
        // Without a configured token the admin API is off, not open.
        return Err(ApiError::AdminUnauthorized);
    };
    let auth = req.headers().get("Authorization")?.unwrap_or_default();
    let presented = auth.strip_prefix("Bearer ").unwrap_or("").trim();
    let (a, b) = (Sha256::digest(presented.as_bytes()), Sha256::digest(expected.as_bytes()));
    if a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) != 0 {
        return Err(ApiError::AdminUnauthorized);
    }
    Ok(())
}

/// The database, once the request carries the admin token.
fn authorize(req: &Request, ctx: &RouteContext<()>) -> Result<D1Database, ApiError> {
    check_admin_token(req, &Config::from_env(&ctx.env))?;
    store::db(&ctx.env)
}

fn site_param(ctx: &RouteContext<()>) -> Result<String, ApiError> {
    Ok(validate_site_key(ctx.param("site").ok_or(ApiError::NotFound)?)?.to_string())
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
    let b: SiteBody = BODY.read(&mut req).await?;
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
    sites::upsert(&db, &key, name, &origins).await?;
    config_view(&db, &key).await
}

async fn get_site_inner(req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let db = authorize(&req, ctx)?;
    config_view(&db, &site_param(ctx)?).await
}

/// The site's configuration as the admin API shows it.
async fn config_view(db: &D1Database, key: &str) -> Result<Response, ApiError> {
    let site = sites::existing(db, key).await?;
    let destinations: Vec<Destination> = sites::destinations(db, key).await?.iter().map(Destination::redacted).collect();
    let t = site.thresholds();
    let d = Thresholds::default();
    let origins = site.origins();
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
    sites::existing(&db, &key).await?;
    let b: DestinationsBody = BODY.read(&mut req).await?;
    Destination::validate_all(&b.destinations, Config::from_env(&ctx.env).allow_http_destinations)?;
    sites::replace_destinations(&db, &key, &b.destinations).await?;
    config_view(&db, &key).await
}

async fn put_faq_inner(mut req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let db = authorize(&req, ctx)?;
    let key = site_param(ctx)?;
    sites::existing(&db, &key).await?;
    let pack: FaqPack = BODY.read(&mut req).await?;
    pack.validate_merchant(&Taxonomy::default_taxonomy())?;
    let json = serde_json::to_string(&pack).map_err(|e| ApiError::Internal(e.to_string()))?;
    sites::set_faq_pack(&db, &key, Some(&json)).await?;
    config_view(&db, &key).await
}

async fn delete_faq_inner(req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let db = authorize(&req, ctx)?;
    let key = site_param(ctx)?;
    sites::existing(&db, &key).await?;
    sites::set_faq_pack(&db, &key, None).await?;
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
    sites::existing(&db, &key).await?;
    let b: ThresholdsBody = BODY.read(&mut req).await?;
    // Below 0.5 a resolve would auto-close complaints on a weak match; docs/BENCHMARKS.md has the
    // measured trade-off.
    let ok = |v: Option<f32>| v.is_none_or(|x| (0.5..=1.0).contains(&x));
    if !ok(b.resolve) || !ok(b.acknowledge) {
        return Err(ApiError::InvalidConfig("thresholds must be between 0.5 and 1.0, or null for the measured default"));
    }
    sites::set_thresholds(&db, &key, b.resolve, b.acknowledge).await?;
    config_view(&db, &key).await
}

async fn deliveries_inner(req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let db = authorize(&req, ctx)?;
    let id = http::uuid_param(ctx, "id")?;
    let row = complaints::by_id(&db, id).await?.ok_or(ApiError::NotFound)?;
    let attempts = deliveries::attempts(&db, id).await?;
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

async fn deliveries_by_state_inner(req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let db = authorize(&req, ctx)?;
    let q: StateQuery = http::query(&req)?;
    let state = match q.state.as_deref() {
        None => DeliveryState::DeadLetter,
        Some(s) => DeliveryState::parse(s).ok_or(ApiError::InvalidConfig("state must be one of queued, delivered, no_destination, dead_letter, none"))?,
    };
    let site = q.site.as_deref().map(validate_site_key).transpose()?;
    let tickets = deliveries::tickets_in(&db, state, site, 100).await?;
    Ok(Response::from_json(&serde_json::json!({ "state": state, "tickets": tickets }))?)
}
