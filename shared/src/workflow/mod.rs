//! The ticket workflow: human-readable ticket numbers ([`ticket_no`]), the state machine
//! ([`state`]: statuses, events, the one table of transitions, the holder) and the actions on a
//! ticket ([`ticket`]: claim, assign, transfer, reply, note, correct, resolve, close, reopen,
//! merge, follow, and the customer's). SLA clocks, routing rules and assignment come here next, as
//! pure functions taking `now`.

pub mod calendar;
pub mod search;
pub mod sla;
pub mod sort;
pub mod state;
pub mod ticket;
pub mod ticket_no;

pub use state::{Holder, TRANSITIONS, TicketEvent, TicketStatus, Transition, TransitionError};
pub use ticket::{Action, ActionError, Actor, ActorKind, Change, ChangeKind, EscalationReason, TicketState, apply};
pub use ticket_no::TicketNo;
