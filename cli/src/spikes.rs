//! `qingting spikes`: the alerts the cron's spike detector would raise over a history, through the
//! same code ([`spike::replay`]). stdin: hourly counts as JSON lines `{"key", "hour", "count"}`
//! (`key` as `platform/<category>`, `merchant:<id>/<category>` or any other string, an independent
//! series; `hour` RFC 3339, any instant in the hour; lines for the same key and hour add up; any
//! number of keys, any order). A bad line gets an `{"line","error":{"code","message"}}` line at
//! once and is skipped; at the end of the input, one line per alert in time order:
//! `{"key","hour","kind","observed","expected","p","window_minutes","silenced"}` with `hour` in
//! RFC 3339 UTC. Judging starts `--weeks` weeks after the earliest hour (the history before it).

use std::io::{self, BufRead, BufWriter, Write};

use qingting_shared::analytics::spike::{self, Counts, SeriesKey, SpikeConfig};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::CliError;

/// The detector's settings; each defaults to `SpikeConfig::default()`.
#[derive(clap::Args, Debug, Default)]
pub struct Args {
    /// The false-alarm budget of one run, split over the keys it tests [default: 0.01].
    #[arg(long)]
    pub alpha: Option<f64>,
    /// Weeks of history for the expected count [default: 4].
    #[arg(long)]
    pub weeks: Option<u32>,
    /// Fewest complaints in an hour that can alert [default: 5].
    #[arg(long)]
    pub min_count: Option<u32>,
    /// Smallest multiple of the expected count that can alert [default: 2].
    #[arg(long)]
    pub min_ratio: Option<f64>,
    /// Hours after an alert before the same key alerts again [default: 6].
    #[arg(long)]
    pub cooldown_hours: Option<u32>,
}

impl Args {
    /// The default configuration with the given flags over it, validated.
    pub fn config(&self) -> Result<SpikeConfig, CliError> {
        let d = SpikeConfig::default();
        let cfg = SpikeConfig {
            alpha: self.alpha.unwrap_or(d.alpha),
            weeks: self.weeks.unwrap_or(d.weeks),
            min_count: self.min_count.unwrap_or(d.min_count),
            min_ratio: self.min_ratio.unwrap_or(d.min_ratio),
            cooldown_hours: self.cooldown_hours.unwrap_or(d.cooldown_hours),
            ..d
        };
        cfg.validate().map_err(|e| CliError::Usage(e.to_string()))?;
        Ok(cfg)
    }
}

#[derive(Deserialize)]
struct Line {
    key: String,
    hour: String,
    count: u32,
}

fn error(n: usize, code: &str, message: String) -> Value {
    json!({"line": n, "error": {"code": code, "message": message}})
}

/// Adds one input line to `counts`, or says why it cannot.
pub fn add_line(counts: &mut Counts, text: &str, n: usize) -> Result<(), Value> {
    let line: Line = serde_json::from_str(text).map_err(|e| error(n, "invalid_line", format!("each line is {{\"key\", \"hour\", \"count\"}}: {e}")))?;
    let key: SeriesKey = line.key.parse().map_err(|e: spike::SeriesKeyError| error(n, "invalid_key", e.to_string()))?;
    let hour = spike::parse_hour(&line.hour).map_err(|e| error(n, "invalid_time", e.to_string()))?;
    let slot = counts.entry(key).or_default().entry(hour).or_default();
    *slot = slot.saturating_add(line.count);
    Ok(())
}

/// One output line per alert.
pub fn alert_line(a: &spike::Alert) -> Value {
    json!({
        "key": a.key,
        "hour": spike::format_hour(a.hour),
        "kind": a.kind,
        "observed": a.observed,
        "expected": a.expected,
        "p": a.p,
        "window_minutes": a.window_minutes,
        "silenced": a.silenced,
    })
}

pub fn run(args: &Args) -> Result<(), CliError> {
    let cfg = args.config()?;
    let mut out = BufWriter::new(io::stdout().lock());
    let io_err = |source| CliError::Io { path: "stdout".into(), source };
    let mut counts = Counts::new();
    for (n, line) in io::stdin().lock().split(b'\n').enumerate() {
        let line = line.map_err(|source| CliError::Io { path: "stdin".into(), source })?;
        let refused = match String::from_utf8(line) {
            Ok(line) if line.trim().is_empty() => continue,
            Ok(line) => add_line(&mut counts, &line, n + 1).err(),
            Err(_) => Some(error(n + 1, "invalid_utf8", "the line is not valid UTF-8".into())),
        };
        if let Some(refused) = refused {
            writeln!(out, "{refused}").map_err(io_err)?;
        }
    }
    for alert in spike::replay(&counts, &cfg) {
        writeln!(out, "{}", alert_line(&alert)).map_err(io_err)?;
    }
    out.flush().map_err(io_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_add_up_and_bad_ones_say_why() {
        let mut counts = Counts::new();
        add_line(&mut counts, r#"{"key": "merchant:m-1/delivery", "hour": "2026-11-30T08:00:00+08:00", "count": 2}"#, 1).unwrap();
        add_line(&mut counts, r#"{"key": "merchant:m-1/delivery", "hour": "2026-11-30T00:30:00Z", "count": 3}"#, 2).unwrap();
        let key = SeriesKey::merchant("m-1", "delivery");
        let hour = spike::parse_hour("2026-11-30T00:00:00Z").unwrap();
        assert_eq!(counts[&key][&hour], 5, "the same hour twice adds up");
        let code = |text: &str| add_line(&mut Counts::new(), text, 3).unwrap_err()["error"]["code"].clone();
        assert_eq!(code("not json"), "invalid_line");
        assert_eq!(code(r#"{"key": "x", "hour": "2026-11-30T00:00:00Z", "count": -1}"#), "invalid_line");
        assert_eq!(code(r#"{"key": "", "hour": "2026-11-30T00:00:00Z", "count": 1}"#), "invalid_key");
        assert_eq!(code(r#"{"key": "x", "hour": "yesterday", "count": 1}"#), "invalid_time");
    }

    #[test]
    fn flags_override_the_defaults_and_are_checked() {
        let cfg = Args { alpha: Some(0.001), cooldown_hours: Some(2), ..Args::default() }.config().unwrap();
        assert_eq!(cfg, SpikeConfig { alpha: 0.001, cooldown_hours: 2, ..SpikeConfig::default() });
        assert!(Args { weeks: Some(0), ..Args::default() }.config().is_err());
        assert!(Args { alpha: Some(1.5), ..Args::default() }.config().is_err());
    }
}
