//! The spike detector: hourly complaint counts per (merchant, category) and per (platform,
//! category) → the alerts the cron raises. Pure: no I/O, no clock (the hour is an argument), the
//! caller keeps the [`SpikeState`] between runs.
//!
//! Keys ([`SeriesKey`]) are `platform/<category>`, `merchant:<id>/<category>` or, from the CLI,
//! any other string ([`Scope::Other`]: the spike test only). One run at hour `h` ([`detect`]), for
//! every key with a count in the hours it reads ([`SpikeConfig::read_ranges`]):
//!
//! 1. **Expected count** λ ([`expectation`]): the median over the last `weeks` weeks of the same
//!    hour of the week (`h − 168`, `h − 336`, …; a fixed-offset zone such as UTC+8 has the same
//!    hours of the week as UTC), each smoothed with its neighbouring hours at weight
//!    `seasonal_smoothing`, × a recent level factor (observed ÷ the weeks' median over the last
//!    `level_hours` hours, both plus `level_prior` pseudo-complaints, clamped to
//!    `[level_min, level_max]`), and never below `min_expected`.
//! 2. **Spike**: the exact Poisson tail p = P(X ≥ x | λ) ([`poisson_upper_tail`]) and all three of
//!    `p < alpha / m` (the run's budget split Bonferroni over the `m` keys tested in the run),
//!    `x ≥ min_count` and `x ≥ min_ratio · λ`. Then a cooldown of `cooldown_hours` per key, broken
//!    only when the count reaches `min_ratio` × the last alert's count (and never twice in an hour).
//! 3. **Slow rise** (platform keys only: category level): a one-sided Poisson CUSUM in nats,
//!    `S = max(0, S + x·ln θ − (θ − 1)·λ0)` with λ0 the weeks' median of the same hour, unsmoothed
//!    (no level factor, which would absorb the rise; at least `min_expected`) and θ =
//!    `cusum_ratio`; it alerts when `S ≥ cusum_threshold`, then stays *firing* (no new alert, `S`
//!    capped at twice the threshold) until `S` is back at 0. A spike of the same key in the same
//!    run absorbs the CUSUM's alert (firing, no second alert).
//! 4. **Silencing**: a merchant's spike for category `c` is marked `silenced` while `platform/c`
//!    has a spike in this run or within its cooldown (the platform-wide cause explains it); the
//!    silenced alert still starts the merchant's cooldown. [`group`] leaves silenced alerts out.
//! 5. **Food safety** ([`food_safety_check`], called by the worker with its own 15-minute count):
//!    `food_safety_min` complaints of `food_safety_category` for one merchant within 15 minutes,
//!    whatever the history.
//!
//! The count of the current hour may be partial (the cron runs every few minutes): λ depends only
//! on earlier hours and counts only grow, so a key that alerts on a partial hour would alert on the
//! full hour too — running every few minutes spends no more of the α budget than running once an
//! hour, and alerts as soon as the threshold is crossed. The CUSUM folds in only hours before `h`
//! (complete ones) and looks at hour `h` tentatively.
//!
//! For the worker: every few minutes, load the counts of [`SpikeConfig::read_ranges`] for every
//! key (one `BTreeMap` per key, missing hours are 0) and the [`SpikeState`] JSON saved by the last
//! run (`{}` the first time), call [`detect`] with the current hour, save the state, send one
//! message per [`group`]; separately, [`food_safety_check`] with the last 15 minutes' count of
//! each merchant's food-safety complaints, on the same state. Keep the [`SpikeConfig`] fixed
//! between runs (or reset the state when it changes).
//!
//! Hours are `i64` UTC hour numbers (Unix seconds / 3600, as in `hourly_counts.hour`);
//! [`parse_hour`] and [`format_hour`] convert from and to RFC 3339. [`replay`] runs [`detect`] hour
//! by hour over a whole history: `qingting spikes` and `cargo xtask bench-spikes` use it.
//!
//! ```
//! use qingting_shared::analytics::spike::{AlertKind, Counts, SeriesKey, SpikeConfig, SpikeState, detect, parse_hour};
//!
//! let key: SeriesKey = "merchant:m-1/food_quality".parse().unwrap();
//! let now = parse_hour("2026-11-30T12:00:00+08:00").unwrap();
//! // Four weeks of about one complaint an hour, then 9 in this hour.
//! let mut counts = Counts::new();
//! let series = counts.entry(key.clone()).or_default();
//! for h in now - 4 * 168..now {
//!     series.insert(h, 1);
//! }
//! series.insert(now, 9);
//! let cfg = SpikeConfig::default();
//! let mut state = SpikeState::default();
//! let alerts = detect(&counts, now, &cfg, &mut state);
//! assert_eq!(alerts.len(), 1);
//! assert_eq!((alerts[0].kind, alerts[0].observed), (AlertKind::Spike, 9));
//! assert!(alerts[0].p < 1e-4 && (alerts[0].expected - 1.0).abs() < 1e-9);
//! // The next run (the state saved in between) is in the cooldown.
//! counts.get_mut(&key).unwrap().insert(now + 1, 9);
//! assert!(detect(&counts, now + 1, &cfg, &mut state).is_empty());
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::str_enum::str_enum;

/// Hours in a week: the seasonal lag.
pub const HOURS_PER_WEEK: i64 = 168;

// ---------------------------------------------------------------------------------------------
// The Poisson tail
// ---------------------------------------------------------------------------------------------

/// P(X = k) for X ~ Poisson(λ), to full relative precision for large `k` and λ (Loader's
/// saddle-point form, as R's `dpois`: `exp(−stirlerr(k) − bd0(k, λ)) / √(2πk)`). λ ≤ 0 is a point
/// mass at 0; a NaN λ gives NaN.
pub fn poisson_pmf(k: u64, lambda: f64) -> f64 {
    if lambda.is_nan() {
        return f64::NAN;
    }
    if lambda <= 0.0 {
        return if k == 0 { 1.0 } else { 0.0 };
    }
    if lambda.is_infinite() {
        return 0.0;
    }
    if k == 0 {
        return (-lambda).exp();
    }
    let x = k as f64;
    (-stirlerr(k) - bd0(x, lambda)).exp() / (2.0 * std::f64::consts::PI * x).sqrt()
}

/// The exact upper tail P(X ≥ k) for X ~ Poisson(λ): 1 for `k = 0`; for λ ≤ 0, 0 when `k ≥ 1`; NaN
/// for a NaN λ (which never passes `p < α`). Summed from the saddle-point probability of the
/// nearer end, so it keeps its relative precision far out in the tail (values below ~1e-308 are 0)
/// and takes O(√k) steps: about 9·√k near the mean (≈ 900 for λ = 10⁴), fewer in the tails.
///
/// ```
/// use qingting_shared::analytics::spike::poisson_upper_tail;
/// // scipy.stats.poisson.sf(4, 0.5): at least 5 complaints where half of one is expected.
/// assert!((poisson_upper_tail(5, 0.5) / 1.7211562995584078e-4 - 1.0).abs() < 1e-12);
/// assert_eq!(poisson_upper_tail(0, 3.0), 1.0);
/// ```
pub fn poisson_upper_tail(k: u64, lambda: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if lambda.is_nan() {
        return f64::NAN;
    }
    if lambda <= 0.0 {
        return 0.0;
    }
    if lambda.is_infinite() {
        return 1.0;
    }
    let kf = k as f64;
    if kf > lambda {
        // P(X ≥ k) = P(X = k) · Σ_{n ≥ 0} Π_{i=1..n} λ / (k + i); the ratios fall below 1.
        let head = poisson_pmf(k, lambda);
        if head == 0.0 {
            return 0.0;
        }
        let (mut sum, mut term, mut i) = (1.0f64, 1.0f64, 1.0f64);
        while i < 1e8 {
            term *= lambda / (kf + i);
            sum += term;
            if term <= sum * 1e-17 {
                break;
            }
            i += 1.0;
        }
        (head * sum).min(1.0)
    } else {
        // P(X ≥ k) = 1 − P(X ≤ k − 1) = 1 − P(X = k − 1) · Σ_{n=0..k−1} Π_{i=0..n−1} (k − 1 − i) / λ.
        let j = k - 1;
        let head = poisson_pmf(j, lambda);
        let (mut sum, mut term, mut i) = (1.0f64, 1.0f64, 0u64);
        while i < j {
            term *= (j - i) as f64 / lambda;
            sum += term;
            if term <= sum * 1e-17 {
                break;
            }
            i += 1;
        }
        (1.0 - head * sum).clamp(0.0, 1.0)
    }
}

/// `ln(k!) − ((k + ½)·ln k − k + ½·ln 2π)`, the error of Stirling's formula (exact values for
/// k ≤ 15, computed with mpmath at 60 digits; the asymptotic series beyond, as R's `stirlerr`).
fn stirlerr(k: u64) -> f64 {
    const TABLE: [f64; 16] = [
        0.0,
        0.08106146679532726,
        0.0413406959554093,
        0.02767792568499834,
        0.020790672103765093,
        0.016644691189821193,
        0.013876128823070748,
        0.01189670994589177,
        0.010411265261972096,
        0.009255462182712733,
        0.00833056343336287,
        0.007573675487951841,
        0.00694284010720953,
        0.006408994188004207,
        0.0059513701127588475,
        0.005554733551962801,
    ];
    if let Some(v) = TABLE.get(k as usize) {
        return *v;
    }
    const S0: f64 = 1.0 / 12.0;
    const S1: f64 = 1.0 / 360.0;
    const S2: f64 = 1.0 / 1260.0;
    const S3: f64 = 1.0 / 1680.0;
    const S4: f64 = 1.0 / 1188.0;
    let n = k as f64;
    let nn = n * n;
    if n > 500.0 {
        (S0 - S1 / nn) / n
    } else if n > 80.0 {
        (S0 - (S1 - S2 / nn) / nn) / n
    } else if n > 35.0 {
        (S0 - (S1 - (S2 - S3 / nn) / nn) / nn) / n
    } else {
        (S0 - (S1 - (S2 - (S3 - S4 / nn) / nn) / nn) / nn) / n
    }
}

/// `x·ln(x/m) + m − x`, the deviance term, without cancellation when `x ≈ m` (Loader 2000).
fn bd0(x: f64, m: f64) -> f64 {
    if (x - m).abs() < 0.1 * (x + m) {
        let mut v = (x - m) / (x + m);
        let mut s = (x - m) * v;
        let mut ej = 2.0 * x * v;
        v *= v;
        for j in 1..1000 {
            ej *= v;
            let next = s + ej / f64::from(2 * j + 1);
            if next == s {
                return next;
            }
            s = next;
        }
        return s;
    }
    x * (x / m).ln() + m - x
}

// ---------------------------------------------------------------------------------------------
// Keys and hours
// ---------------------------------------------------------------------------------------------

/// Whose counts a series holds.
///
/// `Other` is any key string that is neither `platform/<category>` nor `merchant:<id>/<category>`
/// (from `qingting spikes`): an independent series with the spike test only — no CUSUM (that is
/// for the platform's categories), no silencing, its own group. Variants order as listed: the
/// platform first.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// The whole platform (every merchant's complaints of a category).
    Platform,
    /// One merchant, by id.
    Merchant(String),
    /// Any other key, the whole string.
    Other(String),
}

/// A series' key: `platform/<category>`, `merchant:<id>/<category>`, or any other string (then
/// [`Scope::Other`] holds all of it and `category` is empty). In JSON, the string.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SeriesKey {
    pub scope: Scope,
    pub category: String,
}

impl SeriesKey {
    /// `platform/<category>`.
    pub fn platform(category: impl Into<String>) -> Self {
        SeriesKey { scope: Scope::Platform, category: category.into() }
    }

    /// `merchant:<id>/<category>`.
    pub fn merchant(id: impl Into<String>, category: impl Into<String>) -> Self {
        SeriesKey { scope: Scope::Merchant(id.into()), category: category.into() }
    }

    /// The platform key of this key's category (`None` for [`Scope::Other`]).
    pub fn platform_key(&self) -> Option<SeriesKey> {
        match self.scope {
            Scope::Other(_) => None,
            _ => Some(SeriesKey::platform(self.category.clone())),
        }
    }
}

impl fmt::Display for SeriesKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.scope {
            Scope::Platform => write!(f, "platform/{}", self.category),
            Scope::Merchant(id) => write!(f, "merchant:{id}/{}", self.category),
            Scope::Other(key) => f.write_str(key),
        }
    }
}

/// Why a key string is refused: only the empty one is.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a series key must not be empty")]
pub struct SeriesKeyError;

impl FromStr for SeriesKey {
    type Err = SeriesKeyError;

    /// `platform/<category>` and `merchant:<id>/<category>` (a non-empty category; the id has no
    /// `/` and may be empty) are structured; any other non-empty string is [`Scope::Other`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.is_empty() {
            return Err(SeriesKeyError);
        }
        if let Some(category) = s.strip_prefix("platform/").filter(|c| !c.is_empty()) {
            return Ok(SeriesKey::platform(category));
        }
        if let Some((id, category)) = s.strip_prefix("merchant:").and_then(|rest| rest.split_once('/')).filter(|(_, c)| !c.is_empty()) {
            return Ok(SeriesKey::merchant(id, category));
        }
        Ok(SeriesKey { scope: Scope::Other(s.to_string()), category: String::new() })
    }
}

impl Serialize for SeriesKey {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SeriesKey {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Why a time is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not an RFC 3339 time: {0:?}")]
pub struct HourError(pub String);

/// The UTC hour number (Unix seconds / 3600, rounded down) of an RFC 3339 time: any instant in the
/// hour names it (`2026-11-30T08:00:00+08:00` and `2026-11-30T00:59:59Z` are the same hour).
pub fn parse_hour(s: &str) -> Result<i64, HourError> {
    DateTime::parse_from_rfc3339(s.trim()).map(|t| hour_of_unix_seconds(t.timestamp())).map_err(|_| HourError(s.to_string()))
}

/// The hour number of a Unix time in seconds.
pub fn hour_of_unix_seconds(seconds: i64) -> i64 {
    seconds.div_euclid(3600)
}

/// An hour number as RFC 3339 UTC (`2026-11-30T00:00:00Z`); `None` beyond chrono's range (never
/// for an hour [`parse_hour`] made).
pub fn format_hour(hour: i64) -> Option<String> {
    let t: DateTime<Utc> = DateTime::from_timestamp(hour.checked_mul(3600)?, 0)?;
    Some(t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

/// The detector's settings. Every field has a default (JSON may name only some).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SpikeConfig {
    /// Weeks of history for the seasonal expectation (the same hour of the week in each).
    pub weeks: u32,
    /// The weight of each neighbouring hour (the one before and the one after) in the seasonal
    /// mean; the same hour keeps `1 − 2·seasonal_smoothing`. 0 uses the same hour alone.
    pub seasonal_smoothing: f64,
    /// The false-alarm budget of one run: at most this many spike alerts expected per run from
    /// chance alone, split evenly (Bonferroni) over the keys tested in the run.
    pub alpha: f64,
    /// No spike alert below this many complaints in the hour (Farrington's `limit54`).
    pub min_count: u32,
    /// No spike alert below this multiple of the expected count.
    pub min_ratio: f64,
    /// Hours before the tested one over which the level factor compares observed with seasonal.
    pub level_hours: u32,
    /// The level factor's clamp. A floor of 1 means a busy day raises the expectation but a quiet
    /// one never lowers it: after a quiet day (a 0.5× holiday, an outage) a level below 1 would
    /// halve λ for the next `level_hours` while the volume is already back, and alert on it.
    pub level_min: f64,
    pub level_max: f64,
    /// Pseudo-complaints added to both sides of the level ratio, so a sparse key's level stays
    /// near 1 instead of following a few complaints.
    pub level_prior: f64,
    /// The expectation's floor per hour: an empty or quiet history never makes 5 complaints
    /// "impossible".
    pub min_expected: f64,
    /// After a spike alert, no other for this key for this many hours (unless the count reaches
    /// `min_ratio` × the alerted one).
    pub cooldown_hours: u32,
    /// The rise the CUSUM is tuned to detect: λ1 = `cusum_ratio` · λ0.
    pub cusum_ratio: f64,
    /// The CUSUM's decision interval, in nats of log-likelihood ratio.
    pub cusum_threshold: f64,
    /// The category that also has the 15-minute absolute threshold.
    pub food_safety_category: String,
    /// Complaints of that category for one merchant within 15 minutes that raise an alert.
    pub food_safety_min: u32,
    /// After a food-safety burst alert, no other for this key for this many minutes.
    pub food_safety_cooldown_minutes: u32,
}

impl Default for SpikeConfig {
    fn default() -> Self {
        SpikeConfig {
            weeks: 4,
            seasonal_smoothing: 0.25,
            alpha: 0.01,
            min_count: 5,
            min_ratio: 2.0,
            level_hours: 24,
            level_min: 1.0,
            level_max: 2.0,
            level_prior: 10.0,
            min_expected: 0.5,
            cooldown_hours: 6,
            cusum_ratio: 1.5,
            cusum_threshold: 12.0,
            food_safety_category: "food_safety".into(),
            food_safety_min: 3,
            food_safety_cooldown_minutes: 60,
        }
    }
}

/// Why a [`SpikeConfig`] is refused.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SpikeConfigError {
    #[error("weeks must be 1 to 26, not {0}")]
    Weeks(u32),
    #[error("seasonal_smoothing must be 0 to 1/3, not {0}")]
    SeasonalSmoothing(f64),
    #[error("alpha must be above 0 and below 1, not {0}")]
    Alpha(f64),
    #[error("min_count must be at least 1")]
    MinCount,
    #[error("min_ratio must be at least 1, not {0}")]
    MinRatio(f64),
    #[error("level_hours must be 1 to 168, not {0}")]
    LevelHours(u32),
    #[error("the level clamp must have 0 < level_min ≤ 1 ≤ level_max, not [{0}, {1}]")]
    LevelClamp(f64, f64),
    #[error("level_prior must be 0 or more, not {0}")]
    LevelPrior(f64),
    #[error("min_expected must be above 0, not {0}")]
    MinExpected(f64),
    #[error("cusum_ratio must be above 1 and at most 10, not {0}")]
    CusumRatio(f64),
    #[error("cusum_threshold must be above 0, not {0}")]
    CusumThreshold(f64),
    #[error("food_safety_category must not be empty")]
    FoodSafetyCategory,
    #[error("food_safety_min must be at least 1")]
    FoodSafetyMin,
}

impl SpikeConfig {
    /// Checks every field's range (NaN and infinities are refused).
    pub fn validate(&self) -> Result<(), SpikeConfigError> {
        use SpikeConfigError as E;
        let finite = |v: f64| v.is_finite();
        if !(1..=26).contains(&self.weeks) {
            return Err(E::Weeks(self.weeks));
        }
        if !(finite(self.seasonal_smoothing) && (0.0..=1.0 / 3.0).contains(&self.seasonal_smoothing)) {
            return Err(E::SeasonalSmoothing(self.seasonal_smoothing));
        }
        if !(finite(self.alpha) && self.alpha > 0.0 && self.alpha < 1.0) {
            return Err(E::Alpha(self.alpha));
        }
        if self.min_count == 0 {
            return Err(E::MinCount);
        }
        if !(finite(self.min_ratio) && self.min_ratio >= 1.0) {
            return Err(E::MinRatio(self.min_ratio));
        }
        if !(1..=168).contains(&self.level_hours) {
            return Err(E::LevelHours(self.level_hours));
        }
        if !(finite(self.level_min) && finite(self.level_max) && self.level_min > 0.0 && self.level_min <= 1.0 && self.level_max >= 1.0) {
            return Err(E::LevelClamp(self.level_min, self.level_max));
        }
        if !(finite(self.level_prior) && self.level_prior >= 0.0) {
            return Err(E::LevelPrior(self.level_prior));
        }
        if !(finite(self.min_expected) && self.min_expected > 0.0) {
            return Err(E::MinExpected(self.min_expected));
        }
        if !(finite(self.cusum_ratio) && self.cusum_ratio > 1.0 && self.cusum_ratio <= 10.0) {
            return Err(E::CusumRatio(self.cusum_ratio));
        }
        if !(finite(self.cusum_threshold) && self.cusum_threshold > 0.0) {
            return Err(E::CusumThreshold(self.cusum_threshold));
        }
        if self.food_safety_category.is_empty() {
            return Err(E::FoodSafetyCategory);
        }
        if self.food_safety_min == 0 {
            return Err(E::FoodSafetyMin);
        }
        Ok(())
    }

    /// The hours a run at `hour` reads, as ranges: `hour − level_hours ..= hour`, and in each of
    /// the last `weeks` weeks the same hours plus the one after (for the smoothing) — 129 hours
    /// per key by default. The worker loads these hours (missing rows are 0) and nothing else; a
    /// key with no count in them is not tested and does not count towards the Bonferroni split.
    pub fn read_ranges(&self, hour: i64) -> Vec<Range<i64>> {
        let window = i64::from(self.level_hours);
        let now = hour - window..hour + 1;
        let past = (1..=i64::from(self.weeks)).map(|w| hour - HOURS_PER_WEEK * w - window..hour - HOURS_PER_WEEK * w + 2);
        std::iter::once(now).chain(past).collect()
    }
}

// ---------------------------------------------------------------------------------------------
// The expectation
// ---------------------------------------------------------------------------------------------

/// One key's hourly counts: hour number → complaints (a missing hour is 0).
pub type Series = BTreeMap<i64, u32>;

/// Every key's hourly counts.
pub type Counts = BTreeMap<SeriesKey, Series>;

fn count(series: &Series, hour: i64) -> u32 {
    series.get(&hour).copied().unwrap_or(0)
}

/// Complaints in the hours `from..to`.
fn range_sum(series: &Series, from: i64, to: i64) -> u64 {
    if from >= to {
        return 0;
    }
    series.range(from..to).map(|(_, n)| u64::from(*n)).sum()
}

/// What a key is expected to have in one hour, and how.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Expectation {
    /// [`seasonal`]: the median over the weeks of the same hour (smoothed with its neighbours).
    pub seasonal: f64,
    /// Observed ÷ the weeks' median over the `level_hours` before (with `level_prior`), clamped.
    pub level: f64,
    /// `max(seasonal × level, min_expected)`: the λ of the test.
    pub lambda: f64,
}

/// The seasonal value of `hour`: the median over the last `weeks` weeks of the same hour of the
/// week, each with weight `1 − 2·seasonal_smoothing` and the hours before and after it with
/// `seasonal_smoothing` each. The median, not the mean: one unusual week in the history (a
/// holiday, a past outbreak) does not move it.
pub fn seasonal(series: &Series, hour: i64, cfg: &SpikeConfig) -> f64 {
    seasonal_with(series, hour, cfg.weeks, cfg.seasonal_smoothing)
}

fn seasonal_with(series: &Series, hour: i64, weeks: u32, smoothing: f64) -> f64 {
    let at = |h: i64| f64::from(count(series, h));
    let mut values: Vec<f64> = (1..=i64::from(weeks.max(1)))
        .map(|w| {
            let h = hour - HOURS_PER_WEEK * w;
            if smoothing > 0.0 { (1.0 - 2.0 * smoothing) * at(h) + smoothing * (at(h - 1) + at(h + 1)) } else { at(h) }
        })
        .collect();
    median(&mut values)
}

/// The median (the mean of the middle two for an even count); 0 when empty.
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => 0.0,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// The expected count of `hour` for this series, with its parts. Reads only hours before `hour`.
pub fn expectation(series: &Series, hour: i64, cfg: &SpikeConfig) -> Expectation {
    let weeks = i64::from(cfg.weeks.max(1));
    let window = i64::from(cfg.level_hours);
    let seasonal = seasonal(series, hour, cfg);
    let observed = range_sum(series, hour - window, hour) as f64;
    let mut weekly: Vec<f64> = (1..=weeks).map(|w| range_sum(series, hour - window - HOURS_PER_WEEK * w, hour - HOURS_PER_WEEK * w) as f64).collect();
    let seasonal_window = median(&mut weekly);
    let (num, den) = (observed + cfg.level_prior, seasonal_window + cfg.level_prior);
    let level = if den > 0.0 { (num / den).clamp(cfg.level_min, cfg.level_max) } else { 1.0 };
    let lambda = (seasonal * level).max(cfg.min_expected);
    Expectation { seasonal, level, lambda }
}

/// The expected count λ of `hour`: [`expectation`]'s `lambda`.
///
/// ```
/// use qingting_shared::analytics::spike::{Series, SpikeConfig, expected};
/// let cfg = SpikeConfig::default();
/// // 2, 4, 6 and 8 at this hour (and the hours either side) of the last four weeks: λ = 5.
/// let now = 500_000;
/// let series: Series = (1..=4).flat_map(|w| (-1..=1).map(move |d| (now - 168 * w + d, 2 * (5 - w as u32)))).collect();
/// assert!((expected(&series, now, &cfg) - 5.0).abs() < 1e-12);
/// ```
pub fn expected(series: &Series, hour: i64, cfg: &SpikeConfig) -> f64 {
    expectation(series, hour, cfg).lambda
}

// ---------------------------------------------------------------------------------------------
// Alerts
// ---------------------------------------------------------------------------------------------

str_enum! {
    /// Which rule raised an alert.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum AlertKind {
        /// One hour far above its expectation.
        Spike = "spike",
        /// The category-level CUSUM crossed its threshold: a sustained rise.
        SlowRise = "slow_rise",
        /// Food-safety complaints for one merchant over the 15-minute threshold.
        FoodSafetyBurst = "food_safety_burst",
    }
}

/// One alert.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub key: SeriesKey,
    /// The hour number the alert is about (for a slow rise, the hour it crossed the threshold).
    pub hour: i64,
    pub kind: AlertKind,
    /// Complaints in the window: the hour (spike), the CUSUM's run since it last left 0 (slow rise),
    /// the 15 minutes (food safety).
    pub observed: u64,
    /// The expected count over the same window.
    pub expected: f64,
    /// P(X ≥ observed) for X ~ Poisson(expected). For a spike it is the decision's p; for the
    /// others it says how unusual the window is.
    pub p: f64,
    /// The window's length.
    pub window_minutes: u32,
    /// A merchant's spike explained by the platform's spike in the same category (not sent).
    #[serde(default)]
    pub silenced: bool,
}

/// One run's alerts for one scope: one message each (the platform's staff, each merchant).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlertGroup {
    pub scope: Scope,
    pub alerts: Vec<Alert>,
}

impl Serialize for Scope {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Scope::Platform => serializer.serialize_str("platform"),
            Scope::Merchant(id) => serializer.collect_str(&format_args!("merchant:{id}")),
            Scope::Other(key) => serializer.serialize_str(key),
        }
    }
}

impl<'de> Deserialize<'de> for Scope {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Ok(match s.strip_prefix("merchant:") {
            _ if s == "platform" => Scope::Platform,
            Some(id) => Scope::Merchant(id.to_string()),
            None => Scope::Other(s),
        })
    }
}

/// Groups alerts by scope, leaving silenced ones out: the platform first, then each merchant, then
/// each other key, in key order within a group. One run's groups are one message each.
pub fn group(alerts: &[Alert]) -> Vec<AlertGroup> {
    let mut by_scope: BTreeMap<&Scope, Vec<Alert>> = BTreeMap::new();
    for a in alerts.iter().filter(|a| !a.silenced) {
        by_scope.entry(&a.key.scope).or_default().push(a.clone());
    }
    by_scope
        .into_iter()
        .map(|(scope, mut alerts)| {
            alerts.sort_by(|a, b| (&a.key, a.hour, a.kind).cmp(&(&b.key, b.hour, b.kind)));
            AlertGroup { scope: scope.clone(), alerts }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------

/// The detector's memory between runs, plain data (the worker keeps it as JSON; `{}` is the
/// empty state). Only keys with something to remember are kept: [`detect`] drops the others.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SpikeState {
    pub keys: BTreeMap<SeriesKey, KeyState>,
}

/// What one key remembers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct KeyState {
    /// The hour of the last spike alert (silenced ones too) and its count: the cooldown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_spike: Option<i64>,
    pub last_spike_observed: u32,
    /// The minute (Unix seconds / 60) of the last food-safety burst alert.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_burst_minute: Option<i64>,
    /// The slow-rise CUSUM (platform keys).
    pub cusum: Cusum,
}

/// A Poisson CUSUM's state.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Cusum {
    /// The sum, in nats, through hour `through`.
    pub sum: f64,
    /// The last complete hour folded in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub through: Option<i64>,
    /// Alerted and not yet back at 0.
    pub firing: bool,
    /// Since the sum last left 0: complaints and expected complaints, and hours.
    pub run_observed: u64,
    pub run_expected: f64,
    pub run_hours: u32,
}

impl Cusum {
    /// The sum after one more hour with `x` complaints against λ0, and the run's totals with it.
    fn step(&self, x: u32, lambda0: f64, cfg: &SpikeConfig) -> Cusum {
        let theta = cfg.cusum_ratio;
        let sum = (self.sum + f64::from(x) * theta.ln() - (theta - 1.0) * lambda0).max(0.0);
        if sum <= 0.0 {
            return Cusum { sum: 0.0, through: self.through, firing: false, ..Cusum::default() };
        }
        Cusum {
            sum,
            through: self.through,
            firing: self.firing,
            run_observed: self.run_observed + u64::from(x),
            run_expected: self.run_expected + lambda0,
            run_hours: self.run_hours + 1,
        }
    }

    fn idle(&self) -> bool {
        self.sum <= 0.0 && !self.firing
    }
}

impl KeyState {
    fn idle(&self, hour: i64, minute: i64, cfg: &SpikeConfig) -> bool {
        let spike_over = self.last_spike.is_none_or(|t| hour - t >= i64::from(cfg.cooldown_hours));
        let burst_over = self.last_burst_minute.is_none_or(|m| minute - m >= i64::from(cfg.food_safety_cooldown_minutes));
        spike_over && burst_over && self.cusum.idle()
    }
}

// ---------------------------------------------------------------------------------------------
// One run
// ---------------------------------------------------------------------------------------------

/// Whether a run tests this key: it has a count in the run's [`SpikeConfig::read_ranges`].
fn tracked(series: &Series, ranges: &[Range<i64>]) -> bool {
    ranges.iter().any(|r| series.range(r.clone()).next().is_some())
}

/// One run of the cron at `hour`: every key of `counts` with a count in the hours
/// [`SpikeConfig::read_ranges`] names is tested; `state` is read and updated (save it after the
/// run). Returns the alerts in key order, silenced ones marked (send [`group`]'s groups).
///
/// The worker calls it every few minutes with the counts of [`SpikeConfig::read_ranges`] (`hour`
/// the current one, its count so far) for every key with a count there, and the state saved by
/// the last run. Calling it again within the same hour never repeats an alert (one per key, kind
/// and hour). The Bonferroni split is over the keys with a count in those hours.
///
/// ```
/// use qingting_shared::analytics::spike::{Counts, SeriesKey, SpikeConfig, SpikeState, detect};
/// let cfg = SpikeConfig::default();
/// let (now, mut state) = (495_000, SpikeState::default());
/// let mut counts = Counts::new();
/// // A platform category at 20 an hour for four weeks; a merchant's share at 1 an hour.
/// for (key, rate, now_count) in [(SeriesKey::platform("delivery"), 20, 80), (SeriesKey::merchant("m-7", "delivery"), 1, 12)] {
///     let series = counts.entry(key).or_default();
///     (now - 4 * 168..now).for_each(|h| drop(series.insert(h, rate)));
///     series.insert(now, now_count);
/// }
/// let alerts = detect(&counts, now, &cfg, &mut state);
/// // Both spike; the platform's silences the merchant's (same category, same run).
/// assert_eq!(alerts.len(), 2);
/// assert!(!alerts[0].silenced && alerts[1].silenced);
/// assert_eq!(qingting_shared::analytics::spike::group(&alerts).len(), 1);
/// ```
pub fn detect(counts: &Counts, hour: i64, cfg: &SpikeConfig, state: &mut SpikeState) -> Vec<Alert> {
    let ranges = cfg.read_ranges(hour);
    let tested: Vec<(&SeriesKey, &Series)> = counts.iter().filter(|(_, s)| tracked(s, &ranges)).collect();
    let alpha = cfg.alpha / tested.len().max(1) as f64;
    let mut alerts = Vec::new();
    for (key, series) in &tested {
        let ks = state.keys.entry((*key).clone()).or_default();
        let spiked = spike(key, series, hour, alpha, cfg, ks);
        if key.scope == Scope::Platform {
            let rises = slow_rise(key, series, hour, cfg, &mut ks.cusum);
            // A spike explains the CUSUM's jump: the CUSUM is marked firing without its own alert.
            if spiked.is_none() {
                alerts.extend(rises);
            }
        }
        alerts.extend(spiked);
    }
    // Silencing: after every key's test, so the platform's alert of this run counts whatever the
    // key order.
    for a in alerts.iter_mut().filter(|a| a.kind == AlertKind::Spike && matches!(a.key.scope, Scope::Merchant(_))) {
        let platform = a.key.platform_key().and_then(|p| state.keys.get(&p));
        a.silenced = platform.and_then(|p| p.last_spike).is_some_and(|t| hour - t < i64::from(cfg.cooldown_hours.max(1)));
    }
    let minute = hour * 60 + 59;
    state.keys.retain(|_, ks| !ks.idle(hour, minute, cfg));
    alerts.sort_by(|a, b| (&a.key, a.hour, a.kind).cmp(&(&b.key, b.hour, b.kind)));
    alerts
}

/// The per-hour test of one key, with its cooldown.
fn spike(key: &SeriesKey, series: &Series, hour: i64, alpha: f64, cfg: &SpikeConfig, ks: &mut KeyState) -> Option<Alert> {
    let x = count(series, hour);
    if x < cfg.min_count {
        return None;
    }
    let lambda = expected(series, hour, cfg);
    if f64::from(x) < cfg.min_ratio * lambda {
        return None;
    }
    let p = poisson_upper_tail(u64::from(x), lambda);
    // A NaN p (never from a finite λ) does not alert either.
    if p.is_nan() || p >= alpha {
        return None;
    }
    if let Some(t) = ks.last_spike {
        let cooling = hour - t < i64::from(cfg.cooldown_hours);
        let doubled = f64::from(x) >= cfg.min_ratio * f64::from(ks.last_spike_observed);
        if t >= hour || (cooling && !doubled) {
            return None;
        }
    }
    ks.last_spike = Some(hour);
    ks.last_spike_observed = x;
    Some(Alert { key: key.clone(), hour, kind: AlertKind::Spike, observed: u64::from(x), expected: lambda, p, window_minutes: 60, silenced: false })
}

/// The CUSUM of one platform key: folds in the complete hours before `hour`, then looks at `hour`.
fn slow_rise(key: &SeriesKey, series: &Series, hour: i64, cfg: &SpikeConfig, cusum: &mut Cusum) -> Vec<Alert> {
    let mut alerts = Vec::new();
    // λ0 without the smoothing: over a run of hours the CUSUM sums, and smoothing would bias
    // every peak low and every trough high.
    let lambda0 = |h: i64| seasonal_with(series, h, cfg.weeks, 0.0).max(cfg.min_expected);
    // Catching up after missed runs: at most the level window, the hours the worker reads.
    let from = cusum.through.map_or(hour - 1, |t| t + 1).max(hour - i64::from(cfg.level_hours));
    if cusum.through.is_some_and(|t| t + 1 < from) {
        *cusum = Cusum::default();
    }
    for h in from..hour {
        let mut next = cusum.step(count(series, h), lambda0(h), cfg);
        next.through = Some(h);
        alerts.extend(cusum_alarm(key, h, &mut next, cfg));
        *cusum = next;
    }
    // The current hour, maybe partial: an alarm now is final (its count can only grow).
    let mut tentative = cusum.step(count(series, hour), lambda0(hour), cfg);
    if let Some(alert) = cusum_alarm(key, hour, &mut tentative, cfg) {
        cusum.firing = true;
        alerts.push(alert);
    }
    alerts
}

/// Raises the alarm when a quiet CUSUM crosses the threshold, and caps a firing one at twice the
/// threshold (so it resolves within hours of the rise ending, but not on a few quiet hours).
fn cusum_alarm(key: &SeriesKey, hour: i64, c: &mut Cusum, cfg: &SpikeConfig) -> Option<Alert> {
    let cap = 2.0 * cfg.cusum_threshold;
    if c.firing {
        c.sum = c.sum.min(cap);
        return None;
    }
    if c.sum < cfg.cusum_threshold {
        return None;
    }
    c.firing = true;
    c.sum = c.sum.min(cap);
    Some(Alert {
        key: key.clone(),
        hour,
        kind: AlertKind::SlowRise,
        observed: c.run_observed,
        expected: c.run_expected,
        p: poisson_upper_tail(c.run_observed, c.run_expected),
        window_minutes: c.run_hours * 60,
        silenced: false,
    })
}

/// The food-safety rule alone: at least `food_safety_min` complaints within 15 minutes.
pub fn food_safety_burst(count_last_15_min: u32, cfg: &SpikeConfig) -> bool {
    count_last_15_min >= cfg.food_safety_min
}

/// The food-safety check of one merchant key at `minute` (Unix seconds / 60), with the count of
/// its last 15 minutes (the worker counts them) and its hourly `series` (for the alert's expected
/// count: λ of the hour ÷ 4). Only a merchant key of `food_safety_category` alerts; at most one
/// alert per `food_safety_cooldown_minutes`; never silenced. Updates `state`.
pub fn food_safety_check(key: &SeriesKey, series: &Series, minute: i64, count_last_15_min: u32, cfg: &SpikeConfig, state: &mut SpikeState) -> Option<Alert> {
    if !matches!(key.scope, Scope::Merchant(_)) || key.category != cfg.food_safety_category || !food_safety_burst(count_last_15_min, cfg) {
        return None;
    }
    let ks = state.keys.entry(key.clone()).or_default();
    if ks.last_burst_minute.is_some_and(|m| minute - m < i64::from(cfg.food_safety_cooldown_minutes) || m >= minute) {
        return None;
    }
    ks.last_burst_minute = Some(minute);
    let hour = minute.div_euclid(60);
    let lambda = expected(series, hour, cfg) / 4.0;
    let observed = u64::from(count_last_15_min);
    Some(Alert {
        key: key.clone(),
        hour,
        kind: AlertKind::FoodSafetyBurst,
        observed,
        expected: lambda,
        p: poisson_upper_tail(observed, lambda),
        window_minutes: 15,
        silenced: false,
    })
}

/// What the cron would have raised over a whole history: [`detect`] at every hour from the first
/// hour with `weeks` full weeks of data before it (the earliest count of any key + 168·`weeks`;
/// earlier hours would be judged against weeks nobody observed) to the last hour with a count,
/// carrying the state from hour to hour. A key that starts later is read as zeros before its first
/// count, as the cron would. Alerts by hour, then key; silenced ones included and marked.
///
/// ```
/// use qingting_shared::analytics::spike::{AlertKind, Counts, SeriesKey, SpikeConfig, replay};
/// let mut counts = Counts::new();
/// let series = counts.entry(SeriesKey::merchant("m-1", "delivery")).or_default();
/// // Five weeks at 2 an hour, then a step to 8 an hour for the last day.
/// let start = 490_000;
/// for h in start..start + 5 * 168 {
///     series.insert(h, if h >= start + 5 * 168 - 24 { 8 } else { 2 });
/// }
/// let alerts = replay(&counts, &SpikeConfig::default());
/// assert_eq!(alerts[0].hour, start + 5 * 168 - 24, "the step's first hour");
/// assert!(alerts.iter().all(|a| a.kind == AlertKind::Spike && a.hour >= start + 5 * 168 - 24));
/// ```
pub fn replay(counts: &Counts, cfg: &SpikeConfig) -> Vec<Alert> {
    let first = counts.values().filter_map(|s| s.keys().next()).min();
    let last = counts.values().filter_map(|s| s.keys().next_back()).max();
    let (Some(&first), Some(&last)) = (first, last) else {
        return Vec::new();
    };
    let mut state = SpikeState::default();
    let mut alerts = Vec::new();
    for hour in first + HOURS_PER_WEEK * i64::from(cfg.weeks)..=last {
        alerts.extend(detect(counts, hour, cfg, &mut state));
    }
    alerts
}

#[cfg(test)]
mod tests {
    use super::*;

    /// xorshift64*: a small deterministic generator for the tests.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }

        /// Uniform in (0, 1).
        fn uniform(&mut self) -> f64 {
            ((self.next() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        }

        /// Knuth's Poisson sampler (λ small enough that e^−λ does not underflow).
        fn poisson(&mut self, lambda: f64) -> u32 {
            let limit = (-lambda).exp();
            let (mut k, mut p) = (0u32, self.uniform());
            while p > limit {
                k += 1;
                p *= self.uniform();
            }
            k
        }
    }

    const T0: i64 = 490_000;

    fn series_of(hours: i64, mut rate: impl FnMut(i64) -> f64, seed: u64) -> Series {
        let mut rng = Rng(seed);
        (T0..T0 + hours).map(|h| (h, rng.poisson(rate(h)))).filter(|(_, n)| *n > 0).collect()
    }

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs()
    }

    #[test]
    fn the_tail_matches_known_values() {
        // Each value is P(X ≥ k) = scipy.stats.poisson.sf(k − 1, λ), computed with mpmath 1.3 at
        // 60 digits as gammainc(k, 0, λ, regularized=True) and checked against the exact sum
        // Σ_{j ≥ k} e^−λ λ^j / j! (they agree to 1e-39).
        let known: [(u64, f64, f64); 25] = [
            (1, 0.001, 0.0009995001666250085),
            (1, 1.0, 0.6321205588285577),
            (2, 1.0, 0.26424111765711533),
            (5, 0.5, 0.00017211562995584078),
            (3, 0.05, 2.0067493624397945e-5),
            (4, 0.2, 5.684024075815662e-5),
            (6, 0.2, 7.490854474986894e-8),
            (9, 1.0, 1.125202597969018e-6),
            (12, 2.0, 1.3646151596151952e-6),
            (19, 5.0, 1.4016978920617032e-6),
            (14, 5.0, 0.000697989979139987),
            (29, 10.0, 7.644666408138276e-7),
            (45, 20.0, 1.0602631299402716e-6),
            (87, 50.0, 1.3454262404826768e-6),
            (74, 50.0, 0.0008864325882831571),
            (40, 30.0, 0.046253037645842036),
            (100, 50.0, 3.200065324585125e-10),
            (10, 20.0, 0.9950045876916924),
            (1, 20.0, 0.9999999979388464),
            (10_050, 10000.0, 0.30985627518670567),
            (10_400, 10000.0, 3.58626381909798e-5),
            (9_800, 10000.0, 0.9777888682949035),
            (10_000, 10000.0, 0.5013298083399552),
            (5, 2.5, 0.10882198108584876),
            (50_000, 49000.0, 3.3847542280794912e-6),
        ];
        for (k, lambda, p) in known {
            let got = poisson_upper_tail(k, lambda);
            assert!(close(got, p, 1e-11), "P(X ≥ {k} | λ = {lambda}) = {got:e}, known {p:e}");
        }
        // 4.47e-60917: far below f64, so 0 (and no time spent).
        assert_eq!(poisson_upper_tail(100_000, 10_000.0), 0.0);
    }

    #[test]
    fn the_tail_edges() {
        assert_eq!(poisson_upper_tail(0, 0.0), 1.0);
        assert_eq!(poisson_upper_tail(0, 5.0), 1.0);
        assert_eq!(poisson_upper_tail(1, 0.0), 0.0);
        assert_eq!(poisson_upper_tail(7, -1.0), 0.0);
        assert!(poisson_upper_tail(3, f64::NAN).is_nan());
        assert_eq!(poisson_upper_tail(3, f64::INFINITY), 1.0);
        assert_eq!(poisson_upper_tail(1, 1e6), 1.0);
        assert!(close(poisson_upper_tail(1, 1e-300), 1e-300, 1e-12), "P(X ≥ 1) = 1 − e^−λ ≈ λ");
        assert_eq!(poisson_pmf(0, 0.0), 1.0);
        assert!(close(poisson_pmf(3, 2.0), (-2.0f64).exp() * 8.0 / 6.0, 1e-14));
        // Near the mean the sums take O(√k) steps and stay accurate.
        let near = poisson_upper_tail(1_000_000, 1_000_000.0);
        assert!((near - 0.5).abs() < 0.001, "{near}");
    }

    #[test]
    fn the_backoffice_thresholds_table_is_reproduced() {
        // docs: the smallest x with P(X ≥ x | λ) < α, for α = 1e-3 and 2e-6.
        let fire_at = |lambda: f64, alpha: f64| (0u64..).find(|&x| poisson_upper_tail(x, lambda) < alpha).unwrap();
        let lambdas = [0.05, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0];
        let at_1e3: Vec<u64> = lambdas.iter().map(|&l| fire_at(l, 1e-3)).collect();
        let at_2e6: Vec<u64> = lambdas.iter().map(|&l| fire_at(l, 2e-6)).collect();
        assert_eq!(at_1e3, [3, 4, 5, 6, 9, 14, 22, 36, 74]);
        assert_eq!(at_2e6, [4, 6, 7, 9, 12, 19, 29, 45, 87]);
    }

    #[test]
    fn keys_and_hours_round_trip() {
        for s in ["platform/food_safety", "merchant:m-1/delivery", "merchant:/x", "my own series", "platform/", "merchant:m-1"] {
            let key: SeriesKey = s.parse().unwrap();
            assert_eq!(key.to_string(), s);
            assert_eq!(serde_json::to_string(&key).unwrap(), format!("\"{s}\""));
        }
        assert_eq!("platform/delivery".parse::<SeriesKey>().unwrap(), SeriesKey::platform("delivery"));
        assert_eq!("merchant:m-1/a/b".parse::<SeriesKey>().unwrap(), SeriesKey::merchant("m-1", "a/b"));
        assert!(matches!("platform/".parse::<SeriesKey>().unwrap().scope, Scope::Other(_)));
        assert_eq!("".parse::<SeriesKey>(), Err(SeriesKeyError));

        let h = parse_hour("2026-11-30T08:00:00+08:00").unwrap();
        assert_eq!(h, parse_hour("2026-11-30T00:59:59Z").unwrap());
        assert_eq!(h, 1_795_996_800 / 3600);
        assert_eq!(format_hour(h).as_deref(), Some("2026-11-30T00:00:00Z"));
        assert_eq!(parse_hour("1969-12-31T23:30:00Z"), Ok(-1));
        assert!(parse_hour("yesterday").is_err());
        assert_eq!(format_hour(i64::MAX), None);
    }

    #[test]
    fn expected_follows_the_same_hour_of_the_week_times_the_level() {
        let cfg = SpikeConfig { level_prior: 0.0, seasonal_smoothing: 0.0, ..SpikeConfig::default() };
        // Lunch at 6, night at 2, everything else 4, the same every week; weekends twice as high.
        let weekly = |h: i64| {
            let base = match h.rem_euclid(24) {
                4 => 6,
                16..=20 => 2,
                _ => 4,
            };
            if (h.div_euclid(24) + 4).rem_euclid(7) >= 5 { 2 * base } else { base }
        };
        let now = T0 + 5 * 168 + 4;
        let series: Series = (T0..now + 3).map(|h| (h, weekly(h))).collect();
        for h in now..now + 3 {
            let e = expectation(&series, h, &cfg);
            assert_eq!((e.seasonal, e.level), (f64::from(weekly(h)), 1.0), "hour {h}");
        }
        // The last day at 1.5× its usual: λ = seasonal × 1.5.
        let busier: Series = series.iter().map(|(&h, &n)| (h, if h >= now - 24 { n * 3 / 2 } else { n })).collect();
        let (e, plain) = (expectation(&busier, now, &cfg), weekly(now) as f64);
        assert!(close(e.level, 1.5, 1e-12), "{e:?}");
        assert!(close(e.lambda, plain * e.level, 1e-12));
        // With the default smoothing the neighbours count a quarter each (here the evening's first
        // night hour: 2 between 4 and 2).
        let smoothed = SpikeConfig { seasonal_smoothing: 0.25, ..cfg.clone() };
        let w = |h: i64| f64::from(weekly(h));
        assert_eq!((w(now - 1), w(now), w(now + 1)), (2.0, 2.0, 4.0));
        assert_eq!(seasonal(&series, now, &smoothed), 0.5 * w(now) + 0.25 * (w(now - 1) + w(now + 1)));
        // A quiet day does not lower the expectation (level_min 1); a busy one raises it.
        let quiet: Series = series.iter().map(|(&h, &n)| (h, if h >= now - 24 { n / 2 } else { n })).collect();
        assert_eq!(expectation(&quiet, now, &cfg).level, 1.0);
        // A quiet history: the floor.
        assert_eq!(expected(&Series::new(), now, &cfg), cfg.min_expected);
        // A busy day four times the usual: the clamp.
        let storm: Series = series.iter().map(|(&h, &n)| (h, if h >= now - 24 { n * 4 } else { n })).collect();
        assert_eq!(expectation(&storm, now, &cfg).level, cfg.level_max);
    }

    #[test]
    fn one_unusual_week_in_the_history_does_not_move_the_expectation() {
        let cfg = SpikeConfig::default();
        let now = T0 + 4 * 168 + 24;
        let flat: Series = (T0..now).map(|h| (h, 10)).collect();
        // Two weeks ago the same day was a holiday at a third, or an outbreak at three times.
        for factor in [1.0 / 3.0, 3.0] {
            let odd: Series = flat
                .iter()
                .map(|(&h, &n)| (h, if (now - 2 * 168 - 12..now - 2 * 168 + 12).contains(&h) { (f64::from(n) * factor) as u32 } else { n }))
                .collect();
            let e = expectation(&odd, now, &cfg);
            assert_eq!((e.seasonal, e.level, e.lambda), (10.0, 1.0, 10.0), "× {factor}");
        }
    }

    #[test]
    fn the_hours_the_worker_reads_are_all_a_run_needs() {
        // The same runs on the whole history and on only `read_ranges(hour)`: the same alerts and
        // the same state, hour after hour (CUSUM included).
        let cfg = SpikeConfig::default();
        let step = T0 + 5 * 168 + 30;
        let mut all = Counts::new();
        for (i, rate) in [3.0, 40.0].into_iter().enumerate() {
            all.insert(SeriesKey::platform(format!("c{i}")), series_of(6 * 168, |h| if h >= step { 1.6 * rate } else { rate }, 40 + i as u64));
            all.insert(SeriesKey::merchant("m", format!("c{i}")), series_of(6 * 168, |h| if h >= step { 4.0 * rate } else { rate }, 50 + i as u64));
        }
        let (mut full, mut partial) = (SpikeState::default(), SpikeState::default());
        let mut raised = 0;
        for hour in T0 + 4 * 168..T0 + 6 * 168 {
            let ranges = cfg.read_ranges(hour);
            let read: Counts =
                all.iter().map(|(k, s)| (k.clone(), s.iter().filter(|(h, _)| ranges.iter().any(|r| r.contains(h))).map(|(h, n)| (*h, *n)).collect())).collect();
            let a = detect(&all, hour, &cfg, &mut full);
            assert_eq!(a, detect(&read, hour, &cfg, &mut partial), "hour {hour}");
            assert_eq!(full, partial, "hour {hour}");
            raised += a.len();
        }
        assert!(raised >= 3, "the steps alert: {raised}");
        assert_eq!(ranges_len(&cfg), 129);
    }

    fn ranges_len(cfg: &SpikeConfig) -> i64 {
        cfg.read_ranges(1000).iter().map(|r| r.end - r.start).sum()
    }

    fn one_key(key: SeriesKey, series: Series) -> Counts {
        Counts::from([(key, series)])
    }

    #[test]
    fn a_flat_poisson_series_at_its_mean_raises_nothing() {
        // 12 keys at 0.2 … 50 an hour for 12 weeks: 8 weeks tested × 12 keys ≈ 16,000 cell-hours,
        // with the default budget as production splits it (0.01 per run over 20,000 keys).
        let mut counts = Counts::new();
        for (i, rate) in [0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 1.0, 5.0, 20.0, 50.0].into_iter().enumerate() {
            let key = if i < 8 { SeriesKey::merchant(format!("m{i}"), "delivery") } else { SeriesKey::platform(format!("c{i}")) };
            counts.insert(key, series_of(12 * 168, |_| rate, 0x9E37_79B9_7F4A_7C15 ^ i as u64));
        }
        let cfg = SpikeConfig { alpha: 0.01 * 12.0 / 20_000.0, ..SpikeConfig::default() };
        let alerts = replay(&counts, &cfg);
        assert!(alerts.is_empty(), "{alerts:#?}");
    }

    #[test]
    fn a_3x_step_alerts_in_its_first_hour() {
        // Exactly 4 an hour, then 12: p = P(X ≥ 12 | 4) ≈ 9e-4.
        let step = T0 + 6 * 168 + 10;
        let series: Series = (T0..T0 + 7 * 168).map(|h| (h, if h >= step { 12 } else { 4 })).collect();
        let alerts = replay(&one_key(SeriesKey::merchant("m", "delivery"), series.clone()), &SpikeConfig::default());
        let first = alerts.first().expect("an alert");
        assert_eq!(first.hour, step, "{first:?}");
        assert_eq!(first.kind, AlertKind::Spike);
        assert!(first.observed >= 5 && first.observed as f64 >= 2.0 * first.expected && first.p < 0.01);
        // After the first, the cooldown: none within the next 6 hours.
        assert!(alerts.iter().skip(1).all(|a| a.hour >= first.hour + 6 || a.observed >= 2 * first.observed));
    }

    #[test]
    fn fewer_than_min_count_never_alerts_however_unlikely() {
        // A key with no complaints for four weeks, then 4 in one hour: p(4 | 0.5) ≈ 1.8e-3 < 0.01,
        // 8× the floor, but below 5.
        let now = T0 + 4 * 168 + 100;
        let mut series = Series::from([(T0, 1)]);
        series.insert(now, 4);
        let cfg = SpikeConfig { alpha: 0.5, ..SpikeConfig::default() };
        let counts = one_key(SeriesKey::merchant("m", "hygiene"), series.clone());
        assert!(detect(&counts, now, &cfg, &mut SpikeState::default()).is_empty());
        series.insert(now, 5);
        let counts = one_key(SeriesKey::merchant("m", "hygiene"), series);
        assert_eq!(detect(&counts, now, &cfg, &mut SpikeState::default()).len(), 1, "5 does");
    }

    #[test]
    fn below_min_ratio_never_alerts_however_unlikely() {
        // 100 an hour, then 190: p ≈ 1e-15, but under 2×.
        let now = T0 + 5 * 168;
        let mut series: Series = (T0..now).map(|h| (h, 100)).collect();
        series.insert(now, 190);
        let cfg = SpikeConfig::default();
        let p = poisson_upper_tail(190, 100.0);
        assert!(p < 1e-14, "{p:e}");
        assert!(detect(&one_key(SeriesKey::merchant("m", "d"), series.clone()), now, &cfg, &mut SpikeState::default()).is_empty());
        series.insert(now, 200);
        assert_eq!(detect(&one_key(SeriesKey::merchant("m", "d"), series), now, &cfg, &mut SpikeState::default()).len(), 1);
    }

    #[test]
    fn cooldown_holds_unless_the_count_doubles_again_and_never_twice_an_hour() {
        let key = SeriesKey::merchant("m", "delivery");
        let now = T0 + 4 * 168;
        let cfg = SpikeConfig::default();
        let mut series: Series = (T0..now).map(|h| (h, 1)).collect();
        let mut state = SpikeState::default();
        let run = |series: &Series, hour: i64, state: &mut SpikeState| detect(&one_key(key.clone(), series.clone()), hour, &cfg, state);

        series.insert(now, 6);
        assert_eq!(run(&series, now, &mut state).len(), 1);
        series.insert(now, 14);
        assert!(run(&series, now, &mut state).is_empty(), "the same hour again (a later cron run, a partial count)");
        series.insert(now + 1, 10);
        assert!(run(&series, now + 1, &mut state).is_empty(), "within the cooldown, not doubled");
        series.insert(now + 2, 12);
        assert_eq!(run(&series, now + 2, &mut state).len(), 1, "doubled again: 12 ≥ 2 × 6");
        series.insert(now + 3, 20);
        assert!(run(&series, now + 3, &mut state).is_empty());
        for h in now + 4..now + 8 {
            series.insert(h, 1);
            assert!(run(&series, h, &mut state).is_empty());
        }
        series.insert(now + 8, 20);
        assert_eq!(run(&series, now + 8, &mut state).len(), 1, "6 hours after the last alert");
        // The state is plain JSON (what the worker stores) and survives the trip.
        let json = serde_json::to_string(&state).unwrap();
        assert_eq!(serde_json::from_str::<SpikeState>(&json).unwrap(), state);
        assert_eq!(serde_json::from_str::<SpikeState>("{}").unwrap(), SpikeState::default());
    }

    #[test]
    fn the_cusum_catches_a_sustained_1_5x_rise_the_hourly_test_misses() {
        let step = T0 + 5 * 168 + 7;
        let key = SeriesKey::platform("delivery");
        let series = series_of(7 * 168, |h| if h >= step { 75.0 } else { 50.0 }, 11);
        let alerts = replay(&one_key(key, series), &SpikeConfig::default());
        assert!(alerts.iter().all(|a| a.kind == AlertKind::SlowRise), "no hourly spike at 1.5×: {alerts:#?}");
        let first = alerts.first().expect("the CUSUM fires");
        assert!(first.hour >= step && first.hour < step + 24, "{first:?}");
        assert!(first.observed as f64 > 1.3 * first.expected && first.p < 1e-3, "{first:?}");
        assert_eq!(alerts.len(), 1, "then it stays firing while the rise lasts: {alerts:#?}");
        // A merchant key with the same series has no CUSUM.
        let series = series_of(7 * 168, |h| if h >= step { 75.0 } else { 50.0 }, 11);
        assert!(replay(&one_key(SeriesKey::merchant("m", "delivery"), series), &SpikeConfig::default()).is_empty());
    }

    #[test]
    fn the_cusum_resolves_and_fires_again_on_the_next_rise() {
        let (a, b) = (T0 + 5 * 168, T0 + 6 * 168);
        let rate = |h: i64| if (a..a + 48).contains(&h) || (b..b + 48).contains(&h) { 75.0 } else { 50.0 };
        let alerts = replay(&one_key(SeriesKey::platform("delivery"), series_of(7 * 168, rate, 5)), &SpikeConfig::default());
        let hours: Vec<i64> = alerts.iter().filter(|x| x.kind == AlertKind::SlowRise).map(|x| x.hour).collect();
        assert_eq!(hours.len(), 2, "{hours:?}");
        assert!((a..a + 48).contains(&hours[0]) && (b..b + 48).contains(&hours[1]), "{hours:?}");
    }

    #[test]
    fn a_platform_spike_silences_the_same_category_for_merchants_only() {
        let now = T0 + 4 * 168;
        let cfg = SpikeConfig::default();
        let flat = |n: u32, last: u32| -> Series { (T0..now).map(|h| (h, n)).chain([(now, last)]).collect() };
        let counts = Counts::from([
            (SeriesKey::platform("delivery"), flat(20, 80)),
            (SeriesKey::merchant("m1", "delivery"), flat(1, 10)),
            (SeriesKey::merchant("m2", "delivery"), flat(1, 10)),
            (SeriesKey::merchant("m2", "hygiene"), flat(1, 10)),
            (SeriesKey { scope: Scope::Other("delivery".into()), category: String::new() }, flat(1, 10)),
        ]);
        let mut state = SpikeState::default();
        let alerts = detect(&counts, now, &cfg, &mut state);
        let silenced: Vec<String> = alerts.iter().filter(|a| a.silenced).map(|a| a.key.to_string()).collect();
        assert_eq!(alerts.len(), 5, "the platform's CUSUM jumped too, but its spike explains it: {alerts:#?}");
        assert_eq!(silenced, ["merchant:m1/delivery", "merchant:m2/delivery"]);
        // Silenced alerts start the merchant's cooldown too.
        assert_eq!(state.keys[&SeriesKey::merchant("m1", "delivery")].last_spike, Some(now));

        let groups = group(&alerts);
        let scopes: Vec<&Scope> = groups.iter().map(|g| &g.scope).collect();
        assert_eq!(scopes, [&Scope::Platform, &Scope::Merchant("m2".into()), &Scope::Other("delivery".into())]);
        assert_eq!(groups[1].alerts.len(), 1, "m2's hygiene only");
        assert_eq!(serde_json::to_value(&groups[1].scope).unwrap(), "merchant:m2");

        // Within the platform's cooldown a merchant's first spike is silenced too.
        let mut later = counts.clone();
        for (key, series) in later.iter_mut() {
            series.insert(now + 1, if key.to_string() == "merchant:m3/delivery" { 10 } else { 20 });
        }
        later.insert(SeriesKey::merchant("m3", "delivery"), flat(1, 0).into_iter().chain([(now + 1, 10)]).collect());
        let alerts = detect(&later, now + 1, &cfg, &mut state);
        assert!(alerts.iter().any(|a| a.key == SeriesKey::merchant("m3", "delivery") && a.silenced), "{alerts:#?}");
    }

    #[test]
    fn food_safety_bursts() {
        let cfg = SpikeConfig::default();
        assert!(!food_safety_burst(2, &cfg) && food_safety_burst(3, &cfg));
        let key = SeriesKey::merchant("m", "food_safety");
        let mut state = SpikeState::default();
        let minute = 29_000_000;
        assert!(food_safety_check(&SeriesKey::merchant("m", "delivery"), &Series::new(), minute, 9, &cfg, &mut state).is_none());
        assert!(food_safety_check(&SeriesKey::platform("food_safety"), &Series::new(), minute, 9, &cfg, &mut state).is_none());
        assert!(food_safety_check(&key, &Series::new(), minute, 2, &cfg, &mut state).is_none());
        let a = food_safety_check(&key, &Series::new(), minute, 3, &cfg, &mut state).expect("3 in 15 minutes");
        assert_eq!((a.kind, a.observed, a.hour, a.window_minutes), (AlertKind::FoodSafetyBurst, 3, minute / 60, 15));
        assert!(close(a.expected, cfg.min_expected / 4.0, 1e-12) && a.p < 1e-3);
        assert!(food_safety_check(&key, &Series::new(), minute + 5, 4, &cfg, &mut state).is_none(), "cooldown");
        assert!(food_safety_check(&key, &Series::new(), minute + 60, 3, &cfg, &mut state).is_some(), "an hour later");
    }

    #[test]
    fn config_validation() {
        assert_eq!(SpikeConfig::default().validate(), Ok(()));
        let bad = |f: fn(&mut SpikeConfig)| {
            let mut c = SpikeConfig::default();
            f(&mut c);
            c.validate().unwrap_err()
        };
        assert_eq!(bad(|c| c.weeks = 0), SpikeConfigError::Weeks(0));
        assert_eq!(bad(|c| c.seasonal_smoothing = 0.5), SpikeConfigError::SeasonalSmoothing(0.5));
        assert_eq!(bad(|c| c.alpha = 0.0), SpikeConfigError::Alpha(0.0));
        assert!(matches!(bad(|c| c.alpha = f64::NAN), SpikeConfigError::Alpha(_)));
        assert_eq!(bad(|c| c.min_count = 0), SpikeConfigError::MinCount);
        assert_eq!(bad(|c| c.min_ratio = 0.5), SpikeConfigError::MinRatio(0.5));
        assert_eq!(bad(|c| c.level_hours = 0), SpikeConfigError::LevelHours(0));
        assert_eq!(bad(|c| c.level_min = 1.5), SpikeConfigError::LevelClamp(1.5, 2.0));
        assert_eq!(bad(|c| c.level_max = 0.9), SpikeConfigError::LevelClamp(1.0, 0.9));
        assert_eq!(bad(|c| c.level_prior = -1.0), SpikeConfigError::LevelPrior(-1.0));
        assert_eq!(bad(|c| c.min_expected = 0.0), SpikeConfigError::MinExpected(0.0));
        assert_eq!(bad(|c| c.cusum_ratio = 1.0), SpikeConfigError::CusumRatio(1.0));
        assert!(matches!(bad(|c| c.cusum_threshold = f64::INFINITY), SpikeConfigError::CusumThreshold(_)));
        assert_eq!(bad(|c| c.food_safety_category.clear()), SpikeConfigError::FoodSafetyCategory);
        assert_eq!(bad(|c| c.food_safety_min = 0), SpikeConfigError::FoodSafetyMin);
        // JSON may name only some fields.
        let c: SpikeConfig = serde_json::from_str(r#"{"alpha": 0.001}"#).unwrap();
        assert_eq!(c, SpikeConfig { alpha: 0.001, ..SpikeConfig::default() });
    }

    #[test]
    fn alerts_are_plain_json() {
        let a = Alert {
            key: SeriesKey::merchant("m", "delivery"),
            hour: 490_000,
            kind: AlertKind::SlowRise,
            observed: 9,
            expected: 2.5,
            p: 0.001,
            window_minutes: 180,
            silenced: false,
        };
        let v = serde_json::to_value(&a).unwrap();
        assert_eq!(v["key"], "merchant:m/delivery");
        assert_eq!(v["kind"], "slow_rise");
        assert_eq!(serde_json::from_value::<Alert>(v).unwrap(), a);
    }

    proptest::proptest! {
        #[test]
        fn the_tail_is_a_probability_and_falls_with_k(k in 0u64..2_000, lambda in 0.0f64..1_500.0) {
            let (p, q) = (poisson_upper_tail(k, lambda), poisson_upper_tail(k + 1, lambda));
            proptest::prop_assert!((0.0..=1.0).contains(&p), "P(X ≥ {}) = {}", k, p);
            // Non-increasing up to rounding (the two sums meet near λ).
            proptest::prop_assert!(q <= p * (1.0 + 1e-12), "P(X ≥ {}) = {} > P(X ≥ {}) = {}", k + 1, q, k, p);
        }
    }
}
