//! SLA policies and calendars as staff edit them: `GET`/`PUT /v1/sla-policies/:scope`, where
//! `:scope` is `platform` (the default every merchant without its own falls back to) or a
//! merchant's id. Platform admins edit every policy, a merchant's admins their own; whoever sees a
//! scope may read its policy. Saving never moves a running clock: tickets keep the targets copied
//! when their clocks started.

use qingting_shared::accounts::Scope;
use qingting_shared::accounts::access;
use qingting_shared::workflow::calendar::Calendar;
use serde_json::json;
use worker::{Request, Response, RouteContext};

use crate::auth;
use crate::config::Config;
use crate::error::ApiError;
use crate::http::JsonBody;
use crate::store::sla::{self, Terms};
use crate::store::{self};

const BODY: JsonBody = JsonBody::json(16 * 1024);

handler!(get, get_inner);
handler!(put, put_inner);

/// The scope in the path and its key in `sla_policies` (`''` for the platform).
pub(crate) fn scope_of(ctx: &RouteContext<()>) -> Result<(Scope, String), ApiError> {
    let s = ctx.param("scope").ok_or(ApiError::NotFound)?;
    if s == "platform" {
        Ok((Scope::Platform, String::new()))
    } else if uuid::Uuid::try_parse(s).is_ok() {
        Ok((Scope::Merchant(s.clone()), s.clone()))
    } else {
        Err(ApiError::NotFound)
    }
}

async fn get_inner(req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let db = store::db(&ctx.env)?;
    let staff = auth::staff(&req, &db, &Config::from_env(&ctx.env)).await?;
    let (scope, key) = scope_of(ctx)?;
    if access::manage_scope(&staff.memberships, &scope) == access::Access::Hidden {
        return Err(ApiError::NotFound);
    }
    answer(&db, &key, access::manage_scope(&staff.memberships, &scope) == access::Access::Allowed).await
}

async fn answer(db: &worker::D1Database, key: &str, editable: bool) -> Result<Response, ApiError> {
    let (terms, updated_at, inherited) = match sla::saved(db, key).await? {
        Some((t, at)) => (t, Some(at), false),
        None => (sla::terms_for_merchant(db, key).await?, None, true),
    };
    Ok(Response::from_json(&json!({
        "policy": terms.policy,
        "calendar": terms.calendar,
        "updated_at": updated_at,
        // Not saved for this scope: what applies (the platform's, or the built-in defaults).
        "inherited": inherited,
        "editable": editable,
    }))?)
}

async fn put_inner(mut req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    auth::same_origin(&req)?;
    let db = store::db(&ctx.env)?;
    let staff = auth::staff(&req, &db, &Config::from_env(&ctx.env)).await?;
    let (scope, key) = scope_of(ctx)?;
    ApiError::check(access::manage_scope(&staff.memberships, &scope))?;
    if let Scope::Merchant(id) = &scope
        && !store::staff::merchant_exists(&db, id).await?
    {
        return Err(ApiError::NotFound);
    }
    let terms: Terms = BODY.read(&mut req).await?;
    terms.policy.validate()?;
    let now = js_sys::Date::new_0();
    // A calendar that is never open would never let a clock run out.
    terms.calendar.add(Calendar::instant_from_millis(now.get_time() as i64), 60, &[])?;
    let now: String = now.to_iso_string().into();
    sla::save(&db, &key, &terms, &staff.user.id, &now).await?;
    answer(&db, &key, true).await
}
