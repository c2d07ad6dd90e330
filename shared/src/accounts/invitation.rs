//! Invitations: a one-time setup link for a new staff member, and the names people and teams are
//! given.
//!
//! The worker makes a random token, stores only its SHA-256 with an expiry ([`expires_at`]), and
//! hands the token out once as [`setup_url`]. `POST /v1/auth/setup` checks it here ([`check`]):
//! a used token stays used, an expired one stays expired. Times are Unix seconds.
//!
//! ```
//! use qingting_shared::accounts::invitation::{self, SetupTokenError};
//! let expires = invitation::expires_at(1_000);
//! assert_eq!(invitation::check(expires, None, 1_000 + 3600), Ok(()));
//! assert_eq!(invitation::check(expires, None, expires), Err(SetupTokenError::Expired));
//! assert_eq!(invitation::check(expires, Some(2_000), 3_000), Err(SetupTokenError::Used));
//! ```

/// How long a setup link works: three days, time for a weekend.
pub const TTL_SECS: i64 = 72 * 3600;

/// Where the console's setup page reads the token from (a fragment: never sent to any server in
/// `Referer` or logs).
pub const SETUP_PATH: &str = "/console/setup";

/// The expiry of a token made at `now`.
pub fn expires_at(now: i64) -> i64 {
    now + TTL_SECS
}

/// The link handed to the invited person.
pub fn setup_url(token: &str) -> String {
    format!("{SETUP_PATH}#token={token}")
}

/// Why a setup token no longer works.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SetupTokenError {
    #[error("this setup link was already used; sign in instead")]
    Used,
    #[error("this setup link has expired; ask an admin for a new invitation")]
    Expired,
}

/// Whether a stored token may set a password at `now`. A used token answers `Used` even after it
/// expires (the more useful thing to tell its holder).
pub fn check(expires_at: i64, used_at: Option<i64>, now: i64) -> Result<(), SetupTokenError> {
    if used_at.is_some() {
        Err(SetupTokenError::Used)
    } else if now >= expires_at {
        Err(SetupTokenError::Expired)
    } else {
        Ok(())
    }
}

/// Longest display name, team name and merchant name, in characters.
pub const MAX_DISPLAY_NAME_CHARS: usize = 60;
pub const MAX_TEAM_NAME_CHARS: usize = 60;
pub const MAX_MERCHANT_NAME_CHARS: usize = 100;

/// The name as stored: trimmed, 1..=`max` characters, no control characters.
///
/// ```
/// use qingting_shared::accounts::invitation::name;
/// assert_eq!(name("  客服部 ", 60), Some("客服部"));
/// assert_eq!(name("   ", 60), None);
/// ```
pub fn name(raw: &str, max: usize) -> Option<&str> {
    let n = raw.trim();
    (!n.is_empty() && n.chars().count() <= max && !n.chars().any(char::is_control)).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_work_once_until_they_expire() {
        let made = 1_700_000_000;
        let end = expires_at(made);
        assert_eq!(end - made, 72 * 3600);
        assert_eq!(check(end, None, made), Ok(()));
        assert_eq!(check(end, None, end - 1), Ok(()));
        assert_eq!(check(end, None, end), Err(SetupTokenError::Expired));
        assert_eq!(check(end, Some(made + 5), made + 6), Err(SetupTokenError::Used));
        assert_eq!(check(end, Some(made + 5), end + 10), Err(SetupTokenError::Used), "used wins over expired");
    }

    #[test]
    fn setup_links_carry_the_token_in_the_fragment() {
        assert_eq!(setup_url("abc_-1"), "/console/setup#token=abc_-1");
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(name("王小明", MAX_DISPLAY_NAME_CHARS), Some("王小明"));
        assert_eq!(name(&"名".repeat(60), MAX_DISPLAY_NAME_CHARS).map(|n| n.chars().count()), Some(60), "characters, not bytes");
        assert_eq!(name(&"名".repeat(61), MAX_DISPLAY_NAME_CHARS), None);
        assert_eq!(name("", MAX_TEAM_NAME_CHARS), None);
        assert_eq!(name("a\u{7}b", MAX_TEAM_NAME_CHARS), None);
        assert!(name(&"x".repeat(100), MAX_MERCHANT_NAME_CHARS).is_some());
    }
}
