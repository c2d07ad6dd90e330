//! Hours, days and weeks in the viewer's zone.
//!
//! Counts are kept per UTC hour (`hour` = Unix seconds / 3600). A viewer's day or week is a run of
//! those hours, so zones are whole-hour offsets from UTC (Asia/Shanghai, +08:00, is the default).
//!
//! ```
//! use qingting_shared::analytics::period::{Granularity, Range, Zone};
//! let zone = Zone::parse("Asia/Shanghai").unwrap();
//! let range = Range::of_days("2026-11-30", "2026-12-06", zone).unwrap();
//! assert_eq!(range.hours(), 7 * 24);
//! let periods = range.periods(Granularity::Day);
//! assert_eq!(periods.len(), 7);
//! assert_eq!(range.label(periods[0], Granularity::Day), "2026-11-30");
//! assert_eq!(range.previous().label(range.previous().from, Granularity::Day), "2026-11-23");
//! ```

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};

use crate::str_enum::str_enum;

/// Hours in a week.
pub const WEEK_HOURS: i64 = 7 * 24;
/// The longest range one request may ask for (a little over a year).
pub const MAX_RANGE_DAYS: i64 = 400;

/// Why a zone or a range was refused (`400 invalid_range`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("time zone must be Asia/Shanghai, UTC or a whole-hour offset such as +08:00")]
    Zone,
    #[error("dates must look like 2026-12-01")]
    Date,
    #[error("the range ends before it starts")]
    Backwards,
    #[error("a range may span at most {MAX_RANGE_DAYS} days")]
    TooLong,
}

/// A viewer's zone: a whole-hour offset from UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Zone {
    pub offset_hours: i64,
}

impl Default for Zone {
    fn default() -> Zone {
        Zone { offset_hours: 8 }
    }
}

impl Zone {
    /// `Asia/Shanghai` (and the other zones of China at +8), `UTC`, or `±HH:00` / `±HH`.
    pub fn parse(s: &str) -> Result<Zone, PeriodError> {
        let s = s.trim();
        match s {
            "" | "Asia/Shanghai" | "Asia/Chongqing" | "Asia/Hong_Kong" | "Asia/Macau" | "Asia/Taipei" | "PRC" => return Ok(Zone { offset_hours: 8 }),
            "UTC" | "Etc/UTC" | "Z" => return Ok(Zone { offset_hours: 0 }),
            _ => {}
        }
        let (sign, rest) = match s.as_bytes().first() {
            Some(b'+') => (1, &s[1..]),
            Some(b'-') => (-1, &s[1..]),
            _ => return Err(PeriodError::Zone),
        };
        let (h, m) = rest.split_once(':').unwrap_or((rest, "00"));
        let h: i64 = h.parse().map_err(|_| PeriodError::Zone)?;
        if m != "00" || !(0..=14).contains(&h) {
            return Err(PeriodError::Zone);
        }
        Ok(Zone { offset_hours: sign * h })
    }

    /// The zone as `+08:00`.
    pub fn name(self) -> String {
        format!("{}{:02}:00", if self.offset_hours < 0 { '-' } else { '+' }, self.offset_hours.abs())
    }
}

str_enum! {
    /// How a series is cut.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Granularity {
        Hour = "hour",
        Day = "day",
        /// Weeks start on Monday.
        Week = "week",
    }
}

impl Granularity {
    /// Hours per period.
    pub const fn hours(self) -> i64 {
        match self {
            Granularity::Hour => 1,
            Granularity::Day => 24,
            Granularity::Week => WEEK_HOURS,
        }
    }
}

/// The UTC hour number of an instant.
pub fn hour_of(t: DateTime<Utc>) -> i64 {
    t.timestamp().div_euclid(3600)
}

/// The instant an hour number starts.
pub fn instant_of(hour: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(hour * 3600, 0).single().unwrap_or_default()
}

/// Hours `[from, to)` seen from a zone: whole days of that zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    pub from: i64,
    pub to: i64,
    pub zone: Zone,
}

impl Range {
    /// The days `first..=last` (`YYYY-MM-DD`) in `zone`.
    pub fn of_days(first: &str, last: &str, zone: Zone) -> Result<Range, PeriodError> {
        let day = |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| PeriodError::Date);
        let (first, last) = (day(first)?, day(last)?);
        if last < first {
            return Err(PeriodError::Backwards);
        }
        if (last - first).num_days() >= MAX_RANGE_DAYS {
            return Err(PeriodError::TooLong);
        }
        let start = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp().div_euclid(3600) - zone.offset_hours).unwrap_or(0);
        Ok(Range { from: start(first), to: start(last) + 24, zone })
    }

    /// The last `days` days up to and including the viewer's today at `now`.
    pub fn last_days(now: DateTime<Utc>, days: i64, zone: Zone) -> Range {
        let today = Range::day_start(hour_of(now), zone);
        Range { from: today - (days.clamp(1, MAX_RANGE_DAYS) - 1) * 24, to: today + 24, zone }
    }

    /// The first hour of the viewer's day holding `hour`.
    pub fn day_start(hour: i64, zone: Zone) -> i64 {
        (hour + zone.offset_hours).div_euclid(24) * 24 - zone.offset_hours
    }

    pub fn hours(&self) -> i64 {
        self.to - self.from
    }

    /// The range just before this one, as long.
    pub fn previous(&self) -> Range {
        Range { from: self.from - self.hours(), to: self.from, zone: self.zone }
    }

    /// The first hour of the period holding `hour` (weeks from Monday, in the viewer's zone).
    pub fn period_start(&self, hour: i64, g: Granularity) -> i64 {
        let local = hour + self.zone.offset_hours;
        let start = match g {
            Granularity::Hour => local,
            Granularity::Day => local.div_euclid(24) * 24,
            // 1970-01-01 was a Thursday: Monday-based weeks start 3 days later in the cycle.
            Granularity::Week => (local.div_euclid(24) + 3).div_euclid(7) * 7 * 24 - 3 * 24,
        };
        start - self.zone.offset_hours
    }

    /// Every period that overlaps the range, by its first hour.
    pub fn periods(&self, g: Granularity) -> Vec<i64> {
        let mut out = Vec::new();
        let mut p = self.period_start(self.from, g);
        while p < self.to {
            out.push(p);
            p += g.hours();
        }
        out
    }

    /// A period's label in the viewer's zone: `2026-12-01 08:00`, `2026-12-01`, or a week by its
    /// Monday.
    pub fn label(&self, period: i64, g: Granularity) -> String {
        let local = instant_of(period + self.zone.offset_hours).naive_utc();
        match g {
            Granularity::Hour => local.format("%Y-%m-%d %H:00").to_string(),
            Granularity::Day | Granularity::Week => local.format("%Y-%m-%d").to_string(),
        }
    }

    /// The viewer's calendar date of an hour (for CSV and drill-down links).
    pub fn local_date(&self, hour: i64) -> NaiveDate {
        let d = instant_of(hour + self.zone.offset_hours).naive_utc().date();
        NaiveDate::from_ymd_opt(d.year(), d.month(), d.day()).unwrap_or(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones() {
        assert_eq!(Zone::parse("Asia/Shanghai").unwrap().offset_hours, 8);
        assert_eq!(Zone::parse("-05:00").unwrap().offset_hours, -5);
        assert_eq!(Zone::parse("+8").unwrap().offset_hours, 8);
        assert_eq!(Zone::parse("+05:30"), Err(PeriodError::Zone));
        assert_eq!(Zone::parse("Mars/Olympus"), Err(PeriodError::Zone));
        assert_eq!(Zone::default().name(), "+08:00");
    }

    #[test]
    fn a_shanghai_day_starts_at_16_utc() {
        let r = Range::of_days("2026-12-01", "2026-12-01", Zone::default()).unwrap();
        assert_eq!(instant_of(r.from).to_rfc3339(), "2026-11-30T16:00:00+00:00");
        assert_eq!(r.hours(), 24);
        assert_eq!(Range::of_days("2026-12-02", "2026-12-01", Zone::default()), Err(PeriodError::Backwards));
    }

    #[test]
    fn weeks_start_on_monday_in_the_viewers_zone() {
        let r = Range::of_days("2026-11-25", "2026-12-08", Zone::default()).unwrap();
        let weeks = r.periods(Granularity::Week);
        let labels: Vec<_> = weeks.iter().map(|&w| r.label(w, Granularity::Week)).collect();
        assert_eq!(labels, ["2026-11-23", "2026-11-30", "2026-12-07"]);
    }

    #[test]
    fn last_days_ends_with_today() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 17, 30, 0).unwrap(); // 01:30 on 2 Dec in Shanghai
        let r = Range::last_days(now, 7, Zone::default());
        assert_eq!(r.label(r.from, Granularity::Day), "2026-11-26");
        assert_eq!(r.label(r.to - 1, Granularity::Day), "2026-12-02");
    }
}
