//! `cargo xtask seed [--tickets N] [--port N]`: fills the local demo with tickets in every status,
//! through the API as a customer and the demo staff would: each complaint is one of the project's
//! own written examples (`data/authored/examples.jsonl`, `source: qingting-authored`; never
//! external texts) sent with `POST /v1/complaints` from the site's page origin, then worked by a
//! demo agent of its merchant (`POST /v1/tickets/:id/:action` with `If-Match`) into `open`,
//! `waiting_customer`, `resolved` or `closed`; some stay `new`, and those the FAQ answered stay
//! `auto_replied` or are worked too. Uses the worker running on the port (`cargo xtask run`), or
//! starts one on the same local D1 (`.wrangler/state`) for the time it takes.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::demo::{self, Demo, MERCHANTS, Session};
use super::{build, run, setup};
use crate::http;
use crate::util::{Result, root, step};

/// One of the project's written examples.
pub struct Example {
    pub text: String,
    pub lang: String,
}

/// The project-written examples (`data/authored/examples.jsonl`); refuses any line not marked
/// `source: qingting-authored`, so nothing external can slip into the demo.
pub fn authored() -> Result<Vec<Example>> {
    let path = root().join("data/authored/examples.jsonl");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line).map_err(|e| format!("{}:{}: {e}", path.display(), n + 1))?;
        if v["source"] != "qingting-authored" {
            return Err(format!("{}:{}: not marked source: qingting-authored", path.display(), n + 1));
        }
        let (Some(text), Some(lang)) = (v["text"].as_str(), v["lang"].as_str()) else {
            return Err(format!("{}:{}: no text or lang", path.display(), n + 1));
        };
        out.push(Example { text: text.to_string(), lang: lang.to_string() });
    }
    if out.is_empty() {
        return Err(format!("{} has no examples", path.display()));
    }
    Ok(out)
}

/// Where the seeded tickets end up, in turn (tickets the FAQ answered keep `auto_replied` every
/// other time).
const TARGETS: [&str; 10] = ["new", "open", "waiting_customer", "resolved", "closed", "open", "resolved", "closed", "new", "waiting_customer"];

/// What staff write (project-written, like the complaints).
const ACK: &str = "您好，已收到您的反馈，我们正在核实，请稍候。";
const ASK: &str = "麻烦提供一下订单号和下单手机号后四位，我们好帮您查询。";
const DONE: &str = "已为您处理完毕，给您带来不便非常抱歉。如仍有问题请随时联系我们。";
const NOTE: &str = "已电话联系顾客，等待门店确认。";

/// The actions (with bodies) that take a `new` or `auto_replied` ticket to `target`.
fn actions(target: &str, i: usize) -> Vec<(&'static str, Value)> {
    let claim = ("claim", json!({}));
    let mut steps = match target {
        "open" => vec![claim],
        "waiting_customer" => vec![claim, ("reply", json!({ "text": ASK, "wait": true }))],
        "resolved" => vec![claim, ("reply", json!({ "text": DONE })), ("resolve", json!({}))],
        "closed" => vec![claim, ("reply", json!({ "text": ACK })), ("resolve", json!({})), ("close", json!({}))],
        _ => Vec::new(),
    };
    if i % 7 == 3 && !steps.is_empty() {
        steps.insert(1, ("note", json!({ "text": NOTE })));
    }
    steps
}

struct Args {
    tickets: usize,
    port: u16,
}

fn parse_args(args: &[String]) -> Result<Args> {
    let usage = || "usage: cargo xtask seed [--tickets N] [--port N]".to_string();
    let mut out = Args { tickets: 300, port: 8787 };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(usage)?;
        match flag.as_str() {
            "--tickets" => out.tickets = value.parse().map_err(|_| usage())?,
            "--port" => out.port = value.parse().map_err(|_| usage())?,
            _ => return Err(usage()),
        }
    }
    Ok(out)
}

/// Whether a local worker answers on `port`.
pub fn running(port: u16) -> bool {
    qingting_devserver::http_get(port, "/v1/health").is_ok_and(|(code, _)| code == 200)
}

pub fn seed(args: &[String]) -> Result<()> {
    let args = parse_args(args)?;
    let examples = authored()?;
    let _server = if running(args.port) {
        step(&format!("using the local worker on port {}", args.port));
        None
    } else {
        // Only the API is used: the worker bundle is all that must be fresh.
        setup::all(false)?;
        build::worker()?;
        Some(run::start(args.port, false)?)
    };
    let demo = demo::ensure(args.port, &demo::accounts_file())?;
    let agents = Agents::sign_in(&demo, args.port)?;
    let nonce = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    step(&format!("seeding {} tickets from {} project-written examples", args.tickets, examples.len()));
    let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
    let every = (args.tickets / 10).max(1);
    for i in 0..args.tickets {
        let example = &examples[(i * 131 + nonce as usize) % examples.len()];
        let status = seed_one(args.port, &agents, example, i, &format!("seed-{nonce:x}-{i}"))?;
        *statuses.entry(status).or_default() += 1;
        if (i + 1).is_multiple_of(every) || i + 1 == args.tickets {
            let counts: Vec<String> = statuses.iter().map(|(s, n)| format!("{s} {n}")).collect();
            println!("    {:>5}/{}  {}", i + 1, args.tickets, counts.join(", "));
        }
    }
    demo::print(&demo.accounts, args.port);
    Ok(())
}

/// The demo agents' sessions, per merchant.
struct Agents {
    by_merchant: Vec<Vec<Session>>,
}

impl Agents {
    fn sign_in(demo: &Demo, port: u16) -> Result<Agents> {
        let mut by_merchant = Vec::new();
        for m in 0..MERCHANTS.len() {
            let mut sessions = Vec::new();
            for a in demo.agents_of(m) {
                sessions.push(Session::sign_in(port, &a.email, &a.password).map_err(|r| format!("signing in as {}: HTTP {} {}", a.email, r.status, r.body))?);
            }
            by_merchant.push(sessions);
        }
        Ok(Agents { by_merchant })
    }
}

/// Submits ticket `i` and works it to its target; its final status.
fn seed_one(port: u16, agents: &Agents, example: &Example, i: usize, key: &str) -> Result<String> {
    // Three in five to 老街小馆 (the demo page's merchant), the rest to 川味坊.
    let m = if i % 5 < 3 { 0 } else { 1 };
    let mut body = json!({ "site": MERCHANTS[m].site, "text": example.text, "lang": example.lang });
    if i.is_multiple_of(3) {
        body["order_id"] = json!(format!("{}-2611-{:05}", ["LJ", "CWF"][m], i));
    }
    let origin = demo::origin(port);
    let created =
        http::request(port, "POST", "/v1/complaints", &[("Origin", &origin), ("Idempotency-Key", key)], Some(&body))?.ok("POST /v1/complaints")?.json();
    let (Some(id), Some(mut status)) = (created["id"].as_str(), created["status"].as_str().map(str::to_string)) else {
        return Err(format!("POST /v1/complaints answered {created}"));
    };
    let target = TARGETS[i % TARGETS.len()];
    if status == "auto_replied" && i.is_multiple_of(2) {
        return Ok(status);
    }
    let sessions = &agents.by_merchant[m];
    let agent = &sessions[i % sessions.len()];
    let mut version = 1;
    for (action, body) in actions(target, i) {
        let r = agent.post(&format!("/v1/tickets/{id}/{action}"), &body, Some(version))?.ok(&format!("POST /v1/tickets/:id/{action}"))?.json();
        version = r["version"].as_u64().ok_or_else(|| format!("{action} answered no version: {r}"))?;
        status = r["status"].as_str().unwrap_or_default().to_string();
    }
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_are_all_project_written() {
        let examples = authored().unwrap();
        assert!(examples.len() >= 400, "{}", examples.len());
        assert!(examples.iter().all(|e| !e.text.is_empty() && ["zh-CN", "zh-TW", "en"].contains(&e.lang.as_str())));
    }

    #[test]
    fn every_staff_status_has_a_path() {
        for target in ["new", "open", "waiting_customer", "resolved", "closed"] {
            assert!(TARGETS.contains(&target), "{target}");
        }
        assert!(actions("new", 0).is_empty());
        let closed: Vec<&str> = actions("closed", 3).iter().map(|(a, _)| *a).collect();
        assert_eq!(closed, ["claim", "note", "reply", "resolve", "close"]);
        assert_eq!(actions("waiting_customer", 0)[1].1["wait"], true);
    }

    #[test]
    fn arguments() {
        let a = parse_args(&[]).unwrap();
        assert_eq!((a.tickets, a.port), (300, 8787));
        let a = parse_args(&["--tickets".into(), "50".into(), "--port".into(), "9000".into()]).unwrap();
        assert_eq!((a.tickets, a.port), (50, 9000));
        assert!(parse_args(&["--tickets".into()]).is_err());
        assert!(parse_args(&["--what".into(), "1".into()]).is_err());
    }
}
