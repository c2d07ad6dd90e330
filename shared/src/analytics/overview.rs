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

use crate::analytics::dims::{Dimension, Metric, TimeBase};
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

/// Tickets counted under one value of a dimension.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct KeyCount {
    pub k: String,
    pub label: Option<String>,
    pub n: f64,
}

/// The sums of every measure of the counts (D1 answers numbers as floats; sums of nothing are null).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Totals {
    pub tickets: Option<f64>,
    pub escalated: Option<f64>,
    pub resolved_ever: Option<f64>,
    pub reopened: Option<f64>,
    pub urged: Option<f64>,
    pub sla_tracked: Option<f64>,
    pub sla_breached: Option<f64>,
    pub windowed: Option<f64>,
    pub window_missed: Option<f64>,
    pub csat_1: Option<f64>,
    pub csat_2: Option<f64>,
    pub csat_3: Option<f64>,
    pub csat_4: Option<f64>,
    pub csat_5: Option<f64>,
    pub auto_replied: Option<f64>,
}

/// One merchant's sums.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct MerchantRow {
    pub merchant_id: String,
    pub name: Option<String>,
    pub tickets: f64,
    pub windowed: f64,
    pub window_missed: f64,
    pub escalated: f64,
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
    pub breakdowns: Vec<(Dimension, Vec<KeyCount>)>,
    pub totals: Totals,
    /// `(metric, base)` → bucket → count.
    pub durations: BTreeMap<(Metric, TimeBase), BTreeMap<u16, u64>>,
    /// Pending tickets per hour they came in.
    pub pending: Vec<HourCount>,
    pub merchants: Vec<MerchantRow>,
    /// `None` when the filters are narrower than deflections are counted.
    pub deflections: Option<u64>,
    pub words: Vec<WordRow>,
    pub spikes: Vec<SpikeEvent>,
}

fn n(v: Option<f64>) -> u64 {
    v.unwrap_or(0.0).max(0.0).round() as u64
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

/// The overview of `range`, cut by `g`, at `now_hour` (for the backlog's ages).
pub fn assemble(c: &Counted, range: &Range, g: Granularity, now_hour: i64) -> Overview {
    let prev = range.previous();
    let mut per_period: BTreeMap<i64, (u64, u64)> = range.periods(g).into_iter().map(|p| (p, (0, 0))).collect();
    for h in &c.hourly {
        let hour = h.hour as i64;
        let count = n(Some(h.n));
        if (range.from..range.to).contains(&hour) {
            if let Some(slot) = per_period.get_mut(&range.period_start(hour, g)) {
                slot.0 += count;
            }
        } else if (prev.from..prev.to).contains(&hour) {
            // The same place in the previous range.
            let shifted = hour + range.hours();
            if let Some(slot) = per_period.get_mut(&range.period_start(shifted, g)) {
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
    let slices = |dim: Dimension| -> Vec<Slice> {
        c.breakdowns
            .iter()
            .find(|(d, _)| *d == dim)
            .map(|(_, rows)| {
                rows.iter().map(|r| Slice { key: r.k.clone(), label: r.label.clone().unwrap_or_else(|| r.k.clone()), tickets: n(Some(r.n)) }).collect()
            })
            .unwrap_or_default()
    };
    let t = &c.totals;
    let tickets = n(t.tickets);
    let dist = [n(t.csat_1), n(t.csat_2), n(t.csat_3), n(t.csat_4), n(t.csat_5)];
    let csat_n: u64 = dist.iter().sum();
    let csat_sum: u64 = dist.iter().enumerate().map(|(i, k)| (i as u64 + 1) * k).sum();
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
    let deflections = c.deflections.unwrap_or(0);
    let kpis = Kpis {
        tickets,
        first_response: percentiles(Metric::FirstResponse),
        resolution: percentiles(Metric::Resolution),
        merchant_response: percentiles(Metric::MerchantResponse),
        sla_met: rate(n(t.sla_tracked).saturating_sub(n(t.sla_breached)), n(t.sla_tracked)),
        window_met: rate(n(t.windowed).saturating_sub(n(t.window_missed)), n(t.windowed)),
        escalated_rate: rate(n(t.escalated), tickets),
        reopen_rate: rate(n(t.reopened), n(t.resolved_ever)),
        urge_rate: rate(n(t.urged), tickets),
        csat_avg: (csat_n > 0).then(|| csat_sum as f64 / csat_n as f64),
        csat_n,
        csat_dist: dist,
        auto_reply_rate: rate(n(t.auto_replied), tickets),
        deflections,
        deflection_rate: c.deflections.and_then(|d| rate(d, d + tickets)),
    };
    let mut backlog: Vec<Slice> = BACKLOG_BANDS.iter().map(|(label, _)| Slice { key: (*label).into(), label: (*label).into(), tickets: 0 }).collect();
    for h in &c.pending {
        let age = now_hour - h.hour as i64;
        let band = BACKLOG_BANDS.iter().position(|(_, up_to)| age < *up_to).unwrap_or(BACKLOG_BANDS.len() - 1);
        backlog[band].tickets += n(Some(h.n));
    }
    let merchants = c
        .merchants
        .iter()
        .map(|m| {
            let (windowed, missed) = (n(Some(m.windowed)), n(Some(m.window_missed)));
            MerchantKpis {
                merchant: m.merchant_id.clone(),
                name: m.name.clone().unwrap_or_else(|| m.merchant_id.clone()),
                tickets: n(Some(m.tickets)),
                window_met: rate(windowed.saturating_sub(missed), windowed),
                escalated_rate: rate(n(Some(m.escalated)), n(Some(m.tickets))),
            }
        })
        .collect();
    let mut words: BTreeMap<&str, Vec<WordTrend>> = BTreeMap::new();
    for w in &c.words {
        words.entry(&w.category).or_default().push(WordTrend { word: w.word.clone(), this_week: n(Some(w.this_week)), last_week: n(Some(w.last_week)) });
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
        by_category: slices(Dimension::Category),
        by_priority: slices(Dimension::Priority),
        by_merchant: slices(Dimension::Merchant),
        by_site: slices(Dimension::Site),
        by_channel: slices(Dimension::Channel),
        by_region: slices(Dimension::Region),
        kpis,
        backlog,
        merchants,
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

    #[test]
    fn rates_and_csat() {
        let totals = Totals {
            tickets: Some(10.0),
            escalated: Some(2.0),
            resolved_ever: Some(4.0),
            reopened: Some(1.0),
            urged: Some(3.0),
            sla_tracked: Some(8.0),
            sla_breached: Some(2.0),
            windowed: Some(5.0),
            window_missed: Some(1.0),
            csat_1: Some(1.0),
            csat_5: Some(3.0),
            auto_replied: Some(2.0),
            ..Totals::default()
        };
        let o = assemble(&Counted { totals, deflections: Some(10), ..Counted::default() }, &range(), Granularity::Day, 0);
        let k = o.kpis;
        assert_eq!((k.sla_met, k.window_met, k.escalated_rate, k.reopen_rate), (Some(0.75), Some(0.8), Some(0.2), Some(0.25)));
        assert_eq!((k.urge_rate, k.auto_reply_rate, k.deflection_rate), (Some(0.3), Some(0.2), Some(0.5)));
        assert_eq!((k.csat_n, k.csat_avg, k.csat_dist), (4, Some(4.0), [1, 0, 0, 0, 3]));
        let empty = assemble(&Counted::default(), &range(), Granularity::Day, 0).kpis;
        assert_eq!((empty.sla_met, empty.csat_avg, empty.deflection_rate), (None, None, None));
    }

    #[test]
    fn backlog_bands_by_age() {
        let now = 1000;
        let pending = [(now, 1.0), (now - 2, 2.0), (now - 30, 3.0), (now - 500, 4.0)].map(|(h, n)| HourCount { hour: h as f64, n }).to_vec();
        let o = assemble(&Counted { pending, ..Counted::default() }, &range(), Granularity::Day, now);
        let got: Vec<u64> = o.backlog.iter().map(|b| b.tickets).collect();
        assert_eq!(got, [1, 2, 0, 3, 0, 4]);
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
