//! # qingting-shared — the complaint-handling domain
//!
//! Pure Rust with no I/O, compiled for the browser widget (wasm32) and the edge worker alike, so that
//! both sides validate, classify and mask a complaint identically.
//!
//! - [`taxonomy`]: categories (data, not an enum), priorities and their default SLA targets.
//! - [`lang`]: the UI languages (zh-CN, zh-TW, en).
//! - [`text`]: text normalisation shared by every text feature.
//! - [`segment`], [`features`], [`model`], [`classify`]: the classifier — jieba segmentation over a
//!   trimmed dictionary, hashed n-gram features, a quantised linear model; [`train`] and [`eval`]
//!   fit and measure it; [`priority`] holds the explicit priority rules.
//! - [`faq`]: FAQ packs (platform default, merchant overlays) and BM25 matching.
//! - [`mask`]: masking of personal data (phone, ID and card numbers, e-mail).
//! - [`complaint`]: the intake contract and its validation.
//! - [`ticket`]: ticket numbers and the ticket state machine.
//! - [`api`]: the JSON bodies the worker answers with and the widget reads.

pub mod api;
pub mod classify;
pub mod complaint;
pub mod eval;
pub mod faq;
pub mod features;
pub mod forward;
pub mod lang;
pub mod mask;
pub mod model;
pub mod numeric;
pub mod priority;
pub mod segment;
pub mod similar;
mod t2s_table;
pub mod taxonomy;
pub mod text;
pub mod ticket;
pub mod train;

pub use classify::{Classification, Classifier};
pub use complaint::{ComplaintSubmission, ValidComplaint, ValidationError};
pub use lang::Lang;
pub use taxonomy::{Category, Priority, Taxonomy};
pub use ticket::{TicketNo, TicketStatus};
