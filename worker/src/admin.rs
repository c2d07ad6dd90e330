//! Site configuration and the delivery log, for staff signed in (the session cookie; state changes
//! from Qingting's own origin): a site's admins are the admins of its merchant, and platform
//! admins for every site; the platform's staff read the delivery lists. `ADMIN_TOKEN` only creates
//! the first platform admin (`auth::bootstrap`).
//!
//! - `PUT  /v1/admin/sites/:site`              `{merchant_name, allowed_origins, merchant?}` (create or update)
//! - `GET  /v1/admin/sites/:site`              the configuration (secrets redacted)
//! - `GET  /v1/sites`                         the sites the caller's scopes see (key, merchant, origins)
//! - `PUT  /v1/admin/sites/:site/destinations` `{destinations: [Destination]}` (replaces all; a
//!   URL or secret sent back as shown, `********`, keeps the stored value)
//! - `PUT  /v1/admin/sites/:site/faq`          a merchant `FaqPack` (overlays the default by id)
//! - `DELETE /v1/admin/sites/:site/faq`        back to the platform default
//! - `PUT  /v1/admin/sites/:site/thresholds`   `{resolve, acknowledge}` (`null` = measured default)
//! - `GET  /v1/admin/complaints/:id/deliveries` where forwarding stands, and every attempt
//! - `GET  /v1/admin/deliveries?state=dead_letter&site=KEY` tickets by forwarding state (≤ 100)
//! - `POST /v1/admin/complaints/:id/redrive`   a dead letter (or a ticket that had no destination)
//!   forwarded again: the site's admins and the platform's; `409 action_not_allowed` otherwise
//! - `POST /v1/admin/sites/:site/redrive`      all of the site's (≤ 100 at a time): `{redriven}`
//!
//! Saving a site's destinations redrives its dead letters and tickets without destination too.

use qingting_shared::Taxonomy;
use qingting_shared::accounts::access::manage_scope;
use qingting_shared::accounts::membership::{Scope, visibility};
use qingting_shared::faq::{FaqPack, Thresholds};
use qingting_shared::forward::{DeliveryState, Destination};
use qingting_shared::intake::submission::validate_site_key;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use worker::{D1Database, Method, Request, Response, Result, RouteContext};

use crate::auth::{self, Staff};
use crate::config::Config;
use crate::error::ApiError;
use crate::http::{self, JsonBody};
use crate::forward;
use crate::store::deliveries::{RedriveTarget, RedriveWhy};
use crate::store::{self, complaints, deliveries, sites};

/// Packs are the largest bodies: 200 entries of questions and answers.
const BODY: JsonBody = JsonBody::json(512 * 1024);

handler!(list_sites, list_sites_inner);
handler!(put_site, put_site_inner);
handler!(get_site, get_site_inner);
handler!(put_destinations, put_destinations_inner);
handler!(put_faq, put_faq_inner);
handler!(delete_faq, delete_faq_inner);
handler!(put_thresholds, put_thresholds_inner);
handler!(deliveries, deliveries_inner);
handler!(deliveries_by_state, deliveries_by_state_inner);
handler!(redrive_ticket, redrive_ticket_inner);
handler!(redrive_site, redrive_site_inner);

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

/// The signed-in staff member of an admin request (state changes only from Qingting's pages).
async fn operator(req: &Request, ctx: &RouteContext<()>) -> Result<(D1Database, Staff), ApiError> {
    if req.method() != Method::Get {
        auth::same_origin(req)?;
    }
    let db = store::db(&ctx.env)?;
    let staff = auth::staff(req, &db, &Config::from_env(&ctx.env)).await?;
    Ok((db, staff))
}

/// A site's scope: its merchant, or the platform for a site of its own.
fn site_scope(merchant: Option<&str>) -> Scope {
    merchant.map_or(Scope::Platform, |m| Scope::Merchant(m.to_string()))
}

/// The site, once the caller administers it (`404` for other tenants' sites, `403` for their own
/// without the admin role).
async fn administered_site(db: &D1Database, staff: &Staff, key: &str) -> Result<sites::Site, ApiError> {
    let site = sites::get(db, key).await?;
    let scope = site_scope(site.as_ref().and_then(|s| s.merchant_id.as_deref()));
    ApiError::check(manage_scope(&staff.memberships, &scope))?;
    site.ok_or(ApiError::UnknownSite)
}

fn site_param(ctx: &RouteContext<()>) -> Result<String, ApiError> {
    Ok(validate_site_key(ctx.param("site").ok_or(ApiError::NotFound)?)?.to_string())
}

#[derive(Deserialize)]
struct SiteBody {
    merchant_name: String,
    #[serde(default)]
    allowed_origins: Vec<String>,
    /// The merchant the site belongs to (platform admins choose; a merchant's admin may only name
    /// their own). Absent on a new site: the caller's one merchant, or the platform's own site.
    #[serde(default)]
    merchant: Option<String>,
}

async fn put_site_inner(mut req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let (db, staff) = operator(&req, ctx).await?;
    let key = site_param(ctx)?;
    let b: SiteBody = BODY.read(&mut req).await?;
    let existing = sites::get(&db, &key).await?;
    // Where the site is now (if it exists) and where it will be: the caller administers both.
    let current = existing.as_ref().map(|s| s.merchant_id.clone());
    let own_merchant = || {
        let ids: Vec<&str> = staff
            .memberships
            .iter()
            .filter_map(|m| match &m.scope {
                Scope::Merchant(id) if m.role == qingting_shared::accounts::Role::Admin => Some(id.as_str()),
                _ => None,
            })
            .collect();
        (ids.len() == 1).then(|| ids[0].to_string())
    };
    let target = match (&b.merchant, &current) {
        (Some(m), _) => Some(m.clone()),
        (None, Some(now)) => now.clone(),
        (None, None) => own_merchant(),
    };
    if let Some(Some(now)) = &current {
        ApiError::check(manage_scope(&staff.memberships, &site_scope(Some(now))))?;
    } else if current.is_some() {
        ApiError::check(manage_scope(&staff.memberships, &Scope::Platform))?;
    }
    ApiError::check(manage_scope(&staff.memberships, &site_scope(target.as_deref())))?;
    if let Some(m) = &target
        && !sites::merchant_exists(&db, m).await?
    {
        return Err(ApiError::NotFound);
    }
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
    sites::upsert(&db, &key, name, &origins, target.as_deref()).await?;
    config_view(&req, &db, &key).await
}

async fn list_sites_inner(req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let (db, staff) = operator(&req, ctx).await?;
    let list = sites::list(&db, &visibility(&staff.memberships)).await?;
    let list: Vec<_> = list
        .iter()
        .map(|s| serde_json::json!({ "site": s.key, "merchant": s.merchant_id, "merchant_name": s.merchant_name, "allowed_origins": s.origins() }))
        .collect();
    let r = Response::from_json(&serde_json::json!({ "sites": list }))?;
    r.headers().set("Cache-Control", "no-store")?;
    Ok(r)
}

async fn get_site_inner(req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let (db, staff) = operator(&req, ctx).await?;
    let key = site_param(ctx)?;
    administered_site(&db, &staff, &key).await?;
    config_view(&req, &db, &key).await
}

/// The site's configuration as the admin API shows it, with the embed snippet for its pages.
async fn config_view(req: &Request, db: &D1Database, key: &str) -> Result<Response, ApiError> {
    let site = sites::existing(db, key).await?;
    let host = req.url()?.origin().ascii_serialization();
    let destinations: Vec<Destination> = sites::destinations(db, key).await?.iter().map(Destination::redacted).collect();
    let t = site.thresholds();
    let d = Thresholds::default();
    let origins = site.origins();
    let body = serde_json::json!({
        "embed_snippet": format!("<script src=\"{host}/widget/qingting.js\" data-site=\"{}\" defer></script>", site.key),
        "merchant": site.merchant_id,
        "site": site.key,
        "merchant_name": site.merchant_name,
        "allowed_origins": origins,
        "thresholds": {
            "resolve": shown(t.resolve), "acknowledge": shown(t.acknowledge),
            "defaults": { "resolve": shown(d.resolve), "acknowledge": shown(d.acknowledge) },
        },
        "faq_pack": site.merchant_pack()?,
        "destinations": destinations,
    });
    Ok(Response::from_json(&body)?)
}

/// A threshold as people wrote it: `0.9`, not the `0.8999999761581421` an `f32` becomes in JSON.
fn shown(v: f32) -> f64 {
    (f64::from(v) * 10_000.0).round() / 10_000.0
}

#[derive(Deserialize)]
struct DestinationsBody {
    destinations: Vec<Destination>,
}

async fn put_destinations_inner(mut req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let (db, staff) = operator(&req, ctx).await?;
    let key = site_param(ctx)?;
    administered_site(&db, &staff, &key).await?;
    let b: DestinationsBody = BODY.read(&mut req).await?;
    let list = Destination::keep_stored(b.destinations, &sites::destinations(&db, &key).await?)?;
    Destination::validate_all(&list, Config::from_env(&ctx.env).allow_http_destinations)?;
    sites::replace_destinations(&db, &key, &list).await?;
    // What failed or had nowhere to go may go now.
    let n = forward::redrive(&ctx.env, &db, RedriveTarget::Site(&key), RedriveWhy::DestinationsChanged, Some(&staff.user.id)).await?;
    if n > 0 {
        worker::console_log!("site {key}: destinations saved, {n} tickets forwarded again");
    }
    config_view(&req, &db, &key).await
}

/// One ticket's forwarding started over, by its site's admins (or the platform's).
async fn redrive_ticket_inner(req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let (db, staff) = operator(&req, ctx).await?;
    let id = http::uuid_param(ctx, "id")?;
    if !store::tickets::visible(&db, &visibility(&staff.memberships), id).await? {
        return Err(ApiError::NotFound);
    }
    let row = complaints::by_id(&db, id).await?.ok_or(ApiError::NotFound)?;
    administered_site(&db, &staff, &row.site_key).await?;
    if !row.delivery.can_redrive() {
        return Err(ApiError::ActionNotAllowed("only a dead letter or a ticket that had no destination can be forwarded again".into()));
    }
    forward::redrive(&ctx.env, &db, RedriveTarget::Ticket(id), RedriveWhy::ByHand, Some(&staff.user.id)).await?;
    deliveries_inner(req, ctx).await
}

/// A site's dead letters and tickets without destination, forwarded again (≤ 100 at a time).
async fn redrive_site_inner(req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let (db, staff) = operator(&req, ctx).await?;
    let key = site_param(ctx)?;
    administered_site(&db, &staff, &key).await?;
    let n = forward::redrive(&ctx.env, &db, RedriveTarget::Site(&key), RedriveWhy::ByHand, Some(&staff.user.id)).await?;
    Ok(Response::from_json(&serde_json::json!({ "site": key, "redriven": n, "limit": forward::REDRIVE_LIMIT }))?)
}

async fn put_faq_inner(mut req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let (db, staff) = operator(&req, ctx).await?;
    let key = site_param(ctx)?;
    administered_site(&db, &staff, &key).await?;
    let pack: FaqPack = BODY.read(&mut req).await?;
    pack.validate_merchant(&Taxonomy::default_taxonomy())?;
    let json = serde_json::to_string(&pack).map_err(|e| ApiError::Internal(e.to_string()))?;
    sites::set_faq_pack(&db, &key, Some(&json)).await?;
    config_view(&req, &db, &key).await
}

async fn delete_faq_inner(req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let (db, staff) = operator(&req, ctx).await?;
    let key = site_param(ctx)?;
    administered_site(&db, &staff, &key).await?;
    sites::set_faq_pack(&db, &key, None).await?;
    config_view(&req, &db, &key).await
}

#[derive(Deserialize)]
struct ThresholdsBody {
    resolve: Option<f32>,
    acknowledge: Option<f32>,
}

async fn put_thresholds_inner(mut req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let (db, staff) = operator(&req, ctx).await?;
    let key = site_param(ctx)?;
    administered_site(&db, &staff, &key).await?;
    let b: ThresholdsBody = BODY.read(&mut req).await?;
    // Below 0.5 a resolve would auto-close complaints on a weak match; docs/BENCHMARKS.md has the
    // measured trade-off.
    let ok = |v: Option<f32>| v.is_none_or(|x| (0.5..=1.0).contains(&x));
    if !ok(b.resolve) || !ok(b.acknowledge) {
        return Err(ApiError::InvalidConfig("thresholds must be between 0.5 and 1.0, or null for the measured default"));
    }
    sites::set_thresholds(&db, &key, b.resolve, b.acknowledge).await?;
    config_view(&req, &db, &key).await
}

async fn deliveries_inner(req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let (db, staff) = operator(&req, ctx).await?;
    let id = http::uuid_param(ctx, "id")?;
    if !store::tickets::visible(&db, &visibility(&staff.memberships), id).await? {
        return Err(ApiError::NotFound);
    }
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

/// The platform's staff only (every merchant's tickets are in these lists).
async fn deliveries_by_state_inner(req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let (db, staff) = operator(&req, ctx).await?;
    if !staff.memberships.iter().any(|m| m.scope == Scope::Platform) {
        return Err(ApiError::Forbidden);
    }
    let q: StateQuery = http::query(&req)?;
    let state = match q.state.as_deref() {
        None => DeliveryState::DeadLetter,
        Some(s) => DeliveryState::parse(s).ok_or(ApiError::InvalidConfig("state must be one of queued, delivered, no_destination, dead_letter, none"))?,
    };
    let site = q.site.as_deref().map(validate_site_key).transpose()?;
    let tickets = deliveries::tickets_in(&db, state, site, 100).await?;
    Ok(Response::from_json(&serde_json::json!({ "state": state, "tickets": tickets }))?)
}
