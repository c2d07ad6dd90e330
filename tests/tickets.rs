//! The staff's ticket API (`/v1/tickets`): the inbox, one ticket, and every action with its
//! version check and event. Runs inside `worker_api`'s harness and server (same helpers).

use libtest_mimic::Failed;
use serde_json::{Value, json};

use super::{ORIGIN, STAFF_EMAIL, STAFF_PASSWORD, check, eq, expect_created, get, own_origin, post_json, rows, sign_in, submit};

/// A staff session: the cookie and this origin, for state-changing requests.
pub struct Session {
    cookie: String,
    origin: String,
}

impl Session {
    pub fn new(email: &str, password: &str) -> Result<Session, Failed> {
        let (r, cookie) = sign_in(email, password)?;
        let cookie = cookie.ok_or_else(|| format!("sign-in as {email}: {} {}", r.status, r.raw))?;
        Ok(Session { cookie, origin: own_origin() })
    }

    pub fn get(&self, path: &str) -> Result<super::Reply, Failed> {
        get(path, &[("Cookie", self.cookie.as_str())])
    }

    /// `POST /v1/tickets/{id}/{action}` with `If-Match: version` (none when `version` is `None`).
    pub fn act(&self, id: &str, action: &str, version: Option<u64>, body: &Value) -> Result<super::Reply, Failed> {
        let v = version.map(|v| v.to_string());
        let mut headers = vec![("Cookie", self.cookie.as_str()), ("Origin", self.origin.as_str())];
        if let Some(v) = &v {
            headers.push(("If-Match", v.as_str()));
        }
        post_json(&format!("/v1/tickets/{id}/{action}"), body, &headers)
    }
}

pub fn ids(list: &super::Reply) -> Vec<String> {
    list.body["tickets"].as_array().map(|a| a.iter().filter_map(|t| t["id"].as_str().map(str::to_string)).collect()).unwrap_or_default()
}

fn version(r: &super::Reply) -> u64 {
    r.body["version"].as_u64().unwrap_or(0)
}

pub fn tickets_are_worked_with_versions_and_events() -> Result<(), Failed> {
    let r = submit(&json!({"site": "demo", "text": "骑手把汤洒了一地，包装全破了，要求退款 TICKETS-1", "order_id": "E20261201-777"}), "tickets-0000001")?;
    let created = expect_created(&r, "submit")?;
    eq(r.body["status"].as_str(), Some("new"), "a forwarded complaint starts new")?;
    let ticket_no = r.body["ticket_no"].as_str().unwrap_or("").to_string();
    let staff = Session::new(STAFF_EMAIL, STAFF_PASSWORD)?;
    let id = created.id.as_str();

    // The inbox finds it by a two-character word, by its number and by its order id.
    for q in ["退款", ticket_no.as_str(), "E20261201-777"] {
        let list = staff.get(&format!("/v1/tickets?q={}", urlencode(q)))?;
        eq(list.status, 200, &format!("search {q} ({})", list.raw))?;
        check(ids(&list).contains(&created.id), format!("{q} finds the ticket: {}", list.raw))?;
    }
    let list = staff.get(&format!("/v1/tickets?q={}", urlencode("没有这个词")))?;
    check(!ids(&list).contains(&created.id), "an unrelated word does not")?;
    let list = staff.get("/v1/tickets?view=unresolved&limit=1")?;
    eq(list.body["tickets"].as_array().map(Vec::len), Some(1), "a page of one")?;
    check(list.body["next_cursor"].is_string(), "a cursor to the next page")?;
    let cursor = list.body["next_cursor"].as_str().unwrap_or("");
    let next = staff.get(&format!("/v1/tickets?view=unresolved&limit=1&cursor={}", urlencode(cursor)))?;
    eq(next.status, 200, "next page")?;
    check(ids(&next) != ids(&list), "the next page is another ticket")?;
    eq(staff.get("/v1/tickets?view=nope")?.status, 400, "unknown view")?;

    let t = staff.get(&format!("/v1/tickets/{id}"))?;
    eq((t.status, t.body["status"].as_str(), version(&t)), (200, Some("new"), 1), "the ticket")?;
    eq(t.body["events"][0]["kind"].as_str(), Some("created"), "its first event")?;

    let r = staff.act(id, "claim", None, &json!({}))?;
    eq((r.status, r.code()), (428, "missing_if_match"), "no version, no write")?;
    let r = staff.act(id, "claim", Some(1), &json!({}))?;
    eq((r.status, r.body["status"].as_str(), version(&r)), (200, Some("open"), 2), &format!("claim ({})", r.raw))?;
    check(r.body["assignee"].is_string(), "assigned to me")?;
    let stale = staff.act(id, "note", Some(1), &json!({"text": "过时的写入"}))?;
    eq((stale.status, stale.code()), (409, "version_conflict"), "a stale write")?;
    eq(stale.body["ticket"]["version"].as_u64(), Some(2), "answered with the current ticket")?;

    let r = staff.act(id, "reply", Some(2), &json!({"text": "您好，已为您登记退款，请留意到账。"}))?;
    eq((r.status, version(&r)), (200, 3), &format!("public reply ({})", r.raw))?;
    let r = staff.act(id, "note", Some(3), &json!({"text": "内部：骑手编号 A12，已联系站长"}))?;
    eq((r.status, version(&r)), (200, 4), "internal note")?;
    let view = get(&format!("/v1/complaints/{id}"), &[("Authorization", &format!("Bearer {}", created.token)), ("Origin", ORIGIN)])?;
    let texts: Vec<&str> = view.body["replies"].as_array().map(|a| a.iter().filter_map(|x| x["text"].as_str()).collect()).unwrap_or_default();
    check(texts.iter().any(|t| t.contains("已为您登记退款")), format!("the customer reads the reply: {texts:?}"))?;
    check(!texts.iter().any(|t| t.contains("骑手编号")), "but never the internal note")?;

    let r = staff.act(id, "correct", Some(4), &json!({"category": "refund", "priority": "P2", "reason": "顾客要求退款"}))?;
    eq((r.status, r.body["category"].as_str(), r.body["priority"].as_str()), (200, Some("refund"), Some("P2")), &format!("correction ({})", r.raw))?;
    let last = r.body["events"].as_array().and_then(|e| e.last()).cloned().unwrap_or(Value::Null);
    eq(last["kind"].as_str(), Some("corrected"), "recorded as a correction")?;
    check(last["payload"].as_str().is_some_and(|p| p.contains("顾客要求退款") && p.contains("refund")), "who, from, to, why")?;
    eq(staff.act(id, "correct", Some(5), &json!({"category": "refund", "reason": "x"}))?.code(), "invalid_action", "a correction that changes nothing")?;
    corrections_train_the_classifier(&staff, id, &t.body["category"])?;

    eq(staff.act(id, "resolve", Some(5), &json!({}))?.body["status"].as_str(), Some("resolved"), "resolve")?;
    eq(staff.act(id, "close", Some(6), &json!({}))?.body["status"].as_str(), Some("closed"), "close")?;
    let r = staff.act(id, "note", Some(7), &json!({"text": "关闭后还能写吗"}))?;
    eq((r.status, r.code()), (409, "action_not_allowed"), "a closed ticket changes only by reopen")?;
    let r = staff.act(id, "reopen", Some(7), &json!({}))?;
    eq((r.status, r.body["status"].as_str(), version(&r)), (200, Some("open"), 8), "reopen")?;
    eq(staff.act(id, "follow", Some(8), &json!({}))?.body["followers"].as_array().map(Vec::len), Some(1), "follow")?;
    eq(version(&staff.act(id, "follow", Some(9), &json!({}))?), 9, "following again changes nothing")?;
    eq(staff.act(id, "dance", Some(9), &json!({}))?.code(), "unknown_action", "unknown action")?;
    let foreign =
        post_json(&format!("/v1/tickets/{id}/resolve"), &json!({}), &[("Cookie", staff.cookie.as_str()), ("Origin", super::OTHER_ORIGIN), ("If-Match", "9")])?;
    eq((foreign.status, foreign.code()), (403, "cross_origin"), "another site's page")?;
    let r = post_json(&format!("/v1/tickets/{id}/resolve"), &json!({}), &[("If-Match", "9")])?;
    eq((r.status, r.code()), (401, "sign_in_required"), "signed out")?;

    // No change without its event: versions 1..=9, one event each.
    let counts = rows(&format!("SELECT COUNT(*) AS n, MIN(version) AS lo, MAX(version) AS hi FROM ticket_events WHERE ticket_id = '{id}'"))?;
    eq((counts[0]["n"].as_i64(), counts[0]["lo"].as_i64(), counts[0]["hi"].as_i64()), (Some(9), Some(1), Some(9)), "one event per version")?;
    Ok(())
}

/// Percent-encodes a query value (UTF-8 bytes outside the unreserved set).
pub fn urlencode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

/// Submits a complaint to a new site of `merchant`; the ticket id.
pub fn ticket_of(site: &str, merchant: &str, text: &str, key: &str) -> Result<String, Failed> {
    super::site_with(site, json!([]))?;
    rows(&format!("UPDATE sites SET merchant_id = '{merchant}' WHERE key = '{site}'"))?;
    let r = submit(&json!({"site": site, "text": text}), key)?;
    Ok(expect_created(&r, &format!("submit to {site}"))?.id)
}

pub fn act_as(cookie: &str, id: &str, action: &str, version: u64, body: &Value) -> Result<super::Reply, Failed> {
    let (origin, v) = (own_origin(), version.to_string());
    post_json(&format!("/v1/tickets/{id}/{action}"), body, &[("Cookie", cookie), ("Origin", origin.as_str()), ("If-Match", v.as_str())])
}

/// Merchant B's staff never see merchant A's tickets: not in lists or search, `404` on reading and
/// on every action (as for a ticket that does not exist); A's staff and the platform do.
pub fn merchants_see_and_work_only_their_own_tickets() -> Result<(), Failed> {
    let w = super::world()?;
    let a_ticket = ticket_of("tenant-a", &w.merchant_a, "菜里吃出了头发，太恶心了 TENANT-A", "tenant-a-000001")?;
    let b_ticket = ticket_of("tenant-b", &w.merchant_b, "送餐晚了一个小时，菜都凉了 TENANT-B", "tenant-b-000001")?;
    let (a, b) = (w.a_agent.cookie.as_str(), w.b_admin.cookie.as_str());
    // P1 (hair in the food): the platform holds it from intake, at version 2.
    let v0 = version(&get(&format!("/v1/tickets/{a_ticket}"), &[("Cookie", a)])?);

    let listed = |cookie: &str, query: &str| -> Result<Vec<String>, Failed> { Ok(ids(&get(&format!("/v1/tickets?{query}"), &[("Cookie", cookie)])?)) };
    check(listed(a, "")?.contains(&a_ticket) && !listed(a, "")?.contains(&b_ticket), "A's agent lists A's ticket only")?;
    check(listed(b, "")?.contains(&b_ticket) && !listed(b, "")?.contains(&a_ticket), "B's admin lists B's ticket only")?;
    check(!listed(b, &format!("q={}", urlencode("头发")))?.contains(&a_ticket), "nor finds it by search")?;
    check(!listed(b, "view=urgent")?.contains(&a_ticket), "nor in a view")?;
    let everything = listed(&w.platform, "")?;
    check(everything.contains(&a_ticket) && everything.contains(&b_ticket), "the platform sees both")?;

    let r = get(&format!("/v1/tickets/{a_ticket}"), &[("Cookie", b)])?;
    eq((r.status, r.code()), (404, "not_found"), "B reads A's ticket")?;
    let missing = get("/v1/tickets/00000000-0000-4000-8000-000000000000", &[("Cookie", b)])?;
    eq((missing.status, missing.body.clone()), (404, r.body.clone()), "exactly like a ticket that does not exist")?;
    for (action, body) in [
        ("claim", json!({})),
        ("assign", json!({"user": w.b_admin.id})),
        ("transfer", json!({"user": w.b_admin.id, "note": "转给我"})),
        ("reply", json!({"text": "你好"})),
        ("note", json!({"text": "看看"})),
        ("correct", json!({"priority": "P4", "reason": "不急"})),
        ("resolve", json!({})),
        ("close", json!({})),
        ("reopen", json!({})),
        ("merge", json!({"into": b_ticket})),
        ("follow", json!({})),
        ("unfollow", json!({})),
    ] {
        let r = act_as(b, &a_ticket, action, v0, &body)?;
        eq((r.status, r.code()), (404, "not_found"), &format!("B's {action} on A's ticket"))?;
    }
    let r = act_as(b, &b_ticket, "merge", 1, &json!({"into": a_ticket}))?;
    eq((r.status, r.code()), (404, "not_found"), "B merging into A's ticket")?;
    let unchanged = get(&format!("/v1/tickets/{a_ticket}"), &[("Cookie", a)])?;
    eq((unchanged.status, version(&unchanged)), (200, v0), "A's ticket untouched")?;
    let r = act_as(a, &a_ticket, "claim", v0, &json!({}))?;
    eq((r.status, r.body["assignee"].as_str()), (200, Some(w.a_agent.id.as_str())), "A's agent works it")?;
    let r = act_as(&w.a_admin.cookie, &a_ticket, "assign", v0 + 1, &json!({"user": w.b_admin.id}))?;
    eq((r.status, r.code()), (400, "invalid_action"), "A's ticket cannot be given to B's staff")?;
    let r = act_as(&w.a_admin.cookie, &a_ticket, "transfer", v0 + 1, &json!({"team": "no-such-team", "note": "转到不存在的团队"}))?;
    eq((r.status, r.code()), (400, "invalid_action"), "nor to a team that is not A's")
}

/// The wave-1 → workflow migration (0007) on a database holding wave-1 rows in every status:
/// nothing lost, statuses mapped, one `created` event each, replies kept, numbers searchable.
/// Uses its own local D1 (not the server's), built file by file.
pub fn wave_one_rows_are_carried_over() -> Result<(), Failed> {
    let dir = std::env::temp_dir().join(format!("qingting-migration-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let root = qingting_devserver::root();
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(root.join("worker/migrations"))
        .map_err(|e| e.to_string())?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    files.sort();
    let run = |sql: &str| -> Result<Value, Failed> {
        let out = qingting_devserver::query(&dir, sql)?;
        serde_json::from_str::<Value>(&out).map_err(|e| format!("wrangler output: {e}: {out}").into())
    };
    // A file as one `--command` (whole-line comments dropped: a value starting with `--` reads as a flag).
    let apply = |f: &std::path::PathBuf| -> Result<Value, Failed> {
        let sql = std::fs::read_to_string(f).map_err(|e| e.to_string())?;
        run(&sql.lines().filter(|l| !l.trim_start().starts_with("--")).collect::<Vec<_>>().join("\n"))
    };
    let (before, after): (Vec<_>, Vec<_>) = files.iter().partition(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n < "0007"));
    for f in &before {
        apply(f)?;
    }
    // Wave-1 rows as the old worker wrote them.
    let row = |id: &str, no: &str, status: &str| {
        format!(
            "INSERT INTO complaints (id, ticket_no, site_key, idempotency_key, request_hash, text, order_id, lang, status, complaint, complaint_score, \
             categories, model_version, created_at, updated_at, decision, delivery) VALUES ('{id}', '{no}', 'old', 'key-{id}', 'h', '旧工单 {status}', \
             'ORD-{id}', 'zh-CN', '{status}', 1, 0.9, '[]', 'qt-lr-2', '2026-11-20T00:00:00.000Z', '2026-11-20T00:00:00.000Z', 'forward', 'delivered');"
        )
    };
    let seed = [
        "INSERT INTO sites (key, merchant_name) VALUES ('old', '旧商家');".to_string(),
        row("w1", "QT261120-000001", "received"),
        row("w2", "QT261120-000002", "forwarded"),
        row("w3", "QT261120-000003", "assigned"),
        row("w4", "QT261120-000004", "auto_replied"),
        row("w5", "QT261120-000005", "resolved"),
        row("w6", "QT261120-000006", "closed"),
        "INSERT INTO ticket_replies (complaint_id, author, faq_id, text, created_at) VALUES ('w4', 'faq', 'refund-arrival-time', '原路退回', '2026-11-20T00:00:00.000Z');".to_string(),
    ]
    .join("\n");
    run(&seed)?;
    for f in &after {
        apply(f)?;
    }
    let got = run("SELECT id, status, version, holder FROM complaints ORDER BY id")?;
    let got: Vec<(String, String, i64, String)> = got[0]["results"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|r| {
                    let s = |k: &str| r[k].as_str().unwrap_or("").to_string();
                    (s("id"), s("status"), r["version"].as_i64().unwrap_or(0), s("holder"))
                })
                .collect()
        })
        .unwrap_or_default();
    let want: Vec<(String, String, i64, String)> = [("w1", "new"), ("w2", "new"), ("w3", "open"), ("w4", "auto_replied"), ("w5", "resolved"), ("w6", "closed")]
        .iter()
        .map(|(id, st)| (id.to_string(), st.to_string(), 1, "merchant".to_string()))
        .collect();
    eq(got, want, "every row kept, statuses mapped, version 1, held by the merchant")?;
    let events = run("SELECT ticket_id, version, kind, to_status FROM ticket_events ORDER BY ticket_id")?;
    let events = events[0]["results"].as_array().cloned().unwrap_or_default();
    eq(events.len(), 6, "one event per ticket")?;
    check(events.iter().all(|e| e["kind"] == "created" && e["version"] == 1), format!("created events: {events:?}"))?;
    eq(events[2]["to_status"].as_str(), Some("open"), "the event says where the ticket stands")?;
    let replies = run("SELECT text, internal FROM ticket_replies WHERE complaint_id = 'w4'")?;
    eq(replies[0]["results"][0]["internal"].as_i64(), Some(0), "the automatic answer stays public")?;
    let found = run(&format!("SELECT ticket_id FROM ticket_search WHERE ticket_search MATCH '{}'", qingting_shared_match("QT261120-000003")))?;
    eq(found[0]["results"][0]["ticket_id"].as_str(), Some("w3"), "a wave-1 ticket is found by its number")?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// The search expression the worker builds, spelled out for one ticket number (`"qt261120 000003"`).
fn qingting_shared_match(ticket_no: &str) -> String {
    let parts: Vec<String> = ticket_no.to_lowercase().split('-').map(str::to_string).collect();
    format!("\"{}\"", parts.join(" ")).replace('\'', "")
}

/// The corrections export has our correction, and `qingting eval --categories` (the same reader
/// `qingting train --categories` uses) reads the file as it is downloaded.
fn corrections_train_the_classifier(staff: &Session, id: &str, classified_as: &Value) -> Result<(), Failed> {
    let r = staff.get("/v1/corrections")?;
    eq(r.status, 200, &format!("export ({})", r.raw))?;
    check(r.header("Content-Type").is_some_and(|c| c.starts_with("application/x-ndjson")), "JSON lines")?;
    let line = r.raw.lines().find(|l| l.contains(id)).ok_or_else(|| format!("our ticket in the export: {}", r.raw))?;
    let v: Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
    eq((v["primary"].as_str(), v["priority"].as_str(), v["reason"].as_str()), (Some("refund"), Some("P2"), Some("顾客要求退款")), "the correction")?;
    eq(&v["from"]["category"], classified_as, "what the classifier said")?;
    check(v["corrected_by"].is_string() && v["text"].as_str().is_some_and(|t| t.contains("TICKETS-1")), "who, and the masked text")?;
    let cli = qingting_devserver::root().join("target/release/qingting");
    if !cli.exists() {
        return Err(format!("{} is missing: `cargo xtask build` builds the CLI", cli.display()).into());
    }
    let file = std::env::temp_dir().join(format!("qingting-corrections-{}.jsonl", std::process::id()));
    std::fs::write(&file, &r.raw).map_err(|e| e.to_string())?;
    let out = std::process::Command::new(&cli).arg("eval").arg("--categories").arg(&file).output().map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(&file);
    let stdout = String::from_utf8_lossy(&out.stdout);
    check(out.status.success() && stdout.contains("micro"), format!("qingting eval reads the export: {stdout}{}", String::from_utf8_lossy(&out.stderr)))
}

/// Saved-view counts, bulk assign and resolve (per-ticket results, tenancy kept), the words that
/// drove a classification, and canned replies per merchant.
pub fn inbox_counts_bulk_and_canned_replies() -> Result<(), Failed> {
    let w = super::world()?;
    let (a_admin, a_agent, b) = (w.a_admin.cookie.as_str(), w.a_agent.cookie.as_str(), w.b_admin.cookie.as_str());
    let counts = |cookie: &str| -> Result<Value, Failed> {
        let r = get("/v1/tickets/counts", &[("Cookie", cookie)])?;
        eq(r.status, 200, &format!("counts ({})", r.raw))?;
        Ok(r.body["counts"].clone())
    };
    let before = counts(a_agent)?;
    let one = ticket_of("tenant-a", &w.merchant_a, "包装破了，汤洒了一袋子 BULK-1", "bulk-a-000001")?;
    let two = ticket_of("tenant-a", &w.merchant_a, "少送了一份米饭 BULK-2", "bulk-a-000002")?;
    let foreign = ticket_of("tenant-b", &w.merchant_b, "商家态度很差 BULK-B", "bulk-b-000001")?;
    let origin = own_origin();
    let bulk = |cookie: &str, body: &Value| post_json("/v1/tickets/bulk", body, &[("Cookie", cookie), ("Origin", origin.as_str())]);
    let r = bulk(a_admin, &json!({"action": "assign", "user": w.a_agent.id, "ids": [one, two, foreign]}))?;
    eq(r.status, 200, &format!("bulk assign ({})", r.raw))?;
    let results = r.body["results"].as_array().cloned().unwrap_or_default();
    let oks: Vec<(Option<&str>, bool)> = results.iter().map(|x| (x["id"].as_str(), x["ok"].as_bool().unwrap_or(false))).collect();
    eq(oks, vec![(Some(one.as_str()), true), (Some(two.as_str()), true), (Some(foreign.as_str()), false)], "assigned A's two, not B's")?;
    eq(results[2]["code"].as_str(), Some("not_found"), "B's ticket is as if it did not exist")?;
    let after = counts(a_agent)?;
    eq(after["mine"].as_f64().unwrap_or(0.0) - before["mine"].as_f64().unwrap_or(0.0), 2.0, "two more in 我的待办")?;
    check(counts(b)?["unresolved"].as_f64().unwrap_or(0.0) >= 1.0, "B counts its own")?;
    let r = bulk(a_agent, &json!({"action": "resolve", "ids": [one]}))?;
    eq(r.body["results"][0]["ticket"]["status"].as_str(), Some("resolved"), "bulk resolve")?;
    eq(bulk(a_agent, &json!({"action": "resolve", "ids": []}))?.code(), "invalid_action", "no ids")?;
    eq(bulk(a_agent, &json!({"action": "close", "ids": [two]}))?.code(), "invalid_action", "only assign and resolve")?;

    let t = get(&format!("/v1/tickets/{two}"), &[("Cookie", a_agent)])?;
    check(t.body["top_tokens"].as_array().is_some_and(|w| !w.is_empty()), format!("the words that drove it: {}", t.body["top_tokens"]))?;

    let canned = |cookie: &str, body: &Value| post_json("/v1/canned-replies", body, &[("Cookie", cookie), ("Origin", origin.as_str())]);
    let reply = json!({"merchant": w.merchant_a, "title": "补送", "text": "非常抱歉，我们马上为您补送。"});
    let r = canned(a_admin, &reply)?;
    eq(r.status, 201, &format!("A's admin adds a canned reply ({})", r.raw))?;
    let reply_id = r.body["reply"]["id"].as_str().unwrap_or_default().to_string();
    eq(canned(a_agent, &reply)?.code(), "forbidden", "agents use them, admins write them")?;
    eq(canned(b, &reply)?.code(), "not_found", "B cannot write A's")?;
    let titles = |cookie: &str| -> Result<Vec<String>, Failed> {
        let r = get("/v1/canned-replies", &[("Cookie", cookie)])?;
        Ok(r.body["replies"].as_array().map(|a| a.iter().filter_map(|x| x["id"].as_str().map(String::from)).collect()).unwrap_or_default())
    };
    check(titles(a_agent)?.contains(&reply_id) && !titles(b)?.contains(&reply_id), "A's staff see it, B's do not")?;
    let del = |cookie: &str| {
        let path = format!("{}/v1/canned-replies/{reply_id}", ctx_base());
        super::reply(super::ctx().agent.delete(path).header("Cookie", cookie).header("Origin", origin.as_str()).call())
    };
    eq(del(b)?.code(), "not_found", "B cannot delete it")?;
    eq(del(a_admin)?.status, 200, "A's admin deletes it")?;
    check(!titles(a_agent)?.contains(&reply_id), "gone")
}

fn ctx_base() -> String {
    super::ctx().base.clone()
}

/// Every ticket the platform sees, page by page in `sort`: (priority rank, created_at, id).
fn all_pages(staff: &Session, sort: &str) -> Result<Vec<(String, String, String)>, Failed> {
    let (mut out, mut cursor) = (Vec::new(), None::<String>);
    for _ in 0..200 {
        let mut path = format!("/v1/tickets?view=all&limit=7&sort={sort}");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={}", urlencode(c)));
        }
        let page = staff.get(&path)?;
        eq(page.status, 200, &format!("{path} ({})", page.raw))?;
        for t in page.body["tickets"].as_array().cloned().unwrap_or_default() {
            let rank = t["priority"].as_str().unwrap_or("P9").to_string();
            out.push((rank, t["created_at"].as_str().unwrap_or("").to_string(), t["id"].as_str().unwrap_or("").to_string()));
        }
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return Ok(out),
        }
    }
    Err("more than 200 pages".into())
}

pub fn inbox_is_sorted_and_paged_in_every_order() -> Result<(), Failed> {
    let staff = Session::new(STAFF_EMAIL, STAFF_PASSWORD)?;
    let newest = all_pages(&staff, "newest")?;
    check(newest.len() > 7, format!("enough tickets to page through ({})", newest.len()))?;
    let mut everyone: Vec<&String> = newest.iter().map(|t| &t.2).collect();
    everyone.sort();
    for sort in ["newest", "oldest", "priority"] {
        let list = if sort == "newest" { newest.clone() } else { all_pages(&staff, sort)? };
        let mut seen: Vec<&String> = list.iter().map(|t| &t.2).collect();
        seen.sort();
        eq(&seen, &everyone, &format!("{sort}: every ticket exactly once"))?;
        for pair in list.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            let in_order = match sort {
                "newest" => (&a.1, &a.2) > (&b.1, &b.2),
                "oldest" => (&a.1, &a.2) < (&b.1, &b.2),
                _ => (&a.0, &a.1, &a.2) < (&b.0, &b.1, &b.2),
            };
            check(in_order, format!("{sort}: {a:?} before {b:?}"))?;
        }
    }
    let r = staff.get("/v1/tickets?sort=sideways")?;
    eq((r.status, r.code()), (400, "invalid_query"), "an unknown order")?;
    let first = staff.get("/v1/tickets?view=all&limit=1")?;
    let cursor = first.body["next_cursor"].as_str().unwrap_or("").to_string();
    let r = staff.get(&format!("/v1/tickets?view=all&sort=priority&cursor={}", urlencode(&cursor)))?;
    eq((r.status, r.code()), (400, "invalid_query"), "a newest-first cursor is not a priority cursor")
}

/// The three-party flow: a merchant that lets its window pass loses the ticket to the platform
/// (平台介入), once, however many sweeps run; a ticket the merchant answered stays theirs.
pub fn a_missed_merchant_window_hands_the_ticket_to_the_platform() -> Result<(), Failed> {
    let w = super::world()?;
    let late = ticket_of("window-a", &w.merchant_a, "送餐晚了四十分钟，饭都凉了 WINDOW-1", "window-a-000001")?;
    let answered = ticket_of("window-a", &w.merchant_a, "送餐晚了半小时，饭都凉了 WINDOW-2", "window-a-000002")?;
    let stored = rows(&format!("SELECT merchant_due_at, created_at, priority, holder FROM complaints WHERE id = '{late}'"))?;
    let (due, created) = (stored[0]["merchant_due_at"].as_str().unwrap_or(""), stored[0]["created_at"].as_str().unwrap_or(""));
    check(
        stored[0]["priority"] != "P1" && due > created && due.ends_with('Z') && !due.contains('.'),
        format!("a window after creation, set at intake: {stored:?}"),
    )?;
    eq(stored[0]["holder"].as_str(), Some("merchant"), "the merchant holds it first")?;

    let version = get(&format!("/v1/tickets/{answered}"), &[("Cookie", w.a_agent.cookie.as_str())])?.body["version"].as_u64().unwrap_or(0);
    let r = act_as(&w.a_agent.cookie, &answered, "reply", version, &json!({"text": "已联系骑手，马上为您处理"}))?;
    eq(r.status, 200, &format!("the merchant answers one ({})", r.raw))?;
    rows(&format!("UPDATE complaints SET merchant_due_at = '2000-01-01T00:00:00Z' WHERE id IN ('{late}', '{answered}')"))?;

    // Two sweeps at once, then another: one escalation.
    std::thread::scope(|s| {
        let runs: Vec<_> = (0..2).map(|_| s.spawn(|| get("/__scheduled?cron=*+*+*+*+*", &[]))).collect();
        runs.into_iter().map(|h| h.join().map_err(|_| Failed::from("sweep thread"))?).try_for_each(|r| eq(r?.status, 200, "sweep"))
    })?;
    eq(get("/__scheduled?cron=*+*+*+*+*", &[])?.status, 200, "another sweep")?;

    let events = rows(&format!("SELECT actor_kind, payload FROM ticket_events WHERE ticket_id = '{late}' AND kind = 'escalated'"))?;
    eq(events.len(), 1, &format!("escalated exactly once ({events:?})"))?;
    eq(events[0]["actor_kind"].as_str(), Some("system"), "by Qingting itself")?;
    check(events[0]["payload"].as_str().is_some_and(|p| p.contains("merchant_window")), "with the reason")?;
    let t = get(&format!("/v1/tickets/{late}"), &[("Cookie", w.platform.as_str())])?;
    eq(t.body["holder"].as_str(), Some("platform"), "the platform holds it now")?;
    check(t.body["events"].as_array().is_some_and(|e| e.iter().any(|e| e["kind"] == "escalated")), "in the timeline")?;
    let list = get("/v1/tickets?view=platform", &[("Cookie", w.platform.as_str())])?;
    check(ids(&list).contains(&late), "in the 平台介入 view")?;
    let counted = get("/v1/tickets/counts", &[("Cookie", w.platform.as_str())])?;
    check(counted.body["counts"]["platform"].as_f64().is_some_and(|n| n >= 1.0), format!("counted in it ({})", counted.raw))?;
    let theirs = get("/v1/tickets?view=platform", &[("Cookie", w.a_agent.cookie.as_str())])?;
    check(ids(&theirs).contains(&late), "the merchant's staff still see it, as the platform's")?;
    let kept = rows(&format!("SELECT holder FROM complaints WHERE id = '{answered}'"))?;
    eq(kept[0]["holder"].as_str(), Some("merchant"), "an answered ticket stays the merchant's")?;
    eq(rows(&format!("SELECT 1 FROM ticket_events WHERE ticket_id = '{answered}' AND kind = 'escalated'"))?.len(), 0, "and has no escalation")
}
