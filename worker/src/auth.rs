//! Staff sign-in: `POST /v1/auth/login`, `POST /v1/auth/logout`, `GET /v1/auth/me`, and
//! `POST /v1/auth/bootstrap` (the first platform admin, with `ADMIN_TOKEN`).
//!
//! Passwords: PBKDF2-SHA256 through WebCrypto at `accounts::password::PBKDF2_ITERATIONS` over
//! `HMAC-SHA256(PASSWORD_PEPPER, password)`, stored as a self-describing string. Sessions: 32
//! random bytes in a `__Host-` cookie (HttpOnly, Secure, SameSite=Lax, Path=/); D1 keeps only the
//! token's SHA-256. State-changing requests that carry an `Origin` must come from this origin.
//! Failed sign-ins are throttled per account and per client; an unknown address and a wrong
//! password get the same answer after the same work.

use hmac::{Hmac, Mac};
use qingting_shared::accounts::email;
use qingting_shared::accounts::membership::{Membership, Visibility};
use qingting_shared::accounts::password::{self, KEY_BYTES, PasswordHash, SALT_BYTES};
use qingting_shared::accounts::session::{self, SessionCheck};
use qingting_shared::accounts::throttle::{PER_ACCOUNT, PER_CLIENT};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use worker::{D1Database, Request, Response, Result, RouteContext};

use crate::config::Config;
use crate::crypto;
use crate::error::ApiError;
use crate::http::{self, JsonBody};
use crate::store::{self, accounts};

const BODY: JsonBody = JsonBody::json(4 * 1024);

handler!(login, login_inner);
handler!(logout, logout_inner);
handler!(me, me_inner);
handler!(bootstrap, bootstrap_inner);

pub(crate) fn now_secs() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

/// The signed-in staff member of a request.
pub struct Staff {
    pub user: accounts::User,
    pub memberships: Vec<Membership>,
    /// The SHA-256 of this request's session token.
    pub(crate) token_hash: String,
}

/// `{user, memberships, merchants}`: what `login`, `me` and `setup` answer; `merchants` names the
/// merchants of the memberships (`[{id, name}]`), so pages can say 老街小馆 instead of an id.
#[derive(Serialize)]
struct Me<'a> {
    user: &'a accounts::User,
    memberships: &'a [Membership],
    merchants: Vec<crate::store::staff::Merchant>,
}

pub(crate) async fn me_response(db: &D1Database, user: &accounts::User, memberships: &[Membership]) -> Result<Response, ApiError> {
    let ids: Vec<String> = memberships
        .iter()
        .filter_map(|m| match &m.scope {
            qingting_shared::accounts::Scope::Merchant(id) => Some(id.clone()),
            qingting_shared::accounts::Scope::Platform => None,
        })
        .collect();
    let merchants = if ids.is_empty() { Vec::new() } else { crate::store::staff::merchants(db, &Visibility::Merchants(ids)).await? };
    Ok(Response::from_json(&Me { user, memberships, merchants })?)
}

/// Refuses a state-changing request sent by another site's page. Browsers always send `Origin` on
/// such requests; a request without one is not from a page and carries no ambient cookie risk.
pub fn same_origin(req: &Request) -> Result<(), ApiError> {
    let Some(origin) = http::origin(req)? else { return Ok(()) };
    let url = req.url()?;
    let own = url.origin().ascii_serialization();
    if origin == own { Ok(()) } else { Err(ApiError::CrossOrigin) }
}

/// The staff member signed in on this request, or `sign_in_required`. Ends expired sessions.
pub async fn staff(req: &Request, db: &D1Database, config: &Config) -> Result<Staff, ApiError> {
    let cookie = req.headers().get("Cookie")?.unwrap_or_default();
    let token = session::token_from_cookie_header(&cookie).ok_or(ApiError::SignInRequired)?;
    let token_hash = crypto::sha256_hex(token.as_bytes());
    let (user, times) = accounts::session(db, &token_hash).await?.ok_or(ApiError::SignInRequired)?;
    let now = now_secs();
    match config.sessions.check(times, now) {
        SessionCheck::Expired => {
            accounts::delete_session(db, &token_hash).await?;
            return Err(ApiError::SignInRequired);
        }
        SessionCheck::ValidTouch => accounts::touch_session(db, &token_hash, now).await?,
        SessionCheck::Valid => {}
    }
    let memberships = accounts::memberships(db, &user.id).await?;
    Ok(Staff { user, memberships, token_hash })
}

/// The password as PBKDF2 sees it: keyed with the pepper, so a stolen database alone cannot be
/// guessed against.
fn peppered(pepper: &str, password: &str) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(pepper.as_bytes()).expect("HMAC takes any key length");
    mac.update(password.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// A new hash of `password` with today's parameters.
pub(crate) async fn hash_password(pepper: &str, password: &str) -> Result<PasswordHash, ApiError> {
    let salt = crypto::random_bytes(SALT_BYTES as u32)?;
    let key = crypto::pbkdf2_sha256(&peppered(pepper, password), &salt, password::PBKDF2_ITERATIONS, KEY_BYTES as u32).await?;
    Ok(PasswordHash::new(salt, key))
}

/// Whether `password` matches `stored`; with no usable hash, the same work is done against a dummy
/// one, so an unknown address takes as long as a wrong password.
pub(crate) async fn verify_password(pepper: &str, password: &str, stored: Option<&str>) -> Result<bool, ApiError> {
    let parsed = stored.and_then(PasswordHash::parse);
    let dummy = PasswordHash::new(vec![0; SALT_BYTES], vec![0; KEY_BYTES]);
    let h = parsed.as_ref().unwrap_or(&dummy);
    let derived = crypto::pbkdf2_sha256(&peppered(pepper, password), &h.salt, h.iterations.min(password::WORKERS_PBKDF2_CAP), h.key.len() as u32).await?;
    Ok(parsed.is_some() && h.matches(&derived))
}

#[derive(Deserialize)]
struct LoginBody {
    email: String,
    password: String,
}

fn client_key(req: &Request) -> Result<String, ApiError> {
    let ip = req.headers().get("CF-Connecting-IP")?.unwrap_or_else(|| "unknown".into());
    Ok(format!("client:{}", ip.chars().take(64).collect::<String>()))
}

async fn login_inner(mut req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    same_origin(&req)?;
    let body: LoginBody = BODY.read(&mut req).await?;
    let config = Config::from_env(&ctx.env);
    let pepper = config.password_pepper()?;
    let db = store::db(&ctx.env)?;
    let now = now_secs();
    let email = email::normalize(&body.email).unwrap_or_default();
    let (account_key, client_key) = (format!("account:{email}"), client_key(&req)?);
    let (account, client) = (accounts::failures(&db, &account_key).await?, accounts::failures(&db, &client_key).await?);
    if let Err(wait) = PER_ACCOUNT.check(account, now).and(PER_CLIENT.check(client, now)) {
        return Err(ApiError::TooManyAttempts(wait));
    }
    let found = if email.is_empty() { None } else { accounts::credentials(&db, &email).await? };
    let ok = verify_password(pepper, &body.password, found.as_ref().and_then(|c| c.password_hash.as_deref())).await?;
    let Some(found) = found.filter(|_| ok) else {
        accounts::set_failures(&db, &account_key, PER_ACCOUNT.after_failure(account, now)).await?;
        accounts::set_failures(&db, &client_key, PER_CLIENT.after_failure(client, now)).await?;
        return Err(ApiError::InvalidCredentials);
    };
    accounts::clear_failures(&db, &account_key).await?;
    if found.password_hash.as_deref().and_then(PasswordHash::parse).is_some_and(|h| h.is_outdated()) {
        let fresh = hash_password(pepper, &body.password).await?;
        accounts::set_password_hash(&db, &found.user.id, &fresh.to_string()).await?;
    }
    let token = base64_url(&crypto::random_bytes(32)?);
    accounts::create_session(&db, &crypto::sha256_hex(token.as_bytes()), &found.user.id, now).await?;
    let memberships = accounts::memberships(&db, &found.user.id).await?;
    let response = me_response(&db, &found.user, &memberships).await?;
    response.headers().set("Set-Cookie", &session::set_cookie(&token, config.sessions.cookie_max_age()))?;
    response.headers().set("Cache-Control", "no-store")?;
    Ok(response)
}

/// Unpadded base64url (the cookie value's alphabet).
pub(crate) fn base64_url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[derive(Deserialize, Default)]
struct LogoutBody {
    /// End every session of this user, not only this one.
    #[serde(default)]
    everywhere: bool,
}

async fn logout_inner(mut req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    same_origin(&req)?;
    let config = Config::from_env(&ctx.env);
    let db = store::db(&ctx.env)?;
    let staff = staff(&req, &db, &config).await?;
    let has_body = req.headers().get("Content-Length")?.is_some_and(|n| n.trim() != "0");
    let body: LogoutBody = if has_body { BODY.read(&mut req).await? } else { LogoutBody::default() };
    if body.everywhere {
        accounts::delete_sessions_of(&db, &staff.user.id).await?;
    } else {
        accounts::delete_session(&db, &staff.token_hash).await?;
    }
    let response = Response::from_json(&serde_json::json!({ "ok": true }))?;
    response.headers().set("Set-Cookie", &session::clear_cookie())?;
    Ok(response)
}

async fn me_inner(req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let config = Config::from_env(&ctx.env);
    let db = store::db(&ctx.env)?;
    let staff = staff(&req, &db, &config).await?;
    let response = me_response(&db, &staff.user, &staff.memberships).await?;
    response.headers().set("Cache-Control", "no-store")?;
    Ok(response)
}

#[derive(Deserialize)]
struct BootstrapBody {
    email: String,
    password: String,
    display_name: String,
}

/// Creates the first platform admin; with `ADMIN_TOKEN` only, and only once.
async fn bootstrap_inner(mut req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let config = Config::from_env(&ctx.env);
    crate::admin::check_admin_token(&req, &config)?;
    let body: BootstrapBody = BODY.read(&mut req).await?;
    let email = email::normalize(&body.email).ok_or(ApiError::InvalidEmail)?;
    password::validate_new(&body.password)?;
    let name = body.display_name.trim();
    if name.is_empty() || name.chars().count() > 60 || name.chars().any(char::is_control) {
        return Err(ApiError::InvalidConfig("display_name must be 1–60 characters"));
    }
    let db = store::db(&ctx.env)?;
    if accounts::platform_admin_exists(&db).await? {
        return Err(ApiError::AlreadySetUp);
    }
    let hash = hash_password(config.password_pepper()?, &body.password).await?;
    let user = accounts::User { id: uuid::Uuid::new_v4().to_string(), email, display_name: name.to_string() };
    let now: String = js_sys::Date::new_0().to_iso_string().into();
    if !accounts::create_first_platform_admin(&db, &user, &hash.to_string(), &uuid::Uuid::new_v4().to_string(), &now).await? {
        return Err(ApiError::AlreadySetUp);
    }
    let memberships = accounts::memberships(&db, &user.id).await?;
    Ok(me_response(&db, &user, &memberships).await?.with_status(201))
}
