//! `cargo xtask bench-analytics [--tickets N] [--samples N]`: the dashboards over 1,000,000 tickets
//! in local D1, and what the counts cost intake.
//!
//! 1. The tickets of `bench-inbox` (the same local D1, `target/bench-inbox/state`, topped up to
//!    `--tickets`; migration 0020 counted the ones stored before it, its triggers count the rest as
//!    they are inserted).
//! 2. Timed `GET /v1/analytics/overview` for the platform admin (1, 7, 30 and 90 days, a category,
//!    a merchant) and a 老街小馆 agent (30 and 90 days), and `GET /v1/analytics/export.csv` of a
//!    week for the agent. Server time as in `bench-inbox`: minus the median of `GET /v1/health`.
//! 3. Intake (`POST /v1/complaints`, one at a time) on two fresh local D1s, with the counts'
//!    triggers and with them dropped: what the counts add to a complaint.

use std::path::Path;

use qingting_devserver::DevServer;
use serde_json::json;

use super::bench_inbox::{self, Args, percentile, timed};
use super::demo::{self, MERCHANTS, Session};
use crate::http;
use crate::util::{Result, root, step};

fn parse_args(args: &[String]) -> Result<Args> {
    bench_inbox::bench_args(args, "bench-analytics", Args { tickets: 1_000_000, samples: 20 })
}

/// The triggers that keep the counts (migration 0020), dropped for the comparison.
const COUNT_TRIGGERS: [&str; 3] = ["hourly_counts_insert", "hourly_counts_update", "ticket_durations_follow"];

pub fn bench_analytics(args: &[String]) -> Result<()> {
    let args = parse_args(args)?;
    let (state, demo) = bench_inbox::prepare(args.tickets)?;
    let n = |sql: &str| bench_inbox::count(&state, sql);
    let (tickets, counted, rows) = (
        n("SELECT COUNT(*) AS n FROM complaints WHERE kind = 'complaint'")?,
        n("SELECT COALESCE(SUM(tickets), 0) AS n FROM hourly_counts")?,
        n("SELECT COUNT(*) AS n FROM hourly_counts")?,
    );
    step(&format!("{tickets} tickets, {counted} counted in {rows} rows of hourly_counts"));
    if tickets != counted {
        return Err(format!("the counts hold {counted} tickets, the table {tickets}"));
    }
    let server = bench_inbox::start(&state)?;
    let table = dashboards(&server, &demo, &state, args.samples)?;
    drop(server);
    let intake = intake(args.samples.max(100))?;
    println!("\n{tickets} tickets, {rows} rows of `hourly_counts`.\n\n{table}\n{intake}");
    Ok(())
}

fn dashboards(server: &DevServer, demo: &demo::Demo, state: &Path, samples: usize) -> Result<String> {
    let port = server.port;
    let health = timed(samples * 2, |_| http::request(port, "GET", "/v1/health", &[], None))?;
    let base = percentile(&health, 50.0);
    let mut table = String::from("| request | as | p50 ms | p95 ms | tickets in view |\n|---|---|---:|---:|---:|\n");
    table.push_str(&format!("| `GET /v1/health` (baseline, subtracted below) | — | {base:.1} | {:.1} | — |\n", percentile(&health, 95.0)));
    let admin = &demo.accounts[0];
    let agent = demo.agents_of(0)[0];
    let out = qingting_devserver::query(state, &format!("SELECT merchant_id FROM sites WHERE key = {}", demo::sql_str(MERCHANTS[0].site)))?;
    let merchant =
        serde_json::from_str::<serde_json::Value>(&out).map_err(|e| e.to_string())?[0]["results"][0]["merchant_id"].as_str().unwrap_or_default().to_string();
    let requests: [(&str, &demo::Account, String); 9] = [
        ("overview, today (hourly)", admin, "/v1/analytics/overview?days=1".into()),
        ("overview, 7 days", admin, "/v1/analytics/overview?days=7".into()),
        ("overview, 30 days", admin, "/v1/analytics/overview?days=30".into()),
        ("overview, 90 days (weekly)", admin, "/v1/analytics/overview?days=90".into()),
        ("overview, 30 days, category=delivery", admin, "/v1/analytics/overview?days=30&category=delivery".into()),
        ("overview, 30 days, one merchant", admin, format!("/v1/analytics/overview?days=30&merchant={merchant}")),
        ("overview, 30 days", agent, "/v1/analytics/overview?days=30".into()),
        ("overview, 90 days", agent, "/v1/analytics/overview?days=90".into()),
        ("export.csv, 7 days", agent, "/v1/analytics/export.csv?days=7".into()),
    ];
    let mut sessions: Vec<(String, Session)> = Vec::new();
    for (label, who, path) in requests {
        if !sessions.iter().any(|(e, _)| *e == who.email) {
            let s = Session::sign_in(port, &who.email, &who.password).map_err(|r| format!("sign-in: HTTP {} {}", r.status, r.body))?;
            sessions.push((who.email.clone(), s));
        }
        let session = &sessions.iter().find(|(e, _)| *e == who.email).ok_or("session")?.1;
        let first = session.get(&path)?.ok(&path)?;
        let in_view = if path.contains("export") {
            first.body.lines().count().saturating_sub(1).to_string()
        } else {
            first.json()["kpis"]["tickets"].as_u64().map_or("—".into(), |t| t.to_string())
        };
        let ms = timed(samples, |_| session.get(&path))?;
        let role = if std::ptr::eq(who, admin) { "platform admin" } else { "老街小馆 agent" };
        let net = |p: f64| (percentile(&ms, p) - base).max(0.0);
        table.push_str(&format!("| `GET {}` {label} | {role} | {:.1} | {:.1} | {in_view} |\n", path.split('?').next().unwrap_or(&path), net(50.0), net(95.0)));
    }
    Ok(table)
}

/// Intake one at a time on two fresh local D1s, one with the counts' triggers and one without,
/// both servers up at once and the requests alternating between them, so that whatever else the
/// machine does weighs on both alike.
fn intake(samples: usize) -> Result<String> {
    let mut servers = Vec::new();
    for with_counts in [true, false] {
        let dir = root().join("target/bench-analytics").join(if with_counts { "with-counts" } else { "without-counts" });
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let state = dir.join("state");
        let mut server = bench_inbox::start(&state)?;
        demo::ensure(server.port, &dir.join("accounts.json"))?;
        if !with_counts {
            drop(server);
            drop_triggers(&state)?;
            server = bench_inbox::start(&state)?;
        }
        servers.push(server);
    }
    let texts = ["外卖送了一个半小时才到，饭都凉了", "菜里有头发", "少送了一份米饭", "商家态度很差", "退款三天还没到账"];
    let mut ms: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    for k in 0..samples + 2 {
        for (which, server) in servers.iter().enumerate() {
            let port = server.port;
            let body = json!({"site": MERCHANTS[k % 2].site, "text": format!("{} BENCH-{k}", texts[k % texts.len()])});
            let key = format!("bench-intake-{which}-{k:06}");
            let t = std::time::Instant::now();
            http::request(port, "POST", "/v1/complaints", &[("Origin", &demo::origin(port)), ("Idempotency-Key", &key)], Some(&body))?
                .ok("POST /v1/complaints")?;
            // The first two are warm-up.
            if k >= 2 {
                ms[which].push(t.elapsed().as_secs_f64() * 1000.0);
            }
        }
    }
    for m in &mut ms {
        m.sort_by(f64::total_cmp);
    }
    let mut table =
        format!("| intake (`POST /v1/complaints`, one at a time, fresh local D1, {samples} each, alternating) | p50 ms | p95 ms |\n|---|---:|---:|\n");
    for (label, m) in [("with the counts (migration 0020's triggers)", &ms[0]), ("the counts' triggers dropped", &ms[1])] {
        table.push_str(&format!("| {label} | {:.1} | {:.1} |\n", percentile(m, 50.0), percentile(m, 95.0)));
    }
    table.push_str(&format!(
        "| **the counts add** | **{:.1}** | **{:.1}** |\n",
        percentile(&ms[0], 50.0) - percentile(&ms[1], 50.0),
        percentile(&ms[0], 95.0) - percentile(&ms[1], 95.0)
    ));
    Ok(table)
}

fn drop_triggers(state: &Path) -> Result<()> {
    let file = state.with_file_name("drop-triggers.sql");
    let sql: String = COUNT_TRIGGERS.iter().map(|t| format!("DROP TRIGGER IF EXISTS {t};\n")).collect();
    std::fs::write(&file, sql).map_err(|e| e.to_string())?;
    qingting_devserver::execute_file(state, &file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_triggers_it_drops_exist_in_the_migration() {
        let migration = std::fs::read_to_string(root().join("worker/migrations/0020_analytics.sql")).unwrap();
        for t in COUNT_TRIGGERS {
            assert!(migration.contains(&format!("CREATE TRIGGER {t} ")), "{t}");
        }
        assert_eq!(parse_args(&[]).map(|a| (a.tickets, a.samples)), Ok((1_000_000, 20)));
    }
}
