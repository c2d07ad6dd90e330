//! The signed-in person's notifications: `GET /v1/notifications?unread=1&limit=N` (newest first,
//! with the unread count the console's badge shows) and `POST /v1/notifications/read {ids?}`
//! (those, or all). Written by the changes they report (`store::notifications`).

use serde::Deserialize;
use serde_json::json;
use worker::{Request, Response, RouteContext};

use crate::auth;
use crate::config::Config;
use crate::error::ApiError;
use crate::http::{self, JsonBody};
use crate::store::{self, notifications};

const BODY: JsonBody = JsonBody::json(8 * 1024);

handler!(list, list_inner);
handler!(read, read_inner);

#[derive(Deserialize, Default)]
struct Query {
    unread: Option<String>,
    limit: Option<u32>,
}

async fn list_inner(req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let db = store::db(&ctx.env)?;
    let staff = auth::staff(&req, &db, &Config::from_env(&ctx.env)).await?;
    let q: Query = http::query(&req)?;
    let unread_only = matches!(q.unread.as_deref(), Some("1" | "true"));
    let (rows, unread) = notifications::list(&db, &staff.user.id, unread_only, q.limit.unwrap_or(50).clamp(1, 100)).await?;
    Ok(Response::from_json(&json!({ "notifications": rows, "unread": unread }))?)
}

#[derive(Deserialize)]
struct ReadBody {
    ids: Option<Vec<u64>>,
}

async fn read_inner(mut req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    auth::same_origin(&req)?;
    let db = store::db(&ctx.env)?;
    let staff = auth::staff(&req, &db, &Config::from_env(&ctx.env)).await?;
    let body: ReadBody = BODY.read(&mut req).await?;
    if body.ids.as_ref().is_some_and(|ids| ids.len() > 100) {
        return Err(ApiError::InvalidConfig("at most 100 ids at once"));
    }
    let now: String = js_sys::Date::new_0().to_iso_string().into();
    notifications::mark_read(&db, &staff.user.id, body.ids.as_deref(), &now).await?;
    let (_, unread) = notifications::list(&db, &staff.user.id, true, 1).await?;
    Ok(Response::from_json(&json!({ "unread": unread }))?)
}
