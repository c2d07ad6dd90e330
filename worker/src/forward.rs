//! Forwarding: intake and reopening put a [`ForwardJob`] on the `FORWARD` queue; the consumer in
//! this worker delivers it to every destination of the ticket's site, logging each attempt, and
//! asks the queue to retry (with backoff) until all accepted. After the queue's `max_retries` (over
//! a day: `retry_horizon`, checked against `wrangler.toml` by a test) the message lands in the
//! dead-letter queue, whose consumer marks the ticket `dead_letter` and tells the platform's and
//! the merchant's team channels. A redrive (by hand, or when the site's destinations change) puts
//! it back. A cron sweep re-queues tickets whose message was lost. Nothing here decides *what* is
//! sent: that is `qingting_shared::forward`.
//!
//! Invariant: a ticket is delivered by the one consumer holding its lease (`delivery_lease`, with
//! its owner's token); only the owner finishes or releases it, and a message that finds the lease
//! held is retried after the lease would expire, never acknowledged without work.

use std::time::Duration;

use futures_util::future::{Either, join_all, select};
use qingting_shared::Taxonomy;
use qingting_shared::forward::notice::NoticeKind;
use qingting_shared::forward::{self, AttemptOutcome, DeliveryState, Destination, FirstReply, ForwardReason, ForwardedTicket, Outcome};
use serde::{Deserialize, Serialize};
use worker::{
    AbortController, D1Database, Delay, Env, Fetch, Headers, MessageBatch, MessageExt, Method, QueueRetryOptionsBuilder, RawMessage, Request, RequestInit,
    RequestRedirect, console_error, console_warn,
};

use crate::config::{Backoff, Config};
use crate::error::ApiError;
use crate::store::complaints::{self, ComplaintRow};
use crate::store::deliveries::{self, Attempt, Claim};
use crate::store::{self, sites};

/// Queue binding (producer) for forwarding jobs.
pub const QUEUE_BINDING: &str = "FORWARD";
/// The dead-letter queue's name (as in `wrangler.toml`).
pub const DEAD_LETTER_QUEUE: &str = "qingting-forward-dlq";
/// A receiver that has not answered after this long counts as a failed attempt.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// One queue message: deliver this ticket.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ForwardJob {
    pub complaint_id: String,
    pub reason: ForwardReason,
    /// Not a forwarding but a staff notice to a chat channel (`worker/src/notices.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<NoticeJob>,
    /// Not a forwarding but a customer's rating for the site's webhooks (`csat.submitted`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csat: Option<CsatJob>,
}

/// A rating to tell the site's webhooks about, signed, with its delivery id.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CsatJob {
    pub site: String,
    pub ticket_no: String,
    pub score: u8,
    pub reason: Option<String>,
    pub comment: String,
    pub credited: Option<String>,
    /// `csat/<ticket id>`: the same on every retry.
    pub key: String,
}

/// A notice for a person's or a team's channel: who, what, and its delivery key.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NoticeJob {
    /// `user` or `team`.
    pub to_kind: String,
    pub to: String,
    pub kind: qingting_shared::forward::notice::NoticeKind,
    pub reference: String,
    pub ticket_no: String,
    /// `notice/<notification id>/<user|team id>`: the same on every retry.
    pub key: String,
}

pub fn now_iso() -> String {
    js_sys::Date::new_0().to_iso_string().into()
}

fn iso_at(ms: f64) -> String {
    js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms)).to_iso_string().into()
}

fn iso_plus_seconds(seconds: u32) -> String {
    iso_at(js_sys::Date::now() + f64::from(seconds) * 1000.0)
}

/// Queues a job. A failure is logged, not returned: the ticket is stored with `delivery =
/// 'queued'`, and the cron sweep queues it again.
pub async fn enqueue(env: &Env, job: &ForwardJob) {
    let sent = match env.queue(QUEUE_BINDING) {
        Ok(q) => q.send(job).await,
        Err(e) => Err(e),
    };
    if let Err(e) = sent {
        console_error!("could not queue forwarding of {} (the cron sweep will retry): {e}", job.complaint_id);
    }
}

/// Queues `job`; `false` (logged) if the queue refused it.
pub async fn try_enqueue(env: &Env, job: &ForwardJob) -> bool {
    let sent = match env.queue(QUEUE_BINDING) {
        Ok(q) => q.send(job).await,
        Err(e) => Err(e),
    };
    if let Err(e) = &sent {
        console_error!("could not queue a job for {}: {e}", job.complaint_id);
    }
    sent.is_ok()
}

/// How long a consumer holds a ticket: every destination is tried at once, each within
/// [`SEND_TIMEOUT`], so this is ample; a consumer that dies mid-way loses it after this.
const LEASE_SECS: u32 = 120;
/// The sweep re-queues a ticket this long after its next attempt was due.
const SWEEP_GRACE_SECS: u32 = 300;

/// The `#[event(queue)]` entry: forwarding jobs, or dead letters. The batch's messages are handled
/// at once, each on its own (one slow receiver or one malformed message holds up nobody; every
/// send has its own time limit, [`SEND_TIMEOUT`]). Each message reserves the D1 queries it may
/// need ([`ForwardJob::cost`]) from `D1_QUERY_BUDGET` (Workers Free allows 50 per invocation);
/// those that do not fit are queued again as new messages, which spends none of their retries.
pub async fn consume(batch: MessageBatch<ForwardJob>, env: Env) -> worker::Result<()> {
    let db = env.d1("DB")?;
    let dead = batch.queue() == DEAD_LETTER_QUEUE;
    let config = Config::from_env(&env);
    // This invocation's lease token: only it may finish or release the leases it takes.
    let owner = crate::crypto::random_bytes(12).map(|b| crate::crypto::sha256_hex(&b)).map_err(|e| worker::Error::RustError(e.to_string()))?;
    let messages: Vec<RawMessage> = batch.raw_iter().collect();
    let reserved = std::cell::Cell::new(0u32);
    join_all(messages.iter().map(|m| handle(&db, &env, m, dead, &config, &owner, &reserved))).await;
    Ok(())
}

impl ForwardJob {
    /// The most D1 queries handling this job takes: a notice or a rating reads its channel or
    /// destinations; a delivery reads the ticket, its lease, destinations, replies and log, writes
    /// one row per destination (up to 10) and its state; a dead letter about as much, and its alert.
    fn cost(&self, dead: bool) -> u32 {
        match (&self.notice, &self.csat) {
            (Some(_), _) | (_, Some(_)) => 2,
            _ if dead => 18,
            _ => 16,
        }
    }
}

async fn handle(db: &D1Database, env: &Env, message: &RawMessage, dead: bool, config: &Config, owner: &str, reserved: &std::cell::Cell<u32>) {
    let (backoff, allow_http) = (config.backoff, config.allow_http_destinations);
    {
        let job: ForwardJob = match serde_wasm_bindgen::from_value(message.body()) {
            Ok(job) => job,
            Err(e) => {
                // Not a job this worker wrote; its ticket (if any) is still `queued` for the sweep.
                console_error!("dropping a malformed forwarding message {}: {e}", message.id());
                message.ack();
                return;
            }
        };
        // Reserved before the first await, so the batch's messages share the budget in order.
        let cost = job.cost(dead);
        if reserved.get() + cost > config.d1_query_budget && reserved.get() > 0 {
            // A job goes to the back of the queue afresh; a dead letter (rare) is retried.
            if !dead && try_enqueue(env, &job).await {
                message.ack();
            } else {
                message.retry();
            }
            return;
        }
        reserved.set(reserved.get() + cost);
        if let Some(csat) = &job.csat {
            if dead {
                console_error!("{} gave up after its retries", csat.key);
                message.ack();
                return;
            }
            match deliver_csat(db, csat, allow_http).await {
                Ok(true) => message.ack(),
                Ok(false) => message.retry_with_options(&QueueRetryOptionsBuilder::new().with_delay_seconds(backoff.base).build()),
                Err(e) => {
                    console_error!("{} failed before sending: {e}", csat.key);
                    message.retry_with_options(&QueueRetryOptionsBuilder::new().with_delay_seconds(backoff.base).build());
                }
            }
            return;
        }
        if let Some(notice) = &job.notice {
            if dead {
                console_error!("notice {} to {} {} gave up after its retries", notice.key, notice.to_kind, notice.to);
                message.ack();
                return;
            }
            match deliver_notice(db, notice, allow_http).await {
                Ok(true) => message.ack(),
                Ok(false) => message.retry_with_options(&QueueRetryOptionsBuilder::new().with_delay_seconds(backoff.base).build()),
                Err(e) => {
                    console_error!("notice {} failed before sending: {e}", notice.key);
                    message.retry_with_options(&QueueRetryOptionsBuilder::new().with_delay_seconds(backoff.base).build());
                }
            }
            return;
        }
        if dead {
            bury(db, env, message, &job, config).await;
            return;
        }
        match deliver(db, &job, allow_http, backoff, owner, config.forward_retries).await {
            Ok(Progress::Done) => message.ack(),
            // Retried past the horizon (counted from the log, whatever the queue's count says).
            Ok(Progress::GiveUp) => bury(db, env, message, &job, config).await,
            Ok(Progress::Pending { delay }) => message.retry_with_options(&QueueRetryOptionsBuilder::new().with_delay_seconds(delay).build()),
            Err(e) => {
                console_error!("forwarding {} failed before sending: {e}", job.complaint_id);
                let _ = deliveries::release(db, &job.complaint_id, owner).await;
                message.retry_with_options(&QueueRetryOptionsBuilder::new().with_delay_seconds(backoff.base).build());
            }
        }
    }
}

/// A dead letter: every destination that never accepted gets a `dead_letter` log row, and the
/// ticket is marked so that a person sees it (it stays stored and forwarded in status). A ticket
/// no longer `queued` (a duplicate delivered it meanwhile) is left alone.
async fn bury(db: &D1Database, env: &Env, message: &RawMessage, job: &ForwardJob, config: &Config) {
    let id = &job.complaint_id;
    let result: Result<bool, ApiError> = async {
        let Some(row) = complaints::by_id(db, id).await? else { return Ok(false) };
        if !row.delivery.can_finish() {
            return Ok(false);
        }
        let now = now_iso();
        let log = deliveries::attempts(db, id).await?;
        for d in sites::destinations(db, &row.site_key).await? {
            if !deliveries::accepted(&log, &d.id) {
                let a = Attempt {
                    complaint_id: id,
                    destination_id: &d.id,
                    attempt: deliveries::failures(&log, &d.id) + 1,
                    outcome: AttemptOutcome::DeadLetter,
                    http_status: None,
                    detail: Some("retries exhausted; in the dead-letter queue"),
                };
                deliveries::log_attempt(db, &a, &now).await?;
            }
        }
        deliveries::finish(db, id, DeliveryState::DeadLetter, None, &now, None).await?;
        let marked = complaints::by_id(db, id).await?.is_some_and(|r| r.delivery == DeliveryState::DeadLetter);
        if marked {
            tell_dead_letter(db, env, &row, config).await?;
        }
        Ok(marked)
    }
    .await;
    match result {
        Ok(marked) => {
            if marked {
                console_error!("ticket {id}: forwarding retries exhausted, marked dead_letter");
            }
            message.ack();
        }
        // Keep the dead letter until it can be recorded.
        Err(e) => {
            console_error!("ticket {id}: could not record the dead letter: {e}");
            message.retry();
        }
    }
}

/// A notice to every team channel of the platform (`key/<team>` each); failures are logged.
pub async fn tell_platform(env: &Env, db: &D1Database, kind: NoticeKind, reference: &str, key: &str) {
    let teams = match crate::store::analytics::channel_teams(db, "").await {
        Ok(t) => t,
        Err(e) => {
            console_error!("{key}: the platform's channels could not be read: {e}");
            return;
        }
    };
    for team in teams {
        let notice = NoticeJob { to_kind: "team".into(), key: format!("{key}/{team}"), to: team, kind, reference: reference.into(), ticket_no: String::new() };
        if !try_enqueue(env, &ForwardJob { complaint_id: String::new(), reason: ForwardReason::Created, notice: Some(notice), csat: None }).await {
            console_error!("{key}: a notice could not be queued");
        }
    }
}

/// The alert on a dead letter: one notice to every team channel of the platform and of the
/// ticket's merchant, each with its own delivery key (`dead_letter/<ticket>/<team>`).
async fn tell_dead_letter(db: &D1Database, env: &Env, row: &ComplaintRow, config: &Config) -> Result<(), ApiError> {
    let merchant = sites::get(db, &row.site_key).await?.and_then(|s| s.merchant_id).unwrap_or_default();
    let mut teams = crate::store::analytics::channel_teams(db, "").await?;
    if !merchant.is_empty() {
        teams.extend(crate::store::analytics::channel_teams(db, &merchant).await?);
    }
    teams.sort();
    teams.dedup();
    let hours = forward::retry_horizon(config.forward_retries, config.backoff.base, config.backoff.max).div_ceil(3600);
    for team in teams {
        let notice = NoticeJob {
            to_kind: "team".into(),
            key: format!("dead_letter/{}/{team}", row.id),
            to: team,
            kind: NoticeKind::DeadLetter,
            reference: hours.to_string(),
            ticket_no: row.ticket_no.clone(),
        };
        if !try_enqueue(env, &ForwardJob { complaint_id: row.id.clone(), reason: ForwardReason::Created, notice: Some(notice), csat: None }).await {
            console_error!("the dead-letter alert for {} could not be queued", row.id);
        }
    }
    Ok(())
}

enum Progress {
    /// Nothing more to do for this message (delivered, final, or another consumer holds it).
    Done,
    /// Some destination has not accepted yet: try again after `delay` seconds.
    Pending { delay: u32 },
    /// A destination has failed for longer than the retry horizon: a dead letter now.
    GiveUp,
}

async fn deliver(db: &D1Database, job: &ForwardJob, allow_http: bool, backoff: Backoff, owner: &str, retries: u32) -> Result<Progress, ApiError> {
    let Some(row) = complaints::by_id(db, &job.complaint_id).await? else {
        console_warn!("forwarding job for unknown ticket {}", job.complaint_id);
        return Ok(Progress::Done);
    };
    let now = now_iso();
    // Only one consumer delivers a ticket at a time. A message that finds it no longer queued is
    // done; one that finds it held comes back once the lease would have expired (if the holder
    // died, this message delivers it then).
    match deliveries::claim(db, &row.id, &now, &iso_plus_seconds(LEASE_SECS), owner).await? {
        Claim::Taken => {}
        Claim::Held => return Ok(Progress::Pending { delay: LEASE_SECS }),
        Claim::Gone => return Ok(Progress::Done),
    }
    let destinations = sites::destinations(db, &row.site_key).await?;
    if destinations.is_empty() {
        deliveries::finish(db, &row.id, DeliveryState::NoDestination, None, &now, Some(owner)).await?;
        return Ok(Progress::Done);
    }
    let replies = complaints::replies(db, &row.id).await?;
    let mut ticket = forwarded_ticket(&row, replies.first())?;
    ticket.contact = crate::seal::open_opt(ticket.contact).await?;
    let log = deliveries::attempts(db, &row.id).await?;
    let taxonomy = Taxonomy::default_taxonomy();
    let reason = row.forward_reason();
    // Destinations whose circuit breaker is open are not tried now: the ticket waits for them.
    let health = deliveries::health(db, &row.site_key).await?;
    let now_ms = js_sys::Date::now() as i64;
    let breaker = |d: &Destination| health.get(&d.id).copied().unwrap_or_default();
    // (destination, the number this attempt will have), tried now or resting.
    type Due<'a> = Vec<(&'a Destination, u32)>;
    let (pending, resting): (Due, Due) = destinations
        .iter()
        .filter(|d| !deliveries::accepted(&log, &d.id))
        .map(|d| (d, deliveries::failures(&log, &d.id) + 1))
        .partition(|(d, _)| breaker(d).allows(now_ms));
    let rest_secs = resting.iter().map(|(d, _)| breaker(d).wait_secs(now_ms)).max().unwrap_or(0);
    // Every destination at once: one slow receiver does not hold up the others.
    let results = join_all(pending.iter().map(|(d, _)| async {
        if d.validate(allow_http).is_err() {
            (None, Outcome::Retry("the destination's URL is not allowed here".into()))
        } else {
            send(d, &ticket, reason, &taxonomy).await
        }
    }))
    .await;
    let mut most_failures = 0;
    let mut breakers = Vec::with_capacity(pending.len());
    for ((d, attempt), (status, outcome)) in pending.iter().zip(results) {
        let (outcome, detail) = match &outcome {
            Outcome::Delivered => (AttemptOutcome::Delivered, None),
            Outcome::Retry(why) => {
                most_failures = most_failures.max(*attempt);
                (AttemptOutcome::Failed, Some(why.as_str()))
            }
        };
        // Never held longer than the longest backoff (which tests shorten to seconds).
        let cool_down = forward::breaker::COOL_DOWN_MS.min(i64::from(backoff.max) * 1000);
        breakers.push((d.id.as_str(), breaker(d).record(outcome == AttemptOutcome::Delivered, now_ms, cool_down)));
        let a = Attempt { complaint_id: &row.id, destination_id: &d.id, attempt: *attempt, outcome, http_status: status, detail };
        deliveries::log_attempt(db, &a, &now_iso()).await?;
    }
    deliveries::record_health(db, &row.site_key, &breakers).await?;
    // The horizon is also kept by time, from the log: a message queued again past the D1 budget
    // starts its queue count over, but not its first failure.
    let horizon_ms = forward::retry_horizon(retries, backoff.base, backoff.max) as f64 * 1000.0;
    let first_failure =
        pending.iter().chain(resting.iter()).filter_map(|(d, _)| deliveries::first_failure(&log, &d.id)).map(|at| js_sys::Date::parse(&at)).reduce(f64::min);
    if (most_failures > 0 || rest_secs > 0) && first_failure.is_some_and(|t| js_sys::Date::now() - t >= horizon_ms) {
        deliveries::release(db, &row.id, owner).await?;
        return Ok(Progress::GiveUp);
    }
    if most_failures > 0 || rest_secs > 0 {
        let backed_off = if most_failures > 0 { forward::retry_delay(most_failures, backoff.base, backoff.max) } else { backoff.base };
        let delay = backed_off.max(rest_secs);
        deliveries::finish(db, &row.id, DeliveryState::Queued, Some(&iso_plus_seconds(delay)), &now_iso(), Some(owner)).await?;
        Ok(Progress::Pending { delay })
    } else {
        deliveries::finish(db, &row.id, DeliveryState::Delivered, None, &now_iso(), Some(owner)).await?;
        Ok(Progress::Done)
    }
}

fn forwarded_ticket(row: &ComplaintRow, first: Option<&qingting_shared::api::TicketReply>) -> Result<ForwardedTicket, ApiError> {
    Ok(ForwardedTicket {
        id: row.id.clone(),
        ticket_no: row.ticket_no.clone(),
        site: row.site_key.clone(),
        status: row.status,
        complaint: row.complaint != 0,
        category: row.category.clone(),
        priority: row.priority,
        text: row.text.clone(),
        order_id: row.order_id.clone(),
        contact: row.contact.clone(),
        lang: row.lang.clone(),
        created_at: row.created_at.clone(),
        first_reply: first.map(|r| FirstReply { faq_id: r.faq_id.clone().unwrap_or_default(), text: r.text.clone() }),
    })
}

/// One attempt: the HTTP status (if any answer came) and the verdict. Redirects are not followed
/// (a 302 would turn the POST into a GET, a 307 would carry the signed body elsewhere); the time
/// limit covers the answer's body too.
async fn send(d: &Destination, ticket: &ForwardedTicket, reason: ForwardReason, taxonomy: &Taxonomy) -> (Option<u16>, Outcome) {
    send_request(d.kind, forward::render(d, ticket, reason, js_sys::Date::now() as i64, taxonomy)).await
}

/// Delivers a notice to its channel: `true` when the receiver accepted it (or there is no channel
/// any more), `false` to retry.
async fn deliver_notice(db: &D1Database, n: &NoticeJob, allow_http: bool) -> Result<bool, ApiError> {
    let Some(dest) = crate::store::notifications::channel(db, &n.to_kind, &n.to).await? else { return Ok(true) };
    if dest.validate(allow_http).is_err() {
        console_warn!("notice {}: the channel's URL is not allowed here", n.key);
        return Ok(true);
    }
    let text = if n.to_kind == "team" {
        qingting_shared::forward::notice::team_notice_text(n.kind, &n.reference, &n.ticket_no)
    } else {
        qingting_shared::forward::notice::notice_text(n.kind, &n.reference, &n.ticket_no)
    };
    let out = qingting_shared::forward::notice::render_notice(&dest, &n.key, n.kind, &n.ticket_no, &text, js_sys::Date::now() as i64);
    match send_request(dest.kind, out).await {
        (_, Outcome::Delivered) => Ok(true),
        (status, Outcome::Retry(why)) => {
            console_warn!("notice {} not accepted ({status:?}): {why}", n.key);
            Ok(false)
        }
    }
}

/// Tells each of the site's webhooks about a rating: `true` once all accepted (a retry sends to
/// every webhook again under the same delivery id, which receivers deduplicate on).
async fn deliver_csat(db: &D1Database, c: &CsatJob, allow_http: bool) -> Result<bool, ApiError> {
    let envelope = qingting_shared::forward::notice::CsatEnvelope {
        event: "csat.submitted".into(),
        delivery_id: c.key.clone(),
        ticket_no: c.ticket_no.clone(),
        score: c.score,
        reason: c.reason.clone(),
        comment: c.comment.clone(),
        credited: c.credited.clone(),
    };
    let mut all = true;
    for d in sites::destinations(db, &c.site).await? {
        if d.validate(allow_http).is_err() {
            continue;
        }
        let Some(out) = qingting_shared::forward::notice::render_csat(&d, &envelope, js_sys::Date::now() as i64) else { continue };
        if let (status, Outcome::Retry(why)) = send_request(d.kind, out).await {
            console_warn!("{} to {} not accepted ({status:?}): {why}", c.key, d.id);
            all = false;
        }
    }
    Ok(all)
}

/// Sends one rendered request within [`SEND_TIMEOUT`], redirects not followed, and judges the
/// answer as `kind`'s receivers answer.
async fn send_request(kind: forward::DestinationKind, out: forward::OutgoingRequest) -> (Option<u16>, Outcome) {
    let headers = Headers::new();
    for (k, v) in &out.headers {
        if headers.set(k, v).is_err() {
            return (None, Outcome::Retry(format!("cannot set header {k}")));
        }
    }
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_headers(headers).with_body(Some(out.body.into())).with_redirect(RequestRedirect::Manual);
    let request = match Request::new_with_init(&out.url, &init) {
        Ok(r) => r,
        Err(_) => return (None, Outcome::Retry("the destination URL cannot be requested".into())),
    };
    let controller = AbortController::default();
    let signal = controller.signal();
    let fetch = Fetch::Request(request);
    let exchange = async {
        let mut response = fetch.send_with_signal(&signal).await?;
        let status = response.status_code();
        // The generic webhook is judged by its status alone; the bots answer in the body.
        let body = if kind == forward::DestinationKind::Webhook { String::new() } else { response.text().await? };
        Ok::<_, worker::Error>((status, body))
    };
    let timeout = Delay::from(SEND_TIMEOUT);
    match select(Box::pin(exchange), Box::pin(timeout)).await {
        Either::Left((Ok((status, body)), _)) => (Some(status), forward::judge(kind, status, &body)),
        // A fixed reason: the runtime's message may quote the URL, which can carry a token.
        Either::Left((Err(_), _)) => (None, Outcome::Retry("network error: the receiver could not be reached".into())),
        Either::Right(_) => {
            controller.abort();
            (None, Outcome::Retry(format!("no answer within {} s", SEND_TIMEOUT.as_secs())))
        }
    }
}

/// Redrives dead letters and tickets without destination (`target`), records why and by whom in
/// the same batch, and queues them again; how many.
pub async fn redrive(env: &Env, db: &D1Database, target: deliveries::RedriveTarget<'_>, why: deliveries::RedriveWhy, actor: Option<&str>) -> Result<usize, ApiError> {
    let rows = deliveries::redrive(db, target, why, actor, &now_iso(), REDRIVE_LIMIT).await?;
    for row in &rows {
        let reason = complaints::forward_reason(row.reopened_at.as_deref());
        enqueue(env, &ForwardJob { complaint_id: row.id.clone(), reason, notice: None, csat: None }).await;
    }
    Ok(rows.len())
}

/// At most this many tickets of a site are redriven at once (the API says how many; call again for more).
pub const REDRIVE_LIMIT: u32 = 100;

/// The cron sweep: re-queues tickets still `queued` five minutes after their next attempt was due
/// and held by nobody (their message was lost or never sent). Duplicates are harmless: the lease
/// lets one consumer deliver, and deliveries already accepted are never sent again.
/// `now_ms` is the cron's time (the schedule's, or the dev clock's under `DEV_CLOCK`).
pub async fn sweep(env: &Env, now_ms: f64) -> Result<u32, ApiError> {
    let db = store::db(env)?;
    let grace = f64::from(SWEEP_GRACE_SECS) * 1000.0;
    let stuck = deliveries::claim_stuck(&db, &iso_at(now_ms - grace), &iso_at(now_ms), &iso_at(now_ms + 2.0 * grace), 100).await?;
    let mut n = 0;
    for row in stuck {
        let reason = complaints::forward_reason(row.reopened_at.as_deref());
        enqueue(env, &ForwardJob { complaint_id: row.id, reason, notice: None, csat: None }).await;
        n += 1;
    }
    Ok(n)
}
