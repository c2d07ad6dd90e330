//! The customer's API: `POST /v1/complaints` (intake), `GET /v1/complaints/:id` (their view),
//! `POST /v1/complaints/:id/reopen` (未解决) and `…/urge` (催单). The rest of the customer's space
//! is in `customer.rs`.

use qingting_shared::analytics::dims::Channel;
use qingting_shared::api::{ComplaintReceipt, ReplyAuthor, TicketReply};
use qingting_shared::forward::ForwardReason;
use qingting_shared::intake::submission::validate_idempotency_key;
use qingting_shared::intake::{self, IntakeDecision};
use qingting_shared::workflow::calendar::Calendar;
use qingting_shared::workflow::routing::{Field, Trigger};
use qingting_shared::workflow::sla::{Clocks, CustomerSignal, escalation_for};
use qingting_shared::workflow::{Action, Actor, Change, ChangeKind, EscalationReason, Holder, TicketState, TicketStatus, apply};
use qingting_shared::{Classifier, ComplaintSubmission, Lang, Priority, TicketNo};
use worker::{D1Database, Request, Response, Result, RouteContext};

use crate::config::Config;
use crate::error::ApiError;
use crate::forward::{self, ForwardJob};
use crate::http::{self, JsonBody};
use crate::store::complaints::{self, ComplaintRow, Inserted, NewComplaint};
use crate::store::{self, sites, sla};
use crate::token;

/// Largest accepted request body. 2,000 characters of text escaped as `\uXXXX` are 12 KB.
const BODY: JsonBody = JsonBody::json(32 * 1024);

handler!(create, create_inner);
handler!(show, show_inner);
handler!(reopen, reopen_inner);
handler!(urge, urge_inner);

async fn create_inner(mut req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let submission: ComplaintSubmission = BODY.read(&mut req).await?;
    let key_header = req.headers().get("Idempotency-Key")?;
    let idempotency_key = validate_idempotency_key(key_header.as_deref())?;
    let complaint = submission.validate()?;
    // Before the first D1 call: a burst costs nothing but this.
    crate::limits::check(&ctx.env, &req, &complaint.site, crate::limits::Counted::Complaint).await?;

    let config = Config::from_env(&ctx.env);
    let db = store::db(&ctx.env)?;
    let secret = config.token_secret()?;
    let site = sites::existing(&db, &complaint.site).await?;
    let (origin, own) = (http::origin(&req)?, http::own_origin(&req)?);
    site.check_origin(origin.as_deref(), &own)?;
    crate::limits::daily_quota(&ctx.env, &db, &site.key, config.site_daily_quota).await?;
    let channel = Channel::of_request(origin.as_deref(), &own);

    let fingerprint = complaint.fingerprint_input();
    let request_hash = token::request_hash(secret, &fingerprint);
    if let Some(existing) = complaints::by_key(&db, &site.key, idempotency_key).await? {
        return replay(&db, existing, &fingerprint, secret).await;
    }

    // Never trust the client: classify again, mask and route with the code `qingting faq` runs.
    let classifier = Classifier::builtin();
    let index = crate::faq::site_index(&site)?;
    let decision: IntakeDecision = intake::decide(classifier, &index, &complaint.text, complaint.lang, site.thresholds());
    let id = uuid::Uuid::new_v4().to_string();
    let now = js_sys::Date::new_0();
    let now_iso: String = now.to_iso_string().into();
    let created = Calendar::instant_from_millis(now.get_time() as i64);
    // The SLA clocks for a ticket a person must answer, and for a merchant's site the merchant's
    // window of the three-party flow; P1 goes to the platform at once (the merchant is told).
    let terms = sla::terms_for_site(&db, &site.key).await?;
    let priority = decision.classification.priority;
    let works = matches!(decision.status, TicketStatus::New | TicketStatus::Open);
    let clocks = works.then(|| Clocks::start(&terms.policy, priority.unwrap_or(Priority::P3), created));
    let clock_columns = sla::ClockColumns::of(clocks.as_ref(), &terms.calendar)?;
    let merchant_site = site.merchant_id.is_some() && works;
    let merchant_due = if merchant_site { Some(crate::sla::merchant_window_due(&terms, created, priority)?) } else { None };
    let escalation = (merchant_site && priority == Some(Priority::P1)).then(|| urgent_escalation(&id, decision.status)).flatten();

    for _attempt in 0..3 {
        let random = u32::from_le_bytes(uuid::Uuid::new_v4().as_bytes()[..4].try_into().unwrap_or_default());
        let ticket_no = TicketNo::generate(now.get_utc_full_year(), now.get_utc_month() + 1, now.get_utc_date(), random);
        let row = NewComplaint {
            id: &id,
            ticket_no: &ticket_no,
            idempotency_key,
            request_hash: &request_hash,
            complaint: &complaint,
            intake: &decision,
            model_version: classifier.model_version(),
            now: &now_iso,
            merchant_due_at: merchant_due.as_deref(),
            clocks: &clock_columns,
            escalation: escalation.as_ref(),
            channel,
        };
        match complaints::insert(&db, &row).await? {
            Inserted::Stored => {
                route_new(&db, &id, &now_iso).await;
                if decision.decision().forwards() {
                    forward::enqueue(&ctx.env, &ForwardJob { complaint_id: id.clone(), reason: ForwardReason::Created, notice: None, csat: None }).await;
                }
                let receipt = ComplaintReceipt {
                    access_token: token::issue(secret, &id),
                    id,
                    ticket_no,
                    status: decision.status,
                    category: decision.classification.primary,
                    priority: decision.classification.priority,
                    reply: decision.reply.map(|r| TicketReply { author: ReplyAuthor::Faq, faq_id: Some(r.faq_id), text: r.text, created_at: now_iso }),
                };
                return Ok(Response::from_json(&receipt)?.with_status(201));
            }
            Inserted::KeyTaken => {
                // A concurrent request with the same key stored first: answer with its ticket.
                let existing =
                    complaints::by_key(&db, &site.key, idempotency_key).await?.ok_or_else(|| ApiError::Internal("idempotency row vanished".into()))?;
                return replay(&db, existing, &fingerprint, secret).await;
            }
            Inserted::TicketNoTaken => continue,
        }
    }
    Err(ApiError::Internal("could not allocate a unique ticket number".into()))
}

/// `POST /v1/complaints/:id/urge`: 催单. At most one per the site policy's
/// `urge_interval_minutes` per ticket (a quicker one is `429 urge_too_soon` with `Retry-After`);
/// counted, run through the rules that read urges, and once the policy's count is reached a
/// merchant's ticket goes to the platform.
async fn urge_inner(req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let id = authorized_id(&req, ctx)?;
    let db = store::db(&ctx.env)?;
    let row = complaints::by_id(&db, id).await?.ok_or(ApiError::NotFound)?;
    if !row.status.is_active() {
        return Err(ApiError::ActionNotAllowed("only a ticket still being worked can be hurried".into()));
    }
    let wait = crate::customer::urge_wait(&db, &row).await?;
    if wait > 0 {
        return Err(ApiError::UrgeTooSoon(i64::from(wait)));
    }
    let now = forward::now_iso();
    if !customer_change(&db, &row, &Action::CustomerUrge, &now).await? {
        return Err(ApiError::ActionNotAllowed("the ticket changed meanwhile; try again".into()));
    }
    if let Err(e) = crate::routing::route(&db, id, Trigger::Updated { changed: vec![Field::Urges] }, &now).await {
        worker::console_error!("routing after an urge of {id}: {e}");
    }
    escalate_after(&db, id, CustomerSignal::Urged(row.urges as u32 + 1), &now).await?;
    crate::customer::respond(&db, id, &ctx.env).await
}

/// A customer's action on their ticket, written like staff's (versioned, with its event).
async fn customer_change(db: &D1Database, row: &ComplaintRow, action: &Action, now: &str) -> Result<bool, ApiError> {
    customer_change_keyed(db, row, action, now, None).await
}

/// [`customer_change`], with the request's idempotency key kept in the event (`key`) so that a
/// retry finds it (`complaints::event_with_key`). An action the ticket's state does not allow is
/// `409 action_not_allowed` with the reason.
pub async fn customer_change_keyed(db: &D1Database, row: &ComplaintRow, action: &Action, now: &str, key: Option<&str>) -> Result<bool, ApiError> {
    let mut before = row.state();
    before.followers = crate::store::tickets::followers(db, &row.id).await?;
    let (after, mut change) = match apply(&row.id, &before, &Actor::customer(), action) {
        Ok(applied) => applied,
        Err(e) if key.is_some() => return Err(ApiError::ActionNotAllowed(e.to_string())),
        Err(_) => return Ok(false),
    };
    if let Some(key) = key {
        change.payload["key"] = key.into();
    }
    // (Only replies and notes carry an author; a customer's action writes neither.)
    let written = crate::store::tickets::AppliedChange::of(row, &before, &after, &change, action, now)?;
    crate::store::tickets::write_change(db, &written).await
}

/// The three-party flow after the customer's `signal`: the platform steps in where the policy
/// says so (`qingting_shared::workflow::sla::escalation_for`).
async fn escalate_after(db: &D1Database, id: &str, signal: CustomerSignal, now: &str) -> Result<(), ApiError> {
    let Some(row) = complaints::by_id(db, id).await? else { return Ok(()) };
    let terms = sla::terms_for_site(db, &row.site_key).await?;
    if let Some(reason) = escalation_for(&terms.policy, row.holder, signal) {
        crate::sla::escalate(db, id, reason, now, None).await?;
    }
    Ok(())
}

/// A new ticket through its routing rules, then to a person of the team they chose. The
/// complaint is stored already: a failure here is logged (the cron's assignment pass and people
/// still see the ticket), never answered as a failed submission.
async fn route_new(db: &D1Database, id: &str, now: &str) {
    match crate::routing::route(db, id, Trigger::Created, now).await {
        Ok(true) => {
            let team = complaints::by_id(db, id).await.ok().flatten().filter(|r| r.assignee_id.is_none()).and_then(|r| r.team_id);
            if let Some(team) = team
                && let Err(e) = crate::assign::fill_team(db, &team, now).await
            {
                worker::console_error!("assignment of new ticket {id}: {e}");
            }
        }
        Ok(false) => {}
        Err(e) => worker::console_error!("routing new ticket {id}: {e}"),
    }
}

/// The second event of a P1 ticket on a merchant's site: the platform takes it at intake.
fn urgent_escalation(id: &str, status: TicketStatus) -> Option<Change> {
    let state = TicketState {
        status,
        holder: Holder::Merchant,
        team: None,
        assignee: None,
        category: None,
        priority: Some(Priority::P1),
        version: 1,
        merged_into: None,
        followers: Vec::new(),
    };
    apply(id, &state, &Actor::system(), &Action::Escalate { reason: EscalationReason::Urgent }).ok().map(|(_, change)| change)
}

/// Answers a retry with the ticket it already created, or refuses a reused key.
async fn replay(db: &D1Database, existing: ComplaintRow, fingerprint: &str, secret: &str) -> Result<Response, ApiError> {
    if !token::same_request(secret, &existing.request_hash, fingerprint) {
        return Err(ApiError::IdempotencyConflict);
    }
    let reply = complaints::replies(db, &existing.id).await?.into_iter().next();
    let receipt = ComplaintReceipt {
        reply,
        ticket_no: existing.ticket_no()?,
        status: existing.status,
        category: existing.category,
        priority: existing.priority,
        access_token: token::issue(secret, &existing.id),
        id: existing.id,
    };
    let response = Response::from_json(&receipt)?.with_status(201);
    response.headers().set("Idempotent-Replayed", "true")?;
    Ok(response)
}

/// The complaint id of the path, once the customer's access token for it is checked (no database
/// read without a valid one).
pub fn authorized_id<'a>(req: &Request, ctx: &'a RouteContext<()>) -> Result<&'a str, ApiError> {
    let id = http::uuid_param(ctx, "id")?;
    let config = Config::from_env(&ctx.env);
    let auth = req.headers().get("Authorization")?.unwrap_or_default();
    let presented = auth.strip_prefix("Bearer ").unwrap_or("");
    if !token::verify(config.token_secret()?, id, presented) {
        return Err(ApiError::Unauthorized);
    }
    Ok(id)
}

async fn show_inner(req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let id = authorized_id(&req, ctx)?;
    crate::customer::respond(&store::db(&ctx.env)?, id, &ctx.env).await
}

/// The customer's 未解决 (`workflow::customer::not_solved`): passes an automatic answer on to a
/// person (idempotent: a ticket already reopened answers its view again); opens a resolution
/// again within the reopen window, which brings the platform in when the merchant held it; after
/// the window, or on a closed ticket, opens one new ticket linked to it (a retry answers the same
/// one, under `follow_up`). A ticket still being worked: `409 cannot_reopen`.
async fn reopen_inner(req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    use qingting_shared::workflow::customer::{NotSolved, not_solved};
    let id = authorized_id(&req, ctx)?;
    let db = store::db(&ctx.env)?;
    let row = complaints::by_id(&db, id).await?.ok_or(ApiError::NotFound)?;
    let now = forward::now_iso();
    let resolved_at = complaints::last_event_at(&db, id, ChangeKind::Resolved).await?.map(|at| (js_sys::Date::parse(&at) / 1000.0) as i64);
    match not_solved(row.status, resolved_at, (js_sys::Date::now() / 1000.0) as i64) {
        NotSolved::Reopen => {
            if !customer_change(&db, &row, &Action::CustomerReopen, &now).await? {
                return Err(ApiError::CannotReopen(row.status.label(Lang::En)));
            }
            escalate_after(&db, id, CustomerSignal::NotSolved, &now).await?;
        }
        NotSolved::FollowUp => {
            let (new_id, created) = crate::customer::follow_up(&db, &row, &now).await?;
            if created {
                route_new(&db, &new_id, &now).await;
                escalate_after(&db, &new_id, CustomerSignal::NotSolved, &now).await?;
                forward::enqueue(&ctx.env, &ForwardJob { complaint_id: new_id, reason: ForwardReason::Reopened, notice: None, csat: None }).await;
            }
        }
        NotSolved::PassOn => {
            if complaints::reopen(&db, &row, &now).await? {
                route_new(&db, id, &now).await;
                forward::enqueue(&ctx.env, &ForwardJob { complaint_id: id.to_string(), reason: ForwardReason::Reopened, notice: None, csat: None }).await;
            }
        }
        NotSolved::NotNow => {
            if row.reopened_at.is_none() {
                return Err(ApiError::CannotReopen(row.status.label(Lang::En)));
            }
        }
    }
    crate::customer::respond(&db, id, &ctx.env).await
}
