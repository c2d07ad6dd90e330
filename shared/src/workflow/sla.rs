//! SLA policies and clocks: first-response and resolution targets per priority in business
//! minutes of a [`Calendar`], the merchant window of the three-party flow, and where a clock
//! stands at `now`. Pure: `now`, the calendar and the pauses are arguments.
//!
//! ```
//! use qingting_shared::Priority;
//! use qingting_shared::workflow::calendar::{Calendar, Zone};
//! use qingting_shared::workflow::sla::{SlaPolicy, first_holder};
//! use qingting_shared::workflow::Holder;
//! let policy = SlaPolicy::default();
//! assert_eq!(policy.first_response(Priority::P1), 10);
//! // P1 goes to the platform at once; everything else starts with the merchant.
//! assert_eq!(first_holder(Priority::P1), Holder::Platform);
//! assert_eq!(first_holder(Priority::P3), Holder::Merchant);
//! let cal = Calendar::always_open(Zone::parse("Asia/Shanghai").unwrap());
//! let created = Calendar::parse_instant("2026-12-01T09:00:00+08:00").unwrap();
//! let due = policy.first_response_due(&cal, created, Priority::P2).unwrap();
//! assert_eq!(Calendar::format_instant(due), "2026-12-01T02:00:00Z");
//! ```

use serde::{Deserialize, Serialize};

use crate::taxonomy::Priority;
use crate::workflow::calendar::{Calendar, CalendarError, Instant};
use crate::workflow::state::Holder;

/// Business minutes per priority, P1 first.
pub type PerPriority = [u32; 4];

/// First-response targets from `TAXONOMY.md`: P1 10 min, P2 1 h, P3 4 h, P4 24 h.
pub const FIRST_RESPONSE_MINUTES: PerPriority = [10, 60, 240, 1440];

/// Resolution targets (the project's choice, in business minutes; with 9-hour days: P1 half a
/// day, P2 two days, P3 five days, P4 ten days).
pub const RESOLUTION_MINUTES: PerPriority = [240, 1080, 2700, 5400];

/// When a running clock warns before it breaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Warning {
    /// This many business minutes before the due time.
    MinutesBefore(u32),
    /// When this share of the target (percent) has been used.
    PercentOfTarget(u8),
}

/// A merchant's (or the platform's default) targets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaPolicy {
    pub first_response: PerPriority,
    pub resolution: PerPriority,
    pub warning: Warning,
}

impl Default for SlaPolicy {
    fn default() -> SlaPolicy {
        SlaPolicy { first_response: FIRST_RESPONSE_MINUTES, resolution: RESOLUTION_MINUTES, warning: Warning::PercentOfTarget(75) }
    }
}

fn index(p: Priority) -> usize {
    match p {
        Priority::P1 => 0,
        Priority::P2 => 1,
        Priority::P3 => 2,
        Priority::P4 => 3,
    }
}

impl SlaPolicy {
    pub fn first_response(&self, p: Priority) -> u32 {
        self.first_response[index(p)]
    }

    pub fn resolution(&self, p: Priority) -> u32 {
        self.resolution[index(p)]
    }

    /// The first response is due this many business minutes after creation.
    pub fn first_response_due(&self, cal: &Calendar, created: Instant, p: Priority) -> Result<Instant, CalendarError> {
        cal.add(created, i64::from(self.first_response(p)) * 60, &[])
    }

    /// When a clock of `minutes` that started at `start` warns (before `due`).
    pub fn warning_at(&self, cal: &Calendar, start: Instant, minutes: u32, pauses: &[(Instant, Instant)]) -> Result<Instant, CalendarError> {
        let before = match self.warning {
            Warning::MinutesBefore(m) => minutes.saturating_sub(m),
            Warning::PercentOfTarget(pct) => minutes * u32::from(pct.min(100)) / 100,
        };
        cal.add(start, i64::from(before) * 60, pauses)
    }
}

/// Who holds a new ticket: P1 goes to the platform at once (the merchant is told); every other
/// ticket starts in the merchant's window.
pub fn first_holder(p: Priority) -> Holder {
    if p == Priority::P1 { Holder::Platform } else { Holder::Merchant }
}

/// When the merchant's window closes (the three-party flow): its first-response target in the
/// merchant's calendar; at once for P1 (the platform takes those straight away). A ticket not
/// (yet) classified gets P3's window.
pub fn merchant_window_due(policy: &SlaPolicy, cal: &Calendar, created: Instant, priority: Option<Priority>) -> Result<Instant, CalendarError> {
    match priority.unwrap_or(Priority::P3) {
        Priority::P1 => Ok(created),
        p => policy.first_response_due(cal, created, p),
    }
}

/// A paused period of a clock: from `from` until `to`, or still paused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pause {
    pub from: Instant,
    pub to: Option<Instant>,
}

/// Where a clock stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Due {
    /// Running (or stopped) with this due time.
    At(Instant),
    /// Paused now: no due time until it runs again.
    Paused,
}

/// The resolution clock's due time: `minutes` business minutes from `created`, not counting the
/// pauses (waiting on the customer). A pause still open means no due time.
pub fn resolution_due(cal: &Calendar, created: Instant, minutes: u32, pauses: &[Pause]) -> Result<Due, CalendarError> {
    if pauses.iter().any(|p| p.to.is_none()) {
        return Ok(Due::Paused);
    }
    let breaks: Vec<(Instant, Instant)> = pauses.iter().filter_map(|p| p.to.map(|to| (p.from, to))).collect();
    cal.add(created, i64::from(minutes) * 60, &breaks).map(Due::At)
}

/// A clock's state at `now`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClockState {
    Running,
    /// Past the warning time, before the due time.
    Warning,
    Breached,
}

pub fn clock_state(now: Instant, warn_at: Instant, due: Instant) -> ClockState {
    if now >= due {
        ClockState::Breached
    } else if now >= warn_at {
        ClockState::Warning
    } else {
        ClockState::Running
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::calendar::Zone;

    fn t(s: &str) -> Instant {
        Calendar::parse_instant(s).unwrap()
    }

    fn office() -> Calendar {
        serde_json::from_str(r#"{"zone": "Asia/Shanghai", "week": {"mon": ["09:00-18:00"], "tue": ["09:00-18:00"], "wed": ["09:00-18:00"], "thu": ["09:00-18:00"], "fri": ["09:00-18:00"]}}"#).unwrap()
    }

    #[test]
    fn targets_default_to_the_taxonomy() {
        let p = SlaPolicy::default();
        let got: Vec<u32> = Priority::ALL.iter().map(|&x| p.first_response(x)).collect();
        assert_eq!(got, [10, 60, 240, 1440]);
        assert!(Priority::ALL.iter().all(|&x| p.resolution(x) > p.first_response(x)));
    }

    #[test]
    fn first_response_and_warning_in_business_time() {
        let (cal, p) = (office(), SlaPolicy::default());
        let created = t("2026-12-04T17:30:00+08:00"); // a Friday
        // P3: 4 business hours → Monday 12:30; warned at 75 % (180 min) → Monday 11:30.
        assert_eq!(cal.local(p.first_response_due(&cal, created, Priority::P3).unwrap()), "2026-12-07T12:30:00+08:00");
        assert_eq!(cal.local(p.warning_at(&cal, created, 240, &[]).unwrap()), "2026-12-07T11:30:00+08:00");
        let before = SlaPolicy { warning: Warning::MinutesBefore(30), ..SlaPolicy::default() };
        assert_eq!(cal.local(before.warning_at(&cal, created, 240, &[]).unwrap()), "2026-12-07T12:00:00+08:00");
    }

    #[test]
    fn the_resolution_clock_pauses_while_waiting_on_the_customer() {
        let cal = office();
        let created = t("2026-12-01T09:00:00+08:00");
        assert_eq!(resolution_due(&cal, created, 600, &[]).unwrap(), Due::At(t("2026-12-02T10:00:00+08:00")));
        let waited = Pause { from: t("2026-12-01T10:00:00+08:00"), to: Some(t("2026-12-01T12:00:00+08:00")) };
        assert_eq!(resolution_due(&cal, created, 600, &[waited]).unwrap(), Due::At(t("2026-12-02T12:00:00+08:00")));
        let open = Pause { from: t("2026-12-01T10:00:00+08:00"), to: None };
        assert_eq!(resolution_due(&cal, created, 600, &[open]).unwrap(), Due::Paused);
    }

    #[test]
    fn the_merchant_window_is_the_first_response_target_and_nothing_for_p1() {
        let (cal, p) = (office(), SlaPolicy::default());
        let created = t("2026-12-01T09:00:00+08:00");
        assert_eq!(merchant_window_due(&p, &cal, created, Some(Priority::P1)).unwrap(), created);
        assert_eq!(cal.local(merchant_window_due(&p, &cal, created, Some(Priority::P2)).unwrap()), "2026-12-01T10:00:00+08:00");
        assert_eq!(cal.local(merchant_window_due(&p, &cal, created, None).unwrap()), "2026-12-01T13:00:00+08:00");
    }

    #[test]
    fn clocks_warn_then_breach() {
        let (w, d) = (t("2026-12-01T10:00:00Z"), t("2026-12-01T11:00:00Z"));
        assert_eq!(clock_state(t("2026-12-01T09:59:59Z"), w, d), ClockState::Running);
        assert_eq!(clock_state(w, w, d), ClockState::Warning);
        assert_eq!(clock_state(d, w, d), ClockState::Breached);
        let always = Calendar::always_open(Zone::parse("UTC").unwrap());
        assert_eq!(SlaPolicy::default().first_response_due(&always, d, Priority::P1).unwrap(), t("2026-12-01T11:10:00Z"));
    }
}
