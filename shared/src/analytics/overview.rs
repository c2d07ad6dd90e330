//! The dashboard's overview from counted rows: periods folded in the viewer's zone beside the
//! previous range, rates, percentiles from the duration histogram, the backlog by age and the
//! words' weekly trend. The worker reads the rows (`worker/src/store/analytics.rs`) and calls
//! [`assemble`]; nothing here reads tickets.
//!
//! ```
//! use qingting_shared::analytics::overview::{assemble, Counted, HourCount};
//! use qingting_shared::analytics::period::{Granularity, Range, Zone};
//! let range = Range::of_days("2026-12-01", "2026-12-02", Zone::default()).unwrap();
//! let counted = Counted {
//!     hourly: vec![HourCount { hour: range.from as f64, n: 3.0 }, HourCount { hour: (range.from - 24) as f64, n: 1.0 }],
//!     ..Counted::default()
//! };
//! let o = assemble(&counted, &range, Granularity::Day, range.to);
//! assert_eq!((o.volume[0].label.as_str(), o.volume[0].tickets, o.volume[0].previous), ("2026-12-01", 3, 0));
//! assert_eq!(o.volume[1].previous, 1); // 30 Nov is the day before the range's second day, one range earlier
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::analytics::dims::{Dimension, Metric, Outcome, TimeBase};
use crate::analytics::duration::quantile;
use crate::analytics::period::{Granularity, Range, instant_of};
use crate::api::analytics::{CategoryWords, Kpis, MerchantKpis, Overview, Percentiles, Slice, SpikeEvent, VolumePoint, WordTrend};

/// Words shown per category.
pub const WORDS_PER_CATEGORY: usize = 8;

/// The backlog's age bands: (label, up to this many hours old).
pub const BACKLOG_BANDS: [(&str, i64); 6] = [("<1h", 1), ("1–4h", 4), ("4–24h", 24), ("1–3d", 72), ("3–7d", 168), (">7d", i64::MAX)];

/// Tickets counted in one hour.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct HourCount {
    pub hour: f64,
    pub n: f64,
}

/// The sums of every measure over one combination of the dimensions (site, merchant, category,
/// priority, channel, region, outcome) within a range: what the overview reads in one pass and
/// folds into the totals, every breakdown and the per-merchant table. D1 answers numbers as
/// floats.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Cell {
    pub site_key: String,
    pub site_name: Option<String>,
    pub merchant_id: String,
    pub merchant_name: Option<String>,
    pub category: String,
    pub priority: String,
    pub channel: String,
    pub region: String,
    pub outcome: String,
    pub tickets: f64,
    pub escalated: f64,
    pub resolved_ever: f64,
    pub reopened: f64,
    pub urged: f64,
    pub sla_tracked: f64,
    pub sla_breached: f64,
    pub windowed: f64,
    pub window_missed: f64,
    pub csat_1: f64,
    pub csat_2: f64,
    pub csat_3: f64,
    pub csat_4: f64,
    pub csat_5: f64,
}

/// Every measure summed over cells.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Totals {
    pub tickets: u64,
    pub escalated: u64,
    pub resolved_ever: u64,
    pub reopened: u64,
    pub urged: u64,
    pub sla_tracked: u64,
    pub sla_breached: u64,
    pub windowed: u64,
    pub window_missed: u64,
    /// Ratings of 1 to 5.
    pub csat: [u64; 5],
    pub auto_replied: u64,
}

impl Totals {
    /// The sums of `cells`.
    pub fn of<'a>(cells: impl IntoIterator<Item = &'a Cell>) -> Totals {
        let mut t = Totals::default();
        for c in cells {
            t.tickets += n(c.tickets);
            t.escalated += n(c.escalated);
            t.resolved_ever += n(c.resolved_ever);
            t.reopened += n(c.reopened);
            t.urged += n(c.urged);
            t.sla_tracked += n(c.sla_tracked);
            t.sla_breached += n(c.sla_breached);
            t.windowed += n(c.windowed);
            t.window_missed += n(c.window_missed);
            for (i, v) in [c.csat_1, c.csat_2, c.csat_3, c.csat_4, c.csat_5].into_iter().enumerate() {
                t.csat[i] += n(v);
            }
            if c.outcome == Outcome::AutoReplied.as_str() {
                t.auto_replied += n(c.tickets);
            }
        }
        t
    }
}

/// A word's counts in the last 7 days and the 7 before.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct WordRow {
    pub category: String,
    pub word: String,
    pub this_week: f64,
    pub last_week: f64,
}

/// Everything counted for one overview.
#[derive(Clone, Debug, Default)]
pub struct Counted {
    /// Tickets per hour over the previous range and this one.
    pub hourly: Vec<HourCount>,
    /// The range's cells (every combination of the dimensions with tickets).
    pub cells: Vec<Cell>,
    /// Whether to show merchants (the platform's view): the merchant breakdown and table.
    pub per_merchant: bool,
    /// `(metric, base)` → bucket → count.
    pub durations: BTreeMap<(Metric, TimeBase), BTreeMap<u16, u64>>,
    /// Pending tickets per hour they came in (the recent ones at least).
    pub pending: Vec<HourCount>,
    /// All pending tickets, when `pending` holds only the recent hours: the oldest band is the rest.
    pub pending_total: Option<u64>,
    /// `None` when the filters are narrower than deflections are counted.
    pub deflections: Option<u64>,
    pub words: Vec<WordRow>,
    pub spikes: Vec<SpikeEvent>,
}

fn n(v: f64) -> u64 {
    v.max(0.0).round() as u64
}

/// `part / whole`, `None` when `whole` is 0.
pub fn rate(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part.min(whole) as f64 / whole as f64)
}

/// An hour as RFC 3339 with milliseconds (`2026-12-01T16:00:00.000Z`): the form of
/// `complaints.created_at`, so text comparison in the inbox's filters is exact.
pub fn instant_text(hour: i64) -> String {
    instant_of(hour).format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Tickets per value of `dim`, largest first (ties by value), at most `limit`.
pub fn breakdown(cells: &[Cell], dim: Dimension, limit: usize) -> Vec<Slice> {
    let mut by: BTreeMap<&str, (u64, Option<&str>)> = BTreeMap::new();
    for c in cells {
        let (key, label) = match dim {
            Dimension::Category => (c.category.as_str(), None),
            Dimension::Priority => (c.priority.as_str(), None),
            Dimension::Merchant => (c.merchant_id.as_str(), c.merchant_name.as_deref()),
            Dimension::Site => (c.site_key.as_str(), c.site_name.as_deref()),
            Dimension::Channel => (c.channel.as_str(), None),
            Dimension::Region => (c.region.as_str(), None),
        };
        let slot = by.entry(key).or_insert((0, label));
        slot.0 += n(c.tickets);
    }
    let mut slices: Vec<Slice> = by
        .into_iter()
        .filter(|(_, (t, _))| *t > 0)
        .map(|(k, (t, label))| Slice { key: k.to_string(), label: label.unwrap_or(k).to_string(), tickets: t })
        .collect();
    slices.sort_by(|a, b| b.tickets.cmp(&a.tickets).then(a.key.cmp(&b.key)));
    slices.truncate(limit);
    slices
}

/// Per merchant (sites without one left out): tickets, window met and 平台介入 rates, the 20 with
/// the most tickets.
pub fn merchant_table(cells: &[Cell]) -> Vec<MerchantKpis> {
    let mut by: BTreeMap<&str, (Totals, Option<&str>)> = BTreeMap::new();
    for c in cells.iter().filter(|c| !c.merchant_id.is_empty()) {
        let slot = by.entry(&c.merchant_id).or_insert_with(|| (Totals::default(), c.merchant_name.as_deref()));
        let t = Totals::of([c]);
        slot.0.tickets += t.tickets;
        slot.0.windowed += t.windowed;
        slot.0.window_missed += t.window_missed;
        slot.0.escalated += t.escalated;
    }
    let mut rows: Vec<MerchantKpis> = by
        .into_iter()
        .filter(|(_, (t, _))| t.tickets > 0)
        .map(|(id, (t, name))| MerchantKpis {
            merchant: id.to_string(),
            name: name.unwrap_or(id).to_string(),
            tickets: t.tickets,
            window_met: rate(t.windowed.saturating_sub(t.window_missed), t.windowed),
            escalated_rate: rate(t.escalated, t.tickets),
        })
        .collect();
    rows.sort_by(|a, b| b.tickets.cmp(&a.tickets).then(a.merchant.cmp(&b.merchant)));
    rows.truncate(20);
    rows
}

/// The overview of `range`, cut by `g`, at `now_hour` (for the backlog's ages).
pub fn assemble(c: &Counted, range: &Range, g: Granularity, now_hour: i64) -> Overview {
    let prev = range.previous();
    let mut per_period: BTreeMap<i64, (u64, u64)> = range.periods(g).into_iter().map(|p| (p, (0, 0))).collect();
    for h in &c.hourly {
        let hour = h.hour as i64;
        let count = n(h.n);
        if (range.from..range.to).contains(&hour) {
            if let Some(slot) = per_period.get_mut(&range.period_start(hour, g)) {
                slot.0 += count;
            }
        } else if (prev.from..prev.to).contains(&hour) {
            // The same place in the previous range.
            if let Some(slot) = per_period.get_mut(&range.period_start(hour + range.hours(), g)) {
                slot.1 += count;
            }
        }
    }
    let volume = per_period
        .into_iter()
        .map(|(p, (tickets, previous))| VolumePoint {
            label: range.label(p, g),
            start: instant_text(p.max(range.from)),
            end: instant_text((p + g.hours()).min(range.to)),
            tickets,
            previous,
        })
        .collect();
    let t = Totals::of(&c.cells);
    let csat_n: u64 = t.csat.iter().sum();
    let csat_sum: u64 = t.csat.iter().enumerate().map(|(i, k)| (i as u64 + 1) * k).sum();
    let percentiles = |m: Metric| {
        let empty = BTreeMap::new();
        let business = c.durations.get(&(m, TimeBase::Business)).unwrap_or(&empty);
        let wall = c.durations.get(&(m, TimeBase::Wall)).unwrap_or(&empty);
        Percentiles {
            p50: quantile(business, 0.5),
            p90: quantile(business, 0.9),
            n: wall.values().sum(),
            wall_p50: quantile(wall, 0.5),
            wall_p90: quantile(wall, 0.9),
        }
    };
    let kpis = Kpis {
        tickets: t.tickets,
        first_response: percentiles(Metric::FirstResponse),
        resolution: percentiles(Metric::Resolution),
        merchant_response: percentiles(Metric::MerchantResponse),
        sla_met: rate(t.sla_tracked.saturating_sub(t.sla_breached), t.sla_tracked),
        window_met: rate(t.windowed.saturating_sub(t.window_missed), t.windowed),
        escalated_rate: rate(t.escalated, t.tickets),
        reopen_rate: rate(t.reopened, t.resolved_ever),
        urge_rate: rate(t.urged, t.tickets),
        csat_avg: (csat_n > 0).then(|| csat_sum as f64 / csat_n as f64),
        csat_n,
        csat_dist: t.csat,
        auto_reply_rate: rate(t.auto_replied, t.tickets),
        deflections: c.deflections.unwrap_or(0),
        deflection_rate: c.deflections.and_then(|d| rate(d, d + t.tickets)),
    };
    let mut backlog: Vec<Slice> = BACKLOG_BANDS.iter().map(|(label, _)| Slice { key: (*label).into(), label: (*label).into(), tickets: 0 }).collect();
    for h in &c.pending {
        let age = now_hour - h.hour as i64;
        let band = BACKLOG_BANDS.iter().position(|(_, up_to)| age < *up_to).unwrap_or(BACKLOG_BANDS.len() - 1);
        backlog[band].tickets += n(h.n);
    }
    if let Some(total) = c.pending_total {
        let recent: u64 = backlog[..BACKLOG_BANDS.len() - 1].iter().map(|b| b.tickets).sum();
        backlog[BACKLOG_BANDS.len() - 1].tickets = total.saturating_sub(recent);
    }
    let mut words: BTreeMap<&str, Vec<WordTrend>> = BTreeMap::new();
    for w in &c.words {
        words.entry(&w.category).or_default().push(WordTrend { word: w.word.clone(), this_week: n(w.this_week), last_week: n(w.last_week) });
    }
    let words = words
        .into_iter()
        .filter_map(|(category, mut list)| {
            list.retain(|w| w.this_week > 0);
            list.sort_by(|a, b| b.this_week.cmp(&a.this_week).then(a.last_week.cmp(&b.last_week)).then(a.word.cmp(&b.word)));
            list.truncate(WORDS_PER_CATEGORY);
            (!list.is_empty()).then(|| CategoryWords { category: category.to_string(), words: list })
        })
        .collect();
    Overview {
        from: range.label(range.from, Granularity::Day),
        to: range.label(range.to - 1, Granularity::Day),
        tz: range.zone.name(),
        granularity: g.as_str().into(),
        from_instant: instant_text(range.from),
        to_instant: instant_text(range.to),
        volume,
        by_category: breakdown(&c.cells, Dimension::Category, 20),
        by_priority: breakdown(&c.cells, Dimension::Priority, 20),
        by_merchant: if c.per_merchant { breakdown(&c.cells, Dimension::Merchant, 10) } else { Vec::new() },
        by_site: breakdown(&c.cells, Dimension::Site, 20),
        by_channel: breakdown(&c.cells, Dimension::Channel, 20),
        by_region: breakdown(&c.cells, Dimension::Region, 20),
        kpis,
        backlog,
        merchants: if c.per_merchant { merchant_table(&c.cells) } else { Vec::new() },
        words,
        spikes: c.spikes.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::duration::bucket;
    use crate::analytics::period::Zone;

    fn range() -> Range {
        Range::of_days("2026-11-30", "2026-12-06", Zone::default()).unwrap()
    }

    #[test]
    fn the_previous_week_lines_up_day_by_day() {
        let r = range();
        let hourly = vec![
            HourCount { hour: (r.from + 30) as f64, n: 2.0 },       // Tue 1 Dec
            HourCount { hour: (r.from - 168 + 30) as f64, n: 5.0 }, // Tue 24 Nov
            HourCount { hour: (r.from - 500) as f64, n: 9.0 },      // before both: ignored
        ];
        let o = assemble(&Counted { hourly, ..Counted::default() }, &r, Granularity::Day, r.to);
        assert_eq!(o.volume.len(), 7);
        assert_eq!((o.volume[1].label.as_str(), o.volume[1].tickets, o.volume[1].previous), ("2026-12-01", 2, 5));
        assert_eq!(o.volume.iter().map(|v| v.tickets + v.previous).sum::<u64>(), 7);
        assert_eq!(o.volume[0].start, "2026-11-29T16:00:00.000Z");
        assert_eq!(o.to_instant, "2026-12-06T16:00:00.000Z");
    }

    fn cell(merchant: &str, category: &str, outcome: &str) -> Cell {
        Cell { merchant_id: merchant.into(), category: category.into(), outcome: outcome.into(), site_key: "s".into(), ..Cell::default() }
    }

    #[test]
    fn rates_and_csat() {
        let cells = vec![
            Cell {
                tickets: 8.0,
                escalated: 2.0,
                resolved_ever: 4.0,
                reopened: 1.0,
                urged: 3.0,
                sla_tracked: 8.0,
                sla_breached: 2.0,
                windowed: 5.0,
                window_missed: 1.0,
                csat_1: 1.0,
                csat_5: 3.0,
                ..cell("m1", "delivery", "pending")
            },
            Cell { tickets: 2.0, ..cell("m2", "food_quality", "auto_replied") },
        ];
        let o = assemble(&Counted { cells, deflections: Some(10), per_merchant: true, ..Counted::default() }, &range(), Granularity::Day, 0);
        let k = &o.kpis;
        assert_eq!((k.sla_met, k.window_met, k.escalated_rate, k.reopen_rate), (Some(0.75), Some(0.8), Some(0.2), Some(0.25)));
        assert_eq!((k.urge_rate, k.auto_reply_rate, k.deflection_rate), (Some(0.3), Some(0.2), Some(0.5)));
        assert_eq!((k.csat_n, k.csat_avg, k.csat_dist), (4, Some(4.0), [1, 0, 0, 0, 3]));
        let cats: Vec<(&str, u64)> = o.by_category.iter().map(|s| (s.key.as_str(), s.tickets)).collect();
        assert_eq!(cats, [("delivery", 8), ("food_quality", 2)]);
        let merchants: Vec<(&str, Option<f64>)> = o.merchants.iter().map(|m| (m.merchant.as_str(), m.escalated_rate)).collect();
        assert_eq!(merchants, [("m1", Some(0.25)), ("m2", Some(0.0))]);
        let empty = assemble(&Counted::default(), &range(), Granularity::Day, 0).kpis;
        assert_eq!((empty.sla_met, empty.csat_avg, empty.deflection_rate), (None, None, None));
    }

    #[test]
    fn a_merchants_view_has_no_merchant_table() {
        let cells = vec![Cell { tickets: 3.0, merchant_name: Some("老街小馆".into()), ..cell("m1", "delivery", "pending") }];
        let o = assemble(&Counted { cells: cells.clone(), ..Counted::default() }, &range(), Granularity::Day, 0);
        assert!(o.merchants.is_empty() && o.by_merchant.is_empty());
        let o = assemble(&Counted { cells, per_merchant: true, ..Counted::default() }, &range(), Granularity::Day, 0);
        assert_eq!((o.by_merchant[0].label.as_str(), o.by_merchant[0].tickets), ("老街小馆", 3));
    }

    #[test]
    fn backlog_bands_by_age() {
        let now = 1000;
        let pending = [(now, 1.0), (now - 2, 2.0), (now - 30, 3.0), (now - 500, 4.0)].map(|(h, n)| HourCount { hour: h as f64, n }).to_vec();
        let o = assemble(&Counted { pending, ..Counted::default() }, &range(), Granularity::Day, now);
        let got: Vec<u64> = o.backlog.iter().map(|b| b.tickets).collect();
        assert_eq!(got, [1, 2, 0, 3, 0, 4]);
        // Only the last week by hour, and the total: the oldest band is the rest.
        let recent = [(now, 1.0), (now - 30, 3.0)].map(|(h, n)| HourCount { hour: h as f64, n }).to_vec();
        let o = assemble(&Counted { pending: recent, pending_total: Some(10), ..Counted::default() }, &range(), Granularity::Day, now);
        assert_eq!(o.backlog.iter().map(|b| b.tickets).collect::<Vec<_>>(), [1, 0, 0, 3, 0, 6]);
    }

    #[test]
    fn percentiles_come_from_the_histogram() {
        let mut durations = BTreeMap::new();
        let mut h = BTreeMap::new();
        for s in [60, 60, 600, 3600] {
            *h.entry(bucket(s)).or_insert(0) += 1;
        }
        durations.insert((Metric::FirstResponse, TimeBase::Wall), h.clone());
        durations.insert((Metric::FirstResponse, TimeBase::Business), h);
        let o = assemble(&Counted { durations, ..Counted::default() }, &range(), Granularity::Day, 0);
        let fr = o.kpis.first_response;
        assert_eq!(fr.n, 4);
        assert!((fr.p50.unwrap() - 60.0).abs() < 8.0);
        assert!((fr.p90.unwrap() - 3600.0).abs() < 450.0);
        assert_eq!(o.kpis.resolution.p50, None);
    }

    #[test]
    fn words_rank_by_this_week() {
        let row = |w: &str, a: f64, b: f64| WordRow { category: "delivery".into(), word: w.into(), this_week: a, last_week: b };
        let words = vec![row("超时", 5.0, 1.0), row("太慢", 9.0, 9.0), row("骑手", 0.0, 4.0)];
        let o = assemble(&Counted { words, ..Counted::default() }, &range(), Granularity::Day, 0);
        let got: Vec<&str> = o.words[0].words.iter().map(|w| w.word.as_str()).collect();
        assert_eq!(got, ["太慢", "超时"]);
    }
}
