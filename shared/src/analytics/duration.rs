//! Durations as a histogram: the bucket a duration falls in, and quantiles read back from bucket
//! counts, so p50/p90 come from a few hundred counted rows instead of every ticket.
//!
//! Buckets are log-linear (like HdrHistogram with two significant bits): every power of two is
//! cut in four, so a quantile read from a bucket's middle is within ±12.5 % of the true value.
//!
//! ```
//! use qingting_shared::analytics::duration::{bucket, quantile};
//! let mut hist = std::collections::BTreeMap::new();
//! for s in [60_i64, 120, 300, 600, 3600] {
//!     *hist.entry(bucket(s)).or_insert(0) += 1;
//! }
//! let p50 = quantile(&hist, 0.5).unwrap();
//! assert!((270.0..=340.0).contains(&p50), "{p50}");
//! ```

use std::collections::BTreeMap;

/// Sub-buckets per power of two.
const SUB: i64 = 4;

/// The bucket of `seconds` (negative durations count as 0). Buckets 0–3 hold 0–3 s exactly.
pub fn bucket(seconds: i64) -> u16 {
    let s = seconds.max(0);
    if s < SUB {
        return s as u16;
    }
    // s in [2^e, 2^(e+1)), e ≥ 2: four sub-buckets of width 2^(e-2).
    let e = 63 - i64::from(s.leading_zeros() as u16);
    let sub = (s >> (e - 2)) - SUB; // 0..4
    ((e - 1) * SUB + sub) as u16
}

/// The half-open range of seconds `[lo, hi)` bucket `b` holds.
pub fn bounds(b: u16) -> (i64, i64) {
    let b = i64::from(b);
    if b < SUB {
        return (b, b + 1);
    }
    let e = b / SUB + 1;
    let sub = b % SUB;
    let width = 1_i64 << (e - 2);
    let lo = (SUB + sub) * width;
    (lo, lo + width)
}

/// The `q`-quantile (0 < q ≤ 1) of the durations counted in `hist` (bucket → count), read at the
/// middle of the bucket it falls in, in seconds; `None` when nothing is counted.
pub fn quantile(hist: &BTreeMap<u16, u64>, q: f64) -> Option<f64> {
    let total: u64 = hist.values().sum();
    if total == 0 {
        return None;
    }
    // The rank of the quantile among the sorted durations (nearest-rank).
    let rank = ((q.clamp(0.0, 1.0) * total as f64).ceil() as u64).max(1);
    let mut seen = 0;
    for (&b, &n) in hist {
        seen += n;
        if seen >= rank {
            let (lo, hi) = bounds(b);
            return Some(if hi - lo == 1 { lo as f64 } else { (lo + hi) as f64 / 2.0 });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn small_values_are_exact() {
        for s in 0..4 {
            assert_eq!(bounds(bucket(s)), (s, s + 1));
        }
        assert_eq!(bucket(-5), 0);
    }

    #[test]
    fn buckets_tile_the_line() {
        let mut next = 0;
        for b in 0..200u16 {
            let (lo, hi) = bounds(b);
            assert_eq!(lo, next, "bucket {b} starts where the last ended");
            assert!(hi > lo);
            next = hi;
        }
    }

    #[test]
    fn quantiles_of_known_data() {
        let mut hist = BTreeMap::new();
        for s in 1..=100_i64 {
            *hist.entry(bucket(s * 60)).or_insert(0u64) += 1;
        }
        let p50 = quantile(&hist, 0.5).unwrap();
        let p90 = quantile(&hist, 0.9).unwrap();
        assert!((p50 - 3000.0).abs() / 3000.0 <= 0.125, "{p50}");
        assert!((p90 - 5400.0).abs() / 5400.0 <= 0.125, "{p90}");
        assert_eq!(quantile(&BTreeMap::new(), 0.5), None);
    }

    proptest! {
        #[test]
        fn a_value_lies_in_its_bucket(s in 0_i64..10_000_000_000) {
            let (lo, hi) = bounds(bucket(s));
            prop_assert!(lo <= s && s < hi);
            // Within ±12.5 % of the bucket's middle.
            let mid = (lo + hi) as f64 / 2.0;
            prop_assert!(s < 4 || (s as f64 - mid).abs() <= 0.125 * s as f64 + 1.0);
        }

        #[test]
        fn bucket_is_monotonic(a in 0_i64..1_000_000_000, d in 0_i64..1_000_000) {
            prop_assert!(bucket(a) <= bucket(a + d));
        }
    }
}
