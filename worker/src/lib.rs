//! Qingting's edge worker: the complaint intake API on the Cloudflare Workers runtime.
//!
//! Thin adapter over `qingting-shared`: a [`Router`] with small handlers, D1 for storage. Static
//! files (the widget, the demo page, the landing page) are served by Workers Static Assets before
//! this code runs; everything that is not a file reaches the router.

use worker::*;

/// A route handler from an `async fn inner(Request, &RouteContext<()>) -> Result<Response, ApiError>`:
/// every error becomes its JSON answer.
macro_rules! handler {
    ($name:ident, $inner:ident) => {
        pub async fn $name(req: worker::Request, ctx: worker::RouteContext<()>) -> worker::Result<worker::Response> {
            match $inner(req, &ctx).await {
                Ok(r) => Ok(r),
                Err(e) => e.into_response(),
            }
        }
    };
}

mod admin;
mod auth;
mod complaints;
mod config;
mod crypto;
mod error;
mod faq;
mod forward;
mod http;
mod store;
mod token;

pub use error::ApiError;

/// Methods and headers a browser may use cross-origin on `/v1/*`.
const ALLOW_METHODS: &str = "GET, POST, PUT, DELETE, OPTIONS";
const ALLOW_HEADERS: &str = "Content-Type, Idempotency-Key, Authorization";
const EXPOSE_HEADERS: &str = "Idempotent-Replayed";

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let origin = req.headers().get("Origin")?;
    let response = if req.method() == Method::Options { Response::empty().map(|r| r.with_status(204)) } else { router().run(req, env).await };
    let response = match response {
        // The router answers a known path with an unknown method in plain text: keep errors JSON.
        Ok(r) if r.status_code() == 405 => {
            let r = ApiError::MethodNotAllowed.into_response()?;
            r.headers().set("Allow", ALLOW_METHODS)?;
            r
        }
        Ok(r) => r,
        Err(e) => ApiError::Internal(e.to_string()).into_response()?,
    };
    with_cors(response, origin.as_deref())
}

fn router() -> Router<'static, ()> {
    Router::new()
        .get("/v1/health", |_, _| {
            Response::from_json(
                &serde_json::json!({ "ok": true, "model_version": qingting_shared::understand::classify::Classifier::builtin().model_version() }),
            )
        })
        .post_async("/v1/auth/login", auth::login)
        .post_async("/v1/auth/logout", auth::logout)
        .get_async("/v1/auth/me", auth::me)
        .post_async("/v1/auth/bootstrap", auth::bootstrap)
        .post_async("/v1/complaints", complaints::create)
        .get_async("/v1/complaints/:id", complaints::show)
        .post_async("/v1/complaints/:id/reopen", complaints::reopen)
        .get_async("/v1/faq", faq::pack)
        .post_async("/v1/events", faq::event)
        .put_async("/v1/admin/sites/:site", admin::put_site)
        .get_async("/v1/admin/sites/:site", admin::get_site)
        .put_async("/v1/admin/sites/:site/destinations", admin::put_destinations)
        .put_async("/v1/admin/sites/:site/faq", admin::put_faq)
        .delete_async("/v1/admin/sites/:site/faq", admin::delete_faq)
        .put_async("/v1/admin/sites/:site/thresholds", admin::put_thresholds)
        .get_async("/v1/admin/complaints/:id/deliveries", admin::deliveries)
        .get_async("/v1/admin/deliveries", admin::deliveries_by_state)
        .or_else_any_method("/*path", |_, _| ApiError::NotFound.into_response())
}

/// Forwarding jobs and dead letters (see [`forward`]).
#[event(queue)]
async fn queue(batch: MessageBatch<forward::ForwardJob>, env: Env, _ctx: Context) -> Result<()> {
    forward::consume(batch, env).await
}

/// The cron sweep: re-queues forwarding that lost its queue message.
#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    match forward::sweep(&env).await {
        Ok(0) => {}
        Ok(n) => console_log!("sweep: re-queued {n} stuck deliveries"),
        Err(e) => console_error!("sweep failed: {e}"),
    }
}

/// The API is public and uses no cookies, so any origin may read its answers; *which* origins may
/// submit for a site is checked per site in the handler. Echoing the origin (instead of `*`) keeps
/// caches honest with `Vary: Origin`.
fn with_cors(mut response: Response, origin: Option<&str>) -> Result<Response> {
    if let Some(origin) = origin {
        let h = response.headers_mut();
        h.set("Access-Control-Allow-Origin", origin)?;
        h.set("Access-Control-Allow-Methods", ALLOW_METHODS)?;
        h.set("Access-Control-Allow-Headers", ALLOW_HEADERS)?;
        h.set("Access-Control-Expose-Headers", EXPOSE_HEADERS)?;
        h.set("Access-Control-Max-Age", "600")?;
        h.append("Vary", "Origin")?;
    }
    Ok(response)
}
