//! Notifications to chat channels: each minute the cron takes the notifications not yet sent,
//! and for the person's channel and the ticket team's channel (the team's once per ticket, kind
//! and reference, however many members were told) queues a notice on the forwarding queue, whose
//! consumer renders it (`qingting_shared::forward::notice`) and delivers it with retries. A notice
//! waits for the recipient's business hours — the platform's calendar for platform staff, the
//! ticket's merchant's for the merchant's — unless the ticket is P1. Routing rules' "notify a
//! destination" (`rule_notices`) go to the site's destination at once.

use std::collections::HashMap;

use qingting_shared::Priority;
use qingting_shared::forward::notice::NoticeKind;
use qingting_shared::workflow::calendar::{Calendar, Instant};
use worker::Env;

use crate::error::ApiError;
use crate::forward::{self, ForwardJob, NoticeJob};
use crate::store;
use crate::store::notifications::{self, Unsent};
use crate::store::sla::{Terms, terms_for_merchant, terms_for_site};
use qingting_shared::forward::ForwardReason;

/// Statements one notification may take (the terms, its claim, the team claim, a claim given back).
const PER_NOTICE: u32 = 4;

/// Queues the notices due at `now` while the run stays within `budget` statements: how many
/// notifications it handled.
pub async fn sweep(db: &worker::D1Database, env: &Env, now: Instant, budget: u32) -> Result<u32, ApiError> {
    let room = |more: u32| store::statements_used() + more <= budget;
    if !room(1 + PER_NOTICE) {
        return Ok(0);
    }
    let now_text = Calendar::format_instant(now);
    let list = notifications::unsent(db, ((budget.saturating_sub(store::statements_used())) / PER_NOTICE).clamp(1, 50)).await?;
    let mut terms: HashMap<String, Terms> = HashMap::new();
    let mut handled = 0;
    for n in list {
        if !room(PER_NOTICE) {
            break;
        }
        let has_channel = n.user_channel != 0.0 || (n.team_channel != 0.0 && n.team_id.is_some());
        if has_channel && n.priority != Some(Priority::P1) {
            let key = if n.platform_staff != 0.0 { String::new() } else { format!("site:{}", n.site_key) };
            if !terms.contains_key(&key) {
                let t = if key.is_empty() { terms_for_merchant(db, "").await? } else { terms_for_site(db, &n.site_key).await? };
                terms.insert(key.clone(), t);
            }
            if terms.get(&key).is_some_and(|t| !t.calendar.is_open(now)) {
                continue;
            }
        }
        // Claimed first, so two runs at once never both queue it; given back if the queue refuses.
        if !notifications::claim(db, n.id as u64, &now_text).await? {
            continue;
        }
        if has_channel && !queue(db, env, &n, &now_text).await? {
            notifications::unclaim(db, n.id as u64).await?;
            continue;
        }
        handled += 1;
    }
    // Routing rules' "notify a destination": at once (the rule asked for it).
    if room(1 + PER_NOTICE) {
        for r in notifications::unsent_rule_notices(db, ((budget.saturating_sub(store::statements_used())) / PER_NOTICE).clamp(1, 50)).await? {
            if !room(PER_NOTICE) {
                break;
            }
            if !notifications::claim_rule_notice(db, r.id as u64, Some(&now_text)).await? {
                continue;
            }
            let job = ForwardJob {
                complaint_id: r.ticket_id.clone(),
                reason: ForwardReason::Created,
                notice: Some(NoticeJob {
                    to_kind: "destination".into(),
                    to: format!("{}\n{}", r.site_key, r.destination_id),
                    kind: NoticeKind::Routed,
                    reference: r.rules.clone(),
                    ticket_no: r.ticket_no.clone(),
                    key: format!("rule-notice/{}", r.id as u64),
                }),
                csat: None,
            };
            if !forward::try_enqueue(env, &job).await {
                notifications::claim_rule_notice(db, r.id as u64, None).await?;
                continue;
            }
            handled += 1;
        }
    }
    Ok(handled)
}

/// Queues `n`'s notices; `false` if the queue refused (the next run tries again).
async fn queue(db: &worker::D1Database, env: &Env, n: &Unsent, now: &str) -> Result<bool, ApiError> {
    let Some(kind) = NoticeKind::parse(&n.kind) else { return Ok(true) };
    let job = |to_kind: &str, to: &str| ForwardJob {
        complaint_id: n.ticket_id.clone(),
        reason: ForwardReason::Created,
        notice: Some(NoticeJob {
            to_kind: to_kind.into(),
            to: to.into(),
            kind,
            reference: n.reference.clone(),
            ticket_no: n.ticket_no.clone(),
            key: format!("notice/{}/{to}", n.id as u64),
        }),
        csat: None,
    };
    if n.user_channel != 0.0 && !forward::try_enqueue(env, &job("user", &n.user_id)).await {
        return Ok(false);
    }
    if let Some(team) = n.team_id.as_deref().filter(|_| n.team_channel != 0.0)
        && notifications::claim_team_notice(db, team, &n.ticket_id, &n.kind, &n.reference, now).await?
        && !forward::try_enqueue(env, &job("team", team)).await
    {
        return Ok(false);
    }
    Ok(true)
}
