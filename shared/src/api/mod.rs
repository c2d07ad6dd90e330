//! The public API's vocabulary: JSON bodies shared by the worker (which writes them) and the
//! widget (which reads them), and the one list of error codes ([`ErrorCode`]).

mod error_code;

pub use error_code::ErrorCode;

use serde::{Deserialize, Serialize};

use crate::str_enum::str_enum;
use crate::taxonomy::{Category, Priority};
use crate::workflow::{TicketNo, TicketStatus};

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
