//! Forwarding tickets to a merchant's destinations: a signed generic JSON webhook and the Feishu,
//! DingTalk and WeCom group-bot formats.
//!
//! Pure functions: [`render`] turns a ticket and a destination into the exact HTTP request to send,
//! [`judge`] reads the receiver's answer, [`retry_delay`] is the backoff. The worker does the I/O
//! (queue, fetch, D1). Complaint text is hostile: it is masked again here (whatever was stored),
//! cut to a bounded length, and sent as plain text, never as markdown or HTML.
//!
//! # Verifying the generic webhook
//!
//! Every request carries
//!
//! ```text
//! Qingting-Delivery: <ticket id>/<destination id>    (the idempotency key, same on every retry)
//! Qingting-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
//! ```
//!
//! A receiver recomputes the HMAC over the raw body bytes with its secret, compares in constant
//! time, refuses timestamps more than 5 minutes old, and treats a repeated `Qingting-Delivery` as
//! already handled. [`verify_signature`] is that check.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::lang::Lang;
use crate::mask::mask_pii;
use crate::taxonomy::{Category, Priority, Taxonomy};
use crate::ticket::TicketStatus;

type HmacSha256 = Hmac<Sha256>;

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

/// Which message format a destination speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DestinationKind {
    /// Qingting's own JSON, signed with HMAC-SHA256 (see the module docs).
    Webhook,
    /// Feishu / Lark custom bot (`open.feishu.cn/open-apis/bot/v2/hook/…`), optional signing.
    Feishu,
    /// DingTalk custom robot (`oapi.dingtalk.com/robot/send?access_token=…`), optional signing.
    Dingtalk,
    /// WeCom group robot (`qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…`).
    Wecom,
}

impl DestinationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DestinationKind::Webhook => "webhook",
            DestinationKind::Feishu => "feishu",
            DestinationKind::Dingtalk => "dingtalk",
            DestinationKind::Wecom => "wecom",
        }
    }

    pub fn parse(s: &str) -> Option<DestinationKind> {
        [DestinationKind::Webhook, DestinationKind::Feishu, DestinationKind::Dingtalk, DestinationKind::Wecom].into_iter().find(|k| k.as_str() == s)
    }
}

/// Where a site's tickets go.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Destination {
    /// Short id, unique per site (`[a-z0-9_-]{1,32}`); part of the delivery key.
    pub id: String,
    pub kind: DestinationKind,
    pub url: String,
    /// Signing secret: required for `webhook` (≥ 16 characters), optional for Feishu and
    /// DingTalk ("加签"), unused by WeCom.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// Why a destination is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DestinationError {
    #[error("destination id must be 1–32 characters of a-z, 0-9, '-' or '_'")]
    InvalidId,
    #[error("destination {0}: the URL must be an absolute https:// URL without spaces")]
    InvalidUrl(String),
    #[error("destination {0}: a webhook needs a secret of at least 16 characters")]
    SecretRequired(String),
    #[error("destination {0}: the secret must be 16–256 printable ASCII characters")]
    InvalidSecret(String),
    #[error("destination id {0} is used twice")]
    DuplicateId(String),
    #[error("at most {MAX_DESTINATIONS} destinations per site")]
    TooMany,
}

impl DestinationError {
    /// Stable machine-readable code for API errors.
    pub fn code(&self) -> &'static str {
        "invalid_destination"
    }
}

impl Destination {
    /// Checks one destination. `allow_http` admits `http://` URLs (local development and tests
    /// only; production requires TLS).
    pub fn validate(&self, allow_http: bool) -> Result<(), DestinationError> {
        let id_ok = (1..=32).contains(&self.id.len()) && self.id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !id_ok {
            return Err(DestinationError::InvalidId);
        }
        let rest = self.url.strip_prefix("https://").or_else(|| if allow_http { self.url.strip_prefix("http://") } else { None });
        let url_ok = rest.is_some_and(|r| {
            let host = r.split(['/', '?', '#']).next().unwrap_or("");
            !host.is_empty() && !host.contains('@')
        }) && self.url.len() <= 2048
            && !self.url.chars().any(|c| c.is_whitespace() || c.is_control());
        if !url_ok {
            return Err(DestinationError::InvalidUrl(self.id.clone()));
        }
        match (&self.secret, self.kind) {
            (None, DestinationKind::Webhook) => {
                return Err(DestinationError::SecretRequired(self.id.clone()));
            }
            (Some(s), _) if !(16..=256).contains(&s.len()) || !s.bytes().all(|b| b.is_ascii_graphic()) => {
                return Err(DestinationError::InvalidSecret(self.id.clone()));
            }
            _ => {}
        }
        Ok(())
    }

    /// Checks a site's whole list.
    pub fn validate_all(list: &[Destination], allow_http: bool) -> Result<(), DestinationError> {
        if list.len() > MAX_DESTINATIONS {
            return Err(DestinationError::TooMany);
        }
        for (i, d) in list.iter().enumerate() {
            d.validate(allow_http)?;
            if list[..i].iter().any(|o| o.id == d.id) {
                return Err(DestinationError::DuplicateId(d.id.clone()));
            }
        }
        Ok(())
    }

    /// The same destination with its credentials hidden, for showing the configuration back: the
    /// secret, every query value (DingTalk's `access_token`, WeCom's `key`) and, for the bots, the
    /// last path segment (Feishu's hook id).
    pub fn redacted(&self) -> Destination {
        let (base, query) = self.url.split_once('?').map_or((self.url.as_str(), None), |(b, q)| (b, Some(q)));
        let mut url = match (self.kind, base.rsplit_once('/')) {
            (DestinationKind::Webhook, _) | (_, None) => base.to_string(),
            (_, Some((head, last))) if !last.is_empty() && head.contains("//") && head.len() > head.find("//").unwrap_or(0) + 2 => format!("{head}/********"),
            _ => base.to_string(),
        };
        if let Some(q) = query {
            let masked: Vec<String> = q.split('&').map(|kv| kv.split_once('=').map_or(kv.to_string(), |(k, _)| format!("{k}=********"))).collect();
            url = format!("{url}?{}", masked.join("&"));
        }
        Destination { id: self.id.clone(), kind: self.kind, url, secret: self.secret.as_ref().map(|_| "********".to_string()) }
    }
}

/// Why a ticket is being forwarded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ForwardReason {
    /// A new complaint that needs a person.
    Created,
    /// The customer said the automatic answer did not solve it.
    Reopened,
}

/// The automatic reply a ticket got, if any.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirstReply {
    pub faq_id: String,
    pub text: String,
}

/// What is forwarded about a ticket: the generic webhook's `ticket` object, and the source of
/// the bot messages.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ForwardedTicket {
    pub id: String,
    pub ticket_no: String,
    pub site: String,
    pub status: TicketStatus,
    pub complaint: bool,
    pub category: Option<Category>,
    pub priority: Option<Priority>,
    /// Complaint text, personal data masked.
    pub text: String,
    pub order_id: Option<String>,
    /// The customer's contact, masked (the full value stays in Qingting).
    pub contact: Option<String>,
    pub lang: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// The policy answer already sent to the customer (an acknowledgement, or the automatic
    /// answer the customer said did not help).
    pub first_reply: Option<FirstReply>,
}

/// The generic webhook's body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WebhookEnvelope {
    /// Always `ticket.forwarded`.
    pub event: String,
    pub reason: ForwardReason,
    /// Same as the `Qingting-Delivery` header.
    pub delivery_id: String,
    pub ticket: ForwardedTicket,
}

/// One HTTP request to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingRequest {
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// The idempotency key of delivering `ticket_id` to `destination_id`: the same on every retry,
/// so a receiver (and the delivery log) sees one delivery however often it is attempted.
pub fn delivery_key(ticket_id: &str, destination_id: &str) -> String {
    format!("{ticket_id}/{destination_id}")
}

fn hmac(key: &[u8], message: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(message);
    mac
}

fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    bytes.iter().flat_map(|b| [HEX[(b >> 4) as usize] as char, HEX[(b & 15) as usize] as char]).collect()
}

/// `t=<unix>,v1=<hex HMAC-SHA256(secret, "<unix>.<body>")>`.
pub fn sign_webhook(secret: &str, unix: i64, body: &str) -> String {
    let mut mac = hmac(secret.as_bytes(), unix.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("t={unix},v1={}", hex(&mac.finalize().into_bytes()))
}

/// Why a webhook signature is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the signature header is malformed")]
    Malformed,
    #[error("the signed timestamp is too old or in the future")]
    Stale,
    #[error("the signature does not match")]
    Mismatch,
}

/// The receiver's check (see the module docs): constant-time, with a timestamp tolerance.
pub fn verify_signature(secret: &str, header: &str, body: &[u8], now_unix: i64) -> Result<(), SignatureError> {
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok(),
            Some(("v1", v)) => v1 = Some(v),
            _ => {}
        }
    }
    let (t, v1) = t.zip(v1).ok_or(SignatureError::Malformed)?;
    if now_unix.abs_diff(t) > SIGNATURE_TOLERANCE_SECS as u64 {
        return Err(SignatureError::Stale);
    }
    let given: Option<Vec<u8>> = (v1.len() == 64).then(|| (0..32).map(|i| u8::from_str_radix(v1.get(2 * i..2 * i + 2)?, 16).ok()).collect()).flatten();
    let given = given.ok_or(SignatureError::Malformed)?;
    let mut mac = hmac(secret.as_bytes(), t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&given).map_err(|_| SignatureError::Mismatch)
}

/// Feishu's and DingTalk's bot signature: base64(HMAC-SHA256(key, message)) where Feishu keys with
/// `"<timestamp>\n<secret>"` over an empty message and DingTalk keys with the secret over that
/// string.
fn bot_sign(key: &[u8], message: &[u8]) -> String {
    STANDARD.encode(hmac(key, message).finalize().into_bytes())
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Makes hostile text safe for a group chat: personal data masked, control characters and
/// Feishu's `<at …>` tag syntax neutralised, length bounded.
pub fn bot_safe(text: &str, max_chars: usize) -> String {
    let masked = mask_pii(text).text;
    let mut out: String = masked
        .chars()
        .map(|c| match c {
            // Feishu renders `<at …>` mentions and `[text](url)` links even in text messages.
            '<' => '＜',
            '>' => '＞',
            '[' => '［',
            ']' => '］',
            '\n' | '\t' => c,
            c if c.is_control() => ' ',
            c => c,
        })
        .take(max_chars)
        .collect();
    if masked.chars().count() > max_chars {
        out.push('…');
    }
    out
}

/// The plain-text notice the bots post (in the complaint's language).
pub fn bot_text(t: &ForwardedTicket, reason: ForwardReason, taxonomy: &Taxonomy) -> String {
    let lang = Lang::from_tag(&t.lang).unwrap_or_default();
    let (head, reopened, cat_l, pri_l, order_l, reply_l) = match lang {
        Lang::ZhCn => ("【倾听】新投诉", "【倾听】顾客表示自动答复未解决", "类别", "优先级", "订单", "已发送的答复"),
        Lang::ZhTw => ("【傾聽】新投訴", "【傾聽】顧客表示自動答覆未解決", "類別", "優先級", "訂單", "已發送的答覆"),
        Lang::En => ("[Qingting] New complaint", "[Qingting] Customer says the automatic answer did not help", "Category", "Priority", "Order", "Reply sent"),
    };
    let mut out = String::new();
    out.push_str(if reason == ForwardReason::Reopened { reopened } else { head });
    out.push_str(&format!(" {}\n", t.ticket_no));
    if let Some(c) = &t.category {
        out.push_str(&format!("{cat_l}: {}\n", taxonomy.name(c, lang)));
    }
    if let Some(p) = t.priority {
        out.push_str(&format!("{pri_l}: {} {}\n", p.as_str(), p.label(lang)));
    }
    if let Some(o) = &t.order_id {
        out.push_str(&format!("{order_l}: {}\n", bot_safe(o, 64)));
    }
    out.push('\n');
    out.push_str(&bot_safe(&t.text, BOT_TEXT_CHARS));
    if let Some(r) = &t.first_reply {
        out.push_str(&format!("\n\n{reply_l}: {}", bot_safe(&r.text, 200)));
    }
    out
}

/// The request that delivers `ticket` to `dest`. `now_ms` is the current time in Unix
/// milliseconds (the caller's clock: the worker has no `SystemTime`).
pub fn render(dest: &Destination, ticket: &ForwardedTicket, reason: ForwardReason, now_ms: i64, taxonomy: &Taxonomy) -> OutgoingRequest {
    let key = delivery_key(&ticket.id, &dest.id);
    let mut ticket = ticket.clone();
    // Masked again on the way out, whatever the row holds.
    ticket.text = mask_pii(&ticket.text).text;
    ticket.contact = ticket.contact.as_deref().map(|c| mask_pii(c).text);
    if let Some(r) = &mut ticket.first_reply {
        r.text = mask_pii(&r.text).text;
    }
    let json = "application/json; charset=utf-8".to_string();
    let mut headers = vec![("Content-Type".to_string(), json)];
    let mut url = dest.url.clone();
    let body = match dest.kind {
        DestinationKind::Webhook => {
            let envelope = WebhookEnvelope { event: "ticket.forwarded".into(), reason, delivery_id: key.clone(), ticket };
            let body = serde_json::to_string(&envelope).unwrap_or_default();
            let secret = dest.secret.as_deref().unwrap_or_default();
            headers.push((SIGNATURE_HEADER.to_string(), sign_webhook(secret, now_ms / 1000, &body)));
            headers.push((DELIVERY_HEADER.to_string(), key));
            return OutgoingRequest { url, headers, body };
        }
        DestinationKind::Feishu => {
            let text = bot_text(&ticket, reason, taxonomy);
            let mut msg = serde_json::json!({ "msg_type": "text", "content": { "text": text } });
            if let Some(secret) = &dest.secret {
                let ts = (now_ms / 1000).to_string();
                msg["timestamp"] = ts.clone().into();
                msg["sign"] = bot_sign(format!("{ts}\n{secret}").as_bytes(), b"").into();
            }
            msg
        }
        DestinationKind::Dingtalk => {
            let text = bot_text(&ticket, reason, taxonomy);
            if let Some(secret) = &dest.secret {
                let ts = now_ms.to_string();
                let sign = bot_sign(secret.as_bytes(), format!("{ts}\n{secret}").as_bytes());
                let sep = if url.contains('?') { '&' } else { '?' };
                url = format!("{url}{sep}timestamp={ts}&sign={}", percent_encode(&sign));
            }
            serde_json::json!({ "msgtype": "text", "text": { "content": text } })
        }
        DestinationKind::Wecom => {
            let text = bot_text(&ticket, reason, taxonomy);
            serde_json::json!({ "msgtype": "text", "text": { "content": text } })
        }
    };
    headers.push((DELIVERY_HEADER.to_string(), key));
    OutgoingRequest { url, headers, body: body.to_string() }
}

/// How one delivery attempt ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The receiver took it.
    Delivered,
    /// Try again later (with the reason for the delivery log).
    Retry(String),
}

/// Reads a receiver's answer. The generic webhook must answer 2xx. The bots answer HTTP 200 even
/// when they refuse a message, with the verdict in the body: Feishu `{"code":0}`, DingTalk and
/// WeCom `{"errcode":0}`.
pub fn judge(kind: DestinationKind, status: u16, body: &str) -> Outcome {
    if (300..400).contains(&status) {
        return Outcome::Retry(format!("HTTP {status}: redirects are not followed; configure the final URL"));
    }
    if !(200..300).contains(&status) {
        return Outcome::Retry(format!("HTTP {status}"));
    }
    let field = match kind {
        DestinationKind::Webhook => return Outcome::Delivered,
        DestinationKind::Feishu => "code",
        DestinationKind::Dingtalk | DestinationKind::Wecom => "errcode",
    };
    let v: serde_json::Value = match serde_json::from_str(body) {
        Ok(v) => v,
        Err(_) => return Outcome::Retry("the bot's answer is not JSON".into()),
    };
    // Feishu's newer answers use `StatusCode`; accept either.
    let code = v.get(field).or_else(|| v.get("StatusCode")).and_then(serde_json::Value::as_i64);
    match code {
        Some(0) => Outcome::Delivered,
        Some(c) => {
            let msg = v.get("msg").or_else(|| v.get("errmsg")).and_then(serde_json::Value::as_str).unwrap_or("");
            Outcome::Retry(format!("{field} {c}: {}", msg.chars().take(200).collect::<String>()))
        }
        None => Outcome::Retry(format!("the bot's answer has no {field}")),
    }
}

/// Seconds to wait before attempt `attempt + 1` after `attempt` failed attempts (1-based):
/// `base × 2^(attempt-1)`, capped at `max`.
pub fn retry_delay(attempt: u32, base: u32, max: u32) -> u32 {
    let factor = 1u32.checked_shl(attempt.saturating_sub(1)).unwrap_or(u32::MAX);
    base.saturating_mul(factor).min(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket() -> ForwardedTicket {
        ForwardedTicket {
            id: "6f1c2f0e-0000-4000-8000-000000000001".into(),
            ticket_no: "QT261123-7K3M9Q".into(),
            site: "demo".into(),
            status: TicketStatus::Forwarded,
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

    fn dest(kind: DestinationKind, secret: Option<&str>) -> Destination {
        Destination { id: "ops".into(), kind, url: "https://hooks.example.cn/x?key=1".into(), secret: secret.map(String::from) }
    }

    #[test]
    fn webhook_is_signed_verifiable_and_masked() {
        let d = dest(DestinationKind::Webhook, Some("0123456789abcdef-secret"));
        let r = render(&d, &ticket(), ForwardReason::Created, 1_790_000_000_123, &Taxonomy::default_taxonomy());
        let sig = r.headers.iter().find(|(k, _)| k == SIGNATURE_HEADER).map(|(_, v)| v.clone()).unwrap();
        assert!(sig.starts_with("t=1790000000,v1="));
        assert_eq!(verify_signature("0123456789abcdef-secret", &sig, r.body.as_bytes(), 1_790_000_010), Ok(()));
        assert_eq!(verify_signature("another-secret-0123456", &sig, r.body.as_bytes(), 1_790_000_010), Err(SignatureError::Mismatch));
        let tampered = r.body.replace("迟到", "早到");
        assert_eq!(verify_signature("0123456789abcdef-secret", &sig, tampered.as_bytes(), 1_790_000_010), Err(SignatureError::Mismatch));
        assert_eq!(verify_signature("0123456789abcdef-secret", &sig, r.body.as_bytes(), 1_790_000_400), Err(SignatureError::Stale));
        assert_eq!(verify_signature("0123456789abcdef-secret", "v1=00", r.body.as_bytes(), 1_790_000_010), Err(SignatureError::Malformed));
        let hostile = format!("t={},v1={}", i64::MIN, "0".repeat(64));
        assert_eq!(verify_signature("0123456789abcdef-secret", &hostile, r.body.as_bytes(), i64::MAX), Err(SignatureError::Stale));
        let env: WebhookEnvelope = serde_json::from_str(&r.body).unwrap();
        assert_eq!(env.delivery_id, "6f1c2f0e-0000-4000-8000-000000000001/ops");
        assert!(!r.body.contains("13812345678"), "{}", r.body);
        assert!(env.ticket.text.contains("138****5678"));
        assert_eq!(env.ticket.contact.as_deref(), Some("138****5678"));
        assert!(r.headers.contains(&(DELIVERY_HEADER.to_string(), env.delivery_id.clone())));
    }

    #[test]
    fn signature_matches_a_known_vector() {
        // Computed independently: printf '1700000000.{}' | openssl dgst -sha256 -hmac 'whsec_test_secret_1234'
        assert_eq!(
            sign_webhook("whsec_test_secret_1234", 1_700_000_000, "{}"),
            "t=1700000000,v1=2fb01aab0eb1e3e78493a18ddf95bde15736cc152f8907f93f6862f73d56ff5e"
        );
    }

    #[test]
    fn bots_get_plain_masked_text_in_their_formats() {
        let tax = Taxonomy::default_taxonomy();
        let feishu = render(&dest(DestinationKind::Feishu, Some("feishu-secret-0123456")), &ticket(), ForwardReason::Created, 1_790_000_000_000, &tax);
        let v: serde_json::Value = serde_json::from_str(&feishu.body).unwrap();
        assert_eq!(v["msg_type"], "text");
        assert_eq!(v["timestamp"], "1790000000");
        // Feishu: base64(HMAC-SHA256(key = "timestamp\nsecret", message = "")).
        assert_eq!(v["sign"].as_str().unwrap(), bot_sign(b"1790000000\nfeishu-secret-0123456", b""));
        let text = v["content"]["text"].as_str().unwrap();
        assert!(text.contains("QT261123-7K3M9Q") && text.contains("138****5678") && !text.contains("13812345678"), "{text}");
        assert!(!text.contains("<at"), "Feishu's mention tag must not survive: {text}");
        let link = bot_safe("点[这里](https://evil.example)领赔偿", 100);
        assert!(!link.contains("[这里]("), "no Feishu link syntax: {link}");
        assert!(text.contains("P2 高"));

        let ding = render(&dest(DestinationKind::Dingtalk, Some("SEC-dingtalk-0123456")), &ticket(), ForwardReason::Reopened, 1_790_000_000_000, &tax);
        assert!(ding.url.starts_with("https://hooks.example.cn/x?key=1&timestamp=1790000000000&sign="), "{}", ding.url);
        assert!(!ding.url[ding.url.find("sign=").unwrap() + 5..].contains(['+', '/', '=']), "sign is percent-encoded");
        let v: serde_json::Value = serde_json::from_str(&ding.body).unwrap();
        assert_eq!(v["msgtype"], "text");
        assert!(v["text"]["content"].as_str().unwrap().contains("未解决"));

        let wecom = render(&dest(DestinationKind::Wecom, None), &ticket(), ForwardReason::Created, 0, &tax);
        let v: serde_json::Value = serde_json::from_str(&wecom.body).unwrap();
        assert_eq!(v["msgtype"], "text");
        assert_eq!(wecom.url, "https://hooks.example.cn/x?key=1");
    }

    #[test]
    fn long_text_is_cut_for_bots() {
        let long = "难吃".repeat(600);
        let s = bot_safe(&long, BOT_TEXT_CHARS);
        assert_eq!(s.chars().count(), BOT_TEXT_CHARS + 1);
        assert!(s.ends_with('…'));
    }

    #[test]
    fn answers_are_judged_per_format() {
        assert_eq!(judge(DestinationKind::Webhook, 204, ""), Outcome::Delivered);
        assert!(matches!(judge(DestinationKind::Webhook, 500, ""), Outcome::Retry(r) if r == "HTTP 500"));
        assert!(matches!(judge(DestinationKind::Webhook, 302, ""), Outcome::Retry(r) if r.contains("redirects")));
        assert_eq!(judge(DestinationKind::Feishu, 200, r#"{"code":0,"msg":"success"}"#), Outcome::Delivered);
        assert_eq!(judge(DestinationKind::Feishu, 200, r#"{"StatusCode":0}"#), Outcome::Delivered);
        assert!(matches!(judge(DestinationKind::Feishu, 200, r#"{"code":19021,"msg":"sign match fail"}"#), Outcome::Retry(r) if r.contains("19021")));
        assert_eq!(judge(DestinationKind::Dingtalk, 200, r#"{"errcode":0,"errmsg":"ok"}"#), Outcome::Delivered);
        assert!(matches!(judge(DestinationKind::Wecom, 200, r#"{"errcode":93000}"#), Outcome::Retry(_)));
        assert!(matches!(judge(DestinationKind::Wecom, 200, "<html>"), Outcome::Retry(_)));
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let got: Vec<u32> = (1..=8).map(|a| retry_delay(a, 30, 3600)).collect();
        assert_eq!(got, [30, 60, 120, 240, 480, 960, 1920, 3600]);
        assert_eq!(retry_delay(40, 30, 3600), 3600);
        assert_eq!(retry_delay(0, 30, 3600), 30);
    }

    #[test]
    fn destinations_are_validated() {
        let ok = dest(DestinationKind::Webhook, Some("0123456789abcdef"));
        assert_eq!(ok.validate(false), Ok(()));
        assert_eq!(dest(DestinationKind::Webhook, None).validate(false), Err(DestinationError::SecretRequired("ops".into())));
        assert_eq!(dest(DestinationKind::Wecom, None).validate(false), Ok(()));
        let http = Destination { url: "http://127.0.0.1:9/x".into(), ..ok.clone() };
        assert_eq!(http.validate(false), Err(DestinationError::InvalidUrl("ops".into())));
        assert_eq!(http.validate(true), Ok(()));
        for bad in ["https://", "https://a b", "ftp://x", "https://user@evil/"] {
            assert!(Destination { url: bad.into(), ..ok.clone() }.validate(true).is_err(), "{bad}");
        }
        assert_eq!(Destination { id: "Ops!".into(), ..ok.clone() }.validate(false), Err(DestinationError::InvalidId));
        assert_eq!(Destination::validate_all(&[ok.clone(), ok.clone()], false), Err(DestinationError::DuplicateId("ops".into())));
        assert_eq!(ok.redacted().secret.as_deref(), Some("********"));
        assert_eq!(ok.redacted().url, "https://hooks.example.cn/x?key=********");
        let feishu = Destination { kind: DestinationKind::Feishu, url: "https://open.feishu.cn/open-apis/bot/v2/hook/abc-123".into(), ..ok.clone() };
        assert_eq!(feishu.redacted().url, "https://open.feishu.cn/open-apis/bot/v2/hook/********");
        let ding = Destination { kind: DestinationKind::Dingtalk, url: "https://oapi.dingtalk.com/robot/send?access_token=tok".into(), ..ok.clone() };
        assert_eq!(ding.redacted().url, "https://oapi.dingtalk.com/robot/********?access_token=********");
    }
}
