//! Forwarding: intake and reopening put a [`ForwardJob`] on the `FORWARD` queue; the consumer in
//! this worker delivers it to every destination of the ticket's site, logging each attempt, and
//! asks the queue to retry (with backoff) until all accepted. After the queue's `max_retries` the
//! message lands in the dead-letter queue, whose consumer marks the ticket `dead_letter`. A cron
//! sweep re-queues tickets whose message was lost. Nothing here decides *what* is sent: that is
//! `qingting_shared::forward`.

use std::time::Duration;

use futures_util::future::{Either, join_all, select};
use qingting_shared::Taxonomy;
use qingting_shared::forward::{self, AttemptOutcome, DeliveryState, Destination, FirstReply, ForwardReason, ForwardedTicket, Outcome};
use serde::{Deserialize, Serialize};
use worker::{
    AbortController, D1Database, Delay, Env, Fetch, Headers, MessageBatch, MessageExt, Method, QueueRetryOptionsBuilder, RawMessage, Request, RequestInit,
    RequestRedirect, console_error, console_warn,
};

use crate::config::{Backoff, Config};
use crate::error::ApiError;
use crate::store::complaints::{self, ComplaintRow};
use crate::store::deliveries::{self, Attempt};
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

fn iso_minus_seconds(seconds: u32) -> String {
    iso_at(js_sys::Date::now() - f64::from(seconds) * 1000.0)
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

/// The `#[event(queue)]` entry: forwarding jobs, or dead letters. Each message is parsed on its
/// own, so one malformed message cannot hold up the others.
pub async fn consume(batch: MessageBatch<ForwardJob>, env: Env) -> worker::Result<()> {
    let db = env.d1("DB")?;
    let dead = batch.queue() == DEAD_LETTER_QUEUE;
    let config = Config::from_env(&env);
    let (backoff, allow_http) = (config.backoff, config.allow_http_destinations);
    for message in batch.raw_iter() {
        let job: ForwardJob = match serde_wasm_bindgen::from_value(message.body()) {
            Ok(job) => job,
            Err(e) => {
                // Not a job this worker wrote; its ticket (if any) is still `queued` for the sweep.
                console_error!("dropping a malformed forwarding message {}: {e}", message.id());
                message.ack();
                continue;
            }
        };
        if let Some(csat) = &job.csat {
            if dead {
                console_error!("{} gave up after its retries", csat.key);
                message.ack();
                continue;
            }
            match deliver_csat(&db, csat, allow_http).await {
                Ok(true) => message.ack(),
                Ok(false) => message.retry_with_options(&QueueRetryOptionsBuilder::new().with_delay_seconds(backoff.base).build()),
                Err(e) => {
                    console_error!("{} failed before sending: {e}", csat.key);
                    message.retry_with_options(&QueueRetryOptionsBuilder::new().with_delay_seconds(backoff.base).build());
                }
            }
            continue;
        }
        if let Some(notice) = &job.notice {
            if dead {
                console_error!("notice {} to {} {} gave up after its retries", notice.key, notice.to_kind, notice.to);
                message.ack();
                continue;
            }
            match deliver_notice(&db, notice, allow_http).await {
                Ok(true) => message.ack(),
                Ok(false) => message.retry_with_options(&QueueRetryOptionsBuilder::new().with_delay_seconds(backoff.base).build()),
                Err(e) => {
                    console_error!("notice {} failed before sending: {e}", notice.key);
                    message.retry_with_options(&QueueRetryOptionsBuilder::new().with_delay_seconds(backoff.base).build());
                }
            }
            continue;
        }
        if dead {
            bury(&db, &message, &job).await;
            continue;
        }
        match deliver(&db, &job, allow_http, backoff).await {
            Ok(Progress::Done) => message.ack(),
            Ok(Progress::Pending { delay }) => message.retry_with_options(&QueueRetryOptionsBuilder::new().with_delay_seconds(delay).build()),
            Err(e) => {
                console_error!("forwarding {} failed before sending: {e}", job.complaint_id);
                let _ = deliveries::release(&db, &job.complaint_id).await;
                message.retry_with_options(&QueueRetryOptionsBuilder::new().with_delay_seconds(backoff.base).build());
            }
        }
    }
    Ok(())
}

/// A dead letter: every destination that never accepted gets a `dead_letter` log row, and the
/// ticket is marked so that a person sees it (it stays stored and forwarded in status). A ticket
/// no longer `queued` (a duplicate delivered it meanwhile) is left alone.
async fn bury(db: &D1Database, message: &RawMessage, job: &ForwardJob) {
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
        deliveries::finish(db, id, DeliveryState::DeadLetter, None, &now).await?;
        Ok(true)
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

enum Progress {
    /// Nothing more to do for this message (delivered, final, or another consumer holds it).
    Done,
    /// Some destination has not accepted yet: try again after `delay` seconds.
    Pending { delay: u32 },
}

async fn deliver(db: &D1Database, job: &ForwardJob, allow_http: bool, backoff: Backoff) -> Result<Progress, ApiError> {
    let Some(row) = complaints::by_id(db, &job.complaint_id).await? else {
        console_warn!("forwarding job for unknown ticket {}", job.complaint_id);
        return Ok(Progress::Done);
    };
    let now = now_iso();
    // Only one consumer delivers a ticket at a time. A message that finds it held or no longer
    // queued is a duplicate: the holder retries (or finishes) its own message.
    if !deliveries::claim(db, &row.id, &now, &iso_plus_seconds(LEASE_SECS)).await? {
        return Ok(Progress::Done);
    }
    let destinations = sites::destinations(db, &row.site_key).await?;
    if destinations.is_empty() {
        deliveries::finish(db, &row.id, DeliveryState::NoDestination, None, &now).await?;
        return Ok(Progress::Done);
    }
    let replies = complaints::replies(db, &row.id).await?;
    let ticket = forwarded_ticket(&row, replies.first())?;
    let log = deliveries::attempts(db, &row.id).await?;
    let taxonomy = Taxonomy::default_taxonomy();
    let reason = row.forward_reason();
    let pending: Vec<(&Destination, u32)> =
        destinations.iter().filter(|d| !deliveries::accepted(&log, &d.id)).map(|d| (d, deliveries::failures(&log, &d.id) + 1)).collect();
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
    for ((d, attempt), (status, outcome)) in pending.iter().zip(results) {
        let (outcome, detail) = match &outcome {
            Outcome::Delivered => (AttemptOutcome::Delivered, None),
            Outcome::Retry(why) => {
                most_failures = most_failures.max(*attempt);
                (AttemptOutcome::Failed, Some(why.as_str()))
            }
        };
        let a = Attempt { complaint_id: &row.id, destination_id: &d.id, attempt: *attempt, outcome, http_status: status, detail };
        deliveries::log_attempt(db, &a, &now_iso()).await?;
    }
    if most_failures > 0 {
        let delay = forward::retry_delay(most_failures, backoff.base, backoff.max);
        deliveries::finish(db, &row.id, DeliveryState::Queued, Some(&iso_plus_seconds(delay)), &now_iso()).await?;
        Ok(Progress::Pending { delay })
    } else {
        deliveries::finish(db, &row.id, DeliveryState::Delivered, None, &now_iso()).await?;
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

/// The cron sweep: re-queues tickets still `queued` five minutes after their next attempt was due
/// and held by nobody (their message was lost or never sent). Duplicates are harmless: the lease
/// lets one consumer deliver, and deliveries already accepted are never sent again.
pub async fn sweep(env: &Env) -> Result<u32, ApiError> {
    let db = store::db(env)?;
    let now = now_iso();
    let stuck = deliveries::claim_stuck(&db, &iso_minus_seconds(SWEEP_GRACE_SECS), &now, &iso_plus_seconds(2 * SWEEP_GRACE_SECS), 100).await?;
    let mut n = 0;
    for row in stuck {
        let reason = complaints::forward_reason(row.reopened_at.as_deref());
        enqueue(env, &ForwardJob { complaint_id: row.id, reason, notice: None, csat: None }).await;
        n += 1;
    }
    Ok(n)
}
