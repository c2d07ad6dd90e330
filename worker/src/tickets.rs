//! The staff's ticket API: `GET /v1/tickets` (the inbox: views, filters, search, cursor paging),
//! `GET /v1/tickets/:id` (the ticket, its conversation and timeline) and
//! `POST /v1/tickets/:id/:action` with `If-Match: <version>` (every action of
//! `qingting_shared::workflow::Action`).
//!
//! Tenancy: every query carries the caller's visibility (`accounts::membership::visibility`);
//! a ticket outside it answers `404`, exactly like one that does not exist.

use qingting_shared::Classifier;
use qingting_shared::accounts::membership::{Scope, visibility};
use qingting_shared::api::ReplyAuthor;
use qingting_shared::workflow::{Action, ActionError, Actor, TicketState, apply};
use serde_json::{Value, json};
use worker::{D1Database, Request, Response, Result, RouteContext};

use crate::auth::{self, Staff};
use crate::config::Config;
use crate::error::ApiError;
use crate::http::{self, JsonBody};
use crate::store::complaints::{self, ComplaintRow};
use crate::store::{self, tickets};

const BODY: JsonBody = JsonBody::json(32 * 1024);

handler!(list, list_inner);
handler!(show, show_inner);
handler!(act, act_inner);
handler!(corrections, corrections_inner);
handler!(bulk, bulk_inner);
handler!(counts, counts_inner);

/// `GET /v1/corrections`: corrected tickets as JSON lines in the shape `qingting train
/// --categories` and `qingting eval --categories` read (`{"id","text","complaint","categories",
/// "primary"}`), plus `priority`, `corrected_by`, `corrected_at`, `reason`, `from`. The text is
/// the masked text. At most 10,000 lines, most recent first.
async fn corrections_inner(req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let (db, staff) = signed_in(&req, ctx).await?;
    let rows = tickets::corrections(&db, &visibility(&staff.memberships), 10_000).await?;
    let mut out = String::new();
    for r in rows {
        let payload: Value = serde_json::from_str(&r.payload).unwrap_or(Value::Null);
        let line = json!({
            "id": r.id,
            "text": r.text,
            "complaint": true,
            "categories": r.category.iter().collect::<Vec<_>>(),
            "primary": r.category,
            "priority": r.priority,
            "corrected_by": r.corrected_by,
            "corrected_at": r.corrected_at,
            "reason": payload["reason"],
            "from": {"category": payload["category"]["from"], "priority": payload["priority"]["from"]},
        });
        out.push_str(&line.to_string());
        out.push('\n');
    }
    let response = Response::ok(out)?;
    response.headers().set("Content-Type", "application/x-ndjson; charset=utf-8")?;
    response.headers().set("Content-Disposition", "attachment; filename=\"qingting-corrections.jsonl\"")?;
    response.headers().set("Cache-Control", "no-store")?;
    Ok(response)
}

pub(crate) async fn signed_in(req: &Request, ctx: &RouteContext<()>) -> Result<(D1Database, Staff), ApiError> {
    let db = store::db(&ctx.env)?;
    let staff = auth::staff(req, &db, &Config::from_env(&ctx.env)).await?;
    Ok((db, staff))
}

async fn list_inner(req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let (db, staff) = signed_in(&req, ctx).await?;
    let filters: tickets::Filters = http::query(&req)?;
    let (rows, next) = tickets::list(&db, &visibility(&staff.memberships), &staff.user.id, &filters).await?;
    Ok(Response::from_json(&json!({ "tickets": rows, "next_cursor": next }))?)
}

/// The ticket as staff see it: fields, the complaint (masked), classification, conversation and
/// timeline.
async fn detail(db: &D1Database, row: ComplaintRow) -> Result<Value, ApiError> {
    let messages = tickets::messages(db, &row.id).await?;
    let events = tickets::events(db, &row.id).await?;
    let followers = tickets::followers(db, &row.id).await?;
    let categories: Value = serde_json::from_str(&row.categories).unwrap_or(Value::Array(vec![]));
    // The words that drove the classification, from the stored (masked) text: the same model and
    // code as at intake, so they are what the widget showed the customer.
    let top_tokens = Classifier::builtin().classify(&row.text).top_tokens;
    // The customer's rating, and the ticket this one is linked to (an alert's original).
    let survey = crate::store::customer::survey(db, &row.id).await?;
    let linked = match &row.linked_id {
        Some(l) => complaints::by_id(db, l).await?.map(|o| json!({"id": o.id, "ticket_no": o.ticket_no})),
        None => None,
    };
    Ok(json!({
        "kind": row.kind,
        "linked": linked,
        "confirmed_at": row.confirmed_at,
        "csat": survey.map(|s| json!({"score": s.score.map(|v| v as u8), "reason": s.reason, "comment": s.comment, "credited": s.credited_id, "alert": s.alert_id})),
        "id": row.id,
        "ticket_no": row.ticket_no,
        "status": row.status,
        "holder": row.holder,
        "priority": row.priority,
        "category": row.category,
        "categories": categories,
        "top_tokens": top_tokens,
        "complaint": row.complaint != 0,
        "site": row.site_key,
        "channel": "widget",
        "team": row.team_id,
        "assignee": row.assignee_id,
        "version": row.version as u64,
        "merged_into": row.merged_into,
        "followers": followers,
        "text": row.text,
        "order_id": row.order_id,
        "lang": row.lang,
        "model_version": row.model_version,
        "created_at": row.created_at,
        "delivery": row.delivery,
        "sla": row.sla.view(),
        "messages": messages,
        "events": events,
    }))
}

/// What a change sets off, after it is written: routing rules that read a field it changed, and
/// assignment where it freed someone's capacity or left a ticket waiting in a team. These are
/// changes of their own (each recorded); one failing is logged and never undoes the person's.
async fn follow_up(db: &D1Database, id: &str, before: &TicketState, after: &TicketState, now: &str) {
    use qingting_shared::workflow::routing::{Field, Trigger};
    let mut changed = Vec::new();
    if before.category != after.category {
        changed.push(Field::Category);
    }
    if before.priority != after.priority {
        changed.push(Field::Priority);
    }
    if !changed.is_empty()
        && let Err(e) = crate::routing::route(db, id, Trigger::Updated { changed }, now).await
    {
        worker::console_error!("routing {id}: {e}");
    }
    let runs = |s: qingting_shared::TicketStatus| matches!(s, qingting_shared::TicketStatus::New | qingting_shared::TicketStatus::Open);
    // Someone's load dropped: their teams' queues move.
    if let Some(user) = &before.assignee
        && runs(before.status)
        && (!runs(after.status) || after.assignee.as_ref() != Some(user))
        && let Err(e) = crate::assign::fill_teams_of(db, user, now).await
    {
        worker::console_error!("assignment after {id}: {e}");
    }
    // A ticket left waiting in a team (transferred without a person).
    if let Some(team) = &after.team
        && after.assignee.is_none()
        && runs(after.status)
        && let Err(e) = crate::assign::fill_team(db, team, now).await
    {
        worker::console_error!("assignment of {id}: {e}");
    }
}

/// The ticket `id` if the caller may see it; otherwise `404`, as if it did not exist.
async fn visible_row(db: &D1Database, staff: &Staff, id: &str) -> Result<ComplaintRow, ApiError> {
    if !tickets::visible(db, &visibility(&staff.memberships), id).await? {
        return Err(ApiError::NotFound);
    }
    complaints::by_id(db, id).await?.ok_or(ApiError::NotFound)
}

async fn show_inner(req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let (db, staff) = signed_in(&req, ctx).await?;
    let id = http::uuid_param(ctx, "id")?;
    let row = visible_row(&db, &staff, id).await?;
    Ok(Response::from_json(&detail(&db, row).await?)?)
}

const ACTIONS: [&str; 12] = ["claim", "assign", "transfer", "reply", "note", "correct", "resolve", "close", "reopen", "merge", "follow", "unfollow"];

/// The action from the path and the body (`{}` when there is none).
async fn read_action(req: &mut Request, name: &str) -> Result<Action, ApiError> {
    if !ACTIONS.contains(&name) {
        return Err(ApiError::UnknownAction);
    }
    let has_body = req.headers().get("Content-Length")?.is_some_and(|n| n.trim() != "0") || req.headers().get("Transfer-Encoding")?.is_some();
    let mut body: Value = if has_body { BODY.read(req).await? } else { json!({}) };
    let Some(obj) = body.as_object_mut() else {
        return Err(ApiError::InvalidJson("the body must be a JSON object".into()));
    };
    obj.insert("action".into(), Value::from(name));
    serde_json::from_value(body).map_err(|e| ApiError::InvalidJson(e.to_string()))
}

fn refused(e: ActionError) -> ApiError {
    match e {
        ActionError::BadText | ActionError::NowhereToTransfer | ActionError::EmptyCorrection | ActionError::MergeIntoSelf => {
            ApiError::InvalidAction(e.to_string())
        }
        _ => ApiError::ActionNotAllowed(e.to_string()),
    }
}

async fn act_inner(mut req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    auth::same_origin(&req)?;
    let (db, staff) = signed_in(&req, ctx).await?;
    let id = http::uuid_param(ctx, "id")?.to_string();
    let name = ctx.param("action").ok_or(ApiError::NotFound)?.clone();
    let row = visible_row(&db, &staff, &id).await?;
    let action = read_action(&mut req, &name).await?;
    let if_match = req.headers().get("If-Match")?.ok_or(ApiError::MissingIfMatch)?;
    let expected: u64 = if_match.trim().trim_matches('"').parse().map_err(|_| ApiError::MissingIfMatch)?;
    Ok(Response::from_json(&perform(&db, &staff, row, &action, expected).await?)?)
}

/// Applies `action` by `staff` to a visible ticket read as `row`, if it is still at `expected`:
/// checks, the workflow's `apply`, one guarded batch. The ticket as it is afterwards.
async fn perform(db: &D1Database, staff: &Staff, row: ComplaintRow, action: &Action, expected: u64) -> Result<Value, ApiError> {
    let id = row.id.clone();
    if let Action::Merge { into } = action
        && (uuid::Uuid::try_parse(into).is_err() || !tickets::visible(db, &visibility(&staff.memberships), into).await?)
    {
        return Err(ApiError::NotFound);
    }
    // People and teams a ticket goes to must be able to see it.
    let (user, team) = match action {
        Action::Assign { user } => (Some(user.as_str()), None),
        Action::Transfer { user, team, .. } => (user.as_deref(), team.as_deref()),
        _ => (None, None),
    };
    if user.is_some() || team.is_some() {
        let merchant = tickets::merchant_of(db, &id).await?;
        if let Some(user) = user
            && !tickets::may_hold(db, user, merchant.as_deref()).await?
        {
            return Err(ApiError::InvalidAction("the assignee must be active staff of this ticket's merchant or the platform".into()));
        }
        if let Some(team) = team
            && !tickets::team_fits(db, team, merchant.as_deref()).await?
        {
            return Err(ApiError::InvalidAction("the team must be this ticket's merchant's team or a platform team".into()));
        }
    }
    // A 预警工单 is finished only once its follow-up (回访) is recorded.
    if matches!(action, Action::Resolve | Action::Close)
        && !qingting_shared::workflow::customer::may_finish(row.kind, crate::store::customer::followed_up(db, &id).await?)
    {
        return Err(ApiError::FollowupRequired);
    }
    let mut before: TicketState = row.state();
    before.followers = tickets::followers(db, &id).await?;
    if before.version != expected {
        return Err(ApiError::VersionConflict(Box::new(detail(db, row).await?)));
    }
    let actor = Actor::staff(staff.user.id.clone());
    let (after, change) = match apply(&id, &before, &actor, action) {
        Ok(applied) => applied,
        // Nothing to change (already assigned, already following): the ticket as it is.
        Err(ActionError::NoChange) => return detail(db, row).await,
        Err(e) => return Err(refused(e)),
    };
    let author = if staff.memberships.iter().any(|m| m.scope == Scope::Platform) { ReplyAuthor::Support } else { ReplyAuthor::Merchant };
    let now: String = js_sys::Date::new_0().to_iso_string().into();
    let written = tickets::AppliedChange { author, ..tickets::AppliedChange::of(&row, &before, &after, &change, action, &now)? };
    if !tickets::write_change(db, &written).await? {
        let current = complaints::by_id(db, &id).await?.ok_or(ApiError::NotFound)?;
        return Err(ApiError::VersionConflict(Box::new(detail(db, current).await?)));
    }
    follow_up(db, &id, &before, &after, &now).await;
    let fresh = complaints::by_id(db, &id).await?.ok_or(ApiError::NotFound)?;
    detail(db, fresh).await
}

/// At most this many tickets per bulk request.
const MAX_BULK: usize = 100;

#[derive(serde::Deserialize)]
struct BulkBody {
    action: String,
    ids: Vec<String>,
    #[serde(default)]
    user: Option<String>,
}

/// `POST /v1/tickets/bulk` `{action: "assign" | "resolve", ids, user?}`: each ticket at the version
/// it has now; one result per id (`404` for tickets the caller cannot see, as anywhere else).
async fn bulk_inner(mut req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    auth::same_origin(&req)?;
    let (db, staff) = signed_in(&req, ctx).await?;
    let body: BulkBody = BODY.read(&mut req).await?;
    let action = match (body.action.as_str(), body.user) {
        ("assign", Some(user)) => Action::Assign { user },
        ("assign", None) => return Err(ApiError::InvalidAction("assign needs a user".into())),
        ("resolve", _) => Action::Resolve,
        _ => return Err(ApiError::InvalidAction("bulk actions are assign and resolve".into())),
    };
    if body.ids.is_empty() || body.ids.len() > MAX_BULK {
        return Err(ApiError::InvalidAction(format!("send 1–{MAX_BULK} ticket ids")));
    }
    let mut results = Vec::with_capacity(body.ids.len());
    for id in body.ids {
        let outcome = async {
            uuid::Uuid::try_parse(&id).map_err(|_| ApiError::NotFound)?;
            let row = visible_row(&db, &staff, &id).await?;
            let version = row.version as u64;
            perform(&db, &staff, row, &action, version).await
        }
        .await;
        results.push(match outcome {
            Ok(ticket) => json!({"id": id, "ok": true, "ticket": ticket}),
            Err(e) => json!({"id": id, "ok": false, "code": e.code(), "message": e.to_string()}),
        });
    }
    Ok(Response::from_json(&json!({ "results": results }))?)
}

/// `GET /v1/tickets/counts`: how many tickets each saved view holds for the caller.
async fn counts_inner(req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let (db, staff) = signed_in(&req, ctx).await?;
    let counts = tickets::view_counts(&db, &visibility(&staff.memberships), &staff.user.id).await?;
    Ok(Response::from_json(&json!({ "counts": counts }))?)
}
