//! Business calendars: weekly opening hours, holidays, 调休 make-up working days and a time zone.
//! SLA targets are business minutes in a calendar ([`Calendar::add`]); time outside opening hours
//! and inside *breaks* (a ticket's paused periods, fed in as intervals) does not count, so a pause
//! needs no code of its own.
//!
//! The JSON form is what the console saves and `qingting sla` reads:
//!
//! ```
//! use qingting_shared::workflow::calendar::Calendar;
//! let cal: Calendar = serde_json::from_str(r#"{
//!     "zone": "Asia/Shanghai",
//!     "week": {"mon": ["09:00-18:00"], "tue": ["09:00-18:00"], "wed": ["09:00-18:00"],
//!              "thu": ["09:00-18:00"], "fri": ["09:00-18:00"]},
//!     "holidays": ["2026-10-01", "2026-10-02"],
//!     "workdays": ["2026-10-10"]
//! }"#).unwrap();
//! // Friday 17:30 in Shanghai plus 60 business minutes: Monday 09:30.
//! let start = Calendar::parse_instant("2026-09-04T17:30:00+08:00").unwrap();
//! let due = cal.add(start, 60 * 60, &[]).unwrap();
//! assert_eq!(Calendar::format_instant(due), "2026-09-07T01:30:00Z");
//! ```
//!
//! Zones are fixed offsets: `Asia/Shanghai` (and `Asia/Hong_Kong`, `Asia/Taipei`, `Asia/Macau`,
//! none of which keep daylight saving time) are UTC+8, `UTC` is UTC, and `+HH:MM` / `-HH:MM` name
//! any other offset. Zones with daylight saving time are refused rather than silently wrong.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An instant (UTC).
pub type Instant = DateTime<Utc>;

/// How far [`Calendar::add`] looks ahead before deciding the calendar is never open.
const HORIZON_DAYS: i64 = 3 * 366;

/// Why a calendar or a time is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("zone must be Asia/Shanghai, Asia/Hong_Kong, Asia/Taipei, Asia/Macau, UTC or an offset like +08:00, not {0:?}")]
    Zone(String),
    #[error("opening hours must look like \"09:00-18:00\" (end after start, at most 24:00), not {0:?}")]
    Hours(String),
    #[error("opening hours of one day must not overlap: {0:?}")]
    Overlap(String),
    #[error("dates must look like 2026-10-01, not {0:?}")]
    Date(String),
    #[error("times must be RFC 3339, like 2026-10-01T09:00:00+08:00, not {0:?}")]
    Instant(String),
    #[error("the calendar is never open in the next three years")]
    NeverOpen,
}

/// A weekly opening span in minutes after local midnight, `[start, end)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Opening {
    pub start: u32,
    pub end: u32,
}

impl Opening {
    fn parse(s: &str) -> Result<Opening, CalendarError> {
        let bad = || CalendarError::Hours(s.to_string());
        let (a, b) = s.split_once('-').ok_or_else(bad)?;
        let minutes = |t: &str| -> Option<u32> {
            let (h, m) = t.trim().split_once(':')?;
            let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
            (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
        };
        let (start, end) = (minutes(a).ok_or_else(bad)?, minutes(b).ok_or_else(bad)?);
        if start < end { Ok(Opening { start, end }) } else { Err(bad()) }
    }

    fn text(self) -> String {
        format!("{:02}:{:02}-{:02}:{:02}", self.start / 60, self.start % 60, self.end / 60, self.end % 60)
    }
}

/// A fixed UTC offset with the name it was given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Zone {
    pub name: String,
    pub offset_minutes: i32,
}

impl Zone {
    pub fn parse(name: &str) -> Result<Zone, CalendarError> {
        let offset = match name {
            "Asia/Shanghai" | "Asia/Hong_Kong" | "Asia/Taipei" | "Asia/Macau" | "PRC" => 480,
            "UTC" | "Etc/UTC" | "Z" => 0,
            _ => {
                let bad = || CalendarError::Zone(name.to_string());
                let (sign, rest) = match name.as_bytes().first() {
                    Some(b'+') => (1, &name[1..]),
                    Some(b'-') => (-1, &name[1..]),
                    _ => return Err(bad()),
                };
                let (h, m) = rest.split_once(':').ok_or_else(bad)?;
                let (h, m): (i32, i32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
                if !(0..=14).contains(&h) || !(0..60).contains(&m) || h.to_string().len() > 2 {
                    return Err(bad());
                }
                sign * (h * 60 + m)
            }
        };
        Ok(Zone { name: name.to_string(), offset_minutes: offset })
    }

    fn fixed(&self) -> FixedOffset {
        FixedOffset::east_opt(self.offset_minutes * 60).unwrap_or(FixedOffset::east_opt(0).expect("UTC"))
    }
}

/// Opening hours per weekday (Monday first), holidays, make-up working days and a zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Calendar {
    pub zone: Zone,
    /// Monday … Sunday.
    pub week: [Vec<Opening>; 7],
    /// Closed all day, whatever the weekday.
    pub holidays: BTreeSet<NaiveDate>,
    /// 调休: open on these dates, whatever the weekday, with [`Calendar::workday_hours`].
    pub workdays: BTreeSet<NaiveDate>,
    /// The hours of a make-up working day: given, or else the first weekday's that has hours.
    pub workday_hours: Vec<Opening>,
}

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl Calendar {
    /// Open every minute of every day, in `zone` (the platform's own desk may be 24×7).
    pub fn always_open(zone: Zone) -> Calendar {
        let all = vec![Opening { start: 0, end: 24 * 60 }];
        Calendar { zone, week: std::array::from_fn(|_| all.clone()), holidays: BTreeSet::new(), workdays: BTreeSet::new(), workday_hours: all }
    }

    /// The opening spans of a local date, sorted.
    pub fn openings(&self, date: NaiveDate) -> &[Opening] {
        if self.workdays.contains(&date) {
            return &self.workday_hours;
        }
        if self.holidays.contains(&date) {
            return &[];
        }
        &self.week[date.weekday().num_days_from_monday() as usize]
    }

    /// The open intervals of `date` as UTC seconds, `[start, end)`.
    fn open_intervals(&self, date: NaiveDate) -> impl Iterator<Item = (i64, i64)> + '_ {
        let midnight = date.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp()).unwrap_or(0) - i64::from(self.zone.offset_minutes) * 60;
        self.openings(date).iter().map(move |o| (midnight + i64::from(o.start) * 60, midnight + i64::from(o.end) * 60))
    }

    fn local_date(&self, t: i64) -> NaiveDate {
        let local = t + i64::from(self.zone.offset_minutes) * 60;
        DateTime::from_timestamp(local.div_euclid(86_400) * 86_400, 0).map(|d| d.date_naive()).unwrap_or_default()
    }

    /// Business seconds in `[from, to)`, leaving out `breaks`.
    pub fn business_seconds(&self, from: Instant, to: Instant, breaks: &[(Instant, Instant)]) -> i64 {
        let (from, to) = (from.timestamp(), to.timestamp());
        if to <= from {
            return 0;
        }
        let breaks = merged(breaks);
        let mut total = 0;
        let mut date = self.local_date(from);
        let last = self.local_date(to);
        while date <= last {
            for (s, e) in self.open_intervals(date) {
                let (s, e) = (s.max(from), e.min(to));
                if s < e {
                    total += e - s - overlap(&breaks, s, e);
                }
            }
            date = date.succ_opt().unwrap_or(date);
            if date == NaiveDate::MAX {
                break;
            }
        }
        total
    }

    /// Whether the calendar is open in the minute starting at `at` (notices wait for this).
    pub fn is_open(&self, at: Instant) -> bool {
        self.business_seconds(at, at + Duration::minutes(1), &[]) > 0
    }

    /// The instant `seconds` business seconds after `start`, leaving out `breaks`: the first
    /// instant by which that much open, unbroken time has passed.
    pub fn add(&self, start: Instant, seconds: i64, breaks: &[(Instant, Instant)]) -> Result<Instant, CalendarError> {
        if seconds <= 0 {
            return Ok(start);
        }
        let breaks = merged(breaks);
        let from = start.timestamp();
        let mut left = seconds;
        let mut date = self.local_date(from);
        let end = date + Duration::days(HORIZON_DAYS);
        while date <= end {
            for (s, e) in self.open_intervals(date) {
                let mut cursor = s.max(from);
                if cursor >= e {
                    continue;
                }
                // The open interval minus the breaks, piece by piece.
                for &(bs, be) in &breaks {
                    if be <= cursor || bs >= e {
                        continue;
                    }
                    if bs > cursor {
                        let piece = bs - cursor;
                        if left <= piece {
                            return Ok(at(cursor + left));
                        }
                        left -= piece;
                    }
                    cursor = cursor.max(be);
                }
                if cursor < e {
                    let piece = e - cursor;
                    if left <= piece {
                        return Ok(at(cursor + left));
                    }
                    left -= piece;
                }
            }
            date = date.succ_opt().ok_or(CalendarError::NeverOpen)?;
        }
        Err(CalendarError::NeverOpen)
    }

    /// Reads an RFC 3339 time.
    pub fn parse_instant(s: &str) -> Result<Instant, CalendarError> {
        DateTime::parse_from_rfc3339(s.trim()).map(|t| t.with_timezone(&Utc)).map_err(|_| CalendarError::Instant(s.to_string()))
    }

    /// The instant `ms` milliseconds after the Unix epoch (a scheduled event's time, `Date.now()`).
    pub fn instant_from_millis(ms: i64) -> Instant {
        DateTime::from_timestamp_millis(ms).unwrap_or_default()
    }

    /// An instant as RFC 3339 in UTC, whole seconds (`2026-10-01T01:00:00Z`).
    pub fn format_instant(t: Instant) -> String {
        t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    }

    /// An instant as this calendar's local time, RFC 3339 with its offset.
    pub fn local(&self, t: Instant) -> String {
        self.zone.fixed().from_utc_datetime(&t.naive_utc()).format("%Y-%m-%dT%H:%M:%S%:z").to_string()
    }
}

fn at(t: i64) -> Instant {
    DateTime::from_timestamp(t, 0).unwrap_or_default()
}

/// Breaks as sorted, non-overlapping UTC-second intervals.
fn merged(breaks: &[(Instant, Instant)]) -> Vec<(i64, i64)> {
    let mut v: Vec<(i64, i64)> = breaks.iter().map(|(a, b)| (a.timestamp(), b.timestamp())).filter(|(a, b)| a < b).collect();
    v.sort_unstable();
    let mut out: Vec<(i64, i64)> = Vec::with_capacity(v.len());
    for (a, b) in v {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

/// How much of `[s, e)` the (merged) breaks cover.
fn overlap(breaks: &[(i64, i64)], s: i64, e: i64) -> i64 {
    breaks.iter().map(|&(a, b)| (b.min(e) - a.max(s)).max(0)).sum()
}

/// The JSON form: `{"zone", "week": {"mon": ["09:00-18:00"], …}, "holidays": [dates],
/// "workdays": [dates], "workday_hours"?: ["09:00-18:00"]}`.
#[derive(Serialize, Deserialize)]
struct CalendarJson {
    zone: String,
    #[serde(default)]
    week: std::collections::BTreeMap<String, Vec<String>>,
    #[serde(default)]
    holidays: Vec<String>,
    #[serde(default)]
    workdays: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    workday_hours: Option<Vec<String>>,
}

impl TryFrom<CalendarJson> for Calendar {
    type Error = CalendarError;

    fn try_from(j: CalendarJson) -> Result<Calendar, CalendarError> {
        let zone = Zone::parse(&j.zone)?;
        let spans = |list: &[String]| -> Result<Vec<Opening>, CalendarError> {
            let mut v = list.iter().map(|s| Opening::parse(s)).collect::<Result<Vec<_>, _>>()?;
            v.sort_unstable();
            if v.windows(2).any(|w| w[1].start < w[0].end) {
                return Err(CalendarError::Overlap(list.join(", ")));
            }
            Ok(v)
        };
        let mut week: [Vec<Opening>; 7] = Default::default();
        for (day, hours) in &j.week {
            let i = DAYS.iter().position(|d| d == day).ok_or_else(|| CalendarError::Hours(format!("{day}: not a day (mon … sun)")))?;
            week[i] = spans(hours)?;
        }
        let dates = |list: &[String]| -> Result<BTreeSet<NaiveDate>, CalendarError> {
            list.iter().map(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").map_err(|_| CalendarError::Date(d.clone()))).collect()
        };
        let workday_hours = match &j.workday_hours {
            Some(h) => spans(h)?,
            None => week[..5].iter().find(|d| !d.is_empty()).cloned().unwrap_or_default(),
        };
        Ok(Calendar { zone, week, holidays: dates(&j.holidays)?, workdays: dates(&j.workdays)?, workday_hours })
    }
}

impl Serialize for Calendar {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let hours = |v: &[Opening]| v.iter().map(|o| o.text()).collect::<Vec<_>>();
        let j = CalendarJson {
            zone: self.zone.name.clone(),
            week: DAYS.iter().zip(&self.week).filter(|(_, h)| !h.is_empty()).map(|(d, h)| (d.to_string(), hours(h))).collect(),
            holidays: self.holidays.iter().map(|d| d.to_string()).collect(),
            workdays: self.workdays.iter().map(|d| d.to_string()).collect(),
            workday_hours: Some(hours(&self.workday_hours)),
        };
        j.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Calendar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Calendar, D::Error> {
        Calendar::try_from(CalendarJson::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Shanghai, 09:00–12:00 and 13:00–18:00 on weekdays; 国庆 2026 (10-01 … 10-07 off, Sunday
    /// 09-20 and Saturday 10-10 worked). An example written for the tests.
    fn shanghai() -> Calendar {
        serde_json::from_str(
            r#"{"zone": "Asia/Shanghai",
                "week": {"mon": ["09:00-12:00", "13:00-18:00"], "tue": ["09:00-12:00", "13:00-18:00"],
                         "wed": ["09:00-12:00", "13:00-18:00"], "thu": ["09:00-12:00", "13:00-18:00"],
                         "fri": ["09:00-12:00", "13:00-18:00"]},
                "holidays": ["2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04", "2026-10-05", "2026-10-06", "2026-10-07"],
                "workdays": ["2026-09-20", "2026-10-10"]}"#,
        )
        .unwrap()
    }

    fn utc_office() -> Calendar {
        serde_json::from_str(r#"{"zone": "UTC", "week": {"mon": ["22:00-24:00"], "tue": ["00:00-02:00", "22:00-24:00"]}}"#).unwrap()
    }

    fn t(s: &str) -> Instant {
        Calendar::parse_instant(s).unwrap()
    }

    fn due(cal: &Calendar, start: &str, minutes: i64, breaks: &[(&str, &str)]) -> String {
        let breaks: Vec<_> = breaks.iter().map(|(a, b)| (t(a), t(b))).collect();
        cal.local(cal.add(t(start), minutes * 60, &breaks).unwrap())
    }

    #[test]
    fn open_or_closed_at_a_minute() {
        let cal = shanghai();
        let at = |s: &str| Calendar::parse_instant(s).unwrap();
        assert!(cal.is_open(at("2026-09-01T09:00:00+08:00")));
        assert!(!cal.is_open(at("2026-09-01T12:30:00+08:00")), "lunch");
        assert!(!cal.is_open(at("2026-09-05T10:00:00+08:00")), "a Saturday");
        assert!(cal.is_open(at("2026-10-10T10:00:00+08:00")), "a 调休 Saturday");
        assert!(!cal.is_open(at("2026-10-01T10:00:00+08:00")), "国庆");
    }

    #[test]
    fn deadlines_in_shanghai_business_hours() {
        let cal = shanghai();
        // (start, business minutes, due in Shanghai time)
        let table = [
            // Within one morning.
            ("2026-09-01T09:00:00+08:00", 10, "2026-09-01T09:10:00+08:00"),
            // Over lunch: 11:50 + 20 min = 13:10.
            ("2026-09-01T11:50:00+08:00", 20, "2026-09-01T13:10:00+08:00"),
            // Arriving at night counts from the next opening.
            ("2026-09-01T23:30:00+08:00", 60, "2026-09-02T10:00:00+08:00"),
            // Overnight: 17:30 + 60 min = next morning 09:30.
            ("2026-09-01T17:30:00+08:00", 60, "2026-09-02T09:30:00+08:00"),
            // Weekend: Friday 17:30 + 60 = Monday 09:30.
            ("2026-09-04T17:30:00+08:00", 60, "2026-09-07T09:30:00+08:00"),
            // A 调休 Sunday (09-20) is a working day.
            ("2026-09-19T10:00:00+08:00", 60, "2026-09-20T10:00:00+08:00"),
            // 国庆: 09-30 17:00 + 4 h → one hour that day, nothing 10-01 … 10-07, three on 10-08.
            ("2026-09-30T17:00:00+08:00", 240, "2026-10-08T12:00:00+08:00"),
            // The make-up Saturday (10-10) is worked: Friday 17:00 + 2 h = Saturday 10:00.
            ("2026-10-09T17:00:00+08:00", 120, "2026-10-10T10:00:00+08:00"),
            // The make-up Saturday's afternoon, then Monday 10-12.
            ("2026-10-10T17:00:00+08:00", 120, "2026-10-12T10:00:00+08:00"),
            // Exactly at a span's end: the due is that instant, not the next opening.
            ("2026-09-01T11:00:00+08:00", 60, "2026-09-01T12:00:00+08:00"),
            // Zero minutes from a closed time: the start itself.
            ("2026-09-05T03:00:00+08:00", 0, "2026-09-05T03:00:00+08:00"),
        ];
        for (start, minutes, want) in table {
            assert_eq!(due(&cal, start, minutes, &[]), want, "{start} + {minutes} min");
        }
    }

    #[test]
    fn deadlines_in_utc_across_midnight() {
        let cal = utc_office();
        // Monday 23:00 UTC + 90 min: 60 min to midnight, 30 min on Tuesday.
        assert_eq!(due(&cal, "2026-09-07T23:00:00Z", 90, &[]), "2026-09-08T00:30:00+00:00");
        // Tuesday 01:30 + 60: 30 min, then Tuesday 22:00 + 30.
        assert_eq!(due(&cal, "2026-09-08T01:30:00Z", 60, &[]), "2026-09-08T22:30:00+00:00");
        // The same instants read in Shanghai time: the calendar's zone, not the reader's, counts.
        assert_eq!(cal.local(t("2026-09-08T00:30:00+00:00")), "2026-09-08T00:30:00+00:00");
    }

    #[test]
    fn pauses_move_the_deadline_by_the_paused_business_time() {
        let cal = shanghai();
        // No pause: Tue 17:00 + 120 = Wed 10:00.
        assert_eq!(due(&cal, "2026-09-01T17:00:00+08:00", 120, &[]), "2026-09-02T10:00:00+08:00");
        // Paused 17:30 → next day 09:30 (across midnight): 30 + 30 business minutes paused.
        assert_eq!(due(&cal, "2026-09-01T17:00:00+08:00", 120, &[("2026-09-01T17:30:00+08:00", "2026-09-02T09:30:00+08:00")]), "2026-09-02T11:00:00+08:00");
        // A multi-day pause (Wed 10:00 → Fri 10:00) of two business days.
        assert_eq!(due(&cal, "2026-09-02T09:00:00+08:00", 120, &[("2026-09-02T10:00:00+08:00", "2026-09-04T10:00:00+08:00")]), "2026-09-04T11:00:00+08:00");
        // A pause wholly outside opening hours changes nothing.
        assert_eq!(due(&cal, "2026-09-04T17:00:00+08:00", 120, &[("2026-09-05T08:00:00+08:00", "2026-09-06T20:00:00+08:00")]), "2026-09-07T10:00:00+08:00");
        // A pause after the deadline changes nothing; overlapping pauses count once.
        assert_eq!(due(&cal, "2026-09-01T09:00:00+08:00", 30, &[("2026-09-01T10:00:00+08:00", "2026-09-01T11:00:00+08:00")]), "2026-09-01T09:30:00+08:00");
        let twice = [("2026-09-01T09:10:00+08:00", "2026-09-01T09:40:00+08:00"), ("2026-09-01T09:20:00+08:00", "2026-09-01T09:30:00+08:00")];
        assert_eq!(due(&cal, "2026-09-01T09:00:00+08:00", 30, &twice), "2026-09-01T10:00:00+08:00");
    }

    #[test]
    fn calendars_are_checked_and_round_trip() {
        let bad = |json: &str| serde_json::from_str::<Calendar>(json).unwrap_err().to_string();
        assert!(bad(r#"{"zone": "Europe/Berlin"}"#).contains("zone"));
        assert!(bad(r#"{"zone": "UTC", "week": {"mon": ["18:00-09:00"]}}"#).contains("09:00-18:00"));
        assert!(bad(r#"{"zone": "UTC", "week": {"mon": ["09:00-12:00", "11:00-13:00"]}}"#).contains("overlap"));
        assert!(bad(r#"{"zone": "UTC", "week": {"funday": ["09:00-12:00"]}}"#).contains("funday"));
        assert!(bad(r#"{"zone": "UTC", "holidays": ["2026-13-01"]}"#).contains("2026-13-01"));
        assert_eq!(Zone::parse("+05:30").unwrap().offset_minutes, 330);
        assert_eq!(Zone::parse("-03:00").unwrap().offset_minutes, -180);
        let cal = shanghai();
        let again: Calendar = serde_json::from_str(&serde_json::to_string(&cal).unwrap()).unwrap();
        assert_eq!(again, cal);
        let closed: Calendar = serde_json::from_str(r#"{"zone": "UTC"}"#).unwrap();
        assert_eq!(closed.add(t("2026-01-01T00:00:00Z"), 60, &[]), Err(CalendarError::NeverOpen));
        let always = Calendar::always_open(Zone::parse("Asia/Shanghai").unwrap());
        assert_eq!(due(&always, "2026-10-01T23:50:00+08:00", 20, &[]), "2026-10-02T00:10:00+08:00");
    }

    fn instant() -> impl Strategy<Value = Instant> {
        // Two months around 国庆 2026, to the second.
        (1_788_000_000i64..1_793_000_000).prop_map(at)
    }

    proptest! {
        #[test]
        fn more_time_never_gives_an_earlier_deadline(start in instant(), a in 0i64..20_000, b in 0i64..20_000) {
            let cal = shanghai();
            let (lo, hi) = (a.min(b) * 60, a.max(b) * 60);
            prop_assert!(cal.add(start, lo, &[]).unwrap() <= cal.add(start, hi, &[]).unwrap());
        }

        #[test]
        fn the_deadline_is_exactly_that_much_business_time_away(start in instant(), minutes in 1i64..20_000, p0 in instant(), len in 0i64..400_000) {
            let cal = shanghai();
            let pause = (p0, at(p0.timestamp() + len));
            let due = cal.add(start, minutes * 60, &[pause]).unwrap();
            prop_assert_eq!(cal.business_seconds(start, due, &[pause]), minutes * 60);
            // And the pause moved it by exactly the paused business time before it.
            let plain = cal.add(start, minutes * 60, &[]).unwrap();
            let paused = cal.business_seconds(start.max(pause.0), due.min(pause.1), &[]);
            prop_assert_eq!(cal.business_seconds(plain, due, &[]), paused);
        }

        #[test]
        fn nothing_counts_outside_opening_hours(day in 0i64..60, from in 0i64..86_400, len in 0i64..86_400) {
            let cal = shanghai();
            // A Saturday or Sunday (not a 调休 one): 2026-09-05 is a Saturday.
            let base = t("2026-09-05T00:00:00+08:00").timestamp() + (day / 2) * 7 * 86_400 + (day % 2) * 86_400;
            let date = cal.local_date(base);
            prop_assume!(!cal.workdays.contains(&date));
            let (a, b) = (base + from.min(86_399), (base + from + len).min(base + 86_400));
            prop_assert_eq!(cal.business_seconds(at(a), at(b), &[]), 0);
        }
    }
}
