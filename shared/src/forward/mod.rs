//! Forwarding tickets to a merchant's destinations: a signed generic JSON webhook and the Feishu,
//! DingTalk and WeCom group-bot formats.
//!
//! Pure functions: [`render`] turns a ticket and a destination into the exact HTTP request to send,
//! [`judge`] reads the receiver's answer, [`retry_delay`] is the backoff. The worker does the I/O
//! (queue, fetch, D1).
//!
//! - [`destination`]: kinds, validation, redaction.
//! - [`message`]: the forwarded ticket, the webhook envelope, the bots' text, [`render`].
//! - [`sign`] (feature `signing`): HMAC signatures and [`verify_signature`] for receivers.
//! - [`judge`]: answers and backoff.
//! - [`delivery`]: delivery states, attempt outcomes, the delivery key.
//! - [`breaker`]: the per-destination circuit breaker.
//! - [`notice`]: staff notifications sent to a person's or a team's channel.

pub mod breaker;
pub mod delivery;
pub mod destination;
pub mod judge;
pub mod message;
pub mod notice;
#[cfg(feature = "signing")]
pub mod sign;

pub use delivery::{AttemptOutcome, DeliveryState, ForwardReason, delivery_key};
pub use destination::{Destination, DestinationError, DestinationKind, REDACTED};
pub use judge::{Outcome, judge, retry_delay, retry_horizon};
#[cfg(feature = "signing")]
pub use message::render;
pub use message::{BOT_TEXT_LINES, FirstReply, ForwardedTicket, OutgoingRequest, QUOTE_MARK, WebhookEnvelope, bot_safe, bot_text, defang_links, quoted_customer_text};
#[cfg(feature = "signing")]
pub use sign::{SignatureError, sign_webhook, verify_signature};

/// Header with the generic webhook's signature.
pub const SIGNATURE_HEADER: &str = "Qingting-Signature";
/// Header with the delivery's idempotency key.
pub const DELIVERY_HEADER: &str = "Qingting-Delivery";
/// How old a signed timestamp a receiver should still accept.
pub const SIGNATURE_TOLERANCE_SECS: i64 = 300;
/// Complaint text longer than this is cut in bot messages (group chats are for notices).
pub const BOT_TEXT_CHARS: usize = 500;
/// At most this many destinations per site.
pub const MAX_DESTINATIONS: usize = 10;

/// Test data shared by the forwarding modules' tests.
#[cfg(test)]
pub(crate) mod fixture {
    use super::*;
    use crate::taxonomy::{Category, Priority};
    use crate::workflow::TicketStatus;

    pub(crate) fn ticket() -> ForwardedTicket {
        ForwardedTicket {
            id: "6f1c2f0e-0000-4000-8000-000000000001".into(),
            ticket_no: "QT261123-7K3M9Q".into(),
            site: "demo".into(),
            status: TicketStatus::New,
            complaint: true,
            category: Some(Category::new("delivery")),
            priority: Some(Priority::P2),
            text: "送餐迟到一小时，电话13812345678 <at user_id=\"all\">所有人</at>".into(),
            order_id: Some("WM-1".into()),
            contact: Some("13812345678".into()),
            lang: "zh-CN".into(),
            created_at: "2026-11-23T10:00:00.000Z".into(),
            first_reply: Some(FirstReply { faq_id: "late-compensation".into(), text: "超时赔付规则…".into() }),
        }
    }

    pub(crate) fn dest(kind: DestinationKind, secret: Option<&str>) -> Destination {
        Destination { id: "ops".into(), kind, url: "https://hooks.example.cn/x?key=1".into(), secret: secret.map(String::from) }
    }
}
