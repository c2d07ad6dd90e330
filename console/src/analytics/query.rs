//! The dashboard's view as plain data (native unit tests): what the address holds (`?days=7`,
//! `?from=…&to=…`, `granularity`, the filters), the API's query string made from it, the inbox
//! addresses a click drills down to, and how figures are written.

use qingting_shared::api::analytics::{Overview, SpikeEvent};

use crate::api::push_param;
use crate::i18n::AnalyticsWords;

/// The range presets: 今天, 近7天, 近30天, 近90天.
pub const PRESETS: [u32; 4] = [1, 7, 30, 90];
/// The range when the address names none (the API's default too).
pub const DEFAULT_DAYS: u32 = 7;
/// The longest range the API accepts, in days.
const MAX_DAYS: u32 = 400;
/// Hourly series cover at most this many days (the API refuses more).
pub const MAX_HOURLY_DAYS: i64 = 31;
/// The filters the address and the API carry, in the order they are written.
pub const FILTERS: [&str; 6] = ["merchant", "site", "category", "priority", "channel", "region"];
/// `hour`, `day`, `week` (no value: by the range's length).
pub const GRANULARITIES: [&str; 3] = ["hour", "day", "week"];

/// One view of the dashboard, as its address says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct View {
    /// The last `days` days (today included); `None` when `from`/`to` are given.
    pub days: Option<u32>,
    /// First and last day, `YYYY-MM-DD`, both or neither.
    pub dates: Option<(String, String)>,
    pub granularity: Option<String>,
    /// `(filter, exact stored value)`, in [`FILTERS`] order; `-` is "none/unknown".
    pub filters: Vec<(&'static str, String)>,
}

impl View {
    /// The view in an address's query (`get` reads one parameter); anything unreadable is left out.
    pub fn from_address(get: impl Fn(&str) -> Option<String>) -> View {
        let clean = |k: &str| get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let dates = match (clean("from").filter(|d| is_date(d)), clean("to").filter(|d| is_date(d))) {
            (Some(from), Some(to)) if from <= to => Some((from, to)),
            _ => None,
        };
        let days = dates.is_none().then(|| clean("days").and_then(|d| d.parse().ok()).filter(|d| (1..=MAX_DAYS).contains(d)).unwrap_or(DEFAULT_DAYS));
        let granularity = clean("granularity").filter(|g| GRANULARITIES.contains(&g.as_str()));
        let filters = FILTERS.iter().filter_map(|&k| clean(k).map(|v| (k, v))).collect();
        View { days, dates, granularity, filters }
    }

    /// A filter's value ("" when not set).
    pub fn filter(&self, key: &str) -> &str {
        self.filters.iter().find(|(k, _)| *k == key).map_or("", |(_, v)| v.as_str())
    }

    /// The query string of the dashboard's address (`?days=7&category=delivery`).
    pub fn address(&self) -> String {
        let mut q = String::new();
        if let Some(days) = self.days {
            push_param(&mut q, "days", &days.to_string());
        }
        if let Some((from, to)) = &self.dates {
            push_param(&mut q, "from", from);
            push_param(&mut q, "to", to);
        }
        if let Some(g) = &self.granularity {
            push_param(&mut q, "granularity", g);
        }
        for (k, v) in &self.filters {
            push_param(&mut q, k, v);
        }
        q
    }

    /// `GET /v1/analytics/overview`'s (and the export's) query string: the address's and the
    /// viewer's zone (`+08:00`) when it is a whole-hour offset.
    pub fn api_query(&self, tz: Option<&str>) -> String {
        let mut q = self.address();
        if let Some(tz) = tz {
            push_param(&mut q, "tz", tz);
        }
        q
    }

    /// This view with the filter `key` set to `value` (removed when empty).
    pub fn with_filter(&self, key: &'static str, value: &str) -> View {
        let mut v = self.clone();
        v.filters.retain(|(k, _)| *k != key);
        if !value.trim().is_empty() {
            v.filters.push((key, value.trim().to_string()));
            v.filters.sort_by_key(|(k, _)| FILTERS.iter().position(|f| f == k));
        }
        v
    }

    /// The last `days` days; an hourly series is dropped when it would be too long.
    pub fn with_days(&self, days: u32) -> View {
        let mut v = View { days: Some(days), dates: None, ..self.clone() };
        v.keep_granularity_possible();
        v
    }

    /// The days `from..=to` (`YYYY-MM-DD`).
    pub fn with_dates(&self, from: &str, to: &str) -> View {
        let mut v = View { days: None, dates: Some((from.to_string(), to.to_string())), ..self.clone() };
        v.keep_granularity_possible();
        v
    }

    pub fn with_granularity(&self, g: &str) -> View {
        View { granularity: GRANULARITIES.contains(&g).then(|| g.to_string()), ..self.clone() }
    }

    /// How many days the view spans.
    pub fn span_days(&self) -> i64 {
        match (&self.dates, self.days) {
            (Some((from, to)), _) => match (day_number(from), day_number(to)) {
                (Some(a), Some(b)) => b - a + 1,
                _ => 0,
            },
            (None, days) => i64::from(days.unwrap_or(DEFAULT_DAYS)),
        }
    }

    /// Whether a granularity can be asked for this range.
    pub fn allows(&self, g: &str) -> bool {
        g != "hour" || self.span_days() <= MAX_HOURLY_DAYS
    }

    fn keep_granularity_possible(&mut self) {
        if self.granularity.as_deref().is_some_and(|g| !self.allows(g)) {
            self.granularity = None;
        }
    }
}

/// `YYYY-MM-DD` with a real month and day.
pub fn is_date(s: &str) -> bool {
    day_number(s).is_some()
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date.
fn day_number(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d): (i64, u32, u32) = (s[0..4].parse().ok()?, s[5..7].parse().ok()?, s[8..10].parse().ok()?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1..=12).contains(&m) || d == 0 || d > month_days[m as usize - 1] {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, m, d)
}

/// A zone as the API reads it (`+08:00`) from its offset east of UTC in minutes; `None` for an
/// offset that is not whole hours (the API then uses Asia/Shanghai).
pub fn zone_name(offset_minutes: i64) -> Option<String> {
    (offset_minutes % 60 == 0 && offset_minutes.abs() <= 14 * 60).then(|| {
        let h = offset_minutes / 60;
        format!("{}{:02}:00", if h < 0 { '-' } else { '+' }, h.abs())
    })
}

/// Minutes since 1970-01-01 00:00 of a calendar date and time (`month` 1–12).
pub fn civil_minutes(year: i64, month: u32, day: u32, hour: u32, minute: u32) -> i64 {
    days_from_civil(year, month, day) * 1440 + i64::from(hour) * 60 + i64::from(minute)
}

/// An hour number (Unix seconds / 3600) as the inbox's filters compare instants:
/// `2026-12-01T16:00:00.000Z`.
pub fn instant_of_hour(hour: i64) -> String {
    let (y, m, d) = civil_from_days(hour.div_euclid(24));
    format!("{y:04}-{m:02}-{d:02}T{:02}:00:00.000Z", hour.rem_euclid(24))
}

/// The hour number of an RFC 3339 instant in UTC (`2026-12-01T16:00:00.000Z`).
pub fn hour_of_instant(at: &str) -> Option<i64> {
    let day = day_number(at.get(0..10)?)?;
    let hour: i64 = at.get(11..13)?.parse().ok()?;
    (at.as_bytes().get(10) == Some(&b'T') && hour < 24).then_some(day * 24 + hour)
}

/// Where an inbox drill-down starts: which saved view, over which instants.
pub struct Drill<'a> {
    /// The inbox's saved view: `all`, or `unresolved` for the backlog.
    pub inbox_view: &'static str,
    /// `created_from` and `created_to` (RFC 3339), each optional.
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
}

/// The inbox address showing the tickets behind a bar or point: the dashboard's filters, then the
/// clicked values on top (`(filter, key)`; an empty key is "unknown", `-`).
pub fn inbox_href(view: &View, drill: &Drill, clicked: &[(&'static str, &str)]) -> String {
    let mut q = String::new();
    push_param(&mut q, "view", drill.inbox_view);
    for key in FILTERS {
        let value = match clicked.iter().find(|(k, _)| *k == key) {
            Some((_, "")) => "-",
            Some((_, v)) => v,
            None => view.filter(key),
        };
        if !value.is_empty() {
            push_param(&mut q, key, value);
        }
    }
    if let Some(from) = drill.from {
        push_param(&mut q, "created_from", from);
    }
    if let Some(to) = drill.to {
        push_param(&mut q, "created_to", to);
    }
    format!("/console/tickets{q}")
}

/// The inbox over the whole range of an overview, with the clicked value.
pub fn range_href(o: &Overview, view: &View, clicked: &[(&'static str, &str)]) -> String {
    inbox_href(view, &Drill { inbox_view: "all", from: Some(&o.from_instant), to: Some(&o.to_instant) }, clicked)
}

/// A spike's tickets: its category (and merchant) in its hour.
pub fn spike_href(s: &SpikeEvent) -> String {
    let end = hour_of_instant(&s.hour).map(|h| instant_of_hour(h + 1));
    let mut clicked = vec![("category", s.category.as_str())];
    if let Some(m) = s.merchant.as_deref() {
        clicked.push(("merchant", m));
    }
    inbox_href(&View::default(), &Drill { inbox_view: "all", from: Some(&s.hour), to: end.as_deref() }, &clicked)
}

/// The pending tickets of backlog band `band` (`BACKLOG_BANDS`: up to `upper[band]` hours old, at
/// least the band before's), at the UTC hour `now_hour`.
pub fn backlog_href(view: &View, band: usize, now_hour: i64) -> String {
    let bands = qingting_shared::analytics::overview::BACKLOG_BANDS;
    let lower = if band == 0 { 0 } else { bands[band - 1].1 };
    let upper = bands.get(band).map_or(i64::MAX, |b| b.1);
    // Ages are whole hours: `now_hour - hour came in`; an age in [lower, upper) came in the hours
    // (now - upper, now - lower].
    let from = (upper != i64::MAX).then(|| instant_of_hour(now_hour - upper + 1));
    let to = instant_of_hour(now_hour - lower + 1);
    inbox_href(view, &Drill { inbox_view: "unresolved", from: from.as_deref(), to: Some(&to) }, &[])
}

/// Which period of the volume holds an instant (same RFC 3339 form: text order is time order).
pub fn period_of(o: &Overview, at: &str) -> Option<usize> {
    o.volume.iter().position(|p| p.start.as_str() <= at && at < p.end.as_str())
}

/// A rate as a percentage with at most one decimal (`92.5%`, `100%`); `—` without one.
pub fn percent(rate: Option<f64>) -> String {
    match rate {
        Some(r) if r.is_finite() => format!("{}%", one_decimal(r * 100.0)),
        _ => DASH.to_string(),
    }
}

/// What a missing figure shows.
pub const DASH: &str = "—";

/// `x` with one decimal, without a trailing `.0`.
pub fn one_decimal(x: f64) -> String {
    let s = format!("{:.1}", (x * 10.0).round() / 10.0);
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

/// A duration in seconds in minutes, hours or days (`35 分钟`, `2.5 小时`, `1.2 天`).
pub fn duration(w: &AnalyticsWords, seconds: Option<f64>) -> String {
    let Some(s) = seconds.filter(|s| s.is_finite() && *s >= 0.0) else { return DASH.to_string() };
    let minutes = s / 60.0;
    if minutes < 1.0 {
        format!("<1 {}", w.minutes)
    } else if minutes < 60.0 {
        format!("{} {}", minutes.round(), w.minutes)
    } else if minutes < 24.0 * 60.0 {
        format!("{} {}", one_decimal(minutes / 60.0), w.hours)
    } else {
        format!("{} {}", one_decimal(minutes / 1440.0), w.days)
    }
}

/// How a word's count moved: up, down, level, or new this week.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trend {
    New,
    Up(u64),
    Down(u64),
    Level,
}

impl Trend {
    pub fn of(this_week: u64, last_week: u64) -> Trend {
        if last_week == 0 {
            return if this_week == 0 { Trend::Level } else { Trend::New };
        }
        let pct = ((this_week as f64 - last_week as f64) / last_week as f64 * 100.0).round();
        match pct {
            p if p > 0.0 => Trend::Up(p as u64),
            p if p < 0.0 => Trend::Down((-p) as u64),
            _ => Trend::Level,
        }
    }

    /// An arrow and the change (`↑ 50%`), or 新出现; and the words for screen readers.
    pub fn words(self, w: &AnalyticsWords) -> (String, String) {
        match self {
            Trend::New => (w.new_word.to_string(), w.new_word.to_string()),
            Trend::Up(p) => (format!("↑ {p}%"), format!("{} {p}%", w.up)),
            Trend::Down(p) => (format!("↓ {p}%"), format!("{} {p}%", w.down)),
            Trend::Level => ("→ 0%".to_string(), "0%".to_string()),
        }
    }

    pub fn class(self) -> &'static str {
        match self {
            Trend::New | Trend::Up(_) => "trend up",
            Trend::Down(_) => "trend down",
            Trend::Level => "trend",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use qingting_shared::api::analytics::VolumePoint;

    fn address(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k: &str| pairs.iter().find(|(key, _)| *key == k).map(|(_, v)| v.to_string())
    }

    #[test]
    fn the_address_round_trips_and_drops_what_it_cannot_read() {
        let v = View::from_address(address(&[("days", "30"), ("category", "delivery"), ("granularity", "week"), ("site", " ")]));
        assert_eq!(v.address(), "?days=30&granularity=week&category=delivery");
        assert_eq!(View::from_address(address(&[])).address(), "?days=7");
        assert_eq!(View::from_address(address(&[("days", "0")])).days, Some(7));
        assert_eq!(View::from_address(address(&[("from", "2026-12-01"), ("to", "2026-12-07")])).address(), "?from=2026-12-01&to=2026-12-07");
        // Backwards or broken dates fall back to the last 7 days.
        assert_eq!(View::from_address(address(&[("from", "2026-12-07"), ("to", "2026-12-01")])).days, Some(7));
        assert_eq!(View::from_address(address(&[("from", "2026-02-30"), ("to", "2026-03-01")])).days, Some(7));
        assert_eq!(View::from_address(address(&[("granularity", "month")])).granularity, None);
        assert_eq!(v.api_query(Some("+08:00")), "?days=30&granularity=week&category=delivery&tz=%2B08%3A00");
    }

    #[test]
    fn filters_and_ranges_change_one_at_a_time() {
        let v = View::from_address(address(&[("days", "7"), ("granularity", "hour")]));
        let v = v.with_filter("priority", "P1").with_filter("merchant", "m-1");
        assert_eq!(v.address(), "?days=7&granularity=hour&merchant=m-1&priority=P1");
        assert_eq!(v.with_filter("priority", "").address(), "?days=7&granularity=hour&merchant=m-1");
        // 90 days cannot be hourly.
        assert_eq!(v.with_days(90).granularity, None);
        assert_eq!(v.with_days(30).granularity.as_deref(), Some("hour"));
        assert_eq!(v.with_dates("2026-01-01", "2026-03-01").span_days(), 60);
        assert!(!v.with_dates("2026-01-01", "2026-03-01").allows("hour"));
    }

    #[test]
    fn drill_downs_carry_the_range_the_filters_and_the_clicked_value() {
        let o = Overview { from_instant: "2026-11-30T16:00:00.000Z".into(), to_instant: "2026-12-07T16:00:00.000Z".into(), ..Overview::default() };
        let v = View::from_address(address(&[("merchant", "m-1")]));
        assert_eq!(
            range_href(&o, &v, &[("category", "delivery")]),
            "/console/tickets?view=all&merchant=m-1&category=delivery&created_from=2026-11-30T16%3A00%3A00.000Z&created_to=2026-12-07T16%3A00%3A00.000Z"
        );
        // An unknown value is `-`.
        assert!(range_href(&o, &v, &[("region", "")]).contains("&region=-&"));
        let s = SpikeEvent { category: "food_safety".into(), merchant: Some("m-2".into()), hour: "2026-12-31T23:00:00.000Z".into(), ..SpikeEvent::default() };
        assert_eq!(
            spike_href(&s),
            "/console/tickets?view=all&merchant=m-2&category=food_safety&created_from=2026-12-31T23%3A00%3A00.000Z&created_to=2027-01-01T00%3A00%3A00.000Z"
        );
    }

    #[test]
    fn hours_and_instants() {
        let h = hour_of_instant("2026-12-01T16:00:00.000Z").unwrap();
        assert_eq!(instant_of_hour(h), "2026-12-01T16:00:00.000Z");
        assert_eq!(instant_of_hour(h + 8), "2026-12-02T00:00:00.000Z");
        assert_eq!(instant_of_hour(0), "1970-01-01T00:00:00.000Z");
        // The backlog's first band: what came in this hour; the last: everything a week old or more.
        let now = h;
        assert!(backlog_href(&View::default(), 0, now).ends_with("created_from=2026-12-01T16%3A00%3A00.000Z&created_to=2026-12-01T17%3A00%3A00.000Z"));
        assert!(backlog_href(&View::default(), 5, now).starts_with("/console/tickets?view=unresolved&created_to="));
    }

    #[test]
    fn zones_are_whole_hours() {
        assert_eq!(zone_name(480).as_deref(), Some("+08:00"));
        assert_eq!(zone_name(-300).as_deref(), Some("-05:00"));
        assert_eq!(zone_name(0).as_deref(), Some("+00:00"));
        assert_eq!(zone_name(330), None);
        assert_eq!(civil_minutes(1970, 1, 2, 1, 30), 1440 + 90);
    }

    #[test]
    fn figures_in_words() {
        let w = &crate::i18n::ui(qingting_shared::Lang::ZhCn).an;
        assert_eq!(percent(Some(0.925)), "92.5%");
        assert_eq!(percent(Some(1.0)), "100%");
        assert_eq!(percent(None), "—");
        assert_eq!(duration(w, Some(30.0)), "<1 分钟");
        assert_eq!(duration(w, Some(35.0 * 60.0)), "35 分钟");
        assert_eq!(duration(w, Some(2.5 * 3600.0)), "2.5 小时");
        assert_eq!(duration(w, Some(3.0 * 86400.0)), "3 天");
        assert_eq!(duration(w, None), "—");
        assert_eq!(Trend::of(6, 4), Trend::Up(50));
        assert_eq!(Trend::of(1, 4), Trend::Down(75));
        assert_eq!(Trend::of(3, 0), Trend::New);
        assert_eq!(Trend::of(6, 4).words(w).0, "↑ 50%");
    }

    #[test]
    fn a_spike_is_marked_in_its_period() {
        let p = |s: &str, e: &str| VolumePoint { start: s.into(), end: e.into(), ..VolumePoint::default() };
        let o = Overview {
            volume: vec![p("2026-11-30T16:00:00.000Z", "2026-12-01T16:00:00.000Z"), p("2026-12-01T16:00:00.000Z", "2026-12-02T16:00:00.000Z")],
            ..Overview::default()
        };
        assert_eq!(period_of(&o, "2026-12-01T16:00:00.000Z"), Some(1));
        assert_eq!(period_of(&o, "2026-12-01T15:00:00.000Z"), Some(0));
        assert_eq!(period_of(&o, "2026-12-02T16:00:00.000Z"), None);
    }
}
