//! Spike alerts, from the cron every five minutes: the hourly counts the detector reads
//! (`SpikeConfig::read_ranges`) → `qingting_shared::analytics::spike::detect` per (merchant,
//! category) and (platform, category), the food-safety 15-minute check per merchant → each new
//! alert recorded once in `spike_alerts` (the dashboard marks them) → one message per scope and
//! run (`spike::group`) to the chat channels of the platform's teams and, for a merchant's alerts,
//! of that merchant's teams, through the forwarding queue. The detector's state (cooldowns, CUSUM
//! sums) is kept as JSON between runs; a run claims its five-minute slot first, so overlapping
//! crons never both run it.

use std::collections::BTreeMap;

use qingting_shared::Lang;
use qingting_shared::analytics::period::hour_of;
use qingting_shared::analytics::spike::{self, Alert, Counts, Scope, SeriesKey, SpikeConfig, SpikeState};
use qingting_shared::forward::ForwardReason;
use qingting_shared::forward::notice::{NoticeKind, SpikeLine, spike_text};
use qingting_shared::taxonomy::{Category, Taxonomy};
use qingting_shared::workflow::calendar::{Calendar, Instant};
use worker::{D1Database, Env};

use crate::error::ApiError;
use crate::forward::{self, ForwardJob, NoticeJob};
use crate::store::analytics as store;

/// Minutes between runs.
const EVERY_MINUTES: i64 = 5;

/// Runs the detector if this five-minute slot has not run yet: the new alerts.
pub async fn sweep(db: &D1Database, env: &Env, now: Instant) -> Result<usize, ApiError> {
    let slot = now.timestamp().div_euclid(EVERY_MINUTES * 60);
    let Some(saved) = store::claim_spike_run(db, slot).await? else { return Ok(0) };
    let cfg = SpikeConfig::default();
    let mut state: SpikeState = serde_json::from_str(&saved).unwrap_or_default();
    let hour = hour_of(now);

    // The hours the detector reads, per merchant and category; the platform's are their sums.
    let mut counts = Counts::new();
    for c in store::cells(db, &cfg.read_ranges(hour)).await? {
        let n = c.n.max(0.0) as u32;
        *counts.entry(SeriesKey::platform(c.category.clone())).or_default().entry(c.hour as i64).or_default() += n;
        if !c.merchant_id.is_empty() {
            *counts.entry(SeriesKey::merchant(c.merchant_id, c.category)).or_default().entry(c.hour as i64).or_default() += n;
        }
    }
    let mut alerts = spike::detect(&counts, hour, &cfg, &mut state);

    // Food safety: an absolute threshold over the last 15 minutes, whatever the history.
    let since = now - chrono::Duration::minutes(15);
    let since = since.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
    let minute = now.timestamp().div_euclid(60);
    for (merchant, n) in store::recent_by_merchant(db, &cfg.food_safety_category, &since).await? {
        let key = SeriesKey::merchant(merchant, cfg.food_safety_category.clone());
        let series = counts.get(&key).cloned().unwrap_or_default();
        alerts.extend(spike::food_safety_check(&key, &series, minute, n, &cfg, &mut state));
    }

    // Each alert recorded once; only this run's new ones are sent.
    let now_text = Calendar::format_instant(now);
    let mut fresh = Vec::new();
    for a in alerts {
        let (scope, merchant) = match &a.key.scope {
            Scope::Platform => ("platform", ""),
            Scope::Merchant(m) => ("merchant", m.as_str()),
            Scope::Other(_) => continue,
        };
        let id = format!("{scope}/{merchant}/{}/{}/{}", a.key.category, a.kind.as_str(), a.hour);
        // "Never twice in an hour" (the detector's rule, and the food-safety burst's cooldown) is
        // also kept in SQL: two overlapping runs, each reading the state from before the other
        // saved it, must not raise the same alert twice.
        let quiet_since = Calendar::format_instant(now - chrono::Duration::minutes(60));
        if store::record_alert(db, &id, scope, merchant, &a.key.category, a.kind.as_str(), a.hour, a.observed, a.expected, a.p, &now_text, &quiet_since).await? {
            fresh.push(a);
        }
    }
    let state = serde_json::to_string(&state).map_err(|e| ApiError::Internal(e.to_string()))?;
    store::save_spike_state(db, &state).await?;
    let sent = fresh.iter().filter(|a| !a.silenced).count();
    for group in spike::group(&fresh) {
        tell(db, env, &group.scope, &group.alerts, slot).await?;
    }
    Ok(sent)
}

/// One message for one scope's alerts of a run: to the platform's teams' channels and, for a
/// merchant, to that merchant's teams' channels too.
async fn tell(db: &D1Database, env: &Env, scope: &Scope, alerts: &[Alert], slot: i64) -> Result<(), ApiError> {
    let taxonomy = Taxonomy::default_taxonomy();
    let names: Vec<String> = alerts.iter().map(|a| taxonomy.name(&Category::new(a.key.category.clone()), Lang::ZhCn).to_string()).collect();
    let lines: Vec<SpikeLine> = alerts
        .iter()
        .zip(&names)
        .map(|(a, name)| SpikeLine { category: name, kind: a.kind.as_str(), observed: a.observed, expected: a.expected, window_minutes: a.window_minutes })
        .collect();
    let (merchant, name) = match scope {
        Scope::Merchant(m) => (m.as_str(), store::merchant_name(db, m).await?),
        _ => ("", None),
    };
    let text = spike_text(if merchant.is_empty() { None } else { Some(name.as_deref().unwrap_or(merchant)) }, &lines);
    let mut teams: BTreeMap<String, ()> = store::channel_teams(db, "").await?.into_iter().map(|t| (t, ())).collect();
    if !merchant.is_empty() {
        teams.extend(store::channel_teams(db, merchant).await?.into_iter().map(|t| (t, ())));
    }
    for team in teams.into_keys() {
        let job = ForwardJob {
            complaint_id: String::new(),
            reason: ForwardReason::Created,
            notice: Some(NoticeJob {
                to_kind: "team".into(),
                to: team.clone(),
                kind: NoticeKind::Spike,
                reference: text.clone(),
                ticket_no: String::new(),
                key: format!("spike/{slot}/{merchant}/{team}"),
            }),
            csat: None,
        };
        if !forward::try_enqueue(env, &job).await {
            worker::console_error!("spike notice to team {team} could not be queued");
        }
    }
    Ok(())
}
