//! `cargo xtask bench-load [--requests N]`: intake under load and under faults, on local workerd
//! (`wrangler dev` with local D1 and Queues) and a local webhook receiver, in one run:
//!
//! 1. **Load**: `N` complaints at concurrency 1, 8 and 32 (each from its own client address, so
//!    only the per-site limit applies), beside `GET /v1/health` at the same concurrency: throughput,
//!    p50 and p99, and intake's p50 as a multiple of the empty endpoint's.
//! 2. **Limits on**: one client bursting 30 complaints at one site: how many pass, how fast the
//!    429s come.
//! 3. **Restart**: 120 complaints at concurrency 8 while workerd is stopped and started again
//!    half-way; each client retries under its idempotency key, as the widget does.
//! 4. **Outage**: 30 complaints to a receiver that is down until every one is a dead letter; then
//!    the site's destinations are saved with the receiver back, which redrives them.
//!
//! At the end of 3 and 4: accepted = stored = delivered, each exactly once as the receiver counts
//! `Qingting-Delivery`, and nothing left queued. CPU per intake: workerd under `wrangler dev`
//! reports none, so the same intake code path (`intake::decide`: classify, mask, route) is timed
//! natively through `qingting faq`.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use qingting_devserver::{DevServer, Options, SiteSeed, free_port, query};
use serde_json::{Value, json};

use super::{build, demo, setup};
use crate::http;
use crate::util::{Result, root, step};

#[path = "../../../tests/receiver.rs"]
#[allow(dead_code)]
mod receiver;

const ADMIN_TOKEN: &str = "bench-load-admin-token-0123456789";
const SECRET: &str = "whsec-bench-load-0123456789";

struct Args {
    requests: usize,
}

fn parse(args: &[String]) -> Result<Args> {
    let mut a = Args { requests: 240 };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--requests" => a.requests = it.next().and_then(|v| v.parse().ok()).filter(|n: &usize| (10..=290).contains(n)).ok_or("--requests takes 10–290 (the per-site limit is 300 a minute)")?,
            other => return Err(format!("bench-load: unknown argument {other}")),
        }
    }
    Ok(a)
}

fn server(state: &Path, port: u16, sites: &[&str]) -> Result<DevServer> {
    server_with(state, port, sites, "on")
}

/// `limits`: `on`, or `off` (`RATE_LIMITS=off`: the comparison row only).
fn server_with(state: &Path, port: u16, sites: &[&str], limits: &str) -> Result<DevServer> {
    let vars = [
        ("ADMIN_TOKEN", ADMIN_TOKEN),
        ("ALLOW_HTTP_DESTINATIONS", "1"),
        ("FORWARD_RETRY_BASE_SECONDS", "1"),
        ("FORWARD_RETRY_MAX_SECONDS", "2"),
        ("RATE_LIMITS", limits),
    ];
    DevServer::start(Options {
        port: Some(port),
        persist_to: Some(state.to_path_buf()),
        sites: sites.iter().map(|s| SiteSeed { key: (*s).into(), merchant_name: format!("压测 {s}"), origins: vec![demo::origin(port)] }).collect(),
        vars: vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        ..Options::default()
    })
}

fn count(state: &Path, sql: &str) -> Result<u64> {
    let out = query(state, sql)?;
    let v: Value = serde_json::from_str(&out).map_err(|e| format!("{sql}: {e}"))?;
    v[0]["results"][0]["n"].as_u64().ok_or_else(|| format!("{sql}: {out}"))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Runs `n` calls of `call(i)` on `concurrency` threads: the latencies (ms) of those that
/// returned `true`, sorted, and the wall time.
fn run(n: usize, concurrency: usize, call: impl Fn(usize) -> bool + Sync) -> (Vec<f64>, Duration) {
    let next = Mutex::new(0usize);
    let times = Mutex::new(Vec::with_capacity(n));
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..concurrency {
            s.spawn(|| {
                loop {
                    let i = {
                        let Ok(mut g) = next.lock() else { return };
                        if *g >= n {
                            return;
                        }
                        *g += 1;
                        *g - 1
                    };
                    let t = Instant::now();
                    if call(i)
                        && let Ok(mut v) = times.lock()
                    {
                        v.push(t.elapsed().as_secs_f64() * 1000.0);
                    }
                }
            });
        }
    });
    let mut v = times.into_inner().unwrap_or_default();
    v.sort_by(f64::total_cmp);
    (v, start.elapsed())
}

fn complaint(port: u16, site: &str, key: &str, ip: &str, text: &str) -> Option<http::Response> {
    let origin = demo::origin(port);
    let body = json!({"site": site, "text": text});
    http::request(port, "POST", "/v1/complaints", &[("Origin", &origin), ("Idempotency-Key", key), ("CF-Connecting-IP", ip)], Some(&body)).ok()
}

fn admin_cookie(port: u16) -> Result<String> {
    let (email, password) = ("bench-load@example.cn", "bench-load-password-0123");
    let auth = format!("Bearer {ADMIN_TOKEN}");
    let _ = http::request(port, "POST", "/v1/auth/bootstrap", &[("Authorization", &auth)], Some(&json!({"email": email, "password": password, "display_name": "压测"})));
    demo::login(port, email, password)?.cookie(demo::SESSION_COOKIE).ok_or_else(|| "bench-load: sign-in gave no session".into())
}

fn destinations(port: u16, cookie: &str, site: &str, url: &str) -> Result<()> {
    let origin = demo::origin(port);
    let body = json!({"destinations": [{"id": "hook", "kind": "webhook", "url": url, "secret": SECRET}]});
    http::request(port, "PUT", &format!("/v1/admin/sites/{site}/destinations"), &[("Origin", &origin), ("Cookie", cookie)], Some(&body))?.ok("PUT destinations").map(|_| ())
}

/// Waits until no ticket of `site` is queued, running the cron as Cloudflare would every minute
/// (its clock 6 minutes ahead, so the sweep re-queues what a stopped workerd's queue lost); how
/// long it took.
fn settle(port: u16, state: &Path, site: &str, limit: Duration) -> Result<Duration> {
    let start = Instant::now();
    while start.elapsed() < limit {
        let ahead = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_err(|e| e.to_string())?.as_millis() + 360_000;
        let _ = http::request(port, "GET", &format!("/__dev/scheduled?time={ahead}"), &[], None);
        if count(state, &format!("SELECT COUNT(*) AS n FROM complaints WHERE site_key = '{site}' AND delivery = 'queued'"))? == 0 {
            return Ok(start.elapsed());
        }
        std::thread::sleep(Duration::from_secs(2));
    }
    Err(format!("bench-load: {site} still has queued tickets after {limit:?}"))
}

/// accepted / stored / delivered / delivered exactly once (distinct `Qingting-Delivery` at the
/// receiver, and requests in all) / left queued or dead, as a table row.
fn tally(state: &Path, rx: &receiver::Receiver, site: &str, path: &str, accepted: usize) -> Result<String> {
    let stored = count(state, &format!("SELECT COUNT(*) AS n FROM complaints WHERE site_key = '{site}'"))?;
    let delivered = count(state, &format!("SELECT COUNT(*) AS n FROM complaints WHERE site_key = '{site}' AND delivery = 'delivered'"))?;
    let stuck = count(state, &format!("SELECT COUNT(*) AS n FROM complaints WHERE site_key = '{site}' AND delivery IN ('queued', 'dead_letter')"))?;
    let got = rx.requests(path);
    let accepted_at_rx: Vec<&receiver::Received> = got.iter().filter(|r| r.status == 200).collect();
    let distinct: HashSet<&str> = accepted_at_rx.iter().filter_map(|r| r.header("Qingting-Delivery")).collect();
    Ok(format!("| {accepted} | {stored} | {delivered} | {} | {} | {stuck} |", distinct.len(), accepted_at_rx.len()))
}

pub fn bench_load(args: &[String]) -> Result<()> {
    let args = parse(args)?;
    setup::all(false)?;
    build::worker()?;
    let state: PathBuf = root().join("target/bench-load/state");
    let _ = std::fs::remove_dir_all(&state);
    let rx = receiver::Receiver::start().map_err(|e| format!("receiver: {e}"))?;
    let port = free_port().map_err(|e| e.to_string())?;
    let sites = ["load-1", "load-8", "load-32", "burst", "restart", "outage"];
    let mut srv = Some(server(&state, port, &sites)?);
    let cookie = admin_cookie(port)?;
    for s in ["load-1", "load-8", "load-32", "burst"] {
        destinations(port, &cookie, s, &rx.url(&format!("/ok-{s}")))?;
    }
    destinations(port, &cookie, "restart", &rx.url("/ok-restart"))?;
    destinations(port, &cookie, "outage", &rx.url("/down-outage"))?;
    let text = |i: usize| format!("骑手送餐超时一个多小时，汤也洒了 LOAD-{i}");

    // 1. Load.
    step(&format!("load: {} complaints and {} health checks at concurrency 1, 8 and 32", args.requests, args.requests));
    let mut load = String::from(
        "| limits | concurrency | intake/s | intake p50 ms | intake p99 ms | health p50 ms | health p99 ms | p50 ratio | accepted |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for c in [1usize, 8, 32] {
        load.push_str(&load_row(port, c, args.requests, "on", &format!("load-{c}")));
    }
    // The same at concurrency 8 with the limits switched off (`RATE_LIMITS=off`), on a second
    // local server of its own: what the two limiter calls cost.
    {
        let off_state = root().join("target/bench-load/state-off");
        let _ = std::fs::remove_dir_all(&off_state);
        let off_port = free_port().map_err(|e| e.to_string())?;
        let off = server_with(&off_state, off_port, &["load-8"], "off")?;
        load.push_str(&load_row(off_port, 8, args.requests, "off", "load-8"));
        drop(off);
    }

    // 2. One client over the limit.
    step("limits on: one client, 30 complaints at once to one site");
    let passed = Mutex::new(0usize);
    let (refused, _) = run(30, 8, |i| match complaint(port, "burst", &format!("burst-{i:06}"), "203.0.113.9", &text(i)) {
        Some(r) if r.status == 429 => true,
        Some(r) if r.status == 201 => {
            if let Ok(mut p) = passed.lock() {
                *p += 1;
            }
            false
        }
        _ => false,
    });
    let limits = format!(
        "One client, 30 complaints at concurrency 8 to one site: **{} accepted, {} refused** with `429 rate_limited` (p50 {:.1} ms, p99 {:.1} ms).",
        passed.into_inner().unwrap_or(0),
        refused.len(),
        percentile(&refused, 0.5),
        percentile(&refused, 0.99)
    );

    // 3. Restart half-way.
    step("restart: 120 complaints at concurrency 8; workerd is stopped and started again half-way");
    let (total, sent) = (120usize, Arc::new(Mutex::new(0usize)));
    let ids = Mutex::new(HashSet::new());
    let restarted = std::thread::scope(|s| -> Result<Duration> {
        let worker = s.spawn(|| {
            run(total, 8, |i| {
                let deadline = Instant::now() + Duration::from_secs(180);
                // Retried under the same key until answered, as the widget does.
                while Instant::now() < deadline {
                    if let Some(r) = complaint(port, "restart", &format!("restart-{i:06}"), &format!("10.9.{}.{}", i / 250, i % 250 + 1), &text(i))
                        && r.status == 201
                    {
                        if let (Some(id), Ok(mut set)) = (r.json()["id"].as_str().map(str::to_string), ids.lock()) {
                            set.insert(id);
                        }
                        if let Ok(mut n) = sent.lock() {
                            *n += 1;
                        }
                        return true;
                    }
                    std::thread::sleep(Duration::from_millis(300));
                }
                false
            })
        });
        while sent.lock().map(|n| *n).unwrap_or(total) < total / 2 {
            std::thread::sleep(Duration::from_millis(50));
        }
        // Stopped (its process group ended), then started again on the same port and state.
        let down = Instant::now();
        drop(srv.take());
        srv = Some(server(&state, port, &sites).map_err(|e| format!("restart: {e}"))?);
        let gap = down.elapsed();
        let _ = worker.join();
        Ok(gap)
    });
    let restart_gap = restarted?;
    let accepted = ids.lock().map(|s| s.len()).unwrap_or(0);
    let restart_settled = settle(port, &state, "restart", Duration::from_secs(180))?;
    let restart_row = tally(&state, &rx, "restart", "/ok-restart", accepted)?;

    // 4. A long outage, then the receiver is back and the dead letters are redriven.
    step("outage: 30 complaints to a receiver that is down until all are dead letters; then it is back");
    let (outage, _) = run(30, 8, |i| complaint(port, "outage", &format!("outage-{i:06}"), &format!("10.8.0.{}", i + 1), &text(i)).is_some_and(|r| r.status == 201));
    let dead_by = Instant::now();
    while count(&state, "SELECT COUNT(*) AS n FROM complaints WHERE site_key = 'outage' AND delivery = 'dead_letter'")? < outage.len() as u64 {
        if dead_by.elapsed() > Duration::from_secs(300) {
            return Err("bench-load: the outage's complaints did not all become dead letters in 5 minutes".into());
        }
        std::thread::sleep(Duration::from_secs(2));
    }
    let dead_after = dead_by.elapsed();
    let cookie = admin_cookie(port)?;
    destinations(port, &cookie, "outage", &rx.url("/ok-outage"))?;
    let outage_settled = settle(port, &state, "outage", Duration::from_secs(180))?;
    let outage_row = tally(&state, &rx, "outage", "/ok-outage", outage.len())?;
    drop(srv);

    // CPU per intake, natively.
    step("CPU per intake: the same intake::decide natively (qingting faq, release build)");
    let native = native_intake_micros()?;

    println!("\n## Intake under load (local workerd, 2 cores)\n\n{load}\n{limits}\n");
    println!("## Faults\n");
    println!("| run | accepted | stored | delivered | delivered once (distinct deliveries) | receiver's 2xx | left queued or dead |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    println!("| restart half-way (down {:.1} s; settled {:.0} s after) {restart_row}", restart_gap.as_secs_f64(), restart_settled.as_secs_f64());
    println!("| outage until all dead ({:.0} s), then redrive (settled in {:.0} s) {outage_row}", dead_after.as_secs_f64(), outage_settled.as_secs_f64());
    println!("\nCPU per intake (native, release, this machine: classify + mask + route, no D1, no crypto): **{native:.0} µs**");
    Ok(())
}

/// One row of the load table: `n` complaints to `site` (each from its own address, keys prefixed
/// by `limits`) and `n` health checks, at concurrency `c`.
fn load_row(port: u16, c: usize, n: usize, limits: &str, site: &str) -> String {
    let accepted = Mutex::new(0usize);
    let (intake, wall) = run(n, c, |i| {
        let ip = format!("10.{}.{}.{}", c, i / 250, i % 250 + 1);
        let text = format!("骑手送餐超时一个多小时，汤也洒了 LOAD-{limits}-{i}");
        let ok = complaint(port, site, &format!("load-{limits}-{c}-{i:06}"), &ip, &text).is_some_and(|r| r.status == 201);
        if ok && let Ok(mut a) = accepted.lock() {
            *a += 1;
        }
        ok
    });
    let (health, _) = run(n, c, |_| http::request(port, "GET", "/v1/health", &[], None).is_ok_and(|r| r.status == 200));
    let ok = accepted.into_inner().unwrap_or(0);
    let (p50, h50) = (percentile(&intake, 0.5), percentile(&health, 0.5));
    format!(
        "| {limits} | {c} | {:.1} | {p50:.1} | {:.1} | {h50:.1} | {:.1} | {:.1}× | {ok} of {n} |\n",
        ok as f64 / wall.as_secs_f64(),
        percentile(&intake, 0.99),
        percentile(&health, 0.99),
        p50 / h50,
    )
}

/// Microseconds per `intake::decide` through `qingting faq` over 2,000 texts (the process's
/// start-up measured apart and taken off).
fn native_intake_micros() -> Result<f64> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let bin = root().join("target/release/qingting");
    std::process::Command::new("cargo").args(["build", "--release", "--quiet", "-p", "qingting-cli"]).current_dir(root()).status().map_err(|e| e.to_string())?;
    let time = |n: usize| -> Result<f64> {
        let mut child = Command::new(&bin).arg("faq").stdin(Stdio::piped()).stdout(Stdio::null()).spawn().map_err(|e| e.to_string())?;
        let start = Instant::now();
        if let Some(mut input) = child.stdin.take() {
            for i in 0..n {
                writeln!(input, "{}", json!({"id": i.to_string(), "text": format!("骑手送餐超时一个多小时，汤也洒了，电话 138 1234 {:04} 也不接", i % 10_000)})).map_err(|e| e.to_string())?;
            }
        }
        child.wait().map_err(|e| e.to_string())?;
        Ok(start.elapsed().as_secs_f64())
    };
    let (base, full) = (time(1)?, time(2_001)?);
    Ok((full - base) / 2_000.0 * 1e6)
}
