//! Balanced assignment: which member of a team gets the next ticket, and in which order the
//! team's waiting tickets go out. Pure: the worker reads the members and the queue, calls
//! [`plan`], and claims each pair with a conditional update (the ticket still unassigned, at the
//! version it read), so two runs never assign one ticket twice; a claim that loses is dropped.
//!
//! Invariants:
//!
//! - An agent is eligible when available (the console's toggle) and `open < capacity`, where
//!   `open` counts only their tickets whose clock runs ([`counts_toward_load`]: new or open; a
//!   ticket waiting on the customer does not count).
//! - [`pick`]: among the eligible, the fewest open; ties go to the longest since last assigned
//!   (never assigned counts as longest ago), then to the smallest id, so the choice is
//!   deterministic.
//! - [`queue_order`] is a total order: P1 … P4, then unprioritised; then the earliest SLA due
//!   time, none last; then the oldest; then the id.
//! - [`plan`] hands out the waiting tickets in queue order, each at most once, never more than
//!   `capacity − open` to an agent, and stops at the first ticket nobody can take: every assigned
//!   ticket comes before every ticket left waiting.
//!
//! Times are RFC 3339 UTC text in one fixed format (as the worker stores them), so text order is
//! time order.
//!
//! ```
//! use qingting_shared::Priority;
//! use qingting_shared::workflow::assignment::{Agent, Waiting, pick, plan};
//! let agent = |id: &str, open, last: Option<&str>| Agent { id: id.into(), available: true, capacity: 2, open, last_assigned_at: last.map(Into::into) };
//! let team = [agent("u-a", 1, Some("2026-12-01T08:00:00Z")), agent("u-b", 1, Some("2026-12-01T07:00:00Z")), agent("u-c", 2, None)];
//! // u-c is full; u-a and u-b have one each, and u-b waited longer.
//! assert_eq!(pick(&team).map(|a| a.id.as_str()), Some("u-b"));
//! let waiting = |id: &str, p, created: &str| Waiting { id: id.into(), priority: Some(p), due_at: None, created_at: created.into() };
//! let queue = [waiting("t-1", Priority::P3, "2026-12-01T08:30:00Z"), waiting("t-2", Priority::P1, "2026-12-01T08:40:00Z"), waiting("t-3", Priority::P3, "2026-12-01T08:10:00Z")];
//! let plan = plan(&team, &queue, "2026-12-01T09:00:00Z");
//! // The P1 first, then the older P3; the third waits until someone has room.
//! assert_eq!(plan, [("t-2".to_string(), "u-b".to_string()), ("t-3".to_string(), "u-a".to_string())]);
//! ```

use std::cmp::Ordering;
use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::taxonomy::Priority;
use crate::workflow::state::TicketStatus;

/// How many running tickets an agent takes when nobody set their capacity.
pub const DEFAULT_CAPACITY: u32 = 10;

/// The statuses whose clock runs: an assigned ticket in one of them counts towards its agent's
/// load.
pub const LOAD_STATUSES: [TicketStatus; 2] = [TicketStatus::New, TicketStatus::Open];

/// Whether an assigned ticket in `status` counts towards its agent's load (waiting on the
/// customer, resolved and closed tickets do not).
pub fn counts_toward_load(status: TicketStatus) -> bool {
    LOAD_STATUSES.contains(&status)
}

/// A member of the team, as assignment sees them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agent {
    pub id: String,
    /// The console's toggle: takes new tickets now.
    pub available: bool,
    /// Most running tickets at once.
    pub capacity: u32,
    /// Tickets assigned to them whose clock runs ([`counts_toward_load`]).
    pub open: u32,
    /// When they were last given a ticket (RFC 3339 UTC); `None`: never, which counts as longest
    /// ago.
    pub last_assigned_at: Option<String>,
}

impl Agent {
    /// Available and under capacity.
    pub fn has_room(&self) -> bool {
        self.available && self.open < self.capacity
    }
}

/// Fewest open first, then longest since last assigned (never first), then id.
fn by_load(a: &Agent, b: &Agent) -> Ordering {
    load_key(a).cmp(&load_key(b))
}

fn load_key(a: &Agent) -> (u32, Option<&str>, &str) {
    (a.open, a.last_assigned_at.as_deref(), a.id.as_str())
}

/// The agent who gets the next ticket, or `None` when nobody has room.
pub fn pick(agents: &[Agent]) -> Option<&Agent> {
    agents.iter().filter(|a| a.has_room()).min_by(|a, b| by_load(a, b))
}

/// A ticket waiting in the team queue for an assignee.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waiting {
    pub id: String,
    pub priority: Option<Priority>,
    /// When its running SLA clock is due (RFC 3339 UTC), if one runs.
    pub due_at: Option<String>,
    pub created_at: String,
}

/// The team queue's order: priority (P1 first, none after P4), then due time (earliest first,
/// none last), then creation (oldest first), then id.
pub fn queue_order(a: &Waiting, b: &Waiting) -> Ordering {
    queue_key(a).cmp(&queue_key(b))
}

/// `None` sorts first in an `Option`, so each optional part is preceded by whether it is missing.
fn queue_key(w: &Waiting) -> (bool, Option<Priority>, bool, Option<&str>, &str, &str) {
    (w.priority.is_none(), w.priority, w.due_at.is_none(), w.due_at.as_deref(), w.created_at.as_str(), w.id.as_str())
}

/// Gives the waiting tickets out: in queue order, each to the agent [`pick`] would choose, whose
/// load then grows by one with `now` as their last assignment. Stops when nobody has room. Returns
/// `(ticket id, agent id)` pairs in the order given; a ticket id listed twice is given once.
/// `now` is expected to be no earlier than any `last_assigned_at`.
pub fn plan(agents: &[Agent], waiting: &[Waiting], now: &str) -> Vec<(String, String)> {
    let mut agents = agents.to_vec();
    let mut queue: Vec<&Waiting> = waiting.iter().collect();
    queue.sort_by(|a, b| queue_order(a, b));
    let mut given = BTreeSet::new();
    let mut out = Vec::new();
    for ticket in queue {
        if given.contains(ticket.id.as_str()) {
            continue;
        }
        let Some(agent) = agents.iter_mut().filter(|a| a.has_room()).min_by(|a, b| by_load(a, b)) else {
            break;
        };
        agent.open += 1;
        agent.last_assigned_at = Some(now.to_string());
        given.insert(ticket.id.as_str());
        out.push((ticket.id.clone(), agent.id.clone()));
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const NOW: &str = "2026-12-01T09:00:00Z";

    fn agent(id: &str, open: u32, last: Option<&str>) -> Agent {
        Agent { id: id.into(), available: true, capacity: 3, open, last_assigned_at: last.map(Into::into) }
    }

    fn waiting(id: &str, priority: Option<Priority>, due_at: Option<&str>, created_at: &str) -> Waiting {
        Waiting { id: id.into(), priority, due_at: due_at.map(Into::into), created_at: created_at.into() }
    }

    fn picked(agents: &[Agent]) -> Option<&str> {
        pick(agents).map(|a| a.id.as_str())
    }

    #[test]
    fn pick_takes_the_least_loaded_eligible_agent() {
        let away = Agent { available: false, ..agent("away", 0, None) };
        let full = agent("full", 3, None);
        let rows: Vec<(Vec<Agent>, Option<&str>)> = vec![
            (vec![], None),
            (vec![away.clone(), full.clone()], None),
            (vec![away.clone(), agent("b", 2, None)], Some("b")),
            (vec![full.clone(), agent("b", 2, None)], Some("b")),
            (vec![agent("a", 2, None), agent("b", 1, Some("2026-12-01T08:59:00Z"))], Some("b")),
            (vec![agent("a", 1, Some("2026-12-01T08:00:00Z")), agent("b", 1, Some("2026-11-30T23:00:00Z"))], Some("b")),
            (vec![agent("a", 1, Some("2020-01-01T00:00:00Z")), agent("b", 1, None)], Some("b")),
            (vec![agent("b", 1, None), agent("a", 1, None)], Some("a")),
            (vec![Agent { capacity: 0, ..agent("zero", 0, None) }], None),
        ];
        for (agents, expected) in rows {
            assert_eq!(picked(&agents), expected, "{agents:?}");
        }
    }

    #[test]
    fn only_running_clocks_count_towards_load() {
        let counted: Vec<TicketStatus> = TicketStatus::ALL.iter().copied().filter(|&s| counts_toward_load(s)).collect();
        assert_eq!(counted, [TicketStatus::New, TicketStatus::Open]);
        assert!(!counts_toward_load(TicketStatus::WaitingCustomer));
    }

    #[test]
    fn the_queue_goes_by_priority_then_due_then_age() {
        let (p1, p4) = (Some(Priority::P1), Some(Priority::P4));
        let rows = [
            (waiting("a", p1, None, "2026-12-02T00:00:00Z"), waiting("b", p4, Some("2026-11-01T00:00:00Z"), "2026-11-01T00:00:00Z"), Ordering::Less),
            (waiting("a", p4, None, "2026-12-02T00:00:00Z"), waiting("b", None, Some("2026-11-01T00:00:00Z"), "2026-11-01T00:00:00Z"), Ordering::Less),
            (
                waiting("a", p1, Some("2026-12-02T00:00:00Z"), "2026-12-01T00:00:00Z"),
                waiting("b", p1, Some("2026-12-01T12:00:00Z"), "2026-12-01T05:00:00Z"),
                Ordering::Greater,
            ),
            (waiting("a", p1, Some("2026-12-02T00:00:00Z"), "2026-12-01T00:00:00Z"), waiting("b", p1, None, "2026-11-01T00:00:00Z"), Ordering::Less),
            (waiting("a", None, None, "2026-12-01T00:00:00Z"), waiting("b", None, None, "2026-11-30T00:00:00Z"), Ordering::Greater),
            (waiting("a", None, None, "2026-12-01T00:00:00Z"), waiting("b", None, None, "2026-12-01T00:00:00Z"), Ordering::Less),
        ];
        for (a, b, expected) in rows {
            assert_eq!(queue_order(&a, &b), expected, "{a:?} vs {b:?}");
            assert_eq!(queue_order(&b, &a), expected.reverse());
        }
    }

    #[test]
    fn plan_drains_the_queue_in_order_within_capacity() {
        let team = [Agent { capacity: 2, ..agent("u-a", 0, None) }, Agent { capacity: 2, ..agent("u-b", 0, None) }];
        let queue: Vec<Waiting> = (1..=5).map(|i| waiting(&format!("t-{i}"), Some(Priority::P3), None, &format!("2026-12-01T08:0{i}:00Z"))).collect();
        let got = plan(&team, &queue, NOW);
        let pairs: Vec<(&str, &str)> = got.iter().map(|(t, a)| (t.as_str(), a.as_str())).collect();
        assert_eq!(pairs, [("t-1", "u-a"), ("t-2", "u-b"), ("t-3", "u-a"), ("t-4", "u-b")], "t-5 waits");
    }

    #[test]
    fn plan_skips_who_cannot_take_and_gives_a_ticket_once() {
        let team = [
            Agent { available: false, ..agent("away", 0, None) },
            agent("full", 3, None),
            agent("busy", 2, None),
            agent("free", 0, Some("2026-12-01T08:00:00Z")),
        ];
        let queue = [
            waiting("t-late", None, None, "2026-12-01T08:00:00Z"),
            waiting("t-urgent", Some(Priority::P1), None, "2026-12-01T08:30:00Z"),
            waiting("t-urgent", Some(Priority::P1), None, "2026-12-01T08:30:00Z"),
        ];
        let got = plan(&team, &queue, NOW);
        assert_eq!(got, [("t-urgent".to_string(), "free".to_string()), ("t-late".to_string(), "free".to_string())]);
        assert_eq!(plan(&team[..2], &queue, NOW), []);
        assert_eq!(plan(&team, &[], NOW), []);
    }

    fn any_agents() -> impl Strategy<Value = Vec<Agent>> {
        let last = proptest::option::of(prop::sample::select(vec!["2026-12-01T07:00:00Z", "2026-12-01T08:00:00Z"]));
        prop::collection::vec((any::<bool>(), 0u32..4, 0u32..5, last), 0..5).prop_map(|specs| {
            specs
                .into_iter()
                .enumerate()
                .map(|(i, (available, capacity, open, last))| Agent {
                    id: format!("u{i}"),
                    available: available || i.is_multiple_of(2),
                    capacity,
                    open,
                    last_assigned_at: last.map(Into::into),
                })
                .collect()
        })
    }

    fn any_waiting() -> impl Strategy<Value = Vec<Waiting>> {
        let priority = proptest::option::of(prop::sample::select(Priority::ALL.to_vec()));
        let due = proptest::option::of(prop::sample::select(vec!["2026-12-01T10:00:00Z", "2026-12-01T12:00:00Z"]));
        let created = prop::sample::select(vec!["2026-12-01T06:00:00Z", "2026-12-01T06:30:00Z", "2026-12-01T07:00:00Z"]);
        prop::collection::vec((priority, due, created), 0..20)
            .prop_map(|specs| specs.into_iter().enumerate().map(|(i, (p, due, created))| waiting(&format!("t{i}"), p, due, created)).collect())
    }

    proptest! {
        /// No agent over capacity, no ticket twice, nothing given while an earlier ticket waits,
        /// and as many given as there is room.
        #[test]
        fn plans_keep_capacity_and_queue_order(agents in any_agents(), queue in any_waiting()) {
            let got = plan(&agents, &queue, NOW);
            for a in &agents {
                let given = got.iter().filter(|(_, to)| *to == a.id).count() as u32;
                let room = if a.available { a.capacity.saturating_sub(a.open) } else { 0 };
                prop_assert!(given <= room, "{} got {given}, room {room}", a.id);
            }
            let tickets: BTreeSet<&str> = got.iter().map(|(t, _)| t.as_str()).collect();
            prop_assert_eq!(tickets.len(), got.len(), "a ticket given twice");
            let (given, left): (Vec<&Waiting>, Vec<&Waiting>) = queue.iter().partition(|w| tickets.contains(w.id.as_str()));
            for g in &given {
                for l in &left {
                    prop_assert_eq!(queue_order(g, l), Ordering::Less, "{} given before {}", g.id, l.id);
                }
            }
            let room: u32 = agents.iter().filter(|a| a.available).map(|a| a.capacity.saturating_sub(a.open)).sum();
            prop_assert_eq!(got.len(), queue.len().min(room as usize));
        }
    }
}
