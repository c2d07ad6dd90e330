//! Users, memberships, teams, sessions and sign-in failure counters.

use qingting_shared::accounts::membership::{Membership, Role, Scope};
use qingting_shared::accounts::session::SessionTimes;
use qingting_shared::accounts::throttle::Failures;
use serde::{Deserialize, Serialize};
use worker::D1Database;

use crate::error::ApiError;
use crate::store::{any_row, changes, query};

/// A staff member as the API shows them.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct User {
    pub id: String,
    pub email: String,
    pub display_name: String,
}

#[derive(Deserialize)]
struct UserRow {
    id: String,
    email: String,
    display_name: String,
    password_hash: Option<String>,
    active: i64,
}

/// A user who may sign in, with the stored password hash.
pub struct Credentials {
    pub user: User,
    pub password_hash: Option<String>,
}

/// The active user with this (normalised) e-mail address.
pub async fn credentials(db: &D1Database, email: &str) -> Result<Option<Credentials>, ApiError> {
    let row = query!(db, "SELECT id, email, display_name, password_hash, active FROM users WHERE email = ?1", email)?.first::<UserRow>(None).await?;
    Ok(row
        .filter(|r| r.active == 1)
        .map(|r| Credentials { user: User { id: r.id, email: r.email, display_name: r.display_name }, password_hash: r.password_hash }))
}

#[derive(Deserialize)]
struct MembershipRow {
    scope_kind: String,
    merchant_id: String,
    role: Role,
}

/// A user's memberships.
pub async fn memberships(db: &D1Database, user_id: &str) -> Result<Vec<Membership>, ApiError> {
    let rows = query!(db, "SELECT scope_kind, merchant_id, role FROM memberships WHERE user_id = ?1 ORDER BY scope_kind DESC, merchant_id", user_id)?
        .all()
        .await?
        .results::<MembershipRow>()?;
    rows.into_iter()
        .map(|r| {
            let scope = match r.scope_kind.as_str() {
                "platform" => Scope::Platform,
                "merchant" => Scope::Merchant(r.merchant_id),
                other => return Err(ApiError::Internal(format!("bad scope_kind {other:?}"))),
            };
            Ok(Membership { scope, role: r.role })
        })
        .collect()
}

/// Whether any active platform admin exists.
pub async fn platform_admin_exists(db: &D1Database) -> Result<bool, ApiError> {
    any_row(query!(
        db,
        "SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.scope_kind = 'platform' AND m.role = ?1 AND u.active = 1 LIMIT 1",
        Role::Admin,
    )?)
    .await
}

/// Creates the first platform admin with the platform's default team, in one batch that does
/// nothing when an active platform admin exists already. `false`: one did.
pub async fn create_first_platform_admin(db: &D1Database, user: &User, password_hash: &str, team_id: &str, now: &str) -> Result<bool, ApiError> {
    let none_yet = "NOT EXISTS (SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id \
                    WHERE m.scope_kind = 'platform' AND m.role = 'admin' AND u.active = 1)";
    let batch = vec![
        query!(
            db,
            format!("INSERT INTO users (id, email, display_name, password_hash, active, created_at) SELECT ?1, ?2, ?3, ?4, 1, ?5 WHERE {none_yet}"),
            &user.id,
            &user.email,
            &user.display_name,
            password_hash,
            now,
        )?,
        query!(
            db,
            "INSERT INTO memberships (user_id, scope_kind, merchant_id, role, created_at) \
             SELECT ?1, 'platform', '', ?2, ?3 WHERE EXISTS (SELECT 1 FROM users WHERE id = ?1)",
            &user.id,
            Role::Admin,
            now,
        )?,
        query!(
            db,
            "INSERT INTO teams (id, merchant_id, name, is_default, created_at) SELECT ?1, '', '平台客服', 1, ?2 \
             WHERE EXISTS (SELECT 1 FROM users WHERE id = ?3) ON CONFLICT DO NOTHING",
            team_id,
            now,
            &user.id,
        )?,
        query!(
            db,
            "INSERT INTO team_members (team_id, user_id) SELECT id, ?1 FROM teams WHERE merchant_id = '' AND is_default = 1 \
             AND EXISTS (SELECT 1 FROM users WHERE id = ?1)",
            &user.id,
        )?,
    ];
    let results = db.batch(batch).await?;
    Ok(results.first().map(changes) == Some(1))
}

/// Sets a user's password hash (after a sign-in with outdated parameters).
pub async fn set_password_hash(db: &D1Database, user_id: &str, hash: &str) -> Result<(), ApiError> {
    query!(db, "UPDATE users SET password_hash = ?2 WHERE id = ?1", user_id, hash)?.run().await?;
    Ok(())
}

/// Stores a new session (by the hash of its token).
pub async fn create_session(db: &D1Database, token_hash: &str, user_id: &str, now: i64) -> Result<(), ApiError> {
    query!(db, "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at) VALUES (?1, ?2, ?3, ?3)", token_hash, user_id, now as f64)?.run().await?;
    Ok(())
}

#[derive(Deserialize)]
struct SessionRow {
    user_id: String,
    created_at: f64,
    last_seen_at: f64,
    email: String,
    display_name: String,
}

/// A session of an active user, with the user.
pub async fn session(db: &D1Database, token_hash: &str) -> Result<Option<(User, SessionTimes)>, ApiError> {
    let row = query!(
        db,
        "SELECT s.user_id, s.created_at, s.last_seen_at, u.email, u.display_name FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = ?1 AND u.active = 1",
        token_hash,
    )?
    .first::<SessionRow>(None)
    .await?;
    Ok(row.map(|r| {
        let times = SessionTimes { created_at: r.created_at as i64, last_seen_at: r.last_seen_at as i64 };
        (User { id: r.user_id, email: r.email, display_name: r.display_name }, times)
    }))
}

pub async fn touch_session(db: &D1Database, token_hash: &str, now: i64) -> Result<(), ApiError> {
    query!(db, "UPDATE sessions SET last_seen_at = ?2 WHERE token_hash = ?1", token_hash, now as f64)?.run().await?;
    Ok(())
}

pub async fn delete_session(db: &D1Database, token_hash: &str) -> Result<(), ApiError> {
    query!(db, "DELETE FROM sessions WHERE token_hash = ?1", token_hash)?.run().await?;
    Ok(())
}

/// Ends every session of a user ("sign out everywhere").
pub async fn delete_sessions_of(db: &D1Database, user_id: &str) -> Result<(), ApiError> {
    query!(db, "DELETE FROM sessions WHERE user_id = ?1", user_id)?.run().await?;
    Ok(())
}

#[derive(Deserialize)]
struct FailureRow {
    count: f64,
    window_start: f64,
}

/// The failures counted for a throttle key.
pub async fn failures(db: &D1Database, key: &str) -> Result<Failures, ApiError> {
    let row = query!(db, "SELECT count, window_start FROM login_failures WHERE key = ?1", key)?.first::<FailureRow>(None).await?;
    Ok(row.map_or(Failures::default(), |r| Failures { count: r.count as u32, window_start: r.window_start as i64 }))
}

pub async fn set_failures(db: &D1Database, key: &str, f: Failures) -> Result<(), ApiError> {
    query!(
        db,
        "INSERT INTO login_failures (key, count, window_start) VALUES (?1, ?2, ?3) \
         ON CONFLICT (key) DO UPDATE SET count = excluded.count, window_start = excluded.window_start",
        key,
        f.count,
        f.window_start as f64,
    )?
    .run()
    .await?;
    Ok(())
}

pub async fn clear_failures(db: &D1Database, key: &str) -> Result<(), ApiError> {
    query!(db, "DELETE FROM login_failures WHERE key = ?1", key)?.run().await?;
    Ok(())
}
