//! `cargo xtask bench-sweep [--runs N]`: the cron's sweep with 100,000 open tickets in a local D1.
//!
//! 1. `bench-inbox`'s local D1 (100,000 tickets; made if missing), copied to
//!    `target/bench-sweep/state` afresh on every run.
//! 2. With the server stopped, one SQL file makes every ticket open, held by its merchant and
//!    unanswered, with SLA clocks started at creation (P3's targets: first response 240 business
//!    minutes, resolution 2,700, a warning at 75 %) and its merchant's window, as intake writes
//!    them; creation times span six months, so at "now" every window and clock has passed.
//! 3. For D1 budgets of 50 (Workers Free, the default) and 1,000 (`D1_QUERY_BUDGET` on a paid plan),
//!    through the dev server's clock override (`GET /__dev/scheduled?time=`), sequential runs of the
//!    whole cron (forwarding sweep, merchant windows, SLA marks, assignment) at two times: before
//!    the first ticket (nothing due: the cost of looking) and a day from now (a backlog: every run
//!    takes its full share). Each answer says how many D1 statements the run prepared (each one D1
//!    query, alone or in a batch); "server time" is the client-side time minus the median of an
//!    empty `GET /v1/health`. Printed as a markdown table (docs/BENCHMARKS.md keeps the numbers).

use std::path::Path;

use serde_json::Value;

use qingting_devserver::{DevServer, Options};

use super::bench_inbox::{count, percentile, prepare, start};
use crate::http;
use crate::util::{Result, root, step};

/// The SLA columns of intake for a P3 ticket created at `created_at`, in the calendar the
/// benchmark's merchants have (the default: around the clock, so business minutes are minutes).
const OPEN_EVERYTHING: &str = "\
UPDATE complaints SET status = 'open', holder = 'merchant', merged_into = NULL, \
  sla_first_minutes = 240, sla_resolve_minutes = 2700, sla_warning = '{\"percent_of_target\":75}', \
  sla_started_at = strftime('%Y-%m-%dT%H:%M:%SZ', created_at), sla_responded_at = NULL, sla_paused_at = NULL, sla_paused_seconds = 0, sla_marks = 0, \
  sla_first_due_at = strftime('%Y-%m-%dT%H:%M:%SZ', created_at, '+240 minutes'), \
  sla_resolve_due_at = strftime('%Y-%m-%dT%H:%M:%SZ', created_at, '+2700 minutes'), \
  sla_next_at = strftime('%Y-%m-%dT%H:%M:%SZ', created_at, '+180 minutes'), \
  merchant_due_at = strftime('%Y-%m-%dT%H:%M:%SZ', created_at, '+240 minutes');
DELETE FROM ticket_replies WHERE internal = 0 AND author IN ('merchant', 'support');
DELETE FROM sla_records;";

fn parse_runs(args: &[String]) -> Result<usize> {
    match args {
        [] => Ok(20),
        [flag, n] if flag == "--runs" => n.parse::<usize>().map(|n| n.max(3)).map_err(|_| "usage: cargo xtask bench-sweep [--runs N]".into()),
        _ => Err("usage: cargo xtask bench-sweep [--runs N]".into()),
    }
}

pub fn bench_sweep(args: &[String]) -> Result<()> {
    let runs = parse_runs(args)?;
    let (source, _) = prepare(100_000)?;
    let state = root().join("target/bench-sweep/state");
    step(&format!("copying the benchmark's D1 to {}", state.strip_prefix(root()).unwrap_or(&state).display()));
    let _ = std::fs::remove_dir_all(&state);
    copy_dir(&source, &state)?;
    // The dev server migrates on start; open the tickets after that, with it stopped again.
    drop(start(&state)?);
    step("every ticket open, unanswered, held by its merchant, its clocks and window started at creation");
    let sql = root().join("target/bench-sweep/open.sql");
    std::fs::write(&sql, OPEN_EVERYTHING).map_err(|e| e.to_string())?;
    qingting_devserver::execute_file(&state, &sql)?;
    let open = count(&state, "SELECT COUNT(*) AS n FROM complaints WHERE status = 'open' AND sla_next_at IS NOT NULL")?;
    let first = first_created_ms(&state)?;

    let now_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_err(|e| e.to_string())?.as_millis() as i64;
    let mut table = String::from(
        "| scenario | D1 budget | runs | server p50 ms | server p95 ms | max ms | D1 statements per run (max) | escalated | warnings | breaches | assigned |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let scenarios: [(&str, i64, u32); 3] = [
        ("nothing due (before the first ticket)", first - 86_400_000, 50),
        ("backlog: every ticket past due (a day from now)", now_ms + 86_400_000, 50),
        ("backlog, paid plan's budget", now_ms + 86_400_000, 1000),
    ];
    for (label, time, budget) in scenarios {
        let server = DevServer::start(Options {
            persist_to: Some(state.clone()),
            token_secret: None,
            vars: vec![("D1_QUERY_BUDGET".into(), budget.to_string())],
            ..Options::default()
        })?;
        let port = server.port;
        let health = super::bench_inbox::timed(40, |_| http::request(port, "GET", "/v1/health", &[], None))?;
        let base = percentile(&health, 50.0);
        let path = format!("/__dev/scheduled?time={time}");
        let (mut ms, mut most) = (Vec::new(), 0u64);
        let mut totals = [0u64; 4];
        for _ in 0..runs {
            let t = std::time::Instant::now();
            let r = http::request(port, "GET", &path, &[], None)?.ok("GET /__dev/scheduled")?;
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
            let v: Value = r.json();
            most = most.max(v["statements"].as_u64().unwrap_or(0));
            for (i, k) in ["escalated", "warnings", "breaches", "assigned"].iter().enumerate() {
                totals[i] += v[*k].as_u64().unwrap_or(0);
            }
        }
        ms.sort_by(f64::total_cmp);
        let net = |p: f64| (percentile(&ms, p) - base).max(0.0);
        table.push_str(&format!(
            "| {label} | {budget} | {runs} | {:.1} | {:.1} | {:.1} | {most} | {} | {} | {} | {} |\n",
            net(50.0),
            net(95.0),
            ms.last().copied().unwrap_or(0.0) - base,
            totals[0],
            totals[1],
            totals[2],
            totals[3]
        ));
    }
    step(&format!("{open} open tickets with running clocks; {runs} sequential cron runs per scenario"));
    println!("\n{table}");
    Ok(())
}

/// Milliseconds since the epoch of the oldest ticket.
fn first_created_ms(state: &Path) -> Result<i64> {
    let out = qingting_devserver::query(state, "SELECT CAST(strftime('%s', MIN(created_at)) AS INTEGER) * 1000 AS n FROM complaints")?;
    let v: Value = serde_json::from_str(&out).map_err(|e| e.to_string())?;
    v[0]["results"][0]["n"].as_i64().ok_or_else(|| format!("no tickets: {out}"))
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).map_err(|e| e.to_string())?;
    for entry in std::fs::read_dir(from).map_err(|e| e.to_string())? {
        let entry = entry.map_err(|e| e.to_string())?;
        let target = to.join(entry.file_name());
        if entry.file_type().map_err(|e| e.to_string())?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}
