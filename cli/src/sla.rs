//! `qingting sla`: what the SLA clocks would say, through the same code as the worker. stdin
//! `{"id", "calendar", "start", "minutes", "pauses"?}` (the calendar in the JSON form the console
//! saves, `shared::workflow::calendar`; times RFC 3339; pauses `[[from, to], …]`) → `{"id", "due",
//! "due_local"}` (`due` in UTC, `due_local` in the calendar's zone); a bad line gets an error line.

use qingting_shared::workflow::calendar::{Calendar, Instant};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::CliError;

#[derive(Deserialize)]
struct Line {
    #[serde(default)]
    id: Value,
    calendar: Calendar,
    start: String,
    minutes: u32,
    #[serde(default)]
    pauses: Vec<(String, String)>,
}

fn error(id: Value, n: usize, code: &str, message: String) -> Value {
    json!({"id": id, "line": n, "error": {"code": code, "message": message}})
}

/// One output line for one input line.
pub fn line(text: &str, n: usize) -> Value {
    let id = serde_json::from_str::<Value>(text).ok().and_then(|v| v.get("id").cloned()).unwrap_or(Value::Null);
    let line: Line = match serde_json::from_str(text) {
        Ok(l) => l,
        Err(e) => return error(id, n, "invalid_line", e.to_string()),
    };
    let instant = |s: &str| Calendar::parse_instant(s);
    let start = match instant(&line.start) {
        Ok(t) => t,
        Err(e) => return error(id, n, "invalid_time", e.to_string()),
    };
    let mut pauses: Vec<(Instant, Instant)> = Vec::new();
    for (a, b) in &line.pauses {
        match (instant(a), instant(b)) {
            (Ok(a), Ok(b)) => pauses.push((a, b)),
            (Err(e), _) | (_, Err(e)) => return error(id, n, "invalid_time", e.to_string()),
        }
    }
    match line.calendar.add(start, i64::from(line.minutes) * 60, &pauses) {
        Ok(due) => json!({"id": line.id, "due": Calendar::format_instant(due), "due_local": line.calendar.local(due)}),
        Err(e) => error(id, n, "never_open", e.to_string()),
    }
}

pub fn run() -> Result<(), CliError> {
    crate::each_jsonl_line(line)
}

#[cfg(test)]
mod tests {
    use super::line;

    #[test]
    fn due_times_and_error_lines() {
        let cal = r#"{"zone": "Asia/Shanghai", "week": {"fri": ["09:00-18:00"], "mon": ["09:00-18:00"]}}"#;
        let ok = line(&format!(r#"{{"id": 1, "calendar": {cal}, "start": "2026-12-04T17:30:00+08:00", "minutes": 60}}"#), 1);
        assert_eq!(ok["due"], "2026-12-07T01:30:00Z");
        assert_eq!(ok["due_local"], "2026-12-07T09:30:00+08:00");
        let paused = line(
            &format!(
                r#"{{"id": 2, "calendar": {cal}, "start": "2026-12-04T17:00:00+08:00", "minutes": 60, "pauses": [["2026-12-04T17:10:00+08:00", "2026-12-04T17:40:00+08:00"]]}}"#
            ),
            2,
        );
        assert_eq!(paused["due_local"], "2026-12-07T09:30:00+08:00");
        let bad_time = line(&format!(r#"{{"id": 3, "calendar": {cal}, "start": "yesterday", "minutes": 60}}"#), 3);
        assert_eq!((bad_time["id"].as_i64(), bad_time["error"]["code"].as_str()), (Some(3), Some("invalid_time")));
        let bad_zone = line(r#"{"id": 4, "calendar": {"zone": "Mars/Base"}, "start": "2026-12-04T17:00:00Z", "minutes": 1}"#, 4);
        assert_eq!(bad_zone["error"]["code"], "invalid_line");
        let closed = line(r#"{"id": 5, "calendar": {"zone": "UTC"}, "start": "2026-12-04T17:00:00Z", "minutes": 1}"#, 5);
        assert_eq!(closed["error"]["code"], "never_open");
    }
}
