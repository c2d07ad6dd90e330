//! The ticket workflow: human-readable ticket numbers ([`ticket_no`]) and the state machine
//! ([`state`]): statuses, events and the one table of transitions. The back-office issues add the
//! holder, SLA clocks, routing rules and assignment here, as pure functions taking `now`.

pub mod state;
pub mod ticket_no;

pub use state::{TRANSITIONS, TicketEvent, TicketStatus, Transition, TransitionError};
pub use ticket_no::TicketNo;
