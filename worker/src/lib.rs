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
mod analytics;
mod assign;
mod auth;
mod canned;
mod complaints;
mod config;
mod crypto;
mod customer;
mod error;
mod faq;
mod forward;
mod frame;
mod http;
mod limits;
mod seal;
mod notices;
mod notifications;
mod policies;
mod routing;
mod sla;
mod spikes;
mod staff;
mod store;
mod tickets;
mod token;

pub use error::ApiError;

/// Methods and headers a browser may use cross-origin on `/v1/*`.
const ALLOW_METHODS: &str = "GET, POST, PUT, DELETE, OPTIONS";
const ALLOW_HEADERS: &str = "Content-Type, Idempotency-Key, Authorization, If-Match";
const EXPOSE_HEADERS: &str = "Idempotent-Replayed, Retry-After";

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    seal::init(&env);
    if let Some(page) = console_page(&req, &env).await? {
        return Ok(page);
    }
    if let Some(page) = frame::panel(&req, &env).await? {
        return Ok(page);
    }
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

/// The console's policy: its own scripts, styles and API only; never framed.
const CONSOLE_CSP: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; connect-src 'self'; img-src 'self' data:; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The console is one page with its own router: a `GET` for a console address that is not a file
/// (a deep link such as `/console/tickets/12`, reloaded) gets `/console/index.html`, with the
/// console's CSP. Missing `app/` files stay 404s. Real files never reach the worker.
async fn console_page(req: &Request, env: &Env) -> Result<Option<Response>> {
    let url = req.url()?;
    let path = url.path();
    if !matches!(req.method(), Method::Get | Method::Head) || !path.starts_with("/console/") || path.starts_with("/console/app/") {
        return Ok(None);
    }
    let mut page = env.assets("ASSETS")?.fetch(format!("{}/console/", url.origin().ascii_serialization()), None).await?;
    if page.status_code() != 200 {
        return Ok(None);
    }
    let headers = Headers::new();
    headers.set("Content-Type", "text/html; charset=utf-8")?;
    headers.set("Cache-Control", "no-cache")?;
    headers.set("Content-Security-Policy", CONSOLE_CSP)?;
    headers.set("X-Content-Type-Options", "nosniff")?;
    headers.set("Referrer-Policy", "strict-origin-when-cross-origin")?;
    Ok(Some(Response::from_bytes(page.bytes().await?)?.with_headers(headers)))
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
        .post_async("/v1/auth/setup", staff::setup)
        .post_async("/v1/auth/password", staff::change_password)
        .post_async("/v1/merchants", staff::create_merchant)
        .get_async("/v1/merchants", staff::merchants)
        .post_async("/v1/invitations", staff::invite)
        .get_async("/v1/users", staff::users)
        .post_async("/v1/users/:id/deactivate", staff::deactivate)
        .post_async("/v1/users/:id/invitation", staff::reinvite)
        .post_async("/v1/teams", staff::create_team)
        .get_async("/v1/teams", staff::teams)
        .post_async("/v1/teams/:id/members", staff::add_member)
        .delete_async("/v1/teams/:id/members/:user_id", staff::remove_member)
        .get_async("/v1/analytics/overview", analytics::overview)
        .get_async("/v1/analytics/export.csv", analytics::export)
        .get_async("/v1/tickets", tickets::list)
        .get_async("/v1/tickets/counts", tickets::counts)
        .get_async("/v1/canned-replies", canned::list)
        .post_async("/v1/canned-replies", canned::create)
        .delete_async("/v1/canned-replies/:id", canned::delete)
        .post_async("/v1/tickets/bulk", tickets::bulk)
        .get_async("/v1/corrections", tickets::corrections)
        .get_async("/v1/tickets/:id", tickets::show)
        .post_async("/v1/tickets/:id/:action", tickets::act)
        .post_async("/v1/complaints", complaints::create)
        .get_async("/v1/complaints/:id", complaints::show)
        .post_async("/v1/complaints/:id/reopen", complaints::reopen)
        .post_async("/v1/complaints/:id/urge", complaints::urge)
        .post_async("/v1/complaints/status", customer::status)
        .post_async("/v1/complaints/:id/messages", customer::message)
        .post_async("/v1/complaints/:id/solved", customer::solved)
        .post_async("/v1/complaints/:id/rating", customer::rating)
        .get_async("/v1/faq", faq::pack)
        .post_async("/v1/events", faq::event)
        .get_async("/v1/notifications", notifications::list)
        .post_async("/v1/notifications/read", notifications::read)
        .get_async("/v1/routing-rules/:scope", routing::list)
        .put_async("/v1/routing-rules/:scope", routing::put)
        .post_async("/v1/routing-rules/preview", routing::preview)
        .get_async("/v1/auth/channel", staff::my_channel)
        .put_async("/v1/auth/channel", staff::set_my_channel)
        .put_async("/v1/teams/:id/channel", staff::set_team_channel)
        .get_async("/v1/auth/availability", staff::availability)
        .put_async("/v1/auth/availability", staff::set_availability)
        .get_async("/v1/sla-policies/:scope", policies::get)
        .put_async("/v1/sla-policies/:scope", policies::put)
        .get_async("/v1/sites", admin::list_sites)
        .put_async("/v1/admin/sites/:site", admin::put_site)
        .get_async("/v1/admin/sites/:site", admin::get_site)
        .put_async("/v1/admin/sites/:site/destinations", admin::put_destinations)
        .put_async("/v1/admin/sites/:site/faq", admin::put_faq)
        .delete_async("/v1/admin/sites/:site/faq", admin::delete_faq)
        .put_async("/v1/admin/sites/:site/thresholds", admin::put_thresholds)
        .get_async("/v1/admin/complaints/:id/deliveries", admin::deliveries)
        .get_async("/v1/admin/deliveries", admin::deliveries_by_state)
        .post_async("/v1/admin/complaints/:id/redrive", admin::redrive_ticket)
        .post_async("/v1/admin/sites/:site/redrive", admin::redrive_site)
        .get_async("/__dev/scheduled", dev_scheduled)
        .or_else_any_method("/*path", |_, _| ApiError::NotFound.into_response())
}

/// Forwarding jobs and dead letters (see [`forward`]).
#[event(queue)]
async fn queue(batch: MessageBatch<forward::ForwardJob>, env: Env, _ctx: Context) -> Result<()> {
    seal::init(&env);
    forward::consume(batch, env).await
}

/// The cron sweeps, every minute: re-queue forwarding that lost its queue message; hand tickets
/// whose merchant window passed to the platform and record SLA warnings and breaches ("now" is the
/// event's scheduled time).
#[event(scheduled)]
async fn scheduled(event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    seal::init(&env);
    let _ = sweeps(&env, event.schedule()).await;
}

/// What [`scheduled`] does at `now_ms`, logged, and what the SLA sweep did. The run keeps within
/// `D1_QUERY_BUDGET` statements (counted from here).
async fn sweeps(env: &Env, now_ms: f64) -> std::result::Result<sla::Swept, ApiError> {
    store::statements();
    match forward::sweep(env, now_ms).await {
        Ok(0) => {}
        Ok(n) => console_log!("sweep: re-queued {n} stuck deliveries"),
        Err(e) => console_error!("sweep failed: {e}"),
    }
    let budget = config::Config::from_env(env).d1_query_budget;
    let swept = match store::db(env) {
        Ok(db) => {
            let swept = sla::sweep(&db, now_ms, budget).await;
            let now = qingting_shared::workflow::calendar::Calendar::format_instant(qingting_shared::workflow::calendar::Calendar::instant_from_millis(
                now_ms as i64,
            ));
            let assigned = match assign::sweep(&db, &now, budget).await {
                Ok(n) => n,
                Err(e) => {
                    console_error!("assignment sweep failed: {e}");
                    0
                }
            };
            let noticed = match notices::sweep(&db, env, qingting_shared::workflow::calendar::Calendar::instant_from_millis(now_ms as i64), budget).await {
                Ok(n) => n,
                Err(e) => {
                    console_error!("notice sweep failed: {e}");
                    0
                }
            };
            // Spike alerts (every five minutes: the run claims its slot).
            match spikes::sweep(&db, env, qingting_shared::workflow::calendar::Calendar::instant_from_millis(now_ms as i64)).await {
                Ok(0) => {}
                Ok(n) => console_log!("spikes: {n} new alerts"),
                Err(e) => console_error!("spike sweep failed: {e}"),
            }
            swept.map(|s| sla::Swept { assigned, noticed, ..s })
        }
        Err(e) => Err(e),
    };
    match &swept {
        Ok(sla::Swept { escalated: 0, warnings: 0, breaches: 0, assigned: 0, noticed: 0 }) => {}
        Ok(s) => console_log!(
            "sla: {} handed to the platform, {} warnings, {} breaches; {} waiting tickets assigned",
            s.escalated,
            s.warnings,
            s.breaches,
            s.assigned
        ),
        Err(e) => console_error!("sla sweep failed: {e}"),
    }
    swept
}

/// `GET /__dev/scheduled?time=<ms>`: the cron's sweeps as if it were `time`, for tests and local
/// development that move the clock (wrangler's `/__scheduled` always runs at the real time). Only
/// with `DEV_CLOCK = "1"`, which only the dev server sets; otherwise a 404 like any unknown path.
async fn dev_scheduled(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    if !config::Config::from_env(&ctx.env).dev_clock {
        return ApiError::NotFound.into_response();
    }
    let url = req.url()?;
    let time = url.query_pairs().find(|(k, _)| k == "time").and_then(|(_, v)| v.parse::<f64>().ok());
    let Some(time) = time.filter(|t| t.is_finite() && *t > 0.0) else {
        return ApiError::InvalidQuery("time must be milliseconds since 1970".into()).into_response();
    };
    match sweeps(&ctx.env, time).await {
        // `statements`: D1 queries this run sent (the free plan allows 50 per invocation).
        Ok(s) => Response::from_json(&serde_json::json!({
            "escalated": s.escalated, "warnings": s.warnings, "breaches": s.breaches, "assigned": s.assigned, "noticed": s.noticed, "statements": store::statements(),
        })),
        Err(e) => e.into_response(),
    }
}

/// The API is public and uses no cookies, so any origin may read its answers; *which* origins may
/// submit for a site is checked per site in the handler. Echoing the origin (instead of `*`) keeps
/// caches honest with `Vary: Origin`.
/// Every API answer: CORS for the calling page (if any), `Vary: Origin` always (an answer
/// cached for one origin — or for none — must not be served to another), and `nosniff`.
fn with_cors(mut response: Response, origin: Option<&str>) -> Result<Response> {
    let h = response.headers_mut();
    if let Some(origin) = origin {
        h.set("Access-Control-Allow-Origin", origin)?;
        h.set("Access-Control-Allow-Methods", ALLOW_METHODS)?;
        h.set("Access-Control-Allow-Headers", ALLOW_HEADERS)?;
        h.set("Access-Control-Expose-Headers", EXPOSE_HEADERS)?;
        h.set("Access-Control-Max-Age", "600")?;
    }
    if !h.get("Vary")?.is_some_and(|v| v.split(',').any(|p| p.trim().eq_ignore_ascii_case("origin"))) {
        h.append("Vary", "Origin")?;
    }
    h.set("X-Content-Type-Options", "nosniff")?;
    Ok(response)
}
