//! Analytics against local workerd and local D1: the hourly counts stay exact (per key and for
//! every measure) under concurrent intake and staff and customer changes; durations are recorded;
//! the overview and the CSV export are tenant-scoped, validated, and the export is safe to open in
//! a spreadsheet.

use libtest_mimic::Failed;
use serde_json::{Value, json};

use super::{Created, check, eq, expect_created, get, rows};

/// Every key of `hourly_counts` against the same key computed from the tickets themselves:
/// the rows where any measure differs (none, when the counts are exact).
const MISMATCHES: &str = "
SELECT hour, site_key, merchant_id, category, priority, channel, region, outcome,
       SUM(t) AS t, SUM(e) AS e, SUM(r) AS r, SUM(ro) AS ro, SUM(u) AS u, SUM(st) AS st, SUM(sb) AS sb, SUM(w) AS w, SUM(wm) AS wm, SUM(cs) AS cs
FROM (
    SELECT hour, site_key, merchant_id, category, priority, channel, region, outcome, tickets AS t, escalated AS e, resolved_ever AS r,
           reopened AS ro, urged AS u, sla_tracked AS st, sla_breached AS sb, windowed AS w, window_missed AS wm,
           csat_1 + 2 * csat_2 + 3 * csat_3 + 4 * csat_4 + 5 * csat_5 AS cs
    FROM hourly_counts
    UNION ALL
    SELECT CAST(strftime('%s', c.created_at) AS INTEGER) / 3600, c.site_key, COALESCE(s.merchant_id, ''), COALESCE(c.category, ''),
           COALESCE(c.priority, ''), c.channel, c.region,
           CASE WHEN c.status IN ('resolved', 'closed') THEN 'resolved' WHEN c.status = 'auto_replied' THEN 'auto_replied' ELSE 'pending' END,
           -1, -(c.holder = 'platform'), -(c.resolutions > 0), -(c.reopens > 0), -(c.urges > 0), -(c.sla_started_at IS NOT NULL),
           -((c.sla_marks & 10) != 0), -(c.merchant_window > 0), -(c.merchant_window = 2), -COALESCE(c.csat_score, 0)
    FROM complaints c JOIN sites s ON s.key = c.site_key WHERE c.kind = 'complaint'
)
GROUP BY hour, site_key, merchant_id, category, priority, channel, region, outcome
HAVING SUM(t) != 0 OR SUM(e) != 0 OR SUM(r) != 0 OR SUM(ro) != 0 OR SUM(u) != 0 OR SUM(st) != 0 OR SUM(sb) != 0 OR SUM(w) != 0 OR SUM(wm) != 0 OR SUM(cs) != 0";

/// The same for the duration histogram against `ticket_durations`, and each duration's key
/// against its ticket's.
const DURATION_MISMATCHES: &str = "
SELECT hour, site_key, merchant_id, category, priority, channel, region, metric, base, bucket, SUM(n) AS n FROM (
    SELECT hour, site_key, merchant_id, category, priority, channel, region, metric, base, bucket, n FROM duration_hist
    UNION ALL
    SELECT hour, site_key, merchant_id, category, priority, channel, region, metric, 'wall', wall_bucket, -1 FROM ticket_durations
    UNION ALL
    SELECT hour, site_key, merchant_id, category, priority, channel, region, metric, 'business', business_bucket, -1 FROM ticket_durations
    WHERE business_bucket IS NOT NULL
)
GROUP BY hour, site_key, merchant_id, category, priority, channel, region, metric, base, bucket HAVING SUM(n) != 0
UNION ALL
SELECT d.hour, d.site_key, d.merchant_id, d.category, d.priority, d.channel, d.region, d.metric, 'key', 0, 1
FROM ticket_durations d JOIN complaints c ON c.id = d.ticket_id
WHERE d.category != COALESCE(c.category, '') OR d.priority != COALESCE(c.priority, '')";

/// `daily_counts` against `hourly_counts` by Asia/Shanghai day, and `pending_now` against the
/// pending hours: the rows that differ.
const ROLLUP_MISMATCHES: &str = "
SELECT 'daily' AS t, day, site_key, merchant_id, category, priority, channel, region, outcome FROM (
    SELECT day, site_key, merchant_id, category, priority, channel, region, outcome, tickets AS t, escalated AS e, urged AS u,
           csat_1 + csat_2 + csat_3 + csat_4 + csat_5 AS c FROM daily_counts
    UNION ALL
    SELECT (hour + 8) / 24, site_key, merchant_id, category, priority, channel, region, outcome, -tickets, -escalated, -urged,
           -(csat_1 + csat_2 + csat_3 + csat_4 + csat_5) FROM hourly_counts
) GROUP BY day, site_key, merchant_id, category, priority, channel, region, outcome
HAVING SUM(t) != 0 OR SUM(e) != 0 OR SUM(u) != 0 OR SUM(c) != 0
UNION ALL
SELECT 'pending', 0, site_key, merchant_id, category, priority, channel, region, '' FROM (
    SELECT site_key, merchant_id, category, priority, channel, region, n FROM pending_now
    UNION ALL
    SELECT site_key, merchant_id, category, priority, channel, region, -tickets FROM hourly_counts WHERE outcome = 'pending'
) GROUP BY site_key, merchant_id, category, priority, channel, region HAVING SUM(n) != 0";

fn exact(when: &str) -> Result<(), Failed> {
    let bad = rows(ROLLUP_MISMATCHES)?;
    check(bad.is_empty(), format!("{when}: the daily or pending counts differ at {} keys: {:?}", bad.len(), bad.iter().take(3).collect::<Vec<_>>()))?;
    let bad = rows(MISMATCHES)?;
    check(bad.is_empty(), format!("{when}: the counts differ from the tickets at {} keys: {:?}", bad.len(), bad.iter().take(3).collect::<Vec<_>>()))?;
    let bad = rows(DURATION_MISMATCHES)?;
    check(
        bad.is_empty(),
        format!("{when}: the duration histogram differs from the durations at {} keys: {:?}", bad.len(), bad.iter().take(3).collect::<Vec<_>>()),
    )?;
    let sums =
        rows("SELECT COALESCE((SELECT SUM(tickets) FROM hourly_counts), 0) AS counted, (SELECT COUNT(*) FROM complaints WHERE kind = 'complaint') AS tickets")?;
    eq(sums[0]["counted"].as_i64(), sums[0]["tickets"].as_i64(), &format!("{when}: sum of counts = tickets"))
}

fn overview(cookie: &str, query: &str) -> Result<Value, Failed> {
    let r = get(&format!("/v1/analytics/overview?{query}"), &[("Cookie", cookie)])?;
    eq(r.status, 200, &format!("overview ?{query} ({})", r.raw))?;
    Ok(r.body)
}

fn staff(cookie: &str, id: &str, action: &str, body: &Value) -> Result<Value, Failed> {
    let v = get(&format!("/v1/tickets/{id}"), &[("Cookie", cookie)])?.body["version"].as_u64().unwrap_or(0);
    let r = super::tickets::act_as(cookie, id, action, v, body)?;
    eq(r.status, 200, &format!("{action} on {id} ({})", r.raw))?;
    Ok(r.body)
}

pub fn hourly_counts_stay_exact_under_concurrent_intake_and_changes() -> Result<(), Failed> {
    let w = super::world()?;
    super::site_with("stats-a", json!([]))?;
    super::site_with("stats-b", json!([]))?;
    rows(&format!("UPDATE sites SET merchant_id = '{}' WHERE key = 'stats-a'", w.merchant_a))?;
    rows(&format!("UPDATE sites SET merchant_id = '{}' WHERE key = 'stats-b'", w.merchant_b))?;
    exact("before")?;
    let texts = [
        "外卖送了一个半小时才到，饭都凉了",
        "菜里吃出一根头发，太恶心了",
        "少送了一份米饭",
        "价格比店里贵了好多",
        "商家态度很差，电话挂我",
        "退款申请三天了还没处理",
    ];
    let handles: Vec<_> = (0..24)
        .map(|i| {
            let site = if i % 3 == 0 { "stats-b" } else { "stats-a" };
            let mut body = json!({"site": site, "text": format!("{} STATS-{i}", texts[i % texts.len()])});
            if i % 4 == 0 {
                body["region"] = json!("上海市");
            }
            std::thread::spawn(move || super::submit(&body, &format!("stats-concurrent-{i:04}")))
        })
        .collect();
    let mut created: Vec<Created> = Vec::new();
    for h in handles {
        let r = h.join().map_err(|_| "thread panicked")??;
        created.push(expect_created(&r, "concurrent intake")?);
    }
    exact("after 24 concurrent submissions")?;
    let regions = rows("SELECT SUM(tickets) AS n FROM hourly_counts WHERE region = '上海市' AND site_key LIKE 'stats-%'")?;
    eq(regions[0]["n"].as_i64(), Some(6), "the region is counted")?;

    // Staff and customers change tickets: each change moves its ticket's counts, never adds one.
    let a_ticket = created
        .iter()
        .find(|c| rows(&format!("SELECT 1 FROM complaints WHERE id = '{}' AND site_key = 'stats-a' AND status = 'new'", c.id)).is_ok_and(|r| !r.is_empty()));
    let a_ticket = a_ticket.ok_or("a new ticket of merchant A")?;
    staff(&w.a_admin.cookie, &a_ticket.id, "reply", &json!({"text": "您好，我们马上核实"}))?;
    staff(&w.a_admin.cookie, &a_ticket.id, "correct", &json!({"category": "price_billing", "priority": "P3", "reason": "其实是价格问题"}))?;
    staff(&w.a_admin.cookie, &a_ticket.id, "resolve", &json!({}))?;
    staff(&w.a_admin.cookie, &a_ticket.id, "reopen", &json!({}))?;
    staff(&w.a_admin.cookie, &a_ticket.id, "resolve", &json!({}))?;
    let r =
        super::post_json(&format!("/v1/complaints/{}/rating", a_ticket.id), &json!({"score": 5}), &[("Authorization", &format!("Bearer {}", a_ticket.token))])?;
    eq(r.status, 200, &format!("rating ({})", r.raw))?;
    exact("after reply, correction, resolve, reopen, resolve and a rating")?;
    let t = rows(&format!("SELECT resolutions, reopens, csat_score, category FROM complaints WHERE id = '{}'", a_ticket.id))?;
    eq((t[0]["resolutions"].as_i64(), t[0]["reopens"].as_i64(), t[0]["csat_score"].as_i64()), (Some(2), Some(1), Some(5)), "the ticket's counters")?;
    let d = rows(&format!("SELECT metric, wall_seconds, business_seconds FROM ticket_durations WHERE ticket_id = '{}' ORDER BY metric", a_ticket.id))?;
    let metrics: Vec<&str> = d.iter().filter_map(|r| r["metric"].as_str()).collect();
    eq(metrics, vec!["first_response", "merchant_response", "resolution"], "durations recorded once each")?;
    let hist = rows(&format!(
        "SELECT SUM(n) AS n FROM duration_hist WHERE site_key = 'stats-a' AND metric = 'resolution' AND base = 'wall' AND hour = CAST(strftime('%s', (SELECT created_at FROM complaints WHERE id = '{}')) AS INTEGER) / 3600",
        a_ticket.id
    ))?;
    eq(hist[0]["n"].as_i64(), Some(1), "a second resolution replaces the first in the histogram")?;

    // Concurrent changes racing on one ticket: only the winner's change moves the counts.
    let b = &created[0];
    let version = get(&format!("/v1/tickets/{}", b.id), &[("Cookie", w.platform.as_str())])?.body["version"].as_u64().unwrap_or(0);
    let racers: Vec<_> = ["resolve", "close"]
        .into_iter()
        .map(|action| {
            let (cookie, id) = (w.platform.clone(), b.id.clone());
            std::thread::spawn(move || super::tickets::act_as(&cookie, &id, action, version, &json!({})))
        })
        .collect();
    for h in racers {
        h.join().map_err(|_| "thread panicked")??;
    }
    exact("after two racing changes")?;

    // The overview sees what was counted: merchant B's staff exactly B's tickets, the platform more.
    let b_view = overview(&w.b_admin.cookie, "days=2")?;
    let b_count = rows(&format!(
        "SELECT COUNT(*) AS n FROM complaints c JOIN sites s ON s.key = c.site_key WHERE c.kind = 'complaint' AND s.merchant_id = '{}' AND c.created_at >= '{}'",
        w.merchant_b,
        b_view["from_instant"].as_str().unwrap_or_default()
    ))?;
    eq(b_view["kpis"]["tickets"].as_i64(), b_count[0]["n"].as_i64(), "merchant B's tickets")?;
    check(b_view["merchants"].as_array().is_some_and(|m| m.is_empty()), "no per-merchant table for a merchant")?;
    let platform = overview(&w.platform, "days=2")?;
    check(platform["kpis"]["tickets"].as_i64() > b_view["kpis"]["tickets"].as_i64(), "the platform sees more")?;
    let a_view = overview(&w.a_admin.cookie, "days=2&category=price_billing")?;
    check(a_view["kpis"]["csat_n"].as_i64() >= Some(1), "A's rating counted under the corrected category")?;
    check(a_view["kpis"]["first_response"]["n"].as_i64() >= Some(1), "A's first response measured")?;
    // The inbox takes the dashboards' drill-down filters: a region, a channel, a merchant.
    let region = get("/v1/tickets?region=%E4%B8%8A%E6%B5%B7%E5%B8%82&channel=api&limit=100", &[("Cookie", w.platform.as_str())])?;
    let texts: Vec<&str> = region.body["tickets"]
        .as_array()
        .map(|a| a.iter().filter_map(|t| t["preview"].as_str()).filter(|p| p.contains("STATS-")).collect())
        .unwrap_or_default();
    eq(texts.len(), 6, &format!("the region's tickets in the inbox ({})", region.raw.chars().take(300).collect::<String>()))?;
    let mine = get(&format!("/v1/tickets?merchant={}&limit=100", w.merchant_b), &[("Cookie", w.a_admin.cookie.as_str())])?;
    eq(mine.body["tickets"].as_array().map(Vec::len), Some(0), "A drilling into B's merchant sees nothing")?;
    let by_cat: Vec<&str> = a_view["by_category"].as_array().map(|a| a.iter().filter_map(|s| s["key"].as_str()).collect()).unwrap_or_default();
    eq(by_cat, vec!["price_billing"], "the category filter")?;
    Ok(())
}

pub fn analytics_are_tenant_scoped_validated_and_exported_safely() -> Result<(), Failed> {
    let w = super::world()?;
    super::site_with("stats-b", json!([]))?;
    rows(&format!("UPDATE sites SET merchant_id = '{}' WHERE key = 'stats-b'", w.merchant_b))?;
    let hostile = expect_created(
        &super::submit(&json!({"site": "stats-b", "text": "=HYPERLINK(\"http://evil.example\",\"点我\") 送餐慢了 EXPORT-1"}), "stats-export-0001")?,
        "hostile",
    )?;

    // Signed-in staff only; a bad range is a clear 400.
    let r = get("/v1/analytics/overview", &[])?;
    eq((r.status, r.code()), (401, "sign_in_required"), "the overview without a session")?;
    let r = get("/v1/analytics/export.csv", &[])?;
    eq((r.status, r.code()), (401, "sign_in_required"), "the export without a session")?;
    for bad in [
        "from=2026-12-05&to=2026-12-01",
        "from=2026-13-01&to=2026-12-01",
        "from=2026-12-01",
        "tz=Mars/Olympus",
        "granularity=minute",
        "from=2020-01-01&to=2026-01-01",
    ] {
        let r = get(&format!("/v1/analytics/overview?{bad}"), &[("Cookie", w.b_admin.cookie.as_str())])?;
        eq((r.status, r.code()), (400, "invalid_query"), &format!("?{bad}"))?;
        check(r.body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "with a message")?;
    }

    // A merchant's staff asking for another merchant's numbers get nothing of theirs.
    let stolen = overview(&w.a_admin.cookie, &format!("days=2&merchant={}", w.merchant_b))?;
    eq(stolen["kpis"]["tickets"].as_i64(), Some(0), "A asking for B's merchant")?;
    let stolen = overview(&w.a_admin.cookie, "days=2&site=stats-b")?;
    eq(stolen["kpis"]["tickets"].as_i64(), Some(0), "A asking for B's site")?;

    // The export: BOM, header, one row per ticket of the caller's, formulas defused, CSV quoted.
    let r = get("/v1/analytics/export.csv?days=2&lang=zh-CN", &[("Cookie", w.b_admin.cookie.as_str())])?;
    eq(r.status, 200, "export")?;
    check(r.header("content-type").is_some_and(|c| c.starts_with("text/csv")), "a CSV")?;
    check(r.header("content-disposition").is_some_and(|c| c.contains("attachment") && c.contains(".csv")), "a download")?;
    check(r.raw.starts_with('\u{feff}'), "starts with the BOM")?;
    let mut reader = csv::ReaderBuilder::new().from_reader(r.raw.trim_start_matches('\u{feff}').as_bytes());
    let header = reader.headers().map_err(|e| e.to_string())?.clone();
    eq(header.get(0), Some("工单号"), "the header row in Chinese")?;
    let records: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().map_err(|e| e.to_string())?;
    let b_count = rows(&format!(
        "SELECT COUNT(*) AS n FROM complaints c JOIN sites s ON s.key = c.site_key WHERE c.kind = 'complaint' AND s.merchant_id = '{}' AND c.created_at >= '{}'",
        w.merchant_b,
        overview(&w.b_admin.cookie, "days=2")?["from_instant"].as_str().unwrap_or_default()
    ))?;
    eq(Some(records.len() as i64), b_count[0]["n"].as_i64(), "one row per ticket of B's")?;
    let ticket_no = rows(&format!("SELECT ticket_no FROM complaints WHERE id = '{}'", hostile.id))?;
    let row = records.iter().find(|r| r.get(0) == ticket_no[0]["ticket_no"].as_str()).ok_or("the hostile ticket's row")?;
    check(row.get(15).is_some_and(|t| t.starts_with("'=HYPERLINK")), format!("a formula is defused: {:?}", row.get(15)))?;
    let a_rows = get("/v1/analytics/export.csv?days=2", &[("Cookie", w.a_admin.cookie.as_str())])?;
    check(!a_rows.raw.contains("EXPORT-1"), "A's export has none of B's tickets")?;
    let platform = get("/v1/analytics/export.csv?days=2&site=stats-b&lang=en", &[("Cookie", w.platform.as_str())])?;
    check(platform.raw.contains("EXPORT-1") && platform.raw.contains("Ticket,Created"), "the platform's export, filtered, in English")?;
    Ok(())
}

fn put(cookie: &str, path: &str, body: &Value) -> Result<super::Reply, Failed> {
    let origin = super::own_origin();
    let mut req = super::ctx().agent.put(format!("{}{path}", super::ctx().base));
    for (k, v) in [("Cookie", cookie), ("Origin", origin.as_str()), ("Content-Type", "application/json")] {
        req = req.header(k, v);
    }
    super::reply(req.send(body.to_string().as_bytes()))
}

/// Food-safety complaints bunching at one merchant raise one alert: recorded once, marked on that
/// merchant's dashboard (not on another's), and told to the merchant's team channel.
pub fn spike_alerts_are_raised_once_shown_to_their_merchant_and_sent() -> Result<(), Failed> {
    let w = super::world()?;
    let rx = &super::ctx().receiver;
    super::site_with("spike-b", json!([]))?;
    rows(&format!("UPDATE sites SET merchant_id = '{}' WHERE key = 'spike-b'", w.merchant_b))?;
    let team = rows(&format!("SELECT id FROM teams WHERE merchant_id = '{}' AND is_default = 1", w.merchant_b))?;
    let team = team.first().and_then(|t| t["id"].as_str()).ok_or("B's default team")?.to_string();
    let r =
        put(&w.b_admin.cookie, &format!("/v1/teams/{team}/channel"), &json!({"channel": {"id": "group", "kind": "feishu", "url": rx.url("/feishu-spike-b")}}))?;
    eq(r.status, 200, &format!("B's team channel ({})", r.raw))?;
    for (i, text) in ["菜里吃出了虫子，太恶心了", "吃完拉肚子一晚上，食物中毒了", "汤里有一根头发还有异物"].iter().enumerate()
    {
        let r = super::submit(&json!({"site": "spike-b", "text": format!("{text} SPIKE-{i}")}), &format!("spike-b-{i:06}"))?;
        expect_created(&r, "a food-safety complaint")?;
    }
    let food = rows("SELECT COUNT(*) AS n FROM complaints WHERE site_key = 'spike-b' AND category = 'food_safety'")?;
    eq(food[0]["n"].as_i64(), Some(3), "three food-safety complaints")?;

    // Earlier tests ran the cron ahead of the clock; the detector runs once per five-minute slot.
    rows("UPDATE spike_state SET run_slot = 0")?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_err(|e| e.to_string())?.as_millis() as i64;
    for run in 0..2 {
        // Two runs in the same slot at once, then one in the next slot: one alert, one message.
        let path = format!("/__dev/scheduled?time={}", now + 60_000 + run * 300_000);
        let both = std::thread::scope(|s| {
            let runs: Vec<_> = (0..2).map(|_| s.spawn(|| get(&path, &[]))).collect();
            runs.into_iter().map(|h| h.join().map_err(|_| Failed::from("cron thread"))?).collect::<Result<Vec<_>, Failed>>()
        })?;
        check(both.iter().all(|r| r.status == 200), "cron runs")?;
    }
    let alerts = rows(&format!("SELECT kind, observed, scope FROM spike_alerts WHERE merchant_id = '{}' AND category = 'food_safety'", w.merchant_b))?;
    eq(alerts.len(), 1, &format!("one alert: {alerts:?}"))?;
    eq((alerts[0]["kind"].as_str(), alerts[0]["observed"].as_i64()), (Some("food_safety_burst"), Some(3)), "a food-safety burst of 3")?;

    let b_view = overview(&w.b_admin.cookie, "days=1")?;
    let kinds: Vec<&str> = b_view["spikes"].as_array().map(|a| a.iter().filter_map(|s| s["kind"].as_str()).collect()).unwrap_or_default();
    check(kinds.contains(&"food_safety_burst"), format!("on B's dashboard: {kinds:?}"))?;
    let a_view = overview(&w.a_admin.cookie, "days=1")?;
    check(a_view["spikes"].as_array().is_some_and(|a| a.iter().all(|s| s["merchant"].as_str() != Some(w.merchant_b.as_str()))), "not on A's")?;

    let got = super::receiver::wait_for(std::time::Duration::from_secs(20), || {
        let got = rx.requests("/feishu-spike-b");
        (!got.is_empty()).then_some(got)
    });
    let got = got.ok_or("no spike message reached B's team channel")?;
    std::thread::sleep(std::time::Duration::from_secs(2));
    eq(rx.requests("/feishu-spike-b").len(), 1, "one message")?;
    let text = got[0].text();
    check(text.contains("投诉异常上升") && text.contains("食品安全") && text.contains("川味坊"), format!("the message: {text}"))?;
    Ok(())
}

/// Last of all: after every other test's tickets, changes, sweeps and races, the counts and the
/// duration histogram still equal what the tickets say.
pub fn counts_are_exact_after_every_other_test() -> Result<(), Failed> {
    exact("after the whole suite")
}
