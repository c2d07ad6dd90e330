//! Merchants, invitations, staff lists, deactivation and teams.
//!
//! Lists take the caller's [`Visibility`] and filter in SQL (`merchant_id IN json_each(?)`), so a
//! merchant's staff never receive another tenant's rows; a platform membership is stored with
//! `merchant_id = ''` and is seen only with `Visibility::All`.

use qingting_shared::accounts::membership::{Membership, Role, Scope, Visibility};
use serde::{Deserialize, Serialize};
use worker::D1Database;

use crate::error::ApiError;
use crate::store::{changes, query};

/// `(all, merchant ids as a JSON array)`: the two values every visibility filter binds.
fn filter(vis: &Visibility) -> (bool, String) {
    match vis {
        Visibility::All => (true, "[]".into()),
        Visibility::Merchants(ids) => (false, serde_json::to_string(ids).unwrap_or_else(|_| "[]".into())),
    }
}

/// The `memberships.scope_kind` and `merchant_id` columns of a scope.
pub fn scope_columns(scope: &Scope) -> (&'static str, &str) {
    match scope {
        Scope::Platform => ("platform", ""),
        Scope::Merchant(id) => ("merchant", id.as_str()),
    }
}

fn scope_of(merchant_id: &str) -> Scope {
    if merchant_id.is_empty() { Scope::Platform } else { Scope::Merchant(merchant_id.to_string()) }
}

#[derive(Debug, Deserialize, Serialize)]
pub struct Merchant {
    pub id: String,
    pub name: String,
    pub created_at: String,
}

/// Creates a merchant with its default team, in one batch.
pub async fn create_merchant(db: &D1Database, m: &Merchant, team_id: &str, team_name: &str) -> Result<(), ApiError> {
    db.batch(vec![
        query!(db, "INSERT INTO merchants (id, name, created_at) VALUES (?1, ?2, ?3)", &m.id, &m.name, &m.created_at)?,
        query!(db, "INSERT INTO teams (id, merchant_id, name, is_default, created_at) VALUES (?1, ?2, ?3, 1, ?4)", team_id, &m.id, team_name, &m.created_at)?,
    ])
    .await?;
    Ok(())
}

/// The merchants a caller sees, oldest first.
pub async fn merchants(db: &D1Database, vis: &Visibility) -> Result<Vec<Merchant>, ApiError> {
    let (all, ids) = filter(vis);
    Ok(query!(db, "SELECT id, name, created_at FROM merchants WHERE (?1 = 1 OR id IN (SELECT value FROM json_each(?2))) ORDER BY created_at, id", all, &ids)?
        .all()
        .await?
        .results::<Merchant>()?)
}

pub async fn merchant_exists(db: &D1Database, id: &str) -> Result<bool, ApiError> {
    Ok(query!(db, "SELECT id FROM merchants WHERE id = ?1", id)?.first::<serde_json::Value>(None).await?.is_some())
}

/// A new, invited user: no password yet.
pub struct Invitee<'a> {
    pub id: &'a str,
    pub email: &'a str,
    pub display_name: &'a str,
    pub membership: &'a Membership,
}

/// Creates the user, their membership, their place in the scope's default team and the
/// invitation (by the token's hash), in one batch. `false`: the e-mail address is taken (nothing
/// was written).
pub async fn invite(
    db: &D1Database,
    who: &Invitee<'_>,
    token_hash: &str,
    invited_by: &str,
    now_iso: &str,
    now: i64,
    expires_at: i64,
) -> Result<bool, ApiError> {
    let (kind, merchant) = scope_columns(&who.membership.scope);
    let results = db
        .batch(vec![
            query!(
                db,
                "INSERT INTO users (id, email, display_name, password_hash, active, created_at) VALUES (?1, ?2, ?3, NULL, 1, ?4) ON CONFLICT (email) DO NOTHING",
                who.id,
                who.email,
                who.display_name,
                now_iso,
            )?,
            query!(
                db,
                "INSERT INTO memberships (user_id, scope_kind, merchant_id, role, created_at) SELECT ?1, ?2, ?3, ?4, ?5 \
                 WHERE EXISTS (SELECT 1 FROM users WHERE id = ?1)",
                who.id,
                kind,
                merchant,
                who.membership.role,
                now_iso,
            )?,
            query!(
                db,
                "INSERT INTO team_members (team_id, user_id) SELECT id, ?1 FROM teams WHERE merchant_id = ?2 AND is_default = 1 \
                 AND EXISTS (SELECT 1 FROM users WHERE id = ?1)",
                who.id,
                merchant,
            )?,
            query!(
                db,
                "INSERT INTO invitations (token_hash, user_id, invited_by, created_at, expires_at) SELECT ?1, ?2, ?3, ?4, ?5 \
                 WHERE EXISTS (SELECT 1 FROM users WHERE id = ?2)",
                token_hash,
                who.id,
                invited_by,
                now as f64,
                expires_at as f64,
            )?,
        ])
        .await?;
    Ok(results.first().map(changes) == Some(1))
}

/// A new setup token for a user still waiting to set up (no password, active), replacing their
/// unused ones, in one batch. `false`: the user is not waiting (nothing was written).
pub async fn reinvite(db: &D1Database, user_id: &str, token_hash: &str, invited_by: &str, now: i64, expires_at: i64) -> Result<bool, ApiError> {
    let waiting = "EXISTS (SELECT 1 FROM users WHERE id = ?1 AND password_hash IS NULL AND active = 1)";
    let results = db
        .batch(vec![
            query!(db, format!("DELETE FROM invitations WHERE user_id = ?1 AND used_at IS NULL AND {waiting}"), user_id)?,
            query!(
                db,
                format!("INSERT INTO invitations (token_hash, user_id, invited_by, created_at, expires_at) SELECT ?2, ?1, ?3, ?4, ?5 WHERE {waiting}"),
                user_id,
                token_hash,
                invited_by,
                now as f64,
                expires_at as f64,
            )?,
        ])
        .await?;
    Ok(results.last().map(changes) == Some(1))
}

/// A stored invitation, by its token's hash.
#[derive(Deserialize)]
pub struct Invitation {
    pub user_id: String,
    pub expires_at: f64,
    pub used_at: Option<f64>,
    pub active: i64,
}

pub async fn invitation(db: &D1Database, token_hash: &str) -> Result<Option<Invitation>, ApiError> {
    Ok(query!(
        db,
        "SELECT i.user_id, i.expires_at, i.used_at, u.active FROM invitations i JOIN users u ON u.id = i.user_id WHERE i.token_hash = ?1",
        token_hash,
    )?
    .first::<Invitation>(None)
    .await?)
}

/// Sets the password, starts a session and marks the invitation used, in one batch that does
/// nothing unless the invitation is still unused and unexpired and its user active (so of two
/// concurrent uses, one wins). `false`: it was not.
pub async fn complete_setup(db: &D1Database, token_hash: &str, user_id: &str, password_hash: &str, session_hash: &str, now: i64) -> Result<bool, ApiError> {
    let valid = "EXISTS (SELECT 1 FROM invitations i JOIN users u ON u.id = i.user_id \
                 WHERE i.token_hash = ?1 AND i.used_at IS NULL AND i.expires_at > ?2 AND u.active = 1)";
    let now = now as f64;
    let results = db
        .batch(vec![
            query!(db, format!("UPDATE users SET password_hash = ?3 WHERE id = ?4 AND {valid}"), token_hash, now, password_hash, user_id)?,
            query!(
                db,
                format!("INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at) SELECT ?3, ?4, ?2, ?2 WHERE {valid}"),
                token_hash,
                now,
                session_hash,
                user_id,
            )?,
            query!(db, format!("UPDATE invitations SET used_at = ?2 WHERE token_hash = ?1 AND {valid}"), token_hash, now)?,
        ])
        .await?;
    Ok(results.last().map(changes) == Some(1))
}

/// Sets a new password and ends every other session of the user, in one batch.
pub async fn change_password(db: &D1Database, user_id: &str, password_hash: &str, keep_session: &str) -> Result<(), ApiError> {
    db.batch(vec![
        query!(db, "UPDATE users SET password_hash = ?2 WHERE id = ?1", user_id, password_hash)?,
        query!(db, "DELETE FROM sessions WHERE user_id = ?1 AND token_hash <> ?2", user_id, keep_session)?,
    ])
    .await?;
    Ok(())
}

/// Switches a user off: `active = 0`, every session deleted and unused invitations withdrawn, in
/// one batch (their next request answers `401`).
pub async fn deactivate(db: &D1Database, user_id: &str) -> Result<(), ApiError> {
    db.batch(vec![
        query!(db, "UPDATE users SET active = 0 WHERE id = ?1", user_id)?,
        query!(db, "DELETE FROM sessions WHERE user_id = ?1", user_id)?,
        query!(db, "DELETE FROM invitations WHERE user_id = ?1 AND used_at IS NULL", user_id)?,
    ])
    .await?;
    Ok(())
}

/// A staff member as lists show them: only the memberships the caller can see.
#[derive(Debug, Serialize)]
pub struct StaffMember {
    pub id: String,
    pub email: String,
    pub display_name: String,
    /// `active`, `invited` (no password set yet) or `deactivated`.
    pub status: &'static str,
    pub memberships: Vec<Membership>,
    pub created_at: String,
}

#[derive(Deserialize)]
struct StaffRow {
    id: String,
    email: String,
    display_name: String,
    active: i64,
    has_password: i64,
    created_at: String,
    merchant_id: String,
    role: Role,
}

/// The staff a caller sees (`only`: one user), each with the memberships in the caller's view.
pub async fn staff(db: &D1Database, vis: &Visibility, only: Option<&str>) -> Result<Vec<StaffMember>, ApiError> {
    let (all, ids) = filter(vis);
    let rows = query!(
        db,
        "SELECT u.id, u.email, u.display_name, u.active, u.password_hash IS NOT NULL AS has_password, u.created_at, m.merchant_id, m.role \
         FROM users u JOIN memberships m ON m.user_id = u.id \
         WHERE (?1 = 1 OR m.merchant_id IN (SELECT value FROM json_each(?2))) AND (?3 IS NULL OR u.id = ?3) \
         ORDER BY u.created_at, u.id, m.scope_kind DESC, m.merchant_id LIMIT 5000",
        all,
        &ids,
        only,
    )?
    .all()
    .await?
    .results::<StaffRow>()?;
    let mut out: Vec<StaffMember> = Vec::new();
    for r in rows {
        let membership = Membership { scope: scope_of(&r.merchant_id), role: r.role };
        match out.last_mut() {
            Some(last) if last.id == r.id => last.memberships.push(membership),
            _ => out.push(StaffMember {
                status: match (r.active, r.has_password) {
                    (0, _) => "deactivated",
                    (_, 0) => "invited",
                    _ => "active",
                },
                id: r.id,
                email: r.email,
                display_name: r.display_name,
                memberships: vec![membership],
                created_at: r.created_at,
            }),
        }
    }
    Ok(out)
}

/// A team as the API shows it.
#[derive(Debug, Serialize)]
pub struct Team {
    pub id: String,
    /// `None` for a platform team.
    pub merchant: Option<String>,
    pub name: String,
    pub is_default: bool,
    pub members: Vec<TeamMember>,
    /// The team's chat channel for notifications, its secret shown as `********`.
    pub channel: Option<qingting_shared::forward::Destination>,
}

#[derive(Debug, Deserialize, Serialize)]
pub struct TeamMember {
    pub id: String,
    pub display_name: String,
    pub email: String,
}

#[derive(Deserialize)]
struct TeamRow {
    id: String,
    merchant_id: String,
    name: String,
    is_default: i64,
    channel: Option<String>,
}

impl TeamRow {
    fn team(self) -> Team {
        Team {
            merchant: (!self.merchant_id.is_empty()).then_some(self.merchant_id),
            id: self.id,
            name: self.name,
            is_default: self.is_default == 1,
            members: vec![],
            channel: self.channel.and_then(|c| serde_json::from_str::<qingting_shared::forward::Destination>(&c).ok()).map(|c| c.redacted()),
        }
    }
}

impl Team {
    /// The scope whose admins manage this team.
    pub fn scope(&self) -> Scope {
        scope_of(self.merchant.as_deref().unwrap_or(""))
    }
}

/// Creates a team. `false`: its scope has a team with this name already.
pub async fn create_team(db: &D1Database, id: &str, scope: &Scope, name: &str, now_iso: &str) -> Result<bool, ApiError> {
    let (_, merchant) = scope_columns(scope);
    let r = query!(
        db,
        "INSERT INTO teams (id, merchant_id, name, is_default, created_at) VALUES (?1, ?2, ?3, 0, ?4) ON CONFLICT DO NOTHING",
        id,
        merchant,
        name,
        now_iso,
    )?
    .run()
    .await?;
    Ok(changes(&r) == 1)
}

/// The teams a caller sees (`only`: one team), with their members, default team first.
pub async fn teams(db: &D1Database, vis: &Visibility, only: Option<&str>) -> Result<Vec<Team>, ApiError> {
    let (all, ids) = filter(vis);
    let visible = "(?1 = 1 OR t.merchant_id IN (SELECT value FROM json_each(?2))) AND (?3 IS NULL OR t.id = ?3)";
    let rows = query!(
        db,
        format!("SELECT t.id, t.merchant_id, t.name, t.is_default, t.channel FROM teams t WHERE {visible} ORDER BY t.merchant_id, t.is_default DESC, t.name LIMIT 1000"),
        all,
        &ids,
        only,
    )?
    .all()
    .await?
    .results::<TeamRow>()?;
    #[derive(Deserialize)]
    struct MemberRow {
        team_id: String,
        id: String,
        display_name: String,
        email: String,
    }
    let members = query!(
        db,
        format!(
            "SELECT tm.team_id, u.id, u.display_name, u.email FROM team_members tm JOIN teams t ON t.id = tm.team_id \
             JOIN users u ON u.id = tm.user_id WHERE {visible} ORDER BY u.display_name, u.id"
        ),
        all,
        &ids,
        only,
    )?
    .all()
    .await?
    .results::<MemberRow>()?;
    let mut teams: Vec<Team> = Vec::with_capacity(rows.len());
    for mut row in rows {
        // Channels are stored sealed (`crate::seal`).
        row.channel = match row.channel {
            Some(c) => Some(crate::store::notifications::open_channel(&c).await?),
            None => None,
        };
        teams.push(row.team());
    }
    for m in members {
        if let Some(t) = teams.iter_mut().find(|t| t.id == m.team_id) {
            t.members.push(TeamMember { id: m.id, display_name: m.display_name, email: m.email });
        }
    }
    Ok(teams)
}

/// Whether the user holds a membership in `scope`.
pub async fn is_member_of(db: &D1Database, user_id: &str, scope: &Scope) -> Result<bool, ApiError> {
    let (kind, merchant) = scope_columns(scope);
    Ok(query!(db, "SELECT user_id FROM memberships WHERE user_id = ?1 AND scope_kind = ?2 AND merchant_id = ?3", user_id, kind, merchant)?
        .first::<serde_json::Value>(None)
        .await?
        .is_some())
}

/// Adds a member (again: nothing changes).
pub async fn add_team_member(db: &D1Database, team_id: &str, user_id: &str) -> Result<(), ApiError> {
    query!(db, "INSERT INTO team_members (team_id, user_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING", team_id, user_id)?.run().await?;
    Ok(())
}

/// Removes a member (not a member: nothing changes).
pub async fn remove_team_member(db: &D1Database, team_id: &str, user_id: &str) -> Result<(), ApiError> {
    query!(db, "DELETE FROM team_members WHERE team_id = ?1 AND user_id = ?2", team_id, user_id)?.run().await?;
    Ok(())
}
