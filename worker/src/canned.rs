//! Canned replies: `GET /v1/canned-replies` (the platform's and the caller's merchants'),
//! `POST /v1/canned-replies {merchant?, title, text}` and `DELETE /v1/canned-replies/:id`, by an
//! admin of the reply's scope.

use qingting_shared::accounts::access::manage_scope;
use qingting_shared::accounts::membership::{Scope, visibility};
use serde::Deserialize;
use serde_json::json;
use worker::{Request, Response, Result, RouteContext};

use crate::auth;
use crate::config::Config;
use crate::error::ApiError;
use crate::http::{self, JsonBody};
use crate::store::{self, canned};

const BODY: JsonBody = JsonBody::json(16 * 1024);

handler!(list, list_inner);
handler!(create, create_inner);
handler!(delete, delete_inner);

async fn list_inner(req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let db = store::db(&ctx.env)?;
    let staff = auth::staff(&req, &db, &Config::from_env(&ctx.env)).await?;
    let replies = canned::list(&db, &visibility(&staff.memberships)).await?;
    Ok(Response::from_json(&json!({ "replies": replies }))?)
}

#[derive(Deserialize)]
struct NewReply {
    merchant: Option<String>,
    title: String,
    text: String,
}

fn scope(merchant: Option<&str>) -> Scope {
    match merchant {
        None | Some("") => Scope::Platform,
        Some(m) => Scope::Merchant(m.to_string()),
    }
}

async fn create_inner(mut req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    auth::same_origin(&req)?;
    let db = store::db(&ctx.env)?;
    let staff = auth::staff(&req, &db, &Config::from_env(&ctx.env)).await?;
    let body: NewReply = BODY.read(&mut req).await?;
    ApiError::check(manage_scope(&staff.memberships, &scope(body.merchant.as_deref())))?;
    let (title, text) = (body.title.trim(), body.text.trim());
    if !(1..=60).contains(&title.chars().count()) || !(1..=2000).contains(&text.chars().count()) {
        return Err(ApiError::InvalidConfig("a canned reply has a title of 1–60 and a text of 1–2000 characters"));
    }
    let reply = canned::CannedReply {
        id: uuid::Uuid::new_v4().to_string(),
        merchant: body.merchant.filter(|m| !m.is_empty()),
        title: title.to_string(),
        text: text.to_string(),
    };
    let now: String = js_sys::Date::new_0().to_iso_string().into();
    canned::insert(&db, &reply, &staff.user.id, &now).await?;
    Ok(Response::from_json(&json!({ "reply": reply }))?.with_status(201))
}

async fn delete_inner(req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    auth::same_origin(&req)?;
    let db = store::db(&ctx.env)?;
    let staff = auth::staff(&req, &db, &Config::from_env(&ctx.env)).await?;
    let id = http::uuid_param(ctx, "id")?;
    let merchant = canned::scope_of(&db, id).await?.ok_or(ApiError::NotFound)?;
    ApiError::check(manage_scope(&staff.memberships, &scope(Some(&merchant))))?;
    canned::delete(&db, id).await?;
    Ok(Response::from_json(&json!({ "ok": true }))?)
}
