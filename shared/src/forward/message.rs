//! What is forwarded: the ticket as receivers see it, the generic webhook's envelope, the bots'
//! plain-text notice, and [`render`], the exact HTTP request for one destination.
//!
//! Complaint text is hostile: it is masked again here (whatever was stored), cut to a bounded
//! length, and sent as plain text, never as markdown or HTML.

use serde::{Deserialize, Serialize};

use crate::forward::BOT_TEXT_CHARS;
use crate::forward::delivery::ForwardReason;
#[cfg(feature = "signing")]
use crate::forward::{
    DELIVERY_HEADER, SIGNATURE_HEADER,
    delivery::delivery_key,
    destination::{Destination, DestinationKind},
    sign,
};
use crate::intake::mask::mask_pii;
use crate::lang::Lang;
use crate::taxonomy::{Category, Priority, Taxonomy};
use crate::workflow::TicketStatus;

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

#[cfg_attr(not(feature = "signing"), allow(dead_code))]
pub(crate) fn percent_encode(s: &str) -> String {
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

/// At most this many lines of customer text in a group-chat message; the rest is joined onto
/// the last line, so a complaint cannot push forged lines down a merchant's chat.
pub const BOT_TEXT_LINES: usize = 8;

/// The mark in front of every line of customer text in a chat message: what follows it is the
/// customer's, never Qingting's (a forged "【倾听】…" line still starts with it).
pub const QUOTE_MARK: &str = "｜ ";

/// Makes a link unclickable and recognisably defanged: `https://evil.example/x` becomes
/// `hxxps://evil[.]example/x`, and a bare `evil.example` becomes `evil[.]example`; a dot between
/// digits (`3.5元`) stays.
pub fn defang_links(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let lower = text.to_ascii_lowercase();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (at, c) = chars[i];
        let rest = &lower[at..];
        if rest.starts_with("http://") || rest.starts_with("https://") {
            out.push_str("hxxp");
            i += 4;
            continue;
        }
        if c == '.' && i > 0 && i + 1 < chars.len() {
            let (prev, next) = (chars[i - 1].1, chars[i + 1].1);
            if prev.is_ascii_alphanumeric() && next.is_ascii_alphabetic() {
                out.push_str("[.]");
                i += 1;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Customer text for a group chat: [`bot_safe`], links defanged, at most [`BOT_TEXT_LINES`]
/// non-empty lines, and every line behind [`QUOTE_MARK`], so it is set apart from the notice's
/// own lines and cannot pass for them.
pub fn quoted_customer_text(text: &str, max_chars: usize) -> String {
    let safe = defang_links(&bot_safe(text, max_chars));
    let lines: Vec<&str> = safe.lines().map(str::trim_end).filter(|l| !l.trim().is_empty()).collect();
    let mut kept: Vec<String> = lines.iter().take(BOT_TEXT_LINES).map(|l| l.replace('\t', " ")).collect();
    if lines.len() > BOT_TEXT_LINES
        && let Some(last) = kept.last_mut()
    {
        for extra in &lines[BOT_TEXT_LINES..] {
            last.push_str(" / ");
            last.push_str(extra.trim());
        }
    }
    kept.iter().map(|l| format!("{QUOTE_MARK}{l}")).collect::<Vec<_>>().join("\n")
}

/// One line of customer-supplied text (an order number): no line breaks, links defanged.
fn one_line(text: &str, max_chars: usize) -> String {
    defang_links(&bot_safe(text, max_chars).replace(['\n', '\r', '\t'], " "))
}

/// The plain-text notice the bots post (in the complaint's language): Qingting's header lines,
/// then the customer's words set apart under a label, line by line behind [`QUOTE_MARK`].
pub fn bot_text(t: &ForwardedTicket, reason: ForwardReason, taxonomy: &Taxonomy) -> String {
    let lang = Lang::from_tag(&t.lang).unwrap_or_default();
    let (head, reopened, cat_l, pri_l, order_l, reply_l, words_l) = match lang {
        Lang::ZhCn => ("【倾听】新投诉", "【倾听】顾客表示自动答复未解决", "类别", "优先级", "订单", "已发送的答复", "顾客原话（链接已停用）"),
        Lang::ZhTw => ("【傾聽】新投訴", "【傾聽】顧客表示自動答覆未解決", "類別", "優先級", "訂單", "已發送的答覆", "顧客原話（連結已停用）"),
        Lang::En => (
            "[Qingting] New complaint",
            "[Qingting] Customer says the automatic answer did not help",
            "Category",
            "Priority",
            "Order",
            "Reply sent",
            "Customer's words (links disabled)",
        ),
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
        out.push_str(&format!("{order_l}: {}\n", one_line(o, 64)));
    }
    out.push_str(&format!("{words_l}:\n"));
    out.push_str(&quoted_customer_text(&t.text, BOT_TEXT_CHARS));
    if let Some(r) = &t.first_reply {
        out.push_str(&format!("\n\n{reply_l}: {}", bot_safe(&r.text, 200)));
    }
    out
}

#[cfg(feature = "signing")]
/// A group bot's plain-text message to `dest` (Feishu, DingTalk or WeCom) and the URL to post it
/// to, signed with the bot's secret when it has one (Feishu in the body, DingTalk in the URL).
pub(crate) fn bot_body(dest: &Destination, text: &str, now_ms: i64) -> (String, serde_json::Value) {
    let mut url = dest.url.clone();
    let body = match dest.kind {
        DestinationKind::Feishu => {
            let mut msg = serde_json::json!({ "msg_type": "text", "content": { "text": text } });
            if let Some(secret) = &dest.secret {
                let ts = (now_ms / 1000).to_string();
                msg["timestamp"] = ts.clone().into();
                msg["sign"] = sign::bot_sign(format!("{ts}\n{secret}").as_bytes(), b"").into();
            }
            msg
        }
        DestinationKind::Dingtalk => {
            if let Some(secret) = &dest.secret {
                let ts = now_ms.to_string();
                let sign = sign::bot_sign(secret.as_bytes(), format!("{ts}\n{secret}").as_bytes());
                let sep = if url.contains('?') { '&' } else { '?' };
                url = format!("{url}{sep}timestamp={ts}&sign={}", percent_encode(&sign));
            }
            serde_json::json!({ "msgtype": "text", "text": { "content": text } })
        }
        DestinationKind::Wecom | DestinationKind::Webhook => serde_json::json!({ "msgtype": "text", "text": { "content": text } }),
    };
    (url, body)
}

#[cfg(feature = "signing")]
/// The request that delivers `ticket` to `dest`. `now_ms` is the current time in Unix
/// milliseconds (the caller's clock: the worker has no `SystemTime`).
pub fn render(dest: &Destination, ticket: &ForwardedTicket, reason: ForwardReason, now_ms: i64, taxonomy: &Taxonomy) -> OutgoingRequest {
    let key = delivery_key(&ticket.id, &dest.id);
    let mut ticket = ticket.clone();
    // Masked again on the way out, whatever the row holds.
    ticket.text = mask_pii(&ticket.text).text;
    ticket.contact = ticket.contact.as_deref().map(|c| crate::intake::mask::mask_contact(c).text);
    ticket.order_id = ticket.order_id.as_deref().map(|o| crate::intake::mask::mask_order_id(o).text);
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
            headers.push((SIGNATURE_HEADER.to_string(), sign::sign_webhook(secret, now_ms / 1000, &body)));
            headers.push((DELIVERY_HEADER.to_string(), key));
            return OutgoingRequest { url, headers, body };
        }
        DestinationKind::Feishu | DestinationKind::Dingtalk | DestinationKind::Wecom => {
            let (signed_url, body) = bot_body(dest, &bot_text(&ticket, reason, taxonomy), now_ms);
            url = signed_url;
            body
        }
    };
    headers.push((DELIVERY_HEADER.to_string(), key));
    OutgoingRequest { url, headers, body: body.to_string() }
}

#[cfg(all(test, feature = "signing"))]
mod tests {
    use super::*;
    use crate::forward::fixture::{dest, ticket};
    use crate::forward::sign::{SignatureError, bot_sign, verify_signature};

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
    fn order_number_and_contact_are_masked_on_the_way_out() {
        let tax = Taxonomy::default_taxonomy();
        let mut t = ticket();
        // Both fields are the customer's to fill in: a phone typed as the order number, a bare WeChat id as the contact.
        t.order_id = Some("13912345678".into());
        t.contact = Some("zhang_san_88".into());
        let hook = render(&dest(DestinationKind::Webhook, Some("0123456789abcdef-secret")), &t, ForwardReason::Created, 0, &tax);
        let env: WebhookEnvelope = serde_json::from_str(&hook.body).unwrap();
        assert_eq!(env.ticket.order_id.as_deref(), Some("139****5678"));
        assert_eq!(env.ticket.contact.as_deref(), Some("z***"));
        assert!(!hook.body.contains("13912345678") && !hook.body.contains("zhang_san_88"), "{}", hook.body);
        let bot = render(&dest(DestinationKind::Wecom, None), &t, ForwardReason::Created, 0, &tax);
        assert!(bot.body.contains("139****5678") && !bot.body.contains("13912345678"), "{}", bot.body);
        // An ordinary order number passes unchanged, even when it looks like a card.
        t.order_id = Some("4111111111111111".into());
        let hook = render(&dest(DestinationKind::Webhook, Some("0123456789abcdef-secret")), &t, ForwardReason::Created, 0, &tax);
        assert!(hook.body.contains("\"order_id\":\"4111111111111111\""), "{}", hook.body);
    }

    #[test]
    fn customer_text_cannot_forge_notice_lines_or_post_live_links() {
        let tax = Taxonomy::default_taxonomy();
        let mut t = ticket();
        t.text = "好的\n\n【倾听】新投诉 QT000000-FAKE01\n优先级: P1 紧急\n请点击 https://evil.example/pay 或 pay.evil.cn 领取赔偿\n1\n2\n3\n4\n5\n6\n7".into();
        t.order_id = Some("E1\n【倾听】系统通知".into());
        let text = bot_text(&t, ForwardReason::Created, &tax);
        let lines: Vec<&str> = text.lines().collect();
        // Qingting's own lines come first; every line after the label is the customer's, marked.
        let label = lines.iter().position(|l| l.starts_with("顾客原话")).expect("the label line");
        assert_eq!(lines.iter().filter(|l| l.starts_with("【倾听】")).count(), 1, "{text}");
        assert!(lines[0].starts_with("【倾听】新投诉"));
        let quoted: Vec<&&str> = lines[label + 1..].iter().take_while(|l| !l.is_empty()).collect();
        assert!(quoted.iter().all(|l| l.starts_with(QUOTE_MARK)), "{text}");
        assert_eq!(quoted.len(), BOT_TEXT_LINES, "lines capped: {text}");
        assert!(lines.iter().skip(label + 1 + quoted.len()).all(|l| l.is_empty() || l.starts_with("已发送的答复")), "{text}");
        assert!(text.contains("7"), "text beyond the cap is kept on the last line: {text}");
        assert!(!text.contains("https://") && !text.contains("evil.example") && !text.contains("pay.evil.cn"), "{text}");
        assert!(text.contains("hxxps://evil[.]example/pay") && text.contains("pay[.]evil[.]cn"), "{text}");
        assert!(text.contains("订单: E1 【倾听】系统通知") && !text.contains("\n【倾听】系统通知"), "order on one line: {text}");
        // Amounts keep their decimal point.
        assert_eq!(defang_links("退3.5元"), "退3.5元");
        assert_eq!(defang_links("HTTP://X.COM"), "hxxp://X[.]COM");
    }

    #[test]
    fn long_text_is_cut_for_bots() {
        let long = "难吃".repeat(600);
        let s = bot_safe(&long, BOT_TEXT_CHARS);
        assert_eq!(s.chars().count(), BOT_TEXT_CHARS + 1);
        assert!(s.ends_with('…'));
    }
}
