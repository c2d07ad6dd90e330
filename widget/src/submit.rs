//! Submitting a complaint: one idempotency key per draft, automatic retries for failures that may
//! be passing (network, 5xx), a wait of `Retry-After` when the server says too many (429, then
//! the form sends again by itself), never a retry for a refusal (other 4xx).
//!
//! Answers are read with the browser's `JSON.parse` rather than serde_json's deserializer: that
//! deserializer (with its float formatting for error messages) cost about 5 KB brotli of the
//! widget's 100 KB budget, for six string fields.

use gloo_net::http::Request;
use gloo_timers::future::TimeoutFuture;
use js_sys::{JSON, Reflect};
use qingting_shared::api::{ComplaintReceipt, ReplyAuthor, TicketReply};
use qingting_shared::{Category, ComplaintSubmission, ErrorCode, Priority, TicketNo, TicketStatus};
use wasm_bindgen::JsValue;

/// Why a submission did not succeed.
#[derive(Clone, Debug, PartialEq)]
pub enum SubmitError {
    /// No answer (offline, DNS, CORS, connection reset).
    Network,
    /// The server failed (5xx).
    Unavailable(u16),
    /// Too many submissions from here (429): try again after this many seconds (`Retry-After`).
    Busy(u32),
    /// The server refused the submission (or it could not be sent). `code` is the API's error
    /// code, `None` when the answer had none this widget knows (e.g. a proxy's error page, or a
    /// request that could not be built); `message` is the server's, or `HTTP {status}`.
    Rejected { code: Option<ErrorCode>, message: String },
}

/// Delays before the 2nd and 3rd attempt.
const BACKOFF_MS: [u32; 2] = [600, 1_800];

/// How long one attempt may take before it counts as a network failure (and is retried under
/// the same key): a request that never answers must not hold the panel forever.
const ATTEMPT_MS: u32 = 15_000;

/// An abort signal that fires after [`ATTEMPT_MS`] (`None` where the browser has no
/// `AbortController`: the attempt then has no limit).
pub fn deadline() -> Option<web_sys::AbortSignal> {
    let controller = web_sys::AbortController::new().ok()?;
    let signal = controller.signal();
    gloo_timers::callback::Timeout::new(ATTEMPT_MS, move || controller.abort()).forget();
    Some(signal)
}

/// Submits with up to three attempts under the same idempotency key, so a retry can never create a
/// second ticket.
pub async fn submit(api: &str, idempotency_key: &str, body: &ComplaintSubmission) -> Result<ComplaintReceipt, SubmitError> {
    let mut last = SubmitError::Network;
    for attempt in 0..=BACKOFF_MS.len() {
        if attempt > 0 {
            TimeoutFuture::new(BACKOFF_MS[attempt - 1]).await;
        }
        match submit_once(api, idempotency_key, body).await {
            Ok(receipt) => return Ok(receipt),
            Err(e @ (SubmitError::Rejected { .. } | SubmitError::Busy(_))) => return Err(e),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// A string field of a parsed JSON object (`None` when absent, null or not a string).
fn field(obj: &JsValue, name: &str) -> Option<String> {
    Reflect::get(obj, &JsValue::from_str(name)).ok()?.as_string()
}

/// Reads a `201` answer; `None` when it is not a well-formed receipt.
fn receipt(json: &JsValue) -> Option<ComplaintReceipt> {
    Some(ComplaintReceipt {
        id: field(json, "id")?,
        ticket_no: TicketNo::parse(&field(json, "ticket_no")?)?,
        status: TicketStatus::parse(&field(json, "status")?)?,
        category: field(json, "category").map(Category::new),
        priority: field(json, "priority").as_deref().and_then(Priority::parse),
        access_token: field(json, "access_token")?,
        reply: reply(&Reflect::get(json, &JsValue::from_str("reply")).ok()?),
    })
}

fn reply(obj: &JsValue) -> Option<TicketReply> {
    Some(TicketReply {
        author: ReplyAuthor::parse(&field(obj, "author")?)?,
        faq_id: field(obj, "faq_id"),
        text: field(obj, "text")?,
        created_at: field(obj, "created_at").unwrap_or_default(),
    })
}

/// "未解决": reopens an automatically answered ticket; the new status on success.
pub async fn reopen(api: &str, id: &str, access_token: &str) -> Result<TicketStatus, SubmitError> {
    let url = format!("{}/v1/complaints/{id}/reopen", api.trim_end_matches('/'));
    let mut last = SubmitError::Network;
    for attempt in 0..=BACKOFF_MS.len() {
        if attempt > 0 {
            TimeoutFuture::new(BACKOFF_MS[attempt - 1]).await;
        }
        let signal = deadline();
        let sent = Request::post(&url).abort_signal(signal.as_ref()).header("Authorization", &format!("Bearer {access_token}")).send().await;
        let Ok(response) = sent else { continue };
        let status = response.status();
        let json = JSON::parse(&response.text().await.unwrap_or_default()).unwrap_or(JsValue::NULL);
        if (200..300).contains(&status) {
            return field(&json, "status").as_deref().and_then(TicketStatus::parse).ok_or(SubmitError::Unavailable(status));
        }
        last = SubmitError::Unavailable(status);
        if status < 500 && status != 429 {
            return Err(refusal(status, &json));
        }
    }
    Err(last)
}

async fn submit_once(api: &str, idempotency_key: &str, body: &ComplaintSubmission) -> Result<ComplaintReceipt, SubmitError> {
    let url = format!("{}/v1/complaints", api.trim_end_matches('/'));
    let encoded = serde_json::to_string(body).map_err(|_| SubmitError::Rejected { code: None, message: "could not encode the request".into() })?;
    let signal = deadline();
    let request = Request::post(&url)
        .abort_signal(signal.as_ref())
        .header("Idempotency-Key", idempotency_key)
        .header("Content-Type", "application/json")
        .body(encoded)
        .map_err(|_| SubmitError::Rejected { code: None, message: "could not build the request".into() })?;
    let response = request.send().await.map_err(|_| SubmitError::Network)?;
    let status = response.status();
    if status == 429 {
        let wait = response.headers().get("Retry-After").and_then(|v| v.trim().parse::<u32>().ok()).unwrap_or(60);
        return Err(SubmitError::Busy(wait.clamp(1, 300)));
    }
    let text = response.text().await.map_err(|_| SubmitError::Network)?;
    let json = JSON::parse(&text).unwrap_or(JsValue::NULL);
    if (200..300).contains(&status) {
        return receipt(&json).ok_or(SubmitError::Unavailable(status));
    }
    if status >= 500 || status == 429 {
        return Err(SubmitError::Unavailable(status));
    }
    // A refusal is never retried, even one without our JSON body (a proxy's error page).
    Err(refusal(status, &json))
}

/// A refusal's `{"error":{"code","message"}}`; without a code, the message is `HTTP {status}`.
fn refusal(status: u16, json: &JsValue) -> SubmitError {
    let error = Reflect::get(json, &JsValue::from_str("error")).unwrap_or(JsValue::NULL);
    match field(&error, "code") {
        Some(code) => SubmitError::Rejected { code: ErrorCode::parse(&code), message: field(&error, "message").unwrap_or_default() },
        None => SubmitError::Rejected { code: None, message: format!("HTTP {status}") },
    }
}
