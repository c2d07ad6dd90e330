//! The ticket workflow: human-readable ticket numbers ([`ticket_no`]), the state machine
//! ([`state`]: statuses, events, the one table of transitions, the holder) and the actions on a
//! ticket ([`ticket`]: claim, assign, transfer, reply, note, correct, resolve, close, reopen,
//! merge, follow, and the customer's), SLA policies and clocks ([`sla`], on a [`calendar`]), the
//! ordered routing rules that set team, assignee, priority and holder on create and update
//! ([`routing`]), balanced assignment within a team with its queue order ([`assignment`]), and the
//! customer's side of a ticket: what they read, may do, and rate ([`customer`]). All
//! pure: functions that depend on time take `now`.

pub mod assignment;
pub mod calendar;
pub mod customer;
pub mod routing;
pub mod search;
pub mod sla;
pub mod sort;
pub mod state;
pub mod ticket;
pub mod ticket_no;

pub use state::{Holder, TRANSITIONS, TicketEvent, TicketStatus, Transition, TransitionError};
pub use ticket::{Action, ActionError, Actor, ActorKind, Change, ChangeKind, EscalationReason, TicketState, apply};
pub use ticket_no::TicketNo;
