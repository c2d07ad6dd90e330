//! The dashboards' JSON: `GET /v1/analytics/overview` (one answer per view of the dashboard) and
//! the spike events it marks. The console reads exactly these types.

use serde::{Deserialize, Serialize};

/// `GET /v1/analytics/overview?from=&to=&tz=&granularity=&merchant=&site=&category=&priority=&channel=&region=`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    /// The range as understood: first and last day (`YYYY-MM-DD`, in `tz`), the zone (`+08:00`)
    /// and the granularity of `volume`.
    pub from: String,
    pub to: String,
    pub tz: String,
    pub granularity: String,
    /// The range as RFC 3339 instants `[from, to)`, for drill-down links into the inbox.
    pub from_instant: String,
    pub to_instant: String,
    /// Tickets per period, with the same period of the range before beside it.
    pub volume: Vec<VolumePoint>,
    /// Breakdowns over the range, largest first (at most 20 each; merchants: the top 10).
    pub by_category: Vec<Slice>,
    pub by_priority: Vec<Slice>,
    pub by_merchant: Vec<Slice>,
    pub by_site: Vec<Slice>,
    pub by_channel: Vec<Slice>,
    pub by_region: Vec<Slice>,
    pub kpis: Kpis,
    /// Tickets still pending, by how long ago they came in (at the time of the request).
    pub backlog: Vec<Slice>,
    /// Per merchant (the platform's view): window met and 平台介入 rates, largest first.
    pub merchants: Vec<MerchantKpis>,
    /// The words that drive each category this week (the last 7 days) against the 7 before.
    pub words: Vec<CategoryWords>,
    /// Spike alerts raised in the range (newest first).
    pub spikes: Vec<SpikeEvent>,
}

/// One period of the volume chart.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct VolumePoint {
    /// The period's label in the viewer's zone.
    pub label: String,
    /// The period as RFC 3339 instants `[start, end)`.
    pub start: String,
    pub end: String,
    pub tickets: u64,
    /// The same period one range earlier.
    pub previous: u64,
}

/// One bar of a breakdown.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Slice {
    /// The value as stored and as the inbox filters it (`food_safety`, `P1`, a merchant id …);
    /// empty for "unknown".
    pub key: String,
    /// What to show (a merchant's or site's name); the key when it has no other name.
    pub label: String,
    pub tickets: u64,
}

/// A duration's p50 and p90 in seconds (business time unless said), and how many tickets measured.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    pub p50: Option<f64>,
    pub p90: Option<f64>,
    pub n: u64,
    /// The same in wall-clock time.
    pub wall_p50: Option<f64>,
    pub wall_p90: Option<f64>,
}

/// The headline figures of a range. Rates are in [0, 1], `None` when nothing to divide by.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Kpis {
    pub tickets: u64,
    pub first_response: Percentiles,
    pub resolution: Percentiles,
    pub merchant_response: Percentiles,
    /// Tickets with SLA clocks that breached neither clock / tickets with clocks.
    pub sla_met: Option<f64>,
    /// Merchant windows kept / tickets that had a merchant window.
    pub window_met: Option<f64>,
    /// Tickets the platform holds (平台介入) / tickets.
    pub escalated_rate: Option<f64>,
    /// Tickets reopened at least once / tickets resolved at least once.
    pub reopen_rate: Option<f64>,
    /// Tickets the customer hurried (催单) at least once / tickets.
    pub urge_rate: Option<f64>,
    /// The average rating and how many answered; `csat_dist[i]` = ratings of `i + 1`.
    pub csat_avg: Option<f64>,
    pub csat_n: u64,
    pub csat_dist: [u64; 5],
    /// Tickets answered at once by the FAQ / tickets.
    pub auto_reply_rate: Option<f64>,
    /// FAQ answers that solved the customer's problem before a complaint was written, and their
    /// share of deflections + tickets.
    pub deflections: u64,
    pub deflection_rate: Option<f64>,
}

/// One merchant's record over the range.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MerchantKpis {
    pub merchant: String,
    pub name: String,
    pub tickets: u64,
    pub window_met: Option<f64>,
    pub escalated_rate: Option<f64>,
}

/// The words behind one category.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CategoryWords {
    pub category: String,
    pub words: Vec<WordTrend>,
}

/// How often a word drove a complaint of the category: the last 7 days and the 7 before.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WordTrend {
    pub word: String,
    pub this_week: u64,
    pub last_week: u64,
}

/// A raised spike alert, as the dashboard marks it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SpikeEvent {
    pub id: String,
    /// `platform` or `merchant`.
    pub scope: String,
    pub merchant: Option<String>,
    pub merchant_name: Option<String>,
    pub category: String,
    /// `spike`, `slow_rise` or `food_safety_burst`.
    pub kind: String,
    /// The hour it concerns (RFC 3339, UTC) and when it was raised.
    pub hour: String,
    pub raised_at: String,
    pub observed: u64,
    pub expected: f64,
    pub p: f64,
}
