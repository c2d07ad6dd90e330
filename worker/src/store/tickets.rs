//! Tickets as staff work them: the inbox (filtered by the caller's tenancy), one ticket with its
//! conversation and timeline, and a change written as one batch (the row guarded by `version`,
//! its event, and the message or follower it adds).

use qingting_shared::accounts::membership::Visibility;
use qingting_shared::api::ReplyAuthor;
use qingting_shared::workflow::calendar::Calendar;
use qingting_shared::workflow::sla::{Clocks, follow};
use qingting_shared::workflow::sort::InboxSort;
use qingting_shared::workflow::{Action, Change, ChangeKind, TicketState, TicketStatus};
use qingting_shared::{Category, Priority};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement};

use crate::error::ApiError;
use crate::store::{Bind, any_row, query, sla, tenancy_clause, took};

/// The statement that records `change` (version after the change; unique per ticket, so two
/// writers can never both record the same version).
pub fn event_statement(db: &D1Database, ticket_id: &str, change: &Change, now: &str) -> Result<D1PreparedStatement, ApiError> {
    Ok(query!(
        db,
        "INSERT INTO ticket_events (ticket_id, version, at, actor_kind, actor_id, kind, from_status, to_status, payload) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        ticket_id,
        change.version as f64,
        now,
        change.actor.kind,
        change.actor.id.as_deref(),
        change.kind,
        change.from_status,
        change.to_status,
        &change.payload.to_string(),
    )?)
}

/// A ticket in a list.
#[derive(Debug, Deserialize, Serialize)]
pub struct TicketListRow {
    pub id: String,
    pub ticket_no: String,
    pub status: String,
    pub holder: String,
    pub priority: Option<Priority>,
    pub category: Option<Category>,
    pub site: String,
    pub merchant: Option<String>,
    pub team: Option<String>,
    pub assignee: Option<String>,
    pub version: f64,
    pub created_at: String,
    /// The complaint's first 120 characters (masked).
    pub preview: String,
    /// The earliest due time of the clocks that run (none while paused or without clocks).
    pub sla_due_at: Option<String>,
    /// A warning's or breach's record: 1 when a clock has breached.
    pub sla_breached: f64,
}

/// Inbox filters (all optional); `view` is one of the saved views.
#[derive(Debug, Default, Deserialize)]
pub struct Filters {
    pub view: Option<String>,
    pub status: Option<String>,
    pub holder: Option<String>,
    pub priority: Option<String>,
    pub category: Option<String>,
    pub site: Option<String>,
    pub team: Option<String>,
    pub assignee: Option<String>,
    pub q: Option<String>,
    pub created_from: Option<String>,
    pub created_to: Option<String>,
    /// The dashboards' drill-down: a merchant (`-`: sites without one), a channel, a region (`-`: unknown).
    pub merchant: Option<String>,
    pub channel: Option<String>,
    pub region: Option<String>,
    /// `newest` (the default), `oldest` or `priority` ([`InboxSort`]).
    pub sort: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

/// The tickets a caller may see: through the site's merchant.
fn tenancy(visibility: &Visibility, args: &mut Vec<JsValue>) -> String {
    tenancy_clause(visibility, "s.merchant_id", false, args)
}

/// The sort key the database orders by for [`InboxSort::Priority`] (the same expression as the
/// index `complaints_priority_oldest`, migration 0011, so SQLite can use it).
const PRIORITY_RANK: &str = "COALESCE(c.priority, 'P9')";

/// One page of the inbox in the asked order (newest first by default), and the cursor of the
/// next page.
pub async fn list(db: &D1Database, visibility: &Visibility, me: &str, f: &Filters) -> Result<(Vec<TicketListRow>, Option<String>), ApiError> {
    let mut args: Vec<JsValue> = Vec::new();
    let mut clauses = vec![tenancy(visibility, &mut args)];
    // `?` in a clause becomes the next numbered parameter, bound to `value`.
    fn bind(clauses: &mut Vec<String>, args: &mut Vec<JsValue>, clause: &str, value: JsValue) {
        args.push(value);
        clauses.push(clause.replace('?', &format!("?{}", args.len())));
    }
    match f.view.as_deref() {
        None | Some("all") => {}
        Some("mine") => bind(&mut clauses, &mut args, "c.assignee_id = ? AND c.status IN ('new', 'open', 'waiting_customer')", me.js()),
        Some("team_unassigned") => clauses.push("c.assignee_id IS NULL AND c.status IN ('new', 'open')".into()),
        // A third of all tickets are unresolved: reading the newest-first index and skipping the
        // others finds a page after a few hundred rows, while the status index (which SQLite
        // would otherwise pick) means sorting every unresolved ticket. `+` keeps it off that index.
        Some("unresolved") => clauses.push("+c.status IN ('new', 'open', 'waiting_customer')".into()),
        Some("urgent") => clauses.push("c.priority = 'P1' AND c.status IN ('new', 'open', 'waiting_customer')".into()),
        Some("waiting") => clauses.push("c.status = 'waiting_customer'".into()),
        Some("resolved") => clauses.push("c.status = 'resolved'".into()),
        // 平台介入: what the platform holds and has not resolved.
        Some("platform") => clauses.push("c.holder = 'platform' AND +c.status IN ('new', 'open', 'waiting_customer')".into()),
        // 已超时: unresolved with a recorded breach; 即将超时: a running clock warned, not breached.
        // `c.sla_marks != 0` lets SQLite read the partial index `complaints_sla_marked`.
        Some("breached") => clauses.push("c.sla_marks != 0 AND (c.sla_marks & 10) != 0 AND +c.status IN ('new', 'open', 'waiting_customer')".into()),
        Some("at_risk") => clauses.push(
            "c.sla_marks != 0 AND (((c.sla_marks & 3) = 1 AND c.sla_first_due_at IS NOT NULL) OR ((c.sla_marks & 12) = 4 AND c.sla_resolve_due_at IS NOT NULL)) \
             AND +c.status IN ('new', 'open', 'waiting_customer')"
                .into(),
        ),
        Some(_) => {
            return Err(ApiError::InvalidQuery(
                "view must be one of all, mine, team_unassigned, unresolved, urgent, waiting, resolved, platform, at_risk, breached".into(),
            ));
        }
    }
    for (clause, value) in [
        ("c.status = ?", &f.status),
        ("c.holder = ?", &f.holder),
        (if f.priority.as_deref() == Some("-") { "COALESCE(c.priority, '') = ?" } else { "c.priority = ?" }, &f.priority),
        (if f.category.as_deref() == Some("-") { "COALESCE(c.category, '') = ?" } else { "c.category = ?" }, &f.category),
        ("c.site_key = ?", &f.site),
        ("c.team_id = ?", &f.team),
        ("c.assignee_id = ?", &f.assignee),
        ("c.created_at >= ?", &f.created_from),
        ("c.created_at < ?", &f.created_to),
        ("COALESCE(s.merchant_id, '') = ?", &f.merchant),
        ("c.channel = ?", &f.channel),
        ("c.region = ?", &f.region),
    ] {
        if let Some(v) = value {
            // `-` is "none" (no category or priority, a site without a merchant, an unknown
            // region), stored as '' (or NULL, read through COALESCE above).
            bind(&mut clauses, &mut args, clause, if v == "-" { "".js() } else { v.as_str().js() });
        }
    }
    if let Some(expr) = f.q.as_deref().and_then(qingting_shared::workflow::search::match_expression) {
        // Every part must appear (bigrams of the masked text, the ticket number, the order id).
        bind(&mut clauses, &mut args, "c.id IN (SELECT ticket_id FROM ticket_search WHERE ticket_search MATCH ?)", expr.as_str().js());
    }
    let sort = match f.sort.as_deref() {
        None => InboxSort::default(),
        Some(s) => InboxSort::parse(s).ok_or_else(|| ApiError::InvalidQuery("sort must be one of newest, oldest, priority".into()))?,
    };
    if let Some(text) = &f.cursor {
        let c = sort.read_cursor(text).map_err(|e| ApiError::InvalidQuery(e.to_string()))?;
        let (at, id) = (args.len() + 1, args.len() + 2);
        args.push(c.at.as_str().js());
        args.push(c.id.as_str().js());
        clauses.push(match sort {
            InboxSort::Newest => format!("(c.created_at < ?{at} OR (c.created_at = ?{at} AND c.id < ?{id}))"),
            InboxSort::Oldest => format!("(c.created_at > ?{at} OR (c.created_at = ?{at} AND c.id > ?{id}))"),
            InboxSort::Priority => {
                args.push(c.rank.as_str().js());
                let rank = args.len();
                format!("({PRIORITY_RANK} > ?{rank} OR ({PRIORITY_RANK} = ?{rank} AND (c.created_at > ?{at} OR (c.created_at = ?{at} AND c.id > ?{id}))))")
            }
        });
    }
    let order = match sort {
        InboxSort::Newest => "c.created_at DESC, c.id DESC".to_string(),
        InboxSort::Oldest => "c.created_at, c.id".to_string(),
        InboxSort::Priority => format!("{PRIORITY_RANK}, c.created_at, c.id"),
    };
    let limit = f.limit.unwrap_or(50).clamp(1, 100);
    args.push((limit + 1).js());
    let sql = format!(
        "SELECT c.id, c.ticket_no, c.status, c.holder, c.priority, c.category, c.site_key AS site, s.merchant_id AS merchant, c.team_id AS team, \
         c.assignee_id AS assignee, c.version, c.created_at, substr(c.text, 1, 120) AS preview, \
         COALESCE(MIN(c.sla_first_due_at, c.sla_resolve_due_at), c.sla_first_due_at, c.sla_resolve_due_at) AS sla_due_at, \
         (c.sla_marks & 10) != 0 AS sla_breached \
         FROM complaints c JOIN sites s ON s.key = c.site_key WHERE {} ORDER BY {order} LIMIT ?{}",
        clauses.join(" AND "),
        args.len()
    );
    let mut rows = crate::store::statement(db, &sql, &args)?.all().await?.results::<TicketListRow>()?;
    let next = (rows.len() > limit as usize).then(|| {
        rows.truncate(limit as usize);
        rows.last().map(|r| sort.cursor(r.priority.map(|p| p.as_str()), &r.created_at, &r.id))
    });
    Ok((rows, next.flatten()))
}

/// How many tickets each saved view holds (the same conditions as [`list`]'s views).
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct ViewCounts {
    pub mine: f64,
    pub team_unassigned: f64,
    pub unresolved: f64,
    pub urgent: f64,
    pub waiting: f64,
    pub resolved: f64,
    pub platform: f64,
}

pub async fn view_counts(db: &D1Database, visibility: &Visibility, me: &str) -> Result<ViewCounts, ApiError> {
    let mut args: Vec<JsValue> = vec![me.js()];
    let clause = tenancy(visibility, &mut args);
    let active = "c.status IN ('new', 'open', 'waiting_customer')";
    // The platform sees every ticket: no join to the sites (one lookup per counted ticket) is
    // needed to know whose it is.
    let from = if matches!(visibility, Visibility::All) { "complaints c" } else { "complaints c JOIN sites s ON s.key = c.site_key" };
    let sql = format!(
        "SELECT COALESCE(SUM(c.assignee_id = ?1 AND {active}), 0) AS mine, \
         COALESCE(SUM(c.assignee_id IS NULL AND c.status IN ('new', 'open')), 0) AS team_unassigned, \
         COALESCE(SUM({active}), 0) AS unresolved, COALESCE(SUM(c.priority = 'P1' AND {active}), 0) AS urgent, \
         COALESCE(SUM(c.status = 'waiting_customer'), 0) AS waiting, COALESCE(SUM(c.status = 'resolved'), 0) AS resolved, \
         COALESCE(SUM(c.holder = 'platform' AND {active}), 0) AS platform \
         FROM {from} WHERE c.status IN ('new', 'open', 'waiting_customer', 'resolved') AND {clause}"
    );
    // Every counted view is about one of these statuses: the filter lets SQLite skip closed and
    // auto-replied tickets through `complaints_counts_holder` (migration 0013) instead of reading all.
    Ok(crate::store::statement(db, &sql, &args)?.first::<ViewCounts>(None).await?.unwrap_or_default())
}

/// Whether the caller may see ticket `id` (through its site's merchant); one they may not is
/// answered `404`, like one that does not exist.
pub async fn visible(db: &D1Database, visibility: &Visibility, id: &str) -> Result<bool, ApiError> {
    let mut args: Vec<JsValue> = vec![id.js()];
    let clause = tenancy(visibility, &mut args);
    let sql = format!("SELECT 1 FROM complaints c JOIN sites s ON s.key = c.site_key WHERE c.id = ?1 AND {clause} LIMIT 1");
    any_row(crate::store::statement(db, &sql, &args)?).await
}

/// The merchant a ticket belongs to (through its site); `None` for sites of no merchant.
pub async fn merchant_of(db: &D1Database, id: &str) -> Result<Option<String>, ApiError> {
    #[derive(Deserialize)]
    struct M {
        merchant_id: Option<String>,
    }
    Ok(query!(db, "SELECT s.merchant_id FROM complaints c JOIN sites s ON s.key = c.site_key WHERE c.id = ?1", id)?
        .first::<M>(None)
        .await?
        .and_then(|m| m.merchant_id))
}

/// Whether `user` is active staff who may see tickets of `merchant` (platform staff see all).
pub async fn may_hold(db: &D1Database, user: &str, merchant: Option<&str>) -> Result<bool, ApiError> {
    any_row(query!(
        db,
        "SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.user_id = ?1 AND u.active = 1 AND (m.scope_kind = 'platform' OR m.merchant_id = ?2) LIMIT 1",
        user,
        merchant.unwrap_or(""),
    )?)
    .await
}

/// Whether `team` is the ticket's merchant's team or a platform team.
pub async fn team_fits(db: &D1Database, team: &str, merchant: Option<&str>) -> Result<bool, ApiError> {
    any_row(query!(db, "SELECT 1 FROM teams WHERE id = ?1 AND (merchant_id = '' OR merchant_id = ?2) LIMIT 1", team, merchant.unwrap_or(""))?).await
}

/// A message on a ticket, as staff read the conversation.
#[derive(Debug, Deserialize, Serialize)]
pub struct MessageRow {
    pub author: ReplyAuthor,
    pub internal: f64,
    pub user_id: Option<String>,
    pub faq_id: Option<String>,
    pub text: String,
    pub created_at: String,
}

pub async fn messages(db: &D1Database, id: &str) -> Result<Vec<MessageRow>, ApiError> {
    Ok(query!(db, "SELECT author, internal, user_id, faq_id, text, created_at FROM ticket_replies WHERE complaint_id = ?1 ORDER BY id", id)?
        .all()
        .await?
        .results::<MessageRow>()?)
}

/// One recorded change.
#[derive(Debug, Deserialize, Serialize)]
pub struct EventRow {
    pub version: f64,
    pub at: String,
    pub actor_kind: String,
    pub actor_id: Option<String>,
    pub kind: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub payload: String,
}

pub async fn events(db: &D1Database, id: &str) -> Result<Vec<EventRow>, ApiError> {
    Ok(query!(
        db,
        "SELECT version, at, actor_kind, actor_id, kind, from_status, to_status, payload FROM ticket_events WHERE ticket_id = ?1 ORDER BY version",
        id
    )?
    .all()
    .await?
    .results::<EventRow>()?)
}

pub async fn followers(db: &D1Database, id: &str) -> Result<Vec<String>, ApiError> {
    #[derive(Deserialize)]
    struct F {
        user_id: String,
    }
    Ok(query!(db, "SELECT user_id FROM ticket_followers WHERE ticket_id = ?1 ORDER BY user_id", id)?
        .all()
        .await?
        .results::<F>()?
        .into_iter()
        .map(|f| f.user_id)
        .collect())
}

/// An applied action to write.
pub struct AppliedChange<'a> {
    pub id: &'a str,
    pub before: &'a TicketState,
    pub after: &'a TicketState,
    pub change: &'a Change,
    pub action: &'a Action,
    /// Who a public reply is shown as from.
    pub author: ReplyAuthor,
    pub now: &'a str,
    /// The ticket's site (its merchant's SLA terms) and its clocks before the change.
    pub site: &'a str,
    pub clocks: Option<Clocks>,
    /// The site's SLA terms when the caller has them already (the sweep), else read here.
    pub terms: Option<&'a sla::Terms>,
    /// When the ticket came in (the durations the change completes are measured from it).
    pub created_at: &'a str,
}

impl<'a> AppliedChange<'a> {
    /// `action` applied to the ticket `row` as read (`before` → `after`, recording `change`) at
    /// `now`; replies show as from support and the terms are read when needed, unless the caller
    /// says otherwise.
    pub fn of(
        row: &'a crate::store::complaints::ComplaintRow,
        before: &'a TicketState,
        after: &'a TicketState,
        change: &'a Change,
        action: &'a Action,
        now: &'a str,
    ) -> Result<AppliedChange<'a>, ApiError> {
        Ok(AppliedChange {
            id: &row.id,
            before,
            after,
            change,
            action,
            author: ReplyAuthor::Support,
            now,
            site: &row.site_key,
            clocks: row.sla.clocks()?,
            terms: None,
            created_at: &row.created_at,
        })
    }
}

/// Writes an applied action: the row (only if still at `before.version`), its event, and the
/// message or follower it adds, in one batch. `false`: someone else changed the ticket first
/// (nothing was written).
pub async fn write_change(db: &D1Database, w: &AppliedChange<'_>) -> Result<bool, ApiError> {
    write_change_with(db, w, Vec::new()).await
}

/// A change Qingting itself makes (an escalation, routing, an assignment): `action` by the system
/// actor applied to `row` as read (with `followers`, for actions that read them) and written like
/// a person's, with the statements `also(new version)` in the same batch. `false`: nothing to
/// change, the ticket is closed, or someone changed it first (nothing written).
pub async fn write_system_change(
    db: &D1Database,
    row: &crate::store::complaints::ComplaintRow,
    followers: Vec<String>,
    action: &Action,
    now: &str,
    terms: Option<&sla::Terms>,
    also: impl FnOnce(u64) -> Result<Vec<D1PreparedStatement>, ApiError>,
) -> Result<bool, ApiError> {
    use qingting_shared::workflow::{ActionError, Actor, apply};
    let mut before = row.state();
    before.followers = followers;
    let (after, change) = match apply(&row.id, &before, &Actor::system(), action) {
        Ok(applied) => applied,
        Err(ActionError::NoChange | ActionError::Closed) => return Ok(false),
        Err(e) => return Err(ApiError::Internal(format!("{} by the system: {e}", action.name()))),
    };
    let extra = also(after.version)?;
    let written = AppliedChange { terms, ..AppliedChange::of(row, &before, &after, &change, action, now)? };
    write_change_with(db, &written, extra).await
}

/// [`write_change`] with more statements in the same batch (each must hold itself to "only if
/// this batch's update took", as `WHERE EXISTS (… version = the new version)` does).
pub async fn write_change_with(db: &D1Database, w: &AppliedChange<'_>, also: Vec<D1PreparedStatement>) -> Result<bool, ApiError> {
    let AppliedChange { id, before, after, change, action, author, now, site, ref clocks, terms, created_at } = *w;
    let mut args: Vec<JsValue> = vec![
        id.js(),
        (before.version as f64).js(),
        after.status.js(),
        after.holder.js(),
        after.team.as_deref().js(),
        after.assignee.as_deref().js(),
        after.category.as_ref().map(Category::as_str).js(),
        after.priority.js(),
        after.merged_into.as_deref().js(),
        (after.version as f64).js(),
        now.js(),
    ];
    let mut set =
        "status = ?3, holder = ?4, team_id = ?5, assignee_id = ?6, category = ?7, priority = ?8, merged_into = ?9, version = ?10, updated_at = ?11".to_string();
    // The SLA clocks follow the change (started, paused, resumed, answered, given new targets).
    let runs = matches!(after.status, TicketStatus::New | TicketStatus::Open);
    let measures = crate::store::analytics::measured(change, author);
    let read;
    let terms = match terms {
        Some(t) => Some(t),
        None if clocks.is_some() || runs || !measures.is_empty() => {
            read = sla::terms_for_site(db, site).await?;
            Some(&read)
        }
        None => None,
    };
    let at = Calendar::parse_instant(now).map_err(|e| ApiError::Internal(e.to_string()))?;
    if let Some(terms) = terms.filter(|_| clocks.is_some() || runs) {
        let next = follow(clocks.clone(), &terms.policy, &terms.calendar, before, after, change, at);
        let columns = sla::ClockColumns::of(next.as_ref(), &terms.calendar)?;
        set = format!("{set}, {}", sla::set_clause(args.len() + 1));
        args.extend(columns.args());
    }
    // What the dashboards count: resolutions and reopens (the counts' triggers read them).
    if change.kind == ChangeKind::Resolved {
        set.push_str(", resolutions = resolutions + 1");
    }
    if change.is_reopen() {
        set.push_str(", reopens = reopens + 1");
    }
    let update = crate::store::statement(db, format!("UPDATE complaints SET {set} WHERE id = ?1 AND version = ?2"), &args)?;
    let mut batch = vec![update, event_statement(db, id, change, now)?];
    let me = change.actor.id.as_deref();
    // Each extra statement runs only if this batch's update took (the version is ours).
    let ours = "EXISTS (SELECT 1 FROM complaints WHERE id = ?1 AND version = ?2)";
    match action {
        Action::Reply { text, .. } | Action::Note { text } => {
            let internal = matches!(action, Action::Note { .. });
            batch.push(query!(
                db,
                format!("INSERT INTO ticket_replies (complaint_id, author, text, created_at, internal, user_id) SELECT ?1, ?3, ?4, ?5, ?6, ?7 WHERE {ours}"),
                id,
                after.version as f64,
                author.as_str(),
                text.trim(),
                now,
                internal,
                me,
            )?);
        }
        Action::Follow => batch.push(query!(
            db,
            format!("INSERT OR IGNORE INTO ticket_followers (ticket_id, user_id) SELECT ?1, ?3 WHERE {ours}"),
            id,
            after.version as f64,
            me
        )?),
        Action::CustomerUrge => {
            batch.push(query!(db, "UPDATE complaints SET urges = urges + 1 WHERE id = ?1 AND version = ?2", id, after.version as f64)?);
        }
        Action::Route { followers, .. } => {
            for f in followers {
                batch.push(query!(
                    db,
                    format!("INSERT OR IGNORE INTO ticket_followers (ticket_id, user_id) SELECT ?1, ?3 WHERE {ours}"),
                    id,
                    after.version as f64,
                    f.as_str()
                )?);
            }
        }
        Action::Unfollow => {
            batch.push(query!(db, format!("DELETE FROM ticket_followers WHERE ticket_id = ?1 AND user_id = ?3 AND {ours}"), id, after.version as f64, me)?)
        }
        _ => {}
    }
    // A resolution offers the customer's survey, crediting who had the ticket (or who resolved it).
    if change.kind == qingting_shared::workflow::ChangeKind::Resolved {
        let credited = after.assignee.as_deref().or(me);
        batch.push(crate::store::customer::offer_statement(db, id, after.version, credited, now)?);
    }
    // Who is told (in the same batch, so only when the change took): a new assignee who did not
    // take it themselves; the merchant and the assignee when the platform steps in.
    use crate::store::notifications::{self as notify, Kind};
    if let Some(user) = after.assignee.as_deref()
        && after.assignee != before.assignee
        && change.actor.id.as_deref() != Some(user)
    {
        batch.push(notify::to_user(db, user, id, Kind::Assigned, &after.version.to_string(), now, after.version)?);
    }
    if change.kind == qingting_shared::workflow::ChangeKind::Escalated {
        let reason = change.payload["reason"].as_str().unwrap_or_default();
        batch.push(notify::to_merchant(db, id, Kind::Escalated, reason, now)?);
        if let Some(user) = after.assignee.as_deref() {
            batch.push(notify::to_user(db, user, id, Kind::Escalated, reason, now, after.version)?);
        }
    }
    // The durations this change completes (first response, the merchant's, the resolution).
    if let Some(terms) = terms {
        let created = Calendar::parse_instant(created_at).map_err(|e| ApiError::Internal(e.to_string()))?;
        for metric in measures {
            batch.push(crate::store::analytics::duration_statement(db, id, after.version, metric, created, at, &terms.calendar)?);
        }
    }
    batch.extend(also);
    match db.batch(batch).await {
        Ok(results) => Ok(results.first().is_some_and(took)),
        // Another writer recorded this version first (its event is unique per ticket and
        // version): the whole batch rolled back, as a lost version race.
        Err(e) if e.to_string().contains("UNIQUE constraint failed: ticket_events.ticket_id, ticket_events.version") => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// A corrected ticket as training data: the masked text and the categories and priority staff
/// settled on (the latest correction), who corrected it and why. Lines of `GET /v1/corrections`.
#[derive(Debug, Deserialize, Serialize)]
pub struct CorrectionRow {
    pub id: String,
    pub text: String,
    pub category: Option<String>,
    pub priority: Option<String>,
    pub corrected_by: Option<String>,
    pub corrected_at: String,
    /// The correction event's payload (from, to, reason) as JSON text.
    pub payload: String,
}

/// Corrected tickets the caller may see, most recently corrected first, at most `limit`.
pub async fn corrections(db: &D1Database, visibility: &Visibility, limit: u32) -> Result<Vec<CorrectionRow>, ApiError> {
    let mut args: Vec<JsValue> = Vec::new();
    let clause = tenancy(visibility, &mut args);
    args.push(limit.js());
    let sql = format!(
        "SELECT c.id, c.text, c.category, c.priority, e.actor_id AS corrected_by, e.at AS corrected_at, e.payload \
         FROM complaints c JOIN sites s ON s.key = c.site_key \
         JOIN ticket_events e ON e.ticket_id = c.id AND e.version = \
           (SELECT MAX(version) FROM ticket_events WHERE ticket_id = c.id AND kind = 'corrected') \
         WHERE {clause} ORDER BY e.at DESC LIMIT ?{}",
        args.len()
    );
    Ok(crate::store::statement(db, &sql, &args)?.all().await?.results::<CorrectionRow>()?)
}
