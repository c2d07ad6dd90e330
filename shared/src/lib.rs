//! # qingting-shared — the complaint-handling domain
//!
//! Pure Rust with no I/O, compiled for the browser widget (wasm32) and the edge worker alike, so that
//! both sides validate, classify, mask and route a complaint identically. Functions that depend on
//! time take `now` as an argument.
//!
//! ```
//! use qingting_shared::faq::{DEFAULT_PACK, FaqIndex, Thresholds, compiled};
//! use qingting_shared::{Classifier, Lang, Priority, TicketStatus, intake};
//!
//! let classifier = Classifier::builtin();
//! let c = classifier.classify("饭里有头发，吃完拉肚子了");
//! assert!(c.complaint);
//! assert_eq!(c.priority, Some(Priority::P1));
//!
//! let index = FaqIndex::build(compiled::read(DEFAULT_PACK).unwrap(), classifier.segmenter());
//! let d = intake::decide(classifier, &index, "饭里有头发，吃完拉肚子了", Lang::ZhCn, Thresholds::default());
//! assert_eq!(d.status, TicketStatus::New, "an urgent complaint always reaches a person");
//! ```
//!
//! The map, one line per area:
//!
//! - [`understand`]: normalisation, segmentation, features, the model, classification, priority
//!   rules, training, evaluation, paraphrase similarity.
//! - [`intake`]: the submission contract and its validation, masking of personal data, the one
//!   intake decision (classify → mask → route → first status and reply).
//! - [`faq`]: FAQ packs and overlays, the BM25 index, the resolve/acknowledge/forward decision,
//!   the compiled `QTF1` form.
//! - [`forward`]: destinations, the forwarded message and its rendering per format, signatures
//!   (feature `signing`), judging answers, backoff, delivery states.
//! - [`workflow`]: ticket numbers and the ticket state machine.
//! - [`accounts`]: staff roles and scopes (tenancy), password hash format, sessions, sign-in
//!   throttling.
//! - [`taxonomy`]: categories (data), priorities and their default first-response targets.
//! - [`lang`]: the UI languages and [`PerLang`], one value per language.
//! - [`api`]: the JSON bodies of the public API and the one list of error codes.
//!
//! Features: `signing` compiles HMAC-SHA256 signing (hmac, sha2, base64) into
//! [`forward::sign`] and [`forward::render`]; the worker and the CLI enable it, the widget cannot
//! link it.

mod str_enum;

pub mod accounts;
pub mod analytics;
pub mod api;
pub mod faq;
pub mod forward;
pub mod intake;
pub mod lang;
pub mod taxonomy;
pub mod understand;
pub mod workflow;

pub use api::ErrorCode;
pub use intake::submission::{ComplaintSubmission, ValidComplaint, ValidationError};
pub use lang::{Lang, PerLang};
pub use taxonomy::{Category, Priority, Taxonomy};
pub use understand::classify::{Classification, Classifier};
pub use workflow::{TicketNo, TicketStatus};
