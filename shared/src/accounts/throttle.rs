//! Failed sign-ins, counted per account and per client in fixed windows. A key over its limit is
//! refused until its window ends, with the same answer whether the account exists or not.

/// Limits for one kind of key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures allowed in one window.
    pub max_failures: u32,
    pub window_secs: i64,
}

/// Per account (e-mail): a password guesser gets 5 tries per 15 minutes.
pub const PER_ACCOUNT: ThrottlePolicy = ThrottlePolicy { max_failures: 5, window_secs: 15 * 60 };
/// Per client (address): one address trying many accounts, 20 per 15 minutes.
pub const PER_CLIENT: ThrottlePolicy = ThrottlePolicy { max_failures: 20, window_secs: 15 * 60 };

/// A key's stored failures.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Failures {
    pub count: u32,
    pub window_start: i64,
}

impl ThrottlePolicy {
    /// `Err(retry_after_secs)` while the key has used up its window.
    pub fn check(&self, f: Failures, now: i64) -> Result<(), i64> {
        let ends = f.window_start + self.window_secs;
        if f.count >= self.max_failures && now < ends { Err(ends - now) } else { Ok(()) }
    }

    /// The failures after one more at `now` (a new window when the old one is over).
    pub fn after_failure(&self, f: Failures, now: i64) -> Failures {
        if now >= f.window_start + self.window_secs || f.count == 0 {
            Failures { count: 1, window_start: now }
        } else {
            Failures { count: f.count + 1, window_start: f.window_start }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_refused_after_its_failures_until_the_window_ends() {
        let p = ThrottlePolicy { max_failures: 3, window_secs: 60 };
        let mut f = Failures::default();
        for t in [0, 1, 2] {
            assert_eq!(p.check(f, t), Ok(()));
            f = p.after_failure(f, t);
        }
        assert_eq!(f, Failures { count: 3, window_start: 0 });
        assert_eq!(p.check(f, 10), Err(50));
        assert_eq!(p.check(f, 60), Ok(()), "a new window");
        assert_eq!(p.after_failure(f, 61), Failures { count: 1, window_start: 61 });
    }

    #[test]
    #[allow(clippy::assertions_on_constants)]
    fn the_account_limit_is_stricter_than_the_client_limit() {
        assert!(PER_ACCOUNT.max_failures < PER_CLIENT.max_failures);
    }
}
