//! `GET /v1/faq` (the compiled pack for a site and language, for the widget to match locally)
//! and `POST /v1/events` (a customer said an answer solved their problem).

use std::borrow::Cow;
use std::cell::RefCell;
use std::hash::{Hash, Hasher};
use std::rc::Rc;
use std::sync::OnceLock;

use qingting_shared::faq::{DEFAULT_PACK, FaqIndex, FaqPack, compiled};
use qingting_shared::intake::submission::validate_site_key;
use qingting_shared::{Classifier, Lang, ValidationError};
use serde::Deserialize;
use worker::{Request, Response, Result, RouteContext};

use crate::error::ApiError;
use crate::http::{self, JsonBody};
use crate::store::sites::{self, Site};
use crate::store::{self, faq_events};

/// The default pack, parsed once per isolate.
fn default_pack() -> Result<&'static FaqPack, ApiError> {
    static PACK: OnceLock<Option<FaqPack>> = OnceLock::new();
    PACK.get_or_init(|| compiled::read(DEFAULT_PACK).ok()).as_ref().ok_or(ApiError::Misconfigured("the default FAQ pack does not parse"))
}

/// The pack a site answers with: the default, or the default with the merchant's pack laid over.
pub fn site_pack(site: &Site) -> Result<Cow<'static, FaqPack>, ApiError> {
    let default = default_pack()?;
    Ok(match site.merchant_pack()? {
        None => Cow::Borrowed(default),
        Some(own) => Cow::Owned(default.overlay(&own)),
    })
}

/// How many merchant indexes an isolate keeps (least recently used goes first).
const CACHED_MERCHANT_INDEXES: usize = 32;

thread_local! {
    /// Merchant indexes by site, with a hash of the stored pack they were built from. Building
    /// one costs about 5 ms natively (`cargo bench -p qingting-shared -- faq`), too much for every
    /// request; an isolate is single-threaded, and a changed pack has another hash.
    static MERCHANT_INDEXES: RefCell<Vec<(String, u64, Rc<FaqIndex>)>> = const { RefCell::new(Vec::new()) };
    static DEFAULT_INDEX: RefCell<Option<Rc<FaqIndex>>> = const { RefCell::new(None) };
}

fn pack_hash(json: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    json.hash(&mut h);
    h.finish()
}

/// The searchable index for a site: the default one is built once per isolate; a merchant's once
/// per isolate and pack version (see [`MERCHANT_INDEXES`]).
pub fn site_index(site: &Site) -> Result<Rc<FaqIndex>, ApiError> {
    let segmenter = Classifier::builtin().segmenter();
    let Some(json) = site.faq_pack.as_deref() else {
        let default = default_pack()?;
        return Ok(DEFAULT_INDEX.with_borrow_mut(|slot| slot.get_or_insert_with(|| Rc::new(FaqIndex::build(default.clone(), segmenter))).clone()));
    };
    let hash = pack_hash(json);
    let cached = MERCHANT_INDEXES.with_borrow_mut(|cache| {
        let at = cache.iter().position(|(key, h, _)| *key == site.key && *h == hash)?;
        let entry = cache.remove(at);
        let index = entry.2.clone();
        cache.push(entry);
        Some(index)
    });
    if let Some(index) = cached {
        return Ok(index);
    }
    let Cow::Owned(pack) = site_pack(site)? else {
        return Err(ApiError::Internal("a merchant pack without an overlay".into()));
    };
    let index = Rc::new(FaqIndex::build(pack, segmenter));
    MERCHANT_INDEXES.with_borrow_mut(|cache| {
        cache.retain(|(key, _, _)| *key != site.key);
        if cache.len() >= CACHED_MERCHANT_INDEXES {
            cache.remove(0);
        }
        cache.push((site.key.clone(), hash, index.clone()));
    });
    Ok(index)
}

handler!(pack, pack_inner);
handler!(event, event_inner);

#[derive(Deserialize)]
struct PackQuery {
    site: Option<String>,
    lang: Option<String>,
}

async fn pack_inner(req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let q: PackQuery = http::query(&req)?;
    let site = validate_site_key(q.site.as_deref().ok_or(ValidationError::MissingField("site"))?)?.to_string();
    let lang = match q.lang.as_deref() {
        None => Lang::default(),
        Some(tag) => Lang::from_tag(tag).ok_or_else(|| qingting_shared::ValidationError::InvalidLang(tag.chars().take(16).collect()))?,
    };
    let db = store::db(&ctx.env)?;
    let site = sites::existing(&db, &site).await?;
    // The default pack is compiled once per language and isolate; a merchant's overlay per request.
    static COMPILED: [OnceLock<String>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let slot = Lang::ALL.iter().position(|l| *l == lang).unwrap_or(0);
    let body = match site_pack(&site)? {
        Cow::Borrowed(pack) => COMPILED[slot].get_or_init(|| compiled::write(pack, Some(lang))).clone(),
        Cow::Owned(pack) => compiled::write(&pack, Some(lang)),
    };
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

/// An event is three short ids. The content type is not required: `navigator.sendBeacon` and
/// simple CORS requests may send these without a preflight.
const EVENT_BODY: JsonBody = JsonBody { max_bytes: 4096, require_content_type: false };

async fn event_inner(mut req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let e: EventBody = EVENT_BODY.read(&mut req).await?;
    let site = validate_site_key(e.site.as_deref().ok_or(ValidationError::MissingField("site"))?)?.to_string();
    let event = e.event.ok_or(ValidationError::MissingField("event"))?;
    if event != "deflected" {
        return Err(ApiError::UnknownEvent);
    }
    let faq_id = e.faq_id.ok_or(ValidationError::MissingField("faq_id"))?;
    crate::limits::check(&ctx.env, &req, &site, crate::limits::Counted::Event).await?;
    let db = store::db(&ctx.env)?;
    let site = sites::existing(&db, &site).await?;
    site.check_origin(http::origin(&req)?.as_deref(), &http::own_origin(&req)?)?;
    if !site_pack(&site)?.entries.iter().any(|x| x.id == faq_id && !x.disabled) {
        return Err(ApiError::UnknownFaq);
    }
    let day: String = js_sys::Date::new_0().to_iso_string().as_string().unwrap_or_default().chars().take(10).collect();
    faq_events::count(&db, &site.key, &faq_id, &event, &day).await?;
    Ok(Response::from_json(&serde_json::json!({ "ok": true }))?.with_status(202))
}
