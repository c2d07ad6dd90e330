//! `cargo xtask bench-inbox [--tickets N] [--samples N]`: the staff API with 100,000 tickets in a
//! local D1 (`target/bench-inbox/state`, kept between runs; delete it to start afresh).
//!
//! 1. The demo accounts and sites (`demo`), and one ticket per project-written example
//!    (`data/authored/`) through `POST /v1/complaints`, so the worker itself writes the masked
//!    text, classification, `ticket_events` and `ticket_search` rows these templates hold.
//! 2. With the server stopped, the rest as SQL files through `wrangler d1 execute --file`, 10,000
//!    tickets a file: copies of the templates with new ids, numbers and dates over six months,
//!    statuses (40 % closed, 20 % resolved, 10 % each auto_replied, new, open, waiting_customer),
//!    ten sites (老街小馆 and 川味坊 10 % each, eight other merchants), assignees, their events
//!    (created, claimed, replied or resolved, closed), the search rows (the template's bigrams
//!    with the new ticket number and order id) and the FAQ replies of auto-replied ones.
//! 3. Timed requests on loopback: `GET /v1/tickets` (views, a filter, a cursor page, the other
//!    orders, a search),
//!    `GET /v1/tickets/counts` (what the console's inbox shows beside its views) and
//!    `GET /v1/tickets/:id` as a platform admin and as a 老街小馆 agent, and
//!    `POST /v1/auth/login`. "Server time" is the client-side time of a request minus the median
//!    of an empty `GET /v1/health`, i.e. what the worker and D1 add to a request that does
//!    nothing; printed as a markdown table (docs/BENCHMARKS.md keeps the numbers).

use std::path::{Path, PathBuf};
use std::time::Instant;

use qingting_devserver::{DevServer, Options};
use serde_json::{Value, json};

use super::demo::{self, Demo, MERCHANTS, Session};
use super::{build, run, seed, setup};
use crate::http::{self, Response};
use crate::util::{Result, root, step};

/// Tickets per SQL file.
const BATCH: usize = 10_000;
/// Sites of other merchants, so a merchant sees a tenth of the tickets.
const OTHER_SITES: usize = 8;

/// The arguments of the benchmarks over a local D1 (`bench-inbox`, `bench-analytics`).
pub struct Args {
    pub tickets: usize,
    pub samples: usize,
}

/// `[--tickets N] [--samples N]` for `command`, from `defaults`; samples at least 5.
pub fn bench_args(args: &[String], command: &str, defaults: Args) -> Result<Args> {
    let usage = || format!("usage: cargo xtask {command} [--tickets N] [--samples N]");
    let mut out = defaults;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value: usize = it.next().and_then(|v| v.parse().ok()).ok_or_else(usage)?;
        match flag.as_str() {
            "--tickets" => out.tickets = value,
            "--samples" => out.samples = value.max(5),
            _ => return Err(usage()),
        }
    }
    Ok(out)
}

fn parse_args(args: &[String]) -> Result<Args> {
    bench_args(args, "bench-inbox", Args { tickets: 100_000, samples: 40 })
}

fn dir() -> PathBuf {
    root().join("target/bench-inbox")
}

pub fn start(state: &Path) -> Result<DevServer> {
    DevServer::start(Options { persist_to: Some(state.to_path_buf()), token_secret: None, ..Options::default() })
}

pub fn bench_inbox(args: &[String]) -> Result<()> {
    let args = parse_args(args)?;
    let (state, demo) = prepare(args.tickets)?;
    let server = start(&state)?;
    step(&format!("{} tickets; timing {} requests of each kind", count(&state, "SELECT COUNT(*) AS n FROM complaints")?, args.samples));
    let table = measure(&server, &demo, &state, args.samples)?;
    println!("\n{table}");
    Ok(())
}

/// The benchmark's local D1 with at least `tickets` tickets (made, or topped up, if needed), the
/// server stopped; its path and the demo accounts. `bench-sweep` starts from a copy of it.
pub fn prepare(tickets: usize) -> Result<(PathBuf, Demo)> {
    setup::all(false)?;
    build::worker()?;
    run::token_secret_file()?;
    let state = dir().join("state");
    step(&format!("local D1 for the benchmark: {}", state.strip_prefix(root()).unwrap_or(&state).display()));
    let server = start(&state)?;
    let demo = demo::ensure(server.port, &dir().join("accounts.json"))?;
    let have = count(&state, "SELECT COUNT(*) AS n FROM complaints")?;
    if have < tickets {
        let templates = templates(server.port, &state)?;
        let have = count(&state, "SELECT COUNT(*) AS n FROM complaints")?;
        drop(server);
        fill(&state, &demo, templates, have, tickets.max(have))?;
    }
    Ok((state, demo))
}

/// The first number wrangler's JSON answer holds for `sql` (e.g. a `COUNT(*) AS n`).
pub fn count(state: &Path, sql: &str) -> Result<usize> {
    let out = qingting_devserver::query(state, sql)?;
    let v: Value = serde_json::from_str(&out).map_err(|e| format!("{sql}: {e}: {out}"))?;
    v[0]["results"][0]["n"].as_u64().map(|n| n as usize).ok_or_else(|| format!("{sql}: no number in {out}"))
}

/// One ticket per project-written example through the API (idempotent: the same keys again
/// replay); how many there are.
fn templates(port: u16, state: &Path) -> Result<usize> {
    let examples = seed::authored()?;
    let made = count(state, "SELECT COUNT(*) AS n FROM complaints WHERE idempotency_key LIKE 'template-%'")?;
    if made >= examples.len() {
        return Ok(made);
    }
    step(&format!("templates: {} project-written examples through POST /v1/complaints", examples.len()));
    let origin = demo::origin(port);
    for (i, e) in examples.iter().enumerate() {
        let body = json!({ "site": MERCHANTS[i % 2].site, "text": e.text, "lang": e.lang });
        let key = format!("template-{i:05}");
        http::request(port, "POST", "/v1/complaints", &[("Origin", &origin), ("Idempotency-Key", &key)], Some(&body))?.ok("POST /v1/complaints")?;
        if (i + 1) % 100 == 0 {
            println!("    {}/{}", i + 1, examples.len());
        }
    }
    Ok(examples.len())
}

/// Adds tickets `from..to` (numbered past the existing ones) as SQL files.
fn fill(state: &Path, demo: &Demo, templates: usize, have: usize, to: usize) -> Result<()> {
    let sql_dir = dir().join("sql");
    std::fs::create_dir_all(&sql_dir).map_err(|e| e.to_string())?;
    let setup_file = sql_dir.join("setup.sql");
    std::fs::write(&setup_file, setup_sql()).map_err(|e| e.to_string())?;
    qingting_devserver::execute_file(state, &setup_file)?;
    let agents = Agents::of(demo)?;
    let started = Instant::now();
    // Clone numbers continue after the highest one stored, so a second fill adds new rows.
    let first = count(state, "SELECT COALESCE(MAX(i) + 1, 0) AS n FROM bench_gen_done")?;
    let (mut i, end) = (first, first + (to - have));
    step(&format!("inserting {} tickets with their events and search rows ({BATCH} per SQL file)", end - i));
    while i < end {
        let next = (i + BATCH).min(end);
        let file = sql_dir.join(format!("tickets-{i}.sql"));
        std::fs::write(&file, batch_sql(i, next, templates, &agents)).map_err(|e| e.to_string())?;
        qingting_devserver::execute_file(state, &file)?;
        let _ = std::fs::remove_file(&file);
        println!("    {:>7} tickets  ({:.0?})", next - first, started.elapsed());
        i = next;
    }
    Ok(())
}

/// The assignees' user ids: 老街小馆's two agents, 川味坊's agent.
struct Agents {
    laojie: [String; 2],
    chuan: String,
}

impl Agents {
    fn of(demo: &Demo) -> Result<Agents> {
        let id = |m: usize, k: usize| -> Result<String> {
            let a = demo.agents_of(m).get(k).map(|a| a.email.clone()).ok_or("a demo agent is missing")?;
            demo.user_id(&a).map(str::to_string).ok_or_else(|| format!("no user id for {a}"))
        };
        Ok(Agents { laojie: [id(0, 0)?, id(0, 1)?], chuan: id(1, 0)? })
    }
}

/// The template table (every API-made ticket with its search body and FAQ reply), the other
/// merchants and their sites, and the table of clone numbers done.
fn setup_sql() -> String {
    let mut sql = String::from(
        "CREATE TABLE IF NOT EXISTS bench_gen_done (i INTEGER PRIMARY KEY);\n\
         DROP TABLE IF EXISTS bench_tpl;\n\
         CREATE TABLE bench_tpl AS SELECT row_number() OVER (ORDER BY c.idempotency_key) - 1 AS n, c.text, c.lang, c.status, c.complaint, \
         c.complaint_score, c.category, c.categories, c.priority, c.model_version, c.decision, s.body, lower(replace(c.ticket_no, '-', ' ')) AS no_tokens, \
         (SELECT faq_id FROM ticket_replies r WHERE r.complaint_id = c.id AND r.author = 'faq' ORDER BY r.id LIMIT 1) AS faq_id, \
         (SELECT text FROM ticket_replies r WHERE r.complaint_id = c.id AND r.author = 'faq' ORDER BY r.id LIMIT 1) AS reply \
         FROM complaints c JOIN ticket_search s ON s.ticket_id = c.id WHERE c.idempotency_key LIKE 'template-%';\n\
         CREATE TABLE IF NOT EXISTS bench_gen (i INTEGER PRIMARY KEY, id TEXT, ticket_no TEXT, site TEXT, status TEXT, created_at TEXT, tpl INTEGER, \
         assignee TEXT, order_id TEXT, holder TEXT);\n",
    );
    for k in 0..OTHER_SITES {
        sql.push_str(&format!(
            "INSERT OR IGNORE INTO merchants (id, name, created_at) VALUES ('bench-merchant-{k}', '压测商户 {k}', '2026-01-01T00:00:00.000Z');\n\
             INSERT OR IGNORE INTO sites (key, merchant_name, allowed_origins, merchant_id) VALUES ('bench-{k}', '压测商户 {k}', '[]', 'bench-merchant-{k}');\n"
        ));
    }
    sql
}

/// SQL for clones `from..to`: generated rows in `bench_gen`, then the tickets, their events, search
/// rows and FAQ replies from it and the templates.
fn batch_sql(from: usize, to: usize, templates: usize, agents: &Agents) -> String {
    const CROCKFORD: &str = "'0123456789ABCDEFGHJKMNPQRSTVWXYZ'";
    // 30 scrambled bits of i (an odd multiplier is a bijection mod 2^30) as six Crockford digits.
    let x = "((i * 747796405 + 2891336453) % 1073741824)";
    let digits: Vec<String> = (0..6).rev().map(|k| format!("substr({CROCKFORD}, (({x} >> {}) & 31) + 1, 1)", k * 5)).collect();
    let created = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || (86400 + (i * 7919) % 15552000) || ' seconds')";
    let status = "CASE WHEN (i * 37) % 100 < 40 THEN 'closed' WHEN (i * 37) % 100 < 60 THEN 'resolved' WHEN (i * 37) % 100 < 70 THEN 'auto_replied' \
                  WHEN (i * 37) % 100 < 80 THEN 'new' WHEN (i * 37) % 100 < 90 THEN 'open' ELSE 'waiting_customer' END";
    let site = format!(
        "CASE i % 10 WHEN 0 THEN {} WHEN 1 THEN {} ELSE 'bench-' || (i % 10 - 2) END",
        demo::sql_str(MERCHANTS[0].site),
        demo::sql_str(MERCHANTS[1].site)
    );
    let assignee = format!(
        "CASE i % 10 WHEN 0 THEN CASE WHEN i % 20 = 0 THEN {} ELSE {} END WHEN 1 THEN {} ELSE 'bench-agent-' || (i % 10) END",
        demo::sql_str(&agents.laojie[0]),
        demo::sql_str(&agents.laojie[1]),
        demo::sql_str(&agents.chuan)
    );
    let mut sql = format!(
        "DELETE FROM bench_gen;\n\
         INSERT INTO bench_gen (i, id, ticket_no, site, status, created_at, tpl, assignee, order_id, holder) \
         WITH RECURSIVE seq(i) AS (SELECT {from} UNION ALL SELECT i + 1 FROM seq WHERE i + 1 < {to}) \
         SELECT i, printf('%08x-%04x-4%03x-a%03x-%012x', (i * 2654435761) % 4294967296, (i * 40503) % 65536, (i * 7) % 4096, (i * 13) % 4096, i), \
         'QT' || substr(strftime('%Y%m%d', {created}), 3) || '-' || {digits}, {site}, {status}, {created}, (i * 131) % {templates}, {assignee}, \
         CASE WHEN i % 3 = 0 THEN printf('BX%07d', i) END, CASE WHEN i % 20 = 7 THEN 'platform' ELSE 'merchant' END FROM seq;\n",
        digits = digits.join(" || "),
    );
    // An auto_replied copy of a template that had no FAQ answer is closed instead.
    sql.push_str(
        "UPDATE bench_gen SET status = 'closed' WHERE status = 'auto_replied' AND tpl IN (SELECT n FROM bench_tpl WHERE reply IS NULL);\n\
         UPDATE bench_gen SET assignee = NULL WHERE status IN ('new', 'auto_replied');\n\
         INSERT INTO complaints (id, ticket_no, site_key, idempotency_key, request_hash, text, order_id, lang, status, complaint, complaint_score, category, \
         categories, priority, model_version, created_at, updated_at, decision, delivery, holder, assignee_id, version) \
         SELECT g.id, g.ticket_no, g.site, 'bench-' || printf('%07d', g.i), 'bench', t.text, g.order_id, t.lang, g.status, t.complaint, t.complaint_score, t.category, \
         t.categories, t.priority, t.model_version, g.created_at, g.created_at, t.decision, 'none', g.holder, g.assignee, \
         CASE g.status WHEN 'open' THEN 2 WHEN 'waiting_customer' THEN 3 WHEN 'resolved' THEN 3 WHEN 'closed' THEN 4 ELSE 1 END \
         FROM bench_gen g JOIN bench_tpl t ON t.n = g.tpl;\n\
         INSERT INTO ticket_events (ticket_id, version, at, actor_kind, actor_id, kind, from_status, to_status, payload) \
         SELECT g.id, 1, g.created_at, 'customer', NULL, 'created', NULL, CASE WHEN g.status = 'auto_replied' THEN 'auto_replied' ELSE 'new' END, \
         json_object('decision', t.decision) FROM bench_gen g JOIN bench_tpl t ON t.n = g.tpl;\n\
         INSERT INTO ticket_events (ticket_id, version, at, actor_kind, actor_id, kind, from_status, to_status, payload) \
         SELECT id, 2, strftime('%Y-%m-%dT%H:%M:%fZ', created_at, '+600 seconds'), 'staff', assignee, 'claimed', 'new', 'open', \
         json_object('from', NULL, 'to', assignee) FROM bench_gen WHERE status IN ('open', 'waiting_customer', 'resolved', 'closed');\n\
         INSERT INTO ticket_events (ticket_id, version, at, actor_kind, actor_id, kind, from_status, to_status, payload) \
         SELECT id, 3, strftime('%Y-%m-%dT%H:%M:%fZ', created_at, '+3600 seconds'), 'staff', assignee, \
         CASE status WHEN 'waiting_customer' THEN 'replied' ELSE 'resolved' END, 'open', CASE status WHEN 'closed' THEN 'resolved' ELSE status END, '{}' \
         FROM bench_gen WHERE status IN ('waiting_customer', 'resolved', 'closed');\n\
         INSERT INTO ticket_events (ticket_id, version, at, actor_kind, actor_id, kind, from_status, to_status, payload) \
         SELECT id, 4, strftime('%Y-%m-%dT%H:%M:%fZ', created_at, '+86400 seconds'), 'staff', assignee, 'closed', 'resolved', 'closed', '{}' \
         FROM bench_gen WHERE status = 'closed';\n\
         INSERT INTO ticket_search (ticket_id, body) SELECT g.id, replace(t.body, t.no_tokens, lower(replace(g.ticket_no, '-', ' '))) \
         || COALESCE(' ' || lower(g.order_id), '') FROM bench_gen g JOIN bench_tpl t ON t.n = g.tpl;\n\
         INSERT INTO ticket_replies (complaint_id, author, faq_id, text, created_at) SELECT g.id, 'faq', t.faq_id, t.reply, g.created_at \
         FROM bench_gen g JOIN bench_tpl t ON t.n = g.tpl WHERE g.status = 'auto_replied';\n\
         INSERT INTO bench_gen_done (i) SELECT i FROM bench_gen;\n",
    );
    sql
}

/// Milliseconds of `n` calls of `f` (after two untimed ones), each required to answer 200.
pub fn timed(n: usize, mut f: impl FnMut(usize) -> Result<Response>) -> Result<Vec<f64>> {
    for k in 0..2 {
        f(k)?.ok("warm-up")?;
    }
    let mut ms = Vec::with_capacity(n);
    for k in 0..n {
        let t = Instant::now();
        let r = f(k)?;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
        r.ok("timed request")?;
    }
    ms.sort_by(f64::total_cmp);
    Ok(ms)
}

/// The `p`-th percentile (nearest rank) of sorted values.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The inbox requests timed, as (label, path).
fn list_requests(cursor: &str) -> Vec<(String, String)> {
    let q = "%E9%80%80%E6%AC%BE"; // 退款
    [
        ("inbox, all (newest 50)", "/v1/tickets".to_string()),
        ("view=unresolved", "/v1/tickets?view=unresolved".into()),
        ("view=urgent (P1)", "/v1/tickets?view=urgent".into()),
        ("view=mine", "/v1/tickets?view=mine".into()),
        ("status=waiting_customer", "/v1/tickets?status=waiting_customer".into()),
        ("next page (cursor)", format!("/v1/tickets?cursor={cursor}")),
        ("unresolved, sort=priority", "/v1/tickets?view=unresolved&sort=priority".into()),
        ("all, sort=oldest", "/v1/tickets?sort=oldest".into()),
        ("search q=退款", format!("/v1/tickets?q={q}")),
        ("counts/: every view's count", "/v1/tickets/counts".into()),
    ]
    .into_iter()
    .map(|(l, p)| (l.to_string(), p))
    .collect()
}

/// Percent-encodes a cursor for a query string.
fn encode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-._".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

/// Times every request as both roles and sign-in; the markdown table.
fn measure(server: &DevServer, demo: &Demo, state: &Path, samples: usize) -> Result<String> {
    let port = server.port;
    let health = timed(samples * 2, |_| http::request(port, "GET", "/v1/health", &[], None))?;
    let base = percentile(&health, 50.0);
    let admin = &demo.accounts[0];
    let agent = demo.agents_of(0)[0];
    let mut rows = vec![format!("| `GET /v1/health` (baseline, subtracted below) | — | {:.1} | {:.1} | — |", base, percentile(&health, 95.0))];
    let ids_json = qingting_devserver::query(
        state,
        &format!("SELECT id FROM complaints WHERE site_key = {} ORDER BY random() LIMIT 50", demo::sql_str(MERCHANTS[0].site)),
    )?;
    let ids: Vec<String> = serde_json::from_str::<Value>(&ids_json).map_err(|e| e.to_string())?[0]["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["id"].as_str().map(str::to_string))
        .collect();
    if ids.is_empty() {
        return Err("no tickets of the demo site to open".into());
    }
    for (who, account) in [("platform admin", admin), ("老街小馆 agent", agent)] {
        let session = Session::sign_in(port, &account.email, &account.password).map_err(|r| format!("sign-in: HTTP {} {}", r.status, r.body))?;
        let first = session.get("/v1/tickets")?.ok("GET /v1/tickets")?.json();
        let cursor = encode(first["next_cursor"].as_str().unwrap_or_default());
        for (label, path) in list_requests(&cursor) {
            let n = session.get(&path)?.ok(&path)?.json()["tickets"].as_array().map_or("—".to_string(), |t| t.len().to_string());
            let ms = timed(samples, |_| session.get(&path))?;
            let what = match label.strip_prefix("counts/: ") {
                Some(counts) => format!("`GET /v1/tickets/counts` {counts}"),
                None => format!("`GET /v1/tickets` {label}"),
            };
            rows.push(row(&what, who, &ms, base, &n));
        }
        let ms = timed(samples, |k| session.get(&format!("/v1/tickets/{}", ids[k % ids.len()])))?;
        rows.push(row("`GET /v1/tickets/:id`", who, &ms, base, "1"));
    }
    let ms = timed(samples.min(20), |_| demo::login(port, &agent.email, &agent.password))?;
    rows.push(row("`POST /v1/auth/login` (PBKDF2, 100,000 iterations)", "老街小馆 agent", &ms, base, "—"));
    let mut table = String::from("| request | as | p50 ms | p95 ms | rows |\n|---|---|---:|---:|---:|\n");
    for r in rows {
        table.push_str(&r);
        table.push('\n');
    }
    Ok(table)
}

fn row(what: &str, who: &str, ms: &[f64], base: f64, rows: &str) -> String {
    let net = |p: f64| (percentile(ms, p) - base).max(0.0);
    format!("| {what} | {who} | {:.1} | {:.1} | {rows} |", net(50.0), net(95.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!((percentile(&v, 50.0), percentile(&v, 95.0), percentile(&v, 100.0)), (10.0, 19.0, 20.0));
        assert_eq!(percentile(&[7.0], 95.0), 7.0);
    }

    #[test]
    fn cursors_are_percent_encoded() {
        assert_eq!(encode("2026-11-30T10:00:00.000Z~ab-1"), "2026-11-30T10%3A00%3A00.000Z%7Eab-1");
    }

    #[test]
    fn batches_name_every_table_the_worker_writes() {
        let agents = Agents { laojie: ["a".into(), "b".into()], chuan: "c".into() };
        let sql = batch_sql(0, 10, 460, &agents);
        for table in ["INSERT INTO complaints", "INSERT INTO ticket_events", "INSERT INTO ticket_search", "INSERT INTO ticket_replies", "bench_gen_done"] {
            assert!(sql.contains(table), "{table}");
        }
        assert!(sql.contains("SELECT 0 UNION ALL") && sql.contains("i + 1 < 10"));
        assert!(setup_sql().contains("'bench-7'"));
        assert_eq!(parse_args(&[]).map(|a| (a.tickets, a.samples)), Ok((100_000, 40)));
    }
}
