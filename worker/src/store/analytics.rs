//! The dashboards' storage: what intake and changes add (the words, the durations; the counts
//! themselves are kept by the triggers of migration 0020), and the reads of `GET
//! /v1/analytics/overview` and the export. Every read goes through [`Scope`], which holds the
//! caller's tenancy, so a merchant's staff only ever read their merchant's rows.

use qingting_shared::accounts::membership::Visibility;
use qingting_shared::analytics::dims::{Metric, TimeBase};
use qingting_shared::analytics::duration;
use qingting_shared::analytics::overview::Counted;
use qingting_shared::analytics::period::{Granularity, Range};
use qingting_shared::api::ReplyAuthor;
use qingting_shared::intake::IntakeDecision;
use qingting_shared::workflow::calendar::{Calendar, Instant};
use qingting_shared::workflow::{ActorKind, Change, ChangeKind};
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement};

use crate::error::ApiError;
use crate::store::{Bind, query, statement};

/// How many of a complaint's top words are counted.
const WORDS_PER_TICKET: usize = 3;

/// The durations a change completes: a public reply by staff is the first response (and the
/// merchant's, when merchant staff wrote it); a resolution is the resolution (again after a
/// reopen).
pub fn measured(change: &Change, author: ReplyAuthor) -> Vec<Metric> {
    match change.kind {
        ChangeKind::Replied if change.actor.kind == ActorKind::Staff => {
            let mut m = vec![Metric::FirstResponse];
            if author == ReplyAuthor::Merchant {
                m.push(Metric::MerchantResponse);
            }
            m
        }
        ChangeKind::Resolved => vec![Metric::Resolution],
        _ => Vec::new(),
    }
}

/// Records `metric` of ticket `id` (created at `created`, completed at `at`) in wall-clock and
/// business time, only if this batch's update took (the ticket is at `version`). The first
/// response is kept once; a resolution replaces the last one. The histogram follows by trigger.
pub fn duration_statement(
    db: &D1Database,
    id: &str,
    version: u64,
    metric: Metric,
    created: Instant,
    at: Instant,
    calendar: &Calendar,
) -> Result<D1PreparedStatement, ApiError> {
    let wall = (at - created).num_seconds().max(0);
    let business = calendar.business_seconds(created, at, &[]).max(0);
    let on_conflict = if metric == Metric::Resolution {
        "DO UPDATE SET wall_seconds = excluded.wall_seconds, business_seconds = excluded.business_seconds, \
         wall_bucket = excluded.wall_bucket, business_bucket = excluded.business_bucket"
    } else {
        "DO NOTHING"
    };
    Ok(query!(
        db,
        format!(
            "INSERT INTO ticket_durations (ticket_id, metric, wall_seconds, business_seconds, wall_bucket, business_bucket, \
             hour, site_key, merchant_id, category, priority, channel, region) \
             SELECT c.id, ?2, ?3, ?4, ?5, ?6, CAST(strftime('%s', c.created_at) AS INTEGER) / 3600, c.site_key, \
             COALESCE(s.merchant_id, ''), COALESCE(c.category, ''), COALESCE(c.priority, ''), c.channel, c.region \
             FROM complaints c JOIN sites s ON s.key = c.site_key WHERE c.id = ?1 AND c.version = ?7 AND c.kind = 'complaint' \
             ON CONFLICT (ticket_id, metric) {on_conflict}"
        ),
        id,
        metric.as_str(),
        wall as f64,
        business as f64,
        f64::from(duration::bucket(wall)),
        f64::from(duration::bucket(business)),
        version as f64,
    )?)
}

/// The words that drove a new complaint's category (its top tokens), counted in the hour it came
/// in; only if the complaint row was inserted by this batch.
pub fn words_statements(db: &D1Database, id: &str, now: &str, site: &str, d: &IntakeDecision) -> Result<Vec<D1PreparedStatement>, ApiError> {
    let class = &d.classification;
    let Some(category) = class.primary.as_ref().filter(|_| class.complaint) else { return Ok(Vec::new()) };
    let words: Vec<&str> = class
        .top_tokens
        .iter()
        .map(String::as_str)
        .filter(|w| w.chars().count() >= 2 && !w.contains('*') && w.chars().any(|c| !c.is_ascii_digit() && !c.is_ascii_punctuation()))
        .take(WORDS_PER_TICKET)
        .collect();
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let words = serde_json::to_string(&words).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(vec![query!(
        db,
        "INSERT INTO hourly_words (hour, site_key, merchant_id, category, word, n) \
         SELECT CAST(strftime('%s', ?2) AS INTEGER) / 3600, ?3, COALESCE((SELECT merchant_id FROM sites WHERE key = ?3), ''), ?4, w.value, 1 \
         FROM json_each(?5) w WHERE EXISTS (SELECT 1 FROM complaints WHERE id = ?1 AND created_at = ?2) \
         ON CONFLICT (hour, merchant_id, category, word, site_key) DO UPDATE SET n = n + 1",
        id,
        now,
        site,
        category.as_str(),
        &words,
    )?])
}

/// The dashboard's filters (`?merchant=&site=&category=&priority=&channel=&region=`), each an
/// exact value as stored; empty means any.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Filters {
    pub merchant: Option<String>,
    pub site: Option<String>,
    pub category: Option<String>,
    pub priority: Option<String>,
    pub channel: Option<String>,
    pub region: Option<String>,
}

/// A `WHERE` clause over the counted tables: the caller's tenancy, the filters and, when asked,
/// an hour range. Values are bound, never spliced.
#[derive(Clone)]
pub struct Scope {
    clauses: Vec<String>,
    args: Vec<JsValue>,
}

impl Scope {
    pub fn new(visibility: &Visibility, f: &Filters) -> Scope {
        let mut s = Scope { clauses: Vec::new(), args: Vec::new() };
        if let Visibility::Merchants(ids) = visibility {
            let marks: Vec<String> = ids.iter().map(|id| s.bind(id.as_str().js())).collect();
            s.clauses.push(if marks.is_empty() { "0 = 1".into() } else { format!("merchant_id IN ({})", marks.join(", ")) });
        }
        let mut eq = |column: &str, v: &Option<String>| {
            if let Some(v) = v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                // `-` stands for "unknown" (stored as '').
                let v = if v == "-" { "" } else { v };
                let mark = s.bind(v.js());
                s.clauses.push(format!("{column} = {mark}"));
            }
        };
        eq("merchant_id", &f.merchant);
        eq("site_key", &f.site);
        eq("category", &f.category);
        eq("priority", &f.priority);
        eq("channel", &f.channel);
        eq("region", &f.region);
        s
    }

    fn bind(&mut self, v: JsValue) -> String {
        self.args.push(v);
        format!("?{}", self.args.len())
    }

    /// This scope within hours `[from, to)`.
    pub fn hours(&self, from: i64, to: i64) -> Scope {
        let mut s = self.clone();
        let a = s.bind((from as f64).js());
        let b = s.bind((to as f64).js());
        s.clauses.push(format!("hour >= {a} AND hour < {b}"));
        s
    }

    /// This scope within the Asia/Shanghai days `[from, to)` (`daily_counts.day`).
    pub fn days(&self, from: i64, to: i64) -> Scope {
        let mut s = self.clone();
        let a = s.bind((from as f64).js());
        let b = s.bind((to as f64).js());
        s.clauses.push(format!("day >= {a} AND day < {b}"));
        s
    }

    fn sql(&self) -> String {
        if self.clauses.is_empty() { "1 = 1".into() } else { self.clauses.join(" AND ") }
    }

    /// `SELECT {select} FROM {table} WHERE <scope> {tail}`.
    fn select(&self, db: &D1Database, select: &str, table: &str, tail: &str) -> Result<D1PreparedStatement, ApiError> {
        Ok(statement(db, format!("SELECT {select} FROM {table} WHERE {} {tail}", self.sql()), &self.args)?)
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct SpikeRow {
    pub id: String,
    pub scope: String,
    pub merchant_id: String,
    pub merchant_name: Option<String>,
    pub category: String,
    pub kind: String,
    pub hour: f64,
    pub observed: f64,
    pub expected: f64,
    pub p: f64,
    pub raised_at: String,
}

/// The cells' columns: every dimension, the names the breakdowns show, every measure summed.
const CELLS: &str = "site_key, (SELECT merchant_name FROM sites WHERE key = site_key) AS site_name, merchant_id, \
     (SELECT name FROM merchants WHERE id = merchant_id) AS merchant_name, category, priority, channel, region, outcome, \
     SUM(tickets) AS tickets, SUM(escalated) AS escalated, SUM(resolved_ever) AS resolved_ever, SUM(reopened) AS reopened, \
     SUM(urged) AS urged, SUM(sla_tracked) AS sla_tracked, SUM(sla_breached) AS sla_breached, SUM(windowed) AS windowed, \
     SUM(window_missed) AS window_missed, SUM(csat_1) AS csat_1, SUM(csat_2) AS csat_2, SUM(csat_3) AS csat_3, SUM(csat_4) AS csat_4, \
     SUM(csat_5) AS csat_5";

/// The offset of the zone `daily_counts` keeps its days in (Asia/Shanghai).
const DAILY_ZONE_HOURS: i64 = 8;

/// Hours of the backlog read by hour; older pending tickets are one band, from `pending_now`.
const BACKLOG_RECENT_HOURS: i64 = 168;

/// Reads the overview of `range` for the caller's `visibility` and filters `f` (`now_hour` for the
/// backlog's ages and the words' weeks) in one batch: the volume of this range and the one before,
/// one pass over the range grouped by every dimension (totals, breakdowns and merchants are folded
/// from it in `shared`), the duration histogram, the backlog, deflections and words. A range of
/// whole days seen from +08:00 reads `daily_counts`; another zone, or an hourly series, reads by
/// hour.
pub async fn read(
    db: &D1Database,
    visibility: &Visibility,
    f: &Filters,
    range: &Range,
    g: Granularity,
    now_hour: i64,
    per_merchant: bool,
) -> Result<Counted, ApiError> {
    let scope = &Scope::new(visibility, f);
    let prev = range.previous();
    let daily = range.zone.offset_hours == DAILY_ZONE_HOURS && (range.from + DAILY_ZONE_HOURS) % 24 == 0 && range.hours() % 24 == 0;
    let day = |h: i64| (h + DAILY_ZONE_HOURS).div_euclid(24);
    let (cells_scope, cells_table) =
        if daily { (scope.days(day(range.from), day(range.to)), "daily_counts") } else { (scope.hours(range.from, range.to), "hourly_counts") };
    let volume = if daily && g != Granularity::Hour {
        // Each day by its first hour, so the periods fold the same way.
        scope.days(day(prev.from), day(range.to)).select(
            db,
            &format!("day * 24 - {DAILY_ZONE_HOURS} AS hour, SUM(tickets) AS n"),
            "daily_counts",
            "GROUP BY day HAVING SUM(tickets) != 0",
        )?
    } else {
        scope.hours(prev.from, range.to).select(db, "hour, SUM(tickets) AS n", "hourly_counts", "GROUP BY hour HAVING SUM(tickets) != 0")?
    };
    let mut batch = vec![
        volume,
        cells_scope.select(db, CELLS, cells_table, "GROUP BY site_key, merchant_id, category, priority, channel, region, outcome HAVING SUM(tickets) != 0")?,
        scope.hours(range.from, range.to).select(
            db,
            "metric, base, bucket, SUM(n) AS n",
            "duration_hist",
            "GROUP BY metric, base, bucket HAVING SUM(n) > 0",
        )?,
        // The backlog: the last week's pending tickets by hour, and all pending ones.
        scope.hours(now_hour + 1 - BACKLOG_RECENT_HOURS, now_hour + 1).select(
            db,
            "hour, SUM(tickets) AS n",
            "hourly_counts",
            "AND outcome = 'pending' GROUP BY hour HAVING SUM(tickets) > 0",
        )?,
        scope.select(db, "SUM(n) AS n", "pending_now", "")?,
    ];
    // Deflections are counted per site and merchant only: a narrower filter cannot apply to them.
    let narrow = [&f.category, &f.priority, &f.channel, &f.region].iter().any(|v| v.as_deref().is_some_and(|v| !v.trim().is_empty()));
    let deflect = if narrow { None } else { Some(batch.len()) };
    if deflect.is_some() {
        batch.push(scope.hours(range.from, range.to).select(db, "SUM(n) AS n", "hourly_deflections", "")?);
    }
    let words_at = batch.len();
    let week = (now_hour + 1).min(range.to);
    // The words are counted by merchant, site and category only.
    let by_words = Scope::new(visibility, &Filters { priority: None, channel: None, region: None, ..f.clone() });
    batch.push(by_words.hours(week - 14 * 24, week).select(
        db,
        &format!(
            "category, word, SUM(CASE WHEN hour >= {} THEN n ELSE 0 END) AS this_week, SUM(CASE WHEN hour < {} THEN n ELSE 0 END) AS last_week",
            week - 7 * 24,
            week - 7 * 24
        ),
        "hourly_words",
        "GROUP BY category, word",
    )?);
    let results = db.batch(batch).await?;
    #[derive(Deserialize)]
    struct N {
        n: Option<f64>,
    }
    let sum = |r: &worker::D1Result| -> Result<u64, ApiError> { Ok(r.results::<N>()?.first().and_then(|r| r.n).unwrap_or(0.0).max(0.0) as u64) };
    let mut read = Counted { hourly: results[0].results()?, cells: results[1].results()?, per_merchant, ..Counted::default() };
    #[derive(Deserialize)]
    struct Bucket {
        metric: String,
        base: String,
        bucket: f64,
        n: f64,
    }
    for b in results[2].results::<Bucket>()? {
        if let (Some(m), Some(base)) = (Metric::parse(&b.metric), TimeBase::parse(&b.base)) {
            *read.durations.entry((m, base)).or_default().entry(b.bucket as u16).or_default() += b.n as u64;
        }
    }
    read.pending = results[3].results()?;
    read.pending_total = Some(sum(&results[4])?);
    if let Some(i) = deflect {
        read.deflections = Some(sum(&results[i])?);
    }
    read.words = results[words_at].results()?;
    Ok(read)
}

/// Spike alerts about hours `[from, to)` that the caller may see: the platform's staff see all;
/// a merchant's staff see their merchant's.
pub async fn spikes(db: &D1Database, visibility: &Visibility, from: i64, to: i64) -> Result<Vec<SpikeRow>, ApiError> {
    let mut args = vec![(from as f64).js(), (to as f64).js()];
    let tenancy = match visibility {
        Visibility::All => "1 = 1".to_string(),
        Visibility::Merchants(_) => format!("a.scope = 'merchant' AND {}", crate::store::tenancy_clause(visibility, "a.merchant_id", false, &mut args)),
    };
    Ok(statement(
        db,
        format!(
            "SELECT a.id, a.scope, a.merchant_id, m.name AS merchant_name, a.category, a.kind, a.hour, a.observed, a.expected, a.p, a.raised_at \
             FROM spike_alerts a LEFT JOIN merchants m ON m.id = a.merchant_id WHERE a.hour >= ?1 AND a.hour < ?2 AND {tenancy} \
             ORDER BY a.hour DESC, a.id LIMIT 200"
        ),
        &args,
    )?
    .all()
    .await?
    .results()?)
}

/// One ticket of an export.
#[derive(Debug, Default, Deserialize)]
pub struct ExportRow {
    pub ticket_no: String,
    pub created_at: String,
    pub site_key: String,
    pub merchant_name: Option<String>,
    pub category: Option<String>,
    pub priority: Option<String>,
    pub channel: String,
    pub region: String,
    pub status: String,
    pub holder: String,
    pub urges: f64,
    pub reopens: f64,
    pub csat_score: Option<f64>,
    pub first_response_seconds: Option<f64>,
    pub resolution_seconds: Option<f64>,
    pub text: String,
}

/// At most this many tickets per export page (the handler pages through them).
pub const EXPORT_PAGE: u32 = 1_000;

/// A page of the tickets behind a view: created in `[from, to)` (RFC 3339), the scope's filters,
/// after the ticket number `after`, in ticket-number order.
pub async fn export_page(db: &D1Database, visibility: &Visibility, f: &Filters, from: &str, to: &str, after: &str) -> Result<Vec<ExportRow>, ApiError> {
    let mut args: Vec<JsValue> = vec![from.js(), to.js(), after.js()];
    let mut clauses = vec![crate::store::tenancy_clause(visibility, "s.merchant_id", false, &mut args)];
    let mut eq = |column: &str, v: &Option<String>| {
        if let Some(v) = v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            args.push(if v == "-" { "".js() } else { v.js() });
            clauses.push(format!("{column} = ?{}", args.len()));
        }
    };
    eq("COALESCE(s.merchant_id, '')", &f.merchant);
    eq("c.site_key", &f.site);
    eq("COALESCE(c.category, '')", &f.category);
    eq("COALESCE(c.priority, '')", &f.priority);
    eq("c.channel", &f.channel);
    eq("c.region", &f.region);
    Ok(statement(
        db,
        format!(
            "SELECT c.ticket_no, c.created_at, c.site_key, m.name AS merchant_name, c.category, c.priority, c.channel, c.region, c.status, \
             c.holder, c.urges, c.reopens, c.csat_score, \
             (SELECT business_seconds FROM ticket_durations d WHERE d.ticket_id = c.id AND d.metric = 'first_response') AS first_response_seconds, \
             (SELECT business_seconds FROM ticket_durations d WHERE d.ticket_id = c.id AND d.metric = 'resolution') AS resolution_seconds, \
             c.text FROM complaints c JOIN sites s ON s.key = c.site_key LEFT JOIN merchants m ON m.id = s.merchant_id \
             WHERE c.kind = 'complaint' AND c.created_at >= ?1 AND c.created_at < ?2 AND c.ticket_no > ?3 AND {} \
             ORDER BY c.ticket_no LIMIT {EXPORT_PAGE}",
            clauses.join(" AND ")
        ),
        &args,
    )?
    .all()
    .await?
    .results()?)
}

/// Claims the spike detector's run for five-minute `slot` (one run per slot, however many crons
/// overlap); the detector's saved state when this run has it.
pub async fn claim_spike_run(db: &D1Database, slot: i64) -> Result<Option<String>, ApiError> {
    #[derive(Deserialize)]
    struct S {
        state: String,
    }
    Ok(query!(db, "UPDATE spike_state SET run_slot = ?1 WHERE id = 1 AND run_slot < ?1 RETURNING state", slot as f64)?.first::<S>(None).await?.map(|s| s.state))
}

/// Saves the detector's state after a run.
pub async fn save_spike_state(db: &D1Database, state: &str) -> Result<(), ApiError> {
    query!(db, "UPDATE spike_state SET state = ?1 WHERE id = 1", state)?.run().await?;
    Ok(())
}

/// Complaints per merchant, category and hour within `ranges` (`[from, to)` hours).
#[derive(Debug, Deserialize)]
pub struct CellCount {
    pub merchant_id: String,
    pub category: String,
    pub hour: f64,
    pub n: f64,
}

pub async fn cells(db: &D1Database, ranges: &[std::ops::Range<i64>]) -> Result<Vec<CellCount>, ApiError> {
    let mut args: Vec<JsValue> = Vec::new();
    let mut within = Vec::new();
    for r in ranges {
        args.push((r.start as f64).js());
        args.push((r.end as f64).js());
        within.push(format!("(hour >= ?{} AND hour < ?{})", args.len() - 1, args.len()));
    }
    Ok(statement(
        db,
        format!(
            "SELECT merchant_id, category, hour, SUM(tickets) AS n FROM hourly_counts WHERE ({}) AND category != '' \
             GROUP BY merchant_id, category, hour HAVING SUM(tickets) > 0",
            within.join(" OR ")
        ),
        &args,
    )?
    .all()
    .await?
    .results()?)
}

/// Complaints of `category` per merchant since `since` (RFC 3339 with milliseconds).
pub async fn recent_by_merchant(db: &D1Database, category: &str, since: &str) -> Result<Vec<(String, u32)>, ApiError> {
    #[derive(Deserialize)]
    struct R {
        merchant_id: String,
        n: f64,
    }
    let rows = query!(
        db,
        "SELECT s.merchant_id, COUNT(*) AS n FROM complaints c JOIN sites s ON s.key = c.site_key \
         WHERE c.created_at >= ?2 AND c.category = ?1 AND c.kind = 'complaint' AND s.merchant_id IS NOT NULL GROUP BY s.merchant_id",
        category,
        since,
    )?
    .all()
    .await?
    .results::<R>()?;
    Ok(rows.into_iter().map(|r| (r.merchant_id, r.n as u32)).collect())
}

/// Records an alert once (its id names its scope, merchant, category, kind and hour): `true` when
/// this run recorded it.
#[allow(clippy::too_many_arguments)]
pub async fn record_alert(
    db: &D1Database,
    id: &str,
    scope: &str,
    merchant: &str,
    category: &str,
    kind: &str,
    hour: i64,
    observed: u64,
    expected: f64,
    p: f64,
    now: &str,
    quiet_since: &str,
) -> Result<bool, ApiError> {
    // Not when the same alert (scope, merchant, category, kind) was raised after `quiet_since`:
    // the cooldown holds even for runs that overlap.
    let r = query!(
        db,
        "INSERT OR IGNORE INTO spike_alerts (id, scope, merchant_id, category, kind, hour, observed, expected, p, raised_at) \
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10 WHERE NOT EXISTS (SELECT 1 FROM spike_alerts \
           WHERE scope = ?2 AND merchant_id = ?3 AND category = ?4 AND kind = ?5 AND raised_at > ?11)",
        id,
        scope,
        merchant,
        category,
        kind,
        hour as f64,
        observed as f64,
        expected,
        p,
        now,
        quiet_since,
    )?
    .run()
    .await?;
    Ok(crate::store::took(&r))
}

/// The teams with a chat channel of a merchant (`''`: the platform's).
pub async fn channel_teams(db: &D1Database, merchant: &str) -> Result<Vec<String>, ApiError> {
    #[derive(Deserialize)]
    struct T {
        id: String,
    }
    Ok(query!(db, "SELECT id FROM teams WHERE merchant_id = ?1 AND channel IS NOT NULL ORDER BY id", merchant)?
        .all()
        .await?
        .results::<T>()?
        .into_iter()
        .map(|t| t.id)
        .collect())
}

/// A merchant's name.
pub async fn merchant_name(db: &D1Database, id: &str) -> Result<Option<String>, ApiError> {
    #[derive(Deserialize)]
    struct N {
        name: String,
    }
    Ok(query!(db, "SELECT name FROM merchants WHERE id = ?1", id)?.first::<N>(None).await?.map(|n| n.name))
}
