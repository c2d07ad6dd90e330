//! SLA storage: policies with their calendars (per merchant, `''` = the platform's default), the
//! clock fields on a ticket row and the columns worked out from them, and the record of warnings
//! and breaches (`sla_records`, unique per ticket, clock and mark).
//!
//! The arithmetic is `qingting_shared::workflow::sla::Clocks`; this file only converts between it
//! and D1's columns (migration 0014).

use qingting_shared::workflow::calendar::{Calendar, Instant, Zone};
use qingting_shared::workflow::sla::{Clocks, SlaPolicy, Warning};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;
use worker::D1Database;

use crate::error::ApiError;
use crate::store::{Bind, query};

/// A merchant's targets and the calendar they count in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Terms {
    pub policy: SlaPolicy,
    pub calendar: Calendar,
}

impl Default for Terms {
    /// Until the platform saves its own: the targets of `TAXONOMY.md` counted around the clock in
    /// Asia/Shanghai (the platform answers 24×7; merchants with opening hours save theirs).
    fn default() -> Terms {
        Terms { policy: SlaPolicy::default(), calendar: Calendar::always_open(Zone { name: "Asia/Shanghai".into(), offset_minutes: 480 }) }
    }
}

#[derive(Deserialize)]
struct TermsRow {
    merchant_id: String,
    policy: String,
    calendar: String,
    updated_at: String,
}

impl TermsRow {
    fn terms(&self) -> Result<Terms, ApiError> {
        let bad = |e: serde_json::Error| ApiError::Internal(format!("bad SLA policy stored for {:?}: {e}", self.merchant_id));
        Ok(Terms { policy: serde_json::from_str(&self.policy).map_err(bad)?, calendar: serde_json::from_str(&self.calendar).map_err(bad)? })
    }
}

/// The terms a ticket of `site_key` runs on: its merchant's, else the platform's, else the
/// defaults.
pub async fn terms_for_site(db: &D1Database, site_key: &str) -> Result<Terms, ApiError> {
    let row = query!(
        db,
        "SELECT merchant_id, policy, calendar, updated_at FROM sla_policies \
         WHERE merchant_id IN (COALESCE((SELECT merchant_id FROM sites WHERE key = ?1), ''), '') ORDER BY merchant_id DESC LIMIT 1",
        site_key
    )?
    .first::<TermsRow>(None)
    .await?;
    row.map_or_else(|| Ok(Terms::default()), |r| r.terms())
}

/// The terms that apply to `merchant`'s tickets (`''`: the platform's own).
pub async fn terms_for_merchant(db: &D1Database, merchant: &str) -> Result<Terms, ApiError> {
    let row = query!(
        db,
        "SELECT merchant_id, policy, calendar, updated_at FROM sla_policies WHERE merchant_id IN (?1, '') ORDER BY merchant_id DESC LIMIT 1",
        merchant
    )?
    .first::<TermsRow>(None)
    .await?;
    row.map_or_else(|| Ok(Terms::default()), |r| r.terms())
}

/// The terms saved for `merchant` exactly (`''`: the platform's default) and when.
pub async fn saved(db: &D1Database, merchant: &str) -> Result<Option<(Terms, String)>, ApiError> {
    let row =
        query!(db, "SELECT merchant_id, policy, calendar, updated_at FROM sla_policies WHERE merchant_id = ?1", merchant)?.first::<TermsRow>(None).await?;
    row.map(|r| Ok((r.terms()?, r.updated_at))).transpose()
}

/// Saves `merchant`'s terms (validated by the caller). Running clocks keep their copied targets.
pub async fn save(db: &D1Database, merchant: &str, terms: &Terms, by: &str, now: &str) -> Result<(), ApiError> {
    query!(
        db,
        "INSERT INTO sla_policies (merchant_id, policy, calendar, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (merchant_id) DO UPDATE SET policy = excluded.policy, calendar = excluded.calendar, updated_at = excluded.updated_at, \
         updated_by = excluded.updated_by",
        merchant,
        &to_json(&terms.policy)?,
        &to_json(&terms.calendar)?,
        now,
        by,
    )?
    .run()
    .await?;
    Ok(())
}

fn to_json<T: Serialize>(v: &T) -> Result<String, ApiError> {
    serde_json::to_string(v).map_err(|e| ApiError::Internal(e.to_string()))
}

/// The clock fields of a ticket row (migration 0014), as D1 returns them.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ClockFields {
    pub sla_first_minutes: Option<f64>,
    pub sla_resolve_minutes: Option<f64>,
    pub sla_warning: Option<String>,
    pub sla_started_at: Option<String>,
    pub sla_responded_at: Option<String>,
    pub sla_paused_at: Option<String>,
    #[serde(default)]
    pub sla_paused_seconds: f64,
    #[serde(default)]
    pub sla_marks: f64,
    /// Worked out when written (for display).
    #[serde(default)]
    pub sla_first_due_at: Option<String>,
    #[serde(default)]
    pub sla_resolve_due_at: Option<String>,
    #[serde(default)]
    pub merchant_due_at: Option<String>,
}

fn instant(s: &Option<String>) -> Result<Option<Instant>, ApiError> {
    s.as_deref().map(|t| Calendar::parse_instant(t).map_err(|e| ApiError::Internal(format!("bad SLA time {t:?}: {e}")))).transpose()
}

impl ClockFields {
    /// The clocks as the console shows them on a ticket.
    pub fn view(&self) -> serde_json::Value {
        let marks = self.sla_marks as u8;
        let started = self.sla_first_minutes.is_some();
        serde_json::json!({
            "running": started,
            "first_response": {
                "minutes": self.sla_first_minutes,
                "due_at": self.sla_first_due_at,
                "responded_at": self.sla_responded_at,
                "warned": marks & 1 != 0,
                "breached": marks & 2 != 0,
            },
            "resolution": {
                "minutes": self.sla_resolve_minutes,
                "due_at": self.sla_resolve_due_at,
                "paused_at": self.sla_paused_at,
                "warned": marks & 4 != 0,
                "breached": marks & 8 != 0,
            },
            "merchant_due_at": self.merchant_due_at,
        })
    }

    /// The ticket's clocks; `None` when it has none (answered from the FAQ, or older rows).
    pub fn clocks(&self) -> Result<Option<Clocks>, ApiError> {
        let (Some(first), Some(resolve), Some(started)) = (self.sla_first_minutes, self.sla_resolve_minutes, instant(&self.sla_started_at)?) else {
            return Ok(None);
        };
        let warning: Warning = match &self.sla_warning {
            Some(w) => serde_json::from_str(w).map_err(|e| ApiError::Internal(format!("bad SLA warning {w:?}: {e}")))?,
            None => SlaPolicy::default().warning,
        };
        Ok(Some(Clocks {
            created: started,
            first_response_minutes: first as u32,
            resolution_minutes: resolve as u32,
            warning,
            responded_at: instant(&self.sla_responded_at)?,
            paused_at: instant(&self.sla_paused_at)?,
            paused_seconds: self.sla_paused_seconds as i64,
            marks: self.sla_marks as u8,
        }))
    }
}

/// Everything written to a row's SLA columns: the clocks and the times worked out from them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClockColumns {
    first_minutes: Option<u32>,
    resolve_minutes: Option<u32>,
    warning: Option<String>,
    started: Option<String>,
    responded: Option<String>,
    paused_at: Option<String>,
    paused_seconds: f64,
    marks: u32,
    first_due: Option<String>,
    resolve_due: Option<String>,
    next: Option<String>,
}

/// The SET list for [`ClockColumns::args`], parameters numbered from `first`. Marks are OR-ed in:
/// a write never takes back what a sweep recorded meanwhile.
pub fn set_clause(first: usize) -> String {
    let names = [
        "sla_first_minutes",
        "sla_resolve_minutes",
        "sla_warning",
        "sla_started_at",
        "sla_responded_at",
        "sla_paused_at",
        "sla_paused_seconds",
        "sla_marks",
        "sla_first_due_at",
        "sla_resolve_due_at",
        "sla_next_at",
    ];
    names
        .iter()
        .enumerate()
        .map(|(i, n)| if *n == "sla_marks" { format!("{n} = {n} | ?{}", first + i) } else { format!("{n} = ?{}", first + i) })
        .collect::<Vec<_>>()
        .join(", ")
}

impl ClockColumns {
    /// The columns for `clocks` counted in `cal` (all empty for `None`).
    pub fn of(clocks: Option<&Clocks>, cal: &Calendar) -> Result<ClockColumns, ApiError> {
        let Some(c) = clocks else { return Ok(ClockColumns::default()) };
        let bad = |e: qingting_shared::workflow::calendar::CalendarError| ApiError::Internal(format!("SLA clock: {e}"));
        let fmt = |t: Option<Instant>| t.map(Calendar::format_instant);
        Ok(ClockColumns {
            first_minutes: Some(c.first_response_minutes),
            resolve_minutes: Some(c.resolution_minutes),
            warning: serde_json::to_string(&c.warning).ok(),
            started: Some(Calendar::format_instant(c.created)),
            responded: fmt(c.responded_at),
            paused_at: fmt(c.paused_at),
            paused_seconds: c.paused_seconds as f64,
            marks: u32::from(c.marks),
            first_due: fmt(c.first_response(cal).map_err(bad)?.map(|t| t.due_at)),
            resolve_due: fmt(c.resolution(cal).map_err(bad)?.map(|t| t.due_at)),
            next: fmt(c.next_deadline(cal).map_err(bad)?),
        })
    }

    /// The values for [`set_clause`], in its order.
    pub fn args(&self) -> Vec<JsValue> {
        vec![
            self.first_minutes.js(),
            self.resolve_minutes.js(),
            self.warning.as_ref().js(),
            self.started.as_ref().js(),
            self.responded.as_ref().js(),
            self.paused_at.as_ref().js(),
            self.paused_seconds.js(),
            self.marks.js(),
            self.first_due.as_ref().js(),
            self.resolve_due.as_ref().js(),
            self.next.as_ref().js(),
        ]
    }
}
