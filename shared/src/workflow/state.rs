//! The ticket state machine: statuses, the events that move a ticket between them, and the one
//! table of transitions every change is made from.
//!
//! Two axes, as the best help desks keep them: `status` here (is the ticket waiting for us, for
//! the customer, or done?) and `holder` ([`Holder`]: the merchant or the platform), with team and
//! assignee beside them ([`crate::workflow::ticket`]). Customers read their own labels
//! ([`TicketStatus::customer_label`]), staff theirs ([`TicketStatus::staff_label`]).
//!
//! Architecture invariant: [`TRANSITIONS`] is the only source of status changes. The worker never
//! writes a status it did not get from [`TicketStatus::after`] (or [`TicketStatus::at_intake`]);
//! it writes it guarded by the ticket's version (`UPDATE … WHERE id = ? AND version = ?`), so two
//! racing changes cannot both apply.

use crate::lang::{Lang, PerLang};
use crate::str_enum::str_enum;

str_enum! {
    /// Where a ticket is in its life.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub enum TicketStatus {
        /// Waiting for a first person (forwarded at intake, or reopened from an automatic answer).
        New = "new",
        /// A person is working on it.
        Open = "open",
        /// Asked the customer something; their answer moves it back to open.
        WaitingCustomer = "waiting_customer",
        /// Solved; the customer may still say it is not.
        Resolved = "resolved",
        /// Done. Only `reopen` changes a closed ticket.
        Closed = "closed",
        /// Answered automatically from the FAQ; the customer may still say it is not solved.
        AutoReplied = "auto_replied",
    }
}

str_enum! {
    /// What moves a ticket from one status to another.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum TicketEvent {
        /// Intake answered it from the FAQ.
        AutoAnswer = "auto_answer",
        /// Intake passed it on to people.
        Forward = "forward",
        /// The customer says an automatic answer or a resolution did not help ("未解决").
        CustomerReopen = "customer_reopen",
        /// A person takes it, is given it, or answers it publicly.
        Take = "take",
        /// A person asks the customer and waits.
        AwaitCustomer = "await_customer",
        /// The customer writes (补充信息).
        CustomerMessage = "customer_message",
        /// A person says it is solved.
        Resolve = "resolve",
        /// Nothing more will happen to it (also: merged into another ticket).
        Close = "close",
        /// A person opens a resolved or closed ticket again.
        Reopen = "reopen",
    }
}

/// `(from, event, to)`: every change a ticket's status can make.
pub const TRANSITIONS: &[(TicketStatus, TicketEvent, TicketStatus)] = {
    use TicketEvent as E;
    use TicketStatus as S;
    &[
        (S::AutoReplied, E::CustomerReopen, S::New),
        (S::AutoReplied, E::Take, S::Open),
        (S::AutoReplied, E::Close, S::Closed),
        (S::New, E::Take, S::Open),
        (S::New, E::AwaitCustomer, S::WaitingCustomer),
        (S::New, E::Resolve, S::Resolved),
        (S::New, E::Close, S::Closed),
        (S::Open, E::AwaitCustomer, S::WaitingCustomer),
        (S::Open, E::Resolve, S::Resolved),
        (S::Open, E::Close, S::Closed),
        (S::WaitingCustomer, E::CustomerMessage, S::Open),
        (S::WaitingCustomer, E::Take, S::Open),
        (S::WaitingCustomer, E::Resolve, S::Resolved),
        (S::WaitingCustomer, E::Close, S::Closed),
        (S::Resolved, E::CustomerReopen, S::Open),
        (S::Resolved, E::Reopen, S::Open),
        (S::Resolved, E::Close, S::Closed),
        (S::Closed, E::Reopen, S::Open),
    ]
};

/// Intake's two outcomes: `(event, status)` of a new ticket.
pub const AT_INTAKE: &[(TicketEvent, TicketStatus)] = &[(TicketEvent::AutoAnswer, TicketStatus::AutoReplied), (TicketEvent::Forward, TicketStatus::New)];

/// A status change the table allows.
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

str_enum! {
    /// Who holds a ticket: the merchant it is about, or the platform's staff stepping in (平台介入).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum Holder {
        Merchant = "merchant",
        Platform = "platform",
    }
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

    /// The status a new ticket starts in after intake's `event` (`auto_answer` or `forward`).
    pub fn at_intake(event: TicketEvent) -> Option<TicketStatus> {
        AT_INTAKE.iter().find(|(e, _)| *e == event).map(|(_, s)| *s)
    }

    /// Whether the ticket is still to be worked (not resolved, closed or answered automatically).
    pub fn is_active(self) -> bool {
        matches!(self, TicketStatus::New | TicketStatus::Open | TicketStatus::WaitingCustomer)
    }

    /// The status as the customer reads it.
    pub fn customer_label(self, lang: Lang) -> &'static str {
        use TicketStatus::*;
        let [zh_cn, zh_tw, en] = match self {
            New => ["已转交处理", "已轉交處理", "Passed on"],
            Open => ["处理中", "處理中", "In progress"],
            WaitingCustomer => ["待您补充", "待您補充", "Waiting for you"],
            Resolved => ["已解决", "已解決", "Resolved"],
            Closed => ["已关闭", "已關閉", "Closed"],
            AutoReplied => ["已自动答复", "已自動答覆", "Answered automatically"],
        };
        PerLang::new(zh_cn, zh_tw, en).get(lang)
    }

    /// The status as staff read it in the console.
    pub fn staff_label(self, lang: Lang) -> &'static str {
        use TicketStatus::*;
        let [zh_cn, zh_tw, en] = match self {
            New => ["待处理", "待處理", "New"],
            Open => ["处理中", "處理中", "Open"],
            WaitingCustomer => ["等待客户", "等待客戶", "Waiting on customer"],
            Resolved => ["已解决", "已解決", "Resolved"],
            Closed => ["已关闭", "已關閉", "Closed"],
            AutoReplied => ["已自动答复", "已自動答覆", "Auto-replied"],
        };
        PerLang::new(zh_cn, zh_tw, en).get(lang)
    }

    /// The customer's label (what the widget shows).
    pub fn label(self, lang: Lang) -> &'static str {
        self.customer_label(lang)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TicketEvent as E;
    use TicketStatus as S;

    /// The whole machine as a matrix: one row per status, one column per event (in declaration
    /// order), the status it leads to or `-` where the event is refused. Written out by hand,
    /// apart from `TRANSITIONS`.
    #[test]
    fn transitions_as_a_table() {
        // columns: auto_answer, forward, customer_reopen, take, await_customer, customer_message,
        // resolve, close, reopen
        let matrix = [
            ("new", ["-", "-", "-", "open", "waiting_customer", "-", "resolved", "closed", "-"]),
            ("open", ["-", "-", "-", "-", "waiting_customer", "-", "resolved", "closed", "-"]),
            ("waiting_customer", ["-", "-", "-", "open", "-", "open", "resolved", "closed", "-"]),
            ("resolved", ["-", "-", "open", "-", "-", "-", "-", "closed", "open"]),
            ("closed", ["-", "-", "-", "-", "-", "-", "-", "-", "open"]),
            ("auto_replied", ["-", "-", "new", "open", "-", "-", "-", "closed", "-"]),
        ];
        assert_eq!(matrix.len(), TicketStatus::ALL.len());
        for (row, (from, cells)) in matrix.iter().enumerate() {
            let from = TicketStatus::parse(from).expect("a status");
            assert_eq!(from, TicketStatus::ALL[row]);
            assert_eq!(cells.len(), TicketEvent::ALL.len());
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
    fn closed_changes_only_by_reopen_and_nothing_loops() {
        for &e in TicketEvent::ALL {
            assert_eq!(S::Closed.after(e).is_ok(), e == E::Reopen, "closed + {e}");
        }
        for &s in TicketStatus::ALL {
            assert!(!s.can_become(s), "{s} to itself");
        }
    }

    #[test]
    fn intake_starts_new_or_auto_replied() {
        assert_eq!(TicketStatus::at_intake(E::AutoAnswer), Some(S::AutoReplied));
        assert_eq!(TicketStatus::at_intake(E::Forward), Some(S::New));
        assert_eq!(TicketStatus::at_intake(E::Resolve), None);
    }

    #[test]
    fn labels_exist_in_every_language_for_both_audiences() {
        for &s in TicketStatus::ALL {
            for l in Lang::ALL {
                assert!(!s.customer_label(l).is_empty() && !s.staff_label(l).is_empty());
            }
        }
        assert_eq!(S::New.customer_label(Lang::ZhCn), "已转交处理", "what the widget has always shown");
        assert_eq!(S::AutoReplied.customer_label(Lang::ZhTw), "已自動答覆");
    }
}
