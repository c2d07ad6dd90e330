//! The customer's space (我的投诉): their view of a ticket with its public timeline, the list of a
//! browser's tickets, 补充信息, 已解决, the satisfaction survey and the 预警工单 a low score opens.
//! Every action is scoped by the ticket's access token (`complaints::authorized_id`).
//!
//! `POST /v1/complaints/status`, `POST /v1/complaints/:id/messages`, `POST /v1/complaints/:id/solved`,
//! `POST /v1/complaints/:id/rating`; the view is `GET /v1/complaints/:id` (`complaints.rs`).

use qingting_shared::api::{ComplaintView, CustomerMessage, FollowUpRef, StatusAnswer, StatusRequest, SurveyView};
use qingting_shared::forward::ForwardReason;
use qingting_shared::intake::mask::mask_pii;
use qingting_shared::workflow::calendar::Calendar;
use qingting_shared::workflow::customer::{ALERT_TARGETS_MINUTES, MAX_STATUS_TICKETS, Rating, TicketKind, comment_is_negative, needs_alert, survey_open};
use qingting_shared::workflow::sla::{Clocks, SlaPolicy};
use qingting_shared::workflow::{Action, ChangeKind, Holder, TicketNo, TicketStatus};
use qingting_shared::{Classifier, Lang, Priority};
use worker::{D1Database, Env, Request, Response, RouteContext};

use crate::config::Config;
use crate::error::ApiError;
use crate::forward::{self, CsatJob, ForwardJob};
use crate::http::JsonBody;
use crate::store::complaints::{self, ComplaintRow};
use crate::store::customer::{self as space, Linked, LinkedTicket};
use crate::store::{self, sites, sla};
use crate::token;

const BODY: JsonBody = JsonBody::json(16 * 1024);

handler!(status, status_inner);
handler!(message, message_inner);
handler!(solved, solved_inner);
handler!(rating, rating_inner);

/// The customer's view of ticket `id`: the row, public replies, the public timeline, when 催单 is
/// allowed again, the survey, and a follow-up ticket with its own token.
pub async fn view(db: &D1Database, id: &str, secret: &str) -> std::result::Result<ComplaintView, ApiError> {
    let row = complaints::by_id(db, id).await?.ok_or(ApiError::NotFound)?;
    if row.kind != TicketKind::Complaint {
        return Err(ApiError::NotFound);
    }
    let status = row.status;
    let urge_wait = if status.is_active() { urge_wait(db, &row).await? } else { 0 };
    let replies = complaints::replies(db, id).await?;
    let mut view = row.into_view(replies)?;
    view.timeline = space::timeline(db, id).await?;
    view.urge_wait = urge_wait;
    view.survey = space::survey(db, id).await?.map(|s| SurveyView { score: s.score.map(|v| v as u8), open: survey_open(true, s.score.is_some(), status) });
    if let Some(f) = space::linked_of(db, id, TicketKind::Complaint).await?
        && let Some(frow) = complaints::by_id(db, &f).await?
    {
        view.follow_up = Some(FollowUpRef { ticket_no: frow.ticket_no()?, access_token: token::issue(secret, &f), id: f });
    }
    Ok(view)
}

/// Seconds until the customer may 催单 again (the site's policy's interval since the last one).
pub async fn urge_wait(db: &D1Database, row: &ComplaintRow) -> std::result::Result<u32, ApiError> {
    let Some(last) = complaints::last_event_at(db, &row.id, ChangeKind::CustomerUrged).await? else { return Ok(0) };
    let terms = sla::terms_for_site(db, &row.site_key).await?;
    let interval = f64::from(terms.policy.urge_interval_minutes) * 60.0;
    let since = (js_sys::Date::now() - js_sys::Date::parse(&last)) / 1000.0;
    Ok(if since.is_nan() || since >= interval { 0 } else { (interval - since).ceil() as u32 })
}

pub async fn respond(db: &D1Database, id: &str, env: &Env) -> std::result::Result<Response, ApiError> {
    let config = Config::from_env(env);
    Ok(Response::from_json(&view(db, id, config.token_secret()?).await?)?)
}

/// `POST /v1/complaints/status`: 我的投诉's lines for the tickets a browser keeps (id + token
/// each; those whose token does not match are left out, never an error that tells them apart).
async fn status_inner(mut req: Request, ctx: &RouteContext<()>) -> std::result::Result<Response, ApiError> {
    let body: StatusRequest = BODY.read(&mut req).await?;
    if body.tickets.len() > MAX_STATUS_TICKETS {
        return Err(ApiError::InvalidAction(format!("at most {MAX_STATUS_TICKETS} tickets per request")));
    }
    let config = Config::from_env(&ctx.env);
    let secret = config.token_secret()?;
    let ids: Vec<&str> = body.tickets.iter().filter(|t| token::verify(secret, &t.id, &t.token)).map(|t| t.id.as_str()).collect();
    let tickets = if ids.is_empty() { Vec::new() } else { space::summaries(&store::db(&ctx.env)?, &ids).await? };
    Ok(Response::from_json(&StatusAnswer { tickets })?)
}

/// `POST /v1/complaints/:id/messages`: 补充信息, masked; a ticket waiting for the customer opens
/// again. Idempotent with `Idempotency-Key`: a retry answers the ticket as it is.
async fn message_inner(mut req: Request, ctx: &RouteContext<()>) -> std::result::Result<Response, ApiError> {
    let id = crate::complaints::authorized_id(&req, ctx)?.to_string();
    let body: CustomerMessage = BODY.read(&mut req).await?;
    qingting_shared::intake::submission::validate_text(&body.text)?;
    let key = req.headers().get("Idempotency-Key")?;
    let key = qingting_shared::intake::submission::validate_idempotency_key(key.as_deref())?.to_string();
    let db = store::db(&ctx.env)?;
    if complaints::event_with_key(&db, &id, ChangeKind::CustomerMessaged, &key).await? {
        return respond(&db, &id, &ctx.env).await;
    }
    let row = complaints::by_id(&db, &id).await?.ok_or(ApiError::NotFound)?;
    let text = mask_pii(body.text.trim()).text;
    let now = forward::now_iso();
    let action = Action::CustomerMessage { text };
    match crate::complaints::customer_change_keyed(&db, &row, &action, &now, Some(&key)).await {
        Ok(true) => {}
        Ok(false) => return Err(ApiError::ActionNotAllowed("the ticket changed meanwhile; try again".into())),
        Err(e) => return Err(e),
    }
    respond(&db, &id, &ctx.env).await
}

/// `POST /v1/complaints/:id/solved`: the customer's 已解决, recorded once. On an automatic answer
/// it offers the survey; on a resolution it confirms it. Other states: 409.
async fn solved_inner(req: Request, ctx: &RouteContext<()>) -> std::result::Result<Response, ApiError> {
    let id = crate::complaints::authorized_id(&req, ctx)?.to_string();
    let db = store::db(&ctx.env)?;
    let row = complaints::by_id(&db, &id).await?.ok_or(ApiError::NotFound)?;
    match row.status {
        TicketStatus::AutoReplied => space::confirm(&db, &id, true, &forward::now_iso()).await?,
        TicketStatus::Resolved | TicketStatus::Closed => space::confirm(&db, &id, false, &forward::now_iso()).await?,
        _ => return Err(ApiError::ActionNotAllowed("the ticket is still being worked; say so once it is answered".into())),
    }
    respond(&db, &id, &ctx.env).await
}

/// `POST /v1/complaints/:id/rating`: the survey's answer, once, while the ticket is not closed
/// (the same answer again is a retry and answers the view). A low score, or a clearly negative
/// comment, opens a 预警工单 for the supervisor of whoever held the ticket, exactly once; the
/// merchant's webhooks get a signed `csat.submitted`.
async fn rating_inner(mut req: Request, ctx: &RouteContext<()>) -> std::result::Result<Response, ApiError> {
    let id = crate::complaints::authorized_id(&req, ctx)?.to_string();
    let mut rating: Rating = BODY.read(&mut req).await?;
    rating.validate()?;
    rating.comment = mask_pii(rating.comment.trim()).text;
    let db = store::db(&ctx.env)?;
    let row = complaints::by_id(&db, &id).await?.ok_or(ApiError::NotFound)?;
    let Some(survey) = space::survey(&db, &id).await? else {
        return Err(ApiError::NotRatable("no survey is offered on this ticket (it is rated once resolved, or once you confirm an automatic answer)"));
    };
    if let Some(score) = survey.score {
        let same = score as u8 == rating.score && survey.comment.as_deref().unwrap_or("") == rating.comment;
        return if same { respond(&db, &id, &ctx.env).await } else { Err(ApiError::AlreadyRated) };
    }
    if row.status == TicketStatus::Closed {
        return Err(ApiError::NotRatable("the ticket is closed; its survey no longer takes answers"));
    }
    let now = forward::now_iso();
    if !space::answer(&db, &id, rating.score, rating.reason.map(|r| r.as_str()), &rating.comment, &now).await? {
        // A concurrent answer, or the ticket closed meanwhile.
        return match space::survey(&db, &id).await?.and_then(|s| s.score) {
            Some(s) if s as u8 == rating.score => respond(&db, &id, &ctx.env).await,
            Some(_) => Err(ApiError::AlreadyRated),
            None => Err(ApiError::NotRatable("the ticket is closed; its survey no longer takes answers")),
        };
    }
    if needs_alert(&rating, comment_is_negative(Classifier::builtin(), &rating.comment)) {
        open_alert(&db, &row, &rating, survey.credited_id.as_deref(), &now).await?;
    }
    forward::enqueue(
        &ctx.env,
        &ForwardJob {
            complaint_id: id.clone(),
            reason: ForwardReason::Created,
            notice: None,
            csat: Some(CsatJob {
                site: row.site_key.clone(),
                ticket_no: row.ticket_no.clone(),
                score: rating.score,
                reason: rating.reason.map(|r| r.as_str().to_string()),
                comment: rating.comment.clone(),
                credited: survey.credited_id.clone(),
                key: format!("csat/{id}"),
            }),
        },
    )
    .await;
    respond(&db, &id, &ctx.env).await
}

/// The 预警工单 of a low rating: linked to `original`, held as it was, assigned to the holder's
/// supervisor, on its own short clock; at most one per original.
async fn open_alert(db: &D1Database, original: &ComplaintRow, rating: &Rating, credited: Option<&str>, now: &str) -> std::result::Result<(), ApiError> {
    let site = sites::existing(db, &original.site_key).await?;
    let team = original.team_id.as_deref();
    // A site of the platform's own has no merchant: its people are the platform's.
    let scope = if site.merchant_id.is_none() { Holder::Platform } else { original.holder };
    let supervisor = space::supervisor_for(db, scope, site.merchant_id.as_deref(), team).await?;
    let reason = rating.reason.map(|r| r.label(Lang::ZhCn)).unwrap_or("未选择原因");
    let mut text = format!("【预警工单】客户对工单 {} 的评分为 {} 分（{reason}）。", original.ticket_no, rating.score);
    if !rating.comment.is_empty() {
        text.push_str(&format!("客户留言：{}", rating.comment));
    }
    if let Some(name) = match credited {
        Some(c) => space::display_name(db, c).await?,
        None => None,
    } {
        text.push_str(&format!("（处理人：{name}）"));
    }
    text.push_str(" 请回访客户并记录回访结果后再关闭。");
    let terms = sla::terms_for_site(db, &original.site_key).await?;
    let (first, resolve) = ALERT_TARGETS_MINUTES;
    let policy = SlaPolicy { first_response: [first; 4], resolution: [resolve; 4], ..SlaPolicy::default() };
    let created = Calendar::parse_instant(now).map_err(|e| ApiError::Internal(e.to_string()))?;
    let clocks = Clocks::start(&policy, Priority::P2, created);
    let columns = sla::ClockColumns::of(Some(&clocks), &terms.calendar)?;
    insert_linked(db, original, TicketKind::Alert, &text, Priority::P2, original.holder, team, supervisor.as_deref(), &columns, now).await.map(|_| ())
}

/// Inserts a linked ticket with a fresh ticket number (retrying a collision); its id, whether
/// this call stored it or another had.
#[allow(clippy::too_many_arguments)]
async fn insert_linked(
    db: &D1Database,
    original: &ComplaintRow,
    kind: TicketKind,
    text: &str,
    priority: Priority,
    holder: Holder,
    team: Option<&str>,
    assignee: Option<&str>,
    clocks: &sla::ClockColumns,
    now: &str,
) -> std::result::Result<(String, bool), ApiError> {
    let id = uuid::Uuid::new_v4().to_string();
    let date = js_sys::Date::new_0();
    for _ in 0..3 {
        let random = u32::from_le_bytes(uuid::Uuid::new_v4().as_bytes()[..4].try_into().unwrap_or_default());
        let ticket_no = TicketNo::generate(date.get_utc_full_year(), date.get_utc_month() + 1, date.get_utc_date(), random);
        let t = LinkedTicket {
            id: &id,
            ticket_no: &ticket_no,
            kind,
            original,
            text,
            priority,
            holder,
            team,
            assignee,
            now,
            clocks,
            forwards: kind == TicketKind::Complaint,
        };
        match space::insert_linked(db, &t).await? {
            Linked::Stored => return Ok((id, true)),
            Linked::Exists(existing) => return Ok((existing, false)),
            Linked::TicketNoTaken => continue,
        }
    }
    Err(ApiError::Internal("could not allocate a unique ticket number".into()))
}

/// 未解决 after the reopen window (or on a closed ticket): a new complaint linked to the original,
/// with its text, forwarded and routed like a new one; at most one per original. Its id, and
/// whether this call created it.
pub async fn follow_up(db: &D1Database, original: &ComplaintRow, now: &str) -> std::result::Result<(String, bool), ApiError> {
    let text = format!("（客户表示工单 {} 的问题仍未解决）{}", original.ticket_no, original.text);
    let terms = sla::terms_for_site(db, &original.site_key).await?;
    let priority = original.priority.unwrap_or(Priority::P3);
    let created = Calendar::parse_instant(now).map_err(|e| ApiError::Internal(e.to_string()))?;
    let clocks = Clocks::start(&terms.policy, priority, created);
    let columns = sla::ClockColumns::of(Some(&clocks), &terms.calendar)?;
    insert_linked(db, original, TicketKind::Complaint, &text, priority, original.holder, original.team_id.as_deref(), None, &columns, now).await
}
