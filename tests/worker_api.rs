//! The worker under local workerd (`wrangler dev`) with a fresh local D1, exercised over HTTP.
//!
//! One server for the whole file (started in `main`, stopped when it returns); each test uses its
//! own idempotency keys and text markers. Tests run one at a time: they read local D1 through a
//! second wrangler process, and SQLite refuses (SQLITE_BUSY) a reader that overlaps the server's
//! writes. Needs `cargo xtask build` first (`cargo xtask test` does that).

use std::sync::OnceLock;
use std::time::Duration;

use hmac::{Hmac, Mac};
use libtest_mimic::{Arguments, Failed, Trial};
use qingting_devserver::{DevServer, Options, SiteSeed, query};
use receiver::{Receiver, wait_for};
use serde_json::{Value, json};

mod analytics;
mod customer;
mod receiver;
mod routing;
mod sla;
mod tickets;

const ADMIN_TOKEN: &str = "local-admin-token-0123456789";
const WEBHOOK_SECRET: &str = "whsec-test-0123456789abcdef";

const ORIGIN: &str = "https://shop.example.cn";
const OTHER_ORIGIN: &str = "https://evil.example.com";

struct Ctx {
    base: String,
    persist: std::path::PathBuf,
    agent: ureq::Agent,
    receiver: Receiver,
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

/// A ticket the worker stored: its id and the customer's access token.
struct Created {
    id: String,
    token: String,
}

/// Asserts that a submission was stored (`201` with an id and an access token) and returns them.
/// A refused or broken submit fails here, with its status and body, instead of later with an
/// empty id in some unrelated check.
fn expect_created(r: &Reply, what: &str) -> Result<Created, Failed> {
    let text = |name: &str| r.body[name].as_str().filter(|v| !v.is_empty()).map(String::from);
    match (r.status, text("id"), text("access_token")) {
        (201, Some(id), Some(token)) => Ok(Created { id, token }),
        _ => Err(format!("{what}: want 201 with an id and an access_token, got {}: {}", r.status, r.raw).into()),
    }
}

fn happy_path_stores_a_classified_masked_row() -> Result<(), Failed> {
    let body = json!({
        "site": "demo", "text": "骑手送餐太慢了，等了两个小时还没送到！我的电话13812345678", "order_id": "E202611230001",
        "contact": "王女士", "lang": "zh-CN", "client": {"category": "delivery", "priority": "P2"}
    });
    let r = submit(&body, "happy-0001-aaaa")?;
    let id = expect_created(&r, "submit")?.id;
    let ticket = r.body["ticket_no"].as_str().ok_or("no ticket_no")?;
    check(ticket.starts_with("QT") && ticket.len() == 15, format!("ticket_no {ticket}"))?;
    eq(r.body["status"].as_str(), Some("new"), "status (nothing in the FAQ settles it)")?;
    eq(r.body["category"].as_str(), Some("delivery"), "category")?;
    eq(r.body["priority"].as_str(), Some("P2"), "priority (never delivered)")?;
    check(r.body["access_token"].as_str().is_some_and(|t| t.len() >= 40), "access token")?;

    // By site and key, not by the primary key: a second row for this submission would show here.
    let found = rows("SELECT * FROM complaints WHERE site_key = 'demo' AND idempotency_key = 'happy-0001-aaaa'")?;
    eq(found.len(), 1, "rows in D1")?;
    let row = &found[0];
    eq(row["id"].as_str(), Some(id.as_str()), "stored id")?;
    eq(row["ticket_no"].as_str(), Some(ticket), "stored ticket_no")?;
    eq(row["site_key"].as_str(), Some("demo"), "site")?;
    eq(row["order_id"].as_str(), Some("E202611230001"), "order id")?;
    // Sealed at rest (AES-GCM; `secrets_and_contacts_are_sealed_at_rest`).
    check(row["contact"].as_str().is_some_and(|c| c.starts_with("qtenc1:") && !c.contains("王女士")), format!("contact sealed: {}", row["contact"]))?;
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
    let first_id = expect_created(&first, "first")?.id;
    check(first.header("Idempotent-Replayed").is_none(), "first is not a replay")?;
    let second = submit(&body, "idem-retry-0001")?;
    let second_id = expect_created(&second, "retry")?.id;
    eq(second.header("Idempotent-Replayed"), Some("true"), "replay header")?;
    eq(second_id, first_id, "same id")?;
    eq(&second.body["ticket_no"], &first.body["ticket_no"], "same ticket")?;
    eq(&second.body["access_token"], &first.body["access_token"], "same token")?;
    // Counted by the text, which a duplicate would repeat, not by anything unique in the schema.
    let n = rows("SELECT COUNT(*) AS n FROM complaints WHERE site_key = 'demo' AND text LIKE '%IDEM-1%'")?;
    eq(n[0]["n"].as_i64(), Some(1), "rows with the retried text")
}

fn concurrent_retries_store_one_row() -> Result<(), Failed> {
    let body = json!({"site": "demo", "text": "少送了一份饮料 CONCURRENT-1"});
    let handles: Vec<_> = (0..6)
        .map(|_| {
            let b = body.clone();
            std::thread::spawn(move || submit(&b, "idem-concurrent-0001"))
        })
        .collect();
    let mut ids = Vec::new();
    for h in handles {
        let r = h.join().map_err(|_| "thread panicked")??;
        ids.push(expect_created(&r, "concurrent retry")?.id);
    }
    ids.sort();
    ids.dedup();
    eq(ids.len(), 1, "one ticket for all concurrent retries")?;
    let n = rows("SELECT COUNT(*) AS n FROM complaints WHERE site_key = 'demo' AND text LIKE '%CONCURRENT-1%'")?;
    eq(n[0]["n"].as_i64(), Some(1), "rows with the retried text")
}

fn reused_key_with_other_content_is_a_conflict() -> Result<(), Failed> {
    eq(submit(&json!({"site": "demo", "text": "第一条 REUSE-1"}), "idem-reuse-0001")?.status, 201, "first")?;
    let r = submit(&json!({"site": "demo", "text": "完全不同的第二条 REUSE-2"}), "idem-reuse-0001")?;
    eq(r.status, 409, "status")?;
    eq(r.code(), "idempotency_conflict", "code")?;
    eq(rows("SELECT id FROM complaints WHERE text LIKE '%REUSE-2%'")?.len(), 0, "second not stored")?;
    // The fingerprint is keyed: not the bare SHA-256 of what was sent, which beside the masked
    // text would give hidden digits back by guessing.
    let stored = rows("SELECT request_hash FROM complaints WHERE text LIKE '%REUSE-1%'")?;
    let hash = stored[0]["request_hash"].as_str().unwrap_or_default().to_string();
    check(hash.starts_with("k1:") && hash.len() == 67, format!("a keyed fingerprint: {hash}"))?;
    // And a retry with the same content is still recognised.
    eq(submit(&json!({"site": "demo", "text": "第一条 REUSE-1"}), "idem-reuse-0001")?.status, 201, "the same retry answers the same ticket")
}

fn every_validation_error_is_clear_and_stores_nothing() -> Result<(), Failed> {
    let json_ct = ("Content-Type", "application/json");
    let origin = ("Origin", ORIGIN);
    let ok_body = |text: &str| json!({"site": "demo", "text": format!("{text} VALMARK")}).to_string();
    let long = "慢".repeat(2001);
    // (what, body, headers, status, code)
    type Case<'a> = (&'a str, Vec<u8>, Vec<(&'a str, &'a str)>, u16, &'a str);
    let cases: Vec<Case> = vec![
        ("missing site", json!({"text": "VALMARK"}).to_string().into(), vec![json_ct, origin, ("Idempotency-Key", "val-0000001")], 400, "missing_field"),
        ("missing text", json!({"site": "demo"}).to_string().into(), vec![json_ct, origin, ("Idempotency-Key", "val-0000002")], 400, "missing_field"),
        (
            "blank text",
            json!({"site": "demo", "text": "  \n "}).to_string().into(),
            vec![json_ct, origin, ("Idempotency-Key", "val-0000003")],
            400,
            "text_empty",
        ),
        (
            "2001 characters",
            json!({"site": "demo", "text": format!("{long}VALMARK")}).to_string().into(),
            vec![json_ct, origin, ("Idempotency-Key", "val-0000004")],
            400,
            "text_too_long",
        ),
        ("control characters", ok_body("退款\u{0000}").into(), vec![json_ct, origin, ("Idempotency-Key", "val-0000005")], 400, "control_characters"),
        (
            "bad order id",
            json!({"site": "demo", "text": "VALMARK", "order_id": "<img src=x>"}).to_string().into(),
            vec![json_ct, origin, ("Idempotency-Key", "val-0000006")],
            400,
            "invalid_order_id",
        ),
        (
            "long contact",
            json!({"site": "demo", "text": "VALMARK", "contact": "x".repeat(101)}).to_string().into(),
            vec![json_ct, origin, ("Idempotency-Key", "val-0000007")],
            400,
            "contact_too_long",
        ),
        (
            "bad lang",
            json!({"site": "demo", "text": "VALMARK", "lang": "xx"}).to_string().into(),
            vec![json_ct, origin, ("Idempotency-Key", "val-0000008")],
            400,
            "invalid_lang",
        ),
        (
            "bad client hint",
            json!({"site": "demo", "text": "VALMARK", "client": {"priority": "P9"}}).to_string().into(),
            vec![json_ct, origin, ("Idempotency-Key", "val-0000009")],
            400,
            "invalid_client_hint",
        ),
        (
            "bad site key form",
            json!({"site": "Demo Shop", "text": "VALMARK"}).to_string().into(),
            vec![json_ct, origin, ("Idempotency-Key", "val-0000010")],
            400,
            "invalid_site",
        ),
        ("no idempotency key", ok_body("慢").into(), vec![json_ct, origin], 400, "missing_idempotency_key"),
        ("bad idempotency key", ok_body("慢").into(), vec![json_ct, origin, ("Idempotency-Key", "bad key!")], 400, "invalid_idempotency_key"),
        ("not JSON", b"text=VALMARK".to_vec(), vec![json_ct, origin, ("Idempotency-Key", "val-0000013")], 400, "invalid_json"),
        ("wrong JSON type", br#"{"site":"demo","text":5}"#.to_vec(), vec![json_ct, origin, ("Idempotency-Key", "val-0000014")], 400, "invalid_json"),
        (
            "invalid UTF-8",
            [br#"{"site":"demo","text":"VALMARK "#.as_slice(), &[0xff, 0xfe], br#""}"#].concat(),
            vec![json_ct, origin, ("Idempotency-Key", "val-0000015")],
            400,
            "invalid_utf8",
        ),
        (
            "wrong content type",
            ok_body("慢").into(),
            vec![("Content-Type", "text/plain"), origin, ("Idempotency-Key", "val-0000016")],
            415,
            "unsupported_media_type",
        ),
        (
            "too large",
            json!({"site": "demo", "text": format!("{}VALMARK", "\u{1}".repeat(8000))}).to_string().into(),
            vec![json_ct, origin, ("Idempotency-Key", "val-0000017")],
            413,
            "payload_too_large",
        ),
        (
            "unknown site",
            json!({"site": "no-such-site", "text": "VALMARK"}).to_string().into(),
            vec![json_ct, origin, ("Idempotency-Key", "val-0000018")],
            404,
            "unknown_site",
        ),
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
    let Created { id, token } = expect_created(&r, "submit")?;
    // The cross-token case below means something only if this is another stored ticket with a
    // token of its own.
    let other = expect_created(&submit(&json!({"site": "demo", "text": "另一条 VIEW-2"}), "view-0000002")?, "second submission")?;
    check(other.id != id && other.token != token, "the second submission is another ticket")?;
    let other_token = other.token;

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
        ctx()
            .agent
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
    let named = |key: &str| manifest.body[key].as_str().map(|f| format!("/widget/{f}")).ok_or_else(|| format!("manifest names no {key}: {}", manifest.raw));
    let (app, wasm) = (named("app")?, named("wasm")?);
    for (path, ty, cache) in
        [("/widget/qingting.js", "javascript", "max-age=300"), (app.as_str(), "javascript", "immutable"), (wasm.as_str(), "application/wasm", "immutable")]
    {
        let r = get(path, &[("Origin", ORIGIN)])?;
        eq(r.status, 200, path)?;
        check(r.header("Content-Type").is_some_and(|c| c.contains(ty)), format!("{path} content type {:?}", r.header("Content-Type")))?;
        eq(r.header("Access-Control-Allow-Origin"), Some("*"), path)?;
        check(r.header("Cache-Control").is_some_and(|c| c.contains(cache)), format!("{path} cache {:?}", r.header("Cache-Control")))?;
    }
    // The panel frame's script names the current app (the loader itself never changes with it).
    let frame_script = get("/widget/panel.js", &[])?;
    check(frame_script.raw.contains(app.trim_start_matches("/widget/")), "the frame's script names the current app file")?;
    check(frame_script.header("Cache-Control").is_some_and(|c| c.contains("max-age=300")), "and is cached briefly")?;
    let demo = get("/demo/", &[])?;
    check(demo.status == 200 && demo.raw.contains("/widget/qingting.js"), "demo page embeds the widget")?;
    for page in ["/", "/demo/"] {
        let r = get(page, &[])?;
        check(
            r.header("Content-Security-Policy").is_some_and(|c| c.contains("frame-ancestors 'none'")),
            format!("{page}: a CSP with frame-ancestors ({:?})", r.header("Content-Security-Policy")),
        )?;
        eq(r.header("X-Content-Type-Options"), Some("nosniff"), page)?;
    }
    Ok(())
}

fn api_answers_are_nosniff_and_vary_by_origin() -> Result<(), Failed> {
    // With and without an Origin, cacheable or not, success or refusal.
    for (path, origin) in [("/v1/health", None), ("/v1/faq?site=demo&lang=zh-CN", None), ("/v1/faq?site=demo&lang=zh-CN", Some(ORIGIN)), ("/v1/nothing-here", None)] {
        let headers: Vec<(&str, &str)> = origin.map(|o| vec![("Origin", o)]).unwrap_or_default();
        let r = get(path, &headers)?;
        eq(r.header("X-Content-Type-Options"), Some("nosniff"), &format!("{path} nosniff"))?;
        check(r.header("Vary").is_some_and(|v| v.contains("Origin")), format!("{path} (origin {origin:?}): Vary {:?}", r.header("Vary")))?;
    }
    Ok(())
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

/// The platform admin's session for the site and delivery API (`/v1/admin/*`), made once: the
/// bootstrap admin is created here when no earlier test did (`409 already_set_up` otherwise).
fn operator_cookie() -> Result<String, Failed> {
    static COOKIE: OnceLock<Result<String, String>> = OnceLock::new();
    COOKIE
        .get_or_init(|| {
            let auth = format!("Bearer {ADMIN_TOKEN}");
            let body = json!({"email": STAFF_EMAIL, "password": STAFF_PASSWORD, "display_name": "平台管理员"});
            post_json("/v1/auth/bootstrap", &body, &[("Authorization", auth.as_str())]).map_err(|e| format!("{e:?}"))?;
            let (r, cookie) = sign_in(STAFF_EMAIL, STAFF_PASSWORD).map_err(|e| format!("{e:?}"))?;
            cookie.ok_or_else(|| format!("operator sign-in: {} {}", r.status, r.raw))
        })
        .clone()
        .map_err(Failed::from)
}

/// A site/delivery API call as the signed-in platform admin (or with `cookie` instead), from
/// Qingting's own origin.
fn admin(method: &str, path: &str, body: Option<&Value>, cookie: Option<&str>) -> Result<Reply, Failed> {
    let url = format!("{}{path}", ctx().base);
    let session = match cookie {
        Some(c) => c.to_string(),
        None => operator_cookie()?,
    };
    let origin = own_origin();
    let a = &ctx().agent;
    let h = |r: ureq::RequestBuilder<ureq::typestate::WithoutBody>| r.header("Cookie", &session).header("Origin", &origin);
    let r = match (method, body) {
        ("GET", _) => h(a.get(&url)).call(),
        ("DELETE", _) => h(a.delete(&url)).call(),
        ("PUT", b) => {
            let body = b.map(Value::to_string).unwrap_or_default();
            a.put(&url).header("Cookie", &session).header("Origin", &origin).header("Content-Type", "application/json").send(body.as_bytes())
        }
        _ => return Err(format!("unsupported method {method}").into()),
    };
    reply(r)
}

/// Creates a site for `ORIGIN` with these destinations.
fn site_with(key: &str, destinations: Value) -> Result<(), Failed> {
    let r = admin("PUT", &format!("/v1/admin/sites/{key}"), Some(&json!({"merchant_name": format!("商家 {key}"), "allowed_origins": [ORIGIN]})), None)?;
    eq(r.status, 200, &format!("create site {key} ({})", r.raw))?;
    let r = admin("PUT", &format!("/v1/admin/sites/{key}/destinations"), Some(&json!({ "destinations": destinations })), None)?;
    eq(r.status, 200, &format!("destinations of {key} ({})", r.raw))
}

fn deliveries(id: &str) -> Result<Reply, Failed> {
    admin("GET", &format!("/v1/admin/complaints/{id}/deliveries"), None, None)
}

/// Waits until forwarding of `id` reaches `state`; the last delivery report.
fn wait_delivery(id: &str, state: &str, limit_secs: u64) -> Result<Reply, Failed> {
    let mut last = String::new();
    wait_for(Duration::from_secs(limit_secs), || match deliveries(id) {
        Ok(r) if r.body["delivery"].as_str() == Some(state) => Some(r),
        Ok(r) => {
            last = r.raw;
            None
        }
        Err(_) => None,
    })
    .ok_or_else(|| format!("delivery of {id} did not reach {state} within {limit_secs} s; last report: {last}").into())
}

fn reopen(id: &str, token: Option<&str>) -> Result<Reply, Failed> {
    let mut req = ctx().agent.post(format!("{}/v1/complaints/{id}/reopen", ctx().base)).header("Origin", ORIGIN);
    if let Some(t) = token {
        req = req.header("Authorization", &format!("Bearer {t}"));
    }
    reply(req.send(&b""[..]))
}

/// The receiver's check, written independently of the worker: HMAC-SHA256(secret, "t.body").
fn signature_ok(header: &str, body: &[u8], secret: &str) -> bool {
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", v)) => t = Some(v.to_string()),
            Some(("v1", v)) => v1 = Some(v.to_string()),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else {
        return false;
    };
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(t.as_bytes());
    mac.update(b".");
    mac.update(body);
    let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    hex == v1
}

fn field<'a>(v: &'a Value, path: &[&str]) -> &'a Value {
    path.iter().fold(v, |v, k| &v[*k])
}

fn faq_type_complaint_is_auto_replied_and_reopening_forwards_it() -> Result<(), Failed> {
    let rx = &ctx().receiver;
    site_with("answers", json!([{"id": "hook", "kind": "webhook", "url": rx.url("/ok-answers"), "secret": WEBHOOK_SECRET}]))?;
    let r = submit(&json!({"site": "answers", "text": "退款一般几天到账啊 AUTO-1"}), "auto-00000001")?;
    let Created { id, token } = expect_created(&r, "submit")?;
    eq(r.body["status"].as_str(), Some("auto_replied"), "status")?;
    eq(field(&r.body, &["reply", "faq_id"]).as_str(), Some("refund-arrival-time"), "reply entry")?;
    eq(field(&r.body, &["reply", "author"]).as_str(), Some("faq"), "reply author")?;
    check(field(&r.body, &["reply", "text"]).as_str().is_some_and(|t| t.chars().count() > 10), "reply text")?;

    let view = get(&format!("/v1/complaints/{id}"), &[("Authorization", &format!("Bearer {token}"))])?;
    eq(view.body["status"].as_str(), Some("auto_replied"), "status in the customer's view")?;
    eq(field(&view.body, &["replies"]).as_array().map(Vec::len), Some(1), "one reply")?;
    eq(field(&view.body["replies"][0], &["faq_id"]).as_str(), Some("refund-arrival-time"), "reply in the view")?;
    let d = deliveries(&id)?;
    eq((d.body["delivery"].as_str(), d.body["attempts"].as_array().map(Vec::len)), (Some("none"), Some(0)), "not forwarded")?;
    // The idempotent retry answers the same reply.
    let again = submit(&json!({"site": "answers", "text": "退款一般几天到账啊 AUTO-1"}), "auto-00000001")?;
    eq(again.body["reply"].clone(), r.body["reply"].clone(), "reply on replay")?;

    eq(reopen(&id, None)?.status, 401, "reopen without the token")?;
    let re = reopen(&id, Some(&token))?;
    eq((re.status, re.body["status"].as_str()), (200, Some("new")), &format!("reopen ({})", re.raw))?;
    wait_delivery(&id, "delivered", 30)?;
    let got: Vec<_> = rx.requests("/ok-answers").into_iter().filter(|q| q.text().contains(&id)).collect();
    eq(got.len(), 1, "deliveries to the merchant")?;
    let env: Value = serde_json::from_slice(&got[0].body)?;
    eq(env["reason"].as_str(), Some("reopened"), "reason")?;
    eq(field(&env, &["ticket", "first_reply", "faq_id"]).as_str(), Some("refund-arrival-time"), "the answer that did not help")?;
    // Saying it twice changes nothing and sends nothing more.
    let re2 = reopen(&id, Some(&token))?;
    eq((re2.status, re2.body["status"].as_str()), (200, Some("new")), "second reopen")?;
    // "Still one delivery" needs the queue to be past anything the second reopen could have
    // queued, not a guess at how long that takes. So queue a marker after it: another ticket of
    // this site that is forwarded at once. The local queue (miniflare) hands messages out in the
    // order they were sent, one batch at a time, and `forward::consume` works through a batch one
    // message at a time; so once the marker has reached the receiver, any job from the second
    // reopen has been consumed, and a second delivery of this ticket would have arrived before
    // the marker. The count is checked at every poll and again at the end.
    let marker = submit(&json!({"site": "answers", "text": "骑手把餐洒了一地，汤都没了 AUTO-2"}), "auto-00000002")?;
    let marker_id = expect_created(&marker, "marker submit")?.id;
    eq(marker.body["status"].as_str(), Some("new"), &format!("the marker is forwarded at once ({})", marker.raw))?;
    let deliveries_of = |ticket: &str| rx.requests("/ok-answers").into_iter().filter(|q| q.text().contains(ticket)).count();
    let mut most = 0;
    let marker_seen = wait_for(Duration::from_secs(30), || {
        most = most.max(deliveries_of(&id));
        (most > 1 || deliveries_of(&marker_id) > 0).then_some(())
    });
    check(most <= 1, format!("a second reopen delivered the ticket again ({most} deliveries)"))?;
    check(marker_seen.is_some(), "the marker queued after the second reopen was not delivered within 30 s")?;
    eq(deliveries_of(&id), 1, "still one delivery")
}

fn late_delivery_is_acknowledged_and_forwarded_in_every_format() -> Result<(), Failed> {
    let rx = &ctx().receiver;
    site_with(
        "bots",
        json!([
            {"id": "hook", "kind": "webhook", "url": rx.url("/ok-bots"), "secret": WEBHOOK_SECRET},
            {"id": "feishu", "kind": "feishu", "url": rx.url("/feishu-bots"), "secret": "feishu-secret-0123456"},
            {"id": "ding", "kind": "dingtalk", "url": rx.url("/dingtalk-bots?access_token=t"), "secret": "SEC-dingtalk-0123456"},
            {"id": "wecom", "kind": "wecom", "url": rx.url("/wecom-bots?key=k")},
        ]),
    )?;
    let r = submit(&json!({"site": "bots", "text": "外卖超时一个多小时才送到，有赔偿吗？电话13812345678 ACK-1", "order_id": "WM-ACK-1"}), "ack-000000001")?;
    let Created { id, token } = expect_created(&r, "submit")?;
    let ticket_no = r.body["ticket_no"].as_str().ok_or_else(|| format!("no ticket_no: {}", r.raw))?;
    eq(r.body["status"].as_str(), Some("new"), "status")?;
    eq(field(&r.body, &["reply", "faq_id"]).as_str(), Some("late-delivery-compensation"), "policy reply")?;
    let d = wait_delivery(&id, "delivered", 30)?;
    eq(d.body["attempts"].as_array().map(Vec::len), Some(4), &format!("one accepted attempt per destination ({})", d.raw))?;

    let one = |prefix: &str| -> Result<receiver::Received, Failed> {
        let got: Vec<_> = rx.requests(prefix).into_iter().filter(|q| q.text().contains("ACK-1")).collect();
        eq(got.len(), 1, prefix)?;
        let q = got[0].clone();
        check(q.text().contains("138****5678") && !q.text().contains("13812345678"), format!("{prefix}: phone masked: {}", q.text()))?;
        Ok(q)
    };
    let hook = one("/ok-bots")?;
    check(signature_ok(hook.header("Qingting-Signature").unwrap_or(""), &hook.body, WEBHOOK_SECRET), "webhook signature")?;
    let env: Value = serde_json::from_slice(&hook.body)?;
    eq((env["event"].as_str(), env["reason"].as_str()), (Some("ticket.forwarded"), Some("created")), "envelope")?;
    eq(field(&env, &["ticket", "first_reply", "faq_id"]).as_str(), Some("late-delivery-compensation"), "acknowledgement forwarded")?;
    eq(field(&env, &["ticket", "order_id"]).as_str(), Some("WM-ACK-1"), "order")?;

    let feishu: Value = serde_json::from_slice(&one("/feishu-bots")?.body)?;
    eq(feishu["msg_type"].as_str(), Some("text"), "feishu format")?;
    check(feishu["sign"].as_str().is_some_and(|s| !s.is_empty()) && feishu["timestamp"].is_string(), "feishu signed")?;
    check(field(&feishu, &["content", "text"]).as_str().is_some_and(|t| t.contains(ticket_no)), "feishu names the ticket")?;
    let said = field(&feishu, &["content", "text"]).as_str().unwrap_or_default().to_string();
    check(said.lines().any(|l| l.starts_with("顾客原话")) && said.lines().any(|l| l.starts_with("｜ ")), format!("the customer's words set apart: {said}"))?;
    let ding = one("/dingtalk-bots")?;
    check(ding.path.contains("access_token=t&timestamp=") && ding.path.contains("&sign="), format!("dingtalk signed URL: {}", ding.path))?;
    eq(serde_json::from_slice::<Value>(&ding.body)?["msgtype"].as_str(), Some("text"), "dingtalk format")?;
    let wecom: Value = serde_json::from_slice(&one("/wecom-bots")?.body)?;
    eq(wecom["msgtype"].as_str(), Some("text"), "wecom format")?;

    let re = reopen(&id, Some(&token))?;
    eq((re.status, re.code()), (409, "cannot_reopen"), "a forwarded ticket is not reopened by the customer")
}

fn flaky_receiver_ends_with_exactly_one_verified_delivery() -> Result<(), Failed> {
    let rx = &ctx().receiver;
    site_with("flaky", json!([{"id": "hook", "kind": "webhook", "url": rx.url("/fail-3-flaky"), "secret": WEBHOOK_SECRET}]))?;
    let r = submit(&json!({"site": "flaky", "text": "菜里有头发，太恶心了，我的电话13812345678 FLAKY-1"}), "flaky-00000001")?;
    let id = expect_created(&r, "submit")?.id;
    eq(r.body["status"].as_str(), Some("new"), &format!("status ({})", r.raw))?;
    let d = wait_delivery(&id, "delivered", 60)?;

    let got = rx.requests("/fail-3-flaky");
    eq(got.len(), 4, "three refused attempts and one more")?;
    eq(got.iter().filter(|q| q.status == 200).count(), 1, "accepted deliveries")?;
    let key = format!("{id}/hook");
    for q in &got {
        eq(q.header("Qingting-Delivery"), Some(key.as_str()), "same idempotency key on every attempt")?;
        check(signature_ok(q.header("Qingting-Signature").unwrap_or(""), &q.body, WEBHOOK_SECRET), "signature verifies")?;
        check(!signature_ok(q.header("Qingting-Signature").unwrap_or(""), &q.body, "some-other-secret-000"), "and only with the secret")?;
        check(q.text().contains("138****5678") && !q.text().contains("13812345678"), "phone masked")?;
    }
    let log: Vec<(Option<i64>, Option<&str>, Option<i64>)> = d.body["attempts"]
        .as_array()
        .map(|a| a.iter().map(|x| (x["attempt"].as_i64(), x["outcome"].as_str(), x["http_status"].as_i64())).collect())
        .unwrap_or_default();
    eq(
        log,
        vec![
            (Some(1), Some("failed"), Some(500)),
            (Some(2), Some("failed"), Some(500)),
            (Some(3), Some("failed"), Some(500)),
            (Some(4), Some("delivered"), Some(200)),
        ],
        "delivery log",
    )
}

fn always_failing_receiver_ends_in_the_dead_letter_queue() -> Result<(), Failed> {
    let rx = &ctx().receiver;
    site_with("down", json!([{"id": "hook", "kind": "webhook", "url": rx.url("/down-1"), "secret": WEBHOOK_SECRET}]))?;
    let r = submit(&json!({"site": "down", "text": "骑手把餐洒了一地，汤都没了 DOWN-1"}), "down-00000001")?;
    let Created { id, token } = expect_created(&r, "submit")?;
    eq(r.body["status"].as_str(), Some("new"), &format!("status ({})", r.raw))?;
    let d = wait_delivery(&id, "dead_letter", 150)?;
    let attempts = d.body["attempts"].as_array().cloned().unwrap_or_default();
    let failed = attempts.iter().filter(|a| a["outcome"] == "failed").count();
    check(failed >= 3, format!("retried before giving up ({failed} attempts)"))?;
    eq(rx.requests("/down-1").len(), failed, "every attempt is in the log")?;
    eq(attempts.last().and_then(|a| a["outcome"].as_str()), Some("dead_letter"), "last log row")?;
    // Operators find it in the list of dead letters.
    let list = admin("GET", "/v1/admin/deliveries?state=dead_letter&site=down", None, None)?;
    check(list.body["tickets"].as_array().is_some_and(|t| t.iter().any(|x| x["id"] == id.as_str())), format!("listed: {}", list.raw))?;
    let bad = admin("GET", "/v1/admin/deliveries?state=lost", None, None)?;
    eq((bad.status, bad.code()), (400, "invalid_config"), "unknown state")?;
    // Nothing lost: the ticket is stored once, readable by the customer, and marked for a person.
    // Counted by the text, which a re-stored copy would repeat under another id or key.
    let stored = rows("SELECT id, delivery FROM complaints WHERE site_key = 'down' AND text LIKE '%DOWN-1%'")?;
    let stored: Vec<(Option<&str>, Option<&str>)> = stored.iter().map(|row| (row["id"].as_str(), row["delivery"].as_str())).collect();
    eq(stored, vec![(Some(id.as_str()), Some("dead_letter"))], "stored once, marked dead_letter")?;
    let view = get(&format!("/v1/complaints/{id}"), &[("Authorization", &format!("Bearer {token}"))])?;
    eq((view.status, view.body["status"].as_str()), (200, Some("new")), "customer view")
}

/// Where the platform's default team hears alerts (dead letters, quotas) in these tests.
const PLATFORM_ALERTS: &str = "/ok-platform-alerts";

/// Gives the platform's default team a webhook channel at `path` (the same for every test that
/// sets it); the team's id.
fn platform_channel(path: &str) -> Result<String, Failed> {
    let team = rows("SELECT id FROM teams WHERE merchant_id = '' AND is_default = 1")?;
    let team = team.first().and_then(|t| t["id"].as_str()).ok_or("the platform's default team")?.to_string();
    let url = format!("{}/v1/teams/{team}/channel", ctx().base);
    let body = json!({"channel": {"id": "group", "kind": "webhook", "url": ctx().receiver.url(path), "secret": WEBHOOK_SECRET}}).to_string();
    let origin = own_origin();
    let r = reply(ctx().agent.put(&url).header("Cookie", &operator_cookie()?).header("Origin", &origin).header("Content-Type", "application/json").send(body.as_bytes()))?;
    eq(r.status, 200, &format!("the platform team's channel ({})", r.raw))?;
    Ok(team)
}

/// A site past its daily quota is refused (`429 quota_exceeded` until the next UTC day, nothing
/// stored) and the platform is told once.
fn a_site_over_its_daily_quota_is_refused_and_the_platform_told() -> Result<(), Failed> {
    let rx = &ctx().receiver;
    platform_channel(PLATFORM_ALERTS)?;
    site_with("quota", json!([]))?;
    eq(submit(&json!({"site": "quota", "text": "外卖晚了四十分钟 QUOTA-0"}), "quota-00000000")?.status, 201, "under the quota")?;
    let counted = rows("SELECT used FROM site_quota_days WHERE site_key = 'quota'")?;
    eq(counted.first().and_then(|r| r["used"].as_u64()), Some(1), "counted with the complaint")?;
    // Today's count at the quota (5,000 by default).
    rows("UPDATE site_quota_days SET used = 5000 WHERE site_key = 'quota'")?;
    for n in 1..=2 {
        let r = submit(&json!({"site": "quota", "text": format!("外卖晚了四十分钟 QUOTA-{n}")}), &format!("quota-0000000{n}"))?;
        eq((r.status, r.code()), (429, "quota_exceeded"), &format!("over the quota ({})", r.raw))?;
        let wait: u64 = r.header("Retry-After").and_then(|v| v.parse().ok()).unwrap_or(0);
        check((1..=86_400).contains(&wait), format!("Retry-After until the next day: {wait}"))?;
    }
    eq(rows("SELECT COUNT(*) AS n FROM complaints WHERE site_key = 'quota'")?[0]["n"].as_u64(), Some(1), "nothing stored past the quota")?;
    let told = wait_for(Duration::from_secs(30), || {
        let got: Vec<String> = rx.requests(PLATFORM_ALERTS).iter().map(|q| String::from_utf8_lossy(&q.body).into_owned()).filter(|b| b.contains("quota") && b.contains("站点 quota ")).collect();
        (!got.is_empty()).then_some(got)
    })
    .ok_or("the platform was not told about the quota")?;
    std::thread::sleep(Duration::from_secs(2));
    let again = rx.requests(PLATFORM_ALERTS).iter().filter(|q| String::from_utf8_lossy(&q.body).contains("站点 quota ")).count();
    eq((told.len(), again), (1, 1), "told once a day")
}

/// A dead letter alerts the platform's team channel, and comes back: saving the site's
/// destinations redrives it (once delivered, exactly once), and so does 重新投递 by hand; each
/// redrive leaves its audit row.
fn dead_letters_alert_and_are_redriven() -> Result<(), Failed> {
    let rx = &ctx().receiver;
    let operator = operator_cookie()?;
    // The platform's default team gets a channel: dead letters are told there.
    let team = platform_channel(PLATFORM_ALERTS)?;
    let sealed = rows(&format!("SELECT channel FROM teams WHERE id = '{team}'"))?;
    check(sealed[0]["channel"].as_str().is_some_and(|c| c.starts_with("\"qtenc1:") && !c.contains("platform-alerts")), format!("the channel is stored sealed: {}", sealed[0]["channel"]))?;

    site_with("dlq", json!([{"id": "hook", "kind": "webhook", "url": rx.url("/down-dlq"), "secret": WEBHOOK_SECRET}]))?;
    let r = submit(&json!({"site": "dlq", "text": "骑手把餐送错了楼，打电话也不接 DLQ-1"}), "dlq-00000001")?;
    let Created { id, .. } = expect_created(&r, "submit")?;
    let ticket_no = r.body["ticket_no"].as_str().unwrap_or_default().to_string();
    wait_delivery(&id, "dead_letter", 150)?;
    // The alert: once, to the channel, naming the ticket.
    let alerts = wait_for(Duration::from_secs(30), || {
        let got = rx.requests(PLATFORM_ALERTS);
        let bodies: Vec<String> = got.iter().map(|a| String::from_utf8_lossy(&a.body).into_owned()).collect();
        bodies.iter().any(|b| b.contains(&ticket_no)).then_some(bodies)
    })
    .ok_or("no dead-letter alert reached the platform's channel")?;
    let mine: Vec<&String> = alerts.iter().filter(|b| b.contains(&ticket_no)).collect();
    eq(mine.len(), 1, "one alert per dead letter")?;
    check(mine[0].contains("转发失败") && mine[0].contains("dead_letter"), format!("the alert's words: {}", mine[0]))?;

    // The receiver's circuit breaker opened on the way (5 failures in a row).
    let health = rows("SELECT failures, open_until FROM destination_health WHERE site_key = 'dlq' AND destination_id = 'hook'")?;
    check(health.first().is_some_and(|h| h["failures"].as_u64() >= Some(5) && !h["open_until"].is_null()), format!("the breaker: {health:?}"))?;
    // The merchant fixes the receiver: saving the destinations forwards the dead letter again.
    let r = admin("PUT", "/v1/admin/sites/dlq/destinations", Some(&json!({"destinations": [{"id": "hook", "kind": "webhook", "url": rx.url("/ok-dlq-back"), "secret": WEBHOOK_SECRET}]})), None)?;
    eq(r.status, 200, &format!("new destination ({})", r.raw))?;
    let d = wait_delivery(&id, "delivered", 60)?;
    eq(rx.requests("/ok-dlq-back").len(), 1, "delivered exactly once after the redrive")?;
    eq(rows("SELECT failures FROM destination_health WHERE site_key = 'dlq' AND destination_id = 'hook'")?.first().and_then(|h| h["failures"].as_u64()), Some(0), "a new destination starts healthy, and stays so")?;
    let log: Vec<Option<&str>> = d.body["attempts"].as_array().map(|a| a.iter().map(|x| x["outcome"].as_str()).collect()).unwrap_or_default();
    eq(log.last().copied().flatten(), Some("delivered"), "the log ends delivered")?;
    check(log.contains(&Some("dead_letter")), "the dead letter stays in the log")?;
    let audit = rows(&format!("SELECT from_state, actor_kind, why FROM delivery_redrives WHERE complaint_id = '{id}'"))?;
    eq(audit.len(), 1, "one audit row")?;
    eq((audit[0]["from_state"].as_str(), audit[0]["actor_kind"].as_str(), audit[0]["why"].as_str()), (Some("dead_letter"), Some("staff"), Some("destinations_changed")), "audit")?;
    // A delivered ticket is not redriven.
    let r = staff_post(&format!("/v1/admin/complaints/{id}/redrive"), &json!({}), &operator)?;
    eq((r.status, r.code()), (409, "action_not_allowed"), "redrive of a delivered ticket")?;

    // By hand: a ticket that had nowhere to go.
    site_with("dlq-none", json!([]))?;
    let r = submit(&json!({"site": "dlq-none", "text": "外卖洒了一半，汤全漏了 DLQ-2"}), "dlq-00000002")?;
    let Created { id: lone, .. } = expect_created(&r, "submit")?;
    wait_delivery(&lone, "no_destination", 30)?;
    let r = staff_post(&format!("/v1/admin/complaints/{lone}/redrive"), &json!({}), &operator)?;
    eq(r.status, 200, &format!("redrive by hand ({})", r.raw))?;
    wait_delivery(&lone, "no_destination", 30)?;
    let audit = rows(&format!("SELECT from_state, why FROM delivery_redrives WHERE complaint_id = '{lone}'"))?;
    eq(audit.iter().map(|a| (a["from_state"].as_str(), a["why"].as_str())).collect::<Vec<_>>(), vec![(Some("no_destination"), Some("by_hand"))], "audit")?;
    let r = staff_post("/v1/admin/sites/dlq-none/redrive", &json!({}), &operator)?;
    eq((r.status, r.body["redriven"].as_u64()), (200, Some(1)), &format!("a site's redrive ({})", r.raw))?;
    // Another merchant's admin cannot.
    let r = staff_post(&format!("/v1/admin/complaints/{lone}/redrive"), &json!({}), "qt_session=nobody")?;
    check(r.status == 401, format!("without a session: {}", r.raw))
}

/// Destinations' URLs and secrets, chat channels and customers' contacts are stored sealed
/// (AES-GCM under `ENCRYPTION_KEY`), and everything that uses them still works: the forward
/// reaches the receiver, signed, with the contact masked.
fn secrets_and_contacts_are_sealed_at_rest() -> Result<(), Failed> {
    let rx = &ctx().receiver;
    site_with("sealed", json!([{"id": "hook", "kind": "webhook", "url": rx.url("/ok-sealed"), "secret": WEBHOOK_SECRET}]))?;
    let stored = rows("SELECT url, secret FROM destinations WHERE site_key = 'sealed'")?;
    let (url, secret) = (stored[0]["url"].as_str().unwrap_or_default(), stored[0]["secret"].as_str().unwrap_or_default());
    check(url.starts_with("qtenc1:") && secret.starts_with("qtenc1:"), format!("sealed: {url} / {secret}"))?;
    check(!url.contains("ok-sealed") && !secret.contains(WEBHOOK_SECRET), "no clear text left")?;
    let r = submit(&json!({"site": "sealed", "text": "骑手把汤洒了一半 SEALED-1", "contact": "13912345678"}), "sealed-00000001")?;
    let Created { id, .. } = expect_created(&r, "submit")?;
    let contact = rows(&format!("SELECT contact FROM complaints WHERE id = '{id}'"))?;
    let contact = contact[0]["contact"].as_str().unwrap_or_default().to_string();
    check(contact.starts_with("qtenc1:") && !contact.contains("1391234"), format!("the contact is sealed: {contact}"))?;
    wait_delivery(&id, "delivered", 30)?;
    let got = rx.requests("/ok-sealed");
    let body = got.first().map(|q| String::from_utf8_lossy(&q.body).into_owned()).unwrap_or_default();
    check(body.contains("\"contact\":\"139****5678\""), format!("opened, then masked on the way out: {body}"))?;
    // The same site's configuration still reads back (redacted) through the API.
    let view = admin("GET", "/v1/admin/sites/sealed", None, None)?;
    eq(view.body["destinations"][0]["id"].as_str(), Some("hook"), &format!("configuration ({})", view.raw))
}

/// One client bursting complaints at one site is stopped before anything is stored (`429
/// rate_limited` with `Retry-After`), while another client of the same site and the same client
/// at another site go on; refused submissions leave no row.
fn intake_is_rate_limited_per_client_and_site() -> Result<(), Failed> {
    site_with("burst", json!([]))?;
    site_with("burst-2", json!([]))?;
    let send = |site: &str, n: usize, ip: &str| {
        let body = json!({"site": site, "text": format!("外卖又晚了一个小时 BURST-{ip}-{n}")}).to_string();
        let key = format!("burst-{site}-{}-{n:04}", ip.replace('.', "_"));
        post_raw(body.as_bytes(), &[("Content-Type", "application/json"), ("Origin", ORIGIN), ("Idempotency-Key", &key), ("CF-Connecting-IP", ip)])
    };
    // The limit is 10 a minute; a burst that straddles two windows may pass 20 before the first 429.
    let (mut accepted, mut refused) = (0, None);
    for n in 0..25 {
        let r = send("burst", n, "203.0.113.7")?;
        match r.status {
            201 => accepted += 1,
            429 => {
                refused = Some(r);
                break;
            }
            _ => return Err(format!("submission {n}: {} {}", r.status, r.raw).into()),
        }
    }
    let r = refused.ok_or("25 submissions from one client in a row were all accepted")?;
    check((10..=20).contains(&accepted), format!("{accepted} accepted before the first 429"))?;
    eq(r.code(), "rate_limited", "code")?;
    eq(r.header("Retry-After"), Some("60"), "Retry-After")?;
    let stored = rows("SELECT COUNT(*) AS n FROM complaints WHERE site_key = 'burst' AND text LIKE '%BURST-203.0.113.7-%'")?;
    eq(stored.first().and_then(|r| r["n"].as_u64()), Some(accepted as u64), "only the accepted ones are stored")?;
    // Another client of the same site, and the same client at another site, are not held up.
    eq(send("burst", 0, "198.51.100.23")?.status, 201, "another client")?;
    eq(send("burst-2", 0, "203.0.113.7")?.status, 201, "another site")
}

fn merchant_configuration_is_validated_and_applied() -> Result<(), Failed> {
    let rx = &ctx().receiver;
    let r = admin("GET", "/v1/admin/sites/demo", None, Some("__Host-qt_session=not-a-session"))?;
    eq((r.status, r.code()), (401, "sign_in_required"), "no valid session")?;
    let r = reply(ctx().agent.get(format!("{}/v1/admin/sites/demo", ctx().base)).header("Authorization", &format!("Bearer {ADMIN_TOKEN}")).call())?;
    eq((r.status, r.code()), (401, "sign_in_required"), "ADMIN_TOKEN no longer opens the site API")?;
    let r = admin("PUT", "/v1/admin/sites/shop", Some(&json!({"merchant_name": "小店", "allowed_origins": ["javascript:alert(1)"]})), None)?;
    eq((r.status, r.code()), (400, "invalid_config"), "bad origin")?;
    site_with("shop", json!([]))?;
    for (bad, what) in [
        (json!([{"id": "hook", "kind": "webhook", "url": rx.url("/ok-shop")}]), "webhook without secret"),
        (json!([{"id": "hook", "kind": "webhook", "url": "ftp://x/y", "secret": WEBHOOK_SECRET}]), "not http(s)"),
        (json!([{"id": "Bad Id", "kind": "wecom", "url": rx.url("/wecom-shop")}]), "bad id"),
    ] {
        let r = admin("PUT", "/v1/admin/sites/shop/destinations", Some(&json!({ "destinations": bad })), None)?;
        eq((r.status, r.code()), (400, "invalid_destination"), what)?;
    }
    let r =
        admin("PUT", "/v1/admin/sites/shop/destinations", Some(&json!({"destinations": [{"id": "x", "kind": "carrier-pigeon", "url": "https://a"}]})), None)?;
    eq((r.status, r.code()), (400, "invalid_json"), "unknown kind")?;
    let r = admin("PUT", "/v1/admin/sites/nowhere/destinations", Some(&json!({"destinations": []})), None)?;
    eq((r.status, r.code()), (404, "unknown_site"), "unknown site")?;

    let pack = json!({"id": "shop-pack", "version": 2, "entries": [{
        "id": "shop-parking", "kind": "resolves", "categories": ["other"],
        "questions": {"zh-CN": ["你们店可以停车吗", "停车场在哪里", "停车收费吗"]},
        "answer": {"zh-CN": "本店地下停车场消费满50元免费停车两小时。", "en": "Two hours of free parking with a 50 yuan purchase."}
    }]});
    let mut bad = pack.clone();
    bad["entries"][0]["id"] = json!(
        "shop parking
E x"
    );
    let r = admin("PUT", "/v1/admin/sites/shop/faq", Some(&bad), None)?;
    eq((r.status, r.code()), (400, "invalid_faq_pack"), "unsafe entry id")?;
    let r = admin("PUT", "/v1/admin/sites/shop/faq", Some(&pack), None)?;
    eq(r.status, 200, &format!("store the pack ({})", r.raw))?;
    let served = get("/v1/faq?site=shop&lang=zh-CN", &[])?;
    check(served.raw.contains("E shop-parking resolves") && served.raw.contains("E refund-arrival-time"), "merchant entry served over the default")?;
    let r = submit(&json!({"site": "shop", "text": "请问你们店停车场在哪里，可以停车吗"}), "shop-00000001")?;
    eq(
        (r.body["status"].as_str(), field(&r.body, &["reply", "faq_id"]).as_str()),
        (Some("auto_replied"), Some("shop-parking")),
        &format!("merchant answer ({})", r.raw),
    )?;
    check(field(&r.body, &["reply", "text"]).as_str().is_some_and(|t| t.contains("停车")), "merchant's own words")?;
    let e = post_events(&json!({"site": "shop", "event": "deflected", "faq_id": "shop-parking"}), ORIGIN)?;
    eq(e.status, 202, "deflection of a merchant entry")?;
    let e = post_events(&json!({"site": "demo", "event": "deflected", "faq_id": "shop-parking"}), ORIGIN)?;
    eq(e.status, 404, "another site does not have it")?;

    let r = admin("PUT", "/v1/admin/sites/shop/thresholds", Some(&json!({"resolve": 0.2})), None)?;
    eq((r.status, r.code()), (400, "invalid_config"), "threshold out of range")?;
    let r = admin("PUT", "/v1/admin/sites/shop/thresholds", Some(&json!({"resolve": 0.85, "acknowledge": null})), None)?;
    eq(field(&r.body, &["thresholds", "resolve"]).as_f64(), Some(0.85), "shown as written, not as an f32 widened")?;
    let r = admin("PUT", "/v1/admin/sites/shop/thresholds", Some(&json!({"resolve": 1.0, "acknowledge": null})), None)?;
    eq(field(&r.body, &["thresholds", "resolve"]).as_f64(), Some(1.0), "stored threshold")?;
    let r = submit(&json!({"site": "shop", "text": "请问你们店停车场在哪里，可以停车吗？"}), "shop-00000002")?;
    eq(r.body["status"].as_str(), Some("new"), "a site that never auto-replies")?;

    site_with("shop", json!([{"id": "hook", "kind": "webhook", "url": rx.url("/ok-shop"), "secret": WEBHOOK_SECRET}]))?;
    let shown = admin("GET", "/v1/admin/sites/shop", None, None)?;
    eq(field(&shown.body, &["destinations"])[0]["secret"].as_str(), Some("********"), "secrets are never shown back")?;
    eq(shown.body["merchant_name"].as_str(), Some("商家 shop"), "merchant name")?;
    check(!shown.raw.contains(WEBHOOK_SECRET), "secret absent from the answer")?;
    check(!shown.raw.contains("/ok-shop"), format!("a webhook's path (it may hold a token) is not shown back: {}", shown.raw))?;
    // The console edits what it was shown: the stars keep the stored secret; a new URL is taken.
    let mut edited = field(&shown.body, &["destinations"]).clone();
    edited[0]["url"] = json!(rx.url("/ok-shop-2"));
    let r = admin("PUT", "/v1/admin/sites/shop/destinations", Some(&json!({ "destinations": edited })), None)?;
    eq(r.status, 200, &format!("edit with the secret kept ({})", r.raw))?;
    let stored = rows("SELECT url, secret FROM destinations WHERE site_key = 'shop'")?;
    // Stored sealed; what they hold shows in what the API answers and where forwards go.
    let sealed = |v: &Value| v.as_str().is_some_and(|s| s.starts_with("qtenc1:"));
    check(sealed(&stored[0]["url"]) && sealed(&stored[0]["secret"]), format!("stored sealed after the edit: {stored:?}"))?;
    // The new URL is taken and the kept secret still signs.
    let r = submit(&json!({"site": "shop", "text": "送错了餐，还少了一份米饭 SHOP-EDIT"}), "shop-edit-00000001")?;
    let Created { id, .. } = expect_created(&r, "submit")?;
    wait_delivery(&id, "delivered", 30)?;
    let got = rx.requests("/ok-shop-2");
    check(!got.is_empty() && got.iter().all(|q| signature_ok(q.header("Qingting-Signature").unwrap_or(""), &q.body, WEBHOOK_SECRET)), "forwarded to the new URL, signed with the kept secret")?;
    let r = admin(
        "PUT",
        "/v1/admin/sites/shop/destinations",
        Some(&json!({"destinations": [{"id": "other", "kind": "webhook", "url": rx.url("/x"), "secret": "********"}]})),
        None,
    )?;
    eq((r.status, r.code()), (400, "invalid_destination"), "stars for a destination that has no stored secret")?;
    let r = admin("DELETE", "/v1/admin/sites/shop/faq", None, None)?;
    eq((r.status, r.body["faq_pack"].is_null()), (200, true), "pack removed")?;
    check(!get("/v1/faq?site=shop", &[])?.raw.contains("shop-parking"), "back to the default pack")
}

fn cron_sweep_requeues_a_lost_forwarding() -> Result<(), Failed> {
    let rx = &ctx().receiver;
    site_with("sweep", json!([]))?;
    let r = submit(&json!({"site": "sweep", "text": "包装破了，汤洒了一袋子 SWEEP-1"}), "sweep-00000001")?;
    let id = expect_created(&r, "submit")?.id;
    wait_delivery(&id, "no_destination", 30)?;
    site_with("sweep", json!([{"id": "hook", "kind": "webhook", "url": rx.url("/ok-sweep"), "secret": WEBHOOK_SECRET}]))?;
    // As if the queue message had been lost long ago.
    query(
        &ctx().persist,
        &format!(
            "UPDATE complaints SET delivery = 'queued', delivery_at = '2000-01-01T00:00:00.000Z', delivery_due = '2000-01-01T00:00:00.000Z' WHERE id = '{id}'"
        ),
    )?;
    let s = get("/__scheduled?cron=*/5+*+*+*+*", &[])?;
    eq(s.status, 200, &format!("cron ({})", s.raw))?;
    // Generous: on a loaded 2-core machine the local queue can take a while to run the job; what
    // this test asserts is that it is delivered, once, not how fast.
    wait_delivery(&id, "delivered", 90)?;
    eq(rx.requests("/ok-sweep").into_iter().filter(|q| q.text().contains("SWEEP-1")).count(), 1, "delivered once")?;
    // A duplicate job for a ticket whose destination already accepted sends nothing again.
    query(&ctx().persist, &format!("UPDATE complaints SET delivery = 'queued', delivery_due = '2000-01-01T00:00:00.000Z' WHERE id = '{id}'"))?;
    eq(get("/__scheduled?cron=*/5+*+*+*+*", &[])?.status, 200, "cron again")?;
    wait_delivery(&id, "delivered", 90)?;
    eq(rx.requests("/ok-sweep").into_iter().filter(|q| q.text().contains("SWEEP-1")).count(), 1, "still delivered once")?;
    let log = deliveries(&id)?;
    eq(log.body["attempts"].as_array().map(|a| a.iter().filter(|x| x["outcome"] == "delivered").count()), Some(1), "one accepted row in the log")
}

fn post_events(body: &Value, origin: &str) -> Result<Reply, Failed> {
    let req = ctx().agent.post(format!("{}/v1/events", ctx().base)).header("Content-Type", "application/json").header("Origin", origin);
    reply(req.send(body.to_string().as_bytes()))
}

/// POSTs `body` to `path` as a stream of unknown length (`Transfer-Encoding: chunked`, no
/// `Content-Length`), so only the worker's reading can enforce a size cap.
fn post_chunked(path: &str, body: Vec<u8>, headers: &[(&str, &str)]) -> Result<Reply, Failed> {
    let mut req = ctx().agent.post(format!("{}{path}", ctx().base));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    reply(req.send(ureq::SendBody::from_owned_reader(std::io::Cursor::new(body))))
}

fn bodies_are_capped_without_content_length() -> Result<(), Failed> {
    let (json_ct, origin) = (("Content-Type", "application/json"), ("Origin", ORIGIN));
    // Under the cap, sent without a declared length: read and stored as usual.
    let small = r#"{"site":"demo","text":"CHUNKOK 送餐慢了一个小时，菜都凉了"}"#.as_bytes().to_vec();
    let r = post_chunked("/v1/complaints", small, &[json_ct, origin, ("Idempotency-Key", "chunk-0000002")])?;
    expect_created(&r, "chunked intake under the cap")?;
    // Over the 32 KB cap, the same way: refused, nothing stored.
    let big = format!(r#"{{"site":"demo","text":"CHUNKMARK {}"}}"#, "很".repeat(12_000)).into_bytes();
    check(big.len() > 32 * 1024, "the body is over the cap")?;
    let r = post_chunked("/v1/complaints", big, &[json_ct, origin, ("Idempotency-Key", "chunk-0000001")])?;
    eq((r.status, r.code()), (413, "payload_too_large"), "chunked intake over the cap")?;
    eq(rows("SELECT id FROM complaints WHERE text LIKE '%CHUNKMARK%'")?.len(), 0, "nothing stored")?;
    // Events are capped at 4 KB, chunked or not.
    let event = format!(r#"{{"site":"demo","event":"deflected","faq_id":"{}"}}"#, "a".repeat(8 * 1024)).into_bytes();
    let r = post_chunked("/v1/events", event, &[json_ct, origin])?;
    eq((r.status, r.code()), (413, "payload_too_large"), "chunked event over the cap")?;
    // And the worker goes on answering.
    let r = submit(&json!({"site": "demo", "text": "CHUNKAFTER 菜里有沙子"}), "chunk-0000003")?;
    expect_created(&r, "a plain submission after the refusals")?;
    Ok(())
}

fn malformed_query_strings_are_invalid_query() -> Result<(), Failed> {
    let r = get("/v1/faq?site=demo&site=other", &[])?;
    eq((r.status, r.code()), (400, "invalid_query"), "a repeated parameter")?;
    let r = admin("GET", "/v1/admin/deliveries?state=queued&state=none", None, None)?;
    eq((r.status, r.code()), (400, "invalid_query"), "a repeated admin parameter")
}

const STAFF_EMAIL: &str = "Ops.Admin@Example.CN";
const STAFF_PASSWORD: &str = "正确的马 battery staple";
/// The worker's own origin, as the console's pages send it.
fn own_origin() -> String {
    ctx().base.clone()
}

/// A JSON POST with headers (cookies, `Origin`) set by hand: the test client keeps no cookie jar.
fn post_json(path: &str, body: &Value, headers: &[(&str, &str)]) -> Result<Reply, Failed> {
    let mut req = ctx().agent.post(format!("{}{path}", ctx().base)).header("Content-Type", "application/json");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    reply(req.send(body.to_string().as_bytes()))
}

/// Signs in; the session cookie as a `Cookie` header value.
fn sign_in(email: &str, password: &str) -> Result<(Reply, Option<String>), Failed> {
    let origin = own_origin();
    let r = post_json("/v1/auth/login", &json!({"email": email, "password": password}), &[("Origin", origin.as_str())])?;
    let cookie = r.header("Set-Cookie").and_then(|c| c.split(';').next()).map(str::to_string);
    Ok((r, cookie))
}

fn me(cookie: Option<&str>) -> Result<Reply, Failed> {
    get("/v1/auth/me", &cookie.map(|c| vec![("Cookie", c)]).unwrap_or_default())
}

fn sha256_hex(s: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(s.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn staff_sign_in_sessions_and_logout() -> Result<(), Failed> {
    let bootstrap = |body: &Value, token: Option<&str>| {
        let auth = format!("Bearer {}", token.unwrap_or(ADMIN_TOKEN));
        post_json("/v1/auth/bootstrap", body, &[("Authorization", auth.as_str())])
    };
    let admin = json!({"email": STAFF_EMAIL, "password": STAFF_PASSWORD, "display_name": "平台管理员"});
    let r = bootstrap(&admin, Some("wrong-token-0123456789"))?;
    eq((r.status, r.code()), (401, "admin_unauthorized"), "bootstrap needs ADMIN_TOKEN")?;
    let r = bootstrap(&json!({"email": "nope", "password": STAFF_PASSWORD, "display_name": "x"}), None)?;
    eq((r.status, r.code()), (400, "invalid_email"), "bad e-mail")?;
    let r = bootstrap(&json!({"email": "a@b.cn", "password": "short", "display_name": "x"}), None)?;
    eq((r.status, r.code()), (400, "invalid_password"), "short password")?;
    let r = bootstrap(&admin, None)?;
    eq(r.status, 201, &format!("first platform admin ({})", r.raw))?;
    eq(r.body["memberships"].clone(), json!([{"scope": {"kind": "platform"}, "role": "admin"}]), "platform admin membership")?;
    eq(r.body["user"]["email"].as_str(), Some("ops.admin@example.cn"), "e-mail normalised")?;
    let r = bootstrap(&json!({"email": "second@example.cn", "password": STAFF_PASSWORD, "display_name": "x"}), None)?;
    eq((r.status, r.code()), (409, "already_set_up"), "only once")?;
    let users = rows("SELECT password_hash FROM users")?;
    eq(users.len(), 1, "one user")?;
    let hash = users[0]["password_hash"].as_str().unwrap_or("");
    check(hash.starts_with("pbkdf2-sha256$i=100000$p=1$") && !hash.contains("battery"), format!("self-describing hash, no password: {hash}"))?;

    // Wrong password and unknown address: the same answer.
    let (wrong, cookie) = sign_in(STAFF_EMAIL, "not the password at all")?;
    eq((wrong.status, wrong.code(), cookie.is_none()), (401, "invalid_credentials", true), "wrong password")?;
    let (unknown, _) = sign_in("nobody@example.cn", STAFF_PASSWORD)?;
    eq((unknown.status, unknown.body.clone()), (401, wrong.body.clone()), "unknown address answers like a wrong password")?;

    let (r, cookie) = sign_in(STAFF_EMAIL, STAFF_PASSWORD)?;
    eq(r.status, 200, &format!("sign-in ({})", r.raw))?;
    let set = r.header("Set-Cookie").unwrap_or("").to_string();
    for flag in ["__Host-qt_session=", "HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
        check(set.contains(flag), format!("{flag} in {set}"))?;
    }
    check(!set.contains("Domain"), "no Domain on a __Host- cookie")?;
    let cookie = cookie.ok_or("no session cookie")?;
    let token = cookie.split_once('=').map(|(_, v)| v).unwrap_or("");
    let stored = rows(&format!("SELECT token_hash FROM sessions WHERE token_hash = '{}'", sha256_hex(token)))?;
    eq(stored.len(), 1, "only the token's hash is stored")?;
    eq(rows(&format!("SELECT 1 FROM sessions WHERE token_hash = '{token}'"))?.len(), 0, "never the token")?;

    let r = me(Some(&cookie))?;
    eq((r.status, r.body["user"]["display_name"].as_str()), (200, Some("平台管理员")), "me")?;
    let r = me(None)?;
    eq((r.status, r.code()), (401, "sign_in_required"), "me without a session")?;

    // Another site's page cannot sign anyone out (or in).
    let r = post_json("/v1/auth/logout", &json!({}), &[("Cookie", cookie.as_str()), ("Origin", OTHER_ORIGIN)])?;
    eq((r.status, r.code()), (403, "cross_origin"), "cross-origin logout")?;
    let r = post_json("/v1/auth/login", &json!({"email": STAFF_EMAIL, "password": STAFF_PASSWORD}), &[("Origin", OTHER_ORIGIN)])?;
    eq((r.status, r.code()), (403, "cross_origin"), "cross-origin login")?;
    eq(me(Some(&cookie))?.status, 200, "still signed in")?;

    let origin = own_origin();
    let r = post_json("/v1/auth/logout", &json!({}), &[("Cookie", cookie.as_str()), ("Origin", origin.as_str())])?;
    eq(r.status, 200, "logout")?;
    check(r.header("Set-Cookie").is_some_and(|c| c.contains("Max-Age=0")), "cookie cleared")?;
    eq(me(Some(&cookie))?.status, 401, "the session ended")?;

    // Sign out everywhere ends the other sessions too.
    let (_, a) = sign_in(STAFF_EMAIL, STAFF_PASSWORD)?;
    let (_, b) = sign_in(STAFF_EMAIL, STAFF_PASSWORD)?;
    let (a, b) = (a.ok_or("no cookie a")?, b.ok_or("no cookie b")?);
    let r = post_json("/v1/auth/logout", &json!({"everywhere": true}), &[("Cookie", a.as_str()), ("Origin", origin.as_str())])?;
    eq(r.status, 200, "logout everywhere")?;
    eq((me(Some(&a))?.status, me(Some(&b))?.status), (401, 401), "both sessions ended")?;

    // A session idle past its limit (12 h) ends, and its row is deleted.
    let (_, c) = sign_in(STAFF_EMAIL, STAFF_PASSWORD)?;
    let c = c.ok_or("no cookie c")?;
    let hash = sha256_hex(c.split_once('=').map(|(_, v)| v).unwrap_or(""));
    rows(&format!("UPDATE sessions SET last_seen_at = last_seen_at - 13 * 3600 WHERE token_hash = '{hash}'"))?;
    eq(me(Some(&c))?.status, 401, "idle session expired")?;
    eq(rows(&format!("SELECT 1 FROM sessions WHERE token_hash = '{hash}'"))?.len(), 0, "expired session deleted")?;
    // And one older than a week ends however active.
    let (_, d) = sign_in(STAFF_EMAIL, STAFF_PASSWORD)?;
    let d = d.ok_or("no cookie d")?;
    let hash = sha256_hex(d.split_once('=').map(|(_, v)| v).unwrap_or(""));
    rows(&format!("UPDATE sessions SET created_at = created_at - 8 * 86400 WHERE token_hash = '{hash}'"))?;
    eq(me(Some(&d))?.status, 401, "absolute limit")
}

// --- People and tenancy: merchants, invitations, staff, deactivation, passwords, teams. ---

/// Someone with a session: their user id, e-mail and `Cookie` header value.
struct Person {
    id: String,
    email: String,
    cookie: String,
}

/// The people the tenancy tests share: the bootstrap platform admin, merchants A and B, A's admin
/// and agent, B's admin. Made once, by the first test that needs them.
struct World {
    platform: String,
    merchant_a: String,
    merchant_b: String,
    a_admin: Person,
    a_agent: Person,
    b_admin: Person,
}

static WORLD: OnceLock<Result<World, String>> = OnceLock::new();
const NEW_PASSWORD: &str = "新的密码 is long enough";

fn world() -> Result<&'static World, Failed> {
    WORLD.get_or_init(|| make_world().map_err(|e| format!("setting up the tenancy world: {e:?}"))).as_ref().map_err(|e| e.clone().into())
}

fn make_world() -> Result<World, Failed> {
    // The sign-in test creates the bootstrap admin; run alone, this does (409: it exists already).
    let auth = format!("Bearer {ADMIN_TOKEN}");
    post_json(
        "/v1/auth/bootstrap",
        &json!({"email": STAFF_EMAIL, "password": STAFF_PASSWORD, "display_name": "平台管理员"}),
        &[("Authorization", auth.as_str())],
    )?;
    let (r, platform) = sign_in(STAFF_EMAIL, STAFF_PASSWORD)?;
    let platform = platform.ok_or_else(|| format!("bootstrap admin sign-in: {}", r.raw))?;
    let merchant = |name: &str| -> Result<String, Failed> {
        let r = staff_post("/v1/merchants", &json!({"name": name}), &platform)?;
        eq(r.status, 201, &format!("create merchant {name} ({})", r.raw))?;
        Ok(r.body["id"].as_str().unwrap_or_default().to_string())
    };
    let (merchant_a, merchant_b) = (merchant("老街小馆")?, merchant("川味坊")?);
    let a_admin = join(&platform, "a.admin@example.cn", &merchant_scope(&merchant_a), "admin")?;
    let a_agent = join(&a_admin.cookie, "a.agent@example.cn", &merchant_scope(&merchant_a), "agent")?;
    let b_admin = join(&platform, "b.admin@example.cn", &merchant_scope(&merchant_b), "admin")?;
    Ok(World { platform, merchant_a, merchant_b, a_admin, a_agent, b_admin })
}

fn merchant_scope(id: &str) -> Value {
    json!({"kind": "merchant", "merchant": id})
}

/// A state-changing request from the console: its session and its own `Origin`.
fn staff_post(path: &str, body: &Value, cookie: &str) -> Result<Reply, Failed> {
    let origin = own_origin();
    post_json(path, body, &[("Cookie", cookie), ("Origin", origin.as_str())])
}

fn staff_get(path: &str, cookie: &str) -> Result<Reply, Failed> {
    get(path, &[("Cookie", cookie)])
}

fn staff_delete(path: &str, cookie: &str) -> Result<Reply, Failed> {
    let origin = own_origin();
    reply(ctx().agent.delete(format!("{}{path}", ctx().base)).header("Cookie", cookie).header("Origin", origin.as_str()).call())
}

fn invite(by: &str, email: &str, scope: &Value, role: &str) -> Result<Reply, Failed> {
    staff_post("/v1/invitations", &json!({"email": email, "display_name": email.split('@').next().unwrap_or("x"), "scope": scope, "role": role}), by)
}

/// `POST /v1/auth/setup`; the session cookie it sets, if any.
fn set_up(token: &str, password: &str) -> Result<(Reply, Option<String>), Failed> {
    let origin = own_origin();
    let r = post_json("/v1/auth/setup", &json!({"token": token, "password": password}), &[("Origin", origin.as_str())])?;
    let cookie = r.header("Set-Cookie").and_then(|c| c.split(';').next()).map(str::to_string);
    Ok((r, cookie))
}

/// Invites someone and sets up their account: they are signed in.
fn join(by: &str, email: &str, scope: &Value, role: &str) -> Result<Person, Failed> {
    let r = invite(by, email, scope, role)?;
    eq(r.status, 201, &format!("invite {email} ({})", r.raw))?;
    let (token, id) = (r.body["token"].as_str().unwrap_or_default(), r.body["user"]["id"].as_str().unwrap_or_default().to_string());
    let (r, cookie) = set_up(token, STAFF_PASSWORD)?;
    eq(r.status, 200, &format!("setup of {email} ({})", r.raw))?;
    Ok(Person { id, email: email.to_string(), cookie: cookie.ok_or("no session cookie after setup")? })
}

fn emails(r: &Reply, list: &str) -> Vec<String> {
    r.body[list].as_array().map(|a| a.iter().filter_map(|u| u["email"].as_str().map(String::from)).collect()).unwrap_or_default()
}

fn merchants_are_created_by_platform_admins_and_seen_by_their_own() -> Result<(), Failed> {
    let w = world()?;
    let r = staff_post("/v1/merchants", &json!({"name": "  新商家  "}), &w.platform)?;
    eq((r.status, r.body["name"].as_str(), r.body["default_team"]["name"].as_str()), (201, Some("新商家"), Some("默认团队")), "created")?;
    let id = r.body["id"].as_str().unwrap_or_default();
    let team = rows(&format!("SELECT name, is_default FROM teams WHERE merchant_id = '{id}'"))?;
    eq(team, vec![json!({"name": "默认团队", "is_default": 1})], "the merchant's default team")?;
    let r = staff_post("/v1/merchants", &json!({"name": " "}), &w.platform)?;
    eq((r.status, r.code()), (400, "invalid_config"), "empty name")?;
    for (who, cookie) in [("A's admin", &w.a_admin.cookie), ("A's agent", &w.a_agent.cookie)] {
        let r = staff_post("/v1/merchants", &json!({"name": "越权"}), cookie)?;
        eq((r.status, r.code()), (403, "forbidden"), &format!("{who} creates a merchant"))?;
    }
    let origin = [("Cookie", w.platform.as_str()), ("Origin", OTHER_ORIGIN)];
    let r = post_json("/v1/merchants", &json!({"name": "跨站"}), &origin)?;
    eq((r.status, r.code()), (403, "cross_origin"), "cross-origin create")?;
    let r = post_json("/v1/merchants", &json!({"name": "无会话"}), &[])?;
    eq((r.status, r.code()), (401, "sign_in_required"), "without a session")?;
    eq(rows("SELECT 1 FROM merchants WHERE name IN ('越权', '跨站', '无会话')")?.len(), 0, "refused merchants are not stored")?;

    let ids = |cookie: &str| -> Result<Vec<String>, Failed> {
        let r = staff_get("/v1/merchants", cookie)?;
        eq(r.status, 200, "list merchants")?;
        Ok(r.body["merchants"].as_array().cloned().unwrap_or_default().iter().filter_map(|m| m["id"].as_str().map(String::from)).collect())
    };
    let all = ids(&w.platform)?;
    check(all.contains(&w.merchant_a) && all.contains(&w.merchant_b) && all.contains(&id.to_string()), format!("the platform sees all: {all:?}"))?;
    eq(ids(&w.a_admin.cookie)?, vec![w.merchant_a.clone()], "A's admin sees A only")?;
    eq(ids(&w.a_agent.cookie)?, vec![w.merchant_a.clone()], "A's agent sees A only")?;
    eq(ids(&w.b_admin.cookie)?, vec![w.merchant_b.clone()], "B's admin sees B only")
}

fn invitations_are_single_use_and_expire() -> Result<(), Failed> {
    let w = world()?;
    let r = invite(&w.platform, "New.Agent@Example.CN", &merchant_scope(&w.merchant_a), "agent")?;
    eq(r.status, 201, &format!("invite ({})", r.raw))?;
    let token = r.body["token"].as_str().unwrap_or_default().to_string();
    eq(r.body["setup_url"].as_str(), Some(format!("/console/setup#token={token}").as_str()), "setup_url")?;
    eq(r.body["user"]["email"].as_str(), Some("new.agent@example.cn"), "e-mail normalised")?;
    check(token.len() >= 40, format!("a long random token: {token}"))?;
    let id = r.body["user"]["id"].as_str().unwrap_or_default().to_string();
    let stored = rows(&format!("SELECT token_hash, expires_at - created_at AS ttl, used_at FROM invitations WHERE user_id = '{id}'"))?;
    eq(stored, vec![json!({"token_hash": sha256_hex(&token), "ttl": 72 * 3600, "used_at": null})], "only the hash, 72 h")?;
    let user = rows(&format!("SELECT password_hash, active FROM users WHERE id = '{id}'"))?;
    eq(user, vec![json!({"password_hash": null, "active": 1})], "no password yet, active")?;
    let in_default = rows(&format!("SELECT 1 FROM team_members tm JOIN teams t ON t.id = tm.team_id WHERE tm.user_id = '{id}' AND t.is_default = 1"))?;
    eq(in_default.len(), 1, "joined the merchant's default team")?;
    let (r, _) = sign_in("new.agent@example.cn", STAFF_PASSWORD)?;
    eq((r.status, r.code()), (401, "invalid_credentials"), "no sign-in before setup")?;

    let r = invite(&w.platform, "new.agent@example.cn", &merchant_scope(&w.merchant_b), "agent")?;
    eq((r.status, r.code()), (409, "email_taken"), "the same address again")?;
    let r = invite(&w.platform, "not-an-address", &merchant_scope(&w.merchant_a), "agent")?;
    eq((r.status, r.code()), (400, "invalid_email"), "a bad address")?;
    let r = invite(&w.platform, "x@example.cn", &json!({"kind": "merchant", "merchant": "00000000-0000-4000-8000-000000000000"}), "agent")?;
    eq((r.status, r.code()), (404, "not_found"), "an unknown merchant")?;
    let r = invite(&w.platform, "x@example.cn", &merchant_scope(&w.merchant_a), "owner")?;
    eq((r.status, r.code()), (400, "invalid_json"), "an unknown role")?;
    let r = post_json(
        "/v1/invitations",
        &json!({"email": "x@example.cn", "display_name": "x", "scope": merchant_scope(&w.merchant_a), "role": "agent"}),
        &[("Cookie", w.platform.as_str()), ("Origin", OTHER_ORIGIN)],
    )?;
    eq((r.status, r.code()), (403, "cross_origin"), "cross-origin invitation")?;

    let r = post_json("/v1/auth/setup", &json!({"token": token, "password": NEW_PASSWORD}), &[("Origin", OTHER_ORIGIN)])?;
    eq((r.status, r.code()), (403, "cross_origin"), "cross-origin setup")?;
    let (r, _) = set_up(&token, "short")?;
    eq((r.status, r.code()), (400, "invalid_password"), "a short password (the token stays usable)")?;
    let (r, cookie) = set_up(&token, NEW_PASSWORD)?;
    eq((r.status, r.body["user"]["id"].as_str()), (200, Some(id.as_str())), &format!("setup ({})", r.raw))?;
    eq(r.body["memberships"].clone(), json!([{"scope": merchant_scope(&w.merchant_a), "role": "agent"}]), "answers like login")?;
    eq(
        r.body["merchants"].clone(),
        json!([{"id": w.merchant_a, "name": "老街小馆", "created_at": r.body["merchants"][0]["created_at"]}]),
        "names its merchant",
    )?;
    let cookie = cookie.ok_or("setup sets the session cookie")?;
    eq(me(Some(&cookie))?.status, 200, "signed in after setup")?;
    let (r, _) = set_up(&token, NEW_PASSWORD)?;
    eq((r.status, r.code()), (410, "setup_token_used"), "a second use")?;
    let (r, _) = set_up("no-such-token-0123456789", NEW_PASSWORD)?;
    eq((r.status, r.code()), (400, "invalid_setup_token"), "an unknown token")?;
    let (r, _) = sign_in("new.agent@example.cn", NEW_PASSWORD)?;
    eq(r.status, 200, "signs in with the password set")?;

    // An invitation older than 72 h no longer works.
    let r = invite(&w.a_admin.cookie, "late@example.cn", &merchant_scope(&w.merchant_a), "supervisor")?;
    eq(r.status, 201, &format!("invite by A's admin ({})", r.raw))?;
    let late = r.body["token"].as_str().unwrap_or_default().to_string();
    rows(&format!("UPDATE invitations SET expires_at = expires_at - 73 * 3600 WHERE token_hash = '{}'", sha256_hex(&late)))?;
    let (r, cookie) = set_up(&late, NEW_PASSWORD)?;
    eq((r.status, r.code(), cookie.is_none()), (410, "setup_token_expired", true), "an expired token")?;
    let r = staff_get("/v1/users", &w.a_admin.cookie)?;
    let late_user = r.body["users"].as_array().and_then(|a| a.iter().find(|u| u["email"] == "late@example.cn").cloned()).unwrap_or_default();
    eq(late_user["status"].as_str(), Some("invited"), "still invited in the list")?;

    // A new link for them: the old one stops working, the new one works once.
    let late_id = late_user["id"].as_str().unwrap_or_default().to_string();
    let r = staff_post(&format!("/v1/users/{late_id}/invitation"), &json!({}), &w.b_admin.cookie)?;
    eq((r.status, r.code()), (404, "not_found"), "B's admin re-invites A's user")?;
    let r = staff_post(&format!("/v1/users/{late_id}/invitation"), &json!({}), &w.a_agent.cookie)?;
    eq((r.status, r.code()), (403, "forbidden"), "A's agent re-invites")?;
    let r = staff_post(&format!("/v1/users/{late_id}/invitation"), &json!({}), &w.a_admin.cookie)?;
    eq(r.status, 201, &format!("re-invite ({})", r.raw))?;
    let fresh = r.body["token"].as_str().unwrap_or_default().to_string();
    let (r, _) = set_up(&late, NEW_PASSWORD)?;
    eq((r.status, r.code()), (400, "invalid_setup_token"), "the old link is withdrawn")?;
    let (r, cookie) = set_up(&fresh, NEW_PASSWORD)?;
    eq((r.status, cookie.is_some()), (200, true), "the new link works")?;
    let r = staff_post(&format!("/v1/users/{late_id}/invitation"), &json!({}), &w.a_admin.cookie)?;
    eq((r.status, r.code()), (409, "not_invited"), "nobody to re-invite once set up")
}

fn tenants_see_and_manage_only_their_own_people_and_teams() -> Result<(), Failed> {
    let w = world()?;
    let (a, b) = (merchant_scope(&w.merchant_a), merchant_scope(&w.merchant_b));
    let platform = json!({"kind": "platform"});
    // Invitations: who may invite into which scope.
    let cases: [(&str, &str, &Value, u16, &str); 7] = [
        ("A's admin", &w.a_admin.cookie, &b, 404, "not_found"),
        ("A's admin", &w.a_admin.cookie, &platform, 404, "not_found"),
        ("B's admin", &w.b_admin.cookie, &a, 404, "not_found"),
        ("A's agent", &w.a_agent.cookie, &a, 403, "forbidden"),
        ("A's agent", &w.a_agent.cookie, &b, 404, "not_found"),
        ("A's agent", &w.a_agent.cookie, &platform, 404, "not_found"),
        ("B's admin", &w.b_admin.cookie, &platform, 404, "not_found"),
    ];
    for (i, (who, cookie, scope, status, code)) in cases.iter().enumerate() {
        let r = invite(cookie, &format!("matrix{i}@example.cn"), scope, "agent")?;
        eq((r.status, r.code()), (*status, *code), &format!("{who} invites into {scope}"))?;
    }
    eq(rows("SELECT 1 FROM users WHERE email LIKE 'matrix%'")?.len(), 0, "refused invitations store nothing")?;
    let r = invite(&w.a_admin.cookie, "a.admin2@example.cn", &a, "admin")?;
    eq(r.status, 201, "A's admin invites another admin into A")?;
    let a_pending = r.body["user"]["id"].as_str().unwrap_or_default().to_string();

    // Staff lists.
    let list = |cookie: &str| -> Result<Vec<String>, Failed> {
        let r = staff_get("/v1/users", cookie)?;
        eq(r.status, 200, &format!("list users ({})", r.raw))?;
        Ok(emails(&r, "users"))
    };
    let seen_by_a = list(&w.a_admin.cookie)?;
    check(
        seen_by_a.contains(&"a.agent@example.cn".into()) && seen_by_a.contains(&"a.admin2@example.cn".into()),
        format!("A's admin sees A's staff: {seen_by_a:?}"),
    )?;
    check(!seen_by_a.iter().any(|e| e == "b.admin@example.cn" || e == "ops.admin@example.cn"), format!("and nobody else: {seen_by_a:?}"))?;
    let seen_by_b = list(&w.b_admin.cookie)?;
    check(!seen_by_b.iter().any(|e| e.starts_with("a.") || e == "ops.admin@example.cn"), format!("B's admin never sees A's staff: {seen_by_b:?}"))?;
    check(seen_by_b.contains(&"b.admin@example.cn".into()), "B's admin sees B's staff")?;
    let all = list(&w.platform)?;
    check(
        all.contains(&"a.agent@example.cn".into()) && all.contains(&"b.admin@example.cn".into()) && all.contains(&"ops.admin@example.cn".into()),
        "the platform sees all",
    )?;
    let r = staff_get("/v1/users", &w.a_agent.cookie)?;
    eq((r.status, r.code()), (403, "forbidden"), "agents list nobody")?;
    let r = staff_get("/v1/users", &w.a_admin.cookie)?;
    let a_agent_row = r.body["users"].as_array().and_then(|a| a.iter().find(|u| u["id"] == w.a_agent.id.as_str()).cloned()).unwrap_or_default();
    eq(a_agent_row["memberships"].clone(), json!([{"scope": a, "role": "agent"}]), "A's agent as A's admin sees them")?;

    // Deactivation across tenants and roles.
    let r = staff_post(&format!("/v1/users/{}/deactivate", w.a_agent.id), &json!({}), &w.b_admin.cookie)?;
    eq((r.status, r.code()), (404, "not_found"), "B's admin deactivates A's agent")?;
    let r = staff_post(&format!("/v1/users/{}/deactivate", w.a_admin.id), &json!({}), &w.a_agent.cookie)?;
    eq((r.status, r.code()), (403, "forbidden"), "A's agent deactivates A's admin")?;
    let r = staff_post(&format!("/v1/users/{}/deactivate", w.b_admin.id), &json!({}), &w.a_admin.cookie)?;
    eq((r.status, r.code()), (404, "not_found"), "A's admin deactivates B's admin")?;
    let r = staff_post("/v1/users/not-a-uuid/deactivate", &json!({}), &w.a_admin.cookie)?;
    eq((r.status, r.code()), (404, "not_found"), "a malformed id")?;
    eq(me(Some(&w.a_agent.cookie))?.status, 200, "A's agent still signed in")?;

    // Teams.
    let r = staff_post("/v1/teams", &json!({"merchant": w.merchant_a, "name": "客服部"}), &w.a_admin.cookie)?;
    eq(
        (r.status, r.body["team"]["name"].as_str(), r.body["team"]["is_default"].as_bool()),
        (201, Some("客服部"), Some(false)),
        &format!("A's team ({})", r.raw),
    )?;
    let team = r.body["team"]["id"].as_str().unwrap_or_default().to_string();
    let r = staff_post("/v1/teams", &json!({"merchant": w.merchant_a, "name": "客服部"}), &w.a_admin.cookie)?;
    eq((r.status, r.code()), (409, "team_name_taken"), "the same name twice")?;
    let r = staff_post("/v1/teams", &json!({"merchant": w.merchant_a, "name": "入侵部"}), &w.b_admin.cookie)?;
    eq((r.status, r.code()), (404, "not_found"), "B's admin makes a team in A")?;
    let r = staff_post("/v1/teams", &json!({"name": "平台部"}), &w.a_admin.cookie)?;
    eq((r.status, r.code()), (404, "not_found"), "A's admin makes a platform team")?;
    let r = staff_post("/v1/teams", &json!({"merchant": w.merchant_a, "name": "代理部"}), &w.a_agent.cookie)?;
    eq((r.status, r.code()), (403, "forbidden"), "A's agent makes a team")?;
    let r = post_json("/v1/teams", &json!({"merchant": w.merchant_a, "name": "跨站部"}), &[("Cookie", w.a_admin.cookie.as_str()), ("Origin", OTHER_ORIGIN)])?;
    eq((r.status, r.code()), (403, "cross_origin"), "cross-origin team")?;
    let r = staff_post("/v1/teams", &json!({"name": "工程部"}), &w.platform)?;
    eq((r.status, r.body["team"]["merchant"].clone()), (201, Value::Null), "a platform team")?;

    let teams = |cookie: &str| -> Result<Vec<Value>, Failed> {
        let r = staff_get("/v1/teams", cookie)?;
        eq(r.status, 200, "list teams")?;
        Ok(r.body["teams"].as_array().cloned().unwrap_or_default())
    };
    let of = |ts: &[Value], m: &str| ts.iter().filter(|t| t["merchant"] == m).count();
    let for_b = teams(&w.b_admin.cookie)?;
    eq((of(&for_b, &w.merchant_a), for_b.iter().all(|t| t["merchant"] == w.merchant_b.as_str())), (0, true), "B's admin sees B's teams only")?;
    let for_a = teams(&w.a_agent.cookie)?;
    let names: Vec<&str> = for_a.iter().filter_map(|t| t["name"].as_str()).collect();
    eq(names, vec!["默认团队", "客服部"], "A's staff see A's teams, default first")?;
    let for_platform = teams(&w.platform)?;
    check(for_platform.iter().any(|t| t["name"] == "工程部") && of(&for_platform, &w.merchant_b) >= 1, "the platform sees all teams")?;

    // Members.
    let members = |r: &Reply| -> Vec<String> {
        r.body["team"]["members"].as_array().map(|a| a.iter().filter_map(|u| u["email"].as_str().map(String::from)).collect()).unwrap_or_default()
    };
    let path = format!("/v1/teams/{team}/members");
    let r = staff_post(&path, &json!({"user_id": w.a_agent.id}), &w.a_admin.cookie)?;
    eq((r.status, members(&r)), (200, vec!["a.agent@example.cn".to_string()]), &format!("A's admin adds A's agent ({})", r.raw))?;
    let r = staff_post(&path, &json!({"user_id": w.a_agent.id}), &w.a_admin.cookie)?;
    eq((r.status, members(&r).len()), (200, 1), "adding again changes nothing")?;
    let r = staff_post(&path, &json!({"user_id": w.b_admin.id}), &w.a_admin.cookie)?;
    eq((r.status, r.code()), (404, "not_found"), "B's admin into A's team")?;
    let r = staff_post(&path, &json!({"user_id": w.b_admin.id}), &w.b_admin.cookie)?;
    eq((r.status, r.code()), (404, "not_found"), "B's admin adds to A's team")?;
    let r = staff_post(&path, &json!({"user_id": a_pending}), &w.a_agent.cookie)?;
    eq((r.status, r.code()), (403, "forbidden"), "A's agent adds to A's team")?;
    let r = staff_delete(&format!("{path}/{}", w.a_agent.id), &w.b_admin.cookie)?;
    eq((r.status, r.code()), (404, "not_found"), "B's admin removes from A's team")?;
    let r = staff_post("/v1/teams/00000000-0000-4000-8000-000000000000/members", &json!({"user_id": w.a_agent.id}), &w.a_admin.cookie)?;
    eq((r.status, r.code()), (404, "not_found"), "an unknown team")?;
    let r = reply(
        ctx().agent.delete(format!("{}{path}/{}", ctx().base, w.a_agent.id)).header("Cookie", w.a_admin.cookie.as_str()).header("Origin", OTHER_ORIGIN).call(),
    )?;
    eq((r.status, r.code()), (403, "cross_origin"), "cross-origin removal")?;
    let r = staff_delete(&format!("{path}/{}", w.a_agent.id), &w.a_admin.cookie)?;
    eq((r.status, members(&r)), (200, Vec::<String>::new()), "A's admin removes A's agent")
}

fn site_keys(cookie: &str) -> Result<Vec<String>, Failed> {
    let r = staff_get("/v1/sites", cookie)?;
    eq(r.status, 200, &format!("GET /v1/sites ({})", r.raw))?;
    Ok(r.body["sites"].as_array().map(|a| a.iter().filter_map(|s| s["site"].as_str().map(String::from)).collect()).unwrap_or_default())
}

fn sites_are_listed_per_tenant() -> Result<(), Failed> {
    let w = world()?;
    let put = |key: &str, by: &str, merchant: &str| -> Result<(), Failed> {
        let origin = own_origin();
        let body = json!({"merchant_name": key, "allowed_origins": ["https://shop.example.cn"], "merchant": merchant});
        let r = reply(
            ctx()
                .agent
                .put(format!("{}/v1/admin/sites/{key}", ctx().base))
                .header("Cookie", by)
                .header("Origin", origin.as_str())
                .header("Content-Type", "application/json")
                .send(body.to_string().as_bytes()),
        )?;
        eq(r.status, 200, &format!("create site {key} ({})", r.raw))
    };
    put("site-of-a", &w.a_admin.cookie, &w.merchant_a)?;
    put("site-of-b", &w.b_admin.cookie, &w.merchant_b)?;
    let (a, a_agent, b, platform) = (site_keys(&w.a_admin.cookie)?, site_keys(&w.a_agent.cookie)?, site_keys(&w.b_admin.cookie)?, site_keys(&w.platform)?);
    check(a.contains(&"site-of-a".to_string()) && !a.contains(&"site-of-b".to_string()), format!("A's admin sees A's sites only: {a:?}"))?;
    eq(&a_agent, &a, "A's agent sees the same sites")?;
    check(b.contains(&"site-of-b".to_string()) && !b.contains(&"site-of-a".to_string()), format!("B sees B's only: {b:?}"))?;
    check(!a.contains(&"demo".to_string()), "the platform's own sites are not a merchant's")?;
    check(platform.contains(&"site-of-a".to_string()) && platform.contains(&"site-of-b".to_string()), "the platform sees every site")?;
    let r = staff_get("/v1/sites", "__Host-qt_session=nope")?;
    eq((r.status, r.code()), (401, "sign_in_required"), "signed out")?;
    let r = staff_get("/v1/admin/sites/site-of-a", &w.b_admin.cookie)?;
    eq((r.status, r.code()), (404, "not_found"), "B's admin cannot open A's site")
}

fn deactivation_ends_sessions_at_once() -> Result<(), Failed> {
    let w = world()?;
    let x = join(&w.a_admin.cookie, "leaver@example.cn", &merchant_scope(&w.merchant_a), "agent")?;
    let (_, second) = sign_in(&x.email, STAFF_PASSWORD)?;
    let second = second.ok_or("second session")?;
    eq((me(Some(&x.cookie))?.status, me(Some(&second))?.status), (200, 200), "two sessions")?;
    let path = format!("/v1/users/{}/deactivate", x.id);
    let r = post_json(&path, &json!({}), &[("Cookie", w.a_admin.cookie.as_str()), ("Origin", OTHER_ORIGIN)])?;
    eq((r.status, r.code()), (403, "cross_origin"), "cross-origin deactivation")?;
    eq(me(Some(&x.cookie))?.status, 200, "not deactivated by it")?;
    let r = staff_post(&path, &json!({}), &w.a_admin.cookie)?;
    eq((r.status, r.body["user"]["status"].as_str()), (200, Some("deactivated")), &format!("deactivated ({})", r.raw))?;
    eq((me(Some(&x.cookie))?.status, me(Some(&second))?.status), (401, 401), "every session ends at once")?;
    let r = staff_get("/v1/teams", &x.cookie)?;
    eq((r.status, r.code()), (401, "sign_in_required"), "the next request of any kind")?;
    eq(rows(&format!("SELECT 1 FROM sessions WHERE user_id = '{}'", x.id))?.len(), 0, "sessions deleted")?;
    eq(rows(&format!("SELECT active FROM users WHERE id = '{}'", x.id))?, vec![json!({"active": 0})], "active = 0")?;
    let (r, _) = sign_in(&x.email, STAFF_PASSWORD)?;
    eq((r.status, r.code()), (401, "invalid_credentials"), "cannot sign in again")?;

    let r = staff_post(&format!("/v1/users/{}/deactivate", w.a_admin.id), &json!({}), &w.a_admin.cookie)?;
    eq((r.status, r.code()), (409, "cannot_deactivate_self"), "not oneself")?;

    // A pending invitation dies with its user.
    let r = invite(&w.a_admin.cookie, "never.started@example.cn", &merchant_scope(&w.merchant_a), "agent")?;
    let (token, id) = (r.body["token"].as_str().unwrap_or_default().to_string(), r.body["user"]["id"].as_str().unwrap_or_default().to_string());
    let r = staff_post(&format!("/v1/users/{id}/deactivate"), &json!({}), &w.a_admin.cookie)?;
    eq(r.status, 200, "deactivate an invited user")?;
    let (r, _) = set_up(&token, NEW_PASSWORD)?;
    eq((r.status, r.code()), (400, "invalid_setup_token"), "their link no longer works")
}

fn changing_the_password_ends_other_sessions() -> Result<(), Failed> {
    let w = world()?;
    let p = join(&w.b_admin.cookie, "changer@example.cn", &merchant_scope(&w.merchant_b), "supervisor")?;
    let (_, other) = sign_in(&p.email, STAFF_PASSWORD)?;
    let other = other.ok_or("second session")?;
    let change = |current: &str, new: &str| staff_post("/v1/auth/password", &json!({"current": current, "new": new}), &p.cookie);
    let r = change("not my password at all", NEW_PASSWORD)?;
    eq((r.status, r.code()), (403, "wrong_password"), "a wrong current password")?;
    let r = change(STAFF_PASSWORD, "short")?;
    eq((r.status, r.code()), (400, "invalid_password"), "a short new password")?;
    let r =
        post_json("/v1/auth/password", &json!({"current": STAFF_PASSWORD, "new": NEW_PASSWORD}), &[("Cookie", p.cookie.as_str()), ("Origin", OTHER_ORIGIN)])?;
    eq((r.status, r.code()), (403, "cross_origin"), "cross-origin change")?;
    let r = post_json("/v1/auth/password", &json!({"current": STAFF_PASSWORD, "new": NEW_PASSWORD}), &[])?;
    eq((r.status, r.code()), (401, "sign_in_required"), "without a session")?;
    eq(me(Some(&other))?.status, 200, "nothing changed yet")?;
    let r = change(STAFF_PASSWORD, NEW_PASSWORD)?;
    eq(r.status, 200, &format!("changed ({})", r.raw))?;
    eq((me(Some(&p.cookie))?.status, me(Some(&other))?.status), (200, 401), "this session stays, the other ends")?;
    let (r, _) = sign_in(&p.email, STAFF_PASSWORD)?;
    eq(r.status, 401, "the old password no longer works")?;
    let (r, _) = sign_in(&p.email, NEW_PASSWORD)?;
    eq(r.status, 200, "the new one does")
}

/// Runs after the sign-in test (it throttles that account for 15 minutes).
fn failed_sign_ins_are_throttled() -> Result<(), Failed> {
    for i in 0..5 {
        let (r, _) = sign_in(STAFF_EMAIL, &format!("guess number {i} wrong"))?;
        eq((r.status, r.code()), (401, "invalid_credentials"), &format!("guess {i}"))?;
    }
    // Now even the right password is refused until the window ends, and the answer says when.
    let (r, cookie) = sign_in(STAFF_EMAIL, STAFF_PASSWORD)?;
    eq((r.status, r.code(), cookie.is_none()), (429, "too_many_attempts", true), "throttled")?;
    let wait = r.header("Retry-After").and_then(|v| v.parse::<u32>().ok()).unwrap_or(0);
    check((1..=900).contains(&wait), format!("Retry-After {wait}"))?;
    let (r, _) = sign_in("Someone.Else@example.cn", STAFF_PASSWORD)?;
    eq((r.status, r.code()), (401, "invalid_credentials"), "other accounts are not locked by it")
}

fn main() {
    let mut args = Arguments::from_args();
    args.test_threads = Some(1);
    type Test = fn() -> Result<(), Failed>;
    let tests: Vec<(&str, Test)> = vec![
        // First: it creates the bootstrap admin and checks that only one exists.
        ("staff_sign_in_sessions_and_logout", staff_sign_in_sessions_and_logout),
        ("happy_path_stores_a_classified_masked_row", happy_path_stores_a_classified_masked_row),
        ("idempotent_retry_answers_the_same_ticket", idempotent_retry_answers_the_same_ticket),
        ("concurrent_retries_store_one_row", concurrent_retries_store_one_row),
        ("reused_key_with_other_content_is_a_conflict", reused_key_with_other_content_is_a_conflict),
        ("every_validation_error_is_clear_and_stores_nothing", every_validation_error_is_clear_and_stores_nothing),
        ("customer_view_needs_the_access_token", customer_view_needs_the_access_token),
        ("cors_lets_merchant_pages_read_answers", cors_lets_merchant_pages_read_answers),
        ("widget_files_are_served_for_other_origins", widget_files_are_served_for_other_origins),
        ("api_answers_are_nosniff_and_vary_by_origin", api_answers_are_nosniff_and_vary_by_origin),
        ("unknown_routes_and_methods_answer_json", unknown_routes_and_methods_answer_json),
        ("faq_pack_is_served_per_site_and_language", faq_pack_is_served_per_site_and_language),
        ("deflection_events_are_counted_per_site_entry_and_day", deflection_events_are_counted_per_site_entry_and_day),
        ("faq_type_complaint_is_auto_replied_and_reopening_forwards_it", faq_type_complaint_is_auto_replied_and_reopening_forwards_it),
        ("late_delivery_is_acknowledged_and_forwarded_in_every_format", late_delivery_is_acknowledged_and_forwarded_in_every_format),
        ("flaky_receiver_ends_with_exactly_one_verified_delivery", flaky_receiver_ends_with_exactly_one_verified_delivery),
        ("always_failing_receiver_ends_in_the_dead_letter_queue", always_failing_receiver_ends_in_the_dead_letter_queue),
        ("dead_letters_alert_and_are_redriven", dead_letters_alert_and_are_redriven),
        ("intake_is_rate_limited_per_client_and_site", intake_is_rate_limited_per_client_and_site),
        ("secrets_and_contacts_are_sealed_at_rest", secrets_and_contacts_are_sealed_at_rest),
        ("a_site_over_its_daily_quota_is_refused_and_the_platform_told", a_site_over_its_daily_quota_is_refused_and_the_platform_told),
        ("merchant_configuration_is_validated_and_applied", merchant_configuration_is_validated_and_applied),
        ("cron_sweep_requeues_a_lost_forwarding", cron_sweep_requeues_a_lost_forwarding),
        ("bodies_are_capped_without_content_length", bodies_are_capped_without_content_length),
        ("malformed_query_strings_are_invalid_query", malformed_query_strings_are_invalid_query),
        ("merchants_are_created_by_platform_admins_and_seen_by_their_own", merchants_are_created_by_platform_admins_and_seen_by_their_own),
        ("invitations_are_single_use_and_expire", invitations_are_single_use_and_expire),
        ("tenants_see_and_manage_only_their_own_people_and_teams", tenants_see_and_manage_only_their_own_people_and_teams),
        ("sites_are_listed_per_tenant", sites_are_listed_per_tenant),
        ("deactivation_ends_sessions_at_once", deactivation_ends_sessions_at_once),
        ("changing_the_password_ends_other_sessions", changing_the_password_ends_other_sessions),
        ("tickets_are_worked_with_versions_and_events", tickets::tickets_are_worked_with_versions_and_events),
        ("merchants_see_and_work_only_their_own_tickets", tickets::merchants_see_and_work_only_their_own_tickets),
        ("inbox_counts_bulk_and_canned_replies", tickets::inbox_counts_bulk_and_canned_replies),
        ("inbox_is_sorted_and_paged_in_every_order", tickets::inbox_is_sorted_and_paged_in_every_order),
        ("wave_one_rows_are_carried_over", tickets::wave_one_rows_are_carried_over),
        // Late: its sweep escalates every ticket whose merchant window has passed by then.
        ("a_missed_merchant_window_hands_the_ticket_to_the_platform", tickets::a_missed_merchant_window_hands_the_ticket_to_the_platform),
        // Late too: its sweeps run up to half an hour ahead of the clock.
        ("sla_clocks_warn_breach_and_escalate_exactly_once", sla::sla_clocks_warn_breach_and_escalate_exactly_once),
        ("not_solved_and_urges_bring_the_platform_in", sla::not_solved_and_urges_bring_the_platform_in),
        ("the_customer_space_is_token_scoped_rated_once_and_alerts_once", customer::the_customer_space_is_token_scoped_rated_once_and_alerts_once),
        ("the_panel_frame_is_framed_only_by_the_sites_origins", customer::the_panel_frame_is_framed_only_by_the_sites_origins),
        ("hourly_counts_stay_exact_under_concurrent_intake_and_changes", analytics::hourly_counts_stay_exact_under_concurrent_intake_and_changes),
        ("analytics_are_tenant_scoped_validated_and_exported_safely", analytics::analytics_are_tenant_scoped_validated_and_exported_safely),
        ("spike_alerts_are_raised_once_shown_to_their_merchant_and_sent", analytics::spike_alerts_are_raised_once_shown_to_their_merchant_and_sent),
        // After A's other tickets: A's rules route every later ticket of A.
        ("routing_rules_route_and_assignment_balances_the_team", routing::routing_rules_route_and_assignment_balances_the_team),
        // Last of A's: it gives merchant A two days of holidays.
        ("notices_reach_channels_in_business_hours", routing::notices_reach_channels_in_business_hours),
        ("failed_sign_ins_are_throttled", failed_sign_ins_are_throttled),
        // Last: checks the analytics counts against everything the others wrote.
        ("counts_are_exact_after_every_other_test", analytics::counts_are_exact_after_every_other_test),
    ];
    let trials: Vec<Trial> = tests.into_iter().map(|(name, f)| Trial::test(name, f)).collect();
    if args.list {
        libtest_mimic::run(&args, trials).exit();
    }
    let receiver = match Receiver::start() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the mock webhook receiver: {e}");
            std::process::exit(1);
        }
    };
    let vars = [
        ("ADMIN_TOKEN", ADMIN_TOKEN),
        ("PASSWORD_PEPPER", "local-pepper-0123456789abcdef"),
        ("ALLOW_HTTP_DESTINATIONS", "1"),
        // Fast backoff (1 s doubling to 2 s) so retries and the dead-letter queue fit in a test.
        ("FORWARD_RETRY_BASE_SECONDS", "1"),
        ("FORWARD_RETRY_MAX_SECONDS", "2"),
    ];
    let server = match DevServer::start(Options {
        sites: vec![SiteSeed { key: "demo".into(), merchant_name: "测试商家".into(), origins: vec![ORIGIN.into()] }],
        vars: vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        ..Options::default()
    }) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot start the local worker: {e}");
            std::process::exit(1);
        }
    };
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let _ = CTX.set(Ctx { base: server.base_url.clone(), persist: server.persist_to.clone(), agent, receiver });
    let conclusion = libtest_mimic::run(&args, trials);
    if conclusion.has_failed() {
        eprintln!("--- wrangler dev log (last lines) ---\n{}", server.log_tail());
    }
    drop(server);
    conclusion.exit();
}
