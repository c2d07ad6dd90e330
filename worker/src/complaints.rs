//! `POST /v1/complaints` and `GET /v1/complaints/:id`.

use qingting_shared::api::{ComplaintReceipt, ReplyAuthor, TicketReply};
use qingting_shared::classify::Classifier;
use qingting_shared::complaint::validate_idempotency_key;
use qingting_shared::faq::route;
use qingting_shared::forward::ForwardReason;
use qingting_shared::mask::mask_pii;
use qingting_shared::{ComplaintSubmission, Lang, TicketNo};
use sha2::{Digest, Sha256};
use worker::{D1Database, Request, Response, Result, RouteContext};

use crate::error::ApiError;
use crate::forward::{self, ForwardJob};
use crate::store::{self, ComplaintRow, Inserted, NewComplaint};
use crate::token;

/// Largest accepted request body. 2,000 characters of text escaped as `\uXXXX` are 12 KB.
const MAX_BODY_BYTES: usize = 32 * 1024;

handler!(create, create_inner);
handler!(show, show_inner);
// `POST /v1/complaints/:id/reopen`: "未解决" on an automatic answer.
handler!(reopen, reopen_inner);

fn db(ctx: &RouteContext<()>) -> Result<D1Database, ApiError> {
    store::db(&ctx.env)
}

fn token_secret(ctx: &RouteContext<()>) -> Result<String, ApiError> {
    ctx.env
        .secret("TOKEN_SECRET")
        .map(|s| s.to_string())
        .ok()
        .filter(|s| s.len() >= 16)
        .ok_or(ApiError::Misconfigured("TOKEN_SECRET is missing or shorter than 16 characters"))
}

async fn create_inner(mut req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let content_type = req.headers().get("Content-Type")?.unwrap_or_default();
    if !content_type.to_ascii_lowercase().starts_with("application/json") {
        return Err(ApiError::UnsupportedMediaType);
    }
    // Refuse a declared oversize body before reading it; check the real size after.
    let declared = req.headers().get("Content-Length")?.and_then(|v| v.trim().parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return Err(ApiError::PayloadTooLarge(MAX_BODY_BYTES));
    }
    let body = req.bytes().await?;
    if body.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge(MAX_BODY_BYTES));
    }
    let body = std::str::from_utf8(&body).map_err(|_| ApiError::InvalidUtf8)?;
    let submission: ComplaintSubmission = serde_json::from_str(body).map_err(|e| ApiError::InvalidJson(e.to_string()))?;
    let key_header = req.headers().get("Idempotency-Key")?;
    let idempotency_key = validate_idempotency_key(key_header.as_deref())?;
    let complaint = submission.validate()?;

    let db = db(ctx)?;
    let secret = token_secret(ctx)?;
    let site = store::site(&db, &complaint.site).await?.ok_or(ApiError::UnknownSite)?;
    let origin = req.headers().get("Origin")?;
    if !origin.as_deref().is_some_and(|o| site.allows_origin(o)) {
        return Err(ApiError::OriginNotAllowed);
    }

    let request_hash = hex::encode(Sha256::digest(complaint.fingerprint_input().as_bytes()));
    if let Some(existing) = store::complaint_by_key(&db, &site.key, idempotency_key).await? {
        return replay(&db, existing, &request_hash, &secret).await;
    }

    // Never trust the client: classify again with the same code the widget ran.
    let classifier = Classifier::builtin();
    let classification = classifier.classify(&complaint.text);
    let masked = mask_pii(&complaint.text);
    // Answer from the FAQ, acknowledge, or forward: the same routing as `qingting faq`.
    let index = crate::faq::site_index(&site)?;
    let routing = route(&index, classifier.segmenter(), &masked.text, &classification, site.thresholds());
    let reply_entry = routing.reply.map(|i| &index.pack().entries[i]);
    let reply_text = reply_entry.map(|e| e.answer.get(complaint.lang).to_string());
    let status = routing.decision.status();
    let categories_json = serde_json::to_string(&classification.categories).map_err(|e| ApiError::Internal(e.to_string()))?;
    let primary = classification.primary.as_ref().map(|c| c.as_str().to_string());
    let id = uuid::Uuid::new_v4().to_string();
    let now = js_sys::Date::new_0();
    let now_iso: String = now.to_iso_string().into();

    for _attempt in 0..3 {
        let random = u32::from_le_bytes(uuid::Uuid::new_v4().as_bytes()[..4].try_into().unwrap_or_default());
        let ticket_no = TicketNo::generate(now.get_utc_full_year(), now.get_utc_month() + 1, now.get_utc_date(), random);
        let row = NewComplaint {
            id: &id,
            ticket_no: ticket_no.as_str(),
            site: &site.key,
            idempotency_key,
            request_hash: &request_hash,
            text: &masked.text,
            order_id: complaint.order_id.as_deref(),
            contact: complaint.contact.as_deref(),
            lang: complaint.lang.tag(),
            status,
            complaint: classification.complaint,
            complaint_score: classification.complaint_score,
            category: primary.as_deref(),
            categories_json: &categories_json,
            priority: classification.priority,
            client_category: complaint.client_category.as_deref(),
            client_priority: complaint.client_priority,
            model_version: classifier.model_version(),
            decision: routing.decision,
            reply: reply_entry.zip(reply_text.as_deref()).map(|(e, t)| (e.id.as_str(), t)),
            now: &now_iso,
        };
        match store::insert_complaint(&db, &row).await? {
            Inserted::Stored => {
                if routing.decision.forwards() {
                    forward::enqueue(&ctx.env, &ForwardJob { complaint_id: id.clone(), reason: ForwardReason::Created }).await;
                }
                let receipt = ComplaintReceipt {
                    access_token: token::issue(&secret, &id),
                    id,
                    ticket_no,
                    status,
                    category: classification.primary,
                    priority: classification.priority,
                    reply: reply_entry.zip(reply_text).map(|(e, text)| TicketReply {
                        author: ReplyAuthor::Faq,
                        faq_id: Some(e.id.clone()),
                        text,
                        created_at: now_iso.clone(),
                    }),
                };
                return Ok(Response::from_json(&receipt)?.with_status(201));
            }
            Inserted::KeyTaken => {
                // A concurrent request with the same key stored first: answer with its ticket.
                let existing =
                    store::complaint_by_key(&db, &site.key, idempotency_key).await?.ok_or_else(|| ApiError::Internal("idempotency row vanished".into()))?;
                return replay(&db, existing, &request_hash, &secret).await;
            }
            Inserted::TicketNoTaken => continue,
        }
    }
    Err(ApiError::Internal("could not allocate a unique ticket number".into()))
}

/// Answers a retry with the ticket it already created, or refuses a reused key.
async fn replay(db: &D1Database, existing: ComplaintRow, request_hash: &str, secret: &str) -> Result<Response, ApiError> {
    if existing.request_hash != request_hash {
        return Err(ApiError::IdempotencyConflict);
    }
    let reply = store::replies(db, &existing.id).await?.into_iter().next();
    let receipt = ComplaintReceipt {
        reply,
        ticket_no: existing.ticket_no()?,
        status: existing.status()?,
        category: existing.category(),
        priority: existing.priority(),
        access_token: token::issue(secret, &existing.id),
        id: existing.id,
    };
    let response = Response::from_json(&receipt)?.with_status(201);
    response.headers().set("Idempotent-Replayed", "true")?;
    Ok(response)
}

/// The complaint id of the path, once the customer's access token for it is checked.
fn authorized_id<'a>(req: &Request, ctx: &'a RouteContext<()>) -> Result<&'a str, ApiError> {
    let id = ctx.param("id").ok_or(ApiError::NotFound)?;
    if uuid::Uuid::try_parse(id).is_err() {
        return Err(ApiError::NotFound);
    }
    let secret = token_secret(ctx)?;
    let auth = req.headers().get("Authorization")?.unwrap_or_default();
    let presented = auth.strip_prefix("Bearer ").unwrap_or("");
    if !token::verify(&secret, id, presented) {
        return Err(ApiError::Unauthorized);
    }
    Ok(id)
}

async fn view(db: &D1Database, id: &str) -> Result<Response, ApiError> {
    let row = store::complaint_by_id(db, id).await?.ok_or(ApiError::NotFound)?;
    let replies = store::replies(db, id).await?;
    Ok(Response::from_json(&row.into_view(replies)?)?)
}

async fn show_inner(req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let id = authorized_id(&req, ctx)?;
    view(&db(ctx)?, id).await
}

/// Reopens an auto-replied ticket and forwards it. Idempotent: a ticket already reopened answers
/// its current view again; any other state cannot be reopened by the customer.
async fn reopen_inner(req: Request, ctx: &RouteContext<()>) -> Result<Response, ApiError> {
    let id = authorized_id(&req, ctx)?;
    let db = db(ctx)?;
    let now = forward::now_iso();
    if store::reopen(&db, id, &now).await? {
        forward::enqueue(&ctx.env, &ForwardJob { complaint_id: id.to_string(), reason: ForwardReason::Reopened }).await;
    } else {
        let row = store::complaint_by_id(&db, id).await?.ok_or(ApiError::NotFound)?;
        if row.reopened_at.is_none() {
            return Err(ApiError::CannotReopen(row.status()?.label(Lang::En)));
        }
    }
    view(&db, id).await
}
