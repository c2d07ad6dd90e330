//! Staff notifications sent to a person's or a team's chat channel (a [`Destination`] of any
//! kind): the words of a notice and, with the `signing` feature, [`render_notice`], the exact HTTP
//! request. Notices carry no complaint text: the ticket number, what happened and a short reason.
//!
//! ```
//! use qingting_shared::forward::notice::{NoticeKind, notice_text};
//! let text = notice_text(NoticeKind::Breach, "first_response", "QT261201-ABCDEF");
//! assert_eq!(text, "【倾听】工单 QT261201-ABCDEF 已超时（首次响应）");
//! ```

use serde::{Deserialize, Serialize};

#[cfg(feature = "signing")]
use crate::forward::{
    DELIVERY_HEADER, OutgoingRequest, SIGNATURE_HEADER,
    destination::{Destination, DestinationKind},
    sign,
};
use crate::str_enum::str_enum;

str_enum! {
    /// What a notice reports (the `kind` of a notification).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum NoticeKind {
        Assigned = "assigned",
        Warning = "warning",
        Breach = "breach",
        Escalated = "escalated",
        /// A routing rule's "notify a destination" (the reference names the rules).
        Routed = "routed",
        /// A spike alert of the analytics cron (the reference is the message, [`spike_text`]).
        Spike = "spike",
        /// A ticket's forwarding gave up (the reference is how long it tried, in hours).
        DeadLetter = "dead_letter",
        /// A site reached its daily quota (the reference is `<site> <quota>`).
        Quota = "quota",
    }
}

/// The words of a notice to a team's group: as [`notice_text`], but an assignment is told as news
/// of the team, not "to you".
///
/// ```
/// use qingting_shared::forward::notice::{NoticeKind, team_notice_text};
/// assert_eq!(team_notice_text(NoticeKind::Assigned, "3", "QT1"), "【倾听】新工单 QT1 已分配给团队成员");
/// ```
pub fn team_notice_text(kind: NoticeKind, reference: &str, ticket_no: &str) -> String {
    match kind {
        NoticeKind::Assigned => format!("【倾听】新工单 {ticket_no} 已分配给团队成员"),
        _ => notice_text(kind, reference, ticket_no),
    }
}

/// A notice's words (Chinese: chat channels are the team's own), from its kind, its reference (a
/// clock, an escalation reason, a version) and the ticket number.
pub fn notice_text(kind: NoticeKind, reference: &str, ticket_no: &str) -> String {
    let clock = match reference {
        "first_response" => "首次响应",
        "resolution" => "解决",
        _ => "",
    };
    let reason = match reference {
        "merchant_window" => "商家未在时限内首次回复",
        "urgent" => "P1 紧急工单",
        "unresolved" => "顾客表示未解决",
        "urged" => "顾客多次催单",
        _ => "",
    };
    match kind {
        NoticeKind::Assigned => format!("【倾听】新工单 {ticket_no} 已分配给你"),
        NoticeKind::Warning => format!("【倾听】工单 {ticket_no} 即将超时（{clock}）"),
        NoticeKind::Breach => format!("【倾听】工单 {ticket_no} 已超时（{clock}）"),
        NoticeKind::Escalated => format!("【倾听】工单 {ticket_no} 平台介入：{reason}"),
        NoticeKind::Routed => format!("【倾听】工单 {ticket_no} 符合分配规则：{}", crate::forward::bot_safe(reference, 200)),
        NoticeKind::Spike => crate::forward::bot_safe(reference, 1_000),
        NoticeKind::Quota => {
            let (site, quota) = reference.split_once(' ').unwrap_or((reference, "?"));
            format!("【倾听】站点 {} 今日投诉已达上限 {}：之后的投诉会被拒收（429），直到明天。请确认是否遭到滥用，或调高 SITE_DAILY_QUOTA", crate::forward::bot_safe(site, 64), crate::forward::bot_safe(quota, 12))
        }
        NoticeKind::DeadLetter => {
            format!("【倾听】工单 {ticket_no} 转发失败：{} 小时内的重试都未送达。请检查接收地址，然后在控制台重新投递", crate::forward::bot_safe(reference, 8))
        }
    }
}

/// The generic webhook's body for a notice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeEnvelope {
    /// Always `ticket.notice`.
    pub event: String,
    pub delivery_id: String,
    pub kind: NoticeKind,
    pub ticket_no: String,
    pub text: String,
}

#[cfg(feature = "signing")]
/// The request that delivers a notice to `dest`; `key` identifies it on every retry (the
/// `Qingting-Delivery` header), `now_ms` is the caller's clock in Unix milliseconds.
pub fn render_notice(dest: &Destination, key: &str, kind: NoticeKind, ticket_no: &str, text: &str, now_ms: i64) -> OutgoingRequest {
    let json = "application/json; charset=utf-8".to_string();
    let mut headers = vec![("Content-Type".to_string(), json)];
    let mut url = dest.url.clone();
    let body = match dest.kind {
        DestinationKind::Webhook => {
            let envelope = NoticeEnvelope { event: "ticket.notice".into(), delivery_id: key.into(), kind, ticket_no: ticket_no.into(), text: text.into() };
            let body = serde_json::to_string(&envelope).unwrap_or_default();
            let secret = dest.secret.as_deref().unwrap_or_default();
            headers.push((SIGNATURE_HEADER.to_string(), sign::sign_webhook(secret, now_ms / 1000, &body)));
            headers.push((DELIVERY_HEADER.to_string(), key.into()));
            return OutgoingRequest { url, headers, body };
        }
        DestinationKind::Feishu | DestinationKind::Dingtalk | DestinationKind::Wecom => {
            let (signed_url, body) = crate::forward::message::bot_body(dest, text, now_ms);
            url = signed_url;
            body
        }
    };
    headers.push((DELIVERY_HEADER.to_string(), key.into()));
    OutgoingRequest { url, headers, body: body.to_string() }
}

/// The generic webhook's body for a customer's satisfaction answer (`csat.submitted`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsatEnvelope {
    /// Always `csat.submitted`.
    pub event: String,
    pub delivery_id: String,
    pub ticket_no: String,
    /// 1 to 5.
    pub score: u8,
    #[serde(default)]
    pub reason: Option<String>,
    /// Masked.
    #[serde(default)]
    pub comment: String,
    /// The staff member credited when the survey was offered.
    #[serde(default)]
    pub credited: Option<String>,
}

#[cfg(feature = "signing")]
/// The signed request that tells a merchant's webhook about a rating (only webhooks get it: a
/// chat group is not the place for scores).
pub fn render_csat(dest: &Destination, envelope: &CsatEnvelope, now_ms: i64) -> Option<OutgoingRequest> {
    if dest.kind != DestinationKind::Webhook {
        return None;
    }
    let body = serde_json::to_string(envelope).ok()?;
    let secret = dest.secret.as_deref().unwrap_or_default();
    let headers = vec![
        ("Content-Type".to_string(), "application/json; charset=utf-8".to_string()),
        (SIGNATURE_HEADER.to_string(), sign::sign_webhook(secret, now_ms / 1000, &body)),
        (DELIVERY_HEADER.to_string(), envelope.delivery_id.clone()),
    ];
    Some(OutgoingRequest { url: dest.url.clone(), headers, body })
}

#[cfg(all(test, feature = "signing"))]
mod tests {
    use super::*;
    use crate::forward::fixture::dest;
    use crate::forward::sign::verify_signature;

    #[test]
    fn csat_goes_signed_to_webhooks_only() {
        let envelope = CsatEnvelope {
            event: "csat.submitted".into(),
            delivery_id: "csat/1".into(),
            ticket_no: "QT261201-ABCDEF".into(),
            score: 1,
            reason: Some("slow".into()),
            comment: "太慢".into(),
            credited: None,
        };
        let secret = "s3cret-s3cret-s3cret";
        let r = render_csat(&dest(DestinationKind::Webhook, Some(secret)), &envelope, 1_790_000_000_000).unwrap();
        assert_eq!(serde_json::from_str::<CsatEnvelope>(&r.body).unwrap(), envelope);
        let signature = r.headers.iter().find(|(k, _)| k == SIGNATURE_HEADER).map(|(_, v)| v.clone()).unwrap();
        assert_eq!(verify_signature(secret, &signature, r.body.as_bytes(), 1_790_000_000), Ok(()));
        assert!(render_csat(&dest(DestinationKind::Feishu, None), &envelope, 1_790_000_000_000).is_none());
    }

    #[test]
    fn every_kind_of_channel_gets_the_notice_as_plain_text() {
        let text = notice_text(NoticeKind::Escalated, "merchant_window", "QT261201-ABCDEF");
        assert_eq!(text, "【倾听】工单 QT261201-ABCDEF 平台介入：商家未在时限内首次回复");
        for kind in [DestinationKind::Feishu, DestinationKind::Dingtalk, DestinationKind::Wecom] {
            let r = render_notice(&dest(kind, None), "notice/1/user", NoticeKind::Escalated, "QT261201-ABCDEF", &text, 1_790_000_000_000);
            assert!(r.body.contains("平台介入"), "{kind:?}: {}", r.body);
            assert!(r.headers.iter().any(|(k, v)| k == DELIVERY_HEADER && v == "notice/1/user"));
        }
        let secret = "0123456789abcdef-secret";
        let r = render_notice(&dest(DestinationKind::Webhook, Some(secret)), "notice/1/user", NoticeKind::Breach, "QT261201-ABCDEF", &text, 1_790_000_000_000);
        let envelope: NoticeEnvelope = serde_json::from_str(&r.body).unwrap();
        assert_eq!((envelope.event.as_str(), envelope.kind), ("ticket.notice", NoticeKind::Breach));
        let signature = r.headers.iter().find(|(k, _)| k == SIGNATURE_HEADER).map(|(_, v)| v.clone()).unwrap();
        assert_eq!(verify_signature(secret, &signature, r.body.as_bytes(), 1_790_000_000), Ok(()));
    }

    #[test]
    fn each_kind_says_what_happened() {
        assert_eq!(notice_text(NoticeKind::Assigned, "3", "QT1"), "【倾听】新工单 QT1 已分配给你");
        assert_eq!(notice_text(NoticeKind::Warning, "resolution", "QT1"), "【倾听】工单 QT1 即将超时（解决）");
        assert_eq!(notice_text(NoticeKind::Escalated, "urged", "QT1"), "【倾听】工单 QT1 平台介入：顾客多次催单");
        assert_eq!(notice_text(NoticeKind::Routed, "食品安全交平台", "QT1"), "【倾听】工单 QT1 符合分配规则：食品安全交平台");
    }
}

/// One spike alert as a line of [`spike_text`]: the category's name, the kind, what was seen and
/// expected.
#[derive(Clone, Debug, PartialEq)]
pub struct SpikeLine<'a> {
    pub category: &'a str,
    /// `spike`, `slow_rise` or `food_safety_burst`.
    pub kind: &'a str,
    pub observed: u64,
    pub expected: f64,
    pub window_minutes: u32,
}

/// The message of one run's alerts for one scope (the platform, or a merchant by name): one line
/// per alert, at most ten.
///
/// ```
/// use qingting_shared::forward::notice::{SpikeLine, spike_text};
/// let line = SpikeLine { category: "配送问题", kind: "spike", observed: 12, expected: 2.5, window_minutes: 60 };
/// assert_eq!(spike_text(Some("老街小馆"), &[line]), "【倾听】投诉异常上升（老街小馆）\n· 配送问题：近 1 小时 12 单，预期约 2.5 单");
/// ```
pub fn spike_text(merchant: Option<&str>, lines: &[SpikeLine<'_>]) -> String {
    let who = merchant.map_or("全平台".to_string(), |m| crate::forward::bot_safe(m, 60));
    let mut out = format!("【倾听】投诉异常上升（{who}）");
    for l in lines.iter().take(10) {
        let window = if l.window_minutes % 60 == 0 { format!("{} 小时", l.window_minutes / 60) } else { format!("{} 分钟", l.window_minutes) };
        let what = match l.kind {
            "slow_rise" => "持续走高，",
            "food_safety_burst" => "食品安全集中投诉，",
            _ => "",
        };
        out.push_str(&format!("\n· {}：{what}近 {window} {} 单，预期约 {:.1} 单", l.category, l.observed, l.expected));
    }
    if lines.len() > 10 {
        out.push_str(&format!("\n…另有 {} 项", lines.len() - 10));
    }
    out
}
