//! The ticket state machine: statuses, the events that move a ticket, and the one table of
//! transitions every store update is made from.
//!
//! Architecture invariant: [`TRANSITIONS`] is the only source of status changes. The worker never
//! writes a status it did not get from [`TicketStatus::after`]; it writes it as
//! `UPDATE … SET status = ?to WHERE id = ? AND status = ?from`, so two racing changes cannot both
//! apply and a change from a state the table does not allow cannot happen at all.

use crate::lang::Lang;
use crate::str_enum::str_enum;

str_enum! {
    /// Where a ticket is in its life.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum TicketStatus {
        /// Stored, not yet routed.
        Received = "received",
        /// Answered automatically from the FAQ; the customer may still say it is not solved.
        AutoReplied = "auto_replied",
        /// Sent to the merchant or the platform's support team.
        Forwarded = "forwarded",
        /// A person is working on it.
        Assigned = "assigned",
        /// The merchant or support says it is solved.
        Resolved = "resolved",
        /// Done; no further changes.
        Closed = "closed",
    }
}

str_enum! {
    /// What happens to a ticket.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum TicketEvent {
        /// Intake answered it from the FAQ.
        AutoAnswer = "auto_answer",
        /// Intake (or a person putting it back) sends it to the merchant or support.
        Forward = "forward",
        /// The customer says it is not solved ("未解决").
        Reopen = "reopen",
        /// A person takes it.
        Assign = "assign",
        /// A person says it is solved.
        Resolve = "resolve",
        /// Nothing more will happen to it.
        Close = "close",
    }
}

/// `(from, event, to)`: every change a ticket's status can make.
pub const TRANSITIONS: &[(TicketStatus, TicketEvent, TicketStatus)] = {
    use TicketEvent as E;
    use TicketStatus as S;
    &[
        (S::Received, E::AutoAnswer, S::AutoReplied),
        (S::Received, E::Forward, S::Forwarded),
        (S::Received, E::Assign, S::Assigned),
        (S::Received, E::Close, S::Closed),
        (S::AutoReplied, E::Reopen, S::Forwarded),
        (S::AutoReplied, E::Close, S::Closed),
        (S::Forwarded, E::Assign, S::Assigned),
        (S::Forwarded, E::Resolve, S::Resolved),
        (S::Forwarded, E::Close, S::Closed),
        (S::Assigned, E::Forward, S::Forwarded),
        (S::Assigned, E::Resolve, S::Resolved),
        (S::Assigned, E::Close, S::Closed),
        (S::Resolved, E::Reopen, S::Forwarded),
        (S::Resolved, E::Close, S::Closed),
    ]
};

/// A status change the table allows: what a store update is made from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transition {
    pub from: TicketStatus,
    pub event: TicketEvent,
    pub to: TicketStatus,
}

/// Why a ticket cannot take an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a {from} ticket cannot take `{event}`")]
pub struct TransitionError {
    pub from: TicketStatus,
    pub event: TicketEvent,
}

impl TicketStatus {
    /// The status after `event`, if the table allows it.
    pub fn after(self, event: TicketEvent) -> Result<Transition, TransitionError> {
        TRANSITIONS
            .iter()
            .find(|(from, e, _)| *from == self && *e == event)
            .map(|&(from, event, to)| Transition { from, event, to })
            .ok_or(TransitionError { from: self, event })
    }

    /// Whether some event takes `self` to `next`.
    pub fn can_become(self, next: TicketStatus) -> bool {
        TRANSITIONS.iter().any(|(from, _, to)| *from == self && *to == next)
    }

    /// Where intake puts a new ticket: `Received` followed by intake's event.
    pub fn after_intake(event: TicketEvent) -> Result<Transition, TransitionError> {
        TicketStatus::Received.after(event)
    }

    /// The status as the customer reads it.
    pub fn label(self, lang: Lang) -> &'static str {
        use TicketStatus::*;
        let [zh_cn, zh_tw, en] = match self {
            Received => ["已受理", "已受理", "Received"],
            AutoReplied => ["已自动答复", "已自動答覆", "Answered automatically"],
            Forwarded => ["已转交处理", "已轉交處理", "Passed on"],
            Assigned => ["处理中", "處理中", "In progress"],
            Resolved => ["已解决", "已解決", "Resolved"],
            Closed => ["已关闭", "已關閉", "Closed"],
        };
        crate::lang::PerLang::new(zh_cn, zh_tw, en).get(lang)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TicketEvent as E;
    use TicketStatus as S;

    /// The whole machine as a matrix: one row per status, one column per event (in declaration
    /// order: auto_answer, forward, reopen, assign, resolve, close), the status it leads to or `-`
    /// where the event is refused. Written out by hand, apart from `TRANSITIONS`.
    #[test]
    fn transitions_as_a_table() {
        let matrix = [
            //             auto_answer    forward      reopen       assign      resolve     close
            ("received", ["auto_replied", "forwarded", "-", "assigned", "-", "closed"]),
            ("auto_replied", ["-", "-", "forwarded", "-", "-", "closed"]),
            ("forwarded", ["-", "-", "-", "assigned", "resolved", "closed"]),
            ("assigned", ["-", "forwarded", "-", "-", "resolved", "closed"]),
            ("resolved", ["-", "-", "forwarded", "-", "-", "closed"]),
            ("closed", ["-", "-", "-", "-", "-", "-"]),
        ];
        assert_eq!(matrix.len(), TicketStatus::ALL.len());
        for (row, (from, cells)) in matrix.iter().enumerate() {
            let from = TicketStatus::parse(from).expect("a status");
            assert_eq!(from, TicketStatus::ALL[row]);
            for (&event, want) in TicketEvent::ALL.iter().zip(cells) {
                let got = from.after(event).map(|t| t.to.as_str()).unwrap_or("-");
                assert_eq!(got, *want, "{from} + {event}");
                if *want == "-" {
                    assert_eq!(from.after(event), Err(TransitionError { from, event }));
                }
            }
        }
    }

    #[test]
    fn closed_is_final_and_nothing_loops_to_itself() {
        for &e in TicketEvent::ALL {
            assert!(S::Closed.after(e).is_err(), "closed + {e}");
        }
        for &s in TicketStatus::ALL {
            assert!(!s.can_become(s), "{s} to itself");
            assert_eq!(TicketStatus::parse(s.as_str()), Some(s));
        }
        assert!(S::AutoReplied.can_become(S::Forwarded), "a customer can reopen an automatic answer");
        assert!(!S::Forwarded.can_become(S::Received));
    }

    #[test]
    fn intake_starts_from_received() {
        assert_eq!(TicketStatus::after_intake(E::AutoAnswer).map(|t| t.to), Ok(S::AutoReplied));
        assert_eq!(TicketStatus::after_intake(E::Forward).map(|t| t.to), Ok(S::Forwarded));
        assert!(TicketStatus::after_intake(E::Reopen).is_err());
    }

    #[test]
    fn labels_exist_in_every_language() {
        for &s in TicketStatus::ALL {
            for l in Lang::ALL {
                assert!(!s.label(l).is_empty());
            }
        }
        assert_eq!(S::AutoReplied.label(Lang::ZhTw), "已自動答覆");
    }
}
