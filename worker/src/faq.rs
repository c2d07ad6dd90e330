//! `GET /v1/faq` (the compiled pack for a site and language, for the widget to match locally)
//! and `POST /v1/events` (a customer said an answer solved their problem).

use std::sync::OnceLock;

use qingting_shared::Lang;
use qingting_shared::complaint::validate_site_key;
use qingting_shared::faq::{DEFAULT_PACK, FaqPack, compiled};
use serde::Deserialize;
use worker::{Request, Response, Result, RouteContext};

use crate::error::ApiError;
use crate::store;

/// The default pack, parsed once per isolate.
fn default_pack() -> Result<&'static FaqPack, ApiError> {
    static PACK: OnceLock<Option<FaqPack>> = OnceLock::new();
    PACK.get_or_init(|| compiled::read(DEFAULT_PACK).ok()).as_ref().ok_or(ApiError::Misconfigured("the default FAQ pack does not parse"))
}

pub async fn pack(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    match pack_inner(&req, &ctx).await {
        Ok(r) => Ok(r),
        Err(e) => e.into_response(),
    }
}

pub async fn event(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    match event_inner(req, &ctx).await {
        Ok(r) => Ok(r),
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize)]
struct PackQuery {
    site: Option<String>,
    lang: Option<String>,
}

async fn pack_inner(req: &Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let q: PackQuery = req.query().map_err(|e| ApiError::InvalidJson(e.to_string()))?;
    let site = validate_site_key(q.site.as_deref().ok_or(qingting_shared::ValidationError::MissingField("site"))?)?.to_string();
    let lang = match q.lang.as_deref() {
        None => Lang::default(),
        Some(tag) => Lang::from_tag(tag).ok_or_else(|| qingting_shared::ValidationError::InvalidLang(tag.chars().take(16).collect()))?,
    };
    let db = ctx.env.d1("DB").map_err(|_| ApiError::Misconfigured("no D1 binding named DB"))?;
    store::site(&db, &site).await?.ok_or(ApiError::UnknownSite)?;
    // Merchant packs (overlays) come with the merchant dashboard; every site gets the default now,
    // compiled once per language and isolate.
    static COMPILED: [OnceLock<String>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let slot = Lang::ALL.iter().position(|l| *l == lang).unwrap_or(0);
    let pack = default_pack()?;
    let body = COMPILED[slot].get_or_init(|| compiled::write(pack, Some(lang))).clone();
    let response = Response::ok(body)?;
    response.headers().set("Content-Type", "text/plain; charset=utf-8")?;
    response.headers().set("Cache-Control", "public, max-age=300")?;
    Ok(response)
}

#[derive(Deserialize)]
struct EventBody {
    site: Option<String>,
    event: Option<String>,
    faq_id: Option<String>,
}

async fn event_inner(mut req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let body = req.bytes().await?;
    if body.len() > 4096 {
        return Err(ApiError::PayloadTooLarge(4096));
    }
    let body = std::str::from_utf8(&body).map_err(|_| ApiError::InvalidUtf8)?;
    let e: EventBody = serde_json::from_str(body).map_err(|e| ApiError::InvalidJson(e.to_string()))?;
    let site = validate_site_key(e.site.as_deref().ok_or(qingting_shared::ValidationError::MissingField("site"))?)?.to_string();
    let event = e.event.ok_or(qingting_shared::ValidationError::MissingField("event"))?;
    if event != "deflected" {
        return Err(ApiError::UnknownEvent);
    }
    let faq_id = e.faq_id.ok_or(qingting_shared::ValidationError::MissingField("faq_id"))?;
    if !default_pack()?.entries.iter().any(|x| x.id == faq_id) {
        return Err(ApiError::UnknownFaq);
    }
    let db = ctx.env.d1("DB").map_err(|_| ApiError::Misconfigured("no D1 binding named DB"))?;
    let site = store::site(&db, &site).await?.ok_or(ApiError::UnknownSite)?;
    let origin = req.headers().get("Origin")?;
    if !origin.as_deref().is_some_and(|o| site.allows_origin(o)) {
        return Err(ApiError::OriginNotAllowed);
    }
    let day: String = js_sys::Date::new_0().to_iso_string().as_string().unwrap_or_default().chars().take(10).collect();
    store::count_faq_event(&db, &site.key, &faq_id, &event, &day).await?;
    Ok(Response::from_json(&serde_json::json!({ "ok": true }))?.with_status(202))
}
