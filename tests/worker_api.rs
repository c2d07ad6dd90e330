//! The worker under local workerd (`wrangler dev`) with a fresh local D1, exercised over HTTP.
//!
//! One server for the whole file (started in `main`, stopped when it returns); each test uses its
//! own idempotency keys and text markers. Tests run one at a time: they read local D1 through a
//! second wrangler process, and SQLite refuses (SQLITE_BUSY) a reader that overlaps the server's
//! writes. Needs `cargo xtask build` first (`cargo xtask test` does that).

use std::sync::OnceLock;

use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::{Value, json};
use xtask::devserver::{DevServer, Options, SiteSeed, query};

const ORIGIN: &str = "https://shop.example.cn";
const OTHER_ORIGIN: &str = "https://evil.example.com";

struct Ctx {
    base: String,
    persist: std::path::PathBuf,
    agent: ureq::Agent,
}

static CTX: OnceLock<Ctx> = OnceLock::new();

fn ctx() -> &'static Ctx {
    CTX.get().expect("server started in main")
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Value,
    raw: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
}

fn reply(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Result<Reply, Failed> {
    let mut r = r.map_err(|e| format!("request failed: {e}"))?;
    let status = r.status().as_u16();
    let headers = r.headers().iter().map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string())).collect();
    let bytes = r.body_mut().with_config().limit(16 * 1024 * 1024).read_to_vec().map_err(|e| e.to_string())?;
    let raw = String::from_utf8_lossy(&bytes).into_owned();
    let body = serde_json::from_str(&raw).unwrap_or(Value::Null);
    Ok(Reply { status, headers, body, raw })
}

/// POST /v1/complaints with raw bytes and explicit headers. Local `wrangler dev`'s proxy answers a
/// rare 503 of its own (the worker itself never sends 503: its faults are 500); that one is
/// retried, as the widget would.
fn post_raw(body: &[u8], headers: &[(&str, &str)]) -> Result<Reply, Failed> {
    let mut last = None;
    for _ in 0..3 {
        let mut req = ctx().agent.post(format!("{}/v1/complaints", ctx().base));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let r = reply(req.send(body))?;
        if r.status != 503 {
            return Ok(r);
        }
        last = Some(r);
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    last.ok_or_else(|| "no answer".into())
}

/// POST a JSON submission the way the widget does, from the allowed origin.
fn submit(body: &Value, key: &str) -> Result<Reply, Failed> {
    post_raw(body.to_string().as_bytes(), &[("Content-Type", "application/json"), ("Origin", ORIGIN), ("Idempotency-Key", key)])
}

fn get(path: &str, headers: &[(&str, &str)]) -> Result<Reply, Failed> {
    let mut req = ctx().agent.get(format!("{}{path}", ctx().base));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    reply(req.call())
}

/// Rows of a SQL query against the running server's local D1 (read through wrangler, not the API).
fn rows(sql: &str) -> Result<Vec<Value>, Failed> {
    let out = query(&ctx().persist, sql)?;
    let v: Value = serde_json::from_str(&out).map_err(|e| format!("wrangler output: {e}: {out}"))?;
    Ok(v[0]["results"].as_array().cloned().unwrap_or_default())
}

fn check(cond: bool, msg: impl Into<String>) -> Result<(), Failed> {
    if cond { Ok(()) } else { Err(msg.into().into()) }
}

fn eq<T: PartialEq + std::fmt::Debug>(got: T, want: T, what: &str) -> Result<(), Failed> {
    check(got == want, format!("{what}: got {got:?}, want {want:?}"))
}

fn happy_path_stores_a_classified_masked_row() -> Result<(), Failed> {
    let body = json!({
        "site": "demo", "text": "骑手送餐太慢了，等了两个小时还没送到！我的电话13812345678", "order_id": "E202611230001",
        "contact": "王女士", "lang": "zh-CN", "client": {"category": "delivery", "priority": "P2"}
    });
    let r = submit(&body, "happy-0001-aaaa")?;
    eq(r.status, 201, &format!("status ({})", r.raw))?;
    let id = r.body["id"].as_str().ok_or("no id")?.to_string();
    let ticket = r.body["ticket_no"].as_str().ok_or("no ticket_no")?;
    check(ticket.starts_with("QT") && ticket.len() == 15, format!("ticket_no {ticket}"))?;
    eq(r.body["status"].as_str(), Some("received"), "status")?;
    eq(r.body["category"].as_str(), Some("delivery"), "category")?;
    eq(r.body["priority"].as_str(), Some("P2"), "priority (never delivered)")?;
    check(r.body["access_token"].as_str().is_some_and(|t| t.len() >= 40), "access token")?;

    let found = rows(&format!("SELECT * FROM complaints WHERE id = '{id}'"))?;
    eq(found.len(), 1, "rows in D1")?;
    let row = &found[0];
    eq(row["ticket_no"].as_str(), Some(ticket), "stored ticket_no")?;
    eq(row["site_key"].as_str(), Some("demo"), "site")?;
    eq(row["order_id"].as_str(), Some("E202611230001"), "order id")?;
    eq(row["contact"].as_str(), Some("王女士"), "contact")?;
    eq(row["category"].as_str(), Some("delivery"), "stored category")?;
    eq(row["client_category"].as_str(), Some("delivery"), "client hint kept")?;
    eq(row["model_version"].as_str(), Some(qingting_model_version().as_str()), "model version")?;
    let text = row["text"].as_str().unwrap_or("");
    check(text.contains("138****5678") && !text.contains("13812345678"), format!("phone masked in stored text: {text}"))
}

fn qingting_model_version() -> String {
    get("/v1/health", &[]).ok().and_then(|r| r.body["model_version"].as_str().map(String::from)).unwrap_or_default()
}

fn idempotent_retry_answers_the_same_ticket() -> Result<(), Failed> {
    let body = json!({"site": "demo", "text": "米饭是凉的，菜也不新鲜 IDEM-1"});
    let first = submit(&body, "idem-retry-0001")?;
    eq(first.status, 201, "first")?;
    check(first.header("Idempotent-Replayed").is_none(), "first is not a replay")?;
    let second = submit(&body, "idem-retry-0001")?;
    eq(second.status, 201, "retry")?;
    eq(second.header("Idempotent-Replayed"), Some("true"), "replay header")?;
    eq(&second.body["id"], &first.body["id"], "same id")?;
    eq(&second.body["ticket_no"], &first.body["ticket_no"], "same ticket")?;
    eq(&second.body["access_token"], &first.body["access_token"], "same token")?;
    let n = rows("SELECT COUNT(*) AS n FROM complaints WHERE idempotency_key = 'idem-retry-0001'")?;
    eq(n[0]["n"].as_i64(), Some(1), "rows for the key")
}

fn concurrent_retries_store_one_row() -> Result<(), Failed> {
    let body = json!({"site": "demo", "text": "少送了一份饮料 CONCURRENT-1"});
    let handles: Vec<_> = (0..6).map(|_| { let b = body.clone(); std::thread::spawn(move || submit(&b, "idem-concurrent-0001")) }).collect();
    let mut ids = Vec::new();
    for h in handles {
        let r = h.join().map_err(|_| "thread panicked")??;
        eq(r.status, 201, &format!("status ({})", r.raw))?;
        ids.push(r.body["id"].clone());
    }
    ids.dedup();
    eq(ids.len(), 1, "one ticket for all concurrent retries")?;
    let n = rows("SELECT COUNT(*) AS n FROM complaints WHERE idempotency_key = 'idem-concurrent-0001'")?;
    eq(n[0]["n"].as_i64(), Some(1), "rows for the key")
}

fn reused_key_with_other_content_is_a_conflict() -> Result<(), Failed> {
    eq(submit(&json!({"site": "demo", "text": "第一条 REUSE-1"}), "idem-reuse-0001")?.status, 201, "first")?;
    let r = submit(&json!({"site": "demo", "text": "完全不同的第二条 REUSE-2"}), "idem-reuse-0001")?;
    eq(r.status, 409, "status")?;
    eq(r.code(), "idempotency_conflict", "code")?;
    eq(rows("SELECT id FROM complaints WHERE text LIKE '%REUSE-2%'")?.len(), 0, "second not stored")
}

fn every_validation_error_is_clear_and_stores_nothing() -> Result<(), Failed> {
    let json_ct = ("Content-Type", "application/json");
    let origin = ("Origin", ORIGIN);
    let ok_body = |text: &str| json!({"site": "demo", "text": format!("{text} VALMARK")}).to_string();
    let long = "慢".repeat(2001);
    let cases: Vec<(&str, Vec<u8>, Vec<(&str, &str)>, u16, &str)> = vec![
        ("missing site", json!({"text": "VALMARK"}).to_string().into(), vec![json_ct, origin, ("Idempotency-Key", "val-0000001")], 400, "missing_field"),
        ("missing text", json!({"site": "demo"}).to_string().into(), vec![json_ct, origin, ("Idempotency-Key", "val-0000002")], 400, "missing_field"),
        ("blank text", json!({"site": "demo", "text": "  \n "}).to_string().into(), vec![json_ct, origin, ("Idempotency-Key", "val-0000003")], 400, "text_empty"),
        ("2001 characters", json!({"site": "demo", "text": format!("{long}VALMARK")}).to_string().into(), vec![json_ct, origin, ("Idempotency-Key", "val-0000004")], 400, "text_too_long"),
        ("control characters", ok_body("退款\u{0000}").into(), vec![json_ct, origin, ("Idempotency-Key", "val-0000005")], 400, "control_characters"),
        ("bad order id", json!({"site": "demo", "text": "VALMARK", "order_id": "<img src=x>"}).to_string().into(), vec![json_ct, origin, ("Idempotency-Key", "val-0000006")], 400, "invalid_order_id"),
        ("long contact", json!({"site": "demo", "text": "VALMARK", "contact": "x".repeat(101)}).to_string().into(), vec![json_ct, origin, ("Idempotency-Key", "val-0000007")], 400, "contact_too_long"),
        ("bad lang", json!({"site": "demo", "text": "VALMARK", "lang": "xx"}).to_string().into(), vec![json_ct, origin, ("Idempotency-Key", "val-0000008")], 400, "invalid_lang"),
        ("bad client hint", json!({"site": "demo", "text": "VALMARK", "client": {"priority": "P9"}}).to_string().into(), vec![json_ct, origin, ("Idempotency-Key", "val-0000009")], 400, "invalid_client_hint"),
        ("bad site key form", json!({"site": "Demo Shop", "text": "VALMARK"}).to_string().into(), vec![json_ct, origin, ("Idempotency-Key", "val-0000010")], 400, "invalid_site"),
        ("no idempotency key", ok_body("慢").into(), vec![json_ct, origin], 400, "missing_idempotency_key"),
        ("bad idempotency key", ok_body("慢").into(), vec![json_ct, origin, ("Idempotency-Key", "bad key!")], 400, "invalid_idempotency_key"),
        ("not JSON", b"text=VALMARK".to_vec(), vec![json_ct, origin, ("Idempotency-Key", "val-0000013")], 400, "invalid_json"),
        ("wrong JSON type", br#"{"site":"demo","text":5}"#.to_vec(), vec![json_ct, origin, ("Idempotency-Key", "val-0000014")], 400, "invalid_json"),
        ("invalid UTF-8", [br#"{"site":"demo","text":"VALMARK "#.as_slice(), &[0xff, 0xfe], br#""}"#].concat(), vec![json_ct, origin, ("Idempotency-Key", "val-0000015")], 400, "invalid_utf8"),
        ("wrong content type", ok_body("慢").into(), vec![("Content-Type", "text/plain"), origin, ("Idempotency-Key", "val-0000016")], 415, "unsupported_media_type"),
        ("too large", json!({"site": "demo", "text": format!("{}VALMARK", "\u{1}".repeat(8000))}).to_string().into(), vec![json_ct, origin, ("Idempotency-Key", "val-0000017")], 413, "payload_too_large"),
        ("unknown site", json!({"site": "no-such-site", "text": "VALMARK"}).to_string().into(), vec![json_ct, origin, ("Idempotency-Key", "val-0000018")], 404, "unknown_site"),
        ("wrong origin", ok_body("慢").into(), vec![json_ct, ("Origin", OTHER_ORIGIN), ("Idempotency-Key", "val-0000019")], 403, "origin_not_allowed"),
        ("no origin", ok_body("慢").into(), vec![json_ct, ("Idempotency-Key", "val-0000020")], 403, "origin_not_allowed"),
    ];
    let mut failures = Vec::new();
    for (name, body, headers, status, code) in &cases {
        let r = post_raw(body, headers)?;
        let message = r.body["error"]["message"].as_str().unwrap_or("");
        if r.status != *status || r.code() != *code || message.is_empty() {
            failures.push(format!("{name}: got {} {} ({}), want {status} {code}", r.status, r.code(), r.raw));
        }
    }
    check(failures.is_empty(), failures.join("\n"))?;
    eq(rows("SELECT id FROM complaints WHERE text LIKE '%VALMARK%' OR idempotency_key LIKE 'val-%'")?.len(), 0, "rows stored by refused requests")
}

fn customer_view_needs_the_access_token() -> Result<(), Failed> {
    let r = submit(&json!({"site": "demo", "text": "饭里有头发，吃完拉肚子了 VIEW-1", "lang": "zh-TW"}), "view-0000001")?;
    eq(r.status, 201, "submit")?;
    let (id, token) = (r.body["id"].as_str().unwrap_or(""), r.body["access_token"].as_str().unwrap_or(""));
    let other = submit(&json!({"site": "demo", "text": "另一条 VIEW-2"}), "view-0000002")?;
    let other_token = other.body["access_token"].as_str().unwrap_or("");

    let view = get(&format!("/v1/complaints/{id}"), &[("Authorization", &format!("Bearer {token}"))])?;
    eq(view.status, 200, &format!("own view ({})", view.raw))?;
    eq(view.body["ticket_no"].clone(), r.body["ticket_no"].clone(), "ticket")?;
    eq(view.body["category"].as_str(), Some("food_safety"), "category")?;
    eq(view.body["priority"].as_str(), Some("P1"), "priority (illness)")?;
    eq(view.body["lang"].as_str(), Some("zh-TW"), "lang")?;
    check(view.body["text"].as_str().is_some_and(|t| t.contains("VIEW-1")), "text")?;

    let other_auth = format!("Bearer {other_token}");
    for (what, auth) in [("no token", None), ("wrong token", Some("Bearer abc")), ("another ticket's token", Some(other_auth.as_str()))] {
        let headers: Vec<(&str, &str)> = auth.map(|a| vec![("Authorization", a)]).unwrap_or_default();
        let r = get(&format!("/v1/complaints/{id}"), &headers)?;
        eq((r.status, r.code()), (401, "unauthorized"), what)?;
    }
    let r = get("/v1/complaints/not-a-uuid", &[("Authorization", &format!("Bearer {token}"))])?;
    eq((r.status, r.code()), (404, "not_found"), "malformed id")
}

fn cors_lets_merchant_pages_read_answers() -> Result<(), Failed> {
    let pre = reply(
        ctx().agent
            .options(format!("{}/v1/complaints", ctx().base))
            .header("Origin", ORIGIN)
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "content-type, idempotency-key")
            .call(),
    );
    let pre = pre?;
    eq(pre.status, 204, "preflight")?;
    eq(pre.header("Access-Control-Allow-Origin"), Some(ORIGIN), "allow origin")?;
    check(pre.header("Access-Control-Allow-Headers").is_some_and(|h| h.contains("Idempotency-Key")), "allow headers")?;
    // Even refusals are readable by the page, so the widget can show them in words.
    let r = post_raw(b"{}", &[("Content-Type", "application/json"), ("Origin", OTHER_ORIGIN), ("Idempotency-Key", "cors-000001")])?;
    eq(r.header("Access-Control-Allow-Origin"), Some(OTHER_ORIGIN), "allow origin on an error")
}

fn widget_files_are_served_for_other_origins() -> Result<(), Failed> {
    let manifest = get("/widget/manifest.json", &[("Origin", ORIGIN)])?;
    eq(manifest.header("Access-Control-Allow-Origin"), Some("*"), "manifest CORS")?;
    let (app, wasm) = (format!("/widget/{}", manifest.body["app"].as_str().unwrap_or("")), format!("/widget/{}", manifest.body["wasm"].as_str().unwrap_or("")));
    for (path, ty, cache) in [("/widget/qingting.js", "javascript", "max-age=300"), (app.as_str(), "javascript", "immutable"), (wasm.as_str(), "application/wasm", "immutable")] {
        let r = get(path, &[("Origin", ORIGIN)])?;
        eq(r.status, 200, path)?;
        check(r.header("Content-Type").is_some_and(|c| c.contains(ty)), format!("{path} content type {:?}", r.header("Content-Type")))?;
        eq(r.header("Access-Control-Allow-Origin"), Some("*"), path)?;
        check(r.header("Cache-Control").is_some_and(|c| c.contains(cache)), format!("{path} cache {:?}", r.header("Cache-Control")))?;
    }
    let loader = get("/widget/qingting.js", &[])?;
    check(loader.raw.contains(manifest.body["app"].as_str().unwrap_or("?")), "the loader names the current app file")?;
    let demo = get("/demo/", &[])?;
    check(demo.status == 200 && demo.raw.contains("/widget/qingting.js"), "demo page embeds the widget")
}

fn unknown_routes_and_methods_answer_json() -> Result<(), Failed> {
    let r = get("/v1/nope", &[])?;
    eq((r.status, r.code()), (404, "not_found"), "unknown route")?;
    let r = get("/v1/complaints", &[])?;
    eq((r.status, r.code()), (405, "method_not_allowed"), "GET on the POST-only collection")?;
    check(r.header("Allow").is_some_and(|a| a.contains("POST")), "Allow header")
}

fn faq_pack_is_served_per_site_and_language() -> Result<(), Failed> {
    let r = get("/v1/faq?site=demo&lang=zh-TW", &[("Origin", ORIGIN)])?;
    eq(r.status, 200, "pack")?;
    check(r.raw.starts_with("QTF1 "), "compiled pack format")?;
    check(r.raw.lines().filter(|l| l.starts_with("E ")).count() >= 40, "at least 40 entries")?;
    check(r.raw.lines().any(|l| l.starts_with("A zh-TW ")) && !r.raw.lines().any(|l| l.starts_with("A en ")), "only the asked language's answers")?;
    eq(r.header("Access-Control-Allow-Origin"), Some(ORIGIN), "CORS")?;
    let r = get("/v1/faq?site=no-such-site", &[])?;
    eq((r.status, r.code()), (404, "unknown_site"), "unknown site")?;
    let r = get("/v1/faq?site=demo&lang=fr", &[])?;
    eq((r.status, r.code()), (400, "invalid_lang"), "bad lang")?;
    let r = get("/v1/faq", &[])?;
    eq((r.status, r.code()), (400, "missing_field"), "no site")
}

fn deflection_events_are_counted_per_site_entry_and_day() -> Result<(), Failed> {
    let send = |body: Value, origin: &str| post_events(&body, origin);
    for _ in 0..2 {
        let r = send(json!({"site": "demo", "event": "deflected", "faq_id": "refund-arrival-time"}), ORIGIN)?;
        eq(r.status, 202, &format!("event ({})", r.raw))?;
    }
    let rows = rows("SELECT count FROM faq_events WHERE site_key = 'demo' AND faq_id = 'refund-arrival-time' AND event = 'deflected'")?;
    eq(rows.len(), 1, "one counter row per day")?;
    eq(rows[0]["count"].as_i64(), Some(2), "counted twice")?;
    for (body, origin, status, code) in [
        (json!({"site": "demo", "event": "clicked", "faq_id": "refund-arrival-time"}), ORIGIN, 400, "unknown_event"),
        (json!({"site": "demo", "event": "deflected", "faq_id": "no-such-entry"}), ORIGIN, 404, "unknown_faq"),
        (json!({"site": "demo", "event": "deflected"}), ORIGIN, 400, "missing_field"),
        (json!({"site": "demo", "event": "deflected", "faq_id": "refund-arrival-time"}), OTHER_ORIGIN, 403, "origin_not_allowed"),
    ] {
        let r = send(body, origin)?;
        eq((r.status, r.code()), (status, code), code)?;
    }
    Ok(())
}

fn post_events(body: &Value, origin: &str) -> Result<Reply, Failed> {
    let req = ctx().agent.post(format!("{}/v1/events", ctx().base)).header("Content-Type", "application/json").header("Origin", origin);
    reply(req.send(body.to_string().as_bytes()))
}

fn main() {
    let mut args = Arguments::from_args();
    args.test_threads = Some(1);
    let tests: Vec<(&str, fn() -> Result<(), Failed>)> = vec![
        ("happy_path_stores_a_classified_masked_row", happy_path_stores_a_classified_masked_row),
        ("idempotent_retry_answers_the_same_ticket", idempotent_retry_answers_the_same_ticket),
        ("concurrent_retries_store_one_row", concurrent_retries_store_one_row),
        ("reused_key_with_other_content_is_a_conflict", reused_key_with_other_content_is_a_conflict),
        ("every_validation_error_is_clear_and_stores_nothing", every_validation_error_is_clear_and_stores_nothing),
        ("customer_view_needs_the_access_token", customer_view_needs_the_access_token),
        ("cors_lets_merchant_pages_read_answers", cors_lets_merchant_pages_read_answers),
        ("widget_files_are_served_for_other_origins", widget_files_are_served_for_other_origins),
        ("unknown_routes_and_methods_answer_json", unknown_routes_and_methods_answer_json),
        ("faq_pack_is_served_per_site_and_language", faq_pack_is_served_per_site_and_language),
        ("deflection_events_are_counted_per_site_entry_and_day", deflection_events_are_counted_per_site_entry_and_day),
    ];
    let trials: Vec<Trial> = tests.into_iter().map(|(name, f)| Trial::test(name, move || f())).collect();
    if args.list {
        libtest_mimic::run(&args, trials).exit();
    }
    let server = match DevServer::start(Options {
        sites: vec![SiteSeed { key: "demo".into(), merchant_name: "测试商家".into(), origins: vec![ORIGIN.into()] }],
        ..Options::default()
    }) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot start the local worker: {e}");
            std::process::exit(1);
        }
    };
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let _ = CTX.set(Ctx { base: server.base_url.clone(), persist: server.persist_to.clone(), agent });
    let conclusion = libtest_mimic::run(&args, trials);
    if conclusion.has_failed() {
        eprintln!("--- wrangler dev log (last lines) ---\n{}", server.log_tail());
    }
    drop(server);
    conclusion.exit();
}
