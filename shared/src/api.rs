//! JSON bodies of the public API, shared by the worker (which writes them) and the widget (which
//! reads them).

use serde::{Deserialize, Serialize};

use crate::taxonomy::{Category, Priority};
use crate::ticket::{TicketNo, TicketStatus};

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
}

/// Every error answer: `{"error":{"code","message"}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
}

impl ErrorBody {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> ErrorBody {
        ErrorBody { error: ErrorDetail { code: code.into(), message: message.into() } }
    }
}
