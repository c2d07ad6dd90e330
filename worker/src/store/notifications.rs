//! Notifications (migration 0016): the statements that write them beside the change they report,
//! and a person's list. Each insert is `INSERT OR IGNORE` on the key (user, ticket, kind, ref), so
//! a repeated or overlapping write tells nobody twice.

use serde::{Deserialize, Serialize};
use worker::{D1Database, D1PreparedStatement};

use crate::error::ApiError;
use crate::store::query;

/// What a notification reports (the `kind` column).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Assigned,
    Warning,
    Breach,
    Escalated,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Assigned => "assigned",
            Kind::Warning => "warning",
            Kind::Breach => "breach",
            Kind::Escalated => "escalated",
        }
    }
}

/// Tells `user` about ticket `ticket`, only if the ticket is at `version` (the batch's own change
/// took).
pub fn to_user(db: &D1Database, user: &str, ticket: &str, kind: Kind, reference: &str, at: &str, version: u64) -> Result<D1PreparedStatement, ApiError> {
    Ok(query!(
        db,
        "INSERT OR IGNORE INTO notifications (user_id, ticket_id, kind, ref, at) \
         SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM complaints WHERE id = ?2 AND version = ?6)",
        user,
        ticket,
        kind.as_str(),
        reference,
        at,
        version as f64,
    )?)
}

/// Tells the merchant of ticket `ticket` — its admins and supervisors — (the platform stepped in).
pub fn to_merchant(db: &D1Database, ticket: &str, kind: Kind, reference: &str, at: &str) -> Result<D1PreparedStatement, ApiError> {
    Ok(query!(
        db,
        "INSERT OR IGNORE INTO notifications (user_id, ticket_id, kind, ref, at) \
         SELECT m.user_id, c.id, ?2, ?3, ?4 FROM complaints c JOIN sites s ON s.key = c.site_key \
         JOIN memberships m ON m.merchant_id = s.merchant_id AND m.scope_kind = 'merchant' AND m.role IN ('admin', 'supervisor') \
         JOIN users u ON u.id = m.user_id AND u.active = 1 WHERE c.id = ?1",
        ticket,
        kind.as_str(),
        reference,
        at,
    )?)
}

/// Tells the ticket's assignee and its team's supervisors (an SLA warning or breach).
pub fn to_assignee_and_supervisors(db: &D1Database, ticket: &str, kind: Kind, reference: &str, at: &str) -> Result<D1PreparedStatement, ApiError> {
    Ok(query!(
        db,
        "INSERT OR IGNORE INTO notifications (user_id, ticket_id, kind, ref, at) \
         SELECT who, ?1, ?2, ?3, ?4 FROM ( \
           SELECT assignee_id AS who FROM complaints WHERE id = ?1 AND assignee_id IS NOT NULL \
           UNION SELECT tm.user_id FROM complaints c JOIN team_members tm ON tm.team_id = c.team_id \
             JOIN teams t ON t.id = c.team_id \
             JOIN memberships m ON m.user_id = tm.user_id AND m.merchant_id = t.merchant_id AND m.role = 'supervisor' \
             WHERE c.id = ?1)",
        ticket,
        kind.as_str(),
        reference,
        at,
    )?)
}

/// A notification as the console lists it.
#[derive(Debug, Deserialize, Serialize)]
pub struct Row {
    pub id: f64,
    pub ticket_id: String,
    pub ticket_no: String,
    pub kind: String,
    #[serde(rename = "ref")]
    pub reference: String,
    pub at: String,
    pub read_at: Option<String>,
}

/// `user`'s latest notifications (unread only if asked), newest first, and how many are unread.
pub async fn list(db: &D1Database, user: &str, unread_only: bool, limit: u32) -> Result<(Vec<Row>, u32), ApiError> {
    let rows = query!(
        db,
        "SELECT n.id, n.ticket_id, c.ticket_no, n.kind, n.ref, n.at, n.read_at FROM notifications n JOIN complaints c ON c.id = n.ticket_id \
         WHERE n.user_id = ?1 AND (?2 = 0 OR n.read_at IS NULL) ORDER BY n.id DESC LIMIT ?3",
        user,
        unread_only,
        limit,
    )?
    .all()
    .await?
    .results::<Row>()?;
    #[derive(Deserialize)]
    struct N {
        n: f64,
    }
    let unread =
        query!(db, "SELECT COUNT(*) AS n FROM notifications WHERE user_id = ?1 AND read_at IS NULL", user)?.first::<N>(None).await?.map_or(0, |n| n.n as u32);
    Ok((rows, unread))
}

/// Marks `user`'s notifications read: the ones listed, or all.
pub async fn mark_read(db: &D1Database, user: &str, ids: Option<&[u64]>, at: &str) -> Result<(), ApiError> {
    match ids {
        None => query!(db, "UPDATE notifications SET read_at = ?2 WHERE user_id = ?1 AND read_at IS NULL", user, at)?.run().await?,
        Some(ids) => {
            let list = serde_json::to_string(ids).map_err(|e| ApiError::Internal(e.to_string()))?;
            query!(
                db,
                "UPDATE notifications SET read_at = ?2 WHERE user_id = ?1 AND read_at IS NULL AND id IN (SELECT value FROM json_each(?3))",
                user,
                at,
                list.as_str()
            )?
            .run()
            .await?
        }
    };
    Ok(())
}

/// The channel of a person (`to_kind = "user"`) or a team (`"team"`), if set.
pub async fn channel(db: &D1Database, to_kind: &str, to: &str) -> Result<Option<qingting_shared::forward::Destination>, ApiError> {
    #[derive(Deserialize)]
    struct C {
        channel: Option<String>,
    }
    if to_kind == "destination" {
        // `<site>\n<destination id>`: one of the site's forwarding destinations.
        let Some((site, id)) = to.split_once('\n') else { return Ok(None) };
        return Ok(crate::store::sites::destinations(db, site).await?.into_iter().find(|d| d.id == id));
    }
    let sql = match to_kind {
        "user" => "SELECT channel FROM users WHERE id = ?1",
        "team" => "SELECT channel FROM teams WHERE id = ?1",
        _ => return Ok(None),
    };
    let row = query!(db, sql, to)?.first::<C>(None).await?;
    let Some(stored) = row.and_then(|c| c.channel) else { return Ok(None) };
    let json = open_channel(&stored).await?;
    serde_json::from_str(&json).map(Some).map_err(|e| ApiError::Internal(format!("bad channel stored for {to_kind} {to}: {e}")))
}

/// Sets (or, with `None`, clears) the channel of a person or a team.
/// A stored channel's JSON: a sealed one (a JSON string, `crate::seal`) opened, an older plain
/// one as it is.
pub async fn open_channel(stored: &str) -> Result<String, ApiError> {
    match serde_json::from_str::<serde_json::Value>(stored) {
        Ok(serde_json::Value::String(sealed)) => crate::seal::open(&sealed).await,
        _ => Ok(stored.to_string()),
    }
}

pub async fn set_channel(db: &D1Database, to_kind: &str, to: &str, channel: Option<&qingting_shared::forward::Destination>) -> Result<(), ApiError> {
    let json = channel.map(|c| serde_json::to_string(c).map_err(|e| ApiError::Internal(e.to_string()))).transpose()?;
    // Sealed (`crate::seal`): a channel's URL and secret are a bot's credentials. The column must
    // hold JSON (a CHECK), so the sealed text is stored as a JSON string.
    let json = match json {
        Some(j) => Some(serde_json::Value::String(crate::seal::seal(&j).await?).to_string()),
        None => None,
    };
    let sql = match to_kind {
        "user" => "UPDATE users SET channel = ?2 WHERE id = ?1",
        _ => "UPDATE teams SET channel = ?2 WHERE id = ?1",
    };
    query!(db, sql, to, json.as_deref())?.run().await?;
    Ok(())
}

/// A notification not yet sent to the channels, with what deciding and sending it needs.
#[derive(Debug, Deserialize)]
pub struct Unsent {
    pub id: f64,
    pub user_id: String,
    pub ticket_id: String,
    pub kind: String,
    #[serde(rename = "ref")]
    pub reference: String,
    pub ticket_no: String,
    pub priority: Option<qingting_shared::Priority>,
    pub site_key: String,
    pub team_id: Option<String>,
    pub user_channel: f64,
    pub team_channel: f64,
    pub platform_staff: f64,
}

/// The oldest notifications not yet sent to the channels (the partial index `notifications_unsent`).
pub async fn unsent(db: &D1Database, limit: u32) -> Result<Vec<Unsent>, ApiError> {
    Ok(query!(
        db,
        "SELECT n.id, n.user_id, n.ticket_id, n.kind, n.ref, c.ticket_no, c.priority, c.site_key, c.team_id, \
         u.channel IS NOT NULL AS user_channel, COALESCE(t.channel IS NOT NULL, 0) AS team_channel, \
         EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = n.user_id AND m.scope_kind = 'platform') AS platform_staff \
         FROM notifications n JOIN complaints c ON c.id = n.ticket_id JOIN users u ON u.id = n.user_id LEFT JOIN teams t ON t.id = c.team_id \
         WHERE n.sent_at IS NULL ORDER BY n.id LIMIT ?1",
        limit
    )?
    .all()
    .await?
    .results::<Unsent>()?)
}

/// Claims a notification for the channels (queued, or nothing to send): `true` for the one run
/// that claims it.
pub async fn claim(db: &D1Database, id: u64, at: &str) -> Result<bool, ApiError> {
    let r = query!(db, "UPDATE notifications SET sent_at = ?2 WHERE id = ?1 AND sent_at IS NULL", id as f64, at)?.run().await?;
    Ok(crate::store::changes(&r) == 1)
}

/// Gives a claim back (the queue refused the notice; the next run tries again).
pub async fn unclaim(db: &D1Database, id: u64) -> Result<(), ApiError> {
    query!(db, "UPDATE notifications SET sent_at = NULL WHERE id = ?1", id as f64)?.run().await?;
    Ok(())
}

/// Claims the team notice of (team, ticket, kind, ref): `true` for the one run that claims it.
pub async fn claim_team_notice(db: &D1Database, team: &str, ticket: &str, kind: &str, reference: &str, at: &str) -> Result<bool, ApiError> {
    let r =
        query!(db, "INSERT OR IGNORE INTO team_notices (team_id, ticket_id, kind, ref, at) VALUES (?1, ?2, ?3, ?4, ?5)", team, ticket, kind, reference, at)?
            .run()
            .await?;
    Ok(crate::store::changes(&r) == 1)
}

/// A routing rule's notice not yet sent.
#[derive(Debug, Deserialize)]
pub struct RuleNotice {
    pub id: f64,
    pub ticket_id: String,
    pub ticket_no: String,
    pub site_key: String,
    pub destination_id: String,
    pub rules: String,
}

/// The oldest routing-rule notices not yet sent.
pub async fn unsent_rule_notices(db: &D1Database, limit: u32) -> Result<Vec<RuleNotice>, ApiError> {
    Ok(query!(
        db,
        "SELECT r.id, r.ticket_id, c.ticket_no, r.site_key, r.destination_id, r.rules FROM rule_notices r JOIN complaints c ON c.id = r.ticket_id \
         WHERE r.sent_at IS NULL ORDER BY r.id LIMIT ?1",
        limit
    )?
    .all()
    .await?
    .results::<RuleNotice>()?)
}

/// Claims a routing-rule notice (`true` for the one run that does), or gives it back.
pub async fn claim_rule_notice(db: &D1Database, id: u64, at: Option<&str>) -> Result<bool, ApiError> {
    let r = match at {
        Some(at) => query!(db, "UPDATE rule_notices SET sent_at = ?2 WHERE id = ?1 AND sent_at IS NULL", id as f64, at)?.run().await?,
        None => query!(db, "UPDATE rule_notices SET sent_at = NULL WHERE id = ?1", id as f64)?.run().await?,
    };
    Ok(crate::store::changes(&r) == 1)
}
