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

use crate::str_enum::str_enum;
use crate::taxonomy::Priority;
use crate::workflow::calendar::{Calendar, CalendarError, Instant};
use crate::workflow::state::{Holder, TicketStatus};
use crate::workflow::ticket::{ActorKind, Change, ChangeKind, EscalationReason, TicketState};

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

impl Warning {
    /// Business minutes after the start at which a clock of `minutes` warns.
    pub fn minutes_into(self, minutes: u32) -> u32 {
        match self {
            Warning::MinutesBefore(m) => minutes.saturating_sub(m),
            Warning::PercentOfTarget(pct) => minutes * u32::from(pct.min(100)) / 100,
        }
    }
}

/// A merchant's (or the platform's default) targets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaPolicy {
    pub first_response: PerPriority,
    pub resolution: PerPriority,
    pub warning: Warning,
    /// 催单 this many times and the platform steps in (平台介入).
    #[serde(default = "default_urges")]
    pub urges_to_platform: u32,
    /// The least time between two 催单 of one ticket, in minutes (wall-clock).
    #[serde(default = "default_urge_interval")]
    pub urge_interval_minutes: u32,
}

/// Urges before the platform steps in, unless a policy says otherwise.
pub const URGES_TO_PLATFORM: u32 = 3;

/// The least time between two urges of one ticket unless a policy says otherwise: an hour.
pub const URGE_INTERVAL_MINUTES: u32 = 60;

fn default_urges() -> u32 {
    URGES_TO_PLATFORM
}

fn default_urge_interval() -> u32 {
    URGE_INTERVAL_MINUTES
}

impl Default for SlaPolicy {
    fn default() -> SlaPolicy {
        SlaPolicy {
            first_response: FIRST_RESPONSE_MINUTES,
            resolution: RESOLUTION_MINUTES,
            warning: Warning::PercentOfTarget(75),
            urges_to_platform: URGES_TO_PLATFORM,
            urge_interval_minutes: URGE_INTERVAL_MINUTES,
        }
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

/// Longest target: a year of business minutes.
pub const MAX_TARGET_MINUTES: u32 = 525_600;

/// Why a policy is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("targets must be 1 to 525600 business minutes, not {0}")]
    Target(u32),
    #[error("the resolution target of {0} must not be shorter than its first-response target")]
    ResolutionFirst(Priority),
    #[error("a warning must come at 1–99 % of the target, or 1–1440 minutes before it")]
    Warning,
    #[error("the platform steps in after 1 to 20 urges")]
    Urges,
    #[error("urges may be limited to one per 1 to 1440 minutes")]
    UrgeInterval,
}

impl SlaPolicy {
    /// Checks targets and warning before a policy is saved.
    ///
    /// ```
    /// use qingting_shared::workflow::sla::{PolicyError, SlaPolicy};
    /// assert_eq!(SlaPolicy::default().validate(), Ok(()));
    /// let bad = SlaPolicy { first_response: [0, 60, 240, 1440], ..SlaPolicy::default() };
    /// assert_eq!(bad.validate(), Err(PolicyError::Target(0)));
    /// ```
    pub fn validate(&self) -> Result<(), PolicyError> {
        for &m in self.first_response.iter().chain(&self.resolution) {
            if !(1..=MAX_TARGET_MINUTES).contains(&m) {
                return Err(PolicyError::Target(m));
            }
        }
        if let Some(&p) = Priority::ALL.iter().find(|&&p| self.resolution(p) < self.first_response(p)) {
            return Err(PolicyError::ResolutionFirst(p));
        }
        if !(1..=20).contains(&self.urges_to_platform) {
            return Err(PolicyError::Urges);
        }
        if !(1..=1440).contains(&self.urge_interval_minutes) {
            return Err(PolicyError::UrgeInterval);
        }
        match self.warning {
            Warning::PercentOfTarget(1..=99) | Warning::MinutesBefore(1..=1440) => Ok(()),
            _ => Err(PolicyError::Warning),
        }
    }

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
        cal.add(start, i64::from(self.warning.minutes_into(minutes)) * 60, pauses)
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

/// What the customer did that may bring the platform in (the three-party flow).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CustomerSignal {
    /// 未解决: the customer says a resolution did not solve it.
    NotSolved,
    /// 催单, with the ticket's urges counted so far (this one included).
    Urged(u32),
}

/// Whether the platform steps in after `signal` on a ticket `holder` holds: a merchant's
/// resolution the customer rejects, or urges reaching the policy's threshold. A ticket the
/// platform holds already stays as it is.
///
/// ```
/// use qingting_shared::workflow::Holder;
/// use qingting_shared::workflow::EscalationReason;
/// use qingting_shared::workflow::sla::{CustomerSignal, SlaPolicy, escalation_for};
/// let p = SlaPolicy::default();
/// assert_eq!(escalation_for(&p, Holder::Merchant, CustomerSignal::Urged(2)), None);
/// assert_eq!(escalation_for(&p, Holder::Merchant, CustomerSignal::Urged(3)), Some(EscalationReason::Urged));
/// assert_eq!(escalation_for(&p, Holder::Merchant, CustomerSignal::NotSolved), Some(EscalationReason::Unresolved));
/// assert_eq!(escalation_for(&p, Holder::Platform, CustomerSignal::NotSolved), None);
/// ```
pub fn escalation_for(policy: &SlaPolicy, holder: Holder, signal: CustomerSignal) -> Option<EscalationReason> {
    if holder == Holder::Platform {
        return None;
    }
    match signal {
        CustomerSignal::NotSolved => Some(EscalationReason::Unresolved),
        CustomerSignal::Urged(n) if n >= policy.urges_to_platform => Some(EscalationReason::Urged),
        CustomerSignal::Urged(_) => None,
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

str_enum! {
    /// The two clocks a ticket runs.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum Clock {
        /// From creation until the first public answer by a person.
        FirstResponse = "first_response",
        /// From creation until resolved, paused while waiting on the customer.
        Resolution = "resolution",
    }
}

str_enum! {
    /// What the sweep records about a clock, each at most once per ticket.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum Mark {
        /// Past the warning time (the assignee and the team's supervisor are told).
        Warning = "warning",
        /// Past the due time: recorded once, counted against whoever held the ticket.
        Breach = "breach",
    }
}

impl Mark {
    fn bit(self, clock: Clock) -> u8 {
        let shift = match (clock, self) {
            (Clock::FirstResponse, Mark::Warning) => 0,
            (Clock::FirstResponse, Mark::Breach) => 1,
            (Clock::Resolution, Mark::Warning) => 2,
            (Clock::Resolution, Mark::Breach) => 3,
        };
        1 << shift
    }
}

/// One clock's times, worked out from the ticket's copied target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClockTimes {
    pub warn_at: Instant,
    pub due_at: Instant,
}

/// A ticket's SLA clocks as stored on it. The targets are copied from the policy when the clocks
/// start (editing a policy never moves a running clock); the due times are worked out from them,
/// the calendar and the business time spent paused, so a pause of P business seconds moves every
/// due time by exactly P.
///
/// Architecture invariant: `marks` only grows, and [`Clocks::due_marks`] never returns a mark
/// already in it, so a warning or a breach is recorded once however often the sweep runs (the
/// worker also keeps `(ticket, clock, mark)` unique in D1, for sweeps that overlap).
///
/// ```
/// use qingting_shared::Priority;
/// use qingting_shared::workflow::TicketStatus;
/// use qingting_shared::workflow::calendar::{Calendar, Zone};
/// use qingting_shared::workflow::sla::{Clock, Clocks, Mark, SlaPolicy};
/// let cal = Calendar::always_open(Zone::parse("UTC").unwrap());
/// let at = |s: &str| Calendar::parse_instant(s).unwrap();
/// let mut clocks = Clocks::start(&SlaPolicy::default(), Priority::P2, at("2026-12-01T09:00:00Z"));
/// // P2: first response within 60 minutes, warned at 75 % (45 minutes).
/// assert_eq!(clocks.next_deadline(&cal).unwrap(), Some(at("2026-12-01T09:45:00Z")));
/// assert_eq!(clocks.due_marks(&cal, at("2026-12-01T10:05:00Z")).unwrap(), vec![(Clock::FirstResponse, Mark::Breach)]);
/// // Waiting on the customer for an hour moves the resolution clock by an hour.
/// clocks.status_changed(&cal, TicketStatus::Open, TicketStatus::WaitingCustomer, at("2026-12-01T10:00:00Z"));
/// clocks.status_changed(&cal, TicketStatus::WaitingCustomer, TicketStatus::Open, at("2026-12-01T11:00:00Z"));
/// assert_eq!(clocks.paused_seconds, 3600);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clocks {
    pub created: Instant,
    /// Copied targets, business minutes.
    pub first_response_minutes: u32,
    pub resolution_minutes: u32,
    pub warning: Warning,
    /// When a person first answered publicly: the first-response clock stopped.
    pub responded_at: Option<Instant>,
    /// Since when the resolution clock is paused (waiting on the customer) or stopped (resolved,
    /// closed); `None` while it runs.
    pub paused_at: Option<Instant>,
    /// Business seconds the resolution clock has spent paused, closed pauses only.
    pub paused_seconds: i64,
    /// Warnings and breaches already recorded (bits of [`Mark`] per [`Clock`]).
    pub marks: u8,
}

impl Clocks {
    /// Clocks starting at `created` with `policy`'s targets for `priority` (P3's when the ticket
    /// is not classified).
    pub fn start(policy: &SlaPolicy, priority: Priority, created: Instant) -> Clocks {
        Clocks {
            created,
            first_response_minutes: policy.first_response(priority),
            resolution_minutes: policy.resolution(priority),
            warning: policy.warning,
            responded_at: None,
            paused_at: None,
            paused_seconds: 0,
            marks: 0,
        }
    }

    /// Copies the new priority's targets (a correction or a routing rule changed it); the clocks
    /// keep their start, pauses and marks.
    pub fn retarget(&mut self, policy: &SlaPolicy, priority: Priority) {
        self.first_response_minutes = policy.first_response(priority);
        self.resolution_minutes = policy.resolution(priority);
        self.warning = policy.warning;
    }

    fn times(&self, cal: &Calendar, minutes: u32, paused: i64) -> Result<ClockTimes, CalendarError> {
        let warn = self.warning.minutes_into(minutes);
        Ok(ClockTimes {
            warn_at: cal.add(self.created, i64::from(warn) * 60 + paused, &[])?,
            due_at: cal.add(self.created, i64::from(minutes) * 60 + paused, &[])?,
        })
    }

    /// The first-response clock's times; `None` once answered.
    pub fn first_response(&self, cal: &Calendar) -> Result<Option<ClockTimes>, CalendarError> {
        if self.responded_at.is_some() {
            return Ok(None);
        }
        self.times(cal, self.first_response_minutes, 0).map(Some)
    }

    /// The resolution clock's times; `None` while paused or stopped.
    pub fn resolution(&self, cal: &Calendar) -> Result<Option<ClockTimes>, CalendarError> {
        if self.paused_at.is_some() {
            return Ok(None);
        }
        self.times(cal, self.resolution_minutes, self.paused_seconds).map(Some)
    }

    fn running(&self, cal: &Calendar) -> Result<Vec<(Clock, ClockTimes)>, CalendarError> {
        let mut out = Vec::new();
        if let Some(t) = self.first_response(cal)? {
            out.push((Clock::FirstResponse, t));
        }
        if let Some(t) = self.resolution(cal)? {
            out.push((Clock::Resolution, t));
        }
        Ok(out)
    }

    pub fn has(&self, clock: Clock, mark: Mark) -> bool {
        self.marks & mark.bit(clock) != 0
    }

    pub fn mark(&mut self, clock: Clock, mark: Mark) {
        self.marks |= mark.bit(clock);
        if mark == Mark::Breach {
            // A breach says all a warning would.
            self.marks |= Mark::Warning.bit(clock);
        }
    }

    /// The earliest warning or due time not yet recorded, of the clocks that run: the one
    /// indexed column the sweep reads. `None` when nothing is pending.
    pub fn next_deadline(&self, cal: &Calendar) -> Result<Option<Instant>, CalendarError> {
        let mut next: Option<Instant> = None;
        for (clock, t) in self.running(cal)? {
            for (mark, at) in [(Mark::Warning, t.warn_at), (Mark::Breach, t.due_at)] {
                if !self.has(clock, mark) {
                    next = Some(next.map_or(at, |n| n.min(at)));
                }
            }
        }
        Ok(next)
    }

    /// What is due at `now` and not yet recorded: a breach for a clock past its due time (its
    /// warning is then skipped), else a warning past the warning time.
    pub fn due_marks(&self, cal: &Calendar, now: Instant) -> Result<Vec<(Clock, Mark)>, CalendarError> {
        let mut out = Vec::new();
        for (clock, t) in self.running(cal)? {
            if now >= t.due_at && !self.has(clock, Mark::Breach) {
                out.push((clock, Mark::Breach));
            } else if now >= t.warn_at && now < t.due_at && !self.has(clock, Mark::Warning) {
                out.push((clock, Mark::Warning));
            }
        }
        Ok(out)
    }

    /// The first public answer by a person stops the first-response clock (later ones change
    /// nothing).
    pub fn responded(&mut self, now: Instant) {
        self.responded_at.get_or_insert(now);
    }

    /// Follows a status change at `now`: the resolution clock runs only while the ticket is new or
    /// open; leaving those pauses it, coming back adds the paused business time.
    pub fn status_changed(&mut self, cal: &Calendar, from: TicketStatus, to: TicketStatus, now: Instant) {
        let runs = |s: TicketStatus| matches!(s, TicketStatus::New | TicketStatus::Open);
        match (runs(from), runs(to), self.paused_at) {
            (true, false, None) => self.paused_at = Some(now),
            (_, true, Some(since)) => {
                self.paused_seconds += cal.business_seconds(since, now.max(since), &[]);
                self.paused_at = None;
            }
            _ => {}
        }
    }
}

/// The clocks after a recorded change at `now`: started when a ticket without clocks becomes new
/// or open (a reopened automatic answer), given the new priority's targets when it changes, the
/// first response stopped by a person's public reply, the resolution clock paused or resumed by
/// the status. `None` stays `None` while the ticket is not worked.
pub fn follow(
    clocks: Option<Clocks>,
    policy: &SlaPolicy,
    cal: &Calendar,
    before: &TicketState,
    after: &TicketState,
    change: &Change,
    now: Instant,
) -> Option<Clocks> {
    let Some(mut c) = clocks else {
        return matches!(after.status, TicketStatus::New | TicketStatus::Open).then(|| Clocks::start(policy, after.priority.unwrap_or(Priority::P3), now));
    };
    if before.priority != after.priority
        && let Some(p) = after.priority
    {
        c.retarget(policy, p);
    }
    if change.kind == ChangeKind::Replied && change.actor.kind == ActorKind::Staff {
        c.responded(now);
    }
    if before.status != after.status {
        c.status_changed(cal, before.status, after.status, now);
    }
    Some(c)
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

    #[test]
    fn clocks_record_each_warning_and_breach_once() {
        let cal = office();
        let mut c = Clocks::start(&SlaPolicy::default(), Priority::P2, t("2026-12-01T09:00:00+08:00"));
        // P2: first response 60 min (warn 45), resolution 1080 min = two 9-hour days (warn 810).
        assert_eq!(c.next_deadline(&cal).unwrap(), Some(t("2026-12-01T09:45:00+08:00")));
        let at = t("2026-12-01T09:50:00+08:00");
        assert_eq!(c.due_marks(&cal, at).unwrap(), vec![(Clock::FirstResponse, Mark::Warning)]);
        c.mark(Clock::FirstResponse, Mark::Warning);
        assert_eq!(c.due_marks(&cal, at).unwrap(), vec![]);
        assert_eq!(c.next_deadline(&cal).unwrap(), Some(t("2026-12-01T10:00:00+08:00")));
        c.mark(Clock::FirstResponse, Mark::Breach);
        // Next: the resolution warning, 810 business minutes (13.5 h) in: Wednesday 13:30.
        assert_eq!(cal.local(c.next_deadline(&cal).unwrap().unwrap()), "2026-12-02T13:30:00+08:00");
        // A sweep that comes late records the breach and skips the warning.
        let late = t("2026-12-04T09:00:00+08:00");
        assert_eq!(c.due_marks(&cal, late).unwrap(), vec![(Clock::Resolution, Mark::Breach)]);
        c.mark(Clock::Resolution, Mark::Breach);
        assert!(c.has(Clock::Resolution, Mark::Warning));
        assert_eq!(c.next_deadline(&cal).unwrap(), None);
    }

    #[test]
    fn answering_stops_the_first_response_clock() {
        let cal = office();
        let mut c = Clocks::start(&SlaPolicy::default(), Priority::P3, t("2026-12-01T09:00:00+08:00"));
        c.responded(t("2026-12-01T09:30:00+08:00"));
        c.responded(t("2026-12-01T11:30:00+08:00"));
        assert_eq!(c.responded_at, Some(t("2026-12-01T09:30:00+08:00")));
        assert_eq!(c.first_response(&cal).unwrap(), None);
        assert_eq!(c.due_marks(&cal, t("2026-12-01T17:00:00+08:00")).unwrap(), vec![]);
    }

    /// Pauses in office hours (Mon–Fri 09–18 Asia/Shanghai) and in UTC around the clock.
    #[test]
    fn pauses_move_the_resolution_due_time_by_the_paused_business_time() {
        let utc = Calendar::always_open(Zone::parse("UTC").unwrap());
        let cases: &[(&Calendar, &str, &str, &str, &str)] = &[
            // calendar, created, paused from, resumed at, resolution due (P1: 240 business min)
            (&office(), "2026-12-01T09:00:00+08:00", "2026-12-01T10:00:00+08:00", "2026-12-01T11:00:00+08:00", "2026-12-01T14:00:00+08:00"),
            // Across midnight: only 17:00–18:00 and 09:00–10:00 are business time (2 h).
            (&office(), "2026-12-01T16:00:00+08:00", "2026-12-01T17:00:00+08:00", "2026-12-02T10:00:00+08:00", "2026-12-02T13:00:00+08:00"),
            // Several days, over a weekend: Friday 10:00 to Tuesday 10:00 is 2 business days.
            (&office(), "2026-12-04T09:00:00+08:00", "2026-12-04T10:00:00+08:00", "2026-12-08T10:00:00+08:00", "2026-12-08T13:00:00+08:00"),
            // A pause entirely outside opening hours moves nothing.
            (&office(), "2026-12-04T15:00:00+08:00", "2026-12-05T10:00:00+08:00", "2026-12-06T10:00:00+08:00", "2026-12-07T10:00:00+08:00"),
            // Around the clock in UTC, across midnight.
            (&utc, "2026-12-01T22:00:00Z", "2026-12-01T23:00:00Z", "2026-12-02T01:30:00Z", "2026-12-02T04:30:00Z"),
        ];
        for &(cal, created, from, to, due) in cases {
            let mut c = Clocks::start(&SlaPolicy::default(), Priority::P1, t(created));
            c.status_changed(cal, TicketStatus::Open, TicketStatus::WaitingCustomer, t(from));
            assert_eq!(c.resolution(cal).unwrap(), None, "paused: no due time");
            assert_eq!(c.next_deadline(cal).unwrap().map(|n| n <= t(from) + chrono::Duration::minutes(10)), Some(true), "first response still runs");
            c.status_changed(cal, TicketStatus::WaitingCustomer, TicketStatus::Open, t(to));
            assert_eq!(c.resolution(cal).unwrap().map(|x| x.due_at), Some(t(due)), "{created} paused {from}..{to}");
        }
    }

    #[test]
    fn resolving_stops_the_clock_and_reopening_resumes_it() {
        let cal = office();
        let mut c = Clocks::start(&SlaPolicy::default(), Priority::P1, t("2026-12-01T09:00:00+08:00"));
        c.status_changed(&cal, TicketStatus::Open, TicketStatus::Resolved, t("2026-12-01T10:00:00+08:00"));
        assert_eq!(c.resolution(&cal).unwrap(), None);
        // Resolved → closed keeps it stopped, from the first moment.
        c.status_changed(&cal, TicketStatus::Resolved, TicketStatus::Closed, t("2026-12-01T11:00:00+08:00"));
        c.status_changed(&cal, TicketStatus::Closed, TicketStatus::Open, t("2026-12-01T12:00:00+08:00"));
        assert_eq!(c.paused_seconds, 2 * 3600);
        assert_eq!(cal.local(c.resolution(&cal).unwrap().unwrap().due_at), "2026-12-01T15:00:00+08:00");
    }

    #[test]
    fn a_new_priority_copies_its_targets_and_keeps_the_start() {
        let cal = office();
        let mut c = Clocks::start(&SlaPolicy::default(), Priority::P4, t("2026-12-01T09:00:00+08:00"));
        let edited = SlaPolicy { first_response: [5, 30, 120, 600], ..SlaPolicy::default() };
        c.retarget(&edited, Priority::P1);
        assert_eq!(cal.local(c.first_response(&cal).unwrap().unwrap().due_at), "2026-12-01T09:05:00+08:00");
    }

    proptest::proptest! {
        /// A pause of P business seconds moves the due time by exactly P business seconds, and a
        /// longer pause never gives an earlier due time.
        #[test]
        fn a_pause_moves_the_due_time_by_its_business_time(start in 0i64..(14 * 24 * 60), from in 0i64..(7 * 24 * 60), len in 0i64..(5 * 24 * 60), more in 0i64..600) {
            let cal = office();
            let base = t("2026-11-30T00:00:00+08:00");
            let minute = |m: i64| base + chrono::Duration::minutes(m);
            let created = minute(start);
            let run = |pause_len: i64| {
                let mut c = Clocks::start(&SlaPolicy::default(), Priority::P2, created);
                let from = created + chrono::Duration::minutes(from);
                c.status_changed(&cal, TicketStatus::Open, TicketStatus::WaitingCustomer, from);
                c.status_changed(&cal, TicketStatus::WaitingCustomer, TicketStatus::Open, from + chrono::Duration::minutes(pause_len));
                (c.resolution(&cal).unwrap().unwrap().due_at, c.paused_seconds)
            };
            let (plain, _) = { let c = Clocks::start(&SlaPolicy::default(), Priority::P2, created); (c.resolution(&cal).unwrap().unwrap().due_at, 0) };
            let (due, paused) = run(len);
            proptest::prop_assert_eq!(cal.business_seconds(plain, due, &[]), paused);
            let (later, _) = run(len + more);
            proptest::prop_assert!(later >= due);
        }
    }

    #[test]
    fn clocks_follow_the_workflow() {
        use crate::workflow::ticket::{Action, Actor, apply};
        let cal = office();
        let policy = SlaPolicy::default();
        let state = TicketState {
            status: TicketStatus::New,
            holder: Holder::Merchant,
            team: None,
            assignee: None,
            category: None,
            priority: Some(Priority::P3),
            version: 1,
            merged_into: None,
            followers: vec![],
        };
        let created = t("2026-12-01T09:00:00+08:00");
        let mut clocks = Some(Clocks::start(&policy, Priority::P3, created));
        let mut now = created;
        let mut st = state;
        let mut step = |clocks: &mut Option<Clocks>, st: &mut TicketState, actor: Actor, action: Action, minutes: i64| {
            now += chrono::Duration::minutes(minutes);
            let (after, change) = apply("t", st, &actor, &action).unwrap();
            *clocks = follow(clocks.take(), &policy, &cal, st, &after, &change, now);
            *st = after;
        };
        // An internal note is not a response; a staff reply is.
        step(&mut clocks, &mut st, Actor::staff("u"), Action::Note { text: "查一下".into() }, 10);
        assert_eq!(clocks.as_ref().unwrap().responded_at, None);
        step(&mut clocks, &mut st, Actor::staff("u"), Action::Reply { text: "请提供订单截图".into(), wait: true }, 20);
        let c = clocks.clone().unwrap();
        assert_eq!(c.responded_at, Some(t("2026-12-01T09:30:00+08:00")));
        assert_eq!(c.paused_at, Some(t("2026-12-01T09:30:00+08:00")), "waiting on the customer pauses");
        step(&mut clocks, &mut st, Actor::customer(), Action::CustomerMessage { text: "截图在此".into() }, 60);
        assert_eq!(clocks.as_ref().unwrap().paused_seconds, 3600);
        step(&mut clocks, &mut st, Actor::staff("u"), Action::Correct { category: None, priority: Some(Priority::P1), reason: "食品安全".into() }, 0);
        assert_eq!(clocks.as_ref().unwrap().resolution_minutes, 240);
        // A ticket answered from the FAQ has no clocks until the customer reopens it.
        let auto = TicketState { status: TicketStatus::AutoReplied, ..st.clone() };
        let (after, change) = apply("t", &auto, &Actor::customer(), &Action::CustomerReopen).unwrap();
        let started = follow(None, &policy, &cal, &auto, &after, &change, now).unwrap();
        assert_eq!((started.created, started.resolution_minutes), (now, 240));
    }
}
