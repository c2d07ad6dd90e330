//! People and tenancy, for signed-in staff (`auth::staff`; every state-changing request also
//! passes `auth::same_origin`):
//!
//! - `POST /v1/merchants` `{name}` (platform admins) and `GET /v1/merchants`
//! - `POST /v1/invitations` `{email, display_name, scope, role}` → the setup link, once
//! - `POST /v1/auth/setup` `{token, password}`: the invited person sets a password and is signed in
//! - `POST /v1/auth/password` `{current, new}`: change one's own password, ending other sessions
//! - `GET /v1/users`, `POST /v1/users/:id/deactivate`, `POST /v1/users/:id/invitation` (a new
//!   setup link for someone who has not set up yet)
//! - `POST /v1/teams` `{merchant?, name}`, `GET /v1/teams`, `POST /v1/teams/:id/members`
//!   `{user_id}`, `DELETE /v1/teams/:id/members/:user_id`
//!
//! Who may do what is decided in `qingting_shared::accounts::access`; a target outside the caller's
//! tenancy answers `404 not_found`, a visible one their role does not allow `403 forbidden`.

use qingting_shared::accounts::access::{self, Access};
use qingting_shared::accounts::invitation::{self, MAX_DISPLAY_NAME_CHARS, MAX_MERCHANT_NAME_CHARS, MAX_TEAM_NAME_CHARS};
use qingting_shared::accounts::membership::{self, Membership, Role, Scope, Visibility};
use qingting_shared::accounts::throttle::PER_ACCOUNT;
use qingting_shared::accounts::{email, password, session};
use serde::Deserialize;
use serde_json::json;
use worker::{D1Database, Request, Response, Result, RouteContext};

use crate::auth::{self, Staff, now_secs};
use crate::config::Config;
use crate::crypto;
use crate::error::ApiError;
use crate::http::{self, JsonBody};
use crate::store::{self, accounts, staff as st};

const BODY: JsonBody = JsonBody::json(4 * 1024);
/// The name every merchant's first team gets.
const DEFAULT_TEAM_NAME: &str = "默认团队";

handler!(create_merchant, create_merchant_inner);
handler!(availability, availability_inner);
handler!(my_channel, my_channel_inner);
handler!(set_my_channel, set_my_channel_inner);
handler!(set_team_channel, set_team_channel_inner);
handler!(set_availability, set_availability_inner);
handler!(merchants, merchants_inner);
handler!(invite, invite_inner);
handler!(setup, setup_inner);
handler!(change_password, change_password_inner);
handler!(users, users_inner);
handler!(deactivate, deactivate_inner);
handler!(reinvite, reinvite_inner);
handler!(create_team, create_team_inner);
handler!(teams, teams_inner);
handler!(add_member, add_member_inner);
handler!(remove_member, remove_member_inner);

/// The database and the signed-in staff member; for state-changing requests, after the `Origin`
/// check.
async fn signed_in(req: &Request, ctx: &RouteContext<()>, changes_state: bool) -> Result<(D1Database, Staff), ApiError> {
    if changes_state {
        auth::same_origin(req)?;
    }
    let db = store::db(&ctx.env)?;
    let staff = auth::staff(req, &db, &Config::from_env(&ctx.env)).await?;
    Ok((db, staff))
}

fn now_iso() -> String {
    js_sys::Date::new_0().to_iso_string().into()
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn json_response(status: u16, body: &serde_json::Value) -> Result<Response, ApiError> {
    let r = Response::from_json(body)?.with_status(status);
    r.headers().set("Cache-Control", "no-store")?;
    Ok(r)
}

#[derive(Deserialize)]
struct MerchantBody {
    name: String,
}

async fn create_merchant_inner(mut req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let (db, staff) = signed_in(&req, ctx, true).await?;
    ApiError::check(access::create_merchant(&staff.memberships))?;
    let body: MerchantBody = BODY.read(&mut req).await?;
    let name = invitation::name(&body.name, MAX_MERCHANT_NAME_CHARS).ok_or(ApiError::InvalidConfig("name must be 1–100 characters"))?;
    let merchant = st::Merchant { id: new_id(), name: name.to_string(), created_at: now_iso() };
    let team_id = new_id();
    st::create_merchant(&db, &merchant, &team_id, DEFAULT_TEAM_NAME).await?;
    let body = json!({
        "id": merchant.id, "name": merchant.name, "created_at": merchant.created_at,
        "default_team": { "id": team_id, "name": DEFAULT_TEAM_NAME },
    });
    json_response(201, &body)
}

async fn merchants_inner(req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let (db, staff) = signed_in(&req, ctx, false).await?;
    let list = st::merchants(&db, &membership::visibility(&staff.memberships)).await?;
    json_response(200, &json!({ "merchants": list }))
}

#[derive(Deserialize)]
struct InviteBody {
    email: String,
    display_name: String,
    scope: Scope,
    role: Role,
}

/// Whether a merchant scope names a merchant that exists (the platform always does).
async fn scope_exists(db: &D1Database, scope: &Scope) -> Result<bool, ApiError> {
    match scope {
        Scope::Platform => Ok(true),
        Scope::Merchant(id) => st::merchant_exists(db, id).await,
    }
}

async fn invite_inner(mut req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let (db, staff) = signed_in(&req, ctx, true).await?;
    let body: InviteBody = BODY.read(&mut req).await?;
    ApiError::check(access::invite(&staff.memberships, &body.scope, body.role))?;
    if !scope_exists(&db, &body.scope).await? {
        return Err(ApiError::NotFound);
    }
    let email = email::normalize(&body.email).ok_or(ApiError::InvalidEmail)?;
    let name = invitation::name(&body.display_name, MAX_DISPLAY_NAME_CHARS).ok_or(ApiError::InvalidConfig("display_name must be 1–60 characters"))?;
    let token = auth::base64_url(&crypto::random_bytes(32)?);
    let (now, id) = (now_secs(), new_id());
    let member = Membership { scope: body.scope, role: body.role };
    let who = st::Invitee { id: &id, email: &email, display_name: name, membership: &member };
    let expires_at = invitation::expires_at(now);
    if !st::invite(&db, &who, &crypto::sha256_hex(token.as_bytes()), &staff.user.id, &now_iso(), now, expires_at).await? {
        return Err(ApiError::EmailTaken);
    }
    let body = json!({
        "user": { "id": id, "email": email, "display_name": name, "status": "invited", "memberships": [member] },
        "token": token,
        "setup_url": invitation::setup_url(&token),
        "expires_at": expires_at,
    });
    json_response(201, &body)
}

#[derive(Deserialize)]
struct SetupBody {
    token: String,
    password: String,
}

async fn setup_inner(mut req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    auth::same_origin(&req)?;
    let body: SetupBody = BODY.read(&mut req).await?;
    let config = Config::from_env(&ctx.env);
    let db = store::db(&ctx.env)?;
    let token_hash = crypto::sha256_hex(body.token.trim().as_bytes());
    let found = st::invitation(&db, &token_hash).await?.filter(|i| i.active == 1).ok_or(ApiError::InvalidSetupToken)?;
    let now = now_secs();
    invitation::check(found.expires_at as i64, found.used_at.map(|t| t as i64), now)?;
    password::validate_new(&body.password)?;
    let hash = auth::hash_password(config.password_pepper()?, &body.password).await?;
    let session_token = auth::base64_url(&crypto::random_bytes(32)?);
    let session_hash = crypto::sha256_hex(session_token.as_bytes());
    if !st::complete_setup(&db, &token_hash, &found.user_id, &hash.to_string(), &session_hash, now).await? {
        // Another request used it in the meantime.
        return Err(invitation::SetupTokenError::Used.into());
    }
    let user = st::staff(&db, &Visibility::All, Some(&found.user_id)).await?.into_iter().next().ok_or(ApiError::InvalidSetupToken)?;
    let memberships = accounts::memberships(&db, &found.user_id).await?;
    let user = accounts::User { id: user.id, email: user.email, display_name: user.display_name };
    let response = auth::me_response(&db, &user, &memberships).await?;
    response.headers().set("Set-Cookie", &session::set_cookie(&session_token, config.sessions.cookie_max_age()))?;
    response.headers().set("Cache-Control", "no-store")?;
    Ok(response)
}

#[derive(Deserialize)]
struct PasswordBody {
    current: String,
    new: String,
}

#[derive(Deserialize)]
struct AvailabilityRow {
    available: f64,
    capacity: f64,
}

async fn availability_answer(db: &D1Database, user: &str) -> Result<Response, ApiError> {
    let row = crate::store::query!(db, "SELECT available, capacity FROM users WHERE id = ?1", user)?
        .first::<AvailabilityRow>(None)
        .await?
        .ok_or(ApiError::NotFound)?;
    json_response(200, &json!({ "available": row.available != 0.0, "capacity": row.capacity as u32 }))
}

/// `GET /v1/auth/availability`: whether the signed-in person takes new tickets, and how many
/// running tickets they hold at most.
async fn availability_inner(req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let (db, staff) = signed_in(&req, ctx, false).await?;
    availability_answer(&db, &staff.user.id).await
}

#[derive(Deserialize)]
struct AvailabilityBody {
    available: bool,
}

/// `PUT /v1/auth/availability` `{available}`: the console's 接单 toggle. Becoming available hands
/// out what waits in the person's teams.
async fn set_availability_inner(mut req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let (db, staff) = signed_in(&req, ctx, true).await?;
    let body: AvailabilityBody = BODY.read(&mut req).await?;
    crate::store::query!(db, "UPDATE users SET available = ?2 WHERE id = ?1", staff.user.id.as_str(), body.available)?.run().await?;
    if body.available
        && let Err(e) = crate::assign::fill_teams_of(&db, &staff.user.id, &now_iso()).await
    {
        worker::console_error!("assignment after availability: {e}");
    }
    availability_answer(&db, &staff.user.id).await
}

#[derive(Deserialize)]
struct ChannelBody {
    /// `null` clears it.
    channel: Option<qingting_shared::forward::Destination>,
}

/// A channel as answered: its secret never (`********`).
fn channel_answer(channel: Option<qingting_shared::forward::Destination>) -> Result<Response, ApiError> {
    json_response(200, &json!({ "channel": channel.map(|c| c.redacted()) }))
}

/// Checks a channel sent for `to_kind`/`to` (keeping a stored secret sent back as `********`).
async fn checked_channel(
    db: &D1Database,
    ctx: &RouteContext<()>,
    to_kind: &str,
    to: &str,
    sent: Option<qingting_shared::forward::Destination>,
) -> Result<Option<qingting_shared::forward::Destination>, ApiError> {
    let Some(sent) = sent else { return Ok(None) };
    let stored: Vec<_> = crate::store::notifications::channel(db, to_kind, to).await?.into_iter().collect();
    let mut kept = qingting_shared::forward::Destination::keep_stored(vec![sent], &stored)?;
    let channel = kept.pop().ok_or(ApiError::InvalidConfig("a channel is needed"))?;
    channel.validate(Config::from_env(&ctx.env).allow_http_destinations)?;
    Ok(Some(channel))
}

/// `GET /v1/auth/channel`: the signed-in person's own notification channel.
async fn my_channel_inner(req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let (db, staff) = signed_in(&req, ctx, false).await?;
    channel_answer(crate::store::notifications::channel(&db, "user", &staff.user.id).await?)
}

/// `PUT /v1/auth/channel {channel}`: where their notifications go besides the console.
async fn set_my_channel_inner(mut req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let (db, staff) = signed_in(&req, ctx, true).await?;
    let body: ChannelBody = BODY.read(&mut req).await?;
    let channel = checked_channel(&db, ctx, "user", &staff.user.id, body.channel).await?;
    crate::store::notifications::set_channel(&db, "user", &staff.user.id, channel.as_ref()).await?;
    channel_answer(channel)
}

/// `PUT /v1/teams/:id/channel {channel}`: the team's chat group (admins of the team's scope).
async fn set_team_channel_inner(mut req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let (db, staff) = signed_in(&req, ctx, true).await?;
    let team_id = http::uuid_param(ctx, "id")?;
    let team = st::teams(&db, &membership::visibility(&staff.memberships), Some(team_id)).await?.into_iter().next().ok_or(ApiError::NotFound)?;
    if access::manage_scope(&staff.memberships, &team.scope()) != Access::Allowed {
        return Err(ApiError::Forbidden);
    }
    let body: ChannelBody = BODY.read(&mut req).await?;
    let channel = checked_channel(&db, ctx, "team", &team.id, body.channel).await?;
    crate::store::notifications::set_channel(&db, "team", &team.id, channel.as_ref()).await?;
    channel_answer(channel)
}

/// Changes the signed-in user's password; a wrong current password counts as a failed sign-in
/// for the account (the same throttle), so a stolen session cannot guess it quickly.
async fn change_password_inner(mut req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let (db, staff) = signed_in(&req, ctx, true).await?;
    let body: PasswordBody = BODY.read(&mut req).await?;
    let config = Config::from_env(&ctx.env);
    let pepper = config.password_pepper()?;
    let now = now_secs();
    let account_key = format!("account:{}", staff.user.email);
    let failures = accounts::failures(&db, &account_key).await?;
    PER_ACCOUNT.check(failures, now).map_err(ApiError::TooManyAttempts)?;
    let stored = accounts::credentials(&db, &staff.user.email).await?.and_then(|c| c.password_hash);
    if !auth::verify_password(pepper, &body.current, stored.as_deref()).await? {
        accounts::set_failures(&db, &account_key, PER_ACCOUNT.after_failure(failures, now)).await?;
        return Err(ApiError::WrongPassword);
    }
    accounts::clear_failures(&db, &account_key).await?;
    password::validate_new(&body.new)?;
    let hash = auth::hash_password(pepper, &body.new).await?;
    st::change_password(&db, &staff.user.id, &hash.to_string(), &staff.token_hash).await?;
    json_response(200, &json!({ "ok": true }))
}

async fn users_inner(req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let (db, staff) = signed_in(&req, ctx, false).await?;
    let vis = access::staff_list(&staff.memberships).ok_or(ApiError::Forbidden)?;
    json_response(200, &json!({ "users": st::staff(&db, &vis, None).await? }))
}

async fn deactivate_inner(req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let (db, staff) = signed_in(&req, ctx, true).await?;
    let id = managed_user(&db, &staff, ctx).await?;
    if id == staff.user.id {
        return Err(ApiError::CannotDeactivateSelf);
    }
    st::deactivate(&db, id).await?;
    let vis = membership::visibility(&staff.memberships);
    let user = st::staff(&db, &vis, Some(id)).await?.into_iter().next().ok_or(ApiError::NotFound)?;
    json_response(200, &json!({ "user": user }))
}

/// The user `:id` once the caller may manage them (every scope they belong to); `404` when none
/// is visible to the caller.
async fn managed_user<'a>(db: &D1Database, staff: &Staff, ctx: &'a RouteContext<()>) -> Result<&'a str, ApiError> {
    let id = http::uuid_param(ctx, "id")?;
    let scopes: Vec<Scope> = accounts::memberships(db, id).await?.into_iter().map(|m| m.scope).collect();
    if scopes.is_empty() {
        return Err(ApiError::NotFound);
    }
    ApiError::check(access::manage_user(&staff.memberships, &scopes))?;
    Ok(id)
}

/// A new setup link for someone who has not set a password yet (their earlier links stop working).
async fn reinvite_inner(req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let (db, staff) = signed_in(&req, ctx, true).await?;
    let id = managed_user(&db, &staff, ctx).await?;
    let token = auth::base64_url(&crypto::random_bytes(32)?);
    let now = now_secs();
    let expires_at = invitation::expires_at(now);
    if !st::reinvite(&db, id, &crypto::sha256_hex(token.as_bytes()), &staff.user.id, now, expires_at).await? {
        return Err(ApiError::NotInvited);
    }
    let user = st::staff(&db, &membership::visibility(&staff.memberships), Some(id)).await?.into_iter().next().ok_or(ApiError::NotFound)?;
    json_response(201, &json!({ "user": user, "token": token, "setup_url": invitation::setup_url(&token), "expires_at": expires_at }))
}

#[derive(Deserialize)]
struct TeamBody {
    /// Absent: a platform team.
    merchant: Option<String>,
    name: String,
}

async fn create_team_inner(mut req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let (db, staff) = signed_in(&req, ctx, true).await?;
    let body: TeamBody = BODY.read(&mut req).await?;
    let scope = body.merchant.map_or(Scope::Platform, Scope::Merchant);
    ApiError::check(access::manage_scope(&staff.memberships, &scope))?;
    if !scope_exists(&db, &scope).await? {
        return Err(ApiError::NotFound);
    }
    let name = invitation::name(&body.name, MAX_TEAM_NAME_CHARS).ok_or(ApiError::InvalidConfig("name must be 1–60 characters"))?;
    let id = new_id();
    if !st::create_team(&db, &id, &scope, name, &now_iso()).await? {
        return Err(ApiError::TeamNameTaken);
    }
    team_response(&db, 201, &id).await
}

async fn teams_inner(req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let (db, staff) = signed_in(&req, ctx, false).await?;
    let teams = st::teams(&db, &membership::visibility(&staff.memberships), None).await?;
    json_response(200, &json!({ "teams": teams }))
}

/// One team with its members, as its scope's admins see it.
async fn team_response(db: &D1Database, status: u16, id: &str) -> Result<Response, ApiError> {
    let team = st::teams(db, &Visibility::All, Some(id)).await?.into_iter().next().ok_or(ApiError::NotFound)?;
    json_response(status, &json!({ "team": team }))
}

/// The team `:id` and the user to add or remove, once the caller administers the team's scope and
/// the user belongs to it. A team or user the caller cannot see is `404`.
async fn team_and_member(db: &D1Database, staff: &Staff, ctx: &RouteContext<()>, user_id: &str) -> Result<String, ApiError> {
    let team_id = http::uuid_param(ctx, "id")?;
    let vis = membership::visibility(&staff.memberships);
    let team = st::teams(db, &vis, Some(team_id)).await?.into_iter().next().ok_or(ApiError::NotFound)?;
    let scope = team.scope();
    if access::manage_scope(&staff.memberships, &scope) != Access::Allowed {
        // Visible (the query above found it) but not the caller's to change.
        return Err(ApiError::Forbidden);
    }
    uuid::Uuid::try_parse(user_id).map_err(|_| ApiError::NotFound)?;
    if !st::is_member_of(db, user_id, &scope).await? {
        return Err(ApiError::NotFound);
    }
    Ok(team.id)
}

#[derive(Deserialize)]
struct MemberBody {
    user_id: String,
}

async fn add_member_inner(mut req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let (db, staff) = signed_in(&req, ctx, true).await?;
    let body: MemberBody = BODY.read(&mut req).await?;
    let team_id = team_and_member(&db, &staff, ctx, &body.user_id).await?;
    st::add_team_member(&db, &team_id, &body.user_id).await?;
    team_response(&db, 200, &team_id).await
}

async fn remove_member_inner(req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let (db, staff) = signed_in(&req, ctx, true).await?;
    let user_id = ctx.param("user_id").ok_or(ApiError::NotFound)?.to_string();
    let team_id = team_and_member(&db, &staff, ctx, &user_id).await?;
    st::remove_team_member(&db, &team_id, &user_id).await?;
    team_response(&db, 200, &team_id).await
}
