//! Destinations: where a site's tickets are forwarded, their validation (configuration is hostile
//! input) and their redaction for showing the configuration back.

use serde::{Deserialize, Serialize};

use crate::api::ErrorCode;
use crate::forward::MAX_DESTINATIONS;
use crate::str_enum::str_enum;

str_enum! {
    /// Which message format a destination speaks.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum DestinationKind {
        /// Qingting's own JSON, signed with HMAC-SHA256 (see [`crate::forward::sign`]).
        Webhook = "webhook",
        /// Feishu / Lark custom bot (`open.feishu.cn/open-apis/bot/v2/hook/…`), optional signing.
        Feishu = "feishu",
        /// DingTalk custom robot (`oapi.dingtalk.com/robot/send?access_token=…`), optional signing.
        Dingtalk = "dingtalk",
        /// WeCom group robot (`qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…`).
        Wecom = "wecom",
    }
}

/// What [`Destination::redacted`] shows instead of a secret or a URL's token, and what an edit
/// sends to keep the stored value ([`Destination::keep_stored`]).
pub const REDACTED: &str = "********";

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
    #[error("destination {0}: this host is not allowed (IP addresses, internal or single-label names and ports other than 443 are refused; a bot must use its service's own host)")]
    ForbiddenHost(String),
    #[error("destination {0}: a webhook needs a secret of at least 16 characters")]
    SecretRequired(String),
    #[error("destination {0}: the secret must be 16–256 printable ASCII characters")]
    InvalidSecret(String),
    #[error("destination id {0} is used twice")]
    DuplicateId(String),
    #[error("at most {MAX_DESTINATIONS} destinations per site")]
    TooMany,
    #[error("destination {0}: \"********\" keeps a stored value, but this site has no such destination of that kind")]
    NothingToKeep(String),
}

impl DestinationError {
    /// Stable machine-readable code for API errors.
    pub fn code(&self) -> ErrorCode {
        ErrorCode::InvalidDestination
    }
}

/// The hosts each bot kind may post to (outside development).
pub fn bot_hosts(kind: DestinationKind) -> &'static [&'static str] {
    match kind {
        DestinationKind::Webhook => &[],
        DestinationKind::Feishu => &["open.feishu.cn", "open.larksuite.com"],
        DestinationKind::Dingtalk => &["oapi.dingtalk.com"],
        DestinationKind::Wecom => &["qyapi.weixin.qq.com"],
    }
}

/// Name suffixes that only resolve inside a network (or to a cloud's metadata service).
const INTERNAL_SUFFIXES: &[&str] =
    &[".internal", ".local", ".localhost", ".localdomain", ".lan", ".home", ".corp", ".intranet", ".private", ".arpa", ".test", ".invalid", ".example"];

/// Whether `host` (lower-case, no port) is one a production destination may name: a
/// multi-label DNS name outside the internal suffixes, not an IP literal in any of the forms
/// URL parsers accept (dotted, decimal `2130706433`, hex `0x7f000001`, octal `0177.0.0.1`,
/// bracketed IPv6). Name resolution happens at Cloudflare, which does not connect to private
/// addresses; this refuses what the name alone shows.
pub fn public_host(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    if host.is_empty() || host.starts_with('[') || host.contains(':') {
        return false;
    }
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < 2 || labels.iter().any(|l| l.is_empty() || l.len() > 63) {
        return false;
    }
    if !host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.') {
        return false;
    }
    // An IPv4 literal in any notation ends in a numeric (or 0x…) label; no real TLD does.
    let last = labels[labels.len() - 1];
    if last.bytes().all(|b| b.is_ascii_digit()) || last.starts_with("0x") {
        return false;
    }
    let dotted = format!(".{host}");
    !INTERNAL_SUFFIXES.iter().any(|s| dotted.ends_with(s))
}

impl Destination {
    /// Checks one destination. `allow_http` is development mode (local receivers and tests): it
    /// admits `http://` URLs, any host and any port. Outside it the URL must be `https://` on
    /// port 443 to a [`public_host`], and a bot's host must be its service's own ([`bot_hosts`]).
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
        if !allow_http {
            let authority = rest.unwrap_or_default().split(['/', '?', '#']).next().unwrap_or_default().to_ascii_lowercase();
            let (host, port) = match authority.rsplit_once(':') {
                Some((h, p)) if !h.contains(']') || h.ends_with(']') => (h.to_string(), Some(p.to_string())),
                _ => (authority.clone(), None),
            };
            let port_ok = port.is_none_or(|p| p == "443");
            let host = host.strip_suffix('.').unwrap_or(&host).to_string();
            let allowed = bot_hosts(self.kind);
            let host_ok = public_host(&host) && (allowed.is_empty() || allowed.contains(&host.as_str()));
            if !port_ok || !host_ok {
                return Err(DestinationError::ForbiddenHost(self.id.clone()));
            }
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

    /// An edited list as it will be stored: where a destination says [`REDACTED`] (the way
    /// [`Destination::redacted`] shows the URL or the secret), the value stored for the same id and
    /// kind is kept, so an admin can change one destination without typing every secret again.
    ///
    /// ```
    /// use qingting_shared::forward::{Destination, DestinationKind, REDACTED};
    /// let stored = vec![Destination { id: "ops".into(), kind: DestinationKind::Webhook, url: "https://hooks.example.cn/x?key=1".into(), secret: Some("s".repeat(16)) }];
    /// let shown = stored[0].redacted();
    /// assert_eq!(shown.secret.as_deref(), Some(REDACTED));
    /// assert_eq!(Destination::keep_stored(vec![shown], &stored).unwrap(), stored);
    /// ```
    pub fn keep_stored(edited: Vec<Destination>, stored: &[Destination]) -> Result<Vec<Destination>, DestinationError> {
        edited
            .into_iter()
            .map(|mut d| {
                let url_kept = d.url.contains(REDACTED);
                let secret_kept = d.secret.as_deref() == Some(REDACTED);
                if !url_kept && !secret_kept {
                    return Ok(d);
                }
                let old = stored.iter().find(|o| o.id == d.id && o.kind == d.kind).ok_or_else(|| DestinationError::NothingToKeep(d.id.clone()))?;
                if url_kept {
                    // Only the unchanged redacted form keeps the URL: a half-edited one is refused.
                    if d.url != old.redacted().url {
                        return Err(DestinationError::InvalidUrl(d.id.clone()));
                    }
                    d.url = old.url.clone();
                }
                if secret_kept {
                    d.secret = old.secret.clone();
                }
                Ok(d)
            })
            .collect()
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
    /// secret, every query value (DingTalk's `access_token`, WeCom's `key`), a webhook's whole
    /// path (it may carry a token) and, for the bots, the last path segment (Feishu's hook id,
    /// with or without a trailing `/`).
    pub fn redacted(&self) -> Destination {
        let (base, query) = self.url.split_once('?').map_or((self.url.as_str(), None), |(b, q)| (b, Some(q)));
        let base = base.split('#').next().unwrap_or(base);
        let path_at = base.find("//").map(|i| i + 2).and_then(|h| base[h..].find('/').map(|p| h + p));
        let mut url = match path_at {
            None => base.to_string(),
            Some(p) => {
                let (origin, path) = base.split_at(p);
                let path = path.trim_end_matches('/');
                match self.kind {
                    _ if path.is_empty() => base.to_string(),
                    DestinationKind::Webhook => format!("{origin}/{REDACTED}"),
                    _ => match path.rsplit_once('/') {
                        Some((head, _)) => format!("{origin}{head}/{REDACTED}"),
                        None => format!("{origin}/{REDACTED}"),
                    },
                }
            }
        };
        if let Some(q) = query {
            let masked: Vec<String> = q.split('&').map(|kv| kv.split_once('=').map_or(kv.to_string(), |(k, _)| format!("{k}={REDACTED}"))).collect();
            url = format!("{url}?{}", masked.join("&"));
        }
        Destination { id: self.id.clone(), kind: self.kind, url, secret: self.secret.as_ref().map(|_| REDACTED.to_string()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forward::fixture::dest;

    #[test]
    fn destinations_are_validated() {
        let ok = dest(DestinationKind::Webhook, Some("0123456789abcdef"));
        assert_eq!(ok.validate(false), Ok(()));
        assert_eq!(dest(DestinationKind::Webhook, None).validate(false), Err(DestinationError::SecretRequired("ops".into())));
        assert_eq!(dest(DestinationKind::Wecom, None).validate(true), Ok(()));
        assert_eq!(dest(DestinationKind::Wecom, None).validate(false), Err(DestinationError::ForbiddenHost("ops".into())), "not WeCom's host");
        let http = Destination { url: "http://127.0.0.1:9/x".into(), ..ok.clone() };
        assert_eq!(http.validate(false), Err(DestinationError::InvalidUrl("ops".into())));
        assert_eq!(http.validate(true), Ok(()));
        for bad in ["https://", "https://a b", "ftp://x", "https://user@evil/"] {
            assert!(Destination { url: bad.into(), ..ok.clone() }.validate(true).is_err(), "{bad}");
        }
        assert_eq!(Destination { id: "Ops!".into(), ..ok.clone() }.validate(false), Err(DestinationError::InvalidId));
        assert_eq!(Destination::validate_all(&[ok.clone(), ok.clone()], false), Err(DestinationError::DuplicateId("ops".into())));
        assert_eq!(ok.redacted().secret.as_deref(), Some("********"));
        assert_eq!(ok.redacted().url, "https://hooks.example.cn/********?key=********");
        let tokened = Destination { url: "https://hooks.example.cn/hooks/T0123/s3cr3t-path".into(), ..ok.clone() };
        assert_eq!(tokened.redacted().url, "https://hooks.example.cn/********", "a webhook's path may be its secret");
        let feishu = Destination { kind: DestinationKind::Feishu, url: "https://open.feishu.cn/open-apis/bot/v2/hook/abc-123".into(), ..ok.clone() };
        assert_eq!(feishu.redacted().url, "https://open.feishu.cn/open-apis/bot/v2/hook/********");
        let slash = Destination { url: "https://open.feishu.cn/open-apis/bot/v2/hook/abc-123/".into(), ..feishu.clone() };
        assert_eq!(slash.redacted().url, "https://open.feishu.cn/open-apis/bot/v2/hook/********", "a trailing / hides nothing");
        let ding = Destination { kind: DestinationKind::Dingtalk, url: "https://oapi.dingtalk.com/robot/send?access_token=tok".into(), ..ok.clone() };
        assert_eq!(ding.redacted().url, "https://oapi.dingtalk.com/robot/********?access_token=********");
    }

    #[test]
    fn production_destinations_refuse_internal_hosts_and_foreign_bot_hosts() {
        let ok = dest(DestinationKind::Webhook, Some("0123456789abcdef"));
        let at = |url: &str, kind: DestinationKind| Destination { url: url.into(), kind, ..ok.clone() };
        for bad in [
            "https://127.0.0.1/x",
            "https://[::1]/x",
            "https://0.0.0.0/x",
            "https://169.254.169.254/latest/meta-data",
            "https://100.100.100.200/x",
            "https://metadata.google.internal/computeMetadata/v1/",
            "https://2130706433/x",
            "https://0x7f000001/x",
            "https://0177.0.0.1/x",
            "https://0x7f.1/x",
            "https://localhost/x",
            "https://intranet/x",
            "https://printer.local/x",
            "https://hooks.example.cn:8443/x",
            "https://hooks.example.cn:80/x",
            "https://kube.svc.cluster.local./x",
        ] {
            assert_eq!(at(bad, DestinationKind::Webhook).validate(false), Err(DestinationError::ForbiddenHost("ops".into())), "{bad}");
            // Development (local receivers) admits them.
            assert_eq!(at(bad, DestinationKind::Webhook).validate(true).map_err(|_| bad), Ok(()), "{bad} in development");
        }
        assert_eq!(at("https://hooks.example:443/x", DestinationKind::Webhook).validate(false), Err(DestinationError::ForbiddenHost("ops".into())), ".example is reserved");
        assert_eq!(at("https://hooks.merchant.cn:443/x", DestinationKind::Webhook).validate(false), Ok(()));
        assert_eq!(at("https://HOOKS.merchant.cn/x", DestinationKind::Webhook).validate(false), Ok(()));
        // Bots only to their own service.
        assert_eq!(at("https://open.feishu.cn/open-apis/bot/v2/hook/abc", DestinationKind::Feishu).validate(false), Ok(()));
        assert_eq!(at("https://oapi.dingtalk.com/robot/send?access_token=t", DestinationKind::Dingtalk).validate(false), Ok(()));
        assert_eq!(at("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", DestinationKind::Wecom).validate(false), Ok(()));
        for (url, kind) in [
            ("https://evil.cn/open-apis/bot/v2/hook/abc", DestinationKind::Feishu),
            ("https://oapi.dingtalk.com/robot/send?access_token=t", DestinationKind::Wecom),
            ("https://open.feishu.cn.evil.cn/hook/abc", DestinationKind::Feishu),
        ] {
            assert_eq!(at(url, kind).validate(false), Err(DestinationError::ForbiddenHost("ops".into())), "{url}");
        }
    }

    #[test]
    fn edits_keep_stored_secrets_only_where_redacted() {
        let feishu = Destination {
            id: "bot".into(),
            kind: DestinationKind::Feishu,
            url: "https://open.feishu.cn/open-apis/bot/v2/hook/abc-123".into(),
            secret: Some("feishu-secret-0123456789".into()),
        };
        let stored = vec![feishu.clone()];
        // Unchanged: everything kept.
        assert_eq!(Destination::keep_stored(vec![feishu.redacted()], &stored).unwrap(), stored);
        // A new secret with the URL kept.
        let new_secret = Destination { secret: Some("another-secret-0123456".into()), ..feishu.redacted() };
        let kept = Destination::keep_stored(vec![new_secret], &stored).unwrap();
        assert_eq!((kept[0].url.as_str(), kept[0].secret.as_deref()), (feishu.url.as_str(), Some("another-secret-0123456")));
        // A new URL with the secret kept.
        let new_url = Destination { url: "https://open.feishu.cn/open-apis/bot/v2/hook/new".into(), ..feishu.redacted() };
        assert_eq!(Destination::keep_stored(vec![new_url], &stored).unwrap()[0].secret, feishu.secret);
        // A half-edited redacted URL is refused, not stored with the stars.
        let half = Destination { url: "https://open.feishu.cn/open-apis/bot/v3/hook/********".into(), ..feishu.redacted() };
        assert_eq!(Destination::keep_stored(vec![half], &stored), Err(DestinationError::InvalidUrl("bot".into())));
        // Nothing stored under that id, or of another kind: nothing to keep.
        let other = Destination { id: "new".into(), ..feishu.redacted() };
        assert_eq!(Destination::keep_stored(vec![other], &stored), Err(DestinationError::NothingToKeep("new".into())));
        let kind = Destination { kind: DestinationKind::Dingtalk, ..feishu.redacted() };
        assert!(Destination::keep_stored(vec![kind], &stored).is_err());
    }
}
