//! The customer's space against local workerd: every customer action is scoped by the ticket's
//! token; 我的投诉's status list; 补充信息 (masked, idempotent, waiting → open); the 催单 limit;
//! the rating's rules (only when offered, once, not after close) and the 预警工单 a low score opens
//! exactly once, for the supervisor, finished only after a follow-up; `csat.submitted` signed to
//! the merchant's webhook; 未解决 after the window opens one linked ticket; the panel frame's CSP.

use libtest_mimic::Failed;
use serde_json::{Value, json};

use super::{Created, Reply, check, ctx, eq, expect_created, get, post_json, rows, submit};

fn customer(c: &Created, action: &str, body: &Value, key: Option<&str>) -> Result<Reply, Failed> {
    let auth = format!("Bearer {}", c.token);
    let mut headers = vec![("Authorization", auth.as_str())];
    if let Some(k) = key {
        headers.push(("Idempotency-Key", k));
    }
    post_json(&format!("/v1/complaints/{}/{action}", c.id), body, &headers)
}

fn version(cookie: &str, id: &str) -> Result<u64, Failed> {
    Ok(get(&format!("/v1/tickets/{id}"), &[("Cookie", cookie)])?.body["version"].as_u64().unwrap_or(0))
}

fn staff(cookie: &str, id: &str, action: &str, body: &Value) -> Result<Reply, Failed> {
    super::tickets::act_as(cookie, id, action, version(cookie, id)?, body)
}

fn alerts_of(id: &str) -> Result<Vec<Value>, Failed> {
    rows(&format!("SELECT id, status, assignee_id, holder, priority, sla_first_minutes FROM complaints WHERE kind = 'alert' AND linked_id = '{id}'"))
}

pub fn the_customer_space_is_token_scoped_rated_once_and_alerts_once() -> Result<(), Failed> {
    let w = super::world()?;
    let rx = &ctx().receiver;
    let secret = "csat-webhook-secret-0123456789";
    super::site_with("space-b", json!([{"id": "hook", "kind": "webhook", "url": rx.url("/ok-csat"), "secret": secret}]))?;
    rows(&format!("UPDATE sites SET merchant_id = '{}' WHERE key = 'space-b'", w.merchant_b))?;
    let supervisor = super::join(&w.b_admin.cookie, "b.supervisor@example.cn", &super::merchant_scope(&w.merchant_b), "supervisor")?;
    let new = |text: &str, key: &str| -> Result<Created, Failed> { expect_created(&super::submit(&json!({"site": "space-b", "text": text}), key)?, "submit") };
    let a = new("菜的分量太少了，商家态度还很差 SPACE-1", "space-b-000001")?;
    let other = new("骑手把汤洒了一半 SPACE-2", "space-b-000002")?;

    // Every customer action needs this ticket's own token.
    let stolen = Created { id: a.id.clone(), token: other.token.clone() };
    let r = get(&format!("/v1/complaints/{}", a.id), &[("Authorization", &format!("Bearer {}", other.token))])?;
    eq((r.status, r.code()), (401, "unauthorized"), "the view with another ticket's token")?;
    for action in ["messages", "urge", "reopen", "solved", "rating"] {
        let r = customer(&stolen, action, &json!({"text": "x", "score": 1}), Some("space-key-0000001"))?;
        eq((r.status, r.code()), (401, "unauthorized"), &format!("{action} with another ticket's token"))?;
        let r = post_json(&format!("/v1/complaints/{}/{action}", a.id), &json!({}), &[])?;
        eq((r.status, r.code()), (401, "unauthorized"), &format!("{action} without a token"))?;
    }

    // 我的投诉: tickets whose token matches, newest first; a wrong token is left out, not an error.
    let list = json!({"tickets": [{"id": a.id, "token": a.token}, {"id": other.id, "token": other.token}, {"id": a.id, "token": "forged"}]});
    let r = post_json("/v1/complaints/status", &list, &[])?;
    eq(r.status, 200, &format!("status ({})", r.raw))?;
    let ids: Vec<_> = r.body["tickets"].as_array().map(|a| a.iter().filter_map(|t| t["id"].as_str()).collect()).unwrap_or_default();
    eq(ids, vec![other.id.as_str(), a.id.as_str()], "both, newest first, once")?;
    eq(r.body["tickets"][1]["holder"].as_str(), Some("merchant"), "who holds it")?;
    check(r.body["tickets"][1]["promised_at"].as_str().is_some(), "the promised time")?;
    let many: Vec<Value> = (0..51).map(|_| json!({"id": a.id, "token": a.token})).collect();
    let r = post_json("/v1/complaints/status", &json!({ "tickets": many }), &[])?;
    eq((r.status, r.code()), (400, "invalid_action"), "at most 50 per request")?;

    // 补充信息: masked, once per key, and a ticket waiting for the customer opens again.
    let r = staff(&w.b_admin.cookie, &a.id, "reply", &json!({"text": "请提供订单截图", "wait": true}))?;
    eq(r.body["status"].as_str(), Some("waiting_customer"), "the merchant asks")?;
    let r = customer(&a, "messages", &json!({}), Some("space-msg-000001"))?;
    eq((r.status, r.code()), (400, "text_empty"), "a message needs text")?;
    let r = customer(&a, "messages", &json!({"text": "截图发不了，电话13812345678联系我"}), None)?;
    eq((r.status, r.code()), (400, "missing_idempotency_key"), "and an idempotency key")?;
    for attempt in 0..2 {
        let r = customer(&a, "messages", &json!({"text": "截图发不了，电话13812345678联系我"}), Some("space-msg-000001"))?;
        eq((r.status, r.body["status"].as_str()), (200, Some("open")), &format!("补充信息, attempt {attempt} ({})", r.raw))?;
    }
    let events = rows(&format!("SELECT payload FROM ticket_events WHERE ticket_id = '{}' AND kind = 'customer_messaged'", a.id))?;
    eq(events.len(), 1, "a retry adds nothing")?;
    let payload = events[0]["payload"].as_str().unwrap_or_default();
    check(payload.contains("138****5678") && !payload.contains("13812345678"), format!("masked: {payload}"))?;
    let console = get(&format!("/v1/tickets/{}", a.id), &[("Cookie", w.b_admin.cookie.as_str())])?;
    check(console.body["events"].as_array().is_some_and(|e| e.iter().any(|e| e["kind"] == "customer_messaged")), "staff see it")?;
    let view = get(&format!("/v1/complaints/{}", a.id), &[("Authorization", &format!("Bearer {}", a.token))])?;
    let kinds: Vec<_> = view.body["timeline"].as_array().map(|t| t.iter().filter_map(|e| e["kind"].as_str()).collect()).unwrap_or_default();
    eq(kinds, vec!["created", "customer_messaged"], "the public timeline (no internal changes)")?;

    // 催单: once per the policy's interval, politely refused in between.
    let r = customer(&a, "urge", &json!({}), None)?;
    eq((r.status, r.body["urge_wait"].as_u64().is_some_and(|s| s > 0)), (200, true), &format!("urged ({})", r.raw))?;
    let r = customer(&a, "urge", &json!({}), None)?;
    eq((r.status, r.code()), (429, "urge_too_soon"), "a second one too soon")?;
    check(r.header("Retry-After").and_then(|v| v.parse::<u32>().ok()).is_some_and(|s| s > 0 && s <= 3600), "with Retry-After")?;

    // Rating: not before resolution; then once (a retry of the same answer is fine).
    let r = customer(&a, "rating", &json!({"score": 1}), None)?;
    eq((r.status, r.code()), (409, "not_ratable"), "nothing to rate yet")?;
    staff(&w.b_admin.cookie, &a.id, "resolve", &json!({}))?;
    let credited = rows(&format!("SELECT credited_id FROM csat WHERE ticket_id = '{}'", a.id))?;
    eq(credited[0]["credited_id"].as_str(), Some(w.b_admin.id.as_str()), "the survey credits who resolved it")?;
    let r = customer(&a, "rating", &json!({"score": 6}), None)?;
    eq((r.status, r.code()), (400, "invalid_rating"), "a score is 1–5")?;
    let rating = json!({"score": 1, "reason": "attitude", "comment": "态度太差了，电话13912345678"});
    // Three at once: one answer, one alert.
    let answers: Vec<Reply> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..3).map(|_| s.spawn(|| customer(&a, "rating", &rating, None))).collect();
        hs.into_iter().map(|h| h.join().map_err(|_| Failed::from("rating thread"))?).collect::<Result<_, Failed>>()
    })?;
    for r in &answers {
        eq((r.status, r.body["survey"]["score"].as_u64()), (200, Some(1)), &format!("rated ({})", r.raw))?;
    }
    let r = customer(&a, "rating", &json!({"score": 5}), None)?;
    eq((r.status, r.code()), (409, "already_rated"), "a different answer later")?;
    let stored = rows(&format!("SELECT score, reason, comment FROM csat WHERE ticket_id = '{}'", a.id))?;
    eq(stored[0]["comment"].as_str(), Some("态度太差了，电话139****5678"), "the comment is masked")?;

    // The 预警工单: one, for the supervisor, P2 on a short clock, the merchant's.
    let alerts = alerts_of(&a.id)?;
    eq(alerts.len(), 1, "exactly one alert ticket")?;
    let alert = &alerts[0];
    eq(
        (alert["status"].as_str(), alert["holder"].as_str(), alert["priority"].as_str(), alert["sla_first_minutes"].as_i64()),
        (Some("new"), Some("merchant"), Some("P2"), Some(30)),
        "the alert",
    )?;
    // A supervisor of merchant B (other tests may have made B's supervisors before this one).
    let assignee = alert["assignee_id"].as_str().unwrap_or_default().to_string();
    let role = rows(&format!("SELECT role FROM memberships WHERE user_id = '{assignee}' AND merchant_id = '{}'", w.merchant_b))?;
    eq(role.first().and_then(|r| r["role"].as_str()), Some("supervisor"), "assigned to a supervisor of the merchant")?;
    let alert_id = alert["id"].as_str().unwrap_or_default().to_string();
    let n = rows(&format!("SELECT COUNT(*) AS n FROM notifications WHERE user_id = '{assignee}' AND ticket_id = '{alert_id}'"))?;
    eq(n[0]["n"].as_i64(), Some(1), "the supervisor is told")?;
    // Any supervisor of B sees it in the console, with its original.
    let seen = get(&format!("/v1/tickets/{alert_id}"), &[("Cookie", supervisor.cookie.as_str())])?;
    eq((seen.body["kind"].as_str(), seen.body["linked"]["id"].as_str()), (Some("alert"), Some(a.id.as_str())), "in the supervisor's view")?;
    let r = staff(&supervisor.cookie, &alert_id, "resolve", &json!({}))?;
    eq((r.status, r.code()), (409, "followup_required"), "not finished without a follow-up")?;
    staff(&supervisor.cookie, &alert_id, "note", &json!({"text": "已电话回访，客户接受补偿"}))?;
    let r = staff(&supervisor.cookie, &alert_id, "resolve", &json!({}))?;
    eq((r.status, r.body["status"].as_str()), (200, Some("resolved")), "finished after the 回访")?;
    eq(rows(&format!("SELECT COUNT(*) AS n FROM csat WHERE ticket_id = '{alert_id}'"))?[0]["n"].as_i64(), Some(0), "no survey on an alert")?;
    let r = get(&format!("/v1/complaints/{alert_id}"), &[("Authorization", &format!("Bearer {}", a.token))])?;
    eq(r.status, 401, "the customer cannot open the alert")?;

    // csat.submitted, signed, to the merchant's webhook.
    let hooks = super::wait_for(std::time::Duration::from_secs(20), || {
        let got = rx.requests("/ok-csat").into_iter().filter(|q| q.text().contains("csat.submitted")).collect::<Vec<_>>();
        (!got.is_empty()).then_some(got)
    })
    .ok_or("no csat.submitted reached the webhook")?;
    let body: Value = serde_json::from_str(&hooks[0].text()).map_err(|e| format!("csat body: {e}"))?;
    eq((body["score"].as_u64(), body["reason"].as_str()), (Some(1), Some("attitude")), "the event")?;
    let signature = hooks[0].header("Qingting-Signature").unwrap_or_default().to_string();
    check(signature.starts_with("t="), format!("signed: {signature}"))?;

    // A closed ticket's survey takes no answer.
    staff(&w.b_admin.cookie, &other.id, "resolve", &json!({}))?;
    staff(&w.b_admin.cookie, &other.id, "close", &json!({}))?;
    let r = customer(&other, "rating", &json!({"score": 4}), None)?;
    eq((r.status, r.code()), (409, "not_ratable"), "closed")?;

    // 未解决 after the reopen window: one new linked ticket, however often it is said.
    rows(&format!("UPDATE ticket_events SET at = '2000-01-01T00:00:00Z' WHERE ticket_id = '{}' AND kind = 'resolved'", a.id))?;
    let first = customer(&a, "reopen", &json!({}), None)?;
    let again = customer(&a, "reopen", &json!({}), None)?;
    eq((first.status, again.status), (200, 200), &format!("未解决 after the window ({})", first.raw))?;
    let follow = first.body["follow_up"]["id"].as_str().unwrap_or_default().to_string();
    check(!follow.is_empty(), format!("a follow-up ticket: {}", first.raw))?;
    eq(again.body["follow_up"]["id"].as_str(), Some(follow.as_str()), "the same one again")?;
    eq(first.body["status"].as_str(), Some("resolved"), "the original stays resolved")?;
    let linked = rows(&format!("SELECT status, text FROM complaints WHERE linked_id = '{}' AND kind = 'complaint'", a.id))?;
    eq(linked.len(), 1, "one linked ticket")?;
    let token = first.body["follow_up"]["access_token"].as_str().unwrap_or_default();
    let r = get(&format!("/v1/complaints/{follow}"), &[("Authorization", &format!("Bearer {token}"))])?;
    eq((r.status, r.body["status"].as_str()), (200, Some("new")), "the customer can follow it with its own token")?;

    // An automatic answer the customer confirms is rated too; one never confirmed is not.
    let auto = expect_created(&submit(&json!({"site": "space-b", "text": "退款一般几天到账啊 SPACE-AUTO"}), "space-b-000003")?, "auto")?;
    let r = customer(&auto, "rating", &json!({"score": 5}), None)?;
    eq((r.status, r.code()), (409, "not_ratable"), "not confirmed yet")?;
    let r = customer(&auto, "solved", &json!({}), None)?;
    eq((r.status, r.body["confirmed"].as_bool(), r.body["survey"]["open"].as_bool()), (200, Some(true), Some(true)), &format!("已解决 ({})", r.raw))?;
    let r = customer(&auto, "rating", &json!({"score": 5}), None)?;
    eq((r.status, r.body["survey"]["score"].as_u64()), (200, Some(5)), "rated")?;
    eq(alerts_of(&auto.id)?.len(), 0, "a happy customer opens no alert")
}

/// The panel's frame: one document for every site, framed only by the site's own origins.
pub fn the_panel_frame_is_framed_only_by_the_sites_origins() -> Result<(), Failed> {
    let r = get("/widget/panel?site=demo&lang=zh-CN", &[])?;
    eq(r.status, 200, "the frame")?;
    let csp = r.header("Content-Security-Policy").unwrap_or_default().to_string();
    check(csp.contains("frame-ancestors ") && csp.contains(super::ORIGIN), format!("framed by the site's origins: {csp}"))?;
    check(csp.contains("script-src 'self' 'wasm-unsafe-eval'") && !csp.contains("unsafe-inline"), format!("no inline code: {csp}"))?;
    check(r.raw.contains("/widget/panel.js") && !r.raw.contains("<style"), "scripts and styles are files")?;
    let r = get("/widget/panel?site=no-such-site", &[])?;
    eq((r.status, r.code()), (404, "unknown_site"), "an unknown site has no frame")
}
