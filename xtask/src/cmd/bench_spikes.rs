//! `cargo xtask bench-spikes [--series N] [--seed N] [--config JSON]`: the spike detector replayed
//! over seeded synthetic hourly series, as the cron would run it (issue 14).
//!
//! The series: ten weeks of Poisson counts from 2026-01-05 (a Monday, UTC+8) with a weekly profile
//! (night low, lunch and dinner peaks, weekends 1.25× weekdays), the same four holidays for every
//! series (days 12 and 37 at 1.5×, 23 and 51 at 0.5×; 12 and 23 fall in the history weeks only)
//! and base rates (the week's mean per hour) of 0.2, 1, 5 and 20 for merchant keys and 5, 20
//! and 100 for platform keys (category level: they also have the slow-rise CUSUM). `--series` of
//! each (scope, rate) stay clean, as many get a 2× step and as many a 3× step at a random hour of
//! weeks 6–8 that lasts to the end. Every series has its own category, so silencing never
//! applies. All of them go through one [`spike::replay`] (one Bonferroni split over all keys, as
//! one cron run over the whole platform), with the default [`SpikeConfig`] or `--config`'s JSON
//! over it (`{"alpha": 0.00021}` gives each key the share it would have among 20,000).
//!
//! Printed as a markdown table per (scope, rate, step): the judged cell-hours before any step
//! (clean series, and stepped ones before their step) on ordinary days and on holidays, false
//! alarms per 10,000 of each by kind (a 1.5× holiday is a real rise, which the detectors are meant
//! to see: the split keeps it apart), the share of stepped series alerted within a week of the
//! step by kind, and the delay of the first alert (hours after the step's first hour; 0 = in it).

use std::collections::BTreeMap;
use std::time::Instant;

use qingting_shared::analytics::spike::{self, AlertKind, Counts, HOURS_PER_WEEK, Series, SeriesKey, SpikeConfig};

use crate::util::{Result, step};

const USAGE: &str = "usage: cargo xtask bench-spikes [--series N] [--seed N] [--config JSON]";
/// Weeks of data per series (the first `weeks` of the config are history only).
const WEEKS: i64 = 10;
/// A step is looked for this long after it starts.
const DETECTION_HOURS: i64 = 168;
/// Days from the start at 1.5× or 0.5× (local days, UTC+8).
const HOLIDAYS: [(i64, f64); 4] = [(12, 1.5), (23, 0.5), (37, 1.5), (51, 0.5)];
const MERCHANT_RATES: [f64; 4] = [0.2, 1.0, 5.0, 20.0];
const PLATFORM_RATES: [f64; 3] = [5.0, 20.0, 100.0];
const STEPS: [f64; 3] = [1.0, 2.0, 3.0];

struct Args {
    series: usize,
    seed: u64,
    config: SpikeConfig,
}

fn parse_args(args: &[String]) -> Result<Args> {
    let mut parsed = Args { series: 20, seed: 14, config: SpikeConfig::default() };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(USAGE)?;
        match flag.as_str() {
            "--series" => parsed.series = value.parse::<usize>().map_err(|_| USAGE)?.max(1),
            "--seed" => parsed.seed = value.parse().map_err(|_| USAGE)?,
            "--config" => {
                parsed.config = serde_json::from_str(value).map_err(|e| format!("--config: {e}"))?;
            }
            _ => return Err(USAGE.into()),
        }
    }
    parsed.config.validate().map_err(|e| format!("--config: {e}"))?;
    Ok(parsed)
}

/// splitmix64: small, fast, seeded.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1).
    fn uniform(&mut self) -> f64 {
        ((self.next() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// Exact Poisson: Knuth's product method, split in halves above 30 (a sum of Poissons is one).
    fn poisson(&mut self, lambda: f64) -> u32 {
        if lambda > 30.0 {
            return self.poisson(lambda / 2.0) + self.poisson(lambda / 2.0);
        }
        let limit = (-lambda).exp();
        let (mut k, mut p) = (0u32, self.uniform());
        while p > limit {
            k += 1;
            p *= self.uniform();
        }
        k
    }
}

/// The weekly profile (mean 1 over the week) and the holidays: the multiplier of the base rate.
struct Shape {
    week: [f64; 168],
    start: i64,
}

impl Shape {
    fn new(start: i64) -> Shape {
        // Per local hour of the day: night, breakfast, the lunch peak, afternoon, the dinner peak.
        const DAY: [f64; 24] = [0.4, 0.25, 0.15, 0.1, 0.1, 0.15, 0.3, 0.6, 0.8, 0.9, 1.2, 1.9, 2.4, 1.8, 1.1, 0.9, 1.0, 1.5, 2.1, 1.8, 1.3, 1.0, 0.8, 0.6];
        let mut week = [0.0; 168];
        for (i, w) in week.iter_mut().enumerate() {
            let weekend = if i / 24 >= 5 { 1.25 } else { 1.0 };
            *w = DAY[i % 24] * weekend;
        }
        let mean = week.iter().sum::<f64>() / 168.0;
        week.iter_mut().for_each(|w| *w /= mean);
        Shape { week, start }
    }

    /// Local (UTC+8) hours since the start, which is a Monday 00:00.
    fn local(&self, hour: i64) -> i64 {
        hour - self.start
    }

    fn holiday(&self, hour: i64) -> Option<f64> {
        let day = self.local(hour).div_euclid(24);
        HOLIDAYS.iter().find(|(d, _)| *d == day).map(|(_, f)| *f)
    }

    fn factor(&self, hour: i64) -> f64 {
        self.week[self.local(hour).rem_euclid(HOURS_PER_WEEK) as usize] * self.holiday(hour).unwrap_or(1.0)
    }
}

/// One synthetic series and what was injected into it.
struct Planted {
    key: SeriesKey,
    platform: bool,
    rate: f64,
    step: f64,
    /// The step's first hour (`i64::MAX` when clean).
    at: i64,
}

#[derive(Default)]
struct Row {
    series: usize,
    stepped: usize,
    /// Judged hours before any step: on ordinary days, on holidays.
    clean_hours: [u64; 2],
    /// Alerts in them, by kind and the same split.
    false_alarms: BTreeMap<(AlertKind, bool), u64>,
    detected: BTreeMap<AlertKind, usize>,
    detected_any: usize,
    delays: Vec<i64>,
}

pub fn bench_spikes(args: &[String]) -> Result<()> {
    let args = parse_args(args)?;
    let cfg = &args.config;
    let start = spike::parse_hour("2026-01-05T00:00:00+08:00").map_err(|e| e.to_string())?;
    let end = start + WEEKS * HOURS_PER_WEEK;
    let judged_from = start + HOURS_PER_WEEK * i64::from(cfg.weeks);
    let shape = Shape::new(start);
    let mut rng = Rng(args.seed);

    let mut planted = Vec::new();
    let mut counts = Counts::new();
    let scopes = MERCHANT_RATES.iter().map(|&r| (false, r)).chain(PLATFORM_RATES.iter().map(|&r| (true, r)));
    for (platform, rate) in scopes {
        for step in STEPS {
            for _ in 0..args.series {
                let n = planted.len();
                let category = format!("c{n}");
                let key = if platform { SeriesKey::platform(category) } else { SeriesKey::merchant(format!("m{n}"), category) };
                // Weeks 6–8: at least a week of history-only hours before, two weeks of step after.
                let at = if step > 1.0 { start + 5 * HOURS_PER_WEEK + rng.below(3 * HOURS_PER_WEEK as u64) as i64 } else { i64::MAX };
                let series: Series =
                    (start..end).map(|h| (h, rng.poisson(rate * shape.factor(h) * if h >= at { step } else { 1.0 }))).filter(|(_, n)| *n > 0).collect();
                counts.insert(key.clone(), series);
                planted.push(Planted { key, platform, rate, step, at });
            }
        }
    }
    let cells: usize = planted.len();
    step(&format!(
        "{cells} series × {} weeks ({} judged); α {} per run over {cells} keys = {:.1e} per key and hour",
        WEEKS,
        WEEKS - i64::from(cfg.weeks),
        cfg.alpha,
        cfg.alpha / cells as f64
    ));

    let started = Instant::now();
    let alerts = spike::replay(&counts, cfg);
    let took = started.elapsed();

    let mut by_key: BTreeMap<&SeriesKey, Vec<&spike::Alert>> = BTreeMap::new();
    for a in &alerts {
        by_key.entry(&a.key).or_default().push(a);
    }
    let mut rows: BTreeMap<(bool, u64, u64), Row> = BTreeMap::new();
    for p in &planted {
        let row = rows.entry((p.platform, (p.rate * 10.0) as u64, (p.step * 10.0) as u64)).or_default();
        row.series += 1;
        for h in judged_from..p.at.min(end) {
            row.clean_hours[usize::from(shape.holiday(h).is_some())] += 1;
        }
        let mine = by_key.get(&p.key).map_or(&[][..], Vec::as_slice);
        for a in mine.iter().filter(|a| a.hour < p.at) {
            *row.false_alarms.entry((a.kind, shape.holiday(a.hour).is_some())).or_default() += 1;
        }
        if p.step > 1.0 {
            row.stepped += 1;
            let after: Vec<&&spike::Alert> = mine.iter().filter(|a| a.hour >= p.at && a.hour < p.at + DETECTION_HOURS).collect();
            for kind in AlertKind::ALL {
                if after.iter().any(|a| a.kind == *kind) {
                    *row.detected.entry(*kind).or_default() += 1;
                }
            }
            if let Some(first) = after.first() {
                row.detected_any += 1;
                row.delays.push(first.hour - p.at);
            }
        }
    }

    let mut table = String::from(
        "| scope | λ/h | step | series | cell-hours before the step: ordinary days | holidays | false alarms /10k, ordinary days: spike | slow rise | holidays: spike | slow rise | detected within a week: spike | slow rise | any | delay h: median | p90 |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for ((platform, rate10, step10), row) in &mut rows {
        let fa = |k: AlertKind, holiday: bool| {
            let hours = row.clean_hours[usize::from(holiday)];
            let n = row.false_alarms.get(&(k, holiday)).copied().unwrap_or(0);
            if hours == 0 { "—".to_string() } else { format!("{:.2}", n as f64 * 1e4 / hours as f64) }
        };
        let share = |n: usize| if row.stepped == 0 { "—".to_string() } else { format!("{:.0} %", 100.0 * n as f64 / row.stepped as f64) };
        let det = |k: AlertKind| share(row.detected.get(&k).copied().unwrap_or(0));
        row.delays.sort_unstable();
        let pct = |q: f64| {
            if row.delays.is_empty() { "—".to_string() } else { row.delays[((row.delays.len() - 1) as f64 * q).round() as usize].to_string() }
        };
        let na = |s: String| if *platform { s } else { "—".to_string() };
        table.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            if *platform { "platform" } else { "merchant" },
            *rate10 as f64 / 10.0,
            if *step10 == 10 { "none".to_string() } else { format!("{}×", *step10 as f64 / 10.0) },
            row.series,
            row.clean_hours[0],
            row.clean_hours[1],
            fa(AlertKind::Spike, false),
            na(fa(AlertKind::SlowRise, false)),
            fa(AlertKind::Spike, true),
            na(fa(AlertKind::SlowRise, true)),
            det(AlertKind::Spike),
            na(det(AlertKind::SlowRise)),
            share(row.detected_any),
            pct(0.5),
            pct(0.9),
        ));
    }
    let total_fa: u64 = rows.values().map(|r| r.false_alarms.values().sum::<u64>()).sum();
    let total_hours: u64 = rows.values().map(|r| r.clean_hours.iter().sum::<u64>()).sum();
    step(&format!(
        "replayed {} cell-hours in {took:.1?}: {} alerts, {total_fa} false alarms in {total_hours} clean cell-hours ({:.2} per 10,000)",
        cells as i64 * (end - judged_from),
        alerts.len(),
        total_fa as f64 * 1e4 / total_hours.max(1) as f64
    ));
    println!("\n{table}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shape_has_mean_one_and_peaks_at_meals() {
        let start = spike::parse_hour("2026-01-05T00:00:00+08:00").unwrap();
        let shape = Shape::new(start);
        let week: f64 = (0..168).map(|h| shape.week[h]).sum();
        assert!((week / 168.0 - 1.0).abs() < 1e-12);
        // Local noon on Monday is 04:00 UTC.
        assert!(shape.factor(start + 12) > 2.0 && shape.factor(start + 3) < 0.2);
        assert_eq!(shape.holiday(start + 12 * 24 + 5), Some(1.5));
    }

    #[test]
    fn the_sampler_has_the_right_mean() {
        let mut rng = Rng(1);
        for lambda in [0.2, 5.0, 80.0] {
            let mean = (0..20_000).map(|_| f64::from(rng.poisson(lambda))).sum::<f64>() / 20_000.0;
            assert!((mean / lambda - 1.0).abs() < 0.05, "{lambda}: {mean}");
        }
    }

    #[test]
    fn arguments() {
        let args = |a: &[&str]| parse_args(&a.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(args(&[]).unwrap().series, 20);
        assert_eq!(args(&["--series", "3", "--config", r#"{"alpha": 0.001}"#]).unwrap().config.alpha, 0.001);
        assert!(args(&["--series"]).is_err());
        assert!(args(&["--config", r#"{"weeks": 0}"#]).is_err());
    }
}
