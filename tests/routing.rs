//! Routing rules and balanced assignment against local workerd: rules saved per scope (refusals
//! first), a new ticket routed to a team and handed to the member with room, the rest waiting in
//! the team's queue and handed out in order as people become available or free up, a rule loop
//! that cannot run away, rules on update, the preview, and two concurrent runs assigning once.

use libtest_mimic::Failed;
use serde_json::{Value, json};

use super::{check, eq, get, rows, staff_post};

fn put(cookie: &str, path: &str, body: &Value) -> Result<super::Reply, Failed> {
    let origin = super::own_origin();
    super::reply(
        super::ctx()
            .agent
            .put(format!("{}{path}", super::ctx().base))
            .header("Cookie", cookie)
            .header("Origin", origin.as_str())
            .header("Content-Type", "application/json")
            .send(body.to_string().as_bytes()),
    )
}

fn ticket(id: &str) -> Result<Value, Failed> {
    let r = rows(&format!("SELECT team_id, assignee_id, priority, holder, status, version FROM complaints WHERE id = '{id}'"))?;
    r.into_iter().next().ok_or_else(|| format!("no ticket {id}").into())
}

fn kinds(id: &str) -> Result<Vec<String>, Failed> {
    Ok(rows(&format!("SELECT kind FROM ticket_events WHERE ticket_id = '{id}' ORDER BY version"))?
        .iter()
        .filter_map(|r| r["kind"].as_str().map(str::to_string))
        .collect())
}

/// Running tickets a person holds now.
fn load(user: &str) -> Result<i64, Failed> {
    Ok(rows(&format!("SELECT COUNT(*) AS n FROM complaints WHERE assignee_id = '{user}' AND status IN ('new', 'open')"))?[0]["n"].as_i64().unwrap_or(0))
}

pub fn routing_rules_route_and_assignment_balances_the_team() -> Result<(), Failed> {
    let w = super::world()?;
    let path = format!("/v1/routing-rules/{}", w.merchant_a);
    let r = staff_post("/v1/teams", &json!({"merchant": w.merchant_a, "name": "退款组"}), &w.a_admin.cookie)?;
    eq(r.status, 201, &format!("a team ({})", r.raw))?;
    let team = r.body["team"]["id"].as_str().unwrap_or_default().to_string();
    for user in [&w.a_agent.id, &w.a_admin.id] {
        let r = staff_post(&format!("/v1/teams/{team}/members"), &json!({"user_id": user}), &w.a_admin.cookie)?;
        check(r.status < 300, format!("member added ({})", r.raw))?;
    }

    let refund = json!({"id": "", "name": "退款进退款组", "enabled": true, "level": "merchant", "match": "all",
        "conditions": [{"field": "text", "words": ["退款"]}],
        "actions": [{"action": "team", "team": team}, {"action": "priority", "priority": "P2"}]});
    // Two rules that would hand the priority back and forth for ever: each fires once.
    let up = json!({"id": "up", "name": "P2 升 P1", "enabled": true, "level": "merchant", "match": "all",
        "conditions": [{"field": "priority", "any_of": ["P2"]}, {"field": "text", "words": ["ROUTE"]}], "actions": [{"action": "priority", "priority": "P1"}]});
    let down = json!({"id": "down", "name": "P1 降 P2", "enabled": true, "level": "merchant", "match": "all",
        "conditions": [{"field": "priority", "any_of": ["P1"]}, {"field": "text", "words": ["ROUTE"]}], "actions": [{"action": "priority", "priority": "P2"}]});
    let safety = json!({"id": "safety", "name": "食品安全交平台", "enabled": true, "level": "merchant", "match": "any",
        "conditions": [{"field": "category", "any_of": ["food_safety"]}], "actions": [{"action": "holder_platform"}]});
    let empty = json!({"id": "x", "name": "没有条件", "enabled": true, "level": "merchant", "match": "all", "conditions": [], "actions": [{"action": "holder_platform"}]});
    let r = put(&w.a_admin.cookie, &path, &json!({"rules": [empty]}))?;
    eq((r.status, r.code()), (400, "invalid_config"), &format!("a rule without conditions ({})", r.raw))?;
    let r = put(&w.a_agent.cookie, &path, &json!({"rules": [refund]}))?;
    eq((r.status, r.code()), (403, "forbidden"), "an agent cannot edit rules")?;
    let r = put(&w.b_admin.cookie, &path, &json!({"rules": [refund]}))?;
    eq((r.status, r.code()), (404, "not_found"), "another merchant's admin does not see them")?;
    let r = put(&w.a_admin.cookie, &path, &json!({"rules": [refund.clone(), up, down, safety]}))?;
    eq(r.status, 200, &format!("saved ({})", r.raw))?;
    let saved = r.body["rules"].as_array().cloned().unwrap_or_default();
    eq(saved.len(), 4, "four rules, in order")?;
    let refund_id = saved[0]["id"].as_str().unwrap_or_default().to_string();
    check(refund_id.starts_with("r-"), format!("a new rule gets an id: {refund_id}"))?;
    let listed = get(&path, &[("Cookie", w.a_agent.cookie.as_str())])?;
    eq((listed.status, listed.body["editable"].as_bool()), (200, Some(false)), "the agent reads them")?;

    // The preview: what the rule does with a text, without a ticket.
    let preview = staff_post("/v1/routing-rules/preview", &json!({"rule": saved[0], "text": "我要退款，东西坏了"}), &w.a_admin.cookie)?;
    eq((preview.status, preview.body["matches"].as_bool()), (200, Some(true)), &format!("preview ({})", preview.raw))?;
    eq(preview.body["conditions"].clone(), json!([true]), "which conditions held")?;
    eq(preview.body["effects"]["team"].as_str(), Some(team.as_str()), "what it would do")?;
    // A rule being written has no id yet.
    let miss = staff_post("/v1/routing-rules/preview", &json!({"rule": refund, "text": "送餐太慢了"}), &w.a_admin.cookie)?;
    eq(miss.body["matches"].as_bool(), Some(false), "a text it does not match")?;

    // Room for exactly one more ticket each; the admin is away.
    let (agent, admin) = (w.a_agent.id.as_str(), w.a_admin.id.as_str());
    rows(&format!("UPDATE users SET capacity = {} WHERE id = '{agent}'", load(agent)? + 1))?;
    rows(&format!("UPDATE users SET capacity = {} WHERE id = '{admin}'", load(admin)? + 1))?;
    let r = put(&w.a_admin.cookie, "/v1/auth/availability", &json!({"available": false}))?;
    eq((r.status, r.body["available"].as_bool()), (200, Some(false)), &format!("the admin is away ({})", r.raw))?;

    let t1 = super::tickets::ticket_of("route-a", &w.merchant_a, "我要退款，收到的东西是坏的 ROUTE-1", "route-a-0000001")?;
    let t2 = super::tickets::ticket_of("route-a", &w.merchant_a, "我要退款，少送了一份菜 ROUTE-2", "route-a-0000002")?;
    let t3 = super::tickets::ticket_of("route-a", &w.merchant_a, "我要退款，饭菜是冷的 ROUTE-3", "route-a-0000003")?;
    let first = ticket(&t1)?;
    eq(
        (first["team_id"].as_str(), first["assignee_id"].as_str()),
        (Some(team.as_str()), Some(agent)),
        &format!("routed to the team and handed to the agent: {first}"),
    )?;
    eq(first["priority"].as_str(), Some("P2"), "the loop ended where the rules leave it")?;
    eq(kinds(&t1)?, ["created", "routed", "assigned"].map(String::from).to_vec(), "recorded as changes of their own")?;
    let list = get("/v1/notifications?unread=1", &[("Cookie", w.a_agent.cookie.as_str())])?;
    let told = list.body["notifications"].as_array().map_or(0, |a| a.iter().filter(|n| n["ticket_id"] == t1.as_str() && n["kind"] == "assigned").count());
    eq(told, 1, &format!("the agent is told of the new assignment ({})", list.raw))?;
    let routed = rows(&format!("SELECT payload FROM ticket_events WHERE ticket_id = '{t1}' AND kind = 'routed'"))?;
    let payload: Value = serde_json::from_str(routed[0]["payload"].as_str().unwrap_or("{}")).unwrap_or(Value::Null);
    eq(payload["rules"].clone(), json!([refund_id, "up", "down"]), "each rule fired once: the loop could not run away")?;
    for t in [&t2, &t3] {
        let waiting = ticket(t)?;
        eq((waiting["team_id"].as_str(), waiting["assignee_id"].as_str()), (Some(team.as_str()), None), &format!("nobody has room: it waits ({waiting})"))?;
    }

    // The admin comes back: the next in the queue (the older) goes to them.
    let r = put(&w.a_admin.cookie, "/v1/auth/availability", &json!({"available": true}))?;
    eq(r.body["available"].as_bool(), Some(true), "available again")?;
    eq(ticket(&t2)?["assignee_id"].as_str(), Some(admin), "the older waiting ticket goes first")?;
    eq(ticket(&t3)?["assignee_id"].as_str(), None, "the other still waits")?;

    // The agent resolves theirs: the queue moves.
    let v = ticket(&t1)?["version"].as_u64().unwrap_or(0);
    let r = super::tickets::act_as(&w.a_agent.cookie, &t1, "resolve", v, &json!({}))?;
    eq(r.status, 200, &format!("resolved ({})", r.raw))?;
    eq(ticket(&t3)?["assignee_id"].as_str(), Some(agent), "capacity freed: the last one goes out")?;

    // A rule on update: a correction to food safety hands the ticket to the platform.
    let v = ticket(&t3)?["version"].as_u64().unwrap_or(0);
    let r = super::tickets::act_as(&w.a_agent.cookie, &t3, "correct", v, &json!({"category": "food_safety", "reason": "顾客说吃坏了肚子"}))?;
    eq(r.status, 200, &format!("corrected ({})", r.raw))?;
    eq(ticket(&t3)?["holder"].as_str(), Some("platform"), "the safety rule fired on the change")?;

    // Two assignment runs at once: one assignment.
    let t4 = super::tickets::ticket_of("route-a", &w.merchant_a, "我要退款，包装破了 ROUTE-4", "route-a-0000004")?;
    eq(ticket(&t4)?["assignee_id"].as_str(), None, "everyone is full: it waits")?;
    rows(&format!("UPDATE users SET capacity = capacity + 1 WHERE id = '{agent}'"))?;
    let time = (std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_err(|e| e.to_string())?.as_millis()) as i64;
    let path = format!("/__dev/scheduled?time={time}");
    std::thread::scope(|s| {
        let runs: Vec<_> = (0..2).map(|_| s.spawn(|| get(&path, &[]))).collect();
        runs.into_iter().map(|h| h.join().map_err(|_| Failed::from("sweep thread"))?).try_for_each(|r| eq(r?.status, 200, "sweep"))
    })?;
    eq(ticket(&t4)?["assignee_id"].as_str(), Some(agent), "the sweep handed it out")?;
    let assigned = kinds(&t4)?.iter().filter(|k| *k == "assigned").count();
    eq(assigned, 1, "once")
}

/// Notifications reach chat channels: a person's and a team's (the team's once however many
/// members were told), in the merchant's business hours — a holiday defers them until the
/// calendar opens — except P1, which goes at once; secrets are never shown back.
pub fn notices_reach_channels_in_business_hours() -> Result<(), Failed> {
    let w = super::world()?;
    let rx = &super::ctx().receiver;
    let secret = "whsec-notice-0123456789";
    let r =
        put(&w.a_agent.cookie, "/v1/auth/channel", &json!({"channel": {"id": "me", "kind": "webhook", "url": rx.url("/ok-notice-agent"), "secret": secret}}))?;
    eq((r.status, r.body["channel"]["secret"].as_str()), (200, Some("********")), &format!("the agent's channel, secret hidden ({})", r.raw))?;
    let r = put(&w.a_agent.cookie, "/v1/auth/channel", &json!({"channel": {"id": "me", "kind": "webhook", "url": rx.url("/ok-notice-agent")}}))?;
    eq((r.status, r.code()), (400, "invalid_destination"), &format!("a webhook needs its secret ({})", r.raw))?;
    let r = put(&w.a_admin.cookie, "/v1/auth/channel", &json!({"channel": {"id": "me", "kind": "wecom", "url": rx.url("/wecom-notice-admin?key=k")}}))?;
    eq(r.status, 200, &format!("the admin's WeCom bot ({})", r.raw))?;
    let r = staff_post("/v1/teams", &json!({"merchant": w.merchant_a, "name": "通知组"}), &w.a_admin.cookie)?;
    let team = r.body["team"]["id"].as_str().unwrap_or_default().to_string();
    staff_post(&format!("/v1/teams/{team}/members"), &json!({"user_id": w.a_agent.id}), &w.a_admin.cookie)?;
    let team_channel = json!({"channel": {"id": "group", "kind": "feishu", "url": rx.url("/feishu-notice-team")}});
    eq(put(&w.a_agent.cookie, &format!("/v1/teams/{team}/channel"), &team_channel)?.status, 403, "an agent cannot set the team's channel")?;
    let r = put(&w.a_admin.cookie, &format!("/v1/teams/{team}/channel"), &team_channel)?;
    eq(r.status, 200, &format!("the team's Feishu group ({})", r.raw))?;

    // Merchant A is on holiday today and tomorrow (UTC): notices wait.
    let today = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_err(|e| e.to_string())?.as_millis() as i64;
    let day =
        |ms: i64| rows(&format!("SELECT strftime('%Y-%m-%d', {} / 1000, 'unixepoch') AS d", ms)).map(|r| r[0]["d"].as_str().unwrap_or_default().to_string());
    let all_day = json!(["00:00-24:00"]);
    let calendar = json!({"zone": "UTC", "week": {"mon": all_day, "tue": all_day, "wed": all_day, "thu": all_day, "fri": all_day, "sat": all_day, "sun": all_day},
        "holidays": [day(today)?, day(today + 86_400_000)?]});
    let policy = json!({"first_response": [10, 60, 240, 1440], "resolution": [240, 1080, 2700, 5400], "warning": {"percent_of_target": 75}});
    let r = put(&w.a_admin.cookie, &format!("/v1/sla-policies/{}", w.merchant_a), &json!({"policy": policy, "calendar": calendar}))?;
    eq(r.status, 200, &format!("A's holidays ({})", r.raw))?;

    let id = super::tickets::ticket_of("notice-a", &w.merchant_a, "菜的分量太少了，和图片差别很大 NOTICE-1", "notice-a-000001")?;
    let v = ticket(&id)?["version"].as_u64().unwrap_or(0);
    let r = super::tickets::act_as(&w.a_admin.cookie, &id, "transfer", v, &json!({"team": team, "user": w.a_agent.id, "note": "请跟进"}))?;
    eq(r.status, 200, &format!("given to the agent in the team ({})", r.raw))?;
    let ticket_no = r.body["ticket_no"].as_str().unwrap_or_default().to_string();
    let sweep = |time: i64| -> Result<(), Failed> {
        let path = format!("/__dev/scheduled?time={time}");
        std::thread::scope(|s| {
            let runs: Vec<_> = (0..2).map(|_| s.spawn(|| get(&path, &[]))).collect();
            runs.into_iter().map(|h| h.join().map_err(|_| Failed::from("sweep thread"))?).try_for_each(|r| eq(r?.status, 200, "sweep"))
        })
    };
    let about = |prefix: &str| rx.requests(prefix).into_iter().filter(|q| q.text().contains(&ticket_no)).collect::<Vec<_>>();
    sweep(today)?;
    std::thread::sleep(std::time::Duration::from_secs(2));
    eq((about("/ok-notice-agent").len(), about("/feishu-notice-team").len()), (0, 0), "nothing on a holiday")?;
    let unsent = rows(&format!("SELECT COUNT(*) AS n FROM notifications WHERE ticket_id = '{id}' AND sent_at IS NULL"))?[0]["n"].as_i64();
    eq(unsent, Some(1), "the notification waits")?;

    // The minute the holidays end (no clock has run meanwhile: holidays are closed for SLA too):
    // two runs at once, twice, send each notice once.
    let opens = today - today.rem_euclid(86_400_000) + 2 * 86_400_000;
    sweep(opens + 60_000)?;
    sweep(opens + 120_000)?;
    let got = super::receiver::wait_for(std::time::Duration::from_secs(20), || {
        let (a, t) = (about("/ok-notice-agent"), about("/feishu-notice-team"));
        (!a.is_empty() && !t.is_empty()).then_some((a, t))
    });
    let (agent, team_got) = got.ok_or("no notice reached the channels")?;
    std::thread::sleep(std::time::Duration::from_secs(2));
    eq((about("/ok-notice-agent").len(), about("/feishu-notice-team").len()), (1, 1), "once each")?;
    check(agent[0].text().contains("已分配给你") && agent[0].text().contains("ticket.notice"), format!("the agent's webhook: {}", agent[0].text()))?;
    let signature = agent[0].header("qingting-signature").unwrap_or_default().to_string();
    check(super::signature_ok(&signature, &agent[0].body, secret), "signed with the agent's secret")?;
    check(team_got[0].text().contains("已分配给团队成员"), format!("the team's group hears it as the team's news: {}", team_got[0].text()))?;

    // A rule that notifies one of the site's destinations: a notice (not the complaint) goes there once.
    let path = format!("/v1/routing-rules/{}", w.merchant_a);
    let mut rules = get(&path, &[("Cookie", w.a_admin.cookie.as_str())])?.body["rules"].as_array().cloned().unwrap_or_default();
    rules.push(json!({"id": "notify-duty", "name": "转告值班群", "enabled": true, "level": "merchant", "match": "all",
        "conditions": [{"field": "text", "words": ["NOTICE-3"]}], "actions": [{"action": "notify", "destination": "hook"}]}));
    eq(put(&w.a_admin.cookie, &path, &json!({"rules": rules}))?.status, 200, "the notify rule saved")?;
    super::site_with("notice-b", json!([{"id": "hook", "kind": "webhook", "url": rx.url("/ok-rule-notice"), "secret": super::WEBHOOK_SECRET}]))?;
    rows(&format!("UPDATE sites SET merchant_id = '{}' WHERE key = 'notice-b'", w.merchant_a))?;
    let r = super::submit(&json!({"site": "notice-b", "text": "菜的分量太少了，和图片差别很大 NOTICE-3"}), "notice-b-000003")?;
    let noticed = super::expect_created(&r, "submit")?;
    let noticed_no = r.body["ticket_no"].as_str().unwrap_or_default().to_string();
    check(kinds(&noticed.id)?.contains(&"routed".to_string()), "the rule fired")?;
    sweep(today)?;
    let rule_notices =
        || -> Vec<_> { rx.requests("/ok-rule-notice").into_iter().filter(|q| q.text().contains("ticket.notice") && q.text().contains(&noticed_no)).collect() };
    let got = super::receiver::wait_for(std::time::Duration::from_secs(20), || (!rule_notices().is_empty()).then(rule_notices));
    let got = got.ok_or("the rule's notice did not reach the destination")?;
    check(got[0].text().contains("符合分配规则：转告值班群"), format!("names the rule: {}", got[0].text()))?;
    check(!got[0].text().contains("分量太少"), "and not the complaint")?;
    sweep(today + 60_000)?;
    std::thread::sleep(std::time::Duration::from_secs(2));
    eq(rule_notices().len(), 1, "once")?;

    // P1: the platform steps in at intake; the merchant's admin hears at once, holiday or not.
    let urgent = super::tickets::ticket_of("notice-a", &w.merchant_a, "吃了你们家的外卖后上吐下泻，已经去医院了 NOTICE-2", "notice-a-000002")?;
    let urgent_no = rows(&format!("SELECT ticket_no FROM complaints WHERE id = '{urgent}'"))?[0]["ticket_no"].as_str().unwrap_or_default().to_string();
    sweep(today)?;
    let told = super::receiver::wait_for(std::time::Duration::from_secs(20), || {
        let got: Vec<_> = rx.requests("/wecom-notice-admin").into_iter().filter(|q| q.text().contains(&urgent_no)).collect();
        (!got.is_empty()).then_some(got)
    });
    let told = told.ok_or("the P1 notice did not reach the admin")?;
    check(told[0].text().contains("平台介入"), format!("says the platform stepped in: {}", told[0].text()))
}
