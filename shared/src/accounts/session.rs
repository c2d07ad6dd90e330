//! Sessions: how long a sign-in lasts. The worker keeps only a hash of the session token; this
//! module decides expiry from times it is given (Unix seconds).

/// A session's lifetimes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionPolicy {
    /// Ends after this long without a request.
    pub idle_secs: i64,
    /// Ends this long after sign-in, however active.
    pub absolute_secs: i64,
    /// `last_seen` is written at most this often (a write per request would cost a D1 write each).
    pub touch_every_secs: i64,
}

impl Default for SessionPolicy {
    /// A working day idle, a week absolute: staff on a shift stay signed in; a lost phone's
    /// session ends overnight.
    fn default() -> Self {
        SessionPolicy { idle_secs: 12 * 3600, absolute_secs: 7 * 24 * 3600, touch_every_secs: 300 }
    }
}

/// A stored session's times.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionTimes {
    pub created_at: i64,
    pub last_seen_at: i64,
}

/// What a request does with a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionCheck {
    /// Valid; nothing to write.
    Valid,
    /// Valid; record `now` as last seen.
    ValidTouch,
    /// Over its idle or absolute limit: delete it and answer 401.
    Expired,
}

impl SessionPolicy {
    pub fn check(&self, s: SessionTimes, now: i64) -> SessionCheck {
        if now - s.last_seen_at >= self.idle_secs || now - s.created_at >= self.absolute_secs {
            SessionCheck::Expired
        } else if now - s.last_seen_at >= self.touch_every_secs {
            SessionCheck::ValidTouch
        } else {
            SessionCheck::Valid
        }
    }

    /// The cookie's `Max-Age` for a session created now: its absolute lifetime.
    pub fn cookie_max_age(&self) -> i64 {
        self.absolute_secs
    }
}

/// The session cookie's name: `__Host-` makes browsers require `Secure`, `Path=/` and no `Domain`.
pub const COOKIE_NAME: &str = "__Host-qt_session";

/// The `Set-Cookie` value that sets the session token.
pub fn set_cookie(token: &str, max_age: i64) -> String {
    format!("{COOKIE_NAME}={token}; Max-Age={max_age}; Path=/; Secure; HttpOnly; SameSite=Lax")
}

/// The `Set-Cookie` value that removes it.
pub fn clear_cookie() -> String {
    format!("{COOKIE_NAME}=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax")
}

/// The session token in a `Cookie` header, if any.
pub fn token_from_cookie_header(header: &str) -> Option<&str> {
    header.split(';').filter_map(|kv| kv.trim().split_once('=')).find(|(k, _)| *k == COOKIE_NAME).map(|(_, v)| v).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_end_when_idle_or_old() {
        let p = SessionPolicy { idle_secs: 100, absolute_secs: 1000, touch_every_secs: 10 };
        let s = SessionTimes { created_at: 0, last_seen_at: 0 };
        assert_eq!(p.check(s, 5), SessionCheck::Valid);
        assert_eq!(p.check(s, 10), SessionCheck::ValidTouch);
        assert_eq!(p.check(s, 99), SessionCheck::ValidTouch);
        assert_eq!(p.check(s, 100), SessionCheck::Expired, "idle limit");
        let busy = SessionTimes { created_at: 0, last_seen_at: 995 };
        assert_eq!(p.check(busy, 999), SessionCheck::Valid);
        assert_eq!(p.check(busy, 1000), SessionCheck::Expired, "absolute limit, however active");
    }

    #[test]
    fn cookies_carry_the_host_prefix_flags() {
        let c = set_cookie("tok", 60);
        for flag in ["__Host-qt_session=tok", "Path=/", "Secure", "HttpOnly", "SameSite=Lax", "Max-Age=60"] {
            assert!(c.contains(flag), "{flag} in {c}");
        }
        assert!(!c.contains("Domain"));
        assert!(clear_cookie().contains("Max-Age=0"));
        assert_eq!(token_from_cookie_header("a=b; __Host-qt_session=xyz; c=d"), Some("xyz"));
        assert_eq!(token_from_cookie_header("qt_session=xyz"), None);
        assert_eq!(token_from_cookie_header("__Host-qt_session="), None);
    }
}
