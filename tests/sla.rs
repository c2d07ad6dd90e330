//! SLA against local workerd: policies and calendars per merchant, clocks set at intake, warnings
//! and breaches recorded exactly once across repeated and overlapping cron runs at moved times
//! (`/__dev/scheduled?time=`, the development-only override, runs the cron's sweeps at that time),
//! the merchant's miss handed to the platform and counted against it, P1 at the platform at once.

use libtest_mimic::Failed;
use serde_json::{Value, json};

use super::{Reply, check, ctx, eq, get, own_origin, reply, rows};

fn put(cookie: &str, path: &str, body: &Value) -> Result<Reply, Failed> {
    let origin = own_origin();
    reply(
        ctx()
            .agent
            .put(format!("{}{path}", ctx().base))
            .header("Cookie", cookie)
            .header("Origin", origin.as_str())
            .header("Content-Type", "application/json")
            .send(body.to_string().as_bytes()),
    )
}

/// Milliseconds since the epoch of a stored time column of ticket `id`.
fn ms(id: &str, column: &str) -> Result<i64, Failed> {
    let r = rows(&format!("SELECT CAST(strftime('%s', {column}) AS INTEGER) * 1000 AS ms FROM complaints WHERE id = '{id}'"))?;
    r.first().and_then(|r| r["ms"].as_i64()).ok_or_else(|| format!("{column} of {id} is not set: {r:?}").into())
}

/// Runs the cron at `time` (ms), `n` at once.
fn sweep_at(time: i64, n: usize) -> Result<(), Failed> {
    // wrangler's `/__scheduled` always runs at the real time (and miniflare's trigger with a time
    // throws under wrangler's test-scheduled wrapper): the dev server's clock override.
    let path = format!("/__dev/scheduled?time={time}");
    std::thread::scope(|s| {
        let runs: Vec<_> = (0..n).map(|_| s.spawn(|| get(&path, &[]))).collect();
        runs.into_iter().map(|h| h.join().map_err(|_| Failed::from("sweep thread"))?).try_for_each(|r| eq(r?.status, 200, "sweep"))
    })
}

fn records(id: &str) -> Result<Vec<Value>, Failed> {
    rows(&format!("SELECT clock, mark, holder, merchant_id FROM sla_records WHERE ticket_id = '{id}' ORDER BY clock, mark"))
}

/// Sweeps at `time` (two at once) until ticket `id` has a record of `clock`/`mark`: earlier
/// tickets of the run may be due first, and a sweep takes at most 20.
fn sweep_until(id: &str, time: i64, clock: &str, mark: &str) -> Result<(), Failed> {
    for _ in 0..15 {
        sweep_at(time, 2)?;
        if records(id)?.iter().any(|r| r["clock"] == clock && r["mark"] == mark) {
            return Ok(());
        }
    }
    Err(format!("no {clock} {mark} for {id} after 15 sweeps: {:?}", records(id)?).into())
}

/// Merchant A's admin saves a policy (refusals first), and the clocks of its next ticket run on
/// it: warned, then breached, each once however many sweeps run; the missed window goes to the
/// platform and counts against A; 已超时 lists it. A P1 ticket is the platform's from intake.
pub fn sla_clocks_warn_breach_and_escalate_exactly_once() -> Result<(), Failed> {
    let w = super::world()?;
    let path = format!("/v1/sla-policies/{}", w.merchant_a);
    let around_the_clock = json!({"zone": "UTC", "week": {
        "mon": ["00:00-24:00"], "tue": ["00:00-24:00"], "wed": ["00:00-24:00"], "thu": ["00:00-24:00"],
        "fri": ["00:00-24:00"], "sat": ["00:00-24:00"], "sun": ["00:00-24:00"]}});
    let policy = json!({"first_response": [10, 20, 30, 40], "resolution": [100, 200, 300, 400], "warning": {"minutes_before": 5}});

    let inherited = get(&path, &[("Cookie", w.a_agent.cookie.as_str())])?;
    eq(
        (inherited.status, inherited.body["inherited"].as_bool(), inherited.body["editable"].as_bool()),
        (200, Some(true), Some(false)),
        "an agent reads the policy that applies",
    )?;
    eq(inherited.body["policy"]["first_response"].clone(), json!([10, 60, 240, 1440]), "the taxonomy's targets by default")?;
    let r = put(&w.a_agent.cookie, &path, &json!({"policy": policy, "calendar": around_the_clock}))?;
    eq((r.status, r.code()), (403, "forbidden"), "an agent cannot edit it")?;
    let r = put(&w.b_admin.cookie, &path, &json!({"policy": policy, "calendar": around_the_clock}))?;
    eq((r.status, r.code()), (404, "not_found"), "another merchant's admin does not see it")?;
    let bad_target = json!({"first_response": [0, 20, 30, 40], "resolution": [100, 200, 300, 400], "warning": {"minutes_before": 5}});
    let r = put(&w.a_admin.cookie, &path, &json!({"policy": bad_target, "calendar": around_the_clock}))?;
    eq((r.status, r.code()), (400, "invalid_config"), &format!("a zero target ({})", r.raw))?;
    let never = json!({"zone": "UTC", "week": {}});
    let r = put(&w.a_admin.cookie, &path, &json!({"policy": policy, "calendar": never}))?;
    eq((r.status, r.code()), (400, "invalid_config"), &format!("a calendar that is never open ({})", r.raw))?;
    let r = put(&w.a_admin.cookie, &path, &json!({"policy": policy, "calendar": {"zone": "Mars/Olympus", "week": {}}}))?;
    eq(r.status, 400, &format!("an unknown zone ({})", r.raw))?;
    let r = put(&w.a_admin.cookie, &path, &json!({"policy": policy, "calendar": around_the_clock}))?;
    eq((r.status, r.body["inherited"].as_bool()), (200, Some(false)), &format!("saved ({})", r.raw))?;

    // P3 under A's policy: first response in 30 business minutes, warned 5 minutes before.
    let id = super::tickets::ticket_of("sla-a", &w.merchant_a, "菜的分量太少了，和图片差别很大 SLA-1", "sla-a-0000001")?;
    let stored = rows(&format!(
        "SELECT priority, sla_first_minutes AS fr, sla_resolve_minutes AS res, sla_first_due_at = strftime('%Y-%m-%dT%H:%M:%SZ', created_at, '+30 minutes') AS on_time, \
         sla_next_at = strftime('%Y-%m-%dT%H:%M:%SZ', created_at, '+25 minutes') AS warns FROM complaints WHERE id = '{id}'"
    ))?;
    eq(stored[0]["priority"].as_str(), Some("P3"), "a P3 complaint")?;
    eq((stored[0]["fr"].as_i64(), stored[0]["res"].as_i64()), (Some(30), Some(300)), "targets copied from A's policy")?;
    eq((stored[0]["on_time"].as_i64(), stored[0]["warns"].as_i64()), (Some(1), Some(1)), &format!("due in 30 minutes, next deadline the warning: {stored:?}"))?;
    let t = get(&format!("/v1/tickets/{id}"), &[("Cookie", w.a_agent.cookie.as_str())])?;
    check(t.body["sla"]["first_response"]["due_at"].is_string(), format!("the ticket shows its due time: {}", t.body["sla"]))?;

    // Editing the policy later does not move the running clock.
    let slower = json!({"first_response": [10, 20, 90, 40], "resolution": [100, 200, 300, 400], "warning": {"minutes_before": 5}});
    eq(put(&w.a_admin.cookie, &path, &json!({"policy": slower, "calendar": around_the_clock}))?.status, 200, "policy edited")?;
    eq(rows(&format!("SELECT sla_first_minutes AS fr FROM complaints WHERE id = '{id}'"))?[0]["fr"].as_i64(), Some(30), "the running clock keeps 30")?;

    // A's agent takes it (taking is not answering: the clocks run on).
    let v = t.body["version"].as_u64().unwrap_or(0);
    let r = super::tickets::act_as(&w.a_agent.cookie, &id, "claim", v, &json!({}))?;
    eq(r.status, 200, &format!("claimed ({})", r.raw))?;

    let warn_at = ms(&id, "sla_next_at")?;
    sweep_until(&id, warn_at + 1000, "first_response", "warning")?;
    sweep_at(warn_at + 2000, 3)?;
    let got = records(&id)?;
    eq(got.len(), 1, &format!("one warning, nothing else yet: {got:?}"))?;
    let listed = get("/v1/tickets?view=at_risk", &[("Cookie", w.a_agent.cookie.as_str())])?;
    check(super::tickets::ids(&listed).contains(&id), format!("in 即将超时 ({})", listed.raw))?;

    let due = ms(&id, "sla_first_due_at")?;
    sweep_until(&id, due + 1000, "first_response", "breach")?;
    sweep_at(due + 61_000, 3)?;
    sweep_at(due + 121_000, 1)?;
    let got = records(&id)?;
    let count = |clock: &str, mark: &str| got.iter().filter(|r| r["clock"] == clock && r["mark"] == mark).count();
    eq((count("first_response", "warning"), count("first_response", "breach")), (1, 1), &format!("warned once, breached once: {got:?}"))?;
    eq(count("merchant_window", "breach"), 1, "the merchant's window missed once")?;
    check(got.iter().any(|r| r["clock"] == "merchant_window" && r["merchant_id"] == w.merchant_a.as_str()), "counted against merchant A")?;
    let escalations = rows(&format!("SELECT payload FROM ticket_events WHERE ticket_id = '{id}' AND kind = 'escalated'"))?;
    eq(escalations.len(), 1, &format!("handed to the platform once: {escalations:?}"))?;

    let t = get(&format!("/v1/tickets/{id}"), &[("Cookie", w.a_agent.cookie.as_str())])?;
    eq((t.body["holder"].as_str(), t.body["sla"]["first_response"]["breached"].as_bool()), (Some("platform"), Some(true)), "the platform's, breached")?;
    // The assignee was told of the warning, the breach and the escalation, once each; the
    // merchant's admin of the escalation.
    let told = |cookie: &str| -> Result<Vec<(String, String)>, Failed> {
        let list = get("/v1/notifications?limit=100", &[("Cookie", cookie)])?;
        Ok(list.body["notifications"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|n| n["ticket_id"] == id.as_str())
            .map(|n| (n["kind"].as_str().unwrap_or_default().to_string(), n["ref"].as_str().unwrap_or_default().to_string()))
            .collect())
    };
    let mut agent = told(&w.a_agent.cookie)?;
    agent.sort();
    let pair = |k: &str, r: &str| (k.to_string(), r.to_string());
    eq(
        agent,
        vec![pair("breach", "first_response"), pair("escalated", "merchant_window"), pair("warning", "first_response")],
        "the assignee: a warning, a breach and the escalation, once each",
    )?;
    check(told(&w.a_admin.cookie)?.contains(&pair("escalated", "merchant_window")), "the merchant's admin is told the platform stepped in")?;
    check(told(&w.b_admin.cookie)?.is_empty(), "another merchant is not")?;
    let unread = get("/v1/notifications?unread=1", &[("Cookie", w.a_agent.cookie.as_str())])?.body["unread"].as_u64().unwrap_or(0);
    check(unread >= 3, format!("unread: {unread}"))?;
    let r = super::post_json("/v1/notifications/read", &json!({}), &[("Cookie", w.a_agent.cookie.as_str()), ("Origin", super::own_origin().as_str())])?;
    eq((r.status, r.body["unread"].as_u64()), (200, Some(0)), &format!("all read ({})", r.raw))?;
    for (who, cookie) in [("A's agent", w.a_agent.cookie.as_str()), ("the platform", w.platform.as_str())] {
        let listed = get("/v1/tickets?view=breached", &[("Cookie", cookie)])?;
        eq(listed.status, 200, "已超时")?;
        let row = listed.body["tickets"].as_array().and_then(|a| a.iter().find(|t| t["id"] == id.as_str()).cloned()).unwrap_or(Value::Null);
        eq(row["sla_breached"].as_f64(), Some(1.0), &format!("{who} sees it in 已超时, marked breached ({})", listed.raw))?;
    }
    let b = get("/v1/tickets?view=breached", &[("Cookie", w.b_admin.cookie.as_str())])?;
    check(!super::tickets::ids(&b).contains(&id), "merchant B does not")?;

    // Waiting on the customer pauses the resolution clock; working it again resumes it.
    let answered = super::tickets::ticket_of("sla-a", &w.merchant_a, "菜的分量太少了，和图片差别很大 SLA-2", "sla-a-0000002")?;
    let v = get(&format!("/v1/tickets/{answered}"), &[("Cookie", w.a_agent.cookie.as_str())])?.body["version"].as_u64().unwrap_or(0);
    let r = super::tickets::act_as(&w.a_agent.cookie, &answered, "reply", v, &json!({"text": "请提供订单截图", "wait": true}))?;
    eq((r.status, r.body["status"].as_str()), (200, Some("waiting_customer")), &format!("asked the customer ({})", r.raw))?;
    eq(r.body["sla"]["resolution"]["paused_at"].is_string(), true, "the resolution clock paused")?;
    check(r.body["sla"]["first_response"]["responded_at"].is_string(), "the first response stopped its clock")?;
    let r = super::tickets::act_as(&w.a_agent.cookie, &answered, "resolve", v + 1, &json!({}))?;
    let r = super::tickets::act_as(&w.a_agent.cookie, &answered, "reopen", r.body["version"].as_u64().unwrap_or(0), &json!({}))?;
    eq((r.status, r.body["sla"]["resolution"]["paused_at"].is_null()), (200, true), &format!("reopened: running again ({})", r.raw))?;
    check(r.body["sla"]["resolution"]["due_at"].is_string(), "with a due time")?;

    // P1: the platform's at once; the merchant keeps seeing it.
    let urgent = super::tickets::ticket_of("sla-a", &w.merchant_a, "吃了你们家的外卖后上吐下泻，已经去医院了 SLA-3", "sla-a-0000003")?;
    let t = get(&format!("/v1/tickets/{urgent}"), &[("Cookie", w.a_agent.cookie.as_str())])?;
    eq((t.status, t.body["priority"].as_str(), t.body["holder"].as_str()), (200, Some("P1"), Some("platform")), &format!("P1 at the platform ({})", t.raw))?;
    let kinds: Vec<&str> = t.body["events"].as_array().map(|e| e.iter().filter_map(|e| e["kind"].as_str()).collect()).unwrap_or_default();
    eq(kinds, vec!["created", "escalated"], "created, then handed over at intake")?;
    check(t.body["events"][1]["payload"].as_str().is_some_and(|p| p.contains("urgent")), "because it is urgent")?;
    let list = get("/v1/notifications?unread=1", &[("Cookie", w.a_admin.cookie.as_str())])?;
    let told = list.body["notifications"]
        .as_array()
        .is_some_and(|a| a.iter().any(|n| n["ticket_id"] == urgent.as_str() && n["kind"] == "escalated" && n["ref"] == "urgent"));
    check(told, format!("the merchant is told at once ({})", list.raw))?;
    Ok(())
}

/// A customer's 未解决 on the merchant's resolution, and 催单 up to the policy's count (3), bring
/// the platform in; urges come at most once per the policy's interval (an hour by default).
pub fn not_solved_and_urges_bring_the_platform_in() -> Result<(), Failed> {
    let w = super::world()?;
    super::tickets::ticket_of("sla-a", &w.merchant_a, "菜的分量太少了，和图片差别很大 SLA-0", "sla-a-0000010")?;
    let submit = |text: &str, key: &str| -> Result<super::Created, Failed> {
        let r = super::submit(&json!({"site": "sla-a", "text": text}), key)?;
        super::expect_created(&r, "submit")
    };
    let customer = |c: &super::Created, action: &str| -> Result<Reply, Failed> {
        let auth = format!("Bearer {}", c.token);
        super::post_json(&format!("/v1/complaints/{}/{action}", c.id), &json!({}), &[("Authorization", auth.as_str()), ("Origin", super::ORIGIN)])
    };
    let holder = |id: &str| -> Result<Option<String>, Failed> {
        Ok(rows(&format!("SELECT holder FROM complaints WHERE id = '{id}'"))?[0]["holder"].as_str().map(str::to_string))
    };
    let reasons = |id: &str| -> Result<Vec<String>, Failed> {
        Ok(rows(&format!("SELECT json_extract(payload, '$.reason') AS r FROM ticket_events WHERE ticket_id = '{id}' AND kind = 'escalated'"))?
            .iter()
            .filter_map(|r| r["r"].as_str().map(str::to_string))
            .collect())
    };

    // 催单: the third brings the platform in.
    let hurried = submit("菜的分量太少了，和图片差别很大 SLA-URGE", "sla-a-0000011")?;
    let r = customer(&hurried, "urge")?;
    eq(r.status, 200, &format!("the first urge ({})", r.raw))?;
    let r = customer(&hurried, "urge")?;
    eq((r.status, r.code()), (429, "urge_too_soon"), "a second one at once")?;
    check(r.header("Retry-After").is_some(), "says when to try again")?;
    for n in 2..=3 {
        rows(&format!("UPDATE ticket_events SET at = '2000-01-01T00:00:00Z' WHERE ticket_id = '{}' AND kind = 'customer_urged'", hurried.id))?;
        eq(holder(&hurried.id)?.as_deref(), Some("merchant"), &format!("still the merchant's before urge {n}"))?;
        let r = customer(&hurried, "urge")?;
        eq(r.status, 200, &format!("urge {n} ({})", r.raw))?;
    }
    eq(rows(&format!("SELECT urges FROM complaints WHERE id = '{}'", hurried.id))?[0]["urges"].as_i64(), Some(3), "three urges counted")?;
    eq(holder(&hurried.id)?.as_deref(), Some("platform"), "the platform stepped in")?;
    eq(reasons(&hurried.id)?, vec!["urged".to_string()], "because the customer kept urging")?;

    // 未解决 on the merchant's resolution.
    let unsolved = submit("菜的分量太少了，和图片差别很大 SLA-UNSOLVED", "sla-a-0000012")?;
    let v = get(&format!("/v1/tickets/{}", unsolved.id), &[("Cookie", w.a_agent.cookie.as_str())])?.body["version"].as_u64().unwrap_or(0);
    let r = super::tickets::act_as(&w.a_agent.cookie, &unsolved.id, "reply", v, &json!({"text": "已为您补送一份"}))?;
    let r = super::tickets::act_as(&w.a_agent.cookie, &unsolved.id, "resolve", r.body["version"].as_u64().unwrap_or(0), &json!({}))?;
    eq(r.body["status"].as_str(), Some("resolved"), "the merchant resolved it")?;
    let r = customer(&unsolved, "reopen")?;
    eq((r.status, r.body["status"].as_str()), (200, Some("open")), &format!("the customer says 未解决 ({})", r.raw))?;
    eq(holder(&unsolved.id)?.as_deref(), Some("platform"), "the platform stepped in")?;
    eq(reasons(&unsolved.id)?, vec!["unresolved".to_string()], "because the merchant's answer did not solve it")?;
    let r = customer(&unsolved, "urge")?;
    eq(r.status, 200, "urging a ticket the platform holds is fine")?;
    eq(reasons(&unsolved.id)?.len(), 1, "and brings no second escalation")
}
