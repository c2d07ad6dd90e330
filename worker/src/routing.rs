//! Routing rules on the edge: the staff API (`GET`/`PUT /v1/routing-rules/:scope`, the preview
//! `POST /v1/routing-rules/preview`) and [`route`], which runs a ticket through its platform's and
//! merchant's rules when it is created and when a field a rule reads changes. The evaluation is
//! `qingting_shared::workflow::routing::evaluate` (pure); what fired is recorded as one `routed`
//! event through the workflow's `apply` and the versioned `write_change`, so a change and its
//! record are one batch, and a run that lost a race to a person writes nothing.

use qingting_shared::Lang;
use qingting_shared::accounts::access;
use qingting_shared::intake::mask::mask_pii;
use qingting_shared::understand::classify::Classifier;
use qingting_shared::workflow::routing::{Channel, Level, RoutingRule, TicketFacts, Trigger, evaluate};
use serde::Deserialize;
use serde_json::json;
use worker::{D1Database, Request, Response, RouteContext};

use crate::auth;
use crate::config::Config;
use crate::error::ApiError;
use crate::http::JsonBody;
use crate::policies::scope_of;
use crate::store::{self, complaints, query, routing as rules_store, tickets};

/// Most rules in one scope.
const MAX_RULES: usize = 100;

const BODY: JsonBody = JsonBody::json(64 * 1024);

handler!(list, list_inner);
handler!(put, put_inner);
handler!(preview, preview_inner);

async fn list_inner(req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let db = store::db(&ctx.env)?;
    let staff = auth::staff(&req, &db, &Config::from_env(&ctx.env)).await?;
    let (scope, key) = scope_of(ctx)?;
    let access = access::manage_scope(&staff.memberships, &scope);
    if access == access::Access::Hidden {
        return Err(ApiError::NotFound);
    }
    let rules = rules_store::list(&db, &key).await?;
    Ok(Response::from_json(&json!({ "rules": rules, "editable": access == access::Access::Allowed }))?)
}

#[derive(Deserialize)]
struct RulesBody {
    rules: Vec<RoutingRule>,
}

async fn put_inner(mut req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    auth::same_origin(&req)?;
    let db = store::db(&ctx.env)?;
    let staff = auth::staff(&req, &db, &Config::from_env(&ctx.env)).await?;
    let (scope, key) = scope_of(ctx)?;
    ApiError::check(access::manage_scope(&staff.memberships, &scope))?;
    if !key.is_empty() && !store::staff::merchant_exists(&db, &key).await? {
        return Err(ApiError::NotFound);
    }
    let RulesBody { mut rules } = BODY.read(&mut req).await?;
    if rules.len() > MAX_RULES {
        return Err(ApiError::InvalidConfig("at most 100 rules per scope"));
    }
    let level = if key.is_empty() { Level::Platform } else { Level::Merchant };
    let mut ids = std::collections::HashSet::new();
    for rule in &mut rules {
        // A new rule gets its id here; the level is the scope's.
        if rule.id.trim().is_empty() {
            rule.id = format!("r-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
        }
        rule.level = level;
        rule.validate()?;
        if !ids.insert(rule.id.clone()) {
            return Err(ApiError::InvalidConfig("two rules have the same id"));
        }
    }
    let now: String = js_sys::Date::new_0().to_iso_string().into();
    rules_store::replace(&db, &key, &rules, &staff.user.id, &now).await?;
    Ok(Response::from_json(&json!({ "rules": rules_store::list(&db, &key).await?, "editable": true }))?)
}

#[derive(Deserialize)]
struct PreviewBody {
    rule: RoutingRule,
    text: String,
    #[serde(default)]
    site: String,
    #[serde(default)]
    has_order_id: bool,
    #[serde(default)]
    urges: u32,
}

/// "Test this rule on a complaint text": the text classified and masked as intake would, which
/// conditions hold, whether the rule fires and what it would do.
async fn preview_inner(mut req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    auth::same_origin(&req)?;
    let db = store::db(&ctx.env)?;
    auth::staff(&req, &db, &Config::from_env(&ctx.env)).await?;
    let body: PreviewBody = BODY.read(&mut req).await?;
    let chars = body.text.trim().chars().count();
    if chars == 0 || chars > 2000 {
        return Err(ApiError::InvalidConfig("the text must have 1–2000 characters"));
    }
    let mut rule = body.rule;
    // A rule being written has no id yet.
    if rule.id.trim().is_empty() {
        rule.id = "preview".into();
    }
    rule.enabled = true;
    rule.validate()?;
    let class = Classifier::builtin().classify(&body.text);
    let facts = TicketFacts {
        category: class.primary.clone(),
        priority: class.priority,
        site: body.site,
        channel: Channel::Widget,
        lang: Lang::negotiate(if body.text.is_ascii() { "en" } else { "zh-CN" }),
        text: mask_pii(&body.text).text,
        has_order_id: body.has_order_id,
        urges: body.urges,
    };
    let run = evaluate(std::slice::from_ref(&rule), &facts, &Trigger::Created);
    Ok(Response::from_json(&json!({
        "category": facts.category,
        "priority": facts.priority,
        "conditions": rule.explain(&facts),
        "matches": rule.matches(&facts),
        "effects": run.effects,
    }))?)
}

/// Runs ticket `id` through its rules for `trigger` at `now`: `true` when rules changed it.
/// Nothing fired, nothing to change, or someone changed the ticket first: `false`, nothing
/// written.
pub async fn route(db: &D1Database, id: &str, trigger: Trigger, now: &str) -> Result<bool, ApiError> {
    let Some(row) = complaints::by_id(db, id).await? else { return Ok(false) };
    // Answered from the FAQ (and not reopened), resolved or closed: nothing to route.
    if !row.status.is_active() {
        return Ok(false);
    }
    let merchant = tickets::merchant_of(db, id).await?;
    let rules = rules_store::for_merchant(db, merchant.as_deref()).await?;
    if rules.is_empty() {
        return Ok(false);
    }
    let facts = TicketFacts {
        category: row.category.clone(),
        priority: row.priority,
        site: row.site_key.clone(),
        channel: Channel::Widget,
        lang: Lang::from_tag(&row.lang).unwrap_or_default(),
        text: row.text.clone(),
        has_order_id: row.order_id.is_some(),
        urges: row.urges as u32,
    };
    let run = evaluate(&rules, &facts, &trigger);
    let Some(action) = run.action() else { return Ok(false) };
    // "Notify a destination": recorded with the change, sent by the cron (`notices`).
    let names: Vec<&str> = run.fired.iter().filter_map(|f| rules.iter().find(|r| &r.id == f).map(|r| r.name.as_str())).collect();
    let names = names.join("、");
    let followers = tickets::followers(db, id).await?;
    tickets::write_system_change(db, &row, followers, &action, now, None, |version| {
        run.effects
            .notify
            .iter()
            .map(|destination| {
                Ok(query!(
                    db,
                    "INSERT OR IGNORE INTO rule_notices (ticket_id, site_key, destination_id, rules, version, at) \
                     SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE EXISTS (SELECT 1 FROM complaints WHERE id = ?1 AND version = ?5)",
                    id,
                    row.site_key.as_str(),
                    destination.as_str(),
                    names.as_str(),
                    version as f64,
                    now,
                )?)
            })
            .collect()
    })
    .await
}
