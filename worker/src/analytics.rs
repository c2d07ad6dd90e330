//! The dashboards' API for signed-in staff: `GET /v1/analytics/overview` (everything one view of
//! the dashboard shows, from the counted tables only) and `GET /v1/analytics/export.csv` (one row
//! per ticket behind a view). The platform's staff see every merchant; a merchant's staff only
//! their own (`store::analytics::Scope`, `tenancy_clause`).

use qingting_shared::Lang;
use qingting_shared::accounts::membership::visibility;
use qingting_shared::analytics::export::{BOM, headers, safe_cell};
use qingting_shared::analytics::overview::{assemble, instant_text};
use qingting_shared::analytics::period::{Granularity, Range, Zone, hour_of};
use qingting_shared::api::analytics::SpikeEvent;
use qingting_shared::workflow::calendar::Calendar;
use serde::Deserialize;
use worker::{Headers, Request, Response, RouteContext};

use crate::error::ApiError;
use crate::http;
use crate::store::analytics::{self as counted, EXPORT_PAGE, Filters};

handler!(overview, overview_inner);
handler!(export, export_inner);

/// At most this many tickets in one export (a bigger one should be narrowed first).
const MAX_EXPORT: usize = 50_000;

/// The view asked for: a range of days in a zone, how to cut it, and the filters.
#[derive(Debug, Default, Deserialize)]
struct ViewQuery {
    /// First and last day (`YYYY-MM-DD`), in `tz`; without them the last `days` days (7).
    from: Option<String>,
    to: Option<String>,
    days: Option<i64>,
    tz: Option<String>,
    /// `hour`, `day` or `week`; by default by the range's length.
    granularity: Option<String>,
    lang: Option<String>,
    #[serde(flatten)]
    filters: Filters,
}

impl ViewQuery {
    fn range(&self, now: qingting_shared::workflow::calendar::Instant) -> Result<(Range, Granularity), ApiError> {
        let zone = Zone::parse(self.tz.as_deref().unwrap_or("")).map_err(|e| ApiError::InvalidQuery(e.to_string()))?;
        let range = match (self.from.as_deref(), self.to.as_deref()) {
            (Some(from), Some(to)) => Range::of_days(from, to, zone).map_err(|e| ApiError::InvalidQuery(e.to_string()))?,
            (None, None) => Range::last_days(now, self.days.unwrap_or(7), zone),
            _ => return Err(ApiError::InvalidQuery("give both `from` and `to`, or neither".into())),
        };
        let g = match self.granularity.as_deref().filter(|g| !g.is_empty()) {
            Some(g) => Granularity::parse(g).ok_or_else(|| ApiError::InvalidQuery("granularity is hour, day or week".into()))?,
            None if range.hours() <= 48 => Granularity::Hour,
            None if range.hours() <= 62 * 24 => Granularity::Day,
            None => Granularity::Week,
        };
        if g == Granularity::Hour && range.hours() > 31 * 24 {
            return Err(ApiError::InvalidQuery("hourly series cover at most 31 days".into()));
        }
        Ok((range, g))
    }
}

fn now() -> qingting_shared::workflow::calendar::Instant {
    Calendar::instant_from_millis(js_sys::Date::now() as i64)
}

async fn overview_inner(req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let (db, staff) = crate::tickets::signed_in(&req, ctx).await?;
    let q: ViewQuery = http::query(&req)?;
    let now = now();
    let (range, g) = q.range(now)?;
    let seen = visibility(&staff.memberships);
    let platform = matches!(seen, qingting_shared::accounts::membership::Visibility::All);
    let mut c = counted::read(&db, &seen, &q.filters, &range, g, hour_of(now), platform).await?;
    c.spikes = counted::spikes(&db, &seen, range.from, range.to)
        .await?
        .into_iter()
        .filter(|s| q.filters.category.as_deref().is_none_or(|c| c.is_empty() || c == s.category))
        // A merchant's view shows that merchant's alerts (not the platform-wide ones).
        .filter(|s| q.filters.merchant.as_deref().is_none_or(|m| m.is_empty() || (s.scope == "merchant" && m == s.merchant_id)))
        .map(|s| SpikeEvent {
            id: s.id,
            scope: s.scope,
            merchant: (!s.merchant_id.is_empty()).then_some(s.merchant_id),
            merchant_name: s.merchant_name,
            category: s.category,
            kind: s.kind,
            hour: instant_text(s.hour as i64),
            raised_at: s.raised_at,
            observed: s.observed.max(0.0) as u64,
            expected: s.expected,
            p: s.p,
        })
        .collect();
    let overview = assemble(&c, &range, g, hour_of(now));
    let mut resp = Response::from_json(&overview)?;
    resp.headers_mut().set("Cache-Control", "private, no-store")?;
    Ok(resp)
}

async fn export_inner(req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let (db, staff) = crate::tickets::signed_in(&req, ctx).await?;
    let q: ViewQuery = http::query(&req)?;
    let (range, _) = q.range(now())?;
    let lang = q.lang.as_deref().and_then(Lang::from_tag).unwrap_or_default();
    let seen = visibility(&staff.memberships);
    let (from, to) = (instant_text(range.from), instant_text(range.to));
    let mut out = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    let fail = |e: csv::Error| ApiError::Internal(e.to_string());
    out.write_record(headers(lang)).map_err(fail)?;
    let mut after = String::new();
    let mut written = 0;
    loop {
        let page = counted::export_page(&db, &seen, &q.filters, &from, &to, &after).await?;
        let full = page.len() as u32 == EXPORT_PAGE;
        for r in &page {
            let created = Calendar::parse_instant(&r.created_at).map(|t| range_local(&range, t)).unwrap_or_else(|_| r.created_at.clone());
            let num = |v: Option<f64>| v.map(|v| format!("{}", v.round() as i64)).unwrap_or_default();
            let record = [
                r.ticket_no.clone(),
                created,
                r.site_key.clone(),
                r.merchant_name.clone().unwrap_or_default(),
                r.category.clone().unwrap_or_default(),
                r.priority.clone().unwrap_or_default(),
                r.channel.clone(),
                r.region.clone(),
                r.status.clone(),
                r.holder.clone(),
                num(Some(r.urges)),
                num(Some(r.reopens)),
                num(r.csat_score),
                num(r.first_response_seconds),
                num(r.resolution_seconds),
                r.text.clone(),
            ];
            out.write_record(record.iter().map(|v| safe_cell(v).into_owned())).map_err(fail)?;
        }
        written += page.len();
        match page.last() {
            Some(last) if full && written < MAX_EXPORT => after = last.ticket_no.clone(),
            _ => break,
        }
    }
    let body = out.into_inner().map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut bytes = BOM.as_bytes().to_vec();
    bytes.extend(body);
    let headers = Headers::new();
    headers.set("Content-Type", "text/csv; charset=utf-8")?;
    headers.set(
        "Content-Disposition",
        &format!("attachment; filename=\"qingting-{}-{}.csv\"", range.label(range.from, Granularity::Day), range.label(range.to - 1, Granularity::Day)),
    )?;
    headers.set("Cache-Control", "private, no-store")?;
    headers.set("X-Content-Type-Options", "nosniff")?;
    Ok(Response::from_bytes(bytes)?.with_headers(headers))
}

/// An instant in the view's zone, `2026-12-01 08:05:09`.
fn range_local(range: &Range, t: qingting_shared::workflow::calendar::Instant) -> String {
    let shifted = t + chrono::Duration::hours(range.zone.offset_hours);
    shifted.format("%Y-%m-%d %H:%M:%S").to_string()
}
