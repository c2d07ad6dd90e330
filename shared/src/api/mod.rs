//! The public API's vocabulary: JSON bodies shared by the worker (which writes them) and the
//! widget (which reads them), and the one list of error codes ([`ErrorCode`]).

pub mod analytics;
mod error_code;

pub use error_code::ErrorCode;

use serde::{Deserialize, Serialize};

use crate::str_enum::str_enum;
use crate::taxonomy::{Category, Priority};
use crate::workflow::{ChangeKind, Holder, TicketNo, TicketStatus};

/// `201 Created` answer to `POST /v1/complaints` (and the same body for an idempotent retry).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ComplaintReceipt {
    pub id: String,
    pub ticket_no: TicketNo,
    pub status: TicketStatus,
    pub category: Option<Category>,
    pub priority: Option<Priority>,
    /// Bearer token for the customer's own view of this complaint.
    pub access_token: String,
    /// The automatic answer, when the FAQ answered at once (status `auto_replied`) or a policy
    /// acknowledgement was sent with the forwarded ticket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<TicketReply>,
}

str_enum! {
    /// Who wrote a reply on a ticket.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum ReplyAuthor {
        /// An FAQ answer sent automatically.
        Faq = "faq",
        Merchant = "merchant",
        Support = "support",
    }
}

/// A reply the customer can read on their ticket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketReply {
    pub author: ReplyAuthor,
    /// The FAQ entry, for automatic answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub faq_id: Option<String>,
    pub text: String,
    /// RFC 3339, UTC.
    pub created_at: String,
}

/// `GET /v1/complaints/{id}`: the customer's own view of their complaint.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ComplaintView {
    pub id: String,
    pub ticket_no: TicketNo,
    pub status: TicketStatus,
    pub complaint: bool,
    pub category: Option<Category>,
    pub categories: Vec<Category>,
    pub priority: Option<Priority>,
    /// The complaint text as stored (personal data masked).
    pub text: String,
    pub order_id: Option<String>,
    pub lang: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub model_version: String,
    /// Replies on the ticket, oldest first.
    #[serde(default)]
    pub replies: Vec<TicketReply>,
    /// Who has it: the merchant, or the platform (平台介入).
    #[serde(default = "merchant")]
    pub holder: Holder,
    /// When the customer can expect it solved (the resolution clock's due time), RFC 3339 UTC.
    #[serde(default)]
    pub promised_at: Option<String>,
    /// The public changes (`workflow::customer::is_public`), oldest first.
    #[serde(default)]
    pub timeline: Vec<TimelineEntry>,
    /// Seconds until 催单 is allowed again (0: now).
    #[serde(default)]
    pub urge_wait: u32,
    /// The satisfaction survey: `None` while none is offered.
    #[serde(default)]
    pub survey: Option<SurveyView>,
    /// The ticket opened by 未解决 after the reopen window, if any.
    #[serde(default)]
    pub follow_up: Option<FollowUpRef>,
    /// The customer said 已解决.
    #[serde(default)]
    pub confirmed: bool,
}

fn merchant() -> Holder {
    Holder::Merchant
}

/// One public change on a customer's ticket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub kind: ChangeKind,
    /// RFC 3339, UTC.
    pub at: String,
    /// What the customer added (补充信息), masked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// The survey on a customer's ticket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyView {
    /// The score given, once answered.
    pub score: Option<u8>,
    /// Whether an answer is still accepted.
    pub open: bool,
}

/// A ticket linked to this one, with its own access token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUpRef {
    pub id: String,
    pub ticket_no: TicketNo,
    pub access_token: String,
}

/// `POST /v1/complaints/status`: the tickets a browser keeps in 我的投诉, each with its token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusRequest {
    pub tickets: Vec<TicketToken>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketToken {
    pub id: String,
    pub token: String,
}

/// One line of 我的投诉 (`POST /v1/complaints/status`); tickets whose token does not match are
/// left out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketSummary {
    pub id: String,
    pub ticket_no: TicketNo,
    pub status: TicketStatus,
    pub holder: Holder,
    pub category: Option<Category>,
    pub created_at: String,
    pub promised_at: Option<String>,
    /// Public replies by staff or the FAQ so far (the browser counts what it has seen).
    pub replies: u32,
    /// Whether a survey waits for an answer.
    pub survey_open: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusAnswer {
    pub tickets: Vec<TicketSummary>,
}

/// `POST /v1/complaints/{id}/messages`: 补充信息.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerMessage {
    #[serde(default)]
    pub text: String,
}

/// Every error answer: `{"error":{"code","message"}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub code: ErrorCode,
    /// For people: what was wrong, in English (clients show their own words per code).
    pub message: String,
}

impl ErrorBody {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ErrorBody {
        ErrorBody { error: ErrorDetail { code, message: message.into() } }
    }
}
