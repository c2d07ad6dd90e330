//! Reading a receiver's answer ([`judge`]) and the backoff between attempts ([`retry_delay`]).

use crate::forward::destination::DestinationKind;

/// How one delivery attempt ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The receiver took it.
    Delivered,
    /// Try again later (with the reason for the delivery log).
    Retry(String),
}

/// Reads a receiver's answer into a status and a fixed reason: never the receiver's text. The generic webhook must answer 2xx. The bots answer HTTP 200 even
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
        // The code only: the receiver's own words never reach the delivery log (it is shown
        // back through the API, and a receiver is not to be trusted with what staff read).
        Some(c) => Outcome::Retry(format!("the bot refused the message ({field} {c})")),
        None => Outcome::Retry(format!("the bot's answer has no {field}")),
    }
}

/// Seconds to wait before attempt `attempt + 1` after `attempt` failed attempts (1-based):
/// `base × 2^(attempt-1)`, capped at `max`.
pub fn retry_delay(attempt: u32, base: u32, max: u32) -> u32 {
    let factor = 1u32.checked_shl(attempt.saturating_sub(1)).unwrap_or(u32::MAX);
    base.saturating_mul(factor).min(max)
}

/// How long a forwarding keeps trying before its dead letter: the sum of the delays before each of
/// `retries` retries ([`retry_delay`]), in seconds.
///
/// ```
/// use qingting_shared::forward::retry_horizon;
/// // The defaults in worker/wrangler.toml: 16 retries, 30 s doubling up to 3 h: over a day.
/// assert!(retry_horizon(16, 30, 10_800) >= 86_400);
/// // Before issue 12: 8 retries up to 1 h, about two hours.
/// assert_eq!(retry_horizon(8, 30, 3_600), 7_410);
/// ```
pub fn retry_horizon(retries: u32, base: u32, max: u32) -> u64 {
    (1..=retries).map(|attempt| u64::from(retry_delay(attempt, base, max))).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_judged_per_format() {
        assert_eq!(judge(DestinationKind::Webhook, 204, ""), Outcome::Delivered);
        assert!(matches!(judge(DestinationKind::Webhook, 500, ""), Outcome::Retry(r) if r == "HTTP 500"));
        assert!(matches!(judge(DestinationKind::Webhook, 302, ""), Outcome::Retry(r) if r.contains("redirects")));
        assert_eq!(judge(DestinationKind::Feishu, 200, r#"{"code":0,"msg":"success"}"#), Outcome::Delivered);
        assert_eq!(judge(DestinationKind::Feishu, 200, r#"{"StatusCode":0}"#), Outcome::Delivered);
        assert!(matches!(judge(DestinationKind::Feishu, 200, r#"{"code":19021,"msg":"sign match fail"}"#), Outcome::Retry(r) if r.contains("19021")));
        // The receiver's words are not copied (a hostile endpoint could write anything there).
        let hostile = r#"{"code":1,"msg":"<img src=x onerror=alert(1)> call 13812345678"}"#;
        assert!(matches!(judge(DestinationKind::Feishu, 200, hostile), Outcome::Retry(r) if r == "the bot refused the message (code 1)"));
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
}
