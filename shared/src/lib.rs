//! # qingting-shared — the complaint-handling domain
//!
//! Pure Rust with no I/O, compiled for the browser widget (wasm32) and the edge worker alike, so that
//! both sides validate, classify and mask a complaint identically.
//!
//! - [`taxonomy`]: categories (data, not an enum), priorities and their default SLA targets.
//! - [`lang`]: the UI languages (zh-CN, zh-TW, en).
//! - [`text`]: text normalisation shared by every text feature.
//! - [`classify`]: the complaint classifier (a keyword baseline for now).
//! - [`mask`]: masking of personal data (phone, ID and card numbers, e-mail).
//! - [`complaint`]: the intake contract and its validation.
//! - [`ticket`]: ticket numbers and the ticket state machine.
//! - [`api`]: the JSON bodies the worker answers with and the widget reads.

pub mod api;
pub mod classify;
pub mod complaint;
pub mod lang;
pub mod mask;
pub mod priority;
pub mod taxonomy;
pub mod text;
pub mod ticket;

pub use classify::{Classification, Classifier};
pub use complaint::{ComplaintSubmission, ValidComplaint, ValidationError};
pub use lang::Lang;
pub use taxonomy::{Category, Priority, Taxonomy};
pub use ticket::{TicketNo, TicketStatus};
