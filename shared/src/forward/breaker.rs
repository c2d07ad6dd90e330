//! A circuit breaker per destination: after [`TRIP_AFTER`] failed attempts in a row (across
//! tickets), a destination is not tried for a cool-down ([`COOL_DOWN_MS`], or the longest backoff
//! if that is shorter); then one attempt is let through
//! (half-open), and a success closes it again. While it is open, tickets for that destination
//! wait in `queued` instead of each spending a 10 s timeout on a receiver that is down.
//!
//! ```
//! use qingting_shared::forward::breaker::{Breaker, COOL_DOWN_MS, TRIP_AFTER};
//! let mut b = Breaker::default();
//! for _ in 0..TRIP_AFTER {
//!     b = b.record(false, 1_000, COOL_DOWN_MS);
//! }
//! assert!(!b.allows(2_000));
//! assert!(b.allows(1_000 + COOL_DOWN_MS));
//! assert_eq!(b.record(true, 1_000 + COOL_DOWN_MS, COOL_DOWN_MS), Breaker::default());
//! ```

/// Failed attempts in a row that open the breaker.
pub const TRIP_AFTER: u32 = 5;
/// How long an open breaker keeps a destination from being tried (5 minutes).
pub const COOL_DOWN_MS: i64 = 5 * 60 * 1000;

/// One destination's recent health.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Breaker {
    /// Failed attempts since the last success.
    pub failures: u32,
    /// While open: until when (Unix ms) nothing is sent.
    pub open_until_ms: Option<i64>,
}

impl Breaker {
    /// Whether an attempt may be made at `now_ms`: closed, or open with its cool-down over.
    pub fn allows(&self, now_ms: i64) -> bool {
        self.open_until_ms.is_none_or(|until| now_ms >= until)
    }

    /// The breaker after an attempt at `now_ms` that succeeded (`ok`) or failed. A failure that
    /// reaches [`TRIP_AFTER`] in a row — or any failure of the half-open attempt — opens it for
    /// `cool_down_ms`.
    pub fn record(self, ok: bool, now_ms: i64, cool_down_ms: i64) -> Breaker {
        if ok {
            return Breaker::default();
        }
        let failures = self.failures.saturating_add(1);
        let open = failures >= TRIP_AFTER;
        Breaker { failures, open_until_ms: open.then_some(now_ms + cool_down_ms) }
    }

    /// How long until an attempt is allowed, in whole seconds (0 when it is).
    pub fn wait_secs(&self, now_ms: i64) -> u32 {
        self.open_until_ms.map_or(0, |until| u32::try_from(((until - now_ms).max(0) + 999) / 1000).unwrap_or(u32::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn opens_after_failures_in_a_row_and_a_success_closes_it() {
        let mut b = Breaker::default();
        for n in 1..TRIP_AFTER {
            b = b.record(false, 0, COOL_DOWN_MS);
            assert!(b.allows(0), "still closed after {n}");
        }
        b = b.record(false, 0, COOL_DOWN_MS);
        assert!(!b.allows(COOL_DOWN_MS - 1));
        assert_eq!(b.wait_secs(COOL_DOWN_MS - 1_500), 2);
        // Half-open: one attempt; failing it opens the breaker again from then.
        assert!(b.allows(COOL_DOWN_MS));
        let again = b.record(false, COOL_DOWN_MS, COOL_DOWN_MS);
        assert!(!again.allows(COOL_DOWN_MS + 1));
        assert!(again.allows(2 * COOL_DOWN_MS));
        assert_eq!(again.record(true, 2 * COOL_DOWN_MS, COOL_DOWN_MS), Breaker::default());
    }

    proptest! {
        #[test]
        fn a_success_always_closes_and_a_closed_breaker_always_allows(outcomes in prop::collection::vec(any::<bool>(), 0..40), now in 0i64..1_000_000) {
            let b = outcomes.iter().fold(Breaker::default(), |b, &ok| b.record(ok, now, COOL_DOWN_MS));
            if outcomes.last() == Some(&true) {
                prop_assert_eq!(b, Breaker::default());
            }
            let tail = outcomes.iter().rev().take_while(|ok| !**ok).count() as u32;
            prop_assert_eq!(b.failures, tail);
            prop_assert_eq!(b.allows(now), tail < TRIP_AFTER);
        }
    }
}
